//! Batch runs: every kind of input, byte-exact mbox splitting, resume after
//! a kill, shards that cover every message once, and summary counts.

mod common;

use common::*;
use mailproof::input::{self, Messages};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn mailproof(args: &[&str], dir: &Path, stdin: Option<&[u8]>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn records(jsonl: &str) -> Vec<serde_json::Value> {
    jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn field(recs: &[serde_json::Value], name: &str) -> Vec<String> {
    recs.iter()
        .map(|r| r[name].as_str().unwrap().to_string())
        .collect()
}

/// Five messages: verified, body changed, no key, unsigned, not mail.
fn five() -> Vec<Vec<u8>> {
    let good = signed(&Sign::default());
    vec![
        good.clone(),
        replace(&good, "1,204,000", "9,204,000"),
        signed(&Sign {
            selector: "gone",
            ..Default::default()
        }),
        MESSAGE.as_bytes().to_vec(),
        b"\x89PNG\r\n\x1a\n".to_vec(),
    ]
}

/// The messages as an mboxrd with LF endings, as mail clients export them.
fn mboxrd(msgs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        out.extend_from_slice(b"From someone@example.com Mon Jun  1 12:00:00 2015\n");
        let text = String::from_utf8_lossy(m).replace("\r\n", "\n");
        for line in text.split_inclusive('\n') {
            if line.trim_start_matches('>').starts_with("From ") {
                out.push(b'>');
            }
            out.extend_from_slice(line.as_bytes());
        }
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keys.zone"), standard_zone()).unwrap();
    dir
}

#[test]
fn mbox_split_is_byte_exact_and_streams() {
    // a body line "From ..." quoted, CRLF and LF messages, no final newline
    let a = b"Subject: a\r\n\r\n>From the start\r\nFrom me\r\n\r\n".to_vec();
    let b = b"Subject: b\n\nlast line without end".to_vec();
    let mut mbox = b"From x Mon Jun  1 12:00:00 2015\n".to_vec();
    mbox.extend_from_slice(&a);
    mbox.extend_from_slice(b"\r\nFrom y Mon Jun  1 12:00:00 2015\n");
    mbox.extend_from_slice(&b);
    let entries = input::split_mbox(&mbox).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].message, a);
    assert_eq!(entries[1].message, b);
    let rebuilt: Vec<u8> = entries.iter().flat_map(|e| e.framed()).collect();
    assert_eq!(rebuilt, mbox);
}

