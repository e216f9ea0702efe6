#!/usr/bin/env python3
"""Quick per-signature comparison of mailproof against ../shared/corpus expected.tsv.
Usage: python3 scripts/corpus-check.py CORPUS_DIR MAILPROOF_BIN  (prints disagreements and a table)"""
import json, subprocess, sys, os, collections
corpus, binary = sys.argv[1], sys.argv[2]
MAP = {"pass": "pass", "body_hash_mismatch": "fail", "bad_signature": "fail", "no_key": "permerror",
       "key_revoked": "permerror", "malformed": "permerror", "unsupported": "permerror", "temperror": "temperror"}
table = collections.OrderedDict()
verdicts = collections.Counter()
for folder in sorted(os.listdir(corpus)):
    exp = os.path.join(corpus, folder, "expected.tsv")
    if not os.path.exists(exp):
        continue
    rows = [l.rstrip("\n").split("\t") for l in open(exp)][1:]
    agree = scored = 0
    for row in rows:
        f, idx, want = row[0], row[1], row[2]
        note = row[3] if len(row) > 3 else ""
        if idx in ("arc", "dk"):
            continue
        zone = "keys.zone"
        if note.startswith("[zone="):
            zone = note[6:note.index("]")]
        path = os.path.join(corpus, folder, f)
        out = subprocess.run([binary, "verify", "--no-builtin-keys", "--keys", os.path.join(corpus, folder, zone), "--format", "jsonl", path], capture_output=True, text=True)
        try:
            rep = json.loads(out.stdout.splitlines()[0])
        except Exception:
            print("NOOUT", folder, f, out.stderr[:200]); continue
        sigs = [MAP[s["result"]] for s in rep["signatures"]]
        if idx == "all":
            got = "none" if not sigs else "pass" if "pass" in sigs else "fail" if "fail" in sigs else "temperror" if "temperror" in sigs else "permerror"
        else:
            i = int(idx) - 1
            got = sigs[i] if i < len(sigs) else "none"
        scored += 1
        if got == want:
            agree += 1
        else:
            s = rep["signatures"][int(idx)-1] if idx != "all" and int(idx) <= len(rep["signatures"]) else {}
            print(f"{folder}\t{f}\t{idx}\twant={want}\tgot={got}\t{s.get('detail','')[:150]}\t{note[:100]}")
    table[folder] = (agree, scored)
for k, (a, s) in table.items():
    print(f"{k:30} {a}/{s}")
print("total", sum(a for a, s in table.values()), "/", sum(s for a, s in table.values()))
