//! Tamper property tests: a message signed in the test, changed by one byte
//! (replaced, inserted or deleted) anywhere inside its signed header fields
//! or its body, must come out `verified` exactly when the change is one the
//! signature's canonicalization provably ignores (or one that a repair the
//! report lists undoes).
//!
//! "Provably ignores" is decided by a reference canonicalizer written here,
//! independently of `mailproof::canon`, from RFC 6376 3.4 (with the
//! library's documented reading of bare LF: it ends a line in the header
//! block, and relaxed header canonicalization drops line ends (CRLF or bare
//! LF) while unfolding; a lone CR is content). Signatures use Ed25519 so that hundreds of cases take well
//! under a second of crypto.

mod common;

use common::*;
use mailproof::repair::RepairKind;
use mailproof::signature::Canon;
use mailproof::{Verdict, Verifier};
use proptest::prelude::*;

// ---- reference canonicalizer -------------------------------------------

/// A header field as (name, raw bytes).
type Field = (Vec<u8>, Vec<u8>);

/// Header fields of `msg`, and the body, or `None` when the first line is
/// not a header field.
fn split(msg: &[u8]) -> Option<(Vec<Field>, Vec<u8>)> {
    let mut fields: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut rest = msg;
    let mut joinable = false;
    while !rest.is_empty() {
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let (line, tail) = rest.split_at(n);
        rest = tail;
        if line == b"\r\n" || line == b"\n" {
            return Some((fields, rest.to_vec()));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if joinable {
                fields.last_mut().unwrap().1.extend_from_slice(line);
            }
            continue;
        }
        let colon = line.iter().position(|&b| b == b':');
        let name = colon.map(|c| {
            let mut n = &line[..c];
            while let [head @ .., b' ' | b'\t'] = n {
                n = head;
            }
            n.to_vec()
        });
        match name {
            Some(n) if !n.is_empty() && n.iter().all(|b| (33..=126).contains(b)) => {
                fields.push((n, line.to_vec()));
                joinable = true;
            }
            _ if fields.is_empty() => return None,
            _ => joinable = false,
        }
    }
    Some((fields, Vec::new()))
}

fn relaxed_header(name: &[u8], raw: &[u8]) -> Vec<u8> {
    let value = &raw[raw.iter().position(|&b| b == b':').unwrap() + 1..];
    let mut out: Vec<u8> = name.to_ascii_lowercase();
    out.push(b':');
    // Unfold: drop line ends (CRLF or bare LF); a lone CR is content.
    let unfolded: Vec<u8> = value
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b != b'\n' && !(b == b'\r' && value.get(i + 1) == Some(&b'\n')))
        .map(|(_, &b)| b)
        .collect();
    let words: Vec<&[u8]> = unfolded
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|w| !w.is_empty())
        .collect();
    out.extend_from_slice(&words.join(&b' '));
    out.extend_from_slice(b"\r\n");
    out
}

/// The canonical signed headers: for each name of `h=`, the bottom-most
/// unused instance (the DKIM-Signature field itself excluded).
fn canon_headers(fields: &[Field], h: &[&str], c: Canon) -> Vec<u8> {
    let mut used = vec![false; fields.len()];
    let mut out = Vec::new();
    for name in h {
        let pick = (0..fields.len()).rev().find(|&i| {
            !used[i]
                && fields[i].0.eq_ignore_ascii_case(name.as_bytes())
                && !fields[i].0.eq_ignore_ascii_case(b"dkim-signature")
        });
        if let Some(i) = pick {
            used[i] = true;
            match c {
                Canon::Simple => out.extend_from_slice(&fields[i].1),
                Canon::Relaxed => out.extend(relaxed_header(&fields[i].0, &fields[i].1)),
            }
        }
    }
    out
}

