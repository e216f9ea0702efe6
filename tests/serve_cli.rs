//! `mailproof serve` as started from the command line: the address it
//! prints is the one it answers on, and `--open` without a browser says so
//! in one line of its own.
#![cfg(feature = "serve")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `mailproof serve`, stopped when dropped.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `mailproof serve ARGS` and returns it with the address it printed.
fn serve(args: &[&str], path: Option<&std::path::Path>) -> (Serving, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailproof"));
    cmd.arg("serve")
        .args(["--port", "0", "--no-builtin-keys"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let mut child = cmd.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let serving = Serving(child);
    let mut line = String::new();
    let url = loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "no address printed");
        if let Some(u) = line.trim().strip_prefix("http://") {
            break u.trim_end_matches('/').to_string();
        }
    };
    // keep reading stdout so that the server never blocks on it
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut out, &mut std::io::sink());
    });
    (serving, url)
}

fn get_page(host_port: &str) -> String {
    let mut s = TcpStream::connect(host_port).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut r = String::new();
    let _ = s.read_to_string(&mut r);
    r
}

#[test]
fn the_printed_address_is_the_one_bound() {
    // 127.0.0.2 is a loopback address too, but not 127.0.0.1.
    let (_s, url) = serve(&["--listen", "127.0.0.2"], None);
    assert!(url.starts_with("127.0.0.2:"), "printed {url}");
    let page = get_page(&url);
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Is this email authentic?"));
}

#[cfg(unix)]
#[test]
fn open_without_a_browser_says_so_in_one_line() {
    use std::os::unix::fs::PermissionsExt;
    // An opener that fails noisily, as xdg-open does with no browser.
    let bin = tempfile::tempdir().unwrap();
    for name in ["xdg-open", "open"] {
        let p = bin.path().join(name);
        std::fs::write(
            &p,
            "#!/bin/sh\necho 'xdg-open: no method available for opening' >&2\necho noise\nexit 3\n",
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (mut s, url) = serve(&["--open"], Some(bin.path()));
    let mut err = BufReader::new(s.0.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert_eq!(
        line,
        format!(
            "mailproof: could not open a web browser here; open http://{url}/ in one yourself.\n"
        )
    );
    drop(s);
    let mut rest = String::new();
    let _ = err.read_to_string(&mut rest);
    assert!(!rest.contains("no method available"), "{rest}");
}
