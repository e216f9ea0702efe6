// mailproof serve: the page's only script (served as a file; the page's
// Content-Security-Policy forbids inline script). Every value that came
// from a message is put in the page as text (textContent), never as markup.
"use strict";

// Icons only: the verdict's name and meaning come with each row from the
// server (one function in mailproof owns them, so the page says what the
// reports say).
const ICONS = {
  verified: "✔",
  partially_verified: "◑",
  headers_verified: "◑",
  weak_signature: "!",
  failed: "✖",
  unverifiable: "?",
  unsigned: "–",
  error: "!",
};

const DOWNLOADS = [
  ["report.html", "Report as HTML", "A self-contained page to keep, share or print."],
  ["report.md", "Report as Markdown", "For notes and newsroom wikis."],
  ["report.json", "Report as JSON", "For scripts and other tools."],
  ["keys.zone", "Keys used", "The public keys, with where they came from, so others can repeat the check."],
];

const $ = (id) => document.getElementById(id);

/** Creates an element; strings among the children become text nodes. */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

/** Text that may wrap only after "@", ".", "/", "#", "-" or "_" (and at
 * spaces): addresses and domains never break mid-word. Built from text
 * nodes and <wbr> elements, never markup. */
function breakable(text) {
  const span = el("span", { class: "addr" });
  for (const part of String(text).split(/(?<=[@./#_-])/)) {
    if (span.childNodes.length) span.append(document.createElement("wbr"));
    span.append(document.createTextNode(part));
  }
  return span;
}

function verdictInfo(m) {
  return { label: m.label || m.verdict, icon: ICONS[m.verdict] || "?", meaning: m.meaning || "" };
}

function plural(n, one, many) {
  return n + " " + (n === 1 ? one : many);
}

function say(text) {
  $("alert").textContent = "";
  $("status").textContent = text;
}

function fail(text) {
  $("status").textContent = "";
  // An earlier result must not stay under the alert as if it answered this upload.
  clearResults();
  $("alert").textContent = text;
  $("alert").scrollIntoView({ block: "center" });
}

let state = { batch: null, messages: [], sort: { key: null, dir: 1 } };

function clearResults() {
  state = { batch: null, messages: [], sort: { key: null, dir: 1 } };
  $("results").hidden = true;
  $("list").replaceChildren();
  $("detail").replaceChildren();
}

async function upload(files) {
  files = Array.from(files || []);
  if (files.length === 0) return;
  const info = $("accepted");
  const max = Number(info.dataset.maxBytes) || Infinity;
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total > max) {
    fail("These files are larger than " + info.dataset.maxUpload + ", the most this page accepts at once. " +
      "Check fewer files at a time, or use “mailproof verify” in a terminal: it reads any number of files of any total size, " +
      "and only caps each message at 64 MB (“--max-message-size” raises that).");
    return;
  }
  const form = new FormData();
  for (const f of files) form.append("file", f, f.name);
  say("Checking " + (files.length === 1 ? files[0].name : plural(files.length, "file", "files")) + "…");
  document.body.classList.add("busy");
  let resp, body;
  try {
    resp = await fetch("/api/verify", { method: "POST", body: form, credentials: "same-origin" });
    body = await resp.json().catch(() => null);
  } catch (e) {
    fail("mailproof is not answering. Is it still running? Start it again with “mailproof serve” and reload this page.");
    return;
  } finally {
    document.body.classList.remove("busy");
    $("file").value = "";
  }
  if (!resp.ok || !body || !Array.isArray(body.messages)) {
    fail((body && body.error) || ("The check failed (HTTP " + resp.status + ")."));
    return;
  }
  state = { batch: body.batch, messages: body.messages, sort: { key: null, dir: 1 } };
  showResults();
}

function showResults() {
  const msgs = state.messages;
  $("results").hidden = false;
  $("list").replaceChildren();
  $("detail").replaceChildren();
  if (msgs.length === 1) {
    const m = msgs[0];
    $("detail").append(detail(m, false));
    // the verdict is in the result's own heading: the status line only
    // says where to look
    say("Checked " + m.source + ". The result is below.");
    showAt($("detail-h"));
  } else {
    $("list").append(overview(msgs), table());
    say("Done: the results are below.");
    showAt($("results-h"));
  }
}

/** Scrolls a heading to the top of the window and moves focus to it. */
function showAt(heading) {
  heading.scrollIntoView({ block: "start" });
  heading.focus({ preventScroll: true });
}

function counts(msgs) {
  const by = {}, first = {};
  for (const m of msgs) {
    by[m.verdict] = (by[m.verdict] || 0) + 1;
    if (!first[m.verdict]) first[m.verdict] = m;
  }
  return Object.keys(ICONS)
    .filter((v) => by[v])
    .map((v) => by[v] + " " + verdictInfo(first[v]).label.toLowerCase())
    .join(", ");
}

function link(which, file, label, note) {
  const href = "/b/" + encodeURIComponent(state.batch) + "/" + which + "/" + file + "?download=1";
  return el("li", {},
    el("a", { class: "button", href, download: "" }, label),
    el("span", { class: "note" }, note));
}

function downloads(which, title) {
  const id = "dl-" + which;
  return el("section", { class: "downloads", "aria-labelledby": id },
    el("h3", { id }, title),
    el("ul", {}, ...DOWNLOADS.map(([f, l, n]) => link(which, f, l, n))));
}

function overview(msgs) {
  return el("div", { class: "overview" },
    el("p", {}, plural(msgs.length, "message", "messages") + " checked: " + counts(msgs) + "."),
    downloads("all", "Save the results for all messages"));
}

const COLUMNS = [
  ["verdict", "Verdict"],
  ["from", "From"],
  ["subject", "Subject"],
  ["date", "Date"],
  ["signer", "Signed by"],
];

function sortValue(m, key) {
  if (key === "verdict") return m.rank;
  if (key === "date") return m.timestamp === null || m.timestamp === undefined ? null : m.timestamp;
  const v = m[key];
  return v === null || v === undefined ? null : String(v).toLowerCase();
}

function sorted() {
  const { key, dir } = state.sort;
  const rows = state.messages.slice();
  if (!key) return rows;
  rows.sort((a, b) => {
    const x = sortValue(a, key), y = sortValue(b, key);
    if (x === y) return a.n - b.n;
    if (x === null) return 1; // missing values last, whatever the direction
    if (y === null) return -1;
    return (x < y ? -1 : 1) * dir;
  });
  return rows;
}

function table() {
  const { key, dir } = state.sort;
  const head = el("tr", {},
    el("th", { scope: "col" }, "Report"),
    ...COLUMNS.map(([k, label]) => {
      const on = key === k;
      const btn = el("button", { type: "button", class: "sort", "data-key": k }, label,
        el("span", { class: "arrow", "aria-hidden": "true" }, on ? (dir > 0 ? " ▲" : " ▼") : " ↕"));
      btn.addEventListener("click", () => sortBy(k));
      return el("th", { scope: "col", "aria-sort": on ? (dir > 0 ? "ascending" : "descending") : null }, btn);
    }));
  const body = el("tbody", {}, ...sorted().map(row));
  return el("div", { class: "table-wrap", role: "region", "aria-labelledby": "table-caption", tabindex: "0" },
    el("table", { class: "messages" },
      el("caption", { id: "table-caption" },
        "Messages. Sort with the column buttons; open a message's full report with its “Open” button."),
      el("thead", {}, head), body));
}

function row(m) {
  const info = verdictInfo(m);
  const open = el("button", { type: "button", class: "open", "aria-label": "Open report " + m.n + ": " + (m.subject || m.source) }, "Open");
  open.addEventListener("click", () => openMessage(m));
  return el("tr", {},
    el("td", {}, open),
    el("td", { class: "v v-" + m.verdict + (m.critical ? " v-critical" : "") }, el("span", { "aria-hidden": "true" }, info.icon + " "), info.label),
    el("td", {}, breakable(m.from || "—")),
    el("td", {}, m.subject || "—", el("div", { class: "src" }, breakable(m.source))),
    el("td", {}, m.date || "—"),
    el("td", {}, breakable(m.signer || "—")));
}

function sortBy(key) {
  const s = state.sort;
  state.sort = { key, dir: s.key === key ? -s.dir : 1 };
  const wrap = document.querySelector(".table-wrap");
  wrap.replaceWith(table());
  const btn = document.querySelector('.sort[data-key="' + key + '"]');
  if (btn) btn.focus();
  const label = COLUMNS.find(([k]) => k === key)[1];
  say("Sorted by " + label + ", " + (state.sort.dir > 0 ? "ascending" : "descending") + ".");
}

function openMessage(m) {
  $("detail").replaceChildren(detail(m, true));
  say("Opened the report of message " + m.n + ".");
  showAt($("detail-h"));
}

function field(dl, name, value) {
  if (!value) return;
  dl.append(el("dt", {}, name), el("dd", {}, value));
}

function bullets(title, items, cls) {
  if (!items || items.length === 0) return null;
  return el("div", { class: cls }, el("h4", {}, title), el("ul", {}, ...items.map((t) => el("li", {}, t))));
}

function detail(m, fromList) {
  const info = verdictInfo(m);
  const meta = el("dl", { class: "meta" });
  field(meta, "From", m.from);
  field(meta, "To", m.to);
  field(meta, "Subject", m.subject);
  field(meta, "Date", m.date);
  field(meta, "Signed by", m.signer);
  field(meta, "File", m.source);
  const back = fromList ? el("button", { type: "button", class: "button" }, "Back to the list") : null;
  if (back) back.addEventListener("click", () => {
    $("detail").replaceChildren();
    const b = document.querySelector(".open[aria-label^=\"Open report " + m.n + ":\"]");
    if (b) b.focus();
  });
  const again = el("button", { type: "button", class: "button" }, "Check another message");
  again.addEventListener("click", () => { $("pick").scrollIntoView(); $("file").focus(); });
  const frame = el("iframe", {
    class: "report",
    title: "Full report" + (m.subject ? ": " + m.subject : ""),
    src: "/b/" + encodeURIComponent(state.batch) + "/" + m.n + "/report.html",
    sandbox: "allow-same-origin",
    referrerpolicy: "no-referrer",
  });
  frame.addEventListener("load", () => fit(frame));
  return el("article", { class: "detail", "aria-labelledby": "detail-h" },
    el("div", { class: "banner v-" + m.verdict + (m.critical ? " v-critical" : "") },
      el("h3", { id: "detail-h", tabindex: "-1", class: "verdict" },
        el("span", { class: "icon", "aria-hidden": "true" }, info.icon),
        " " + info.label),
      el("p", { class: "meaning" }, info.meaning),
      el("p", { class: "summary" }, m.summary)),
    meta,
    el("div", { class: "proof" },
      bullets("What the signature proves", m.proves, "proves"),
      bullets("What it does not prove", m.does_not_prove, "not-proves")),
    downloads(String(m.n), "Save this report"),
    el("div", { class: "actions" }, back, again),
    el("h4", { class: "full-h" }, "Full report"),
    frame);
}

/** Sizes a report frame to its content, so the page scrolls as one. The
 * page already shows the verdict above the frame, so the report's own
 * verdict banner is hidden there (it stays in the downloads). */
function fit(frame) {
  try {
    const d = frame.contentDocument;
    if (d) d.querySelectorAll(".message > .banner").forEach((b) => { b.hidden = true; });
    if (d && d.documentElement) frame.style.height = (d.documentElement.scrollHeight + 4) + "px";
  } catch (e) { /* not readable: keep the default height */ }
}

function setup() {
  const input = $("file");
  input.addEventListener("change", () => upload(input.files));
  const drop = $("drop");
  // Dropping a file anywhere must not make the browser open it instead.
  for (const ev of ["dragover", "drop"]) document.addEventListener(ev, (e) => e.preventDefault());
  document.addEventListener("dragenter", () => drop.classList.add("over"));
  document.addEventListener("dragleave", (e) => { if (!e.relatedTarget) drop.classList.remove("over"); });
  document.addEventListener("drop", (e) => {
    drop.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files.length) upload(e.dataTransfer.files);
  });
  let t = null;
  window.addEventListener("resize", () => {
    clearTimeout(t);
    t = setTimeout(() => document.querySelectorAll("iframe.report").forEach(fit), 150);
  });
}

document.addEventListener("DOMContentLoaded", setup);
