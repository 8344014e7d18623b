//! The scanners teams run beside Security Hub and the Kubernetes operators:
//! Trivy, Grype, kube-bench, Popeye, Prowler, Amazon Inspector and any SARIF
//! code scanner. Each is recognised by its content, as the other formats are.

pub mod grype;
pub mod inspector;
pub mod kube_bench;
pub mod popeye;
pub mod prowler;
pub mod sarif;
pub mod split;
pub mod trivy;

use crate::model::{Finding, Fingerprint, Source};

/// Gives each repeat of a fingerprint within one input a fingerprint of its
/// own (two equal entries are two findings): the first keeps its own, the
/// n-th after it is `(source, fingerprint, "#n")`, in input order, so the
/// numbering is the same at every read. Only the scanners' findings are
/// looked at: the other formats make their identities unique themselves.
pub(crate) fn number_repeats(findings: &mut [Finding]) {
    let scanner = |f: &Finding| {
        !matches!(
            f.source,
            Source::Securityhub | Source::Kubescape | Source::Starboard
        )
    };
    if !findings.iter().any(scanner) {
        return;
    }
    let mut seen: foldhash::HashMap<Fingerprint, usize> = foldhash::HashMap::default();
    for f in findings.iter_mut().filter(|f| scanner(f)) {
        let n = seen.entry(f.fingerprint.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let nth = format!("#{}", *n - 1);
            f.fingerprint = Fingerprint::from_parts(f.source, &[f.fingerprint.as_str(), &nth]);
        }
    }
}
