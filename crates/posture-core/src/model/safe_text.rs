//! Display-safe text. Every string that came from an input file (titles, resource
//! names, descriptions, notes) passes through here once, where it enters the model,
//! so no layer above can forget to neutralise terminal escape sequences.

use std::fmt::Write as _;

use foldhash::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Text that is safe to draw on a terminal: no C0/C1 control characters (ESC,
/// U+009B CSI, BEL, ...), no BiDi overrides, no invisible zero-width characters.
/// Such characters are shown visibly (`\x1b`, `\u{202e}`) instead of being
/// dropped, so an analyst can see that a value was tampered with.
///
/// The original value is kept only when it differs, for the JSON and raw views.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct SafeText {
    // Shared: descriptions and remediation texts repeat across thousands of
    // findings of one control, and are interned while loading (see `Interner`).
    // None when empty (never `Some("")`, so that equality holds): a finding
    // has a few empty texts, and an empty `Arc<str>` is still an allocation.
    display: Option<Arc<str>>,
    // Rarely present: one pointer, not two, in each of a finding's ten texts.
    original: Option<Box<Box<str>>>,
}

/// Whether line breaks belong to the text (descriptions) or not (titles, names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

impl SafeText {
    pub fn new(raw: &str, lines: Lines) -> SafeText {
        match sanitize(raw, lines) {
            None => SafeText {
                display: stored(raw),
                original: None,
            },
            Some(display) => SafeText {
                display: stored(&display),
                original: Some(Box::new(raw.into())),
            },
        }
    }

    pub fn line(raw: &str) -> SafeText {
        SafeText::new(raw, Lines::Single)
    }

    pub fn multi(raw: &str) -> SafeText {
        SafeText::new(raw, Lines::Multi)
    }

    /// Terminal- and log-safe form.
    pub fn display(&self) -> &str {
        self.display.as_deref().unwrap_or_default()
    }

    /// The value exactly as the input had it (for JSON, where escaping is the
    /// serializer's job, and for the raw view).
    pub fn original(&self) -> &str {
        self.original.as_deref().map_or(self.display(), |o| o)
    }

    /// The same text, sharing its storage with equal texts seen before.
    pub fn interned(mut self, interner: &mut Interner) -> SafeText {
        let text = match self.display.take() {
            Some(t) if t.len() >= Interner::MIN_LEN && !interner.gave_up() => t,
            other => {
                self.display = other;
                return self;
            }
        };
        interner.tried += 1;
        self.display = Some(match interner.texts.get(&*text) {
            Some(shared) => {
                interner.found += 1;
                shared.clone()
            }
            None => {
                interner.texts.insert(text.clone());
                text
            }
        });
        self
    }

    pub fn is_empty(&self) -> bool {
        self.display.is_none()
    }

    /// The display text as stored (`None` when empty) and the original when
    /// it differs, for the parse cache.
    pub(crate) fn parts(&self) -> (Option<&Arc<str>>, Option<&str>) {
        (
            self.display.as_ref(),
            self.original.as_deref().map(|o| &**o),
        )
    }

    /// Text read back from the parse cache, its display text checked
    /// with [`is_safe_display`] by the caller (once per distinct text).
    pub(crate) fn from_checked(display: Option<Arc<str>>, original: Option<Box<str>>) -> SafeText {
        SafeText {
            display,
            original: original.map(Box::new),
        }
    }

    pub fn was_altered(&self) -> bool {
        self.original.is_some()
    }
}

/// Whether `display` is what [`SafeText::new`] could have made: nothing
/// it would change, not empty (empty text is stored as none).
pub(crate) fn is_safe_display(display: &str, lines: Lines) -> bool {
    !display.is_empty() && sanitize(display, lines).is_none()
}

fn stored(text: &str) -> Option<Arc<str>> {
    (!text.is_empty()).then(|| text.into())
}

/// Equal texts seen while loading one input, stored once. One interner per
/// kind of text: a kind that hardly repeats (a description naming its
/// resource) is soon no longer looked up, as hashing and keeping a set of
/// a hundred thousand unique texts would cost time and save nothing.
#[derive(Debug, Default)]
pub struct Interner {
    texts: HashSet<Arc<str>>,
    tried: u32,
    found: u32,
}

impl Interner {
    /// Shorter texts cost less than their entry in the set.
    const MIN_LEN: usize = 24;
    /// Texts looked up before the hit rate is judged.
    const SAMPLE: u32 = 4_096;

    fn gave_up(&mut self) -> bool {
        // Fewer than one in eight found: the rest will not be either.
        let give_up = self.tried >= Self::SAMPLE && self.found < self.tried / 8;
        if give_up && !self.texts.is_empty() {
            self.texts = HashSet::default();
        }
        give_up
    }
}

impl Serialize for SafeText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.original())
    }
}

impl<'de> Deserialize<'de> for SafeText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(SafeText::multi(&s))
    }
}

/// True for characters that must never reach a terminal as themselves.
pub fn is_dangerous(c: char, lines: Lines) -> bool {
    match c {
        '\n' => lines == Lines::Single,
        // C0 (incl. ESC, BEL, CR, TAB), DEL and C1 (incl. U+009B CSI).
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // BiDi embeddings, overrides and isolates ("Trojan Source").
        '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{061c}' => true,
        // Line/paragraph separators move the cursor in some terminals.
        '\u{2028}' | '\u{2029}' => true,
        // Everything Unicode says to draw as nothing: zero-width, fillers,
        // tags, variation selectors. They misalign columns and hide text.
        c => is_default_ignorable(c),
    }
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt):
/// characters a renderer shows as nothing at all.
pub fn is_default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00ad}'
        | '\u{034f}'
        | '\u{061c}'
        | '\u{115f}'..='\u{1160}'
        | '\u{17b4}'..='\u{17b5}'
        | '\u{180b}'..='\u{180f}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{3164}'
        | '\u{fe00}'..='\u{fe0f}'
        | '\u{feff}'
        | '\u{ffa0}'
        | '\u{fff0}'..='\u{fff8}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}')
}

