//! What says a finding can actually hurt: a known exploit, a place in CISA's
//! catalogue of known exploited vulnerabilities, the EPSS probability of
//! exploitation, and whether a fix exists. Read from the inputs themselves
//! (Inspector, Grype, Trivy) and from the catalogues a user downloads.

/// A finding's priority signals; each unknown unless its input or a
/// catalogue says.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Signals {
    /// The input says an exploit is (or is not) available.
    pub exploit: Option<bool>,
    /// The input says a fixed version is (or is not) available.
    pub fix: Option<bool>,
    /// In CISA's Known Exploited Vulnerabilities catalogue.
    pub kev: bool,
    /// FIRST's EPSS: the probability of exploitation in the next 30 days, 0 to 1.
    pub epss: Option<f32>,
}

impl Signals {
    /// Known to be exploitable: an exploit is available, or it is being
    /// exploited (KEV).
    pub fn exploited(&self) -> bool {
        self.kev || self.exploit == Some(true)
    }

    /// Whether an exploit is known, as the query's `exploit:` and `list`'s
    /// `exploit` read it: yes when exploited, no when the input says so.
    pub fn exploit_known(&self) -> Option<bool> {
        if self.exploited() {
            Some(true)
        } else {
            self.exploit
        }
    }

    /// The table's badges, most urgent first: `KEV` (which says an exploit
    /// is used, so `EXP` is not repeated), else `EXP`; then `FIX`.
    pub fn badges(&self) -> &'static str {
        match (self.kev, self.exploit == Some(true), self.fix == Some(true)) {
            (true, _, true) => "KEV FIX",
            (true, _, false) => "KEV",
            (false, true, true) => "EXP FIX",
            (false, true, false) => "EXP",
            (false, false, true) => "FIX",
            (false, false, false) => "",
        }
    }

    /// An EPSS score as read from an input: a number from 0 to 1 (a
    /// percentage such as 42 is not taken for one).
    pub fn epss_of(score: f64) -> Option<f32> {
        (score.is_finite() && (0.0..=1.0).contains(&score)).then_some(score as f32)
    }

    /// `YES`/`NO` (any case; Inspector's `PARTIAL` fix counts as yes: some
    /// packages have one) as a signal; anything else says nothing.
    pub fn yes_no(word: &str) -> Option<bool> {
        let w = word.trim();
        if w.eq_ignore_ascii_case("yes") || w.eq_ignore_ascii_case("partial") {
            Some(true)
        } else if w.eq_ignore_ascii_case("no") {
            Some(false)
        } else {
            None
        }
    }

    /// Each known signal as a labelled sentence, for detail views.
    pub fn described(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let exploit = match (self.kev, self.exploit) {
            (true, _) => Some("exploited in the wild (in CISA's KEV catalogue)"),
            (false, Some(true)) => Some("an exploit is available"),
            (false, Some(false)) => Some("none known"),
            (false, None) => None,
        };
        if let Some(e) = exploit {
            out.push(("Exploit", e.to_string()));
        }
        if let Some(p) = self.epss {
            out.push((
                "EPSS",
                format!(
                    "{p:.3} ({:.1}% chance of exploitation in the next 30 days)",
                    p * 100.0
                ),
            ));
        }
        match self.fix {
            Some(true) => out.push(("Fix", "a fixed version is available".to_string())),
            Some(false) => out.push(("Fix", "none available yet".to_string())),
            None => {}
        }
        out
    }

    /// Nothing known.
    pub fn is_empty(&self) -> bool {
        *self == Signals::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kev_counts_as_an_exploit_and_badges_say_it_once() {
        let kev = Signals {
            kev: true,
            exploit: Some(false),
            fix: Some(true),
            epss: None,
        };
        assert!(kev.exploited());
        assert_eq!(kev.exploit_known(), Some(true));
        assert_eq!(kev.badges(), "KEV FIX");
        let said_no = Signals {
            exploit: Some(false),
            ..Signals::default()
        };
        assert_eq!(said_no.exploit_known(), Some(false));
        assert_eq!(said_no.badges(), "");
        assert_eq!(Signals::default().exploit_known(), None);
    }

    #[test]
    fn inputs_words_and_scores() {
        assert_eq!(Signals::yes_no(" YES "), Some(true));
        assert_eq!(Signals::yes_no("Partial"), Some(true));
        assert_eq!(Signals::yes_no("no"), Some(false));
        assert_eq!(Signals::yes_no("maybe"), None);
        assert_eq!(Signals::epss_of(0.5), Some(0.5));
        assert_eq!(Signals::epss_of(42.0), None);
        assert_eq!(Signals::epss_of(f64::NAN), None);
        assert_eq!(Signals::epss_of(-0.1), None);
    }
}
