//! The command line: formats, exit codes, bad input, and snapshots of what a
//! person and a script see.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn mailproof(args: &[&str], dir: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A folder with the test zone and one message per scenario.
fn scenario_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("keys.zone"), standard_zone()).unwrap();
    std::fs::create_dir(p.join("mail")).unwrap();
    let good = signed(&Sign::default());
    std::fs::write(p.join("mail/1-verified.eml"), &good).unwrap();
    std::fs::write(
        p.join("mail/2-body-changed.eml"),
        replace(&good, "1,204,000", "9,204,000"),
    )
    .unwrap();
    std::fs::write(
        p.join("mail/3-subject-changed.eml"),
        replace(&good, "Quarterly numbers", "Quarterly loss"),
    )
    .unwrap();
    std::fs::write(
        p.join("mail/4-no-key.eml"),
        signed(&Sign {
            selector: "gone",
            ..Default::default()
        }),
    )
    .unwrap();
    std::fs::write(p.join("mail/5-unsigned.eml"), MESSAGE).unwrap();
    std::fs::write(p.join("mail/6-not-mail.eml"), b"\x89PNG\r\n\x1a\n\x00\x00").unwrap();
    std::fs::write(p.join("mail/.hidden"), b"ignored").unwrap();
    dir
}

/// The tool version and the run's verification time (the clock: these runs
/// give no --at) are the only fields that change between runs.
fn redact(json: &str) -> String {
    let mut json = json.to_string();
    for (key, until) in [
        ("\"verification_time\":\"", '"'),
        ("\"verification_time\": \"", '"'),
        ("Verification time ", ' '),
    ] {
        let mut from = 0;
        while let Some(i) = json[from..].find(key) {
            let start = from + i + key.len();
            let end = start + json[start..].find(until).unwrap();
            json.replace_range(start..end, "[verification time]");
            from = start;
        }
    }
    json.replace(
        &format!("\"version\":\"{}\"", mailproof::TOOL_VERSION),
        "\"version\":\"[version]\"",
    )
    .replace(
        &format!("\"version\": \"{}\"", mailproof::TOOL_VERSION),
        "\"version\": \"[version]\"",
    )
}

fn snapshot(name: &str, run: &Run) {
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, format!("exit: {}\n--- stdout\n{}--- stderr\n{}", run.code, redact(&run.stdout), run.stderr));
    });
}

