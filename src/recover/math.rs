//! The big-integer steps of key recovery, on `malachite-nz` (pure Rust).
//!
//! `s^e - m` is about `e * bits(n)` bits long (134 million bits for a
//! 2048-bit key and e = 65537), so the gcd of two of them needs a
//! subquadratic algorithm: malachite's half-gcd (derived from GMP's
//! `mpn_gcd`) over its FFT multiplication. docs/key-recovery.md has the
//! measurements behind this choice.

use malachite_base::num::arithmetic::traits::{
    AbsDiff, DivExactAssign, DivisibleBy, Gcd, ModPow, Pow,
};
use malachite_base::num::conversion::traits::PowerOf2Digits;
use malachite_base::num::logic::traits::SignificantBits;
use malachite_nz::natural::Natural;

/// A big unsigned integer.
pub(crate) type Big = Natural;

/// The integer whose big-endian bytes are `bytes`.
pub(crate) fn from_be(bytes: &[u8]) -> Big {
    // Digits of 8 bits always fit in 8 bits: never None.
    Natural::from_power_of_2_digits_desc(8, bytes.iter().copied()).unwrap_or_default()
}

/// Big-endian bytes, no leading zeros (empty for 0).
pub(crate) fn to_be(n: &Big) -> Vec<u8> {
    PowerOf2Digits::<u8>::to_power_of_2_digits_desc(n, 8)
}

/// Number of significant bits (0 for 0).
pub(crate) fn bits(n: &Big) -> u64 {
    n.significant_bits()
}

/// `s^e`.
pub(crate) fn pow(s: &Big, e: u32) -> Big {
    s.pow(u64::from(e))
}

/// `|a - b|`: with `a = s^e` and `b = m`, a multiple of the modulus
/// whenever `s^e ≡ m (mod n)` (only its divisors matter).
pub(crate) fn abs_diff(a: &Big, b: &Big) -> Big {
    a.abs_diff(b)
}

/// `|s^e - m|`.
#[cfg(test)]
fn power_minus(s: &Big, e: u32, m: &Big) -> Big {
    abs_diff(&pow(s, e), m)
}

/// gcd(a, b).
pub(crate) fn gcd(a: Big, b: Big) -> Big {
    a.gcd(b)
}

/// `s^e mod g`, for any `s` (malachite wants the base reduced first).
fn pow_mod(s: &Big, e: u32, g: &Big) -> Big {
    let base = s % g;
    base.mod_pow(Natural::from(e), g)
}

/// gcd(g, s^e mod g - m): narrows a multiple of n with one more signature
/// at the cost of a modular exponentiation, not of another huge gcd.
pub(crate) fn narrow(g: &Big, s: &Big, e: u32, m: &Big) -> Big {
    if *g == 0u32 {
        return g.clone();
    }
    g.gcd(abs_diff(&pow_mod(s, e, g), m))
}

/// Whether `s^e mod n == m`: the textbook RSA check of one signature.
pub(crate) fn verifies(n: &Big, e: u32, s: &Big, m: &Big) -> bool {
    if *n <= 1u32 || s >= n || m >= n {
        return false;
    }
    pow_mod(s, e, n) == *m
}

/// Divides out every prime factor below `bound`.
pub(crate) fn strip_small_factors(n: &mut Big, bound: u32) {
    if *n == 0u32 {
        return;
    }
    for p in small_primes(bound) {
        let p = Natural::from(p);
        while *n > 1u32 && (&*n).divisible_by(&p) {
            n.div_exact_assign(&p);
        }
    }
}

/// Primes below `bound` (sieve of Eratosthenes).
fn small_primes(bound: u32) -> Vec<u32> {
    let b = bound as usize;
    let mut composite = vec![false; b];
    let mut out = Vec::new();
    for i in 2..b {
        if !composite[i] {
            out.push(i as u32);
            let mut j = i * i;
            while j < b {
                composite[j] = true;
                j += i;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(x: u64) -> Big {
        Natural::from(x)
    }

    #[test]
    fn gcd_finds_a_shared_modulus() {
        // n = 61 * 53, e = 17, d = 413 (the textbook example).
        let modulus = n(3233);
        let sign = |m: u64| n(m).mod_pow(n(413), &modulus);
        let (m1, m2) = (n(65), n(1234));
        let (s1, s2) = (sign(65), sign(1234));
        let mut g = gcd(power_minus(&s1, 17, &m1), power_minus(&s2, 17, &m2));
        assert!((&g).divisible_by(&modulus));
        strip_small_factors(&mut g, 50);
        assert!((&g).divisible_by(&modulus));
        assert!(verifies(&modulus, 17, &s1, &m1));
        assert!(!verifies(&modulus, 17, &s1, &m2));
        assert_eq!(narrow(&(modulus.clone() * n(7)), &s1, 17, &m1), modulus);
        // m larger than s^e: the difference is taken the other way round.
        assert_eq!(power_minus(&n(2), 3, &n(10)), n(2));
        assert_eq!(pow_mod(&n(5000), 1, &modulus), n(5000 - 3233));
    }

    #[test]
    fn strips_only_small_primes() {
        let mut x = n(3233 * 4 * 27);
        strip_small_factors(&mut x, 50);
        assert_eq!(x, 3233u32);
        assert_eq!(small_primes(20), [2, 3, 5, 7, 11, 13, 17, 19]);
        assert_eq!(to_be(&from_be(&[0, 1, 2])), [1, 2]);
        assert_eq!(from_be(&[1, 0]), 256u32);
        assert_eq!(bits(&from_be(&[0x80, 0])), 16);
        assert!(to_be(&n(0)).is_empty());
    }
}
