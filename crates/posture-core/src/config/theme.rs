//! Colour themes as data files (`themes/*.toml`, and user themes in the config
//! directory). No colour is written anywhere else in the code. Pure data: the UI
//! turns these into terminal styles.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::model::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// The terminal's own default.
    Reset,
    Rgb(u8, u8, u8),
    /// One of the 16 basic terminal colours, by index (0 black … 15 bright white).
    Indexed(u8),
}

const NAMES: [&str; 16] = [
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "gray",
    "dark-gray",
    "light-red",
    "light-green",
    "light-yellow",
    "light-blue",
    "light-magenta",
    "light-cyan",
    "white",
];

impl std::str::FromStr for Color {
    type Err = String;
    fn from_str(s: &str) -> Result<Color, String> {
        let s = s.trim().to_ascii_lowercase();
        if s == "reset" || s == "default" {
            return Ok(Color::Reset);
        }
        if let Some(hex) = s.strip_prefix('#')
            && hex.len() == 6
            && let Ok(v) = u32::from_str_radix(hex, 16)
        {
            return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Color::Indexed(i as u8))
            .ok_or_else(|| format!("unknown colour {s:?} (use #rrggbb, a colour name or reset)"))
    }
}

/// Every colour role the UI uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    pub fg: Color,
    pub bg: Color,
    pub muted: Color,
    pub accent: Color,
    pub border: Color,
    pub header_bg: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub marked: Color,
    pub banner_fg: Color,
    pub banner_bg: Color,
    pub error: Color,
    pub ok: Color,
    pub critical: Color,
    pub high: Color,
    pub medium: Color,
    pub low: Color,
    pub info: Color,
    pub unknown: Color,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    pub palette: Palette,
    /// `NO_COLOR`: no colour at all; emphasis by bold and reverse video only.
    pub monochrome: bool,
}

impl Theme {
    pub fn severity(&self, s: Severity) -> Color {
        let p = &self.palette;
        match s {
            Severity::Critical => p.critical,
            Severity::High => p.high,
            Severity::Medium => p.medium,
            Severity::Low => p.low,
            Severity::Info => p.info,
            Severity::Unknown => p.unknown,
        }
    }

    /// For `NO_COLOR` (<https://no-color.org>).
    pub fn monochrome() -> Theme {
        let r = Color::Reset;
        Theme {
            name: "no-color".to_string(),
            palette: Palette {
                fg: r,
                bg: r,
                muted: r,
                accent: r,
                border: r,
                header_bg: r,
                selection_fg: r,
                selection_bg: r,
                marked: r,
                banner_fg: r,
                banner_bg: r,
                error: r,
                ok: r,
                critical: r,
                high: r,
                medium: r,
                low: r,
                info: r,
                unknown: r,
            },
            monochrome: true,
        }
    }
}

/// The themes shipped in `themes/`, built into the binary.
pub const BUILTIN: [(&str, &str); 3] = [
    ("dark", include_str!("../../../../themes/dark.toml")),
    ("light", include_str!("../../../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../../../themes/high-contrast.toml"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error(
        "theme {0:?} not found (built in: dark, light, high-contrast; or put NAME.toml in {1})"
    )]
    NotFound(String, String),
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    colors: BTreeMap<String, String>,
}

/// Parses a theme file; every role must be given, unknown roles are an error
/// (a typo would otherwise silently fall back).
pub fn parse(label: &str, text: &str) -> Result<Theme, ThemeError> {
    let invalid = |message: String| ThemeError::Invalid {
        path: label.to_string(),
        message,
    };
    let file: ThemeFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let mut colors = file.colors;
    let mut take = |role: &str| -> Result<Color, ThemeError> {
        let v = colors
            .remove(role)
            .ok_or_else(|| invalid(format!("[colors] is missing {role:?}")))?;
        v.parse()
            .map_err(|e: String| invalid(format!("[colors] {role}: {e}")))
    };
    let palette = Palette {
        fg: take("fg")?,
        bg: take("bg")?,
        muted: take("muted")?,
        accent: take("accent")?,
        border: take("border")?,
        header_bg: take("header_bg")?,
        selection_fg: take("selection_fg")?,
        selection_bg: take("selection_bg")?,
        marked: take("marked")?,
        banner_fg: take("banner_fg")?,
        banner_bg: take("banner_bg")?,
        error: take("error")?,
        ok: take("ok")?,
        critical: take("critical")?,
        high: take("high")?,
        medium: take("medium")?,
        low: take("low")?,
        info: take("info")?,
        unknown: take("unknown")?,
    };
    if let Some(extra) = colors.keys().next() {
        return Err(invalid(format!("[colors] has unknown role {extra:?}")));
    }
    Ok(Theme {
        name: file.name.unwrap_or_else(|| label.to_string()),
        palette,
        monochrome: false,
    })
}

/// A user theme (`<config dir>/themes/NAME.toml`) wins over a built-in one.
pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
    if let Some(dir) = user_dir {
        let path = dir.join(format!("{name}.toml"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            return parse(&path.display().to_string(), &text);
        }
    }
    match BUILTIN.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => parse(&format!("themes/{n}.toml"), text),
        None => Err(ThemeError::NotFound(
            name.to_string(),
            user_dir.map_or_else(
                || "the config directory".to_string(),
                |d| d.display().to_string(),
            ),
        )),
    }
}

/// The theme after `name` in the built-in list (for the cycle key).
pub fn next_builtin(name: &str) -> &'static str {
    let i = BUILTIN
        .iter()
        .position(|(n, _)| *n == name)
        .map_or(0, |i| i + 1);
    BUILTIN[i % BUILTIN.len()].0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_parse() {
        for (name, _) in BUILTIN {
            let t = load(name, None).unwrap();
            assert_eq!(t.name, name);
        }
    }

    #[test]
    fn colours_parse() {
        assert_eq!("#ff0080".parse::<Color>(), Ok(Color::Rgb(255, 0, 128)));
        assert_eq!("light-red".parse::<Color>(), Ok(Color::Indexed(9)));
        assert!("mauve".parse::<Color>().is_err());
    }

    #[test]
    fn a_typo_in_a_theme_is_an_error() {
        let text = BUILTIN[0].1.replace("critical =", "critcal =");
        let e = parse("t.toml", &text).unwrap_err().to_string();
        assert!(e.contains("critical") || e.contains("critcal"), "{e}");
    }
}
