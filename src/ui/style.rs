//! Theme roles → terminal styles. The only place theme colours become ratatui colours.

use ratatui::style::{Color, Modifier, Style};

use posture_core::config::theme::{self, Theme};
use posture_core::model::Severity;

pub fn color(c: theme::Color) -> Color {
    match c {
        theme::Color::Reset => Color::Reset,
        theme::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
        theme::Color::Indexed(i) => Color::Indexed(i),
    }
}

pub struct Styles<'a> {
    pub theme: &'a Theme,
    /// Every style plain: the selected row's text takes the selection's
    /// colours whole, so no severity or status colour sits on the
    /// selection's background at a contrast the theme never chose.
    pub flat: bool,
}

impl<'a> Styles<'a> {
    pub fn new(theme: &'a Theme) -> Styles<'a> {
        Styles { theme, flat: false }
    }

    /// These styles, flat (see [`Styles::flat`]).
    pub fn flattened(&self) -> Styles<'a> {
        Styles {
            theme: self.theme,
            flat: true,
        }
    }

    /// `style`, or nothing when flat.
    fn or_flat(&self, style: Style) -> Style {
        if self.flat { Style::new() } else { style }
    }

    fn p(&self) -> &theme::Palette {
        &self.theme.palette
    }

    pub fn base(&self) -> Style {
        Style::new().fg(color(self.p().fg)).bg(color(self.p().bg))
    }

    pub fn muted(&self) -> Style {
        let s = Style::new().fg(color(self.p().muted));
        self.or_flat(if self.theme.monochrome {
            s.add_modifier(Modifier::DIM)
        } else {
            s
        })
    }

    pub fn accent(&self) -> Style {
        self.or_flat(
            Style::new()
                .fg(color(self.p().accent))
                .add_modifier(Modifier::BOLD),
        )
    }

    pub fn border(&self) -> Style {
        Style::new().fg(color(self.p().border))
    }

    pub fn header(&self) -> Style {
        Style::new()
            .fg(color(self.p().fg))
            .bg(color(self.p().header_bg))
    }

    pub fn selection(&self) -> Style {
        let s = Style::new()
            .fg(color(self.p().selection_fg))
            .bg(color(self.p().selection_bg))
            .add_modifier(Modifier::BOLD);
        if self.theme.monochrome {
            s.add_modifier(Modifier::REVERSED)
        } else {
            s
        }
    }

    pub fn banner(&self) -> Style {
        let s = Style::new()
            .fg(color(self.p().banner_fg))
            .bg(color(self.p().banner_bg))
            .add_modifier(Modifier::BOLD);
        if self.theme.monochrome {
            s.add_modifier(Modifier::REVERSED)
        } else {
            s
        }
    }

    pub fn error(&self) -> Style {
        self.or_flat(
            Style::new()
                .fg(color(self.p().error))
                .add_modifier(Modifier::BOLD),
        )
    }

    pub fn ok(&self) -> Style {
        self.or_flat(Style::new().fg(color(self.p().ok)))
    }

    pub fn severity(&self, s: Severity) -> Style {
        let st = Style::new().fg(color(self.theme.severity(s)));
        self.or_flat(match s {
            Severity::Critical | Severity::High => st.add_modifier(Modifier::BOLD),
            _ => st,
        })
    }

    /// A filled badge (`CRIT`) for the severity column and the header bar.
    pub fn severity_badge(&self, s: Severity) -> Style {
        if self.flat {
            return Style::new().add_modifier(Modifier::BOLD);
        }
        if self.theme.monochrome {
            return Style::new().add_modifier(Modifier::BOLD);
        }
        Style::new()
            .fg(color(self.p().selection_fg))
            .bg(color(self.theme.severity(s)))
            .add_modifier(Modifier::BOLD)
    }
}

pub fn severity_short(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
        Severity::Unknown => "UNKN",
    }
}
