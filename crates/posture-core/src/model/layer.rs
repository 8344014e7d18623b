//! The 4C model's layers: where in the stack a finding lives.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Cloud, cluster, container or code. Ordered from the outside in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// Cloud accounts and their services (Security Hub, Prowler's cloud
    /// providers, Inspector on EC2).
    #[default]
    Cloud,
    /// The Kubernetes cluster: its configuration, RBAC, CIS benchmark.
    Cluster,
    /// Images and what runs in them: vulnerabilities and secrets.
    Container,
    /// Source, dependencies and infrastructure as code.
    Code,
}

impl Layer {
    pub const ALL: [Layer; 4] = [Layer::Cloud, Layer::Cluster, Layer::Container, Layer::Code];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Cloud => "cloud",
            Layer::Cluster => "cluster",
            Layer::Container => "container",
            Layer::Code => "code",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown layer {0:?} (expected cloud, cluster, container or code)")]
pub struct UnknownLayer(pub String);

impl FromStr for Layer {
    type Err = UnknownLayer;
    fn from_str(s: &str) -> Result<Layer, UnknownLayer> {
        let want = s.trim().to_ascii_lowercase();
        Layer::ALL
            .into_iter()
            .find(|l| l.as_str() == want)
            .ok_or_else(|| UnknownLayer(s.to_string()))
    }
}
