//! The big-integer steps of key recovery, on GMP (through `rug`).
//!
//! `s^e - m` is about `e * bits(n)` bits long (134 million bits for a
//! 2048-bit key and e = 65537), so the gcd of two of them needs a
//! subquadratic algorithm: GMP's half-gcd. docs/key-recovery.md has the
//! measurements behind this choice.

use rug::Integer;
use rug::integer::Order;
use rug::ops::Pow;

/// A big unsigned integer.
pub(crate) type Big = Integer;

/// The integer whose big-endian bytes are `bytes`.
pub(crate) fn from_be(bytes: &[u8]) -> Big {
    Integer::from_digits(bytes, Order::Msf)
}

/// Big-endian bytes, no leading zeros.
pub(crate) fn to_be(n: &Big) -> Vec<u8> {
    n.to_digits::<u8>(Order::Msf)
}

/// Number of significant bits.
pub(crate) fn bits(n: &Big) -> u32 {
    n.significant_bits()
}

/// `s^e`.
pub(crate) fn pow(s: &Big, e: u32) -> Big {
    s.pow(e).into()
}

/// `s^e - m` (may be negative; only its divisors matter).
#[cfg(test)]
fn power_minus(s: &Big, e: u32, m: &Big) -> Big {
    pow(s, e) - m
}

/// gcd(a, b), always non-negative.
pub(crate) fn gcd(a: &Big, b: &Big) -> Big {
    a.gcd_ref(b).into()
}

/// gcd(g, s^e mod g - m): narrows a multiple of n with one more signature
/// at the cost of a modular exponentiation, not of another huge gcd.
pub(crate) fn narrow(g: &Big, s: &Big, e: u32, m: &Big) -> Big {
    if *g == 0 {
        return g.clone();
    }
    let r = match s.pow_mod_ref(&Integer::from(e), g) {
        Some(r) => Integer::from(r),
        None => return g.clone(),
    };
    gcd(g, &(r - m))
}

/// Whether `s^e mod n == m`: the textbook RSA check of one signature.
pub(crate) fn verifies(n: &Big, e: u32, s: &Big, m: &Big) -> bool {
    if *n <= 1 || s >= n || m >= n {
        return false;
    }
    match s.pow_mod_ref(&Integer::from(e), n) {
        Some(r) => Integer::from(r) == *m,
        None => false,
    }
}

/// Divides out every prime factor below `bound`.
pub(crate) fn strip_small_factors(n: &mut Big, bound: u32) {
    if *n == 0 {
        return;
    }
    for p in small_primes(bound) {
        while *n > 1 && n.is_divisible_u(p) {
            n.div_exact_u_mut(p);
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

    #[test]
    fn gcd_finds_a_shared_modulus() {
        // n = 61 * 53, e = 17, d = 413 (the textbook example).
        let n = Integer::from(3233);
        let sign = |m: u32| Integer::from(m).pow_mod(&Integer::from(413), &n).unwrap();
        let (m1, m2) = (Integer::from(65), Integer::from(1234));
        let (s1, s2) = (sign(65), sign(1234));
        let mut g = gcd(&power_minus(&s1, 17, &m1), &power_minus(&s2, 17, &m2));
        assert!(g.is_divisible(&n));
        strip_small_factors(&mut g, 50);
        assert!(g.is_divisible(&n));
        assert!(verifies(&n, 17, &s1, &m1));
        assert!(!verifies(&n, 17, &s1, &m2));
        assert_eq!(narrow(&(n.clone() * 7u32), &s1, 17, &m1), n);
    }

    #[test]
    fn strips_only_small_primes() {
        let mut n = Integer::from(3233u32 * 4 * 27);
        strip_small_factors(&mut n, 50);
        assert_eq!(n, 3233);
        assert_eq!(small_primes(20), [2, 3, 5, 7, 11, 13, 17, 19]);
        assert_eq!(to_be(&from_be(&[0, 1, 2])), [1, 2]);
    }
}