#[test]
fn mbox_messages_verify_like_their_eml_twins() {
    let dir = setup();
    let msgs = five();
    for (i, m) in msgs.iter().enumerate() {
        std::fs::write(dir.path().join(format!("m{i}.eml")), m).unwrap();
    }
    std::fs::write(dir.path().join("all.mbox"), mboxrd(&msgs)).unwrap();
    let args = |input: &str| {
        vec![
            "verify".to_string(),
            "--no-builtin-keys".into(),
            "--keys".into(),
            "keys.zone".into(),
            "--format".into(),
            "jsonl".into(),
            "-j".into(),
            "3".into(),
            input.to_string(),
        ]
    };
    let run = |input: &str| {
        let a = args(input);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        records(&mailproof(&a, dir.path(), None).1)
    };
    let mbox = run("all.mbox");
    assert_eq!(
        field(&mbox, "source"),
        (1..=5).map(|n| format!("all.mbox#{n}")).collect::<Vec<_>>()
    );
    let emls: Vec<String> = (0..5)
        .map(|i| field(&run(&format!("m{i}.eml")), "verdict")[0].clone())
        .collect();
    assert_eq!(field(&mbox, "verdict"), emls);
    assert_eq!(
        emls,
        [
            "verified",
            "headers_verified",
            "unverifiable",
            "unsigned",
            "error"
        ]
    );
    // the good message needed the documented repairs, and says so
    let kinds: Vec<&str> = mbox[0]["repairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.iter().any(|k| k.contains("crlf")), "{kinds:?}");
}

#[test]
fn directories_maildirs_and_stdin() {
    let dir = setup();
    let p = dir.path();
    let msgs = five();
    for sub in [
        "Maildir/cur",
        "Maildir/new",
        "Maildir/tmp",
        "Maildir/.Sent/cur",
        "Maildir/.Sent/new",
        "tree/b",
        "tree/a",
    ] {
        std::fs::create_dir_all(p.join(sub)).unwrap();
    }
    std::fs::write(p.join("Maildir/cur/1.host:2,S"), &msgs[0]).unwrap();
    std::fs::write(p.join("Maildir/new/2.host"), &msgs[1]).unwrap();
    std::fs::write(p.join("Maildir/tmp/3.host"), &msgs[2]).unwrap();
    std::fs::write(p.join("Maildir/dovecot-uidlist"), b"3 V1 N4\n").unwrap();
    std::fs::write(p.join("Maildir/.Sent/cur/4.host:2,S"), &msgs[3]).unwrap();
    std::fs::write(p.join("tree/b/x.eml"), &msgs[0]).unwrap();
    std::fs::write(p.join("tree/a/y.eml"), &msgs[3]).unwrap();
    std::fs::write(p.join("tree/.hidden.eml"), &msgs[4]).unwrap();
    let base = [
        "verify",
        "--no-builtin-keys",
        "--keys",
        "keys.zone",
        "--format",
        "jsonl",
    ];
    fn with<'a>(base: &[&'a str], inputs: &[&'a str]) -> Vec<&'a str> {
        base.iter().chain(inputs).copied().collect()
    }

    let (code, out, _) = mailproof(&with(&base, &["Maildir"]), p, None);
    assert_eq!(code, 1);
    assert_eq!(
        field(&records(&out), "source"),
        [
            "Maildir/.Sent/cur/4.host:2,S",
            "Maildir/cur/1.host:2,S",
            "Maildir/new/2.host"
        ]
    );

    let (_, out, _) = mailproof(&with(&base, &["tree"]), p, None);
    assert_eq!(
        field(&records(&out), "source"),
        ["tree/a/y.eml", "tree/b/x.eml"]
    );

    let (code, out, _) = mailproof(&with(&base, &["-"]), p, Some(&msgs[0]));
    assert_eq!(code, 0);
    let recs = records(&out);
    assert_eq!(field(&recs, "source"), ["-"]);
    assert_eq!(field(&recs, "verdict"), ["verified"]);

    let (_, out, _) = mailproof(&with(&base, &["-"]), p, Some(&mboxrd(&msgs[..2])));
    assert_eq!(field(&records(&out), "source"), ["-#1", "-#2"]);
}

#[test]
fn resume_after_a_kill_gives_the_same_records() {
    let dir = setup();
    let p = dir.path();
    std::fs::create_dir(p.join("mail")).unwrap();
    let msgs = five();
    for i in 0..20 {
        std::fs::write(p.join(format!("mail/{i:02}.eml")), &msgs[i % 5]).unwrap();
    }
    // one verification time for both runs: each record carries it
    let args = |out: &'static str, resume: bool| {
        let mut a = vec![
            "verify",
            "--at",
            "2026-01-01",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "-q",
            "-j",
            "2",
            "--output",
            out,
        ];
        if resume {
            a.push("--resume");
        }
        a.push("mail");
        a
    };
    let (code, _, _) = mailproof(&args("full.jsonl", false), p, None);
    assert_eq!(code, 1);
    let full = std::fs::read_to_string(p.join("full.jsonl")).unwrap();
    let full_lines: Vec<&str> = full.lines().collect();
    assert_eq!(full_lines.len(), 20);

    // a run killed after 7 records, in the middle of writing the 8th
    let mut cut = full_lines[..7].join("\n");
    cut.push('\n');
    cut.push_str(&full_lines[7][..40]);
    std::fs::write(p.join("part.jsonl"), &cut).unwrap();
    let (code, _, err) = mailproof(&args("part.jsonl", true), p, None);
    assert_eq!(code, 1, "{err}");
    let resumed = std::fs::read_to_string(p.join("part.jsonl")).unwrap();
    assert!(resumed.ends_with('\n'));
    let a: BTreeSet<&str> = full.lines().collect();
    let b: Vec<&str> = resumed.lines().collect();
    assert_eq!(b.len(), 20, "one record per message, none twice");
    assert_eq!(a, b.iter().copied().collect());

    // resuming a complete file adds nothing
    let (_, _, _) = mailproof(&args("part.jsonl", true), p, None);
    assert_eq!(
        std::fs::read_to_string(p.join("part.jsonl")).unwrap(),
        resumed
    );

    // a message whose bytes changed since is checked again
    std::fs::write(p.join("mail/00.eml"), &msgs[1]).unwrap();
    mailproof(&args("part.jsonl", true), p, None);
    let again = std::fs::read_to_string(p.join("part.jsonl")).unwrap();
    assert_eq!(again.lines().count(), 21);
}