fn canon_body(body: &[u8], c: Canon) -> Vec<u8> {
    // Lines end with CRLF only; a bare LF is line content.
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        match rest.windows(2).position(|w| w == b"\r\n") {
            Some(i) => {
                lines.push(rest[..i].to_vec());
                rest = &rest[i + 2..];
            }
            None => {
                lines.push(rest.to_vec());
                rest = &[];
            }
        }
    }
    if c == Canon::Relaxed {
        for l in &mut lines {
            // Each maximal run of SP/HTAB becomes one SP; then trailing SP goes.
            let mut out = Vec::new();
            for (i, &b) in l.iter().enumerate() {
                let ws = |x: u8| x == b' ' || x == b'\t';
                if !ws(b) {
                    out.push(b);
                } else if i == 0 || !ws(l[i - 1]) {
                    out.push(b' ');
                }
            }
            while out.last() == Some(&b' ') {
                out.pop();
            }
            *l = out;
        }
    }
    while lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    if lines.is_empty() {
        return if c == Canon::Simple {
            b"\r\n".to_vec()
        } else {
            Vec::new()
        };
    }
    lines.concat_crlf()
}

trait ConcatCrlf {
    fn concat_crlf(&self) -> Vec<u8>;
}
impl ConcatCrlf for Vec<Vec<u8>> {
    fn concat_crlf(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for l in self {
            out.extend_from_slice(l);
            out.extend_from_slice(b"\r\n");
        }
        out
    }
}

/// Canonical (headers, body) of `msg` as signed with `opts`; `None` if the
/// bytes no longer split into a message.
fn canonical(msg: &[u8], opts: &Sign<'_>) -> Option<(Vec<u8>, Vec<u8>)> {
    let (fields, body) = split(msg)?;
    Some((
        canon_headers(&fields, &opts.headers, opts.header_canon),
        canon_body(&body, opts.body_canon),
    ))
}

// ---- the property ------------------------------------------------------

#[derive(Debug, Clone)]
enum Edit {
    Replace(u8),
    Insert(u8),
    Delete,
}

/// Bytes that make interesting edits: white space, line ends, the colon,
/// case changes, and anything else.
fn edit_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        Just(b' '),
        Just(b'\t'),
        Just(b'\r'),
        Just(b'\n'),
        Just(b':'),
        Just(b'A'),
        Just(b'a'),
        any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        edit_byte().prop_map(Edit::Replace),
        edit_byte().prop_map(Edit::Insert),
        Just(Edit::Delete),
    ]
}

fn canon() -> impl Strategy<Value = Canon> {
    prop_oneof![Just(Canon::Simple), Just(Canon::Relaxed)]
}

/// Byte ranges of the signed content: the signed header fields (not the
/// DKIM-Signature field) and the body.
fn signed_ranges(signed: &[u8]) -> Vec<std::ops::Range<usize>> {
    let msg = mailproof::message::RawMessage::parse(signed).unwrap();
    let mut r: Vec<_> = msg
        .headers
        .iter()
        .filter(|h| !h.is("DKIM-Signature"))
        .map(|h| h.offset..h.offset + h.raw.len())
        .collect();
    r.push(msg.body_offset..signed.len());
    r
}

fn apply(bytes: &[u8], at: usize, e: &Edit) -> Option<Vec<u8>> {
    let mut out = bytes.to_vec();
    match *e {
        Edit::Replace(b) if at < out.len() && out[at] != b => out[at] = b,
        Edit::Insert(b) => out.insert(at, b),
        Edit::Delete if at < out.len() => {
            out.remove(at);
        }
        _ => return None,
    }
    Some(out)
}

