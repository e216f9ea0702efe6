//! The "reproduce this" steps of the publishable reports: they carry the
//! verification time (`--at`), can be run as printed (for a message inside
//! a container too, with `mailproof extract`, and for a file name no one
//! would choose) and give the report's fingerprint and findings back.

#[path = "common/cli.rs"]
mod cli;
mod common;

use cli::*;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A folder with the test zone and the standard signed message.
fn dir_with_key() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keys.zone"), standard_zone()).unwrap();
    dir
}

/// A forward carrying `inner` as a message/rfc822 part.
fn forward_of(inner: &[u8]) -> Vec<u8> {
    let mut m = b"From: Dan <dan@example.org>\r\nTo: Erin <erin@example.org>\r\n\
Subject: Fwd: numbers\r\nDate: Tue, 02 Jun 2015 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
Content-Type: text/plain\r\n\r\nSee attached.\r\n--b1\r\nContent-Type: message/rfc822\r\n\r\n"
        .to_vec();
    m.extend_from_slice(inner);
    m.extend_from_slice(b"\r\n--b1--\r\n");
    m
}

/// The shell lines of step `n` of the first "Reproduce this" of a Markdown
/// report (the first ```sh block after the heading for n = 1, the second
/// for n = 2...).
fn sh_block(markdown: &str, n: usize) -> String {
    let at = markdown
        .find("### Reproduce this")
        .expect("a reproduce section");
    let mut lines = markdown[at..].lines().map(str::trim_start);
    let mut found = 0;
    while let Some(l) = lines.next() {
        let fence: String = l.chars().take_while(|c| *c == '`').collect();
        if fence.len() < 3 || &l[fence.len()..] != "sh" {
            continue;
        }
        found += 1;
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != fence).collect();
        if found == n {
            return body.join("\n");
        }
    }
    panic!("no sh block {n}")
}

/// Runs shell lines with bash in `dir`, with this build's `mailproof`
/// first on the PATH: what a reader pasting them would get.
fn bash(lines: &str, dir: &Path) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_mailproof")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("bash")
        .arg("-c")
        .arg(lines)
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .unwrap()
}

#[test]
fn publishable_reports_reproduce_with_the_verification_time() {
    let dir = dir_with_key();
    std::fs::write(dir.path().join("m.eml"), signed(&Sign::default())).unwrap();
    let at = ["--at", "2026-06-01"];
    let want =
        "mailproof verify --at 2026-06-01T00:00:00Z --no-builtin-keys --keys keys.zone m.eml";
    let md = verify(
        dir.path(),
        &[&at[..], &["--format", "markdown", "m.eml"]].concat(),
    )
    .text();
    assert_eq!(sh_block(&md, 2), want);
    let html = verify(
        dir.path(),
        &[&at[..], &["--format", "html", "m.eml"]].concat(),
    )
    .text();
    assert!(html.contains(&format!("<pre>{want}</pre>")), "{html}");
    // `report` from JSON Lines: the time travels in each record
    let jsonl = verify(
        dir.path(),
        &[&at[..], &["--format", "jsonl", "m.eml"]].concat(),
    );
    std::fs::write(dir.path().join("run.jsonl"), &jsonl.stdout).unwrap();
    let md = mailproof(&["report", "--format", "markdown", "run.jsonl"], dir.path()).text();
    assert_eq!(sh_block(&md, 2), want);
    assert!(
        md.contains("| Verification time | `2026-06-01T00:00:00Z` |"),
        "{md}"
    );
    // the command, run as printed, gives the same findings
    let again = bash(
        &sh_block(&md, 2).replace("verify", "verify --format jsonl"),
        dir.path(),
    );
    let a: Value = serde_json::from_slice(&jsonl.stdout).unwrap();
    let b: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(a["findings"], b["findings"]);
    assert_eq!(a["verification_time"], b["verification_time"]);
}

/// Every record's input_sha256 is the SHA-256 of what `extract` writes for
/// its source name, and the first reproduce step, run as printed, prints
/// that fingerprint.
fn extract_matches_every_record(dir: &Path, input: &str) -> usize {
    let run = verify(dir, &["--at", "2026-01-01", "--format", "jsonl", input]);
    let recs = records(&run);
    assert!(!recs.is_empty(), "{}", run.stderr);
    for r in &recs {
        let source = r["source"].as_str().unwrap();
        let out = mailproof(&["extract", source], dir);
        assert_eq!(out.code, 0, "{source}: {}", out.stderr);
        assert_eq!(
            sha256_hex(&out.stdout),
            r["input_sha256"].as_str().unwrap(),
            "{source}"
        );
        let md = verify(dir, &["--at", "2026-01-01", "--format", "markdown", source]).text();
        let step = sh_block(&md, 1);
        let ran = bash(&step, dir);
        let printed = String::from_utf8(ran.stdout).unwrap();
        assert!(
            printed.starts_with(r["input_sha256"].as_str().unwrap()),
            "{source}: {step}\n{printed}{}",
            String::from_utf8_lossy(&ran.stderr)
        );
    }
    recs.len()
}

