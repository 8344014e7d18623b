//! One finding and the table of texts, as the parse cache keeps them.

use std::io::{Read, Write};
use std::sync::Arc;

use crate::model::safe_text::{Lines, is_safe_display};
use crate::model::{
    Finding, Fingerprint, Layer, Remediation, SafeText, Severity, Signals, Source, Timestamp,
};
use crate::sources::MAX_INPUT_BYTES;
use crate::sources::codec::{Decoder, Encoder};

/// Every distinct text of the findings, numbered, for writing.
pub struct TextTable<'a> {
    ids: foldhash::HashMap<&'a str, u32>,
    list: Vec<&'a str>,
}

const NO_TEXT: u32 = u32::MAX;

impl<'a> TextTable<'a> {
    pub fn of(findings: &'a [Finding]) -> TextTable<'a> {
        let mut t = TextTable {
            ids: foldhash::HashMap::default(),
            list: Vec::new(),
        };
        for f in findings {
            t.add(f.fingerprint.as_str());
            if !f.source.is_fixed() {
                t.add(f.source.as_str());
            }
            for text in texts_of(f) {
                let (display, original) = text.parts();
                if let Some(d) = display {
                    t.add(d);
                }
                if let Some(o) = original {
                    t.add(o);
                }
            }
            for (k, v) in f.tags.iter() {
                t.add(k);
                t.add(v);
            }
        }
        t
    }

    fn add(&mut self, s: &'a str) {
        if !self.ids.contains_key(s) {
            self.ids.insert(s, self.list.len() as u32);
            self.list.push(s);
        }
    }

    fn id(&self, s: &str) -> u32 {
        self.ids.get(s).copied().unwrap_or(NO_TEXT)
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The texts numbered `range`, each with its length.
    pub fn write(&self, range: std::ops::Range<usize>, w: &mut dyn Write) -> std::io::Result<()> {
        let mut e = Encoder::default();
        for s in &self.list[range] {
            e.bytes(s.as_bytes());
            w.write_all(&e.take())?;
        }
        Ok(())
    }
}

/// `count` texts, each with its length.
pub fn read_texts<R: Read>(d: &mut Decoder<R>, count: usize) -> Option<Vec<Arc<str>>> {
    let mut list = Vec::with_capacity(count.min(1 << 24));
    let mut bytes = Vec::new();
    for _ in 0..count {
        d.bytes_into(MAX_INPUT_BYTES as usize, &mut bytes)?;
        list.push(Arc::from(std::str::from_utf8(&bytes).ok()?));
    }
    Some(list)
}

/// The texts as read back.
pub struct Texts {
    list: Vec<Arc<str>>,
}

impl Texts {
    pub fn new(list: Vec<Arc<str>>) -> Texts {
        Texts { list }
    }

    /// What one core decoding findings reads the texts through.
    pub fn checker(&self) -> Checker<'_> {
        Checker {
            list: &self.list,
            checked: vec![0; self.list.len()],
        }
    }
}

/// The texts, each checked as display text once per way it is used (a
/// line, several lines) by the core that uses it.
pub struct Checker<'a> {
    list: &'a [Arc<str>],
    /// Per text: bit 1 safe as a line, bit 2 safe as lines, bit 4/8 checked.
    checked: Vec<u8>,
}

impl Checker<'_> {
    fn get(&self, id: u32) -> Option<&Arc<str>> {
        self.list.get(id as usize)
    }

    /// The text `id` as display text of this kind, if it is safe as one.
    fn display(&mut self, id: u32, lines: Lines) -> Option<Option<Arc<str>>> {
        if id == NO_TEXT {
            return Some(None);
        }
        let text = self.list.get(id as usize)?;
        let (ok, done) = match lines {
            Lines::Single => (1, 4),
            Lines::Multi => (2, 8),
        };
        let state = self.checked.get_mut(id as usize)?;
        if *state & done == 0 {
            *state |= done | if is_safe_display(text, lines) { ok } else { 0 };
        }
        (*state & ok != 0).then(|| Some(text.clone()))
    }

    fn plain(&self, id: u32) -> Option<&str> {
        self.get(id).map(|t| &**t)
    }
}

/// The finding's texts, in the order they are written.
fn texts_of(f: &Finding) -> [&SafeText; 10] {
    [
        &f.title,
        &f.rule_id,
        &f.resource,
        &f.namespace,
        &f.account,
        &f.region,
        &f.cluster,
        &f.description,
        &f.remediation.text,
        f.remediation.url.as_ref().unwrap_or(&f.title),
    ]
}

/// How each of [`texts_of`] is displayed.
const LINES: [Lines; 10] = [
    Lines::Single,
    Lines::Single,
    Lines::Single,
    Lines::Single,
    Lines::Single,
    Lines::Single,
    Lines::Single,
    Lines::Multi,
    Lines::Multi,
    Lines::Single,
];

