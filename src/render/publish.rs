//! What the publishable formats (HTML, Markdown) say, decided once.
//!
//! The HTML and Markdown renderers lay out the same content; this module
//! holds the plain-language wording and the derived facts they share: the
//! verdict in words, which visible parts of the message a valid signature
//! covers, the signature results in words, and the "reproduce this" material
//! (key records as zone lines, commands). Values here are raw (unescaped);
//! each renderer escapes them for its format.

use super::escape;
use crate::report::{KeyStrength, Report, Severity, SignatureReport, SignatureResult, Verdict};

/// How a verdict should look: colour is never the only signal, every tone
/// comes with words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Good,
    Caution,
    Bad,
    Neutral,
}

impl Tone {
    pub(crate) fn class(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Caution => "caution",
            Tone::Bad => "bad",
            Tone::Neutral => "neutral",
        }
    }
}

/// The verdict as a headline, its tone, and what it means in general.
pub(crate) fn verdict_words(v: Verdict) -> (&'static str, Tone, &'static str) {
    let tone = match v {
        Verdict::Verified => Tone::Good,
        Verdict::PartiallyVerified | Verdict::HeadersVerified => Tone::Caution,
        Verdict::WeakSignature | Verdict::Failed => Tone::Bad,
        Verdict::Unverifiable | Verdict::Unsigned | Verdict::Error => Tone::Neutral,
    };
    (v.label(), tone, v.meaning())
}

/// The tone of a report's verdict: its verdict's, except that a partially
/// verified message with a critical finding (a forged sender shown, say)
/// takes the critical tone ([`Report::partial_with_critical_finding`]).
pub(crate) fn report_tone(r: &Report) -> Tone {
    if r.partial_with_critical_finding() {
        return Tone::Bad;
    }
    verdict_words(r.verdict).1
}

/// The report's one-sentence summary without its leading verdict words
/// ("Verified: ..."), which the banner already shows as its headline; for a
/// message found attached to another, where it was found.
pub(crate) fn summary(r: &Report) -> String {
    let s = summary_sentence(r);
    match &r.found_in {
        Some(outer) => format!(
            "{s} Found attached to {outer} (a forward, bounce or digest): this verdict is this attached message's own."
        ),
        None => s,
    }
}

fn summary_sentence(r: &Report) -> String {
    let words = r.verdict.label();
    match r.summary.split_once(": ") {
        Some((head, rest)) if head.eq_ignore_ascii_case(words) && !rest.is_empty() => {
            // Capitalize a sentence, not a domain name that starts it.
            let first_word = rest.split([' ', ',', '\'']).next().unwrap_or("");
            if first_word.contains('.') {
                return rest.to_string();
            }
            let mut c = rest.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
        _ => r.summary.clone(),
    }
}

/// A signature's result in words, and its tone: [`result_words`], except
/// that a body hash never compared (the input kept no body, see
/// [`crate::Verifier::verify_headers_only`]) reads "Headers valid, body not
/// checked".
pub(crate) fn signature_words(s: &crate::report::SignatureReport) -> (&'static str, Tone) {
    if s.result == SignatureResult::BodyHashMismatch && s.body_hash_matches.is_none() {
        return ("Headers valid, body not checked", Tone::Caution);
    }
    result_words(s.result)
}

/// A signature's `result` code as the technical details show it, with
/// "(body not available)" where the body hash was compared only with the
/// empty body standing in for a body the input did not keep.
pub(crate) fn result_code(s: &SignatureReport) -> String {
    match s.reason {
        Some(crate::report::ResultReason::BodyNotAvailable) => {
            format!("{} (body not available)", s.result.as_str())
        }
        _ => s.result.as_str().to_string(),
    }
}

/// A signature result in words, and its tone.
pub(crate) fn result_words(r: SignatureResult) -> (&'static str, Tone) {
    match r {
        SignatureResult::Pass => ("Valid", Tone::Good),
        SignatureResult::BodyHashMismatch => ("Headers valid, body changed", Tone::Caution),
        SignatureResult::BadSignature => ("Does not match", Tone::Bad),
        SignatureResult::NoKey => ("Key not found", Tone::Neutral),
        SignatureResult::KeyRevoked => ("Key revoked", Tone::Neutral),
        SignatureResult::Malformed => ("Unreadable", Tone::Neutral),
        SignatureResult::Temperror => ("Key lookup failed", Tone::Neutral),
        SignatureResult::Unsupported => ("Not supported", Tone::Neutral),
    }
}

/// A severity in words, and its tone.
pub(crate) fn severity_words(s: Severity) -> (&'static str, Tone) {
    match s {
        Severity::Critical => ("Critical", Tone::Bad),
        Severity::Warning => ("Warning", Tone::Caution),
        Severity::Info => ("Note", Tone::Neutral),
    }
}

/// Whether a signature's key can carry proof (decided by evidence, stored
/// in the report as [`KeyStrength`]).
fn strong(s: &SignatureReport) -> bool {
    s.key.as_ref().is_some_and(|k| k.strength.carries_proof())
}

/// How far a valid signature reaches over one visible part of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coverage {
    Authenticated,
    PartlyAuthenticated,
    NotCovered,
    AddedAfterSigning,
    ChangedAfterSigning,
    /// The input kept no body to compare (an Outlook `.msg` or PST item).
    NotChecked,
    NotPresent,
}

