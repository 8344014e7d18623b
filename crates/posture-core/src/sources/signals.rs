//! Priority signals as each format carries them (see [`Signals`]). A record
//! with several vulnerabilities says yes when any says yes, no when none
//! says yes and one says no; its EPSS score is the highest.

use super::json::{array, number, text};
use super::node::Node;
use crate::model::Signals;

/// `a` and `b` together: yes if either is yes, no if either is no.
pub fn either(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), _) | (_, Some(false)) => Some(false),
        _ => None,
    }
}

/// The higher of two scores.
pub fn highest(a: Option<f32>, b: Option<f32>) -> Option<f32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

impl Signals {
    /// These signals with one more vulnerability's.
    pub fn with(self, exploit: Option<bool>, fix: Option<bool>, epss: Option<f32>) -> Signals {
        Signals {
            exploit: either(self.exploit, exploit),
            fix: either(self.fix, fix),
            kev: self.kev,
            epss: highest(self.epss, epss),
        }
    }
}

/// ASFF `Vulnerabilities[]`: `ExploitAvailable`, `FixAvailable` (else yes
/// when a package names its `FixedInVersion`), `EpssScore`.
pub fn asff(v: &Node) -> Signals {
    array(v, &["Vulnerabilities"])
        .iter()
        .fold(Signals::default(), |s, vuln| {
            let fix = text(vuln, &["FixAvailable"]).and_then(|w| Signals::yes_no(&w));
            let fixed_package = array(vuln, &["VulnerablePackages"])
                .iter()
                .any(|p| text(p, &["FixedInVersion"]).is_some_and(|f| !f.trim().is_empty()));
            s.with(
                text(vuln, &["ExploitAvailable"]).and_then(|w| Signals::yes_no(&w)),
                fix.or(fixed_package.then_some(true)),
                number(vuln, &["EpssScore"]).and_then(Signals::epss_of),
            )
        })
}

/// Inspector v2: `exploitAvailable`, `fixAvailable`, `epss.score`.
pub fn inspector(v: &Node) -> Signals {
    Signals::default().with(
        text(v, &["exploitAvailable"]).and_then(|w| Signals::yes_no(&w)),
        text(v, &["fixAvailable"]).and_then(|w| Signals::yes_no(&w)),
        number(v, &["epss", "score"]).and_then(Signals::epss_of),
    )
}

/// OCSF `vulnerabilities[]`: `is_exploit_available`, `is_fix_available`
/// (`fix_available` before OCSF 1.4), `cve.epss.score`.
pub fn ocsf(v: &Node) -> Signals {
    array(v, &["vulnerabilities"])
        .iter()
        .fold(Signals::default(), |s, vuln| {
            let flag = |key: &str| vuln.get(key).and_then(Node::as_bool);
            s.with(
                flag("is_exploit_available"),
                flag("is_fix_available").or_else(|| flag("fix_available")),
                number(vuln, &["cve", "epss", "score"]).and_then(Signals::epss_of),
            )
        })
}

/// Grype's `vulnerability`: `fix.state` (`fixed`; `not-fixed` and
/// `wont-fix` say no), a `knownExploited` entry (KEV), `epss[].epss`.
pub fn grype(vulnerability: Option<&Node>) -> Signals {
    let Some(v) = vulnerability else {
        return Signals::default();
    };
    let fix = text(v, &["fix", "state"]).and_then(|state| {
        match state.trim().to_ascii_lowercase().as_str() {
            "fixed" => Some(true),
            "not-fixed" | "wont-fix" => Some(false),
            _ => None,
        }
    });
    let epss = array(v, &["epss"])
        .iter()
        .filter_map(|e| number(e, &["epss"]).and_then(Signals::epss_of))
        .fold(None, |best, e| highest(best, Some(e)));
    Signals {
        exploit: None,
        fix,
        kev: !array(v, &["knownExploited"]).is_empty(),
        epss,
    }
}

/// Trivy and Trivy-Operator: a fixed version named, or not.
pub fn fixed_version(fixed: &str) -> Signals {
    Signals {
        fix: Some(!fixed.trim().is_empty()),
        ..Signals::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node_of(v: &serde_json::Value) -> Node<'_> {
        Node::of_value(v)
    }

    #[test]
    fn asff_vulnerabilities_are_read_together() {
        let v = json!({"Vulnerabilities": [
            {"ExploitAvailable": "NO", "FixAvailable": "NO", "EpssScore": 0.2},
            {"ExploitAvailable": "YES", "VulnerablePackages": [{"FixedInVersion": "1.2"}], "EpssScore": "0.7"},
        ]});
        let s = asff(&node_of(&v));
        assert_eq!(s.exploit, Some(true));
        assert_eq!(s.fix, Some(true));
        assert_eq!(s.epss, Some(0.7));
        let none = json!({"Vulnerabilities": [{"Id": "CVE-1"}]});
        assert_eq!(asff(&node_of(&none)), Signals::default());
        let bad = json!({"Vulnerabilities": [{"EpssScore": 75}, "junk"]});
        assert_eq!(asff(&node_of(&bad)).epss, None);
    }

    #[test]
    fn grype_fix_states_kev_and_epss() {
        let v = json!({"fix": {"state": "not-fixed"}, "knownExploited": [{"cve": "CVE-1"}],
                       "epss": [{"epss": 0.1}, {"epss": 0.3}, {"epss": "x"}]});
        let s = grype(Some(&node_of(&v)));
        assert_eq!((s.fix, s.kev, s.epss), (Some(false), true, Some(0.3)));
        let unknown = json!({"fix": {"state": "unknown"}});
        assert_eq!(grype(Some(&node_of(&unknown))), Signals::default());
    }

    #[test]
    fn ocsf_flags() {
        let v = json!({"vulnerabilities": [{"is_exploit_available": true, "fix_available": false,
                        "cve": {"epss": {"score": "0.015"}}}]});
        let s = ocsf(&node_of(&v));
        assert_eq!(
            (s.exploit, s.fix, s.epss),
            (Some(true), Some(false), Some(0.015))
        );
    }
}
