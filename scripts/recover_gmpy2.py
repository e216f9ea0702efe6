#!/usr/bin/env python3
"""Reference timing for key recovery: the textbook technique with gmpy2.

Reads a file of hex lines "e", "s1", "m1", "s2", "m2" (signatures and their
EMSA-PKCS1-v1_5 encoded messages, as written by `cargo bench --bench
recover`), computes gcd(s1^e - m1, s2^e - m2) and prints the seconds it
took and the bit length of the result. Needs `pip install gmpy2`.
"""
import sys
import time

import gmpy2

e, s1, m1, s2, m2 = (gmpy2.mpz(x, 16) for x in open(sys.argv[1]).read().split())
start = time.perf_counter()
g = gmpy2.gcd(s1 ** int(e) - m1, s2 ** int(e) - m2)
elapsed = time.perf_counter() - start
print(f"{elapsed:.3f} {g.bit_length()}")
