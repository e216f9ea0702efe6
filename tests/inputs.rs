//! Inputs in the shapes leaks arrive in: archives on the command line,
//! originals forwarded as attachments, Outlook files, and every printed
//! source name accepted back as an input.

mod common;

use common::*;
use std::io::Write;
use std::path::Path;
use std::process::Command;

fn mailproof(args: &[&str], dir: &Path) -> (i32, Vec<serde_json::Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        // --quiet: no tally line, so stderr holds only diagnostics
        .args(["verify", "--quiet", "--format", "jsonl", "--jobs", "2"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let recs = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code().unwrap_or(-1),
        recs,
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn sources(recs: &[serde_json::Value]) -> Vec<String> {
    recs.iter()
        .map(|r| r["source"].as_str().unwrap().to_string())
        .collect()
}

/// The published Gmail message of 2015 ("Meeting for coffee", see
/// fixtures/real-world): verifies with the built-in archive.
fn gmail() -> Vec<u8> {
    std::fs::read(fixture("real-world/Meeting for coffee.eml")).unwrap()
}

/// `inner` forwarded "as attachment" by an unsigned tipster's client.
fn forward(inner: &[u8], subject: &str) -> Vec<u8> {
    let mut m = format!(
        "From: Tipster <tipster@example.org>\r\nTo: desk@example.net\r\nSubject: {subject}\r\nDate: Tue, 02 Jun 2015 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"fwd-{subject}\"\r\n\r\n--fwd-{subject}\r\nContent-Type: text/plain\r\n\r\nSee the attached original.\r\n--fwd-{subject}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"original.eml\"\r\n\r\n"
    )
    .into_bytes();
    m.extend_from_slice(inner);
    m.extend_from_slice(format!("\r\n--fwd-{subject}--\r\n").as_bytes());
    m
}

fn mbox(messages: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        out.extend_from_slice(b"From someone@example.com Mon Jun  1 12:00:00 2015\n");
        out.extend_from_slice(m);
        out.extend_from_slice(b"\n");
    }
    out
}

fn tar_gz_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut t = tar::Builder::new(gz);
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        t.append_data(&mut h, name, *data).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap()
}

/// UTF-16LE, as MAPI PT_UNICODE strings are stored.
fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// The header block of a message (up to its empty line).
fn header_block(m: &[u8]) -> String {
    let s = String::from_utf8_lossy(m);
    let end = s
        .find("\r\n\r\n")
        .map(|i| i + 2)
        .or_else(|| s.find("\n\n").map(|i| i + 1))
        .unwrap();
    s[..end].to_string()
}

/// Writes the MAPI string properties of one message under `dir`.
fn msg_message(ole: &mut cfb::CompoundFile<std::io::Cursor<Vec<u8>>>, dir: &str, headers: &str) {
    for (id, value) in [
        ("001A", "IPM.Note"),
        ("0037", "the subject as Outlook shows it"),
        ("1000", "the body, as Outlook re-encoded it\r\n"),
        ("007D", headers),
    ] {
        let mut s = ole
            .create_stream(format!("{dir}/__substg1.0_{id}001F"))
            .unwrap();
        s.write_all(&utf16(value)).unwrap();
    }
}

/// A `.msg` built with the `cfb` crate's writer (MS-OXMSG layout): the
/// received headers of `headers_of`, an embedded Outlook message holding
/// the received headers of `embedded`, and `eml` attached as a file.
fn build_msg(headers_of: &[u8], embedded: &[u8], eml: &[u8]) -> Vec<u8> {
    let mut ole = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    msg_message(&mut ole, "", &header_block(headers_of));
    ole.create_storage("/__attach_version1.0_#00000000")
        .unwrap();
    ole.create_storage("/__attach_version1.0_#00000000/__substg1.0_3701000D")
        .unwrap();
    msg_message(
        &mut ole,
        "/__attach_version1.0_#00000000/__substg1.0_3701000D",
        &header_block(embedded),
    );
    ole.create_storage("/__attach_version1.0_#00000001")
        .unwrap();
    for (name, data) in [
        ("__substg1.0_37010102", eml.to_vec()),
        ("__substg1.0_370E001F", utf16("message/rfc822")),
        ("__substg1.0_3707001F", utf16("original.eml")),
    ] {
        let mut s = ole
            .create_stream(format!("/__attach_version1.0_#00000001/{name}"))
            .unwrap();
        s.write_all(&data).unwrap();
    }
    ole.flush().unwrap();
    ole.into_inner().into_inner()
}

/// A directory of every kind of container, with test-signed and real mail.
fn dump() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let good = signed(&Sign::default());
    let changed = replace(&good, "1,204,000", "9,204,000");
    let fwd = forward(&gmail(), "one");
    let fwd2 = forward(&forward(&good, "inner"), "outer");
    let mb = mbox(&[&good, &changed, MESSAGE.as_bytes()]);
    let inner_tgz = tar_gz_of(&[("deep/two.eml", &good), ("deep/one.eml", &changed)]);
    // entries out of name order, to show they are read in name order
    let z = zip_of(&[
        ("z/last.eml", &good),
        ("a/box.mbox", &mb),
        ("a/fwd.eml", &fwd),
        ("m/inner.tar.gz", &inner_tgz),
        ("__MACOSX/._a", b"resource fork"),
    ]);
    let tgz = tar_gz_of(&[
        ("x/z.eml", &changed),
        ("x/a.eml", &good),
        ("x/fwd2.eml", &fwd2),
    ]);
    let msg = build_msg(&gmail(), &good, &good);
    for (name, data) in [
        ("mail.msg", &msg),
        ("small.mbox", &mb),
        ("fwd.eml", &fwd),
        ("fwd2.eml", &fwd2),
        ("dump.zip", &z),
        ("dump.tar.gz", &tgz),
    ] {
        std::fs::write(dir.path().join(name), data).unwrap();
    }
    std::fs::write(dir.path().join("keys.zone"), standard_zone()).unwrap();
    std::fs::copy(
        fixture("outlook/dist-list.pst"),
        dir.path().join("dist-list.pst"),
    )
    .unwrap();
    dir
}

