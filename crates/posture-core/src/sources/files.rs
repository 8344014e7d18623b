//! Reading input files: which files a `--file` argument means, each read
//! whole (bounded, regular files only) and parsed, the largest first.

use std::path::{Path, PathBuf};

use super::{Loaded, Location, MAX_INPUT_BYTES, SourceError, bug, parse_bytes, progress};

/// How much of an input is looked at before the rest is read: binary data
/// is refused from its first bytes, not after a gigabyte of them.
const SNIFF_BYTES: usize = 64 << 10;

/// Reads and parses one file; `-` is standard input. Only regular files are
/// read: a FIFO with no writer would wait for ever, `/dev/zero` never ends.
pub fn load_file(path: &Path) -> Loaded {
    let fail = |msg: String| Loaded {
        path: path.to_path_buf(),
        errors: vec![SourceError::new(path, Location::START, msg)],
        ..Loaded::default()
    };
    if path == Path::new("-") {
        return match read_bounded(std::io::stdin().lock(), 0) {
            Ok(bytes) => parse_bytes(path, &bytes, None),
            Err(msg) => fail(msg),
        };
    }
    let size = match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return fail(
                "not a regular file (a FIFO, device or socket): posture reads files; \
                 pipe data in with --file -"
                    .to_string(),
            );
        }
        Ok(m) if m.len() > MAX_INPUT_BYTES => {
            return fail(format!(
                "file is {} MiB, over the {} MiB input limit",
                m.len() >> 20,
                MAX_INPUT_BYTES >> 20
            ));
        }
        Ok(m) => m.len(),
        Err(e) => return fail(format!("cannot read: {e}")),
    };
    let loaded = match std::fs::File::open(path)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|file| read_file(file, size))
    {
        Ok(bytes) => {
            progress::bytes_read(bytes.len());
            parse_bytes(path, &bytes, None)
        }
        Err(msg) => fail(msg),
    };
    progress::file_done();
    loaded
}

/// Files this large are read on every core: reading a 400 MB input into
/// fresh memory is a fifth of a second on one core, while the others wait.
const PARALLEL_READ_MIN: u64 = 32 << 20;

/// A regular file of `size` bytes (as its metadata said), as
/// [`read_bounded`] reads it; a large one in parts on every core, each into
/// its place. A file that turns out longer or shorter than it said (written
/// to meanwhile) is read again as a stream.
fn read_file(file: std::fs::File, size: u64) -> Result<Vec<u8>, String> {
    #[cfg(unix)]
    if size >= PARALLEL_READ_MIN && crate::parallel::threads() > 1 {
        if let Some(bytes) = read_in_parts(&file, size)? {
            return Ok(bytes);
        }
        use std::io::Seek as _;
        let mut file = file;
        file.rewind().map_err(|e| format!("cannot read: {e}"))?;
        return read_bounded(file, size);
    }
    read_bounded(file, size)
}

/// The file's `size` bytes read in parts at once, the first
/// [`SNIFF_BYTES`] checked for binary data before the rest is read; `None`
/// when the file is not `size` bytes long any more.
#[cfg(unix)]
fn read_in_parts(file: &std::fs::File, size: u64) -> Result<Option<Vec<u8>>, String> {
    use std::os::unix::fs::FileExt as _;
    let cannot = |e: std::io::Error| format!("cannot read: {e}");
    let at_eof = |e: &std::io::Error| e.kind() == std::io::ErrorKind::UnexpectedEof;
    let len = usize::try_from(size).map_err(|_| "file too large".to_string())?;
    // Fresh zeroed memory: the system's zero pages, not written twice.
    let mut bytes = vec![0u8; len];
    let (head, rest) = bytes.split_at_mut(len.min(SNIFF_BYTES));
    match file.read_exact_at(head, 0) {
        Err(e) if at_eof(&e) => return Ok(None),
        other => other.map_err(cannot)?,
    }
    if let Some(at) = memchr::memchr(0, head) {
        return Err(format!(
            "NUL byte at offset {at}: binary data, not a findings document"
        ));
    }
    let start = head.len();
    let share = rest.len().div_ceil(crate::parallel::threads()).max(1);
    let parts: Vec<std::io::Result<()>> = std::thread::scope(|s| {
        let reads: Vec<_> = rest
            .chunks_mut(share)
            .enumerate()
            .map(|(i, part)| s.spawn(move || file.read_exact_at(part, (start + i * share) as u64)))
            .collect();
        reads
            .into_iter()
            .map(|r| {
                r.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("read failed")))
            })
            .collect()
    });
    for part in parts {
        match part {
            Err(e) if at_eof(&e) => return Ok(None),
            other => other.map_err(cannot)?,
        }
    }
    // Longer than it said: read as a stream (which bounds it).
    if file.read_at(&mut [0], size).map_err(cannot)? != 0 {
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// At most [`MAX_INPUT_BYTES`]; the first [`SNIFF_BYTES`] are checked for
/// binary data (a NUL) before the rest is read. `expected` is the size the
/// file said it has: room for it is made at once (growing by doubling
/// copied a 400 MB input several times over into fresh memory); the read
/// still goes by what arrives, which may be more or less.
fn read_bounded(mut r: impl std::io::Read, expected: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let room = expected.min(MAX_INPUT_BYTES).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(room).unwrap_or(0));
    (&mut r)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if let Some(at) = memchr::memchr(0, &bytes) {
        return Err(format!(
            "NUL byte at offset {at}: binary data, not a findings document"
        ));
    }
    r.take(MAX_INPUT_BYTES + 1 - bytes.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(format!(
            "more than the {} MiB input limit",
            MAX_INPUT_BYTES >> 20
        ));
    }
    Ok(bytes)
}

