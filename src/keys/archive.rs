//! The offline key archive: keys held in memory, looked up by selector and
//! domain, duplicates merged with all their evidence. The formats it is read
//! from and written to live in [`super::formats`].

use super::formats::{self, ArchiveRecord, ImportOptions, KeyFile, LoadError, Pragma};
use super::key::{ArchivedKey, KeySource, Lookup, merge_provenance, record_name};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// An in-memory set of archived keys, looked up by selector and domain.
#[derive(Debug, Default, Clone)]
pub struct KeyArchive {
    name: String,
    keys: HashMap<String, Vec<Arc<ArchivedKey>>>,
    pragmas: HashMap<String, Pragma>,
}

impl KeyArchive {
    /// An empty archive with a display name.
    pub fn new(name: impl Into<String>) -> Self {
        KeyArchive {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Adds a key. A key already held for the same selector (same
    /// fingerprint, or the same record text when it has no usable key) is
    /// merged: the seen window widens and every piece of evidence is kept.
    pub fn insert(&mut self, key: ArchivedKey) {
        let list = self
            .keys
            .entry(record_name(&key.domain, &key.selector))
            .or_default();
        let same = |k: &Arc<ArchivedKey>| match (k.sha256(), key.sha256()) {
            (Some(a), Some(b)) => a == b,
            (None, None) => k.record == key.record,
            _ => false,
        };
        if let Some(existing) = list.iter_mut().find(|k| same(k)) {
            let e = Arc::make_mut(existing);
            merge_provenance(&mut e.provenance, &key.provenance);
            return;
        }
        list.push(Arc::new(key));
    }

    /// Adds every key of `other` (see [`KeyArchive::insert`]).
    pub fn merge(&mut self, other: &KeyArchive) {
        for k in other.keys() {
            self.insert((**k).clone());
        }
        for (name, p) in &other.pragmas {
            self.pragmas.entry(name.clone()).or_insert(*p);
        }
    }

    /// Every key, sorted by domain, selector and fingerprint.
    pub fn keys(&self) -> Vec<&Arc<ArchivedKey>> {
        let mut all: Vec<&Arc<ArchivedKey>> = self.keys.values().flatten().collect();
        all.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        all
    }

    /// Every key as an archive record, in the deterministic order of the
    /// archive format (domain, selector, sha256).
    pub fn records(&self) -> Vec<ArchiveRecord> {
        self.keys().into_iter().map(|k| k.to_record()).collect()
    }

    /// The archive in mailproof's archive format: one JSON object per line,
    /// sorted, so that files diff and merge line by line.
    pub fn to_jsonl(&self) -> String {
        formats::write_jsonl(&self.records())
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.keys.values().map(Vec::len).sum()
    }

    /// Whether the archive holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An archive named `name` holding the keys and pragmas of `file`.
    pub(crate) fn from_file(name: impl Into<String>, file: KeyFile) -> Self {
        let mut a = KeyArchive::new(name);
        for k in file.keys {
            a.insert(k);
        }
        a.pragmas.extend(file.pragmas);
        a
    }

    /// Loads a key file, detecting its format by content.
    ///
    /// Errors: [`LoadError::Io`] when the file cannot be read,
    /// [`LoadError::Syntax`] naming the file and line otherwise.
    pub fn load_file(path: &Path) -> Result<Self, LoadError> {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
            path: display.clone(),
            source,
        })?;
        let file = formats::read(&display, &bytes, &ImportOptions::default())?;
        Ok(KeyArchive::from_file(format!("file {display}"), file))
    }

    /// Parses key file text (zone lines, key-archive API JSON, mailauth
    /// dns-cache JSON, dig output or archive JSONL); `path` names it in
    /// provenance and errors.
    pub fn load_str(path: &str, text: &str) -> Result<Self, LoadError> {
        let file = formats::read(path, text.as_bytes(), &ImportOptions::default())?;
        Ok(KeyArchive::from_file(format!("file {path}"), file))
    }
}

fn sort_key(k: &ArchivedKey) -> (&str, &str, &str, &str) {
    (&k.domain, &k.selector, k.sha256().unwrap_or("~"), &k.record)
}

impl KeySource for KeyArchive {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn lookup(&self, domain: &str, selector: &str) -> Lookup {
        let name = record_name(domain, selector);
        if let Some(keys) = self.keys.get(&name) {
            return Lookup::Found(keys.clone());
        }
        match self.pragmas.get(&name) {
            Some(Pragma::Timeout) => Lookup::TempFail(format!("{name}: DNS timeout")),
            Some(Pragma::ServFail) => Lookup::TempFail(format!("{name}: DNS SERVFAIL")),
            _ => Lookup::NotFound,
        }
    }
}

const BUILTIN: &str = include_str!("../../archive/builtin.jsonl");

/// The built-in archive of well-known historical keys, compiled into the
/// binary (`archive/builtin.jsonl`), each with its published provenance.
pub fn builtin() -> KeyArchive {
    let mut file = KeyFile::default();
    formats::load_jsonl(
        &mut file,
        "archive/builtin.jsonl",
        "built-in archive",
        BUILTIN,
    )
    .expect("the built-in archive is checked by tests");
    KeyArchive::from_file("built-in archive", file)
}

#[cfg(test)]
mod tests {
    use super::super::key::Provenance;
    use super::*;

    #[test]
    fn errors_name_file_and_line() {
        let e = KeyArchive::load_str("k.zone", "; ok\nbroken line here\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "k.zone line 2: expected a TTL, class or record type, found \"line\""
        );
        let e = KeyArchive::load_str("k.json", "[{\"domain\": 1}]").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("k.json line 1: not a key-archive API JSON list")
        );
    }

    #[test]
    fn builtin_archive_loads_with_fingerprints() {
        let a = builtin();
        assert!(a.len() >= 30);
        let Lookup::Found(k) = a.lookup("gmail.com", "20120113") else {
            panic!()
        };
        assert_eq!(k[0].provenance.source, "built-in archive");
        assert_eq!(
            k[0].parsed.as_ref().unwrap().key.as_ref().unwrap().bits,
            2048
        );
    }

    #[test]
    fn merging_widens_window_and_keeps_sources() {
        let rec = "p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAP8GA3mvMMWjkJ9CQTE5115ZuwHUwpKaK/34OjPx6sU4I8mK1fZaxFs+a6EjP6AIzRjY8BnUQqIdLBYjPG5GJW0CAwEAAQ==";
        let mut a = KeyArchive::new("t");
        let p = |s: &str, f: &str, l: &str| Provenance {
            source: s.into(),
            first_seen: Some(f.into()),
            last_seen: Some(l.into()),
            ..Default::default()
        };
        a.insert(ArchivedKey::new(
            "x.org",
            "s",
            rec,
            p("one", "2015-01-01", "2016-01-01"),
        ));
        a.insert(ArchivedKey::new(
            "x.org",
            "s",
            rec,
            p("two", "2014-01-01", "2015-06-01"),
        ));
        assert_eq!(a.len(), 1);
        let k = a.keys()[0];
        assert_eq!(k.provenance.first_seen.as_deref(), Some("2014-01-01"));
        assert_eq!(k.provenance.last_seen.as_deref(), Some("2016-01-01"));
        let origins: Vec<&str> = k
            .provenance
            .origins
            .iter()
            .map(|o| o.origin.as_str())
            .collect();
        assert_eq!(origins, ["one", "two"]);
    }
}