/// Checks one edit; returns whether the edited message came out verified.
fn check(v: &Verifier, opts: &Sign<'_>, pick: usize, e: &Edit) -> Result<bool, TestCaseError> {
    let signed = sign(MESSAGE.as_bytes(), &TestKey::load("ed25519"), opts);
    let ranges = signed_ranges(&signed);
    let total: usize = ranges.iter().map(|r| r.len() + 1).sum();
    let mut n = pick % total;
    let at = ranges
        .iter()
        .find_map(|r| {
            if n <= r.len() {
                Some(r.start + n)
            } else {
                n -= r.len() + 1;
                None
            }
        })
        .unwrap();
    let Some(mutated) = apply(&signed, at, e) else {
        return Ok(false);
    };
    let original = canonical(&signed, opts).unwrap();
    let report = v.verify_bytes("mutated.eml", &mutated);
    let verified = report.verdict == Verdict::Verified;
    let equal = canonical(&mutated, opts).as_ref() == Some(&original);
    let ctx = || {
        format!(
            "{e:?} at {at} ({:?}): verdict {:?}, repairs {:?}\n{}",
            opts.header_canon.name().to_string() + "/" + opts.body_canon.name(),
            report.verdict,
            report.repairs.iter().map(|r| &r.kind).collect::<Vec<_>>(),
            String::from_utf8_lossy(&mutated)
        )
    };
    if report.repairs.is_empty() {
        prop_assert_eq!(verified, equal, "{}", ctx());
    } else {
        // Verified only through the listed repairs: those repairs, applied
        // to the mutated bytes, must give back the signed canonical form.
        let kinds: Vec<RepairKind> = report
            .repairs
            .iter()
            .map(|r| {
                RepairKind::ALL
                    .into_iter()
                    .find(|k| k.code() == r.kind)
                    .unwrap()
            })
            .collect();
        let fixed = mailproof::repair::apply_all(&mutated, &kinds);
        prop_assert!(!equal, "verified without repair needed: {}", ctx());
        if verified {
            let repaired = canonical(&fixed, opts);
            prop_assert_eq!(repaired.as_ref(), Some(&original), "{}", ctx());
        }
    }
    Ok(verified)
}

fn shared_verifier() -> &'static Verifier {
    static V: std::sync::OnceLock<Verifier> = std::sync::OnceLock::new();
    V.get_or_init(|| verifier(&standard_zone()))
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // PROPTEST_CASES=10000 for a long run; 256 keeps `cargo test` fast.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn opts(h: Canon, b: Canon) -> Sign<'static> {
    Sign {
        selector: "ed",
        algorithm: "ed25519-sha256",
        header_canon: h,
        body_canon: b,
        ..Sign::default()
    }
}

#[test]
fn unmodified_messages_verify_under_every_canonicalization() {
    let v = verifier(&standard_zone());
    for h in [Canon::Simple, Canon::Relaxed] {
        for b in [Canon::Simple, Canon::Relaxed] {
            let signed = sign(MESSAGE.as_bytes(), &TestKey::load("ed25519"), &opts(h, b));
            let r = v.verify_bytes("m.eml", &signed);
            assert_eq!(r.verdict, Verdict::Verified, "{}/{}", h.name(), b.name());
            assert_eq!(
                canonical(&signed, &opts(h, b)),
                canonical(MESSAGE.as_bytes(), &opts(h, b))
            );
        }
    }
}

/// The reference canonicalizer agrees with RFC 6376 3.4.5's examples.
#[test]
fn reference_canonicalizer_matches_rfc_examples() {
    let msg = b"A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";
    let (fields, body) = split(msg).unwrap();
    assert_eq!(
        canon_headers(&fields, &["a", "b"], Canon::Relaxed),
        b"a:X\r\nb:Y Z\r\n"
    );
    assert_eq!(
        canon_headers(&fields, &["a", "b"], Canon::Simple),
        b"A: X\r\nB : Y\t\r\n\tZ  \r\n"
    );
    assert_eq!(canon_body(&body, Canon::Relaxed), b" C\r\nD E\r\n");
    assert_eq!(canon_body(&body, Canon::Simple), b" C \r\nD \t E\r\n");
}

