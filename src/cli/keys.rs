//! `mailproof keys ...`: look at, import, export and capture archived keys,
//! plus the `--online` plumbing of `verify`. The logic lives in
//! `mailproof::keys`; this module parses arguments and prints.
//!
//! Exit status: 0 success, 1 nothing matched / some key not found,
//! 2 operational error (bad arguments, unreadable or unwritable file).

use super::error::{CliError, Status, print};
use clap::{Subcommand, ValueEnum};
use mailproof::VerifierBuilder;
use mailproof::keys::api::{ApiConfig, ArchiveApi};
use mailproof::keys::dns::{DnsConfig, DnsSource, Fetched};
use mailproof::keys::export::{ExportFormat, export};
use mailproof::keys::import::{Format, ImportOptions, load_bytes};
use mailproof::keys::{ArchiveRecord, KeyArchive, builtin};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Key archive commands. New subcommands go here as new variants.
#[derive(Subcommand)]
pub enum KeysCommand {
    /// List keys, one line each (sorted by domain, selector, fingerprint).
    List(ListArgs),
    /// Show keys with all their evidence, by domain, selector or fingerprint prefix.
    Show(ShowArgs),
    /// Import keys into an archive file, merging duplicates by fingerprint.
    Import(ImportArgs),
    /// Export keys as zone lines, mailauth dns-cache JSON or archive JSONL.
    Export(ExportArgs),
    /// Capture the keys published now in live DNS (or, with --archive, those
    /// the public key archive holds), with their evidence.
    Fetch(FetchArgs),
    /// Recover RSA signing keys from the signatures of the messages
    /// themselves, for every selector they use, archived or not (`verify
    /// --recover` recovers only those no key source holds).
    Recover(super::recover::RecoverArgs),
}

/// Which archives to read.
#[derive(clap::Args)]
pub struct SourceArgs {
    /// Key archive file (any importable format); may be repeated.
    #[arg(long = "keys", value_name = "FILE")]
    keys: Vec<PathBuf>,
    /// Leave out the built-in archive of historical keys.
    #[arg(long)]
    no_builtin_keys: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    sources: SourceArgs,
    /// `text` for people, `jsonl` for the archive records.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

#[derive(clap::Args)]
pub struct ShowArgs {
    #[command(flatten)]
    sources: SourceArgs,
    /// `text` for people, `jsonl` for the archive records.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
    /// A domain, a selector, `selector._domainkey.domain`, or a SHA-256 prefix (at least 6 hex digits).
    #[arg(value_name = "QUERY")]
    query: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Jsonl,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The archive file to import into (created if missing; rewritten sorted).
    #[arg(long = "output", short = 'o', alias = "into", value_name = "ARCHIVE")]
    into: PathBuf,
    /// Input format; detected by content when not given.
    #[arg(long, value_enum)]
    format: Option<InFormat>,
    /// Domain a PEM/DER public key was published under (for zone files:
    /// the origin of relative names).
    #[arg(long)]
    domain: Option<String>,
    /// Selector a PEM/DER public key was published under.
    #[arg(long)]
    selector: Option<String>,
    /// Date of the evidence for a PEM/DER key (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    seen: Option<String>,
    /// Files to import.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum InFormat {
    Zone,
    ApiJson,
    Archive,
    DnsCache,
    Dig,
    Pem,
    Der,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    sources: SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Archive)]
    format: OutFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFormat {
    Zone,
    DnsCache,
    Archive,
}

/// How to reach the online sources, live DNS and the public key archive API
/// (shared by `keys fetch` and `verify --online`).
#[derive(clap::Args, Clone)]
pub struct DnsArgs {
    /// Resolver to ask, as IP:PORT (default: the system's resolvers).
    #[arg(long, value_name = "IP:PORT")]
    pub resolver: Option<SocketAddr>,
    /// Seconds to wait for each DNS attempt.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub dns_timeout: u64,
    /// Validate DNSSEC locally and record the result with each key.
    #[arg(long)]
    pub dnssec: bool,
    /// The public key archive API's key endpoint, asked for each signing
    /// domain by --online and `keys fetch --archive` (a mirror serving the
    /// same JSON may stand in).
    #[arg(long, value_name = "URL", default_value = mailproof::keys::api::DEFAULT_URL)]
    pub archive_url: String,
}

/// Where `verify` and `serve` take keys from: archive files, the built-in
/// archive, and with `--online` live DNS after them.
#[derive(clap::Args)]
pub struct KeySourceArgs {
    /// Key archive file (zone lines, key-archive API JSON, or mailproof
    /// archive JSONL); may be repeated. Consulted before the built-in archive.
    #[arg(long = "keys", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Do not use the built-in archive of historical keys.
    #[arg(long)]
    pub no_builtin_keys: bool,
    /// Also look keys up online, after the archives: in the public key
    /// archive API (each signing domain, once) and in live DNS (each
    /// selector._domainkey.domain); keys found are reported with their
    /// evidence. Those names then leave this machine (the messages never do).
    #[arg(long)]
    pub online: bool,
    #[command(flatten)]
    pub dns: DnsArgs,
}

