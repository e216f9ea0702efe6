#!/usr/bin/env python3
"""Regenerate archive/builtin.jsonl from the key sources in archive/sources/.

Usage: python3 scripts/build-builtin-archive.py [archive/sources] > archive/builtin.jsonl

Inputs (all in the sources directory, described in its README.md):
- corpus-key-archives.tsv: the key table of the shared test corpus (WikiLeaks
  viewer keys and the real-domain keys of the peer test suites); only its
  `sources` column is used (the messages it lists are in sightings.tsv when
  they verify);
- *.zone: zone lines, each record preceded by its evidence as
  `; source: {"origin": ..., "seen": ...}` and `; note: ...` comment lines
  (the format `mailproof keys import` reads);
- sightings.tsv: real published messages a key verifies, each a dated moment
  of use; each becomes a source with the message's `message_id` and
  `message_sha256`, which reports use to leave out a message's own sighting.

Records of the same key (same domain, selector and SHA-256 of the DER key) are
merged: every source is kept, notes are joined, and the TXT text is taken from
a source that published it verbatim when there is one (a text rebuilt from an
RSA modulus only when no source has the original). Dates come only from dated
evidence; each source's origin says what its date means. The output is sorted
and byte-for-byte reproducible.
"""
import base64, csv, glob, hashlib, json, os, re, sys

DATE = r"(\d{4}-\d{2}-\d{2})"

def der_len(b, i):
    n = b[i]; i += 1
    if n < 0x80:
        return n, i
    k = n & 0x7F
    return int.from_bytes(b[i:i + k], "big"), i + k


def rsa_bits(der):
    """Bits of the RSA modulus in an SPKI or PKCS#1 DER key."""
    def walk(b, i):
        while i < len(b):
            tag = b[i]; ln, j = der_len(b, i + 1)
            if tag == 0x02:
                v = b[j:j + ln].lstrip(b"\0")
                return len(v) * 8 - (8 - v[0].bit_length())
            if tag == 0x30:
                return walk(b, j)
            if tag == 0x03:  # BIT STRING wrapping RSAPublicKey
                return walk(b, j + 1)
            i = j + ln
        return None
    return walk(der, 0)


def tags(record):
    out = {}
    for part in record.split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = re.sub(r"\s+", "", v)
    return out


def key_facts(record):
    """(sha256 hex of the DER key, key type, bits) of a TXT record."""
    t = tags(record)
    der = base64.b64decode(t["p"])
    k = t.get("k", "rsa")
    return hashlib.sha256(der).hexdigest(), k, (rsa_bits(der) if k == "rsa" else 256)


class Archive:
    def __init__(self):
        self.recs = {}

    def add(self, domain, selector, record, sources, notes, verbatim):
        domain, selector = domain.lower().rstrip("."), selector
        sha, k, bits = key_facts(record)
        key = (domain, selector, sha)
        r = self.recs.get(key)
        if r is None:
            r = self.recs[key] = {
                "domain": domain, "selector": selector, "record": record,
                "sha256": sha, "key_type": k, "bits": bits,
                "sources": [], "notes": [], "verbatim": verbatim,
            }
        elif verbatim and not r["verbatim"]:
            r["record"], r["verbatim"] = record, True
        for s in sources:
            if s not in r["sources"]:
                r["sources"].append(s)
        for n in notes:
            if n and n not in r["notes"]:
                r["notes"].append(n)

    def find(self, domain, selector, sha_prefix):
        hits = [r for (d, s, h), r in self.recs.items()
                if d == domain and s == selector and h.startswith(sha_prefix)]
        return hits

    def records(self):
        out = []
        for r in self.recs.values():
            sources = sorted(r["sources"], key=lambda s: (s["seen"] or "~", s["origin"]))
            seen = sorted(s["seen"] for s in sources if s["seen"])
            out.append({
                "domain": r["domain"], "selector": r["selector"], "record": r["record"],
                "sha256": r["sha256"], "key_type": r["key_type"], "bits": r["bits"],
                "first_seen": seen[0] if seen else None,
                "last_seen": seen[-1] if seen else None,
                "sources": sources,
                "notes": "\n".join(r["notes"]) or None,
            })
        # Domain, then selector, compared as DNS names are (ASCII case folded):
        # the verifier looks keys up by binary search in this order
        # (BuiltinArchive in src/keys/archive.rs).
        out.sort(key=lambda x: (x["domain"].encode().lower(), x["selector"].encode().lower(),
                                x["selector"], x["sha256"]))
        return out