pub fn write_finding(e: &mut Encoder, f: &Finding, t: &TextTable<'_>) {
    e.u32(t.id(f.fingerprint.as_str()));
    match source_code(f.source) {
        Some(code) => e.u8(code),
        None => {
            e.u8(NAMED_SOURCE);
            e.u32(t.id(f.source.as_str()));
        }
    }
    e.u8(layer_code(f.layer));
    e.u8(severity_code(f.severity));
    e.u8(u8::from(f.open) | (u8::from(f.remediation.url.is_some()) << 1));
    for text in texts_of(f) {
        let (display, original) = text.parts();
        e.u32(display.map_or(NO_TEXT, |d| t.id(d)));
        e.u32(original.map_or(NO_TEXT, |o| t.id(o)));
    }
    for time in [f.first_seen, f.last_seen] {
        match time {
            Some(ts) => {
                e.u8(1);
                e.u64(ts.unix() as u64);
            }
            None => e.u8(0),
        }
    }
    write_signals(e, f.signals);
    e.u64(f.tags.len() as u64);
    for (k, v) in f.tags.iter() {
        e.u32(t.id(k));
        e.u32(t.id(v));
    }
    match &f.raw {
        Some(raw) => {
            e.u8(1);
            e.bytes(raw.as_bytes());
        }
        None => e.u8(0),
    }
}

pub fn read_finding<R: Read>(d: &mut Decoder<R>, t: &mut Checker<'_>) -> Option<Finding> {
    let fingerprint = Fingerprint::from_stored(t.plain(d.u32()?)?);
    let source = match d.u8()? {
        NAMED_SOURCE => Source::named(t.plain(d.u32()?)?),
        code => source_of(code)?,
    };
    let layer = *Layer::ALL.get(usize::from(d.u8()?))?;
    let severity = *Severity::ALL_DESC.get(usize::from(d.u8()?))?;
    let flags = d.u8()?;
    let mut texts: [SafeText; 10] = Default::default();
    for (text, lines) in texts.iter_mut().zip(LINES) {
        let display = t.display(d.u32()?, lines)?;
        let original = match d.u32()? {
            NO_TEXT => None,
            id => Some(Box::from(t.plain(id)?)),
        };
        *text = SafeText::from_checked(display, original);
    }
    let mut times = [None, None];
    for time in &mut times {
        *time = match d.u8()? {
            0 => None,
            1 => Some(Timestamp::from_unix(d.u64()? as i64)),
            _ => return None,
        };
    }
    let signals = read_signals(d)?;
    let tags = (0..d.count(1 << 16)?)
        .map(|_| Some((Box::from(t.plain(d.u32()?)?), Box::from(t.plain(d.u32()?)?))))
        .collect::<Option<Vec<_>>>()?;
    let raw = match d.u8()? {
        0 => None,
        1 => Some(
            String::from_utf8(d.bytes(MAX_INPUT_BYTES as usize)?)
                .ok()?
                .into(),
        ),
        _ => return None,
    };
    let [
        title,
        rule_id,
        resource,
        namespace,
        account,
        region,
        cluster,
        description,
        fix,
        url,
    ] = texts;
    Some(Finding {
        fingerprint,
        source,
        layer,
        severity,
        title,
        rule_id,
        resource,
        namespace,
        account,
        region,
        cluster,
        description,
        remediation: Remediation {
            text: fix,
            url: (flags & 2 != 0).then_some(url),
        },
        first_seen: times[0],
        last_seen: times[1],
        open: flags & 1 != 0,
        signals,
        tags: tags.into_boxed_slice(),
        raw,
    })
}

/// One byte (exploit and fix in two bits each: unknown, no, yes; KEV;
/// whether an EPSS score follows), then the score's bits.
fn write_signals(e: &mut Encoder, s: Signals) {
    let tri = |v: Option<bool>| match v {
        None => 0u8,
        Some(false) => 1,
        Some(true) => 2,
    };
    e.u8(tri(s.exploit)
        | (tri(s.fix) << 2)
        | (u8::from(s.kev) << 4)
        | (u8::from(s.epss.is_some()) << 5));
    if let Some(score) = s.epss {
        e.u32(score.to_bits());
    }
}

fn read_signals<R: Read>(d: &mut Decoder<R>) -> Option<Signals> {
    let bits = d.u8()?;
    let tri = |v: u8| match v & 3 {
        0 => Some(None),
        1 => Some(Some(false)),
        2 => Some(Some(true)),
        _ => None,
    };
    let epss = if bits & 0x20 != 0 {
        Some(Signals::epss_of(f64::from(f32::from_bits(d.u32()?)))?)
    } else {
        None
    };
    Some(Signals {
        exploit: tri(bits)?,
        fix: tri(bits >> 2)?,
        kev: bits & 0x10 != 0,
        epss,
    })
}

fn severity_code(s: Severity) -> u8 {
    Severity::ALL_DESC.iter().position(|&x| x == s).unwrap_or(0) as u8
}

/// A source's code, for the fixed ones; a SARIF tool's is [`NAMED_SOURCE`]
/// and its name.
fn source_code(s: Source) -> Option<u8> {
    Source::ALL.iter().position(|&x| x == s).map(|i| i as u8)
}

const NAMED_SOURCE: u8 = u8::MAX;

fn layer_code(l: Layer) -> u8 {
    Layer::ALL.iter().position(|&x| x == l).unwrap_or(0) as u8
}

fn source_of(code: u8) -> Option<Source> {
    Source::ALL.get(usize::from(code)).copied()
}
