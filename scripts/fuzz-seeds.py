#!/usr/bin/env python3
"""Builds the fuzz seed corpora from fixtures/ (nothing generated is committed).

    scripts/fuzz-seeds.py            # writes fuzz/corpus/<target>/

Seeds are named by the SHA-256 of their content, so re-running is idempotent
and libFuzzer's own corpus additions (also content-named) sit beside them.
"""
import hashlib
import io
import pathlib
import re
import tarfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
OUT = ROOT / "fuzz" / "corpus"
MAX_SEED = 320 * 1024


def zip_entry(z, name, data, method=zipfile.ZIP_DEFLATED):
    """A zip entry with a fixed date, so seeds are the same on every run."""
    z.writestr(zipfile.ZipInfo(name, (2015, 6, 1, 12, 0, 0)), data, compress_type=method)


def tar_of(entries, gz=False):
    """A tar (or .tar.gz) of (name, bytes), with fixed metadata."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w", format=tarfile.GNU_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1433160000
            t.addfile(info, io.BytesIO(data))
    out = buf.getvalue()
    # gzip's header carries a time: fixed, so seeds are the same on every run
    return out[:4] + b"\0\0\0\0" + out[8:] if gz else out


def msg_recipe(flags, headers, *attachments):
    """A recipe for the `msg` target (see fuzz_targets/msg.rs): flags, no
    byte pokes, the header block, then one part per attachment."""
    return bytes([flags, 0]) + b"\0\0\0\0".join((headers,) + attachments)


def forward(inner, how):
    """`inner` carried in a new message: as message/rfc822 (plain or
    base64), as a bounce's text/rfc822-headers, or in a digest."""
    head = b"From: fwd@example.org\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n"
    if how == "digest":
        return (head + b'Content-Type: multipart/digest; boundary="D"\r\n\r\n--D\r\n\r\n'
                + inner + b"\r\n--D--\r\n")
    if how == "headers":
        ctype, part = b"text/rfc822-headers", re.split(rb"\r?\n\r?\n", inner, maxsplit=1)[0] + b"\r\n"
        enc = b""
    elif how == "base64":
        import base64
        ctype, part, enc = b"message/rfc822", base64.encodebytes(inner), b"Content-Transfer-Encoding: base64\r\n"
    else:
        ctype, part, enc = b"message/" + how.encode(), inner, b""
    return (head + b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n--XX\r\n'
            b"Content-Type: text/plain\r\n\r\nsee below\r\n--XX\r\nContent-Type: " + ctype
            + b"\r\n" + enc + b"\r\n" + part + b"\r\n--XX--\r\n")


# Zone files in the forms opendkim-genkey and name servers write: ( ... )
# over lines, $ORIGIN, $TTL, relative and @ owners, escapes, comments.
ZONES = [
    b"""$ORIGIN example.com.
$TTL 3600
; ----- DKIM key sel for example.com
sel._domainkey\tIN\tTXT\t( "v=DKIM1; h=sha256; k=rsa; "
\t  "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB" )  ; ----- DKIM key sel for example.com
@ 300 IN MX 10 mail
""",
    b"""$TTL 1h
$ORIGIN _domainkey.example.org.
s1 TXT "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
s2 86400 IN TXT ( "v=DKIM1;\032k=rsa;"
  "t=y; p=" ) ; revoked
  IN TXT "second\"quoted\\string"
s3.example.net. IN TXT v=DKIM1 k=rsa p=
$ORIGIN .
""",
    b"""; archived 2019-03-01 from dns
brisbane._domainkey.example.com. 60 IN TXT "v=DKIM1; p=" "MIIBIjANBg"
;!NXDOMAIN missing._domainkey.example.com
$INCLUDE other.zone
""",
]


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
        put("files", zbuf.getvalue())
        put("files", box)
        nested = io.BytesIO()
        with zipfile.ZipFile(nested, "w", zipfile.ZIP_STORED) as z:
            zip_entry(z, "inner.zip", zbuf.getvalue(), zipfile.ZIP_STORED)
        put("upload", nested.getvalue())
    small = [m for m in all_messages if len(m) <= 32 * 1024]
    for i, m in enumerate(small):
        head = re.split(rb"\r?\n\r?\n", m, maxsplit=1)[0] + b"\r\n"
        other = small[(i + 1) % len(small)]
        put("msg", msg_recipe(i % 256, head))
        put("msg", msg_recipe(0b0010_0100, head, other, head, m))
        put("attached", forward(m, ("rfc822", "base64", "headers", "digest", "global")[i % 5]))
        if i % 7 == 0:
            put("attached", forward(forward(m, "rfc822"), "base64"))
    for i in range(0, len(small), 8):
        group = [(f"d{i}/m{j}.eml", m) for j, m in enumerate(small[i:i + 8])]
        tar = tar_of(group + [("box.mbox", b"From a@b Mon Jun  1 12:00:00 2015\n" + small[i])])
        tgz = tar_of(group[:3] + [("inner.tar", tar_of(group[3:5]))], gz=True)
        for t in ("upload", "files"):
            put(t, tar)
            put(t, tgz)
    for p in sorted(FIX.rglob("*.pst")) + sorted(FIX.rglob("*.ost")):
        put("pst", p.read_bytes())
        put("files", p.read_bytes())
    for z in ZONES:
        put("archive", z)
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
    for t in sorted(OUT.iterdir()):
        print(f"{t.name}: {len(list(t.iterdir()))} seeds")


if __name__ == "__main__":
    main()
