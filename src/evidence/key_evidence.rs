//! What the key evidence says about one message, read honestly.
//!
//! Two rules (DESIGN.md, Key sources; issue 15 item 2 and issue 16 item 7):
//! - **No circular evidence.** A sighting of the message under verification
//!   (same SHA-256 of its bytes, or same Message-ID) cannot vouch for the key
//!   that verifies it: [`independent_checks`] moves such evidence out of
//!   `origins` into `from_this_message` and recomputes `first_seen` /
//!   `last_seen` from what is left.
//! - **A sighting is a point, not a period.** A signing time outside the
//!   dated evidence of a key is normal (keys are used before and after
//!   anyone archives them). [`window_contradiction`] reports
//!   `signed_outside_key_window` as a warning only when the evidence
//!   contradicts the signing time: another key was seen for the selector at
//!   that time, or the selector was seen revoked (empty `p=`, RFC 6376
//!   3.6.1) before it and the key was not seen again after. A time merely
//!   outside the evidence is the same finding as information, as DESIGN.md
//!   defines the code.

use crate::dkim::check::SigCheck;
use crate::dkim::signature::DkimSignature;
use crate::keys::ArchivedKey;
use crate::message::RawMessage;
use crate::report::{Finding, Origin, Provenance, Severity};
use crate::util::{parse_date, rfc3339};
use std::borrow::Cow;
use std::sync::Arc;

const DAY: i64 = 86_400;

/// How the message under verification is recognised among sightings.
pub(crate) struct ThisMessage {
    /// SHA-256 (lower-case hex) of every form of the message at hand: the
    /// input as read and the byte variant that was verified.
    sha256: Vec<String>,
    /// The message's Message-ID, as written.
    message_id: Option<String>,
}

impl ThisMessage {
    /// The identity of `input` (the bytes as read) and `msg` (the variant
    /// the signatures were judged on: the input or its repaired copy).
    pub(crate) fn of(input: &[u8], msg: &RawMessage<'_>) -> Self {
        let mut sha256 = vec![crate::util::sha256_hex(input)];
        if msg.bytes != input {
            sha256.push(crate::util::sha256_hex(msg.bytes));
        }
        ThisMessage {
            sha256,
            message_id: msg
                .fields("Message-ID")
                .next()
                .map(|f| f.text().into_owned()),
        }
    }

    fn is_source_of(&self, o: &Origin) -> bool {
        o.is_from_message(&self.sha256, self.message_id.as_deref())
    }
}

/// Whether any key of `checks` carries evidence tied to a message
/// (a sighting with a Message-ID or SHA-256): only then is the message's
/// own identity worth computing.
fn has_sightings(checks: &[SigCheck]) -> bool {
    checks
        .iter()
        .flat_map(|c| c.key.iter().chain(&c.candidates))
        .flat_map(|k| &k.provenance.origins)
        .any(|o| o.message_id.is_some() || o.message_sha256.is_some())
}

/// `checks` with every key's provenance stripped of the evidence that came
/// from the message itself ([`without_own_sightings`]); borrowed unchanged
/// when no key has such evidence.
pub(crate) fn independent_checks<'c>(
    checks: &'c [SigCheck],
    input: &[u8],
    msg: &RawMessage<'_>,
) -> Cow<'c, [SigCheck]> {
    if !has_sightings(checks) {
        return Cow::Borrowed(checks);
    }
    let this = ThisMessage::of(input, msg);
    let fix = |k: &Arc<ArchivedKey>| match without_own_sightings(&k.provenance, &this) {
        Some(p) => {
            let mut k = (**k).clone();
            k.provenance = p;
            Arc::new(k)
        }
        None => k.clone(),
    };
    let mut out = checks.to_vec();
    for c in &mut out {
        c.key = c.key.as_ref().map(fix);
        c.candidates = c.candidates.iter().map(fix).collect();
    }
    Cow::Owned(out)
}

/// `p` with the evidence from `this` message moved to `from_this_message`
/// and the seen window recomputed from the rest, or `None` when `p` holds
/// no such evidence. A bound of `p` that no own sighting explains (a date
/// given by the source itself, e.g. the key archive API's `firstSeenAt`)
/// is kept.
pub(crate) fn without_own_sightings(p: &Provenance, this: &ThisMessage) -> Option<Provenance> {
    let (own, rest): (Vec<Origin>, Vec<Origin>) = p
        .origins
        .iter()
        .cloned()
        .partition(|o| this.is_source_of(o));
    if own.is_empty() {
        return None;
    }
    let same_day =
        |a: &str, b: &str| a == b || parse_date(a).is_some_and(|x| parse_date(b) == Some(x));
    let mut dates: Vec<(i64, String)> = rest
        .iter()
        .filter_map(|o| o.seen.as_deref())
        .chain(
            [&p.first_seen, &p.last_seen]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .filter(|b| {
                    !own.iter()
                        .any(|o| o.seen.as_deref().is_some_and(|s| same_day(s, b)))
                }),
        )
        .filter_map(|d| Some((parse_date(d)?, d.to_string())))
        .collect();
    dates.sort();
    let mut q = p.clone();
    q.first_seen = dates.first().map(|(_, d)| d.clone());
    q.last_seen = dates.last().map(|(_, d)| d.clone());
    q.origins = rest;
    q.from_this_message.extend(own);
    Some(q)
}