/// Expands `--file` arguments: a directory means every file below it (sorted,
/// hidden files skipped), so results do not depend on directory order.
/// A file is read once however often it is named or reached (the same file
/// twice, a link to it, a link loop); the count of those left out is second.
pub fn expand_inputs(inputs: &[PathBuf]) -> (Vec<PathBuf>, usize) {
    /// Where a path really is: two names of one file are one input.
    fn real(p: &Path) -> PathBuf {
        std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
    }
    struct Walk {
        out: Vec<PathBuf>,
        seen: std::collections::HashSet<PathBuf>,
        dirs: std::collections::HashSet<PathBuf>,
        repeats: usize,
    }
    impl Walk {
        fn add(&mut self, p: PathBuf) {
            if self.seen.insert(real(&p)) {
                self.out.push(p);
            } else {
                self.repeats += 1;
            }
        }
    }
    fn walk(dir: &Path, w: &mut Walk, depth: usize) {
        // A directory reached again (a link loop) is not walked again.
        if !w.dirs.insert(real(dir)) {
            return;
        }
        let Ok(rd) = std::fs::read_dir(dir) else {
            w.add(dir.to_path_buf());
            return;
        };
        let mut entries: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                if depth < 8 {
                    walk(&p, w, depth + 1);
                }
            } else if is_candidate(&p) {
                w.add(p);
            }
        }
    }
    let mut w = Walk {
        out: Vec::new(),
        seen: Default::default(),
        dirs: Default::default(),
        repeats: 0,
    };
    for input in inputs {
        if input.is_dir() {
            walk(input, &mut w, 0);
        } else {
            w.add(input.clone());
        }
    }
    (w.out, w.repeats)
}

/// In a directory, documentation beside the data (README.md, SOURCES.md) is
/// not an input; a file named explicitly always is.
fn is_candidate(p: &Path) -> bool {
    !matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("md" | "txt" | "csv" | "toml" | "lock")
    )
}

/// Loads every input, several at once; failures stay per file. An input
/// named twice (or reached through a link) is read once, and the first
/// input's warnings say how many were left out.
pub fn load_all(inputs: &[PathBuf]) -> Vec<Loaded> {
    let (paths, repeats) = expand_inputs(inputs);
    let mut loaded = load_largest_first(&paths);
    if repeats > 0
        && let Some(first) = loaded.first_mut()
    {
        first.warnings.push(SourceError::new(
            &first.path.clone(),
            Location::NOWHERE,
            format!(
                "{repeats} input{} named twice or reached through a link: read once",
                if repeats == 1 { "" } else { "s" }
            ),
        ));
    }
    loaded
}

/// Loads the largest input first, on its own (it parses on every core
/// itself), then the others several at once; the results in the inputs'
/// order. An input's bytes are held until its last record is parsed: read
/// alongside the others, a 400 MB file's bytes were still held when
/// everything else had been parsed, and made the load's peak memory.
fn load_largest_first(paths: &[PathBuf]) -> Vec<Loaded> {
    let size = |p: &PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let Some(largest) = (0..paths.len()).max_by_key(|&i| (size(&paths[i]), std::cmp::Reverse(i)))
    else {
        return Vec::new();
    };
    let first = std::panic::catch_unwind(|| load_file(&paths[largest]))
        .unwrap_or_else(|_| bug(&paths[largest]));
    let others: Vec<usize> = (0..paths.len()).filter(|&i| i != largest).collect();
    let mut rest =
        crate::parallel::each(&others, |&i| load_file(&paths[i]), |&i| bug(&paths[i])).into_iter();
    let mut first = Some(first);
    (0..paths.len())
        .map(|i| {
            if i == largest {
                first.take().unwrap_or_default()
            } else {
                rest.next().unwrap_or_default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_read_in_parts_is_the_file_even_when_its_size_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        let len = PARALLEL_READ_MIN as usize + 12_345;
        let bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let read = |said: u64| read_file(std::fs::File::open(&path).unwrap(), said).unwrap();
        assert!(read(len as u64) == bytes);
        // Written to between the look and the read: longer or shorter than
        // it said, it is read whole as a stream.
        assert!(read(len as u64 - 1_000) == bytes);
        assert!(read(len as u64 + 1_000) == bytes);
    }

    #[test]
    fn binary_data_is_refused_before_the_rest_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        let mut bytes = vec![b' '; PARALLEL_READ_MIN as usize];
        bytes[100] = 0;
        std::fs::write(&path, &bytes).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let e = read_file(file, bytes.len() as u64).unwrap_err();
        assert!(e.contains("NUL byte at offset 100"), "{e}");
    }
}