/// Unicode's format characters (general category Cf) that are not default
/// ignorable: visible in some renderers, invisible in others. A CSV cell
/// that starts with them is looked at past them.
pub fn is_format(c: char) -> bool {
    is_default_ignorable(c)
        || matches!(c,
            '\u{0600}'..='\u{0605}'
            | '\u{06dd}'
            | '\u{070f}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08e2}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{e0001}')
}

/// `None` when the text is already safe (the common case: no allocation).
fn sanitize(raw: &str, lines: Lines) -> Option<String> {
    // Printable ASCII (and line breaks where they belong) is the common case,
    // decided 32 bytes at a time without decoding characters (no early exit
    // inside a block, so the compiler checks a block in a few vector steps).
    let newlines = lines == Lines::Multi;
    let printable = |b: u8| b.wrapping_sub(0x20) < 0x5f || (newlines & (b == b'\n'));
    if raw
        .as_bytes()
        .chunks(32)
        .all(|block| block.iter().fold(true, |all, &b| all & printable(b)))
    {
        return None;
    }
    let needs = raw.chars().any(|c| is_dangerous(c, lines));
    if !needs {
        return None;
    }
    let mut out = String::with_capacity(raw.len() + 8);
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // CRLF line endings in descriptions are ordinary text, not an attack.
            '\r' if lines == Lines::Multi && chars.peek() == Some(&'\n') => {}
            '\t' => out.push(' '),
            c if is_dangerous(c, lines) => {
                let cp = c as u32;
                if cp <= 0xff {
                    let _ = write!(out, "\\x{cp:02x}");
                } else {
                    let _ = write!(out, "\\u{{{cp:04x}}}");
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_ignorable_character_is_made_visible() {
        let probe = [
            '\u{34f}',
            '\u{115f}',
            '\u{1160}',
            '\u{3164}',
            '\u{ffa0}',
            '\u{206a}',
            '\u{206f}',
            '\u{e0001}',
            '\u{e0041}',
            '\u{e007f}',
            '\u{fe00}',
            '\u{fe0f}',
            '\u{e0100}',
        ];
        for c in probe {
            let shown = SafeText::line(&format!("a{c}b")).display().to_string();
            assert!(
                !shown.contains(c),
                "{:04x} reached the screen: {shown:?}",
                c as u32
            );
            assert!(shown.starts_with('a') && shown.ends_with('b'), "{shown:?}");
        }
    }

    fn intern(text: &str, interner: &mut Interner) -> Arc<str> {
        SafeText::multi(text)
            .interned(interner)
            .display
            .expect("not empty")
    }

    #[test]
    fn repeated_texts_share_storage_and_unique_ones_stop_being_looked_up() {
        let long = "Restrict access to the bucket with a bucket policy.";
        let mut repeats = Interner::default();
        for i in 0..2 * Interner::SAMPLE {
            // One in four is new: enough repeats to keep interning.
            let text = if i % 4 == 0 {
                format!("{long} {i}")
            } else {
                long.to_string()
            };
            intern(&text, &mut repeats);
        }
        let (a, b) = (intern(long, &mut repeats), intern(long, &mut repeats));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!repeats.gave_up());

        let mut unique = Interner::default();
        for i in 0..Interner::SAMPLE {
            intern(&format!("{long} {i}"), &mut unique);
        }
        assert!(unique.gave_up());
        assert!(unique.texts.is_empty(), "its set is freed");
        let (a, b) = (intern(long, &mut unique), intern(long, &mut unique));
        assert_eq!(a, b);
        assert!(!Arc::ptr_eq(&a, &b));
        // Short texts are never looked up.
        let mut short = Interner::default();
        intern("short", &mut short);
        assert_eq!(short.tried, 0);
    }

    #[test]
    fn empty_text_is_the_default_and_keeps_nothing() {
        let e = SafeText::line("");
        assert_eq!(e, SafeText::default());
        assert!(e.is_empty() && e.display().is_empty() && e.original().is_empty());
        assert!(e.display.is_none());
        assert!(!SafeText::line("x").is_empty());
    }

    #[test]
    fn plain_text_is_untouched() {
        let t = SafeText::line("S3 bucket should block public access");
        assert_eq!(t.display(), "S3 bucket should block public access");
        assert!(!t.was_altered());
    }

    #[test]
    fn escapes_are_shown_visibly() {
        let t = SafeText::line("evil\x1b[2Jtitle\u{9b}31m\x07");
        assert_eq!(t.display(), "evil\\x1b[2Jtitle\\x9b31m\\x07");
        assert_eq!(t.original(), "evil\x1b[2Jtitle\u{9b}31m\x07");
    }

    #[test]
    fn bidi_and_zero_width_are_visible() {
        let t = SafeText::line("abc\u{202e}fed\u{200b}x");
        assert_eq!(t.display(), "abc\\u{202e}fed\\u{200b}x");
    }

    #[test]
    fn newlines_kept_only_in_multi_line_text() {
        assert_eq!(SafeText::line("a\nb").display(), "a\\x0ab");
        assert_eq!(SafeText::multi("a\r\nb").display(), "a\nb");
        assert_eq!(SafeText::multi("a\rb").display(), "a\\x0db");
    }

    #[test]
    fn no_control_character_survives() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let t = SafeText::multi(&all);
        assert!(
            t.display()
                .chars()
                .all(|c| c == '\n' || !is_dangerous(c, Lines::Multi))
        );
    }
}