/// In words, when the key has no evidence left besides the message itself:
/// "no evidence independent of this message" (or no *dated* evidence).
pub(crate) fn independence_note(p: &Provenance) -> Option<String> {
    if p.from_this_message.is_empty() {
        return None;
    }
    let n = p.from_this_message.len();
    let own = format!(
        "{n} sighting{} of this very message {} left out of the key's evidence",
        if n == 1 { "" } else { "s" },
        if n == 1 { "is" } else { "are" }
    );
    let dated = p.first_seen.is_some() || p.last_seen.is_some();
    Some(if p.origins.is_empty() && !dated {
        format!("{own}: there is no evidence independent of this message that the key was in use")
    } else if !dated {
        format!("{own}: there is no dated evidence independent of this message")
    } else {
        own
    })
}

/// The seen window of `p` as Unix times, a single date standing for both
/// ends; `None` without dated evidence.
fn window(p: &Provenance) -> Option<(i64, i64)> {
    let f = p.first_seen.as_deref().and_then(parse_date);
    let l = p.last_seen.as_deref().and_then(parse_date);
    match (f, l) {
        (Some(f), Some(l)) => Some((f.min(l), f.max(l))),
        (Some(x), None) | (None, Some(x)) => Some((x, x)),
        (None, None) => None,
    }
}

/// Whether `t` falls in `p`'s seen window, with the slack of dates written
/// as days (a day before the first, two after the last, for time zones).
fn seen_at(p: &Provenance, t: i64) -> bool {
    window(p).is_some_and(|(f, l)| t >= f - DAY && t <= l + 2 * DAY)
}

/// `signed_outside_key_window` when the signing time of `c` (`t=`, else
/// the Date header) lies outside `k`'s dated evidence (DESIGN.md): a
/// warning when the evidence of the selector's keys contradicts it
/// (another key for the selector, never seen in the same period as `k`,
/// was seen at that time, or the selector
/// was seen revoked before it and `k` was not seen after the revocation),
/// else information. Nothing when `k` has no dated evidence or the time
/// is inside it.
pub(crate) fn window_contradiction(
    c: &SigCheck,
    sig: &DkimSignature,
    k: &ArchivedKey,
    date: Option<i64>,
) -> Option<Finding> {
    if !c.result.header_valid() {
        return None;
    }
    let (t, what) = match (sig.timestamp, date) {
        (Some(t), _) => (t, "t="),
        (None, Some(d)) => (d, "the Date header (no t=)"),
        (None, None) => return None,
    };
    if seen_at(&k.provenance, t) {
        return None;
    }
    let mut why = Vec::new();
    let own = window(&k.provenance);
    for o in c.candidates.iter().filter(|o| o.record != k.record) {
        let usable = o.parsed.as_ref().is_ok_and(|r| r.key.is_some());
        // two keys seen over overlapping periods were published side by
        // side (or the sightings are only bounds, such as the date of a
        // commit holding both): the other one's sighting then says
        // nothing against this one
        let side_by_side = own
            .zip(window(&o.provenance))
            .is_some_and(|((f, l), (of, ol))| f <= ol + 2 * DAY && of <= l + 2 * DAY);
        if usable && o.sha256() != k.sha256() && !side_by_side && seen_at(&o.provenance, t) {
            why.push(format!(
                "another key for {}._domainkey.{} (SHA-256 {}) was seen at that time ({})",
                sig.selector,
                sig.domain,
                o.sha256()
                    .unwrap_or("(no fingerprint: the key does not parse)"),
                seen_words(&o.provenance)
            ));
        }
        let revoked = o.parsed.as_ref().is_ok_and(|r| r.key.is_none());
        if let Some((r, _)) = window(&o.provenance).filter(|_| revoked)
            && t > r + 2 * DAY
            && window(&k.provenance).is_none_or(|(_, last)| last < r)
        {
            why.push(format!(
                "the selector was seen revoked (empty p=) on {}, before that, and this key was not seen after it",
                o.provenance.first_seen.as_deref().or(o.provenance.last_seen.as_deref()).unwrap_or("an unknown date")
            ));
        }
    }
    if why.is_empty() {
        // outside the sightings, and nothing contradicts it: DESIGN.md's
        // finding, as information (issue 16 item 7: warn only on a
        // contradiction)
        let seen = window(&k.provenance)?;
        let side = if t < seen.0 { "before" } else { "after" };
        return Some(Finding::new(
            "signed_outside_key_window",
            Severity::Info,
            format!(
                "{what} {} is {side} the dated evidence of this key ({}); nothing contradicts it: keys are in use before and after anyone archives them, so this alone says nothing against the message",
                rfc3339(t),
                seen_words(&k.provenance)
            ),
            Some(c.index),
        ));
    }
    Some(Finding::new(
        "signed_outside_key_window",
        Severity::Warning,
        format!(
            "{what} {} contradicts the key evidence: {}; this key was {}. Either the signing time is not what the message says, or the evidence of the selector's keys is incomplete",
            rfc3339(t),
            why.join("; "),
            match window(&k.provenance) {
                Some(_) => seen_words(&k.provenance),
                None => "never seen with a date".into(),
            }
        ),
        Some(c.index),
    ))
}