impl Coverage {
    /// Label, tone and what it means for the reader.
    pub(crate) fn words(self) -> (&'static str, Tone, &'static str) {
        match self {
            Coverage::Authenticated => (
                "Authenticated",
                Tone::Good,
                "covered by a valid signature: exactly as signed",
            ),
            Coverage::PartlyAuthenticated => (
                "Partly authenticated",
                Tone::Caution,
                "only the first part is signed; the rest could have been added by anyone",
            ),
            Coverage::NotCovered => (
                "Not covered",
                Tone::Caution,
                "no valid signature covers it: it could have been changed or added by anyone",
            ),
            Coverage::AddedAfterSigning => (
                "Added after signing",
                Tone::Bad,
                "the message has more of these than were signed: one was added afterwards, and mail programs usually show the added one",
            ),
            Coverage::ChangedAfterSigning => (
                "Changed after signing",
                Tone::Bad,
                "it does not match what was signed",
            ),
            Coverage::NotChecked => (
                "Not checked",
                Tone::Caution,
                "this copy does not keep the body bytes that were signed, so it could not be compared",
            ),
            Coverage::NotPresent => ("Not present", Tone::Neutral, "the message has none"),
        }
    }
}

/// One visible part of the message as a reader sees it.
pub(crate) struct ReaderRow {
    pub(crate) name: &'static str,
    /// The decoded value (untrusted), or `None` for the body (not shown).
    pub(crate) value: Option<String>,
    pub(crate) coverage: Coverage,
}

/// From, To, Cc, Subject, Date and the body, each with its coverage, taken
/// from the report's coverage map (header forensics).
pub(crate) fn reader_view(r: &Report) -> Vec<ReaderRow> {
    let mut m = r.message.clone().unwrap_or_default();
    m.from = from_words(&m);
    let valid: Vec<&SignatureReport> = r
        .signatures
        .iter()
        .filter(|s| s.result.header_valid() && strong(s))
        .collect();
    let mut rows = Vec::new();
    for (name, value) in [
        ("From", m.from),
        ("To", m.to),
        ("Cc", m.cc),
        ("Subject", m.subject),
        ("Date", m.date),
    ] {
        let coverage = match (&value, header_status(r, &valid, name)) {
            (None, _) => Coverage::NotPresent,
            (Some(_), c) => c,
        };
        rows.push(ReaderRow {
            name,
            value,
            coverage,
        });
    }
    rows.push(ReaderRow {
        name: "Body",
        value: None,
        coverage: body_coverage(r, &valid),
    });
    rows
}