const INPUTS: &[&str] = &[
    "--keys",
    "keys.zone",
    "mail.msg",
    "dist-list.pst",
    "small.mbox",
    "fwd.eml",
    "fwd2.eml",
    "dump.zip",
    "dump.tar.gz",
];

#[test]
fn archives_give_one_record_per_message_in_name_order() {
    let dir = dump();
    let (status, recs, err) = mailproof(
        &["--keys", "keys.zone", "dump.zip", "dump.tar.gz"],
        dir.path(),
    );
    assert_eq!(status, 1, "{err}");
    let got: Vec<(String, String)> = recs
        .iter()
        .map(|r| {
            (
                r["source"].as_str().unwrap().into(),
                r["verdict"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("dump.zip#a/box.mbox#1", "verified"),
        ("dump.zip#a/box.mbox#2", "headers_verified"),
        ("dump.zip#a/box.mbox#3", "unsigned"),
        ("dump.zip#a/fwd.eml", "unsigned"),
        ("dump.zip#a/fwd.eml#attached/1", "verified"),
        ("dump.zip#m/inner.tar.gz#deep/one.eml", "headers_verified"),
        ("dump.zip#m/inner.tar.gz#deep/two.eml", "verified"),
        ("dump.zip#z/last.eml", "verified"),
        ("dump.tar.gz#x/a.eml", "verified"),
        ("dump.tar.gz#x/fwd2.eml", "unsigned"),
        ("dump.tar.gz#x/fwd2.eml#attached/1", "unsigned"),
        ("dump.tar.gz#x/fwd2.eml#attached/1/1", "verified"),
        ("dump.tar.gz#x/z.eml", "headers_verified"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn every_printed_name_is_accepted_back_as_an_input() {
    let dir = dump();
    let (_, all, err) = mailproof(INPUTS, dir.path());
    assert!(err.is_empty(), "{err}");
    let names = sources(&all);
    // every kind of name is in the run
    for kind in [
        "mbox#2",
        "#attached/1",
        "#attached/1/1",
        ".zip#a/",
        ".tar.gz#x/",
        "tar.gz#deep/",
    ] {
        assert!(names.iter().any(|n| n.contains(kind)), "{kind}: {names:?}");
    }
    for rec in &all {
        let name = rec["source"].as_str().unwrap();
        let (_, again, err) = mailproof(&["--keys", "keys.zone", name], dir.path());
        assert!(err.is_empty(), "{name}: {err}");
        // the message itself first, then those it carries
        assert_eq!(again[0]["source"], rec["source"], "{name}");
        assert_eq!(again[0]["input_sha256"], rec["input_sha256"], "{name}");
        assert_eq!(again[0]["verdict"], rec["verdict"], "{name}");
        let inside: Vec<&String> = names
            .iter()
            .filter(|n| n.starts_with(&format!("{name}#")) || n.starts_with(&format!("{name}/")))
            .collect();
        assert_eq!(
            again.len(),
            1 + inside.len(),
            "{name}: {:?}",
            sources(&again)
        );
    }
}

#[test]
fn a_name_that_matches_nothing_is_an_error_record() {
    let dir = dump();
    // a name that is not there is a missing input (status 2, named on
    // stderr), not an unverified message; it still gets its record
    for name in ["small.mbox#9", "dump.zip#nope.eml", "fwd.eml#attached/7"] {
        let (status, recs, err) = mailproof(&[name], dir.path());
        assert_eq!(status, 2, "{name}");
        assert!(err.contains(name), "{err}");
        assert_eq!(sources(&recs), [name]);
        assert_eq!(recs[0]["verdict"], "error", "{name}");
    }
    // a name that is there: the status is the verdict's
    let (status, recs, _) = mailproof(&["small.mbox#1"], dir.path());
    assert_ne!(status, 2);
    assert_eq!(sources(&recs), ["small.mbox#1"]);
    // and so is a path that is not there at all
    let (status, _, err) = mailproof(&["missing.mbox#2"], dir.path());
    assert_eq!(status, 2);
    assert!(err.contains("missing.mbox#2"), "{err}");
}

#[test]
fn forwarded_gmail_original_is_verified_on_its_own() {
    let dir = dump();
    let (_, recs, _) = mailproof(&["fwd.eml"], dir.path());
    assert_eq!(sources(&recs), ["fwd.eml", "fwd.eml#attached/1"]);
    let (outer, inner) = (&recs[0], &recs[1]);
    // the tipster's forward is unsigned; the original inside is verified
    assert_eq!(outer["verdict"], "unsigned");
    assert_eq!(inner["verdict"], "verified");
    assert_eq!(inner["found_in"], "fwd.eml");
    assert_eq!(inner["signatures"][0]["domain"], "gmail.com");
    assert_eq!(outer["carries"][0]["source"], "fwd.eml#attached/1");
    assert_eq!(outer["carries"][0]["verdict"], "verified");
    let summary = outer["summary"].as_str().unwrap();
    assert!(
        summary.contains("fwd.eml#attached/1 (verified)")
            && summary.contains("not for what it carries"),
        "{summary}"
    );
    // the original's bytes are those of the published file
    let sha = inner["input_sha256"].as_str().unwrap();
    let (_, plain, _) = mailproof(
        &[fixture("real-world/Meeting for coffee.eml")
            .to_str()
            .unwrap()],
        dir.path(),
    );
    assert_eq!(plain[0]["input_sha256"].as_str().unwrap(), sha);
}

#[test]
fn a_zip_bomb_is_an_error_record() {
    let dir = tempfile::tempdir().unwrap();
    // 24 MiB of zeros deflate to about 24 KB: over 200:1 past the first MiB
    let zeros = vec![0u8; 24 << 20];
    let bomb = zip_of(&[("bomb.eml", &zeros), ("ok.eml", MESSAGE.as_bytes())]);
    assert!(bomb.len() < 100_000);
    std::fs::write(dir.path().join("bomb.zip"), &bomb).unwrap();
    let gz_bomb = tar_gz_of(&[("bomb.eml", &zeros)]);
    assert!(gz_bomb.len() < 100_000);
    std::fs::write(dir.path().join("bomb.tar.gz"), &gz_bomb).unwrap();
    let (status, recs, err) = mailproof(&["bomb.zip", "bomb.tar.gz"], dir.path());
    assert_eq!(status, 1, "{err}");
    assert_eq!(
        sources(&recs),
        [
            "bomb.zip#bomb.eml",
            "bomb.zip#ok.eml",
            "bomb.tar.gz#bomb.eml",
            // the listing stopped there too: the rest of the tar is unread
            "bomb.tar.gz"
        ]
    );
    for r in [&recs[0], &recs[2], &recs[3]] {
        assert_eq!(r["verdict"], "error");
        assert!(r["error"].as_str().unwrap().contains("zip bomb"), "{r}");
    }
    assert_eq!(recs[1]["verdict"], "unsigned");
}

#[test]
fn archives_nested_too_deep_are_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = zip_of(&[("m.eml", MESSAGE.as_bytes())]);
    for _ in 0..3 {
        data = zip_of(&[("in.zip", &data)]);
    }
    std::fs::write(dir.path().join("deep.zip"), &data).unwrap();
    let (_, recs, _) = mailproof(&["deep.zip"], dir.path());
    assert_eq!(sources(&recs), ["deep.zip#in.zip#in.zip#in.zip"]);
    assert!(
        recs[0]["error"]
            .as_str()
            .unwrap()
            .contains("nested more than 3"),
        "{}",
        recs[0]
    );
}

#[test]
fn outlook_msg_gives_headers_verified_and_says_why() {
    let dir = dump();
    let (status, recs, err) = mailproof(&["--keys", "keys.zone", "mail.msg"], dir.path());
    assert_eq!(status, 1, "{err}");
    assert_eq!(
        sources(&recs),
        ["mail.msg", "mail.msg#attached/1", "mail.msg#attached/2"]
    );
    // the real Gmail headers: the header signature verifies, the body
    // cannot be checked from this format
    let top = &recs[0];
    assert_eq!(top["verdict"], "headers_verified");
    assert_eq!(top["signatures"][0]["domain"], "gmail.com");
    assert_eq!(top["signatures"][0]["header_signature_valid"], true);
    assert!(top["signatures"][0]["body_hash_matches"].is_null());
    let summary = top["summary"].as_str().unwrap();
    assert!(
        summary.contains("body cannot be checked") && summary.contains("Outlook"),
        "{summary}"
    );
    let finding = top["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "body_not_available")
        .expect("finding");
    assert!(
        finding["message"].as_str().unwrap().contains(".eml"),
        "{finding}"
    );
    let not = top["does_not_prove"][0].as_str().unwrap();
    assert!(
        not.starts_with("The body:") && not.contains(".eml"),
        "{not}"
    );
    // Google's dkim=pass on arrival covered the body, which this copy
    // lacks: neither agreement nor a claim that the message changed.
    let codes: Vec<&str> = top["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"receiver_disagrees"), "{codes:?}");
    assert!(codes.contains(&"receiver_unconfirmed"), "{codes:?}");
    assert!(!top.to_string().contains("changed after it was received"));
    // the embedded Outlook message: headers only too
    assert_eq!(recs[1]["verdict"], "headers_verified");
    // the attached .eml keeps its MIME bytes: fully verified
    assert_eq!(recs[2]["verdict"], "verified");
    assert_eq!(
        recs[2]["input_sha256"],
        hex_sha256(&signed(&Sign::default()))
    );
}

#[test]
fn a_msg_with_altered_headers_fails() {
    let dir = tempfile::tempdir().unwrap();
    let altered = replace(&gmail(), "Subject: ", "Subject: Re: ");
    std::fs::write(
        dir.path().join("x.msg"),
        build_msg(&altered, b"From: a@b.c\r\n\r\n", b"x"),
    )
    .unwrap();
    let (_, recs, _) = mailproof(&["x.msg"], dir.path());
    assert_eq!(recs[0]["verdict"], "failed", "{}", recs[0]);
    // The headline leads with what is known of a stored copy, and never
    // opens with "altered or forged", which a server's rewrite also explains.
    let summary = recs[0]["summary"].as_str().unwrap();
    assert!(summary.starts_with("Failed as stored:"), "{summary}");
    assert!(!summary.contains("or the signature is forged"), "{summary}");
    assert!(summary.contains("do not conclude"), "{summary}");
}

fn hex_sha256(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// The real PST of java-libpst's tests: three Outlook items, none received
/// by mail (see fixtures/outlook/MANIFEST.md).
const PST_ITEMS: [&str; 3] = [
    "dist-list.pst#Calendar/1",
    "dist-list.pst#Contacts/1",
    "dist-list.pst#Contacts/2",
];

#[test]
fn pst_items_each_get_one_record_in_batch_runs() {
    let dir = dump();
    let (status, recs, err) = mailproof(&["dist-list.pst"], dir.path());
    assert_eq!(status, 1, "{err}");
    assert_eq!(sources(&recs), PST_ITEMS);
    // never received by mail: each says why it cannot be checked
    for r in &recs {
        assert_eq!(r["verdict"], "error");
    }
    assert!(
        recs[0]["error"]
            .as_str()
            .unwrap()
            .contains("PR_TRANSPORT_MESSAGE_HEADERS"),
        "{}",
        recs[0]
    );
    // shards split the items and cover each once
    let mut seen = Vec::new();
    for k in ["1/2", "2/2"] {
        let (_, part, _) = mailproof(&["--shard", k, "dist-list.pst"], dir.path());
        seen.extend(sources(&part));
    }
    seen.sort();
    assert_eq!(seen, PST_ITEMS);
    // --resume after a complete run adds nothing
    let out = dir.path().join("run.jsonl");
    let run = |extra: &[&str]| {
        let mut args = vec!["--output", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push("dist-list.pst");
        mailproof(&args, dir.path())
    };
    run(&[]);
    let first = std::fs::read_to_string(&out).unwrap();
    assert_eq!(first.lines().count(), 3);
    run(&["--resume"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first);
}

/// The header block of `m` with `<`, `>`, `&` and `"` HTML-escaped, as a
/// web page showing the source would save it.
fn html_escaped_headers(m: &[u8]) -> Vec<u8> {
    let head = header_block(m);
    let escaped = head
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    assert_ne!(escaped, head, "test bug: nothing to escape");
    let mut out = escaped.into_bytes();
    out.extend_from_slice(&m[head.len()..]);
    out
}

#[test]
fn pasted_and_saved_copies_verify_with_a_repair_that_names_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let m = gmail();
    let cases: [(&str, Vec<u8>, &str, &str); 4] = [
        (
            "blank.eml",
            [b"\n\n".as_slice(), &m].concat(),
            "leading_blank_repaired",
            r#"2 bytes of blank lines or white space before the first header field removed ("\n\n")"#,
        ),
        (
            "spaces.eml",
            [b" \t\r\n".as_slice(), &m].concat(),
            "leading_blank_repaired",
            r#"4 bytes of blank lines or white space before the first header field removed (" \t\r\n")"#,
        ),
        (
            "page.eml",
            html_escaped_headers(&m),
            "html_escaping_repaired",
            "HTML character references in the header block",
        ),
        (
            "postmark.eml",
            [
                b"From someone@example.com Mon Jun  1 12:00:00 2015\n".as_slice(),
                &m,
            ]
            .concat(),
            "mbox_postmark_ignored",
            "From ",
        ),
    ];
    for (name, bytes, _, _) in &cases {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let (status, recs, err) = mailproof(
        &["blank.eml", "spaces.eml", "page.eml", "postmark.eml"],
        dir.path(),
    );
    assert_eq!(status, 0, "{err}");
    for ((name, bytes, code, words), r) in cases.iter().zip(&recs) {
        assert_eq!(r["verdict"], "verified", "{name}: {r}");
        let f = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == *code)
            .unwrap_or_else(|| panic!("{name}: no {code}: {r}"));
        assert!(
            f["message"].as_str().unwrap().contains(words),
            "{name}: {f}"
        );
        // the report is of the file as read
        assert_eq!(r["input_sha256"], hex_sha256(bytes), "{name}");
    }
    // the repair is on record with the hash of the bytes that verified
    assert_eq!(recs[0]["repairs"][0]["kind"], "leading_blank_removed");
    assert_eq!(recs[2]["repairs"][0]["kind"], "html_escaping_removed");
}

#[test]
fn pasted_copy_repairs_do_not_rescue_an_altered_message() {
    let dir = tempfile::tempdir().unwrap();
    let altered = replace(&gmail(), "Subject: ", "Subject: Re: ");
    std::fs::write(
        dir.path().join("x.eml"),
        [b"\n".as_slice(), &altered].concat(),
    )
    .unwrap();
    let (_, recs, _) = mailproof(&["x.eml"], dir.path());
    // the blank line removed, the message is read, and it fails
    assert_eq!(recs[0]["verdict"], "failed", "{}", recs[0]);
    assert_eq!(recs[0]["repairs"][0]["kind"], "leading_blank_removed");
    // a copy that verifies as given gets no repair at all
    let (_, recs, _) = mailproof(
        &[fixture("real-world/Meeting for coffee.eml")
            .to_str()
            .unwrap()],
        dir.path(),
    );
    assert!(
        !recs[0]["repairs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "leading_blank_removed" || r["kind"] == "html_escaping_removed")
    );
}

#[test]
fn attached_messages_in_publishable_reports_and_resumed_runs() {
    let dir = dump();
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(["verify", "--format", "html", "fwd.eml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(
        html.contains("Found attached to fwd.eml"),
        "inner report says where"
    );
    assert!(
        html.contains("fwd.eml#attached/1 (verified)"),
        "outer lists it"
    );
    // --resume after a complete run adds nothing, attached records included
    let path = dir.path().join("run.jsonl");
    // (--at: the records of two runs are compared byte for byte, and each
    // carries its run's verification time)
    let run = |extra: &[&str]| {
        let mut args = vec!["--at", "2026-01-01", "--output", path.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["fwd.eml", "fwd2.eml"]);
        mailproof(&args, dir.path())
    };
    run(&[]);
    let first = std::fs::read_to_string(&path).unwrap();
    assert_eq!(first.lines().count(), 5);
    // a run killed after the carrier's record: the attached ones come back
    let cut: String = first.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, cut).unwrap();
    run(&["--resume"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
}

/// Damaged containers (cut short, bytes flipped) give records, never a
/// panic or a run that stops: every file read gets at least one record.
#[test]
fn damaged_containers_give_records_not_panics() {
    let dir = dump();
    let originals: Vec<(&str, Vec<u8>)> = ["dump.zip", "dump.tar.gz", "mail.msg", "dist-list.pst"]
        .iter()
        .map(|n| (*n, std::fs::read(dir.path().join(n)).unwrap()))
        .collect();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let v = verifier(&standard_zone());
    for (name, data) in &originals {
        for round in 0..24 {
            let mut bad = data.clone();
            if round % 2 == 0 {
                bad.truncate((next() as usize) % bad.len());
            } else {
                for _ in 0..8 {
                    let i = (next() as usize) % bad.len();
                    bad[i] ^= (next() as u8) | 1;
                }
            }
            let path = dir.path().join(format!("bad-{round}-{name}"));
            std::fs::write(&path, &bad).unwrap();
            let (planned, missing) = mailproof::input::plan(std::slice::from_ref(&path));
            assert!(missing.is_empty());
            let mut records = 0;
            for item in mailproof::input::Messages::new(planned, |_: &str| true) {
                records += match &item.bytes {
                    Ok(b) => mailproof::batch::verify_message(
                        &v,
                        mailproof::batch::Message {
                            source: &item.source,
                            bytes: b,
                            body_unavailable: item.body_unavailable.as_deref(),
                            want: None,
                        },
                    )
                    .len(),
                    Err(_) => 1,
                };
            }
            assert!(
                records > 0 || bad.is_empty(),
                "{name} round {round}: no record"
            );
        }
    }
}

/// Runs `verify` in `fixtures/outlook` (so that sources are bare names).
fn in_outlook_fixtures(args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    mailproof(args, &fixture("outlook"))
}

/// A real PST whose 6 received messages are kept at the top of the folder
/// tree, not in a sub-folder (fixtures/outlook/MANIFEST.md): each is read,
/// none is lost, and they are named by the top folder's own name.
#[test]
fn pst_items_at_the_top_of_the_folder_tree_are_read() {
    let (_, recs, err) = in_outlook_fixtures(&["testPST.pst"]);
    let top = "testPST.pst#Début du fichier de données Outlook";
    let want: Vec<String> = (1..=6).map(|n| format!("{top}/{n}")).collect();
    assert_eq!(sources(&recs), want, "{err}");
    // all six were received by mail: none is an error, four carry a
    // DKIM-Signature in their transport headers
    assert!(recs.iter().all(|r| r["verdict"] != "error"), "{recs:?}");
    let signed = recs
        .iter()
        .filter(|r| !r["signatures"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(signed, 4);
    // the name is accepted back as an input
    let (_, one, _) = in_outlook_fixtures(&[&format!("{top}/6")]);
    assert_eq!(sources(&one), [format!("{top}/6")]);
}

/// A real Outlook PST of 2016 (fixtures/outlook/MANIFEST.md): 41 received
/// messages in two folders, 39 with a DKIM-Signature in their transport
/// headers; the one signed by github.com verifies with the built-in
/// archive, at most `headers_verified`, and says why in plain words.
#[test]
fn a_real_pst_with_dkim_signed_messages_gives_one_record_each() {
    let (status, recs, err) = in_outlook_fixtures(&["inbox-2016.pst"]);
    assert_eq!(status, 1, "{err}");
    assert_eq!(recs.len(), 41, "{:?}", sources(&recs));
    let names = sources(&recs);
    let unique: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), 41, "names are unique: {names:?}");
    let count = |f: &str, v: &str| {
        recs.iter()
            .filter(|r| r["source"].as_str().unwrap().contains(f) && r["verdict"] == v)
            .count()
    };
    assert_eq!(count("#Caixa de Entrada/", "unverifiable"), 30);
    assert_eq!(count("#Caixa de Entrada/", "unsigned"), 2);
    assert_eq!(count("#Caixa de Entrada/", "headers_verified"), 1);
    assert_eq!(count("#ERROS APIV2/", "unverifiable"), 8);
    let gh = recs
        .iter()
        .find(|r| r["verdict"] == "headers_verified")
        .unwrap();
    assert_eq!(gh["source"], "inbox-2016.pst#Caixa de Entrada/33");
    let sig = &gh["signatures"][0];
    assert_eq!(sig["domain"], "github.com");
    assert_eq!(sig["header_signature_valid"], true);
    // the body was not compared: not "changed", but unavailable
    assert!(sig["body_hash_matches"].is_null(), "{sig}");
    let summary = gh["summary"].as_str().unwrap();
    assert!(
        summary.contains("body cannot be checked") && summary.contains("Outlook keeps the headers"),
        "{summary}"
    );
    assert!(
        gh["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "body_not_available"
                && f["message"].as_str().unwrap().contains(".eml")),
        "{gh}"
    );
    // every output format says the body was not checked, never "changed"
    for (format, headline, body) in [
        (
            "text",
            "HEADERS VERIFIED, BODY NOT CHECKED",
            "not checked: this copy does not keep",
        ),
        (
            "markdown",
            "**Headers verified, body not checked**",
            "Not checked",
        ),
        (
            "html",
            ">Headers verified, body not checked<",
            ">Not checked<",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
            .args(["verify", "--format", format])
            .arg("inbox-2016.pst#Caixa de Entrada/33")
            .current_dir(fixture("outlook"))
            .output()
            .unwrap();
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(page.contains(headline), "{format}: {page}");
        assert!(page.contains(body), "{format}: {page}");
        assert!(
            !page.to_lowercase().contains("body changed"),
            "{format}: {page}"
        );
        assert!(!page.contains("CHANGED after signing"), "{format}: {page}");
    }
    // shards split the items and cover each once
    let mut seen = Vec::new();
    for k in ["1/3", "2/3", "3/3"] {
        let (_, part, _) = in_outlook_fixtures(&["--shard", k, "inbox-2016.pst"]);
        seen.extend(sources(&part));
    }
    seen.sort();
    let mut all = names.clone();
    all.sort();
    assert_eq!(seen, all);
}

/// Office 365 rewrote two signed headers of a real message of testPST.pst
/// when it stored it (fixtures/outlook/MANIFEST.md): the `failed` report
/// says a server may have rewritten them, and with both rewrites undone
/// gmail.com's header signature verifies.
#[test]
fn a_pst_item_whose_headers_exchange_rewrote_says_so() {
    let top = "testPST.pst#Début du fichier de données Outlook";
    let (_, recs, _) = in_outlook_fixtures(&[&format!("{top}/1")]);
    let r = &recs[0];
    assert_eq!(r["verdict"], "failed", "{r}");
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "headers_may_be_rewritten"),
        "{r}"
    );
    assert!(r["summary"].as_str().unwrap().contains("Exchange"), "{r}");
    // the stored header block, read through the library
    let mut items =
        mailproof::input::pst::PstItems::open(fixture("outlook/testPST.pst"), "t".into(), 1 << 20);
    let stored = String::from_utf8(items.next_item().unwrap().bytes.unwrap()).unwrap();
    let to = "\r\nTo: <users@opennlp.apache.org>\r\n";
    let charset = "charset=\"ISO-8859-1\"";
    assert!(stored.contains(to) && stored.contains(charset));
    let undone = stored
        .replace(to, "\r\nTo: users@opennlp.apache.org\r\n")
        .replace(charset, "charset=ISO-8859-1");
    let dir = tempfile::tempdir().unwrap();
    for (name, head) in [("stored.eml", &stored), ("undone.eml", &undone)] {
        std::fs::write(
            dir.path().join(name),
            format!("{}\r\n\r\n", head.trim_end()),
        )
        .unwrap();
    }
    let (_, recs, _) = mailproof(&["stored.eml", "undone.eml"], dir.path());
    let valid: Vec<&serde_json::Value> = recs
        .iter()
        .map(|r| &r["signatures"][0]["header_signature_valid"])
        .collect();
    assert_eq!(
        valid,
        [&serde_json::json!(false), &serde_json::json!(true)],
        "{recs:?}"
    );
}

/// The first six messages of fixtures/real-world (by name) as an mboxrd
/// file: a `From sender date` line before each, body lines matching
/// `>*From ` quoted with one more `>`, an empty line after each.
fn real_mbox() -> Vec<u8> {
    let mut names: Vec<_> = std::fs::read_dir(fixture("real-world"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for p in &names[..6] {
        out.extend_from_slice(b"From sender@example.com Mon Jun  1 12:00:00 2015\n");
        let m = std::fs::read(p).unwrap();
        for line in m.split_inclusive(|b| *b == b'\n') {
            let quotes = line.iter().take_while(|b| **b == b'>').count();
            if line[quotes..].starts_with(b"From ") {
                out.push(b'>');
            }
            out.extend_from_slice(line);
        }
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

/// Records of `input` read from standard input.
fn mailproof_stdin(input: &[u8]) -> Vec<serde_json::Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(["verify", "--quiet", "--format", "jsonl", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_byte_order_mark_or_blank_lines_before_the_first_postmark_hide_no_message() {
    let dir = tempfile::tempdir().unwrap();
    let plain = real_mbox();
    std::fs::write(dir.path().join("test.mbox"), &plain).unwrap();
    // (the exit status is 1: not every message verifies)
    let (_, base, err) = mailproof(&["test.mbox"], dir.path());
    assert_eq!(base.len(), 6, "{err}");
    let cases: [(&str, &[u8], &str); 3] = [
        (
            "bom.mbox",
            b"\xEF\xBB\xBF",
            "3 bytes (a UTF-8 byte order mark, EF BB BF",
        ),
        ("blank.mbox", b"\n", r#"1 byte (blank lines: "\n")"#),
        (
            "both.mbox",
            b"\xEF\xBB\xBF\r\n \t\n",
            r#"8 bytes (a UTF-8 byte order mark, EF BB BF, as Windows editors write, then blank lines: "\r\n \t\n")"#,
        ),
    ];
    let same_as_plain = |name: &str, recs: &[serde_json::Value], words: &str| {
        assert_eq!(recs.len(), 6, "{name}: {recs:?}");
        for (i, (r, b)) in recs.iter().zip(&base).enumerate() {
            let want = format!("{name}#{}", i + 1);
            assert!(r["source"].as_str().unwrap().ends_with(&want), "{r}");
            // the same message, byte for byte, with the same outcome
            for key in ["verdict", "input_sha256", "repairs"] {
                assert_eq!(r[key], b[key], "{want} {key}");
            }
            let skipped = finding_codes(r).contains(&"mbox_leading_bytes_skipped".to_string());
            assert_eq!(skipped, i == 0, "{want}: {r}");
        }
        let f = recs[0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "mbox_leading_bytes_skipped")
            .unwrap();
        assert_eq!(f["severity"], "info");
        assert!(
            f["message"].as_str().unwrap().contains(words),
            "{name}: {f}"
        );
    };
    for (name, lead, words) in cases {
        let bytes = [lead, &plain[..]].concat();
        std::fs::write(dir.path().join(name), &bytes).unwrap();
        let (_, recs, err) = mailproof(&[name], dir.path());
        assert!(err.is_empty(), "{name}: {err}");
        same_as_plain(name, &recs, words);
        // standard input, and an archive entry, are read the same way
        same_as_plain("-", &mailproof_stdin(&bytes), words);
        std::fs::write(
            dir.path().join("dump.zip"),
            zip_of(&[(name, bytes.as_slice())]),
        )
        .unwrap();
        let (_, recs, err) = mailproof(&["dump.zip"], dir.path());
        same_as_plain(&format!("dump.zip#{name}"), &recs, words);
        assert!(err.is_empty(), "{err}");
    }
}

#[test]
fn a_byte_order_mark_before_a_first_dkim_signature_is_a_reported_repair() {
    let dir = tempfile::tempdir().unwrap();
    // its first field is the DKIM-Signature; saved with LF line ends
    let orig = std::fs::read(fixture("real-world/truncated.eml")).unwrap();
    assert!(orig.starts_with(b"DKIM-Signature:"));
    let bom = [b"\xEF\xBB\xBF".as_slice(), &orig].concat();
    std::fs::write(dir.path().join("bom.eml"), &bom).unwrap();
    let (status, recs, err) = mailproof(&["bom.eml"], dir.path());
    assert_eq!(status, 0, "{err}");
    let r = &recs[0];
    assert_eq!(r["verdict"], "verified", "{r}");
    assert_eq!(r["input_sha256"], hex_sha256(&bom));
    let kinds: Vec<&str> = r["repairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["bom_removed", "crlf_line_endings"]);
    let codes = finding_codes(r);
    assert!(codes.contains(&"bom_repaired".to_string()), "{codes:?}");
    assert!(
        !codes.contains(&"malformed_header_line".to_string()),
        "{codes:?}"
    );
}

#[test]
fn a_carrier_saved_with_a_byte_order_mark_or_blank_lines_still_gives_its_attachment() {
    let dir = tempfile::tempdir().unwrap();
    let fwd = forward(&gmail(), "lead");
    for (name, lead) in [("bom.eml", &b"\xEF\xBB\xBF"[..]), ("blank.eml", b"\r\n")] {
        std::fs::write(dir.path().join(name), [lead, &fwd[..]].concat()).unwrap();
        let (_, recs, err) = mailproof(&[name], dir.path());
        assert_eq!(
            sources(&recs),
            [name.to_string(), format!("{name}#attached/1")],
            "{err}"
        );
        assert_eq!(recs[1]["verdict"], "verified", "{}", recs[1]);
    }
}
