//! The scanners teams run beside Security Hub and the Kubernetes operators:
//! Trivy, Grype, kube-bench, Popeye, Prowler, Amazon Inspector and any SARIF
//! code scanner. Each is recognised by its content, as the other formats are.

pub mod grype;
pub mod inspector;
pub mod kube_bench;
pub mod popeye;
pub mod prowler;
pub mod sarif;
pub mod trivy;

/// Numbers the repeats of one identity within a record (two equal entries
/// are two findings): the first is `""`, then `"#1"`, `"#2"`, … so the
/// first keeps the identity it would have alone.
#[derive(Default)]
pub(crate) struct Repeats(foldhash::HashMap<String, usize>);

impl Repeats {
    pub(crate) fn mark(&mut self, identity: &[&str]) -> String {
        let n = self.0.entry(identity.join("\u{1f}")).or_insert(0);
        *n += 1;
        if *n == 1 {
            String::new()
        } else {
            format!("#{}", *n - 1)
        }
    }
}
