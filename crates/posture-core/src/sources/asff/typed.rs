//! ASFF records of the usual shape read straight from their text into
//! [`Fields`]: only the members posture uses are kept, everything else is
//! skipped without being built (building each record's whole tree, then
//! looking members up in it, was a third of parsing a large page).
//!
//! Only the usual shape is read here: every member posture uses is a string
//! (or, for `Severity.Normalized`, a number) and every container is what
//! ASFF says it is. A record of any other shape (a number where a string
//! belongs, `null`, a repeated member, a record that might be another
//! format's) is left to the tree, which reads every shape; so both give the
//! same finding for any record.

use std::borrow::Cow;

use serde::Deserialize;

use super::Fields;
use crate::model::Timestamp;
use crate::sources::draft::Draft;

/// The record's members posture reads; `Present` ones only to tell formats apart.
/// (Each struct's `'de: 'a` bound lets its [`Text`]s borrow from the record.)
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct Record<'a> {
    id: Option<Text<'a>>,
    product_arn: Option<Text<'a>>,
    #[serde(default)]
    schema_version: Present,
    aws_account_id: Option<Text<'a>>,
    #[serde(default)]
    severity: Nullable<Obj<SeverityField<'a>>>,
    record_state: Option<Text<'a>>,
    workflow: Option<Obj<Status<'a>>>,
    compliance: Option<Obj<Compliance<'a>>>,
    product_fields: Option<Obj<ProductFields<'a>>>,
    vulnerabilities: Option<Vec<Obj<Vulnerability<'a>>>>,
    generator_id: Option<Text<'a>>,
    title: Option<Text<'a>>,
    description: Option<Text<'a>>,
    resources: Option<Vec<Obj<Resource<'a>>>>,
    region: Option<Text<'a>>,
    remediation: Option<Obj<Remediation<'a>>>,
    first_observed_at: Option<Text<'a>>,
    created_at: Option<Text<'a>>,
    last_observed_at: Option<Text<'a>>,
    updated_at: Option<Text<'a>>,
    // Members another format is recognised by (see `sources::detect`).
    #[serde(rename = "apiVersion", default)]
    api_version: Present,
    #[serde(rename = "posture_snapshot", default)]
    posture_snapshot: Present,
    #[serde(rename = "summaryDetails", default)]
    summary_details: Present,
    #[serde(rename = "results", default)]
    results: Present,
    #[serde(rename = "clusterAPIServerInfo", default)]
    cluster_api_server_info: Present,
}

/// An object, only: serde reads a struct from an array too (`[null, 1]`
/// as `{"Label": null, "Normalized": 1}`), which the tree never does.
struct Obj<T>(T);

impl<T> std::ops::Deref for Obj<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Whether a member is there, whatever its value, `null` included (its
/// value is skipped, not built).
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Present(true))
    }
}

/// A member that may be missing, `null`, or a value.
#[derive(Default)]
enum Nullable<T> {
    #[default]
    Missing,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(|v| v.map_or(Nullable::Null, Nullable::Value))
    }
}

/// Tag names and values, as they come (a map of strings).
struct Tags<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Tags<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Tags<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Tags<'a>, A::Error> {
                let mut tags = Vec::new();
                while let Some((k, v)) = map.next_entry::<Text, Text>()? {
                    tags.push((k.0, v.0));
                }
                Ok(Tags(tags))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A string, borrowed from the record when it has no escapes.
#[derive(Clone)]
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct SeverityField<'a> {
    label: Option<Text<'a>>,
    normalized: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct Status<'a> {
    status: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct Compliance<'a> {
    status: Option<Text<'a>>,
    security_control_id: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct ProductFields<'a> {
    control_id: Option<Text<'a>>,
    rule_id: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct Vulnerability<'a> {
    id: Option<Text<'a>>,
    vulnerable_packages: Option<Vec<Obj<Package<'a>>>>,
    /// Inspector's findings in Lambda code (their count is all that counts).
    code_vulnerabilities: Option<Vec<serde::de::IgnoredAny>>,
    exploit_available: Option<Text<'a>>,
    fix_available: Option<Text<'a>>,
    epss_score: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct Package<'a> {
    name: Option<Text<'a>>,
    version: Option<Text<'a>>,
    fixed_in_version: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct Resource<'a> {
    id: Option<Text<'a>>,
    r#type: Option<Text<'a>>,
    region: Option<Text<'a>>,
    details: Option<Obj<Details<'a>>>,
    tags: Option<Tags<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct Details<'a> {
    aws_eks_cluster: Option<Obj<Named<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct Named<'a> {
    name: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct Remediation<'a> {
    recommendation: Option<Obj<Recommendation<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct Recommendation<'a> {
    text: Option<Text<'a>>,
    url: Option<Text<'a>>,
}