/// verified <=> canonical form unchanged (or restored by a listed repair).
/// Also checks that both outcomes occur, so the property is not vacuous.
#[test]
fn one_byte_edits_verify_only_when_canonically_ignored() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let (yes, no) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let strategy = (canon(), canon(), any::<usize>(), edit());
    runner
        .run(&strategy, |(h, b, pick, e)| {
            if check(shared_verifier(), &opts(h, b), pick, &e)? {
                yes.set(yes.get() + 1);
            } else {
                no.set(no.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    let (yes, no) = (yes.get(), no.get());
    assert!(yes > 0 && no > 0, "verified {yes}, not verified {no}");
}

// ---- unsigned headers: order and additions ------------------------------

/// Findings about what the signatures cover (other findings may well
/// describe an added header's content, e.g. a foreign Message-ID domain).
const COVERAGE_FINDINGS: &[&str] = &[
    "header_not_signed",
    "header_added_after_signing",
    "content_beyond_body_length",
    "signer_not_aligned",
];

/// What a reader is told about coverage: verdict, each signature's result
/// and the coverage finding codes.
fn coverage(v: &Verifier, msg: &[u8]) -> (Verdict, Vec<String>, Vec<String>) {
    let r = v.verify_bytes("m.eml", msg);
    let mut codes: Vec<String> = r
        .findings
        .iter()
        .filter(|f| COVERAGE_FINDINGS.contains(&f.code.as_str()))
        .map(|f| f.code.clone())
        .collect();
    codes.sort();
    let results = r
        .signatures
        .iter()
        .map(|s| format!("{:?} {:?}", s.result, s.signed_headers))
        .collect();
    (r.verdict, results, codes)
}

/// Rebuilds a message from its fields in a new order, then the body.
fn reassemble(fields: &[Vec<u8>], body: &[u8]) -> Vec<u8> {
    let mut out = fields.concat();
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Message with some headers the signature does not cover, split into raw
/// fields (DKIM-Signature first) and body.
fn partly_signed(h: Canon) -> (Vec<Vec<u8>>, Vec<u8>) {
    let o = Sign {
        headers: vec!["from", "to", "cc", "subject", "date", "content-type"],
        ..opts(h, Canon::Relaxed)
    };
    let signed = sign(MESSAGE.as_bytes(), &TestKey::load("ed25519"), &o);
    let (fields, body) = split(&signed).unwrap();
    (fields.into_iter().map(|(_, raw)| raw).collect(), body)
}

#[test]
fn unsigned_header_order_and_additions_never_change_coverage() {
    let v = shared_verifier();
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let names = prop_oneof![
        Just("X-Mailer"),
        Just("Received"),
        Just("X-Spam-Status"),
        Just("Message-ID"),
        Just("Authentication-Results"),
    ];
    let strategy = (
        canon(),
        Just(()).prop_perturb(|_, mut rng| rng.random::<u64>()),
        proptest::collection::vec((names, any::<usize>(), "[ -~]{0,40}"), 0..4),
    );
    runner
        .run(&strategy, |(h, seed, added)| {
            let (fields, body) = partly_signed(h);
            let before = coverage(v, &reassemble(&fields, &body));
            prop_assert_eq!(before.0, Verdict::Verified);
            // Shuffle every field except From/To/Cc/Subject/Date/Content-Type
            // instances relative to each other (signed names keep their
            // order; only one instance of each exists here).
            let mut order: Vec<Vec<u8>> = fields.clone();
            let mut x = seed | 1;
            for i in (1..order.len()).rev() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                order.swap(i, (x % (i as u64 + 1)) as usize);
            }
            for (name, at, value) in &added {
                let field = format!("{name}: {value}\r\n").into_bytes();
                order.insert(at % (order.len() + 1), field);
            }
            let after = coverage(v, &reassemble(&order, &body));
            prop_assert_eq!(
                &before,
                &after,
                "{}",
                String::from_utf8_lossy(&order.concat())
            );
            Ok(())
        })
        .unwrap();
}
