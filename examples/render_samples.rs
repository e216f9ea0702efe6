//! Writes sample messages (signed with the throwaway test keys) and their
//! key archive, for `scripts/render-check.sh` to render and a person to look
//! at: a verified message, one with hostile header values, one with a
//! changed body, one whose key no archive has and one with a forged sender
//! (a From field added above the signed one).
//!
//!     cargo run --example render_samples -- DIR
//!
//! writes `DIR/keys.zone` and `DIR/messages/*.eml`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: render_samples DIR");
        std::process::exit(2);
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(dir.join("messages"))?;
    std::fs::write(dir.join("keys.zone"), standard_zone())?;
    let hostile = MESSAGE
        .replace(
            "From: Alice Example <alice@example.com>",
            &format!("From: {} <alice@example.com>", encoded_word(HOSTILE_NAME)),
        )
        .replace(
            "Subject: Quarterly numbers",
            &format!("Subject: {}", encoded_word(HOSTILE_SUBJECT)),
        );
    let key = TestKey::load("rsa2048");
    for (name, bytes) in [
        ("1-verified.eml", signed(&Sign::default())),
        (
            "2-hostile.eml",
            sign(hostile.as_bytes(), &key, &Sign::default()),
        ),
        (
            "3-body-changed.eml",
            replace(&signed(&Sign::default()), "1,204,000", "1,904,000"),
        ),
        ("5-forged-sender.eml", {
            let mut m = b"From: Treasury Payments <payments@treasury.example>\r\n".to_vec();
            m.extend(signed(&Sign::default()));
            m
        }),
        (
            "4-no-key.eml",
            signed(&Sign {
                selector: "gone",
                ..Default::default()
            }),
        ),
    ] {
        std::fs::write(dir.join("messages").join(name), bytes)?;
    }
    Ok(())
}