impl KeySourceArgs {
    /// A verifier builder with these key sources, and the online sources
    /// when `--online` (to save what they saw). Errors name an unreadable key
    /// file or a resolver that cannot be set up.
    pub fn builder(&self) -> Result<(VerifierBuilder, Option<Online>), CliError> {
        let mut builder = mailproof::Verifier::builder().builtin_archive(!self.no_builtin_keys);
        for path in &self.keys {
            let archive = KeyArchive::load_file(path).map_err(|e| format!("key file {e}"))?;
            builder = builder.key_source(archive);
        }
        if !self.online {
            return Ok((builder, None));
        }
        let online = Online {
            api: archive_api(&self.dns),
            dns: dns_source(&self.dns)?,
        };
        let builder = builder
            .live_source(online.api.clone())
            .live_source(online.dns.clone());
        Ok((builder, Some(online)))
    }
}

/// The online sources of a run, kept to save the keys they found.
pub struct Online {
    /// The public key archive API.
    pub api: Arc<ArchiveApi>,
    /// Live DNS.
    pub dns: Arc<DnsSource>,
}

impl Online {
    /// Every key found online so far, with its evidence.
    pub fn seen(&self) -> KeyArchive {
        let mut all = self.api.seen();
        all.merge(&self.dns.seen());
        all
    }
}

#[derive(clap::Args)]
pub struct FetchArgs {
    #[command(flatten)]
    dns: DnsArgs,
    /// Archive file to add the captured keys to (created if missing); without
    /// it the records are printed as JSONL.
    #[arg(long = "output", short = 'o', alias = "into", value_name = "ARCHIVE")]
    into: Option<PathBuf>,
    /// Read the d=/s= pairs from the DKIM signatures of these messages
    /// (files or directories) instead of the command line.
    #[arg(long = "from", value_name = "INPUT", num_args = 1.., conflicts_with = "names")]
    from: Vec<PathBuf>,
    /// Ask the public key archive API (--archive-url) instead of live DNS
    /// and store every key it serves for each domain: the arguments are
    /// then DOMAIN..., or the signing domains of the --from messages.
    #[arg(long)]
    archive: bool,
    /// DOMAIN SELECTOR... (with --archive: DOMAIN...)
    #[arg(value_name = "DOMAIN SELECTOR", required_unless_present = "from")]
    names: Vec<String>,
}

/// Runs a `keys` subcommand.
pub fn run(cmd: KeysCommand) -> Result<Status, CliError> {
    match cmd {
        KeysCommand::List(a) => list(a),
        KeysCommand::Show(a) => show(a),
        KeysCommand::Import(a) => import(a),
        KeysCommand::Export(a) => export_cmd(a),
        KeysCommand::Fetch(a) => fetch(a),
        KeysCommand::Recover(a) => super::recover::recover_cmd(a),
    }
}

fn load(sources: &SourceArgs) -> Result<KeyArchive, String> {
    let mut all = KeyArchive::new("selected archives");
    for p in &sources.keys {
        all.merge(&KeyArchive::load_file(p).map_err(|e| format!("key file {e}"))?);
    }
    if !sources.no_builtin_keys {
        all.merge(&builtin());
    }
    Ok(all)
}

/// The column names of `keys list`.
const LIST_HEADER: &str =
    "DOMAIN\tSELECTOR\tSHA-256 (first 16 hex)\tKEY\tSEEN FIRST .. LAST\tSOURCES\n";

fn list_line(r: &ArchiveRecord) -> String {
    format!(
        "{}\t{}\t{}\t{} {}\t{} .. {}\t{} source(s)\n",
        r.domain,
        r.selector,
        r.sha256.as_deref().map_or("(no usable key)", |s| &s[..16]),
        r.key_type.as_deref().unwrap_or("-"),
        r.bits.map_or("-".into(), |b| b.to_string()),
        r.first_seen.as_deref().unwrap_or("unknown"),
        r.last_seen.as_deref().unwrap_or("unknown"),
        r.sources.len()
    )
}

fn jsonl(records: &[ArchiveRecord]) -> String {
    records
        .iter()
        .map(|r| serde_json::to_string(r).expect("records serialize") + "\n")
        .collect()
}

fn list(a: ListArgs) -> Result<Status, CliError> {
    let records = load(&a.sources)?.records();
    print(&match a.format {
        ListFormat::Text => std::iter::once(LIST_HEADER.to_string())
            .chain(records.iter().map(list_line))
            .collect::<String>(),
        ListFormat::Jsonl => jsonl(&records),
    })?;
    Ok(Status::Success)
}