/// The record's [`Fields`], or `None` when it is not an ASFF record of the
/// usual shape (then the tree reads it).
pub fn fields(text: &str) -> Option<Fields<'_>> {
    let Obj(r) = serde_json::from_str::<Obj<Record>>(text).ok()?;
    let other_format = r.api_version.0
        || r.posture_snapshot.0
        || r.summary_details.0
        || r.results.0
        || r.cluster_api_server_info.0;
    let severity = match &r.severity {
        Nullable::Missing => None,
        Nullable::Null => return None,
        Nullable::Value(s) => Some(s),
    };
    let asff = r.product_arn.is_some()
        || (r.schema_version.0 && r.id.is_some())
        || (r.aws_account_id.is_some() && severity.is_some());
    if other_format || !asff {
        return None;
    }
    let resource = r.resources.as_ref().and_then(|list| list.first());
    let vulnerability = r.vulnerabilities.as_ref().and_then(|list| list.first());
    let tags = match resource.and_then(|res| res.tags.as_ref()) {
        Some(Tags(tags)) if has_repeats(tags) => return None,
        Some(Tags(tags)) => tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        None => Vec::new(),
    };
    Some(Fields {
        label: severity.and_then(|s| cow(&s.label)),
        normalized: severity.and_then(|s| s.normalized),
        has_severity: severity.is_some(),
        product: cow(&r.product_arn).unwrap_or_default(),
        record_state: cow(&r.record_state),
        workflow_status: r.workflow.as_ref().and_then(|w| cow(&w.status)),
        compliance_status: r.compliance.as_ref().and_then(|c| cow(&c.status)),
        vulnerability_id: vulnerability.and_then(|v| cow(&v.id)).unwrap_or_default(),
        packages: vulnerability
            .and_then(|v| v.vulnerable_packages.as_ref())
            .map(|list| {
                list.iter()
                    .filter_map(|p| {
                        Some((
                            cow(&p.name)?,
                            cow(&p.version).unwrap_or_default(),
                            cow(&p.fixed_in_version).unwrap_or_default(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        draft: Draft {
            rule_id: first_non_blank([
                r.compliance
                    .as_ref()
                    .and_then(|c| cow(&c.security_control_id)),
                r.product_fields.as_ref().and_then(|p| cow(&p.control_id)),
                r.product_fields.as_ref().and_then(|p| cow(&p.rule_id)),
                vulnerability.and_then(|v| cow(&v.id)),
                cow(&r.generator_id),
            ]),
            resource: first_non_blank([resource.and_then(|res| cow(&res.id))]),
            namespace: resource
                .and_then(|res| res.details.as_ref())
                .and_then(|d| d.aws_eks_cluster.as_ref())
                .and_then(|c| cow(&c.name))
                .unwrap_or_default(),
            region: first_non_blank([cow(&r.region), resource.and_then(|res| cow(&res.region))]),
            remediation_text: recommendation(&r, |rec| cow(&rec.text)),
            remediation_url: recommendation(&r, |rec| cow(&rec.url)),
            first_seen: time(&r.first_observed_at).or_else(|| time(&r.created_at)),
            last_seen: time(&r.last_observed_at).or_else(|| time(&r.updated_at)),
            tags,
            title: cow(&r.title).unwrap_or_default(),
            description: cow(&r.description).unwrap_or_default(),
            account: cow(&r.aws_account_id).unwrap_or_default(),
            layer: super::layer_of(
                vulnerability
                    .and_then(|v| v.code_vulnerabilities.as_ref())
                    .is_some_and(|c| !c.is_empty()),
                resource.and_then(|res| cow(&res.r#type)).as_deref(),
            ),
            signals: signals(r.vulnerabilities.as_deref().unwrap_or_default()),
            ..Draft::default()
        },
        id: cow(&r.id),
    })
}

/// As `sources::signals::asff` reads them from the tree.
fn signals(vulnerabilities: &[Obj<Vulnerability>]) -> crate::model::Signals {
    use crate::model::Signals;
    let yes_no = |t: &Option<Text>| t.as_ref().and_then(|t| Signals::yes_no(&t.0));
    vulnerabilities.iter().fold(Signals::default(), |s, v| {
        let fixed_package = v.vulnerable_packages.iter().flatten().any(|p| {
            p.fixed_in_version
                .as_ref()
                .is_some_and(|f| !f.0.trim().is_empty())
        });
        s.with(
            yes_no(&v.exploit_available),
            yes_no(&v.fix_available).or(fixed_package.then_some(true)),
            v.epss_score.and_then(Signals::epss_of),
        )
    })
}

fn recommendation<'a>(
    r: &Record<'a>,
    field: impl Fn(&Recommendation<'a>) -> Option<Cow<'a, str>>,
) -> Cow<'a, str> {
    r.remediation
        .as_ref()
        .and_then(|rem| rem.recommendation.as_ref())
        .and_then(|rec| field(rec))
        .unwrap_or_default()
}

/// As `json::first_text`: the first that is not blank, or "".
fn first_non_blank<'a, const N: usize>(texts: [Option<Cow<'a, str>>; N]) -> Cow<'a, str> {
    texts
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty())
        .unwrap_or_default()
}

fn time(text: &Option<Text>) -> Option<Timestamp> {
    text.as_ref().and_then(|t| Timestamp::parse(&t.0))
}

/// The text of a member, if it was a string.
fn cow<'a>(text: &Option<Text<'a>>) -> Option<Cow<'a, str>> {
    text.as_ref().map(|t| t.0.clone())
}

/// Whether a tag name comes twice (the tree keeps the last value: left to it).
fn has_repeats(tags: &[(Cow<str>, Cow<str>)]) -> bool {
    let mut names: Vec<&str> = tags.iter().map(|(k, _)| k.as_ref()).collect();
    names.sort_unstable();
    names.windows(2).any(|w| w[0] == w[1])
}
