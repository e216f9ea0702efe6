#!/usr/bin/env python3
"""Turn mailproof JSONL records of a bench corpus into check_verdicts.py's TSV.

Usage: bench_tsv.py CORPUS_DIR RECORDS.jsonl > out.tsv

Per signature, in header order: `pass` stays `pass`, every other result is
`fail` (the corpus only expects pass/fail). Sources `.../corpus.mbox#N` are
mapped to the N-th message's twin `msgs/NNNN/NNNNNNN.eml`, so an mbox run is
checked against the same expected.tsv as the .eml run.
"""
import json
import os
import sys

corpus, records = sys.argv[1], sys.argv[2]
root = os.path.abspath(corpus)
rows = {}
with open(records) as f:
    for line in f:
        if not line.endswith("\n"):
            continue
        r = json.loads(line)
        src = r["source"]
        if "corpus.mbox#" in src:
            n = int(src.rsplit("#", 1)[1])
            rel = "msgs/%04d/%07d.eml" % ((n - 1) // 1000, n)
        else:
            rel = os.path.relpath(os.path.abspath(src), root)
        sigs = ["pass" if s["result"] == "pass" else "fail" for s in r["signatures"]]
        rows[rel] = sigs or ["none"]
for rel in sorted(rows):
    print(rel + "\t" + "\t".join(rows[rel]))