fn show(a: ShowArgs) -> Result<Status, CliError> {
    // names in A-label form, as the archive holds them (RFC 8616)
    let q = mailproof::idn::to_ascii_lossy(a.query.trim());
    let is_fp = q.len() >= 6 && q.bytes().all(|b| b.is_ascii_hexdigit());
    let found: Vec<ArchiveRecord> = load(&a.sources)?
        .records()
        .into_iter()
        .filter(|r| {
            r.domain == q
                || r.selector.to_ascii_lowercase() == q
                || mailproof::keys::record_name(&r.domain, &r.selector) == q
                || is_fp && r.sha256.as_deref().is_some_and(|s| s.starts_with(&q))
        })
        .collect();
    if found.is_empty() {
        eprintln!("mailproof: no key matches {:?}", a.query);
        return Ok(Status::NotVerified);
    }
    print(&match a.format {
        ListFormat::Jsonl => jsonl(&found),
        ListFormat::Text => found.iter().map(show_text).collect::<Vec<_>>().join("\n"),
    })?;
    Ok(Status::Success)
}

fn show_text(r: &ArchiveRecord) -> String {
    use mailproof::render::escape::terminal as esc;
    let mut o = format!(
        "{}._domainkey.{}\n  sha256   {}\n  key      {} {} bits\n  seen     {} .. {}\n",
        esc(&r.selector),
        esc(&r.domain),
        r.sha256.as_deref().unwrap_or("(no usable key)"),
        r.key_type.as_deref().unwrap_or("-"),
        r.bits.map_or("-".into(), |b| b.to_string()),
        esc(r.first_seen.as_deref().unwrap_or("unknown")),
        esc(r.last_seen.as_deref().unwrap_or("unknown")),
    );
    for (label, v) in [
        ("dnssec", &r.dnssec),
        ("COMPROMISED", &r.compromised),
        ("notes", &r.notes),
    ] {
        // a line each: notes gathered from several sources are joined
        // by line ends, which the escaper would show as \u{a}
        for (i, line) in v.iter().flat_map(|v| v.lines()).enumerate() {
            let label = if i == 0 { label } else { "" };
            o.push_str(&format!("  {label:<8} {}\n", esc(line)));
        }
    }
    for s in &r.sources {
        let mut extra = Vec::new();
        if let Some(t) = s.ttl {
            extra.push(format!("ttl {t}"));
        }
        if let Some(d) = &s.dnssec {
            extra.push(format!("dnssec {}", esc(d)));
        }
        o.push_str(&format!(
            "  source   [{}] {}{}\n",
            esc(s.seen.as_deref().unwrap_or("undated")),
            esc(&s.origin),
            if extra.is_empty() {
                String::new()
            } else {
                format!(" ({})", extra.join(", "))
            }
        ));
    }
    o.push_str(&format!("  record   {}\n", esc(&r.record)));
    o
}

/// Reads an archive file to add to; a missing file is an empty archive.
fn open_target(path: &Path) -> Result<KeyArchive, String> {
    if path.exists() {
        KeyArchive::load_file(path).map_err(|e| format!("archive {e}"))
    } else {
        Ok(KeyArchive::new(path.display().to_string()))
    }
}

/// Writes an archive file whole (through a temporary file, so that a failed
/// write never leaves half an archive).
pub fn write_archive(path: &Path, archive: &KeyArchive) -> Result<(), String> {
    let tmp = path.with_extension("tmp-mailproof");
    std::fs::write(&tmp, archive.to_jsonl())
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

fn import(a: ImportArgs) -> Result<Status, CliError> {
    let mut target = open_target(&a.into)?;
    let opts = ImportOptions {
        format: a.format.map(|f| match f {
            InFormat::Zone => Format::Zone,
            InFormat::ApiJson => Format::ApiJson,
            InFormat::Archive => Format::Archive,
            InFormat::DnsCache => Format::DnsCache,
            InFormat::Dig => Format::Dig,
            InFormat::Pem => Format::Pem,
            InFormat::Der => Format::Der,
        }),
        domain: a.domain,
        selector: a.selector,
        seen: a.seen,
    };
    for p in &a.inputs {
        let shown = p.display().to_string();
        let bytes = std::fs::read(p).map_err(|e| format!("{shown}: cannot read: {e}"))?;
        let incoming = load_bytes(&shown, &bytes, &opts).map_err(|e| e.to_string())?;
        let before = target.len();
        target.merge(&incoming);
        eprintln!(
            "mailproof: {shown}: {} key(s), {} new, {} merged into existing records",
            incoming.len(),
            target.len() - before,
            incoming.len() - (target.len() - before)
        );
    }
    write_archive(&a.into, &target)?;
    Ok(Status::Success)
}

fn export_cmd(a: ExportArgs) -> Result<Status, CliError> {
    let format = match a.format {
        OutFormat::Zone => ExportFormat::Zone,
        OutFormat::DnsCache => ExportFormat::DnsCache,
        OutFormat::Archive => ExportFormat::Archive,
    };
    let text = export(&load(&a.sources)?, format);
    match &a.output {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| CliError::msg(format!("{}: cannot write: {e}", p.display())))?,
        None => print(&text)?,
    }
    Ok(Status::Success)
}