#[test]
fn jsonl_has_the_contract_fields_and_exit_1() {
    let dir = scenario_dir();
    let run = mailproof(
        &[
            "verify",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "--format",
            "jsonl",
            "mail",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let verdicts: Vec<&str> = lines
        .iter()
        .map(|l| l["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        [
            "verified",
            "headers_verified",
            "failed",
            "unverifiable",
            "unsigned",
            "error"
        ]
    );
    for l in &lines {
        assert_eq!(l["schema_version"], 1);
        assert!(l["source"].as_str().unwrap().starts_with("mail/"));
        assert_eq!(l["input_sha256"].as_str().unwrap().len(), 64);
        assert!(l["findings"].is_array() && l["signatures"].is_array());
    }
    let sig = &lines[0]["signatures"][0];
    assert_eq!(sig["domain"], "example.com");
    assert_eq!(sig["selector"], "s2015");
    assert_eq!(sig["result"], "pass");
    assert_eq!(sig["key"]["bits"], 2048);
    assert_eq!(sig["key"]["source"], "file keys.zone line 1");
    assert_eq!(sig["key"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(lines[3]["signatures"][0]["result"], "no_key");
    assert!(lines[3]["signatures"][0].get("key").is_none());
    assert!(
        lines[5]["error"]
            .as_str()
            .unwrap()
            .contains("not an email message")
    );
    snapshot("cli_jsonl_scenarios", &run);
}

#[test]
fn exit_0_only_when_everything_verifies() {
    let dir = scenario_dir();
    let run = mailproof(
        &[
            "verify",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "mail/1-verified.eml",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    snapshot("cli_text_verified", &run);
    let run = mailproof(
        &[
            "verify",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "mail/2-body-changed.eml",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 1);
    snapshot("cli_text_body_changed", &run);
}

#[test]
fn json_document_with_totals_and_settings() {
    let dir = scenario_dir();
    let run = mailproof(
        &[
            "verify",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "--format",
            "json",
            "mail/1-verified.eml",
            "mail/3-subject-changed.eml",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["reports"].as_array().unwrap().len(), 2);
    assert_eq!(
        doc["totals"],
        serde_json::json!({"verified": 1, "failed": 1})
    );
    assert_eq!(doc["settings"]["key_sources"][0], "file keys.zone");
    snapshot("cli_json_document", &run);
}

#[test]
fn missing_input_is_exit_2_and_the_run_goes_on() {
    let dir = scenario_dir();
    let run = mailproof(
        &[
            "verify",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "--format",
            "jsonl",
            "nope.eml",
            "mail/1-verified.eml",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nope.eml"), "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1);
}

#[test]
fn bad_key_file_names_file_and_line() {
    let dir = scenario_dir();
    std::fs::write(
        dir.path().join("bad.zone"),
        "; fine\nselector._domainkey.x.org. TXT \"p=unterminated\n",
    )
    .unwrap();
    let run = mailproof(
        &["verify", "--keys", "bad.zone", "mail/1-verified.eml"],
        dir.path(),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.zone line 2"), "{}", run.stderr);
    let run = mailproof(
        &["verify", "--keys", "missing.zone", "mail/1-verified.eml"],
        dir.path(),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing.zone"), "{}", run.stderr);
}

#[test]
fn mbox_is_split_into_numbered_messages() {
    let dir = scenario_dir();
    let mut mbox = b"From alice@example.com Mon Jun  1 12:00:00 2015\n".to_vec();
    mbox.extend_from_slice(MESSAGE.as_bytes());
    mbox.extend_from_slice(b"\nFrom bob@example.net Mon Jun  1 12:00:00 2015\n");
    mbox.extend_from_slice(MESSAGE.as_bytes());
    std::fs::write(dir.path().join("box.mbox"), mbox).unwrap();
    let run = mailproof(&["verify", "--format", "jsonl", "box.mbox"], dir.path());
    assert_eq!(run.code, 1);
    let sources: Vec<String> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["source"].to_string())
        .collect();
    assert_eq!(sources, ["\"box.mbox#1\"", "\"box.mbox#2\""]);
    assert!(run.stdout.contains("\"verdict\":\"unsigned\""));
}

#[test]
fn hostile_subject_is_escaped_in_text() {
    let dir = scenario_dir();
    let msg = MESSAGE.replace(
        "Subject: Quarterly numbers",
        "Subject: \x1b[2J\x1b[31mPWNED\u{202e}txt.exe",
    );
    std::fs::write(dir.path().join("evil.eml"), msg).unwrap();
    let run = mailproof(&["verify", "evil.eml"], dir.path());
    assert!(!run.stdout.contains('\x1b'));
    assert!(!run.stdout.contains('\u{202e}'));
    assert!(run.stdout.contains("\\u{1b}[2J"));
}

#[test]
fn readme_command_verifies_the_real_message() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = mailproof(
        &["verify", "fixtures/real-world/Meeting for coffee.eml"],
        root,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(": VERIFIED"));
}

#[test]
fn output_file_is_not_replaced_without_resume_or_force() {
    let dir = scenario_dir();
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "verify",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "--output",
            "run.jsonl",
        ];
        a.extend_from_slice(extra);
        a.push("mail");
        a
    };
    let run = mailproof(&args(&["--quiet"]), dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let first = std::fs::read_to_string(dir.path().join("run.jsonl")).unwrap();
    assert_eq!(first.lines().count(), 6);
    // A second run over fewer messages must not silently replace it.
    let mut again = args(&["--quiet"]);
    *again.last_mut().unwrap() = "mail/1-verified.eml";
    let run = mailproof(&again, dir.path());
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "mailproof: run.jsonl exists: --resume continues that run, --force replaces it\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("run.jsonl")).unwrap(),
        first
    );
    // --force replaces it; --resume keeps it and adds nothing new.
    let mut forced = args(&["--quiet", "--force"]);
    *forced.last_mut().unwrap() = "mail/1-verified.eml";
    let run = mailproof(&forced, dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let replaced = std::fs::read_to_string(dir.path().join("run.jsonl")).unwrap();
    assert_eq!(replaced.lines().count(), 1);
    let run = mailproof(&args(&["--quiet", "--resume"]), dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let resumed = std::fs::read_to_string(dir.path().join("run.jsonl")).unwrap();
    assert!(resumed.starts_with(&replaced));
    assert_eq!(resumed.lines().count(), 6);
}

#[test]
fn a_run_of_several_messages_ends_with_a_tally_unless_quiet() {
    let dir = scenario_dir();
    let base = ["verify", "--no-builtin-keys", "--keys", "keys.zone"];
    let run = mailproof(&[&base[..], &["mail"]].concat(), dir.path());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.ends_with(
            "mailproof: 6 messages: 1 verified, 1 headers_verified, 1 failed, 1 unverifiable, 1 unsigned, 1 error.\n"
        ),
        "{}",
        run.stderr
    );
    let run = mailproof(&[&base[..], &["--quiet", "mail"]].concat(), dir.path());
    assert_eq!(run.stderr, "");
    // one message: its report says it all
    let run = mailproof(&[&base[..], &["mail/1-verified.eml"]].concat(), dir.path());
    assert_eq!(run.stderr, "");
}

#[test]
fn summarize_reads_what_report_reads() {
    let dir = scenario_dir();
    let run = mailproof(
        &[
            "verify",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "--format",
            "json",
            "mail",
        ],
        dir.path(),
    );
    std::fs::write(dir.path().join("run.json"), &run.stdout).unwrap();
    let run = mailproof(
        &[
            "verify",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "--format",
            "jsonl",
            "mail",
        ],
        dir.path(),
    );
    std::fs::write(dir.path().join("run.jsonl"), &run.stdout).unwrap();
    let from_doc = mailproof(&["summarize", "--json", "run.json"], dir.path());
    assert_eq!(from_doc.code, 0, "{}", from_doc.stderr);
    let from_lines = mailproof(&["summarize", "--json", "run.jsonl"], dir.path());
    assert_eq!(from_doc.stdout, from_lines.stdout);
    let s: serde_json::Value = serde_json::from_str(&from_doc.stdout).unwrap();
    assert_eq!(s["messages"], 6);
    // the document is counted once whatever else is given with it
    let both = mailproof(
        &["summarize", "--json", "run.json", "run.jsonl"],
        dir.path(),
    );
    let s: serde_json::Value = serde_json::from_str(&both.stdout).unwrap();
    assert_eq!(s["messages"], 6);
    assert_eq!(s["duplicates_ignored"], 6);
}
