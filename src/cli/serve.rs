//! `mailproof serve`: starts the local web page (see `mailproof::serve`)
//! with the key sources the command line names, prints its address and
//! optionally opens it in the browser.

use super::keys;
use mailproof::Verifier;
use mailproof::keys::KeyArchive;
use mailproof::serve::{Limits, Options, Server};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

/// The default port: "8025" reads as "mail".
const DEFAULT_PORT: u16 = 8025;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Listen on this address instead of 127.0.0.1 (e.g. 0.0.0.0 to let
    /// other machines in). Anyone who can reach it can use the page.
    #[arg(long, value_name = "ADDR")]
    listen: Option<IpAddr>,
    /// Key archive file (zone lines, key-archive API JSON, or mailproof
    /// archive JSONL); may be repeated. Consulted before the built-in archive.
    #[arg(long = "keys", value_name = "FILE")]
    keys: Vec<PathBuf>,
    /// Do not use the built-in archive of historical keys.
    #[arg(long)]
    no_builtin_keys: bool,
    /// Also look keys up in live DNS: the signing domains' names then leave
    /// this machine (the messages never do).
    #[arg(long)]
    online: bool,
    #[command(flatten)]
    dns: keys::DnsArgs,
    /// Open the page in the default browser.
    #[arg(long)]
    open: bool,
    /// Most bytes one upload may hold (all files together), in MB.
    #[arg(long, value_name = "MB", default_value_t = 64)]
    max_upload_mb: usize,
    /// Most messages one upload may hold (after mboxes and zips are opened).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    max_messages: usize,
}

/// Runs the server until the process is stopped; returns the exit status
/// only when it cannot start.
pub fn run(args: ServeArgs) -> i32 {
    let mut builder = Verifier::builder().builtin_archive(!args.no_builtin_keys);
    for path in &args.keys {
        match KeyArchive::load_file(path) {
            Ok(a) => builder = builder.key_source(a),
            Err(e) => {
                eprintln!("mailproof: key file {e}");
                return 2;
            }
        }
    }
    if args.online {
        match keys::dns_source(&args.dns) {
            Ok(d) => builder = builder.live_source(d),
            Err(e) => {
                eprintln!("mailproof: {e}");
                return 2;
            }
        }
    }
    let verifier = builder.build();
    let ip = args.listen.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if !ip.is_loopback() {
        eprintln!(
            "mailproof: WARNING: listening on {ip}, not only on this computer: anyone who can reach \
             this address can use the page and see its results. Requests must still name the address \
             in the URL (127.0.0.1, localhost{}).",
            if ip.is_unspecified() {
                ""
            } else {
                " or the address given"
            }
        );
    }
    let limits = Limits {
        max_upload_bytes: args.max_upload_mb.max(1).saturating_mul(1 << 20),
        max_messages: args.max_messages.max(1),
        ..Limits::default()
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mailproof: cannot start: {e}");
            return 2;
        }
    };
    let options = Options {
        limits,
        online: args.online,
    };
    runtime.block_on(async move {
        let server = match Server::bind(SocketAddr::new(ip, args.port), verifier, options).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "mailproof: cannot listen on {ip} port {}: {e}{}",
                    args.port,
                    if e.kind() == std::io::ErrorKind::AddrInUse {
                        " (is mailproof already running? Open its page, or choose another --port)"
                    } else {
                        ""
                    }
                );
                return 2;
            }
        };
        let url = server.url();
        println!("mailproof is running. Open this address in your web browser:\n\n    {url}\n");
        println!(
            "{}",
            if args.online {
                "Online: keys missing from the archives are looked up in live DNS."
            } else {
                "Offline: nothing leaves this computer."
            }
        );
        println!("Press Ctrl+C to stop.");
        if args.open {
            open_browser(&url);
        }
        match server.run().await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("mailproof: server stopped: {e}");
                2
            }
        }
    })
}

/// Asks the desktop to open `url`; a failure only costs the convenience.
fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    if let Err(e) = cmd.arg(url).spawn() {
        eprintln!("mailproof: could not open a browser ({e}); open {url} yourself.");
    }
}
