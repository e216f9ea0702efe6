//! The verification time: `verify --at DATE`, or the clock when the run
//! starts. It is recorded in every report and in a JSON document's
//! settings, it is what the time findings name, and `--help` says what it
//! changes.

#[path = "common/cli.rs"]
mod cli;
mod common;

use cli::*;
use common::*;
use serde_json::Value;
use std::path::Path;

/// A folder with the test zone and the standard signed message.
fn dir_with_key() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keys.zone"), standard_zone()).unwrap();
    dir
}

#[test]
fn the_verification_time_is_recorded_in_every_report_and_in_the_settings() {
    let dir = dir_with_key();
    std::fs::write(dir.path().join("m.eml"), signed(&Sign::default())).unwrap();
    let run = verify(
        dir.path(),
        &["--at", "2026-06-01", "--format", "json", "m.eml"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.text()).unwrap();
    assert_eq!(doc["settings"]["verification_time"], "2026-06-01T00:00:00Z");
    assert_eq!(
        doc["reports"][0]["verification_time"],
        "2026-06-01T00:00:00Z"
    );
    let run = verify(
        dir.path(),
        &[
            "--at",
            "2026-06-01T10:20:30+02:00",
            "--format",
            "jsonl",
            "m.eml",
        ],
    );
    assert_eq!(
        records(&run)[0]["verification_time"],
        "2026-06-01T08:20:30Z"
    );
    // without --at: the clock as the run starts, one time for the run
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let run = verify(dir.path(), &["--format", "json", "m.eml", "m.eml"]);
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let doc: Value = serde_json::from_str(&run.text()).unwrap();
    let t = doc["settings"]["verification_time"].as_str().unwrap();
    let secs = mailproof::parse_date(t).unwrap();
    assert!((before..=after).contains(&secs), "{t}");
    for r in doc["reports"].as_array().unwrap() {
        assert_eq!(r["verification_time"], t);
    }
}

#[test]
fn verify_help_for_at_says_what_a_later_t_does() {
    let help = mailproof(&["verify", "--help"], Path::new(".")).text();
    let at = help
        .split("--at <DATE>")
        .nth(1)
        .unwrap()
        .split("\n      --")
        .next()
        .unwrap();
    assert!(!at.contains("malformed"), "{at}");
    assert!(at.contains("timestamp_after_verification_time"), "{at}");
    // and that is what it does: a t= long after --at still passes
    let dir = dir_with_key();
    std::fs::write(dir.path().join("m.eml"), signed(&Sign::default())).unwrap();
    let run = verify(
        dir.path(),
        &["--at", "2015-01-01", "--format", "jsonl", "m.eml"],
    );
    let r = &records(&run)[0];
    assert_eq!(r["signatures"][0]["result"], "pass");
    let codes: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"timestamp_after_verification_time"),
        "{codes:?}"
    );
}

#[test]
fn signature_expired_names_the_verification_time_not_today() {
    let dir = dir_with_key();
    let m = signed(&Sign {
        expiration: Some(SIGNED_AT + 86_400 * 30),
        ..Default::default()
    });
    std::fs::write(dir.path().join("m.eml"), m).unwrap();
    let run = verify(
        dir.path(),
        &["--at", "2024-01-01", "--format", "jsonl", "m.eml"],
    );
    let r = &records(&run)[0];
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "signature_expired")
        .expect("signature_expired");
    let text = f["message"].as_str().unwrap();
    assert!(text.contains("2024-01-01T00:00:00Z"), "{text}");
    assert!(!text.contains("today"), "{text}");
    // and before x=, no such finding
    let run = verify(
        dir.path(),
        &["--at", "2015-06-02", "--format", "jsonl", "m.eml"],
    );
    let r = &records(&run)[0];
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "signature_expired")
    );
}
