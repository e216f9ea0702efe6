// The browser half of scripts/browser-test.sh (run it through that script).
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require(process.env.PW);

const URL = process.env.URL;
const OUT = process.env.OUT;
const failures = [];
function check(ok, what) {
  console.log((ok ? "ok   " : "FAIL ") + what);
  if (!ok) failures.push(what);
}

async function shot(page, name, fullPage = true) {
  const file = path.join(OUT, name + ".png");
  await page.screenshot({ path: file, fullPage });
  console.log("     screenshot " + file);
}

/** Drops a file on the drop zone the way a desktop drag does. */
async function dropFile(page, file) {
  const b64 = fs.readFileSync(file).toString("base64");
  const dt = await page.evaluateHandle(({ b64, name }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type: "message/rfc822" }));
    return dt;
  }, { b64, name: path.basename(file) });
  await page.dispatchEvent("#drop", "dragenter", { dataTransfer: dt });
  await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
}

async function download(page, name) {
  const [dl] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("#detail .downloads a", { hasText: name }).first().click(),
  ]);
  const file = path.join(OUT, "downloads", dl.suggestedFilename());
  await dl.saveAs(file);
  return [file, fs.readFileSync(file, "utf8")];
}

(async () => {
  const ctx = await chromium.launchPersistentContext(process.env.PROFILE, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run"],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  const problems = [];
  page.on("dialog", async (d) => { problems.push("dialog: " + d.message()); await d.dismiss(); });
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("request", (r) => { if (!r.url().startsWith(URL)) problems.push("request elsewhere: " + r.url()); });

  // 1. What a first-time user sees.
  await page.goto(URL);
  await shot(page, "1-start");
  check(await page.locator("h1").innerText() === "Is this email authentic?", "page title heading");
  // Keyboard: the first Tab reaches the skip link, the next the file picker.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.id) === "file", "second Tab focuses the file picker");
  await shot(page, "2-keyboard-focus", false);

  // 2. Drop the real message: the verdict, what it proves, the report.
  await dropFile(page, process.env.COFFEE);
  await page.locator(".banner").waitFor();
  const banner = await page.locator(".banner").innerText();
  check(/Verified/.test(banner), "drop → banner says Verified");
  check(await page.locator(".proves li").count() > 0, "proves list shown");
  check(await page.locator(".not-proves li").count() > 0, "does-not-prove list shown");
  check(/result is below/.test(await page.locator("#status").innerText()) &&
    !/Verified/.test(await page.locator("#status").innerText()), "live region points to the result without repeating the verdict");
  check(await page.evaluate(() => document.activeElement.id) === "detail-h", "focus moves to the verdict");
  const frame = page.frameLocator("iframe.report");
  await frame.locator("body").waitFor();
  check(/Meeting for coffee\?/.test(await frame.locator("body").innerText()), "full HTML report in the frame");
  await page.waitForTimeout(300);
  check(!(await frame.locator(".message > .banner").isVisible()), "the frame hides the report's own verdict banner");
  const verdictShown = await page.evaluate(() => {
    const inPage = [...document.querySelectorAll("main *")].filter((e) =>
      e.children.length === 0 && e.offsetParent !== null && /Verified/.test(e.textContent) && !/not /i.test(e.textContent)).length;
    return inPage;
  });
  check(verdictShown === 1, "the verdict word is shown once on the page (" + verdictShown + ")");
  await page.waitForTimeout(300);
  await shot(page, "3-verified");
  await shot(page, "3b-verified-top", false);

  fs.mkdirSync(path.join(OUT, "downloads"), { recursive: true });
  let [f, body] = await download(page, "Report as HTML");
  check(/\.html$/.test(f) && body.includes("Meeting for coffee?") && body.startsWith("<!DOCTYPE html>"), "download HTML report: " + path.basename(f));
  [f, body] = await download(page, "Report as Markdown");
  check(/\.md$/.test(f) && body.includes("Meeting for coffee?"), "download Markdown report: " + path.basename(f));
  [f, body] = await download(page, "Report as JSON");
  check(JSON.parse(body).reports[0].verdict === "verified", "download JSON report: " + path.basename(f));
  [f, body] = await download(page, "Keys used");
  check(body.includes("20120113._domainkey.gmail.com."), "download keys: " + path.basename(f));

  // 3. A narrow window (a phone, or a half-screen window).
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, "no sideways scrolling at 390px (overflow " + overflow + "px)");
  await shot(page, "4-narrow", false);
  await page.setViewportSize({ width: 1280, height: 900 });

  // 4. A zip of many messages: the table, sorting, opening a row by keyboard.
  await page.setInputFiles("#file", path.join(OUT, "samples", "leak.zip"));
  await page.locator("table.messages").waitFor();
  const rows = await page.locator("table.messages tbody tr").count();
  const zipped = Number(process.env.ZIPPED);
  check(rows === zipped, "zip → table of " + rows + " messages (expected " + zipped + ", one per file in the zip)");
  const tallies = await page.evaluate(() => [...document.querySelectorAll("main p, main div.status")]
    .filter((e) => e.offsetParent !== null && /messages? checked: /.test(e.textContent)).map((e) => e.className + ": " + e.textContent));
  check(tallies.length === 1, "the count of messages per verdict is shown once (" + tallies.join(" | ") + ")");
  const [allDl] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("#list .downloads a", { hasText: "Report as HTML" }).click(),
  ]);
  check(allDl.suggestedFilename() === "mailproof-report-leak.html",
    "the download of all messages is named after the upload (" + allDl.suggestedFilename() + ")");
  const midWord = await page.evaluate(() => {
    // a line break inside an address's text is mid-word; after @ . etc. it is not
    let bad = 0;
    for (const span of document.querySelectorAll("table.messages span.addr")) {
      for (const node of span.childNodes) {
        if (node.nodeType !== 3 || node.textContent.length < 2) continue;
        const r = document.createRange();
        r.selectNodeContents(node);
        const rects = [...r.getClientRects()];
        const tops = new Set(rects.map((x) => Math.round(x.top)));
        const oneLine = rects.reduce((w, x) => w + x.width, 0);
        // a run longer than the column with no break opportunity is cut
        // (overflow-wrap), which is not a choice of where to break
        if (tops.size > 1 && !/\s/.test(node.textContent) && oneLine < span.parentElement.clientWidth - 12) bad++;
      }
    }
    return bad;
  });
  check(midWord === 0, "addresses in the table wrap only at @ . / # - _ (" + midWord + " broken mid-word)");
  // first click: worst first (failed, then unverifiable, ...); second: best first
  await page.locator("button.sort", { hasText: "Verdict" }).click();
  check(await page.locator("th[aria-sort=ascending]").count() === 1, "sorting sets aria-sort (ascending)");
  const worst = await page.locator("table.messages tbody tr td.v").first().innerText();
  check(!/^.?\s*Verified/.test(worst), "the first verdict sort puts the weakest first (" + worst.trim() + ")");
  await page.locator("button.sort", { hasText: "Verdict" }).click();
  check(await page.locator("th[aria-sort=descending]").count() === 1, "sorting sets aria-sort (descending)");
  const best = await page.locator("table.messages tbody tr td.v").first().innerText();
  check(/^.?\s*Verified/.test(best), "the second verdict sort puts verified first (" + best.trim() + ")");
  await shot(page, "5-table");
  await page.setViewportSize({ width: 900, height: 900 });
  await shot(page, "5b-table-900px");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator("button.open").nth(1).focus();
  await page.keyboard.press("Enter");
  await page.locator("#detail .banner").waitFor();
  check(await page.evaluate(() => document.activeElement.id) === "detail-h", "Enter on Open shows the report, focus on it");
  await page.waitForTimeout(300);
  await shot(page, "6-table-detail");
  await page.locator("button", { hasText: "Back to the list" }).click();
  check(await page.evaluate(() => document.activeElement.className) === "open", "Back returns focus to the row");

  // 5. Hostile headers: shown as text, nothing runs, no element injected.
  await dropFile(page, path.join(OUT, "samples", "messages", "2-hostile.eml"));
  await page.locator(".banner").waitFor();
  await page.frameLocator("iframe.report").locator("body").waitFor();
  await page.waitForTimeout(500);
  const injected = await page.evaluate(() => document.querySelectorAll("main img, main script, main svg, main iframe:not(.report)").length);
  check(injected === 0, "hostile headers inject no element into the page");
  const inFrame = await page.frameLocator("iframe.report").locator("img, script, svg").count();
  check(inFrame === 0, "hostile headers inject no element into the report");
  await shot(page, "7-hostile");

  // 6. Over the size limit: a clear message, nothing sent.
  await page.setInputFiles("#file", path.join(OUT, "samples", "too-big.eml"));
  await page.locator("#alert").filter({ hasText: "larger than" }).waitFor();
  check(/larger than 2 MB/.test(await page.locator("#alert").innerText()), "over the limit: clear message");
  check(await page.locator("#results").isHidden() && await page.locator(".banner").count() === 0,
    "after an upload error no earlier result stays on screen");
  check(/caps each message at 64 MB/.test(await page.locator("#alert").innerText()), "the limit message states verify's per-message cap");
  await shot(page, "8-too-big", false);

  check(problems.length === 0, "no dialogs, script errors or outside requests" +
    (problems.length ? ": " + problems.join(" | ") : ""));
  await ctx.close();
  console.log(failures.length === 0 ? "browser-test: all checks passed" : "browser-test: " + failures.length + " check(s) failed");
  process.exit(failures.length === 0 ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(2); });