/// The status of the top-most instance of `name` (the one mail programs
/// display), from the report's coverage map; only signatures with a key that
/// can carry proof count as authenticating.
fn header_status(r: &Report, valid: &[&SignatureReport], name: &str) -> Coverage {
    let Some(f) = &r.forensics else {
        return Coverage::NotCovered;
    };
    let top = f
        .coverage
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name) && h.instance == 1);
    match top.map(|h| (h.status.as_str(), &h.signatures)) {
        Some(("authenticated", sigs))
            if sigs.iter().any(|i| valid.iter().any(|s| s.index == *i)) =>
        {
            Coverage::Authenticated
        }
        Some(("added_after_signing", _)) => Coverage::AddedAfterSigning,
        _ => Coverage::NotCovered,
    }
}

fn body_coverage(r: &Report, valid: &[&SignatureReport]) -> Coverage {
    if r.message.is_none() {
        return Coverage::NotPresent;
    }
    let passing = valid.iter().filter(|s| s.result == SignatureResult::Pass);
    let mut partly = false;
    for s in passing {
        match (s.body_length, s.canonical_body_length) {
            (Some(l), Some(c)) if c > l => partly = true,
            _ => return Coverage::Authenticated,
        }
    }
    if partly {
        Coverage::PartlyAuthenticated
    } else if r.body_not_available() {
        Coverage::NotChecked
    } else if valid
        .iter()
        .any(|s| s.result == SignatureResult::BodyHashMismatch)
    {
        Coverage::ChangedAfterSigning
    } else {
        Coverage::NotCovered
    }
}

/// The key as a reader would name it: `RSA 2048-bit`, `Ed25519`, with a
/// warning when it is too small.
pub(crate) fn key_words(s: &SignatureReport) -> String {
    let Some(k) = &s.key else {
        return "none found".into();
    };
    let base = if k.key_type == "ed25519" {
        "Ed25519".to_string()
    } else {
        format!("{} {}-bit", k.key_type.to_uppercase(), k.bits)
    };
    match k.strength {
        KeyStrength::Compromised => format!("{base} (private key is public: no proof)"),
        KeyStrength::TooWeak => format!("{base} (too weak: no proof)"),
        KeyStrength::BelowRecommended => format!(
            "{base} (below the recommended {})",
            KeyStrength::RECOMMENDED_RSA_BITS
        ),
        KeyStrength::Adequate => base,
    }
}

/// When the key was seen, in words: `seen 2014-01-02 to 2016-03-04`.
pub(crate) fn seen_words(s: &SignatureReport) -> Option<String> {
    let p = &s.key.as_ref()?.provenance;
    match (&p.first_seen, &p.last_seen) {
        (Some(f), Some(l)) if f == l => Some(format!("seen {f}")),
        (Some(f), Some(l)) => Some(format!("seen {f} to {l}")),
        (Some(f), None) => Some(format!("seen from {f}")),
        (None, Some(l)) => Some(format!("seen until {l}")),
        (None, None) if !p.from_this_message.is_empty() => {
            Some("seen only in this message".to_string())
        }
        (None, None) => None,
    }
}

/// Material for "reproduce this".
pub(crate) struct Reproduce {
    /// What the first step asks for, in plain words (no markup, nothing
    /// from the message): check the file, or first write the message out of
    /// the container that holds it.
    pub(crate) first_step: &'static str,
    /// Zone-file text holding every key record the report used (with a
    /// comment line above each), or empty when no key was found.
    pub(crate) zone: String,
    /// The `mailproof verify` command, with `--at` the report's
    /// verification time when it has one.
    pub(crate) command: String,
    /// The shell lines of the first step: `sha256sum` of the file, or, for
    /// a message inside a container (an mbox, an archive, a PST, a message
    /// attached to another), `mailproof extract` to [`MESSAGE_FILE`] and
    /// `sha256sum` of that.
    pub(crate) checksum: String,
    /// What cannot be reproduced, in plain words: set for a message whose
    /// input kept no body (an Outlook item).
    pub(crate) limits: Option<&'static str>,
    /// A Python program checking each signature with dkimpy, offline, or
    /// `None` when no key was found.
    pub(crate) dkimpy: Option<String>,
}

