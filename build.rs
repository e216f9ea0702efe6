//! Lets a benchmark compile a different built-in archive in place of
//! `archive/builtin.jsonl` (scripts/builtin-archive-bench.py builds one of
//! 100,000 synthetic records this way). Without the variable the archive is
//! the committed file, so default builds stay deterministic.
fn main() {
    println!("cargo:rerun-if-env-changed=MAILPROOF_BUILTIN_ARCHIVE");
    println!("cargo:rerun-if-changed=archive/builtin.jsonl");
    let path = match std::env::var("MAILPROOF_BUILTIN_ARCHIVE") {
        Ok(p) if !p.is_empty() => {
            println!("cargo:rerun-if-changed={p}");
            p
        }
        _ => format!(
            "{}/archive/builtin.jsonl",
            std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")
        ),
    };
    println!("cargo:rustc-env=MAILPROOF_BUILTIN_ARCHIVE_PATH={path}");
}
