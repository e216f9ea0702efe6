//! `mailproof serve`: starts the local web page (see `mailproof::serve`)
//! with the key sources the command line names, prints its address and
//! optionally opens it in the browser.

use super::error::{CliError, Status, print};
use super::keys;
use mailproof::serve::{Limits, Options, Server};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

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
    #[command(flatten)]
    sources: keys::KeySourceArgs,
    /// Open the page in the default browser.
    #[arg(long)]
    open: bool,
    /// Most bytes one upload may hold (all files together), in MB.
    #[arg(long, value_name = "MB", default_value_t = 64)]
    max_upload_mb: usize,
    /// Most messages one upload may hold (after mboxes and zips are opened).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    max_messages: usize,
    /// Most bytes one message may hold, in MB.
    #[arg(long, value_name = "MB", default_value_t = 32)]
    max_message_mb: u64,
    /// Uploads checked at the same time; another is refused with "busy".
    #[arg(long, value_name = "N", default_value_t = 2)]
    max_concurrent_uploads: usize,
    /// Memory for the results of past uploads (for downloads), in MB; the
    /// oldest are dropped first.
    #[arg(long, value_name = "MB", default_value_t = 64)]
    keep_mb: usize,
}

/// Runs the server until the process is stopped (or its stdout is closed
/// before the address could be printed); returns only then, or when it
/// cannot start.
pub fn run(args: ServeArgs) -> Result<Status, CliError> {
    let (builder, _dns) = args.sources.builder()?;
    let verifier = builder.build();
    let online = args.sources.online;
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
        max_message_bytes: args.max_message_mb.max(1).saturating_mul(1 << 20),
        max_concurrent_uploads: args.max_concurrent_uploads.max(1),
        kept_bytes: args.keep_mb.max(1).saturating_mul(1 << 20),
        ..Limits::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::msg(format!("cannot start: {e}")))?;
    let options = Options { limits, online };
    runtime.block_on(async move {
        let server = Server::bind(SocketAddr::new(ip, args.port), verifier, options)
            .await
            .map_err(|e| {
                CliError::msg(format!(
                    "cannot listen on {ip} port {}: {e}{}",
                    args.port,
                    if e.kind() == std::io::ErrorKind::AddrInUse {
                        " (is mailproof already running? Open its page, or choose another --port)"
                    } else {
                        ""
                    }
                ))
            })?;
        let url = server.url();
        print(&format!(
            "mailproof is running. Open this address in your web browser:\n\n    {url}\n\n{}\nPress Ctrl+C to stop.\n",
            if online {
                "Online: keys missing from the archives are looked up in live DNS."
            } else {
                "Offline: nothing leaves this computer."
            }
        ))?;
        if args.open {
            open_browser(&url);
        }
        server
            .run()
            .await
            .map_err(|e| CliError::msg(format!("server stopped: {e}")))?;
        Ok(Status::Success)
    })
}

/// Asks the desktop to open `url`; a failure only costs the convenience.
/// The opener's own output is not shown (on a machine without a browser it
/// is a page of errors); if it fails, one line says to open `url` by hand.
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
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let url = url.to_owned();
    let could_not = move || {
        eprintln!("mailproof: could not open a web browser here; open {url} in one yourself.");
    };
    match cmd.spawn() {
        Ok(mut child) => {
            // the opener may take a while to give up: wait for it aside
            std::thread::spawn(move || {
                if !child.wait().is_ok_and(|s| s.success()) {
                    could_not();
                }
            });
        }
        Err(_) => could_not(),
    }
}