/// The file name the key records are saved under in the instructions.
pub(crate) const ZONE_FILE: &str = "keys.zone";

/// The file a message inside a container is written to
/// (`mailproof extract`) before it is checked.
pub(crate) const MESSAGE_FILE: &str = "message.eml";

/// Where a report's message was read from, as the reproduce steps need it.
enum Origin<'a> {
    /// A file of its own: checked as it is.
    File(&'a str),
    /// A message inside a file (`rd.mbox#1`, `a.zip#m/1`, `f.pst#Inbox/3`,
    /// `m.eml#attached/1`): `mailproof extract` writes it out first.
    Inside(&'a str),
    /// Standard input read as one message (`-`).
    Stdin,
    /// A message inside what standard input held (`-#2`): the part after
    /// `-`.
    InsideStdin(&'a str),
}

/// The name standard input is saved under when the message was inside it.
const STDIN_FILE: &str = "input";

fn origin(source: &str) -> Origin<'_> {
    if source == "-" {
        Origin::Stdin
    } else if let Some(rest) = source.strip_prefix('-').filter(|r| r.starts_with('#')) {
        Origin::InsideStdin(rest)
    } else if source.contains('#') {
        // a plain file may have `#` in its name: extracting it gives the
        // file itself, so the steps hold either way
        Origin::Inside(source)
    } else {
        Origin::File(source)
    }
}

/// Builds the "reproduce this" material for one report.
pub(crate) fn reproduce(r: &Report) -> Reproduce {
    let mut zone = String::new();
    let mut keys: Vec<(String, String)> = Vec::new();
    for s in &r.signatures {
        let (Some(k), Some(d), Some(sel)) = (&s.key, &s.domain, &s.selector) else {
            continue;
        };
        let name = crate::keys::record_name(d, sel);
        if keys.iter().any(|(n, rec)| *n == name && *rec == k.record) {
            continue;
        }
        let seen = seen_words(s).map(|w| format!(", {w}")).unwrap_or_default();
        // the record with its provenance as comments that `verify --keys`
        // reads back, so that the reproduced run has the same dated
        // evidence (and the same time findings) as this report
        let mut one = crate::keys::KeyArchive::new("keys used");
        one.insert(crate::keys::ArchivedKey::new(
            d,
            sel,
            &k.record,
            k.provenance.clone(),
        ));
        let exported = crate::keys::export::to_zone(&one);
        let with_provenance = exported
            .split_once("\n\n")
            .map_or(exported.as_str(), |(_, rest)| rest);
        zone += &format!(
            "; signature {}: key from {}{}\n\n{}",
            s.index,
            escape::visible(&k.provenance.source),
            escape::visible(&seen),
            with_provenance
                .lines()
                .map(|l| escape::visible(l) + "\n")
                .collect::<String>()
        );
        keys.push((name, k.record.clone()));
    }
    // the file the checksum and dkimpy read, the input `verify` is given,
    // the first step's lines and words
    let (file, input, checksum, first_step) = match origin(&r.source) {
        Origin::File(f) => (
            f.to_string(),
            path_word(f),
            format!("sha256sum {}", path_word(f)),
            "Check that you have the same file.",
        ),
        Origin::Inside(name) => (
            MESSAGE_FILE.to_string(),
            path_word(name),
            format!(
                "mailproof extract {} > {MESSAGE_FILE}\nsha256sum {MESSAGE_FILE}",
                path_word(name)
            ),
            "Write the message out of the file that holds it (mailproof extract writes its exact bytes) and check that it is the same message.",
        ),
        Origin::Stdin => (
            MESSAGE_FILE.to_string(),
            MESSAGE_FILE.to_string(),
            format!("sha256sum {MESSAGE_FILE}"),
            "The message was read from standard input: save the same bytes as message.eml and check that it is the same message.",
        ),
        Origin::InsideStdin(rest) => {
            let name = escape::shell(&format!("{STDIN_FILE}{rest}"));
            (
                MESSAGE_FILE.to_string(),
                name.clone(),
                format!("mailproof extract {name} > {MESSAGE_FILE}\nsha256sum {MESSAGE_FILE}"),
                "The message was inside what standard input held: save those bytes as input, write the message out of it (mailproof extract writes its exact bytes) and check that it is the same message.",
            )
        }
    };
    let at = r
        .verification_time
        .as_deref()
        .map(|t| format!(" --at {}", escape::shell(t)))
        .unwrap_or_default();
    let command = if keys.is_empty() {
        format!("mailproof verify{at} {input}")
    } else {
        format!("mailproof verify{at} --no-builtin-keys --keys {ZONE_FILE} {input}")
    };
    let limits = r.body_not_available().then_some(
        "This input does not keep the body bytes that were signed (an Outlook item keeps only the header fields as received): mailproof extract writes that header block, so its fingerprint, the key records and the verdict can be reproduced, but not the body hash (bh=). dkimpy checks the body hash first and reports every signature of it as not verifying.",
    );
    Reproduce {
        first_step,
        dkimpy: (!keys.is_empty()).then(|| dkimpy(r, &keys, &file)),
        zone,
        command,
        checksum,
        limits,
    }
}

/// A path as one shell word that no command reads as an option: a relative
/// name starting with `-` (`-rf.eml`) is written `./-rf.eml`, the same file.
fn path_word(path: &str) -> String {
    if path.starts_with('-') {
        escape::shell(&format!("./{path}"))
    } else {
        escape::shell(path)
    }
}

/// A short Python program that checks each signature with dkimpy, handing it
/// the archived key records instead of letting it query DNS.
fn dkimpy(r: &Report, keys: &[(String, String)], file: &str) -> String {
    let mut p = String::from(
        "# pip install dkimpy\n\
         # Checks each signature with dkimpy, an independent DKIM implementation,\n\
         # using the archived key records below instead of live DNS.\n\
         import dkim\n\nKEYS = {\n",
    );
    for (name, record) in keys {
        p += &format!(
            "    {}: {},\n",
            escape::python_str(name),
            escape::python_str(record)
        );
    }
    p += "}\n\n";
    p += "def txt(name, timeout=5):\n";
    p += "    record = KEYS.get(name.decode().rstrip(\".\").lower())\n";
    p += "    return record.encode() if record is not None else None\n\n";
    p += &format!(
        "message = open({}, \"rb\").read()\n",
        escape::python_str(file)
    );
    if r.body_not_available() {
        p += "# This input kept only the header fields: the body hash cannot match.\n";
    }
    // dkimpy judges x= against its clock; mailproof (DESIGN.md) against
    // the signing time: the check sets dkimpy's clock to each t=
    let signed_at: Vec<(usize, i64)> = r
        .signatures
        .iter()
        .filter(|s| s.expires_at.is_some())
        .filter_map(|s| Some((s.index, crate::util::parse_date(s.signed_at.as_deref()?)?)))
        .collect();
    if !signed_at.is_empty() {
        p += "# dkimpy judges an expiry time (x=) against its clock; mailproof judges it\n\
              # against the signing time (t=), so the check sets dkimpy's clock to it.\n\
              import time\n\
              SIGNED_AT = {";
        p += &signed_at
            .iter()
            .map(|(i, t)| format!("{}: {t}", i - 1))
            .collect::<Vec<_>>()
            .join(", ");
        p += "}\n";
    }
    if !r.repairs.is_empty() {
        let kinds: Vec<&str> = r.repairs.iter().map(|x| x.kind.as_str()).collect();
        p += &format!(
            "# mailproof verified this message only after repairing the copy ({}):\n\
             # dkimpy reads the bytes as saved, so it may reject them or not verify.\n",
            kinds.join(", ")
        );
    }
    if r.signatures.iter().any(|s| !strong(s) && s.key.is_some()) {
        p += "# dkimpy refuses RSA keys under 1024 bits (minkey=1024).\n";
    }
    p += "try:\n";
    p += "    checker = dkim.DKIM(message)\n";
    p += "except Exception as e:  # a copy dkimpy cannot read as saved\n";
    p += "    raise SystemExit(f\"dkimpy cannot read the message as saved: {e}\")\n\n";
    p += "def check(idx):\n";
    if !signed_at.is_empty() {
        p += "    if idx in SIGNED_AT:\n";
        p += "        time.time = lambda: SIGNED_AT[idx]\n";
    }
    p += "    try:\n";
    p += "        return checker.verify(idx=idx, dnsfunc=txt)\n";
    p += "    except dkim.DKIMException as e:  # dkimpy raises for some failures\n";
    p += "        return f\"False ({e})\"\n\n";
    for s in &r.signatures {
        p += &format!(
            "print(\"signature {}:\", check({}))\n",
            s.index,
            s.index - 1
        );
    }
    p
}

/// Signatures whose key record is missing, as `selector._domainkey.domain`.
pub(crate) fn missing_key_name(s: &SignatureReport) -> Option<String> {
    if s.result != SignatureResult::NoKey {
        return None;
    }
    Some(crate::keys::record_name(
        s.domain.as_deref()?,
        s.selector.as_deref()?,
    ))
}

/// Every signature result, in the order tables list them.
const RESULTS: [SignatureResult; 8] = [
    SignatureResult::Pass,
    SignatureResult::BodyHashMismatch,
    SignatureResult::BadSignature,
    SignatureResult::NoKey,
    SignatureResult::KeyRevoked,
    SignatureResult::Malformed,
    SignatureResult::Temperror,
    SignatureResult::Unsupported,
];

/// Counts per result code (`no_key`: 3) in words, in a fixed order:
/// `1 valid; 3 key not found`.
pub(crate) fn result_counts(counts: &std::collections::BTreeMap<&'static str, usize>) -> String {
    let mut parts: Vec<String> = RESULTS
        .iter()
        .filter_map(|r| {
            let n = counts.get(r.as_str())?;
            Some(format!("{n} {}", result_words(*r).0.to_lowercase()))
        })
        .collect();
    let other: usize = counts
        .iter()
        .filter(|(k, _)| !RESULTS.iter().any(|r| r.as_str() == **k))
        .map(|(_, n)| n)
        .sum();
    if other > 0 {
        parts.push(format!("{other} other"));
    }
    parts.join("; ")
}

/// Two signing times as a span of days: `2014-01-02 and 2015-03-04`.
pub(crate) fn day_span(first: Option<&str>, last: Option<&str>) -> String {
    let day = |t: &str| t.get(..10).unwrap_or(t).to_string();
    match (first, last) {
        (Some(f), Some(l)) if day(f) == day(l) => day(f),
        (Some(f), Some(l)) => format!("{} and {}", day(f), day(l)),
        _ => "unknown (no t=, and no time window in the report)".into(),
    }
}

/// What the columns of the missing-keys table count, one line each.
pub(crate) const MISSING_KEYS_COLUMNS: [(&str, &str); 3] = [
    (
        "Messages only this key can check",
        "messages in which no other signature could be checked: with this key they would get a verdict other than unverifiable",
    ),
    (
        "Messages that need it",
        "messages with a signature by this key record, whatever else they carry",
    ),
    (
        "Signed between",
        "the signatures' t= or, without one, each report's time window (from the Date header to the topmost Received header)",
    ),
];

/// What the per-year signing-time table counts.
pub(crate) const SIGNING_TIMES_EXPLAINED: &str = "When each key (domain and selector) signed, per year: the year of the signer's clock (t=), or, without t=, of the report's time window (Date header to topmost Received header) when both ends fall in one year. \"No signing time\" counts signatures that neither dates to one year. A key signing long before or after the others is worth a closer look.";

/// The technical appendix for one signature: DKIM tags and checks, labelled.
pub(crate) fn technical_rows(s: &SignatureReport) -> Vec<(&'static str, String)> {
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not checked",
    };
    let mut rows: Vec<(&'static str, String)> = vec![
        ("Result", result_code(s)),
        (
            "Header signature valid (b=)",
            yes_no(s.header_signature_valid).into(),
        ),
        (
            "Body hash matches (bh=)",
            yes_no(s.body_hash_matches).into(),
        ),
        (
            "Domain (d=)",
            s.domain
                .as_ref()
                .map(|_| signer_words(s))
                .unwrap_or_default(),
        ),
        ("Selector (s=)", s.selector.clone().unwrap_or_default()),
        ("Algorithm (a=)", s.algorithm.clone().unwrap_or_default()),
        (
            "Canonicalization (c=)",
            s.canonicalization.clone().unwrap_or_default(),
        ),
        ("Signed header fields (h=)", s.signed_headers.join(":")),
    ];
    let optional = [
        ("Identity (i=)", s.identity.clone()),
        ("Signing time (t=)", s.signed_at.clone()),
        ("Expiry (x=)", s.expires_at.clone()),
        (
            "Signed body length (l=)",
            s.body_length.map(|l| l.to_string()),
        ),
        (
            "Canonical body length",
            s.canonical_body_length.map(|l| l.to_string()),
        ),
    ];
    rows.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    rows.push(("Candidate keys tried", s.keys_tried.to_string()));
    if let Some(k) = &s.key {
        rows.push(("Key record", k.record.clone()));
        for origin in &k.provenance.origins {
            let seen = origin
                .seen
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            rows.push(("Key evidence", format!("{}{seen}", origin.origin)));
        }
        // one row per line: notes gathered from several sources are
        // joined by line ends, which an escaper would show as \u{a}
        for n in k.provenance.notes.iter().flat_map(|n| n.lines()) {
            rows.push(("Key notes", n.to_string()));
        }
        if let Some(c) = &k.provenance.compromised {
            rows.push(("Key compromised", c.clone()));
        }
    }
    rows
}