#[test]
fn messages_inside_containers_can_be_extracted_and_checked_as_the_report_says() {
    let dir = dir_with_key();
    let p = dir.path();
    let good = signed(&Sign::default());
    let other = signed(&Sign {
        timestamp: Some(SIGNED_AT + 60),
        ..Default::default()
    });
    let mut mbox = b"From alice@example.com Mon Jun  1 12:00:00 2015\n".to_vec();
    mbox.extend_from_slice(&good);
    mbox.extend_from_slice(b"\nFrom alice@example.com Mon Jun  1 12:01:00 2015\n");
    mbox.extend_from_slice(&other);
    mbox.extend_from_slice(b"\n");
    std::fs::write(p.join("rd.mbox"), &mbox).unwrap();
    assert_eq!(extract_matches_every_record(p, "rd.mbox"), 2);
    std::fs::write(
        p.join("a.zip"),
        zip_of(&[("m/1.eml", &good), ("m/2.eml", &other)]),
    )
    .unwrap();
    assert_eq!(extract_matches_every_record(p, "a.zip"), 2);
    std::fs::write(p.join("fwd.eml"), forward_of(&good)).unwrap();
    assert_eq!(extract_matches_every_record(p, "fwd.eml"), 2);
    // the dkimpy program reads the extracted file, not the source name
    let md = verify(p, &["--format", "markdown", "rd.mbox#2"]).text();
    assert!(
        md.contains("message = open(\"message.eml\", \"rb\")"),
        "{md}"
    );
    assert!(!md.contains("open(\"rd.mbox#2\""), "{md}");
    // extract --out, and names that are not one message
    let run = mailproof(&["extract", "--out", "x.eml", "fwd.eml#attached/1"], p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read(p.join("x.eml")).unwrap(), good);
    let run = mailproof(&["extract", "rd.mbox"], p);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("rd.mbox#1, rd.mbox#2"),
        "{}",
        run.stderr
    );
    let run = mailproof(&["extract", "fwd.eml#attached/2"], p);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // the hint names what the forward does carry
    assert!(
        run.stderr.contains("fwd.eml, fwd.eml#attached/1"),
        "{}",
        run.stderr
    );
}

#[test]
fn outlook_items_extract_their_header_block_and_say_what_cannot_be_reproduced() {
    let dir = dir_with_key();
    let p = dir.path();
    std::fs::copy(fixture("outlook/testPST.pst"), p.join("t.pst")).unwrap();
    assert!(extract_matches_every_record(p, "t.pst") >= 3);
    let run = verify(p, &["--format", "jsonl", "t.pst"]);
    let first = records(&run)[0]["source"].as_str().unwrap().to_string();
    let md = verify(p, &["--format", "markdown", &first]).text();
    assert!(md.contains("not the body hash"), "{md}");
    let out = mailproof(&["extract", &first], p);
    assert!(
        out.stderr.contains("only the header block"),
        "{}",
        out.stderr
    );
}

#[test]
fn reproduce_steps_quote_the_real_file_name_and_stay_inert() {
    let dir = dir_with_key();
    let p = dir.path();
    let good = signed(&Sign::default());
    for name in [
        "it's\nx.eml",
        "a\u{202e}lmth.eml",
        "$(touch pwned) `touch pwned2`.eml",
        "<pre><script>alert(1)<script>```\n```.eml",
        "back\\slash\t\u{1b}[31m.eml",
        // names a command would read as options
        "-rf.eml",
        "--online.eml",
    ] {
        std::fs::write(p.join(name), &good).unwrap();
        let md = verify(
            p,
            &["--at", "2026-01-01", "--format", "markdown", "--", name],
        )
        .text();
        let step = sh_block(&md, 1);
        assert_eq!(step.lines().count(), 1, "{name:?}: {step}");
        let ran = bash(&step, p);
        let printed = String::from_utf8(ran.stdout).unwrap();
        // GNU sha256sum marks a line whose name it escaped with a `\`
        assert!(
            printed
                .trim_start_matches('\\')
                .starts_with(&sha256_hex(&good)),
            "{name:?}: {step}\n{printed}{}",
            String::from_utf8_lossy(&ran.stderr)
        );
        // the mailproof command names the same file
        let again = bash(
            &sh_block(&md, 2).replace("verify", "verify --format jsonl"),
            p,
        );
        let r: Value = serde_json::from_slice(&again.stdout).unwrap_or_else(|e| {
            panic!("{name:?}: {e}: {}", String::from_utf8_lossy(&again.stderr))
        });
        // (`./-rf.eml` for a name that starts with `-`: the same file)
        let source = r["source"].as_str().unwrap();
        assert_eq!(
            source.strip_prefix("./").unwrap_or(source),
            name,
            "{name:?}"
        );
        assert_eq!(r["verdict"], "verified");
        let html = verify(p, &["--format", "html", "--", name]).text();
        assert!(!html.contains("<script>"), "{name:?}");
        assert!(
            !html.contains('\u{202e}') && !html.contains('\u{1b}'),
            "{name:?}"
        );
        assert!(
            !md.contains('\u{202e}') && !md.contains('\u{1b}'),
            "{name:?}"
        );
        std::fs::remove_file(p.join(name)).unwrap();
    }
    assert!(!p.join("pwned").exists() && !p.join("pwned2").exists());
}

