#!/usr/bin/env python3
"""Regenerate archive/builtin.jsonl from the shared corpus key archive.

Usage: python3 scripts/build-builtin-archive.py ../shared/corpus > archive/builtin.jsonl

Each output line is one archive record (see docs/archive-format.md). Dates
come only from dated evidence in keys.tsv: the date a public repository first
carried the key, and the t= (or Date) of corpus messages that the key verifies.
"""
import base64, csv, hashlib, json, re, sys

def der_len(b, i):
    n = b[i]; i += 1
    if n < 0x80:
        return n, i
    k = n & 0x7F
    return int.from_bytes(b[i:i + k], "big"), i + k

def rsa_bits(der):
    """Bits of the RSA modulus in an SPKI or PKCS#1 DER key."""
    def walk(b, i, depth):
        # find first INTEGER that is large (the modulus)
        while i < len(b):
            tag = b[i]; ln, j = der_len(b, i + 1)
            if tag == 0x02:
                v = b[j:j + ln].lstrip(b"\0")
                return len(v) * 8 - (8 - v[0].bit_length())
            if tag in (0x30,):
                return walk(b, j, depth + 1)
            if tag == 0x03:  # BIT STRING wrapping RSAPublicKey
                return walk(b, j + 1, depth + 1)
            i = j + ln
        return None
    return walk(der, 0, 0)

def tags(record):
    out = {}
    for part in record.split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = re.sub(r"\s+", "", v)
    return out

DATE = r"(\d{4}-\d{2}-\d{2})"

def main(corpus):
    rows = list(csv.DictReader(open(f"{corpus}/key-archives/keys.tsv"), delimiter="\t"))
    out = []
    for r in rows:
        if r["key"] == "nonexistent":
            continue
        t = tags(r["record"])
        der = base64.b64decode(t["p"])
        sources = []
        for s in r["sources"].split(" | "):
            m = re.search(r"in repo since \S+ " + DATE, s)
            sources.append({"origin": "published in " + s.strip(), "seen": m.group(1) if m else None})
        obs = r["observed_in_corpus_messages"]
        if obs and obs != "-":
            for o in obs.split(" | "):
                m = re.search(r"\(t=" + DATE + r"\)", o) or re.search(r"Date " + DATE, o)
                sources.append({"origin": "verifies a signature in corpus message " + o.strip(),
                                "seen": m.group(1) if m else None})
        seen = sorted(s["seen"] for s in sources if s["seen"])
        k = t.get("k", "rsa")
        rec = {
            "domain": r["domain"],
            "selector": r["selector"],
            "record": r["record"],
            "sha256": hashlib.sha256(der).hexdigest(),
            "key_type": k,
            "bits": rsa_bits(der) if k == "rsa" else 256,
            "first_seen": seen[0] if seen else None,
            "last_seen": seen[-1] if seen else None,
            "sources": sources,
            "notes": r["notes"] or None,
        }
        out.append(rec)
    out.sort(key=lambda x: (x["domain"], x["selector"], x["sha256"]))
    for rec in out:
        print(json.dumps(rec, ensure_ascii=False, sort_keys=False))

main(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus")