#[test]
fn shards_cover_every_message_exactly_once() {
    let dir = setup();
    let p = dir.path();
    std::fs::create_dir(p.join("mail")).unwrap();
    let msgs = five();
    for i in 0..30 {
        std::fs::write(p.join(format!("mail/{i:02}.eml")), &msgs[i % 5]).unwrap();
    }
    std::fs::write(p.join("box.mbox"), mboxrd(&msgs)).unwrap();
    let all = |shard: Option<&str>| -> Vec<String> {
        let mut a = vec![
            "verify",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "--format",
            "jsonl",
        ];
        if let Some(s) = shard {
            a.extend(["--shard", s]);
        }
        a.extend(["mail", "box.mbox"]);
        field(&records(&mailproof(&a, p, None).1), "source")
    };
    let everything = all(None);
    assert_eq!(everything.len(), 35);
    let mut union = Vec::new();
    for k in 1..=3 {
        let s = all(Some(&format!("{k}/3")));
        assert!(!s.is_empty() && s.len() < 35, "shard {k}: {}", s.len());
        union.extend(s);
    }
    union.sort();
    let mut expected = everything.clone();
    expected.sort();
    assert_eq!(union, expected);
    // the same shard twice is the same set
    assert_eq!(all(Some("2/3")), all(Some("2/3")));
    let (code, _, err) = mailproof(&["verify", "--shard", "4/3", "mail"], p, None);
    assert_eq!(code, 2);
    assert!(err.contains("K <= N"), "{err}");
}

#[test]
fn summary_counts_and_sharded_merge() {
    let dir = setup();
    let p = dir.path();
    std::fs::create_dir(p.join("mail")).unwrap();
    let msgs = five();
    for i in 0..10 {
        std::fs::write(p.join(format!("mail/{i:02}.eml")), &msgs[i % 5]).unwrap();
    }
    let (_, text, _) = mailproof(
        &[
            "verify",
            "--no-builtin-keys",
            "--keys",
            "keys.zone",
            "--output",
            "all.jsonl",
            "--summary",
            "all.json",
            "mail",
        ],
        p,
        None,
    );
    assert!(text.contains("10 messages checked, 2 verified."), "{text}");
    assert!(
        text.contains("gone._domainkey.example.com: 2 messages"),
        "{text}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("all.json")).unwrap()).unwrap();
    assert_eq!(s["messages"], 10);
    for (v, n) in [
        ("verified", 2),
        ("headers_verified", 2),
        ("unverifiable", 2),
        ("unsigned", 2),
        ("error", 2),
    ] {
        assert_eq!(s["verdicts"][v], n, "{v}");
    }
    assert_eq!(
        s["missing_keys"][0]["record"],
        "gone._domainkey.example.com"
    );
    assert_eq!(s["missing_keys"][0]["messages"], 2);
    assert_eq!(s["missing_keys"][0]["unverifiable_messages"], 2);
    let sel = &s["domains"]["example.com"]["s2015"];
    assert_eq!(sel["signatures"], 4);
    assert_eq!(sel["results"]["pass"], 2);
    assert_eq!(sel["results"]["body_hash_mismatch"], 2);
    let keys = sel["keys"].as_object().unwrap();
    assert_eq!(keys.len(), 1);
    let period = keys.values().next().unwrap();
    assert_eq!(period["verified"], 4);
    assert_eq!(period["signed"]["first"], "2015-06-01T12:00:00Z");

    // shards merged by `summarize` (records and summaries alike) = the whole
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let out = format!("s{k}.jsonl");
        let sum = format!("s{k}.json");
        mailproof(
            &[
                "verify",
                "--no-builtin-keys",
                "--keys",
                "keys.zone",
                "-q",
                "--shard",
                &shard,
                "--output",
                &out,
                "--summary",
                &sum,
                "mail",
            ],
            p,
            None,
        );
    }
    let (code, merged, _) = mailproof(&["summarize", "--json", "s1.jsonl", "s2.jsonl"], p, None);
    assert_eq!(code, 0);
    let (_, merged2, _) = mailproof(&["summarize", "--json", "s1.json", "s2.json"], p, None);
    let m: serde_json::Value = serde_json::from_str(&merged).unwrap();
    let m2: serde_json::Value = serde_json::from_str(&merged2).unwrap();
    assert_eq!(m, s);
    assert_eq!(m2, s);
    // a record file given twice counts each message once
    let (_, twice, _) = mailproof(&["summarize", "--json", "all.jsonl", "all.jsonl"], p, None);
    let t: serde_json::Value = serde_json::from_str(&twice).unwrap();
    assert_eq!(
        (t["messages"].as_u64(), t["duplicates_ignored"].as_u64()),
        (Some(10), Some(10))
    );
}