/// The dkimpy program of a Markdown report's "Reproduce this", dedented.
fn python_block(markdown: &str) -> String {
    let at = markdown
        .find("### Reproduce this")
        .expect("a reproduce section");
    let rest = &markdown[at..];
    let start = rest.find("```python\n").expect("a python block") + "```python\n".len();
    let body = &rest[start..];
    let indent = rest[..start - "```python\n".len()]
        .rsplit('\n')
        .next()
        .map_or(0, str::len);
    body.lines()
        .take_while(|l| l.trim_start() != "```")
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_dkimpy_check_judges_an_expired_signature_at_its_signing_time() {
    let dir = dir_with_key();
    let p = dir.path();
    // x= a day after t=, years before the verification time
    let expired = signed(&Sign {
        expiration: Some(SIGNED_AT + 86_400),
        ..Default::default()
    });
    std::fs::write(p.join("old.eml"), &expired).unwrap();
    let md = verify(
        p,
        &["--at", "2026-01-01", "--format", "markdown", "old.eml"],
    )
    .text();
    let py = python_block(&md);
    assert!(
        py.contains(&format!("SIGNED_AT = {{0: {SIGNED_AT}}}")),
        "{py}"
    );
    assert!(py.contains("time.time = lambda: SIGNED_AT[idx]"), "{py}");
    // with dkimpy on this machine, the program runs as printed and agrees
    let has_dkimpy = Command::new("python3")
        .args(["-c", "import dkim"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has_dkimpy {
        std::fs::write(p.join("check.py"), &py).unwrap();
        let out = Command::new("python3")
            .arg("check.py")
            .current_dir(p)
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&out.stdout);
        assert_eq!(printed.trim(), "signature 1: True", "{py}\n{printed}");
    }
}

/// The key records of a Markdown report's "Reproduce this" (its ```dns
/// block), dedented.
fn dns_block(markdown: &str) -> String {
    let at = markdown
        .find("### Reproduce this")
        .expect("a reproduce section");
    let rest = &markdown[at..];
    let open = rest.find("```dns\n").expect("a dns block");
    let indent = rest[..open].rsplit('\n').next().map_or(0, str::len);
    rest[open + "```dns\n".len()..]
        .lines()
        .take_while(|l| l.trim_start() != "```")
        .map(|l| l.get(indent..).unwrap_or("").to_string() + "\n")
        .collect()
}

#[test]
fn the_printed_keys_carry_their_dated_evidence_so_findings_repeat() {
    // a real Gmail message, its key from the built-in archive with dates:
    // the time findings rest on them
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::copy(fixture("real-world/gmail-20230601.eml"), p.join("g.eml")).unwrap();
    let at = ["--at", "2026-12-01T00:00:00Z"];
    let md = mailproof(
        &[&["verify", "--format", "markdown"][..], &at, &["g.eml"]].concat(),
        p,
    )
    .text();
    std::fs::write(p.join("keys.zone"), dns_block(&md)).unwrap();
    let findings = |run: &Run| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = records(run)[0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["code"].to_string(), f["severity"].to_string()))
            .collect();
        f.sort();
        f
    };
    let report = findings(&mailproof(
        &[&["verify", "--format", "jsonl"][..], &at, &["g.eml"]].concat(),
        p,
    ));
    let again = findings(&verify(
        p,
        &[&["--format", "jsonl"][..], &at, &["g.eml"]].concat(),
    ));
    assert!(
        report
            .iter()
            .any(|(c, _)| c == "\"signed_outside_key_window\""),
        "{report:?}"
    );
    assert_eq!(again, report);
}
