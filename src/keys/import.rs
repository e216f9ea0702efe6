//! Reading keys from the places journalists find them (`keys import`).
//!
//! Each file becomes a [`KeyArchive`] whose keys carry where they were read
//! from. The formats themselves (zone lines, the key-archive API's JSON,
//! mailproof's archive JSONL, mailauth's dns-cache JSON, dig output, PEM and
//! DER public keys) are read by [`super::formats`]; the format is detected by
//! content ([`detect`]) unless the caller names it.

use super::archive::KeyArchive;
use super::formats::{self, LoadError};

pub use super::formats::{Format, ImportOptions, detect};

/// Reads a key file into an archive named after it; `path` names it in
/// provenance and errors.
///
/// Errors: [`LoadError::Syntax`] naming the file and, when known, the line.
pub fn load_bytes(path: &str, bytes: &[u8], opts: &ImportOptions) -> Result<KeyArchive, LoadError> {
    let file = formats::read(path, bytes, opts)?;
    Ok(KeyArchive::from_file(format!("file {path}"), file))
}

#[cfg(test)]
mod tests {
    use super::super::key::{KeySource, Lookup};
    use super::*;

    const REC: &str = "p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAP8GA3mvMMWjkJ9CQTE5115ZuwHUwpKaK/34OjPx6sU4I8mK1fZaxFs+a6EjP6AIzRjY8BnUQqIdLBYjPG5GJW0CAwEAAQ==";

    #[test]
    fn detects_formats() {
        assert_eq!(detect(b"s._domainkey.x. TXT \"p=\""), Format::Zone);
        assert_eq!(detect(b"[{\"domain\": \"x\"}]"), Format::ApiJson);
        assert_eq!(detect(b"{\"domain\": \"x\"}\n"), Format::Archive);
        assert_eq!(detect(b"{\"a.x\": {\"TXT\": []}}"), Format::DnsCache);
        assert_eq!(detect(b"; <<>> DiG 9.18 <<>> txt x\n"), Format::Dig);
        assert_eq!(detect(b"-----BEGIN PUBLIC KEY-----\n"), Format::Pem);
        assert_eq!(detect(&[0x30, 0x82, 0xff, 0xfe]), Format::Der);
    }

    #[test]
    fn dig_output_with_cname_server_date_and_ad_flag() {
        let dig = format!(
            "; <<>> DiG 9.18.6 <<>> txt s1._domainkey.example.com\n\
;; global options: +cmd\n\
;; Got answer:\n\
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 24796\n\
;; flags: qr rd ra ad; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1\n\
\n\
;; QUESTION SECTION:\n\
;s1._domainkey.example.com.\tIN\tTXT\n\
\n\
;; ANSWER SECTION:\n\
s1._domainkey.example.com. 300\tIN\tCNAME\ts1.dkim.esp.net.\n\
s1.dkim.esp.net.\t1799\tIN\tTXT\t\"v=DKIM1; \" \"{REC}\"\n\
\n\
;; Query time: 36 msec\n\
;; SERVER: 1.1.1.1#53(1.1.1.1) (UDP)\n\
;; WHEN: Sun Sep 04 21:35:04 EEST 2022\n\
;; MSG SIZE  rcvd: 255\n"
        );
        let a = load_bytes("d.txt", dig.as_bytes(), &ImportOptions::default()).unwrap();
        let Lookup::Found(k) = a.lookup("example.com", "s1") else {
            panic!("key not under the asked name")
        };
        assert_eq!(k[0].record, format!("v=DKIM1; {REC}"));
        let o = &k[0].provenance.origins[0];
        assert_eq!(o.seen.as_deref(), Some("2022-09-04"));
        assert_eq!(o.ttl, Some(1799));
        assert_eq!(o.dnssec.as_deref(), Some("resolver_ad"));
        assert!(o.origin.contains("1.1.1.1#53"), "{}", o.origin);
    }

    #[test]
    fn dns_cache_skips_other_names_and_reads_chunks() {
        let j = format!(
            r#"{{"example.com": {{"TXT": [["v=spf1 -all"]]}},
               "s._domainkey.example.com": {{"TXT": [["v=DKIM1; ", "{REC}"]]}}}}"#
        );
        let a = load_bytes("c.json", j.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(a.len(), 1);
        let e = load_bytes(
            "c.json",
            br#"{"s._domainkey.x.org": {"TXT": [[1]]}}"#,
            &ImportOptions::default(),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("c.json: entry"), "{e}");
    }

    #[test]
    fn pem_needs_domain_and_selector_and_refuses_private_keys() {
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            REC.trim_start_matches("p=")
        );
        let e = load_bytes("k.pem", pem.as_bytes(), &ImportOptions::default()).unwrap_err();
        assert!(e.to_string().contains("--domain and --selector"), "{e}");
        let opts = ImportOptions {
            domain: Some("x.org".into()),
            selector: Some("s".into()),
            ..Default::default()
        };
        let a = load_bytes("k.pem", pem.as_bytes(), &opts).unwrap();
        assert_eq!(a.records()[0].bits, Some(512));
        let e = load_bytes(
            "p.pem",
            b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            &opts,
        )
        .unwrap_err();
        assert!(e.to_string().contains("only public keys"), "{e}");
    }
}
