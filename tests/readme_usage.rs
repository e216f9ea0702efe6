//! README's usage lines match `--help`: every flag a command has is in its
//! usage line, and every flag the README shows exists.

use std::collections::BTreeSet;
use std::process::Command;

/// The `--flags` of each command in the README's indented usage blocks
/// (`mailproof CMD ...` and its continuation lines).
fn readme_usage() -> Vec<(String, BTreeSet<String>)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut out: Vec<(String, BTreeSet<String>)> = Vec::new();
    let mut current: Option<usize> = None;
    for line in readme.lines() {
        let Some(body) = line.strip_prefix("    ") else {
            current = None;
            continue;
        };
        if let Some(rest) = body.strip_prefix("mailproof ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let mut cmd = words[0].to_string();
            if cmd == "keys" {
                cmd = format!("keys {}", words[1]);
            }
            // usage lines (with `[...]` or `...`), not the examples
            let is_usage = rest.contains('[') || rest.contains("...");
            if cmd.contains('|') || cmd.contains('-') || !is_usage {
                current = None;
                continue;
            }
            out.push((cmd, BTreeSet::new()));
            current = Some(out.len() - 1);
        } else if !body.starts_with(' ') {
            current = None;
            continue;
        }
        if let Some(i) = current {
            out[i].1.extend(flags(line.split(" #").next().unwrap()));
        }
    }
    out
}

fn flags(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(str::to_string)
}

fn help_flags(cmd: &str) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_mailproof"))
        .args(cmd.split(' '))
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cmd} --help: {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .filter(|l| l.trim_start().starts_with('-'))
        .flat_map(|l| {
            flags(l.split("  ").find(|p| !p.trim().is_empty()).unwrap_or("")).collect::<Vec<_>>()
        })
        .filter(|f| f != "--help")
        .collect()
}

#[test]
fn readme_usage_matches_help() {
    let usage = readme_usage();
    let mut commands: BTreeSet<String> = BTreeSet::new();
    for (cmd, shown) in &usage {
        let mut shown = shown.clone();
        // fetch has two usage lines, one per way of naming the keys
        for (c, s) in &usage {
            if c == cmd {
                shown.extend(s.iter().cloned());
            }
        }
        let help = help_flags(cmd);
        assert_eq!(
            &shown, &help,
            "README usage of `mailproof {cmd}` vs its --help"
        );
        commands.insert(cmd.clone());
    }
    for cmd in [
        "verify",
        "report",
        "summarize",
        "serve",
        "keys list",
        "keys show",
        "keys import",
        "keys export",
        "keys fetch",
        "keys recover",
    ] {
        assert!(
            commands.contains(cmd),
            "README has no usage line for `mailproof {cmd}`"
        );
    }
}

#[test]
fn the_check_can_fail() {
    // a flag the README would not show
    let help = help_flags("verify");
    assert!(help.contains("--max-arc-sets"));
    assert!(help.contains("--force"));
    assert!(!help.contains("--help"));
}