def load_corpus_tsv(arch, path):
    for r in csv.DictReader(open(path, encoding="utf-8"), delimiter="\t"):
        if r["key"] == "nonexistent":
            continue
        sources, verbatim = [], True
        for s in r["sources"].split(" | "):
            s = s.strip()
            m = re.search(r"in repo since \S+ " + DATE, s)
            if "RECONSTRUCTED" in s:
                verbatim = False
            meaning = "; committed then: the key was public by then, an upper bound on its publication" if m else "; the date it was committed is not known"
            # the source list writes an unknown commit as "(in repo since ?)": said in words
            s = s.replace(" (in repo since ?)", "")
            sources.append({"origin": "published in " + s + meaning, "seen": m.group(1) if m else None})
        arch.add(r["domain"], r["selector"], r["record"], sources, [r["notes"]], verbatim)


def parse_txt(rest):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', rest)).replace('\\"', '"').replace("\\\\", "\\")


def load_zone(arch, path):
    name = os.path.basename(path)
    pending_src, pending_notes = [], []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip():
            pending_src, pending_notes = [], []
            continue
        if line.startswith(";"):
            body = line[1:].strip()
            if body.startswith("source:"):
                pending_src.append(json.loads(body[len("source:"):]))
            elif body.startswith("note:"):
                pending_notes.append(body[len("note:"):].strip())
            continue
        m = re.match(r"(\S+)\._domainkey\.(\S+?)\.?\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$", line)
        if not m:
            sys.exit(f"{path} line {n}: expected a TXT record of a _domainkey name")
        if not pending_src:
            sys.exit(f"{path} line {n}: record without a '; source:' line above it")
        record = parse_txt(m.group(3))
        verbatim = not any(x.startswith("reconstructed") for x in pending_notes)
        notes = [f"{name}: {x}" for x in pending_notes]
        arch.add(m.group(2), m.group(1), record, pending_src, notes, verbatim)
        pending_src, pending_notes = [], []


def load_sightings(arch, path):
    """Real messages a key verifies (columns in the header line)."""
    for n, r in enumerate(csv.DictReader(open(path, encoding="utf-8"), delimiter="\t"), 2):
        hits = arch.find(r["domain"], r["selector"], r["key_sha256"])
        if len(hits) != 1:
            sys.exit(f"{path} line {n}: {r['selector']}._domainkey.{r['domain']} key {r['key_sha256']}: "
                     f"{len(hits)} archived keys match; a sighting needs exactly one")
        what = {"t": "its t= (signing time)", "Date": "its Date header"}[r["date_from"]]
        verifies = "verifies the real message" if r["note"] == "-" else "verifies the header signature of the real message"
        origin = (f"{verifies} {r['source']} (Message-ID {r['message_id']}, "
                  f"SHA-256 {r['message_sha256']}): {what} {r['date']} is a moment of use")
        if r["note"] != "-":
            origin += f" ({r['note']})"
        if r["fixture"] != "-":
            origin += f"; copy in fixtures/{r['fixture']}"
        # The message's identity as fields, so that a report can leave this
        # sighting out when it verifies the same message (DESIGN.md: a key's
        # window never rests on the message being verified).
        s = {"origin": origin, "seen": r["date"][:10],
             "message_id": r["message_id"], "message_sha256": r["message_sha256"]}
        if s not in hits[0]["sources"]:
            hits[0]["sources"].append(s)


def main(src):
    arch = Archive()
    load_corpus_tsv(arch, os.path.join(src, "corpus-key-archives.tsv"))
    for z in sorted(glob.glob(os.path.join(src, "*.zone"))):
        load_zone(arch, z)
    s = os.path.join(src, "sightings.tsv")
    if os.path.exists(s):
        load_sightings(arch, s)
    out = sys.stdout
    for rec in arch.records():
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")


main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "archive", "sources"))
