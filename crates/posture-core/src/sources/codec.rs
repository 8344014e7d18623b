//! Little-endian numbers and length-prefixed bytes, for the parse cache.
//! Reading never trusts a length: each is bounded by the caller.

use std::io::Read;

#[derive(Default)]
pub(crate) struct Encoder(Vec<u8>);

impl Encoder {
    pub fn raw(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }

    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    pub fn u32(&mut self, v: u32) {
        self.raw(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.raw(&v.to_le_bytes());
    }

    /// A length, then the bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.raw(b);
    }

    /// What was written since the last take.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

pub(crate) struct Decoder<R>(R);

impl<R: Read> Decoder<R> {
    pub fn new(r: R) -> Decoder<R> {
        Decoder(r)
    }

    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut b = [0; N];
        self.0.read_exact(&mut b).ok()?;
        Some(b)
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    /// A count of at most `max`.
    pub fn count(&mut self, max: u64) -> Option<usize> {
        self.u64()
            .filter(|&n| n <= max)
            .and_then(|n| usize::try_from(n).ok())
    }

    /// Length-prefixed bytes (at most `max`) into `buf`, replacing what it held.
    pub fn bytes_into(&mut self, max: usize, buf: &mut Vec<u8>) -> Option<()> {
        let n = self.count(max as u64)?;
        buf.clear();
        (&mut self.0).take(n as u64).read_to_end(buf).ok()?;
        (buf.len() == n).then_some(())
    }

    /// Whether everything was read.
    pub fn at_end(&mut self) -> bool {
        self.0.read(&mut [0]).is_ok_and(|n| n == 0)
    }

    pub fn into_inner(self) -> R {
        self.0
    }

    /// Length-prefixed bytes, at most `max` of them.
    pub fn bytes(&mut self, max: usize) -> Option<Vec<u8>> {
        let n = self.count(max as u64)?;
        let mut out = Vec::new();
        // Read as it comes: a length in a damaged file never allocates more
        // than the file holds.
        (&mut self.0).take(n as u64).read_to_end(&mut out).ok()?;
        (out.len() == n).then_some(out)
    }
}

/// Bytes read or written, checksummed as they pass, up to a limit (what
/// follows, the checksum itself, is not summed).
pub(crate) struct Checked<T> {
    inner: T,
    crc: crc32fast::Hasher,
    left: u64,
}

impl<T> Checked<T> {
    pub fn new(inner: T, limit: u64) -> Checked<T> {
        Checked {
            inner,
            crc: crc32fast::Hasher::new(),
            left: limit,
        }
    }

    /// The checksum of everything passed so far (up to the limit).
    pub fn sum(&self) -> u32 {
        self.crc.clone().finalize()
    }

    fn sum_of(&mut self, bytes: &[u8]) {
        let n = bytes
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        self.crc.update(&bytes[..n]);
        self.left -= n as u64;
    }

    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sum_of(&buf[..n]);
        Ok(n)
    }
}

impl<W: std::io::Write> std::io::Write for Checked<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sum_of(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