/// `seen 2019-01-01 to 2020-01-01` / `seen 2019-01-01` in words.
fn seen_words(p: &Provenance) -> String {
    match (&p.first_seen, &p.last_seen) {
        (Some(f), Some(l)) if f != l => format!("seen {f} to {l}"),
        (Some(x), _) | (None, Some(x)) => format!("seen {x}"),
        (None, None) => "seen on no known date".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sighting(seen: &str, id: &str, sha: &str) -> Origin {
        Origin {
            origin: format!("message {id}"),
            seen: Some(seen.into()),
            message_id: Some(id.into()),
            message_sha256: Some(sha.into()),
            ..Default::default()
        }
    }

    fn this(sha: &str, id: Option<&str>) -> ThisMessage {
        ThisMessage {
            sha256: vec![sha.into()],
            message_id: id.map(Into::into),
        }
    }

    #[test]
    fn own_sighting_leaves_the_window() {
        let p = Provenance {
            source: "built-in archive".into(),
            first_seen: Some("2017-05-29".into()),
            last_seen: Some("2024-04-24".into()),
            origins: vec![
                sighting("2017-05-29", "<a@x>", "aa"),
                sighting("2019-12-08", "<b@x>", "bb"),
                Origin::new("published in repo", Some("2024-04-24".into())),
            ],
            ..Default::default()
        };
        // by SHA-256
        let q = without_own_sightings(&p, &this("AA", None)).unwrap();
        assert_eq!(q.first_seen.as_deref(), Some("2019-12-08"));
        assert_eq!(q.last_seen.as_deref(), Some("2024-04-24"));
        assert_eq!(q.origins.len(), 2);
        assert_eq!(q.from_this_message.len(), 1);
        // by Message-ID (another copy of the message), brackets optional
        let q = without_own_sightings(&p, &this("cc", Some(" a@x "))).unwrap();
        assert_eq!(q.first_seen.as_deref(), Some("2019-12-08"));
        // another message: nothing to leave out
        assert!(without_own_sightings(&p, &this("cc", Some("<c@x>"))).is_none());
        assert!(independence_note(&p).is_none());
    }

    #[test]
    fn a_key_seen_only_in_this_message_has_no_independent_evidence() {
        let p = Provenance {
            source: "built-in archive".into(),
            first_seen: Some("2017-05-29".into()),
            last_seen: Some("2017-05-29".into()),
            origins: vec![sighting("2017-05-29", "<a@x>", "aa")],
            ..Default::default()
        };
        let q = without_own_sightings(&p, &this("aa", None)).unwrap();
        assert_eq!(
            (q.first_seen.as_deref(), q.last_seen.as_deref()),
            (None, None)
        );
        assert!(q.origins.is_empty());
        let note = independence_note(&q).unwrap();
        assert!(
            note.contains("no evidence independent of this message"),
            "{note}"
        );
    }

    #[test]
    fn a_bound_the_source_gave_itself_is_kept() {
        // the API's firstSeenAt is not explained by the own sighting
        let p = Provenance {
            first_seen: Some("2016-01-01".into()),
            last_seen: Some("2017-05-29".into()),
            origins: vec![sighting("2017-05-29", "<a@x>", "aa")],
            ..Default::default()
        };
        let q = without_own_sightings(&p, &this("aa", None)).unwrap();
        assert_eq!(q.first_seen.as_deref(), Some("2016-01-01"));
        assert_eq!(q.last_seen.as_deref(), Some("2016-01-01"));
        assert!(
            independence_note(&q)
                .unwrap()
                .ends_with("left out of the key's evidence")
        );
    }
}
