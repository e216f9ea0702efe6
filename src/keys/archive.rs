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

/// `archive/builtin.jsonl`, or the file named by `MAILPROOF_BUILTIN_ARCHIVE`
/// at build time (a benchmark's synthetic archive; see build.rs).
const BUILTIN: &str = include_str!(env!("MAILPROOF_BUILTIN_ARCHIVE_PATH"));

/// The built-in archive of well-known historical keys, compiled into the
/// binary (`archive/builtin.jsonl`), each with its published provenance,
/// parsed whole (for listing and export; the verifier looks keys up with
/// [`BuiltinArchive`], which parses only the records asked for).
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

/// The built-in archive as the verifier uses it: looked up in the compiled-in
/// text itself, without parsing it at start-up.
///
/// `archive/builtin.jsonl` is sorted by domain, then selector (ASCII case
/// folded, as DNS names compare), which scripts/build-builtin-archive.py
/// guarantees and a test checks. A lookup is a binary search over the lines
/// (O(log n) lines read, whatever the size of the archive); only the records
/// of the name asked for are parsed, exactly as [`builtin`] parses them, so a
/// key and its provenance are the same either way. Names found are kept for
/// the next lookup (at most the archive's size); misses are not kept, so a
/// dump of made-up selectors cannot grow it.
#[derive(Debug, Default)]
pub struct BuiltinArchive {
    found: std::sync::Mutex<HashMap<String, Lookup>>,
}

impl BuiltinArchive {
    /// The built-in archive, nothing parsed yet.
    pub fn new() -> Self {
        BuiltinArchive::default()
    }

    fn load(domain: &str, selector: &str) -> Lookup {
        let want = (fold(domain.trim_end_matches('.')), fold(selector));
        let text = BUILTIN;
        let (mut lo, mut hi) = (0, text.len());
        // lo is always a line start; find the first line whose name >= want
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let start = text[lo..mid].rfind('\n').map_or(lo, |i| lo + i + 1);
            let end = text[mid..].find('\n').map_or(text.len(), |i| mid + i);
            if line_name(&text[start..end]).is_none_or(|n| n < want) {
                lo = end + 1;
            } else {
                hi = start;
            }
        }
        let mut end = lo.min(text.len());
        while end < text.len() {
            let next = text[end..].find('\n').map_or(text.len(), |i| end + i);
            if line_name(&text[end..next]).is_none_or(|n| n != want) {
                break;
            }
            end = (next + 1).min(text.len());
        }
        let lines = &text[lo.min(text.len())..end];
        if lines.is_empty() {
            return Lookup::NotFound;
        }
        let mut file = KeyFile::default();
        formats::load_jsonl(
            &mut file,
            "archive/builtin.jsonl",
            "built-in archive",
            lines,
        )
        .expect("the built-in archive is checked by tests");
        KeyArchive::from_file("built-in archive", file).lookup(domain, selector)
    }
}

fn fold(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// (domain, selector) of one archive line, case folded; `None` for a line
/// that is not a record.
fn line_name(line: &str) -> Option<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Name {
        domain: String,
        selector: String,
    }
    // The generator writes `{"domain": "…", "selector": "…", …`: read the two
    // values directly when they need no unescaping, else parse the line.
    let quick = || {
        let rest = line.strip_prefix("{\"domain\": \"")?;
        let (domain, rest) = rest.split_once('"')?;
        let rest = rest.strip_prefix(", \"selector\": \"")?;
        let (selector, _) = rest.split_once('"')?;
        (!domain.contains('\\') && !selector.contains('\\')).then_some((domain, selector))
    };
    if let Some((d, s)) = quick() {
        return Some((fold(d.trim_end_matches('.')), fold(s)));
    }
    let n: Name = serde_json::from_str(line).ok()?;
    Some((fold(n.domain.trim_end_matches('.')), fold(&n.selector)))
}

impl KeySource for BuiltinArchive {
    fn name(&self) -> String {
        "built-in archive".into()
    }

    fn lookup(&self, domain: &str, selector: &str) -> Lookup {
        let name = record_name(domain, selector);
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = found.get(&name) {
            return hit.clone();
        }
        drop(found);
        let answer = BuiltinArchive::load(domain, selector);
        if matches!(answer, Lookup::Found(_)) {
            found = self.found.lock().unwrap_or_else(|e| e.into_inner());
            found.insert(name, answer.clone());
        }
        answer
    }
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
    fn builtin_archive_is_sorted_for_the_lookup_index() {
        let mut last: Option<(String, String)> = None;
        for (i, line) in BUILTIN.lines().enumerate() {
            let name = line_name(line)
                .unwrap_or_else(|| panic!("archive/builtin.jsonl line {}: not a record", i + 1));
            assert!(
                last.as_ref().is_none_or(|l| *l <= name),
                "archive/builtin.jsonl line {}: {name:?} sorts before {last:?}; run scripts/build-builtin-archive.py",
                i + 1
            );
            last = Some(name);
        }
        assert!(last.is_some());
    }

    #[test]
    fn indexed_lookup_answers_as_the_parsed_archive() {
        let whole = builtin();
        let index = BuiltinArchive::new();
        let records = |l: Lookup| match l {
            Lookup::Found(k) => k.iter().map(|k| k.to_record()).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        let keys = whole.keys();
        assert!(keys.len() >= 30);
        for k in keys {
            let (d, s) = (k.domain.as_str(), k.selector.as_str());
            let want = records(whole.lookup(d, s));
            assert_eq!(records(index.lookup(d, s)), want, "{s}._domainkey.{d}");
            // again, from the names already found
            assert_eq!(records(index.lookup(d, s)), want, "{s}._domainkey.{d}");
            // DNS names compare case-insensitively, with or without the root dot
            let upper = format!("{}.", d.to_ascii_uppercase());
            assert_eq!(records(index.lookup(&upper, &s.to_ascii_uppercase())), want);
        }
        assert_eq!(index.name(), whole.name());
        for (d, s) in [
            ("gmail.com", "20120114"),
            ("gmail.co", "20120113"),
            ("", ""),
            ("aaaa", "a"),
            ("zzzz.zz", "z"),
            ("gmail.com\"", "20120113"),
        ] {
            assert!(
                matches!(index.lookup(d, s), Lookup::NotFound),
                "{s}._domainkey.{d}"
            );
        }
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
