#!/usr/bin/env python3
"""Builds the fuzz seed corpora from fixtures/ (nothing generated is committed).

    scripts/fuzz-seeds.py            # writes fuzz/corpus/<target>/ and fuzz/seeds/keys.zone

Seeds are named by the SHA-256 of their content, so re-running is idempotent
and libFuzzer's own corpus additions (also content-named) sit beside them.
"""
import hashlib
import io
import pathlib
import re
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
OUT = ROOT / "fuzz" / "corpus"
MAX_SEED = 256 * 1024


def zip_entry(z, name, data, method=zipfile.ZIP_DEFLATED):
    """A zip entry with a fixed date, so seeds are the same on every run."""
    z.writestr(zipfile.ZipInfo(name, (2015, 6, 1, 12, 0, 0)), data, compress_type=method)


def put(target, data):
    if not data or len(data) > MAX_SEED:
        return
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha256(data).hexdigest()[:40]).write_bytes(data)


def messages():
    for p in sorted(FIX.rglob("*")):
        if not p.is_file() or p.suffix in (".zone", ".tsv", ".md", ".pem", ".json", ".jsonl"):
            continue
        if p.name.startswith("LICENSE"):
            continue
        if "messages" in p.parts or p.suffix in (".eml", ".txt", ".msg"):
            yield p.read_bytes()


def header_fields(msg):
    """(name, value) of each header field, folding kept."""
    block = re.split(rb"\r?\n\r?\n", msg, maxsplit=1)[0]
    fields = []
    for line in re.split(rb"(?<=\n)", block):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += line
        elif b":" in line:
            name, value = line.split(b":", 1)
            fields.append([name.strip(), value])
    return fields


def txt_strings(zone_line):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', zone_line))


def main():
    zones = sorted(FIX.rglob("*.zone"))
    all_messages = list(messages())
    # mbox seeds: fixture messages framed as mailboxes (mboxo/mboxrd style)
    for i in range(0, len(all_messages), 8):
        box = b""
        for m in all_messages[i:i + 8]:
            box += b"From sender@example.com Mon Jun  1 12:00:00 2015\n" + m
            box += b"" if m.endswith(b"\n") else b"\n"
            box += b"\n"
        put("mbox", box)
        # upload seeds: the same mailbox, and its messages as a zip (with a
        # mailbox entry and a nested zip), as the page receives them
        put("upload", box)
        zbuf = io.BytesIO()
        with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
            for j, m in enumerate(all_messages[i:i + 8]):
                zip_entry(z, f"m{j}.eml", m)
            zip_entry(z, "box.mbox", box[:4096])
            zip_entry(z, "__MACOSX/._m0.eml", b"x")
        put("upload", zbuf.getvalue())
        nested = io.BytesIO()
        with zipfile.ZipFile(nested, "w", zipfile.ZIP_STORED) as z:
            zip_entry(z, "inner.zip", zbuf.getvalue(), zipfile.ZIP_STORED)
        put("upload", nested.getvalue())
    for m in all_messages:
        put("message", m)
        put("verify", m)
        for name, value in header_fields(m):
            if name.lower() in (b"dkim-signature", b"arc-message-signature", b"arc-seal"):
                put("signature", value)
    for z in zones:
        text = z.read_bytes()
        put("archive", text)
        for line in text.decode("utf-8", "replace").splitlines():
            rec = txt_strings(line)
            if rec:
                put("key_record", rec.encode())
    for p in sorted(FIX.rglob("*.json")) + sorted((ROOT / "archive").glob("*.jsonl")):
        put("archive", p.read_bytes()[:MAX_SEED])
    for p in sorted(FIX.rglob("*.pem")):
        # private keys: only the format matters to the detector
        put("archive", p.read_bytes())
    seeds = ROOT / "fuzz" / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    (seeds / "keys.zone").write_text(
        "".join(z.read_text("utf-8", "replace") + "\n" for z in zones)
    )
    for t in sorted(OUT.iterdir()):
        print(f"{t.name}: {len(list(t.iterdir()))} seeds")


if __name__ == "__main__":
    main()
