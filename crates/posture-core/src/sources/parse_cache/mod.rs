//! The findings of a set of input files, kept parsed in a binary file so that
//! opening the same files again does not parse them again.
//!
//! An entry is keyed by every input's path, size and modification time, the
//! posture version and the running binary itself (a rebuilt parser never
//! reads an older parser's results). It is read only when all of these match,
//! and only sets that loaded cleanly (no error, no warning) are kept, so
//! every message a file gives is seen each time it is read. A cache file is
//! untrusted input like any other: every length is bounded, every text is
//! checked to be display-safe, and anything amiss means "parse the files".
//!
//! Texts are stored once in a table and shared by the findings that use
//! them (reading a million findings then makes each distinct text once).

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::model::Finding;

mod record;

use super::codec::{Checked, Decoder, Encoder};

const MAGIC: &[u8; 16] = b"posture-parsed\0\x03";

/// Where the cached findings of one set of inputs are kept, and what they
/// must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    path: PathBuf,
    key: Vec<u8>,
}

/// What a cached set gives back.
pub struct Cached {
    pub findings: Vec<Finding>,
    /// Per input: its path and how many findings it gave.
    pub inputs: Vec<(PathBuf, usize)>,
}

impl Entry {
    /// The entry for these inputs (as expanded: files, not directories) in
    /// `dir`; `None` when an input cannot be looked at (then nothing is cached).
    pub fn of(dir: &Path, inputs: &[PathBuf]) -> Option<Entry> {
        let mut key = Encoder::default();
        key.bytes(env!("CARGO_PKG_VERSION").as_bytes());
        let exe = std::env::current_exe().ok()?;
        stamp(&mut key, &exe)?;
        key.u64(inputs.len() as u64);
        for p in inputs {
            let real = std::fs::canonicalize(p).ok()?;
            key.bytes(real.as_os_str().as_encoded_bytes());
            stamp(&mut key, &real)?;
        }
        let key = key.into_bytes();
        let name = format!(
            "parsed-{}.bin",
            crate::text::short_hash(&String::from_utf8_lossy(&key))
        );
        Some(Entry {
            path: dir.join(name),
            key,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The cached findings, if this entry holds them and they read back whole.
    pub fn read(&self) -> Option<Cached> {
        let file = std::fs::File::open(&self.path).ok()?;
        let layout = Layout::read(&file)?;
        let mut d = Decoder::new(layout.header.reader(&self.path)?);
        if d.array::<16>()? != *MAGIC || d.bytes(1 << 20)? != self.key {
            return None;
        }
        let inputs = (0..d.count(1 << 20)?)
            .map(|_| {
                let path = PathBuf::from(String::from_utf8(d.bytes(1 << 16)?).ok()?);
                Some((path, d.u64()? as usize))
            })
            .collect::<Option<Vec<_>>>()?;
        if !d.into_inner().whole() {
            return None;
        }
        // The texts, then the findings, each in parts read on every core.
        let texts = in_parallel(&layout.texts, |part| {
            let mut d = Decoder::new(part.reader(&self.path)?);
            let texts = record::read_texts(&mut d, part.count)?;
            d.into_inner().whole().then_some(texts)
        })?;
        let texts = record::Texts::new(texts.into_iter().flatten().collect());
        let findings = in_parallel(&layout.findings, |part| {
            let mut d = Decoder::new(part.reader(&self.path)?);
            let mut texts = texts.checker();
            let mut out = Vec::with_capacity(part.count.min(1 << 24));
            // Each finding's bytes are read whole, then decoded from memory.
            let mut bytes = Vec::new();
            for _ in 0..part.count {
                d.bytes_into(super::MAX_INPUT_BYTES as usize, &mut bytes)?;
                let mut one = Decoder::new(bytes.as_slice());
                out.push(record::read_finding(&mut one, &mut texts)?);
                if !one.at_end() {
                    return None;
                }
            }
            d.into_inner().whole().then_some(out)
        })?;
        Some(Cached {
            findings: crate::parallel::concat(findings),
            inputs,
        })
    }

    /// Keeps `findings` (from `inputs`, each with its count) for the next
    /// read; written to a temporary file and renamed, so an entry is never
    /// seen half written.
    pub fn write(&self, findings: &[Finding], inputs: &[(PathBuf, usize)]) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self
            .path
            .with_extension(format!("tmp{}", std::process::id()));
        let result = (|| {
            let mut out = Sections::new(std::fs::File::create(&tmp)?);
            let mut head = Encoder::default();
            head.raw(MAGIC);
            head.bytes(&self.key);
            head.u64(inputs.len() as u64);
            for (p, n) in inputs {
                head.bytes(p.to_string_lossy().as_bytes());
                head.u64(*n as u64);
            }
            let header = out.section(1, |w| w.write_all(&head.take()))?;
            let texts = record::TextTable::of(findings);
            let parts = PARTS.min(texts.len().max(1));
            let text_parts = (0..parts)
                .map(|p| {
                    let range = part_range(texts.len(), parts, p);
                    out.section(range.len(), |w| texts.write(range, w))
                })
                .collect::<std::io::Result<Vec<_>>>()?;
            let parts = PARTS.min(findings.len().max(1));
            let finding_parts = (0..parts)
                .map(|p| {
                    let range = part_range(findings.len(), parts, p);
                    out.section(range.len(), |w| {
                        let mut e = Encoder::default();
                        for f in &findings[range] {
                            record::write_finding(&mut e, f, &texts);
                            let bytes = e.take();
                            e.u64(bytes.len() as u64);
                            w.write_all(&e.take())?;
                            w.write_all(&bytes)?;
                        }
                        Ok(())
                    })
                })
                .collect::<std::io::Result<Vec<_>>>()?;
            let layout = Layout {
                header,
                texts: text_parts,
                findings: finding_parts,
            };
            let file = out.finish(&layout.encode())?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&tmp, &self.path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        if result.is_ok() {
            self.prune();
        }
        result
    }

    /// Keeps the cache bounded: the newest [`KEPT_ENTRIES`] entries (this
    /// one among them), and no temporary file of a writer that died more
    /// than an hour ago.
    fn prune(&self) {
        let Some(dir) = self.path.parent() else {
            return;
        };
        let Ok(read) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries = Vec::new();
        for e in read.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let modified = e.metadata().and_then(|m| m.modified()).ok();
            if !name.starts_with("parsed-") {
                continue;
            }
            if name.contains(".tmp") {
                let old = modified
                    .and_then(|m| m.elapsed().ok())
                    .is_some_and(|age| age > std::time::Duration::from_secs(3600));
                if old {
                    let _ = std::fs::remove_file(e.path());
                }
            } else if name.ends_with(".bin") && e.path() != self.path {
                entries.push((modified, e.path()));
            }
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.0));
        for (_, path) in entries.into_iter().skip(KEPT_ENTRIES - 1) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Entries kept in the cache directory (a few sets of inputs opened in turn).
const KEPT_ENTRIES: usize = 3;

/// Texts and findings are each kept in this many parts, read on as many cores.
const PARTS: usize = 8;

/// Part `p` of `parts` nearly equal parts of `0..n`.
fn part_range(n: usize, parts: usize, p: usize) -> std::ops::Range<usize> {
    (n * p / parts)..(n * (p + 1) / parts)
}

/// `read` of each part on every core, in order; `None` if any part fails.
fn in_parallel<T: Send>(
    parts: &[Section],
    read: impl Fn(&Section) -> Option<Vec<T>> + Sync,
) -> Option<Vec<Vec<T>>> {
    let chunks = crate::parallel::in_chunks(
        parts,
        1,
        |c| c.items.iter().map(&read).collect::<Option<Vec<_>>>(),
        |_| None,
    );
    let mut out = Vec::with_capacity(parts.len());
    for chunk in chunks {
        out.extend(chunk?);
    }
    Some(out)
}

/// One stretch of the file: where, how long, how many items, its checksum.
#[derive(Debug, Clone, Copy)]
struct Section {
    offset: u64,
    len: u64,
    count: usize,
    crc: u32,
}

/// Reads one section, to check at the end it was read whole and unchanged.
struct SectionReader {
    inner: BufReader<Checked<std::io::Take<std::fs::File>>>,
    crc: u32,
}

impl SectionReader {
    /// Whether all of the section was read and its checksum matches.
    fn whole(mut self) -> bool {
        let at_end = self.inner.read(&mut [0]).is_ok_and(|n| n == 0);
        at_end && self.inner.get_ref().sum() == self.crc
    }
}

impl Read for SectionReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Section {
    fn reader(&self, path: &Path) -> Option<SectionReader> {
        use std::io::Seek as _;
        let mut file = std::fs::File::open(path).ok()?;
        file.seek(std::io::SeekFrom::Start(self.offset)).ok()?;
        Some(SectionReader {
            inner: BufReader::with_capacity(1 << 20, Checked::new(file.take(self.len), u64::MAX)),
            crc: self.crc,
        })
    }

    fn put(&self, e: &mut Encoder) {
        e.u64(self.offset);
        e.u64(self.len);
        e.u64(self.count as u64);
        e.u32(self.crc);
    }
}

/// Where the sections are: written after them (a fixed-size tail says
/// where it starts), so that every section is streamed out once.
struct Layout {
    header: Section,
    texts: Vec<Section>,
    findings: Vec<Section>,
}

/// The file ends with the layout's length, then this.
const TAIL: &[u8; 4] = b"end.";

impl Layout {
    fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::default();
        self.header.put(&mut e);
        for list in [&self.texts, &self.findings] {
            e.u64(list.len() as u64);
            for s in list {
                s.put(&mut e);
            }
        }
        let mut bytes = e.into_bytes();
        let crc = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        bytes
    }

    fn read(file: &std::fs::File) -> Option<Layout> {
        use std::io::{Seek as _, SeekFrom};
        let len = file.metadata().ok()?.len();
        let mut f = file;
        f.seek(SeekFrom::Start(len.checked_sub(12)?)).ok()?;
        let mut tail = Decoder::new(f);
        let layout_len = tail.u64()?;
        if tail.array::<4>()? != *TAIL || layout_len > (1 << 20) {
            return None;
        }
        let start = len.checked_sub(12)?.checked_sub(layout_len)?;
        let mut f = file;
        f.seek(SeekFrom::Start(start)).ok()?;
        let mut bytes = vec![0; usize::try_from(layout_len).ok()?];
        f.read_exact(&mut bytes).ok()?;
        let (body, crc) = bytes.split_at(bytes.len().checked_sub(4)?);
        if crc32fast::hash(body).to_le_bytes() != crc {
            return None;
        }
        let mut d = Decoder::new(body);
        let section = |d: &mut Decoder<&[u8]>| -> Option<Section> {
            let s = Section {
                offset: d.u64()?,
                len: d.u64()?,
                count: d.count(1 << 32)?,
                crc: d.u32()?,
            };
            (s.offset.checked_add(s.len)? <= start).then_some(s)
        };
        let header = section(&mut d)?;
        let mut lists = [Vec::new(), Vec::new()];
        for list in &mut lists {
            for _ in 0..d.count(1 << 16)? {
                list.push(section(&mut d)?);
            }
        }
        let [texts, findings] = lists;
        d.at_end().then_some(Layout {
            header,
            texts,
            findings,
        })
    }
}

/// The file as it is written: sections one after another, each summed.
struct Sections {
    out: BufWriter<std::fs::File>,
    at: u64,
}

impl Sections {
    fn new(file: std::fs::File) -> Sections {
        Sections {
            out: BufWriter::with_capacity(1 << 20, file),
            at: 0,
        }
    }

    /// One section of `count` items, as `write` writes it.
    fn section(
        &mut self,
        count: usize,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<Section> {
        let mut summed = Checked::new(Counted::new(&mut self.out), u64::MAX);
        write(&mut summed)?;
        let crc = summed.sum();
        let len = summed.into_inner().written;
        let s = Section {
            offset: self.at,
            len,
            count,
            crc,
        };
        self.at += len;
        Ok(s)
    }

    /// The layout and the tail after the sections.
    fn finish(mut self, layout: &[u8]) -> std::io::Result<std::fs::File> {
        self.out.write_all(layout)?;
        self.out.write_all(&(layout.len() as u64).to_le_bytes())?;
        self.out.write_all(TAIL)?;
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

/// Bytes written through it, counted.
struct Counted<W> {
    inner: W,
    written: u64,
}

impl<W> Counted<W> {
    fn new(inner: W) -> Counted<W> {
        Counted { inner, written: 0 }
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A file's size and modification time, to the nanosecond.
fn stamp(key: &mut Encoder, path: &Path) -> Option<()> {
    let m = std::fs::metadata(path).ok()?;
    let modified = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    key.u64(m.len());
    key.u64(modified.as_secs());
    key.u64(u64::from(modified.subsec_nanos()));
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::generate::{GenFormat, write};
    use crate::model::SafeText;

    struct Files {
        dir: tempfile::TempDir,
        inputs: Vec<PathBuf>,
    }

    fn files() -> Files {
        let dir = tempfile::tempdir().expect("dir");
        let inputs: Vec<PathBuf> = [GenFormat::Asff, GenFormat::Kubescape, GenFormat::Starboard]
            .into_iter()
            .map(|f| {
                let mut bytes = Vec::new();
                write(f, 300, 9, &mut bytes).expect("generate");
                let p = dir.path().join(format!("{f:?}.json"));
                std::fs::write(&p, bytes).expect("write");
                p
            })
            .collect();
        Files { dir, inputs }
    }

    fn parsed(inputs: &[PathBuf]) -> (Vec<Finding>, Vec<(PathBuf, usize)>) {
        let mut loaded = crate::sources::load_all(inputs);
        let counts = loaded
            .iter()
            .map(|l| (l.path.clone(), l.findings.len()))
            .collect();
        (crate::sources::take_findings(&mut loaded), counts)
    }

    /// Findings with what is rare in generated ones: altered text (kept
    /// with its original), tags, a remediation URL, no times, signals.
    fn with_rare_fields(mut findings: Vec<Finding>) -> Vec<Finding> {
        findings[0].title = SafeText::line("evil \u{1b}[31m title\u{202e}");
        findings[0].description = SafeText::multi("line one\nline two");
        findings[1].tags = vec![("team".into(), "payments".into())].into_boxed_slice();
        findings[1].remediation.url = Some(SafeText::line("https://example.test/fix"));
        findings[2].first_seen = None;
        findings[2].last_seen = None;
        findings[3].raw = Some("{\"raw\":true}".into());
        // Every priority signal, each way.
        findings[4].signals = crate::model::Signals {
            exploit: Some(true),
            fix: Some(false),
            kev: true,
            epss: Some(0.000_75),
        };
        findings[5].signals.exploit = Some(false);
        findings
    }

    #[test]
    fn findings_read_back_as_they_were_written() {
        let f = files();
        let cache = f.dir.path().join("cache");
        let entry = Entry::of(&cache, &f.inputs).expect("entry");
        assert!(entry.read().is_none(), "nothing kept yet");
        let (findings, counts) = parsed(&f.inputs);
        let findings = with_rare_fields(findings);
        entry.write(&findings, &counts).expect("write");
        let back = entry.read().expect("kept");
        assert_eq!(back.findings, findings);
        assert_eq!(back.inputs, counts);
        assert!(findings[0].title.was_altered() && back.findings[0].title.was_altered());
    }

    #[test]
    fn the_cache_keeps_the_newest_entries_only() {
        let f = files();
        let cache = f.dir.path().join("cache");
        let (findings, counts) = parsed(&f.inputs[..1]);
        let mut written = Vec::new();
        for n in 1..=f.inputs.len() {
            let entry = Entry::of(&cache, &f.inputs[..n]).expect("entry");
            entry.write(&findings, &counts).expect("write");
            written.push(entry);
            // Distinct modification times, whatever the file system's grain.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // A fourth set of inputs: the oldest entry goes.
        let entry = Entry::of(&cache, &[f.inputs[2].clone()]).expect("entry");
        entry.write(&findings, &counts).expect("write");
        let left = std::fs::read_dir(&cache).expect("dir").count();
        assert_eq!(left, KEPT_ENTRIES);
        assert!(entry.read().is_some());
        assert!(written[2].read().is_some());
    }

    #[test]
    fn a_changed_or_added_input_is_another_entry() {
        let f = files();
        let cache = f.dir.path().join("cache");
        let entry = Entry::of(&cache, &f.inputs).expect("entry");
        let (findings, counts) = parsed(&f.inputs);
        entry.write(&findings, &counts).expect("write");
        assert_eq!(Entry::of(&cache, &f.inputs), Some(entry.clone()));
        assert_ne!(Entry::of(&cache, &f.inputs[..2]), Some(entry.clone()));
        // The same size, another modification time.
        let file = std::fs::File::options()
            .write(true)
            .open(&f.inputs[1])
            .expect("open");
        file.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(7))
            .expect("touch");
        let changed = Entry::of(&cache, &f.inputs).expect("entry");
        assert_ne!(changed, entry);
        assert!(changed.read().is_none());
    }

    /// A damaged entry (cut anywhere, bytes changed) reads as no entry, never
    /// as other findings; a display text made unsafe in the file is refused.
    #[test]
    fn a_damaged_or_tampered_entry_is_not_used() {
        let f = files();
        let cache = f.dir.path().join("cache");
        let entry = Entry::of(&cache, &f.inputs[..1]).expect("entry");
        let (findings, counts) = parsed(&f.inputs[..1]);
        entry.write(&findings, &counts).expect("write");
        let whole = std::fs::read(entry.path()).expect("read");
        let step = (whole.len() / 97).max(1);
        for cut in (0..whole.len()).step_by(step) {
            std::fs::write(entry.path(), &whole[..cut]).expect("cut");
            assert!(entry.read().is_none(), "cut at {cut}");
        }
        for at in (0..whole.len()).step_by(step) {
            let mut bad = whole.clone();
            bad[at] ^= 0xff;
            std::fs::write(entry.path(), &bad).expect("flip");
            assert!(entry.read().is_none(), "flip at {at}");
        }
        std::fs::write(entry.path(), &whole).expect("restore");
        assert_eq!(entry.read().expect("whole").findings, findings);
        // An escape sequence in a display text (as a cache file made by
        // hand could hold, checksums and all) is refused.
        let mut evil = findings.clone();
        evil[0].title = SafeText::from_checked(Some("red \u{1b}[31m".into()), None);
        entry.write(&evil, &counts).expect("write");
        assert!(entry.read().is_none());
        std::fs::write(entry.path(), &whole).expect("restore");
        assert_eq!(entry.read().expect("whole").findings, findings);
    }
}