#[test]
fn the_library_streams_inputs_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("b.eml"), MESSAGE).unwrap();
    std::fs::write(p.join("a.mbox"), mboxrd(&five()[..3])).unwrap();
    let (planned, missing) = input::plan(&[p.to_path_buf(), p.join("nope")]);
    assert_eq!(missing.len(), 1);
    let items: Vec<_> = Messages::new(planned, |_: &str| true).collect();
    let names: Vec<String> = items
        .iter()
        .map(|i| i.source.rsplit('/').next().unwrap().to_string())
        .collect();
    assert_eq!(names, ["a.mbox#1", "a.mbox#2", "a.mbox#3", "b.eml"]);
    assert_eq!(items[3].bytes.as_deref().unwrap(), MESSAGE.as_bytes());
}

#[test]
fn deferred_reads_give_the_same_bytes_and_keep_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("b.eml"), MESSAGE).unwrap();
    std::fs::write(p.join("a.mbox"), mboxrd(&five()[..2])).unwrap();
    std::fs::write(p.join("c.eml"), "x".repeat(100)).unwrap();
    let (planned, _) = input::plan(&[p.to_path_buf()]);
    let eager: Vec<_> = Messages::new(planned.clone(), |_: &str| true).collect();
    let mut buf = Vec::new();
    let mut n = 0;
    for (lazy, eager) in Messages::new(planned.clone(), |_: &str| true)
        .defer_reads(true)
        .zip(&eager)
    {
        assert_eq!(lazy.source, eager.source);
        // only plain files are deferred; mbox messages come whole
        assert_eq!(
            lazy.rest.is_some(),
            !lazy.source.contains('#'),
            "{}",
            lazy.source
        );
        let name = lazy.source.clone();
        lazy.read_into(&mut buf).unwrap();
        assert_eq!(buf, eager.bytes.as_deref().unwrap(), "{name}");
        n += 1;
    }
    assert_eq!(n, 4);
    // a file that grew past the cap after listing is refused when read
    let mut items = Messages::new(planned, |s: &str| s.ends_with("c.eml"))
        .max_bytes(100)
        .defer_reads(true);
    std::fs::write(p.join("c.eml"), "x".repeat(101)).unwrap();
    let c = items.next().unwrap();
    let err = c.read_into(&mut buf).unwrap_err();
    assert!(err.contains("max-message-size"), "{err}");
}

/// Issue 19 item 3: a signature without `t=` is dated by its report's time
/// window (Date header to topmost Received header) in the run's summary and
/// in the overview of a published report, as the message reports are; the
/// missing-keys columns are explained.
#[test]
fn summaries_date_signatures_without_t_by_the_report_window() {
    let dir = setup();
    let p = dir.path();
    std::fs::create_dir(p.join("mail")).unwrap();
    let received =
        b"Received: from mx.example.com by mx.example.net; Mon, 01 Jun 2015 12:05:00 +0000\r\n";
    for (i, selector) in ["s2015", "s2015", "gone"].iter().enumerate() {
        let mut m = received.to_vec();
        m.extend(signed(&Sign {
            selector,
            timestamp: None,
            ..Default::default()
        }));
        std::fs::write(p.join(format!("mail/{i}.eml")), m).unwrap();
    }
    let args = [
        "verify",
        "--no-builtin-keys",
        "--keys",
        "keys.zone",
        "--output",
        "run.jsonl",
        "--summary",
        "run.json",
        "mail",
    ];
    let (_, text, _) = mailproof(&args, p, None);
    assert!(
        text.contains("s2015._domainkey.example.com: 2 signatures, signed 2015-06-01 (pass 2)"),
        "{text}"
    );
    assert!(
        text.contains(
            "gone._domainkey.example.com: 1 signature, signing time unknown (no t=, no time window)"
        ),
        "{text}"
    );
    assert!(text.contains("nothing else to check: of those"), "{text}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("run.json")).unwrap()).unwrap();
    let sel = &s["domains"]["example.com"]["s2015"]["signed"];
    assert_eq!(sel["first"], "2015-06-01T12:00:00Z", "{s}");
    assert_eq!(sel["last"], "2015-06-01T12:05:00Z", "{s}");
    // the key nobody had: no report window dates it (nothing verified)
    assert!(s["missing_keys"][0]["signed"]["first"].is_null(), "{s}");

    let (code, md, err) = mailproof(&["report", "--format", "markdown", "run.jsonl"], p, None);
    assert_eq!(code, 1, "one message is unverifiable: {err}");
    assert!(
        md.contains("| `example.com` | `s2015` | 2 | 2015: 2 |"),
        "{md}"
    );
    assert!(
        md.contains("- **Messages only this key can check**: "),
        "{md}"
    );
    assert!(!md.contains("undated"), "{md}");
}