/// The technical appendix for the report itself.
pub(crate) fn report_rows(r: &Report) -> Vec<(&'static str, String)> {
    vec![
        ("Input", r.source.clone()),
        ("Input SHA-256", r.input_sha256.clone()),
        ("Input size", format!("{} bytes", r.input_bytes)),
        (
            "Verification time",
            r.verification_time
                .clone()
                .unwrap_or_else(|| "(not recorded)".into()),
        ),
        ("Tool", format!("{} {}", r.tool.name, r.tool.version)),
        ("Report format", r.schema_version.to_string()),
    ]
}

/// A domain for readers: the A-label form the report compares and looks
/// keys up under, with the U-label form beside it when it is an
/// internationalized name (RFC 8616): `xn--bcher-kva.example
/// (bücher.example)`. Untrusted text: the caller escapes it.
pub(crate) fn domain_words(ascii: &str, unicode: Option<&str>) -> String {
    match unicode {
        Some(u) => format!("{ascii} ({u})"),
        None => ascii.to_string(),
    }
}

/// The From value of the header block, followed by its domain in both
/// forms when that domain is an internationalized name.
pub(crate) fn from_words(m: &crate::report::MessageSummary) -> Option<String> {
    let from = m.from.clone()?;
    Some(match (&m.from_domain, &m.from_domain_unicode) {
        (Some(d), Some(u)) => format!("{from} (domain {})", domain_words(d, Some(u))),
        _ => from,
    })
}

/// The subject a contents row shows, or, when there is none to show, why
/// in words (a blank cell would read as a rendering fault).
pub(crate) fn subject_or_why(r: &Report) -> Result<&str, &'static str> {
    match r.message.as_ref().map(|m| m.subject.as_deref()) {
        Some(Some(s)) if !s.trim().is_empty() => Ok(s),
        Some(Some(_)) => Err("(empty Subject)"),
        Some(None) => Err("(no Subject field)"),
        None => Err("(not read)"),
    }
}

/// A signature's `d=` for readers ([`domain_words`]), "(no d=)" when
/// there is none that reads.
pub(crate) fn signer_words(s: &SignatureReport) -> String {
    s.domain.as_deref().map_or_else(
        || "(no d=)".to_string(),
        |d| domain_words(d, s.domain_unicode.as_deref()),
    )
}