/// A live DNS source for `args`.
pub fn dns_source(args: &DnsArgs) -> Result<Arc<DnsSource>, String> {
    let cfg = DnsConfig {
        resolver: args.resolver,
        timeout: Duration::from_secs(args.dns_timeout.max(1)),
        dnssec: args.dnssec,
        ..Default::default()
    };
    DnsSource::new(&cfg)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// The public key archive API source for `args`.
pub fn archive_api(args: &DnsArgs) -> Arc<ArchiveApi> {
    Arc::new(ArchiveApi::new(ApiConfig {
        url: args.archive_url.clone(),
        ..Default::default()
    }))
}

/// Adds the keys in `seen` to the archive file `path`.
pub fn save_seen(seen: &KeyArchive, path: &Path) -> Result<usize, String> {
    let mut target = open_target(path)?;
    target.merge(seen);
    write_archive(path, &target)?;
    Ok(seen.len())
}

fn fetch(a: FetchArgs) -> Result<Status, CliError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    if a.from.is_empty() && !a.archive {
        let (domain, selectors) = a
            .names
            .split_first()
            .ok_or_else(|| CliError::msg("give DOMAIN SELECTOR..."))?;
        if selectors.is_empty() {
            return Err(CliError::msg(format!(
                "give at least one selector for {domain}"
            )));
        }
        pairs.extend(selectors.iter().map(|s| (domain.clone(), s.clone())));
    } else if !a.from.is_empty() {
        let (planned, missing) = mailproof::input::plan(&a.from);
        for m in &missing {
            eprintln!("mailproof: {m}");
        }
        if !missing.is_empty() {
            return Ok(Status::Trouble);
        }
        for item in mailproof::input::Messages::new(planned, |_: &str| true) {
            match &item.bytes {
                Ok(b) => {
                    for p in mailproof::dkim::signature_selectors(b) {
                        if !pairs.contains(&p) {
                            pairs.push(p);
                        }
                    }
                }
                Err(why) => eprintln!("mailproof: {}: {why}", item.source),
            }
        }
    }
    if a.archive {
        return fetch_archive(&a, pairs);
    }
    let dns = dns_source(&a.dns)?;
    let mut missing = false;
    for (d, s) in &pairs {
        match dns.fetch(d, s) {
            Fetched::Found(keys) => eprintln!(
                "mailproof: {s}._domainkey.{d}: {} record(s) captured",
                keys.len()
            ),
            Fetched::NotFound(why) => {
                missing = true;
                eprintln!("mailproof: {why}");
            }
            Fetched::TempFail(why) => {
                missing = true;
                eprintln!("mailproof: temporary failure: {why}");
            }
        }
    }
    keep_fetched(&a, &dns.seen(), missing)
}

/// Saves or prints what `keys fetch` found.
fn keep_fetched(a: &FetchArgs, seen: &KeyArchive, missing: bool) -> Result<Status, CliError> {
    match &a.into {
        Some(p) => {
            save_seen(seen, p)?;
        }
        None => {
            print(&seen.to_jsonl())?;
        }
    }
    Ok(if missing {
        Status::NotVerified
    } else {
        Status::Success
    })
}

/// `keys fetch --archive`: every key the archive API serves for each domain.
fn fetch_archive(a: &FetchArgs, pairs: Vec<(String, String)>) -> Result<Status, CliError> {
    let mut domains: Vec<String> = Vec::new();
    let names = if a.from.is_empty() {
        a.names.clone()
    } else {
        pairs.into_iter().map(|(d, _)| d).collect()
    };
    for d in names {
        let d = mailproof::idn::to_ascii_lossy(&d);
        if !domains.contains(&d) {
            domains.push(d);
        }
    }
    let api = archive_api(&a.dns);
    let mut missing = false;
    for d in &domains {
        match api.fetch_domain(d) {
            Ok(keys) if keys.is_empty() => {
                missing = true;
                eprintln!("mailproof: {d}: the public key archive holds no key");
            }
            Ok(keys) => eprintln!(
                "mailproof: {d}: {} key(s) served by the public key archive",
                keys.len()
            ),
            Err(why) => {
                missing = true;
                eprintln!("mailproof: temporary failure: {why}");
            }
        }
    }
    keep_fetched(a, &api.seen(), missing)
}
