//! The SDK's finding types back to ASFF JSON, so that a live finding goes
//! through the same parser as a file (one code path per format).
//!
//! Only what posture reads and shows is kept: `Resources[].Details` alone can
//! be tens of kilobytes per finding and would make the cache huge.

use aws_sdk_securityhub::types::AwsSecurityFinding;
use aws_smithy_types::{Document, Number};
use serde_json::{Map, Value, json};

/// Inserts `key: value` when the value is present.
fn put(m: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        m.insert(key.to_string(), Value::String(v.to_string()));
    }
}

fn strings(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

fn string_map(map: Option<&std::collections::HashMap<String, String>>) -> Option<Value> {
    let map = map?;
    let mut sorted: Vec<(&String, &String)> = map.iter().collect();
    sorted.sort();
    Some(Value::Object(
        sorted
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    ))
}

pub fn finding(f: &AwsSecurityFinding) -> Value {
    let mut m = Map::new();
    put(&mut m, "SchemaVersion", f.schema_version());
    put(&mut m, "Id", f.id());
    put(&mut m, "ProductArn", f.product_arn());
    put(&mut m, "ProductName", f.product_name());
    put(&mut m, "CompanyName", f.company_name());
    put(&mut m, "Region", f.region());
    put(&mut m, "GeneratorId", f.generator_id());
    put(&mut m, "AwsAccountId", f.aws_account_id());
    put(&mut m, "AwsAccountName", f.aws_account_name());
    if !f.types().is_empty() {
        m.insert("Types".into(), strings(f.types()));
    }
    put(&mut m, "FirstObservedAt", f.first_observed_at());
    put(&mut m, "LastObservedAt", f.last_observed_at());
    put(&mut m, "CreatedAt", f.created_at());
    put(&mut m, "UpdatedAt", f.updated_at());
    if let Some(s) = f.severity() {
        let mut sev = Map::new();
        put(&mut sev, "Label", s.label().map(|l| l.as_str()));
        if let Some(n) = s.normalized() {
            sev.insert("Normalized".into(), json!(n));
        }
        put(&mut sev, "Original", s.original());
        m.insert("Severity".into(), Value::Object(sev));
    }
    put(&mut m, "Title", f.title());
    put(&mut m, "Description", f.description());
    if let Some(r) = f.remediation().and_then(|r| r.recommendation()) {
        let mut rec = Map::new();
        put(&mut rec, "Text", r.text());
        put(&mut rec, "Url", r.url());
        m.insert("Remediation".into(), json!({ "Recommendation": rec }));
    }
    put(&mut m, "SourceUrl", f.source_url());
    if let Some(pf) = string_map(f.product_fields()) {
        m.insert("ProductFields".into(), pf);
    }
    if let Some(resources) = f.resources.as_deref() {
        let list = resources
            .iter()
            .map(|r| {
                let mut o = Map::new();
                put(&mut o, "Type", r.r#type());
                put(&mut o, "Id", r.id());
                put(&mut o, "Partition", r.partition().map(|p| p.as_str()));
                put(&mut o, "Region", r.region());
                if let Some(tags) = string_map(r.tags()) {
                    o.insert("Tags".into(), tags);
                }
                // The EKS cluster name is the only detail the parser reads.
                if let Some(name) = r
                    .details()
                    .and_then(|d| d.aws_eks_cluster())
                    .and_then(|c| c.name())
                {
                    o.insert(
                        "Details".into(),
                        json!({ "AwsEksCluster": { "Name": name } }),
                    );
                }
                Value::Object(o)
            })
            .collect();
        m.insert("Resources".into(), Value::Array(list));
    }
    if let Some(c) = f.compliance() {
        let mut o = Map::new();
        put(&mut o, "Status", c.status().map(|s| s.as_str()));
        put(&mut o, "SecurityControlId", c.security_control_id());
        if !c.related_requirements().is_empty() {
            o.insert(
                "RelatedRequirements".into(),
                strings(c.related_requirements()),
            );
        }
        m.insert("Compliance".into(), Value::Object(o));
    }
    if let Some(status) = f.workflow().and_then(|w| w.status()) {
        m.insert("Workflow".into(), json!({ "Status": status.as_str() }));
    }
    put(&mut m, "RecordState", f.record_state().map(|s| s.as_str()));
    if let Some(n) = f.note() {
        let mut o = Map::new();
        put(&mut o, "Text", n.text());
        put(&mut o, "UpdatedBy", n.updated_by());
        put(&mut o, "UpdatedAt", n.updated_at());
        m.insert("Note".into(), Value::Object(o));
    }
    if let Some(vulns) = f.vulnerabilities.as_deref() {
        let list = vulns
            .iter()
            .map(|v| {
                let pkgs: Vec<Value> = v
                    .vulnerable_packages()
                    .iter()
                    .map(|p| {
                        let mut o = Map::new();
                        put(&mut o, "Name", p.name());
                        put(&mut o, "Version", p.version());
                        put(&mut o, "FixedInVersion", p.fixed_in_version());
                        Value::Object(o)
                    })
                    .collect();
                let mut o = Map::new();
                put(&mut o, "Id", v.id());
                o.insert("VulnerablePackages".into(), Value::Array(pkgs));
                Value::Object(o)
            })
            .collect();
        m.insert("Vulnerabilities".into(), Value::Array(list));
    }
    Value::Object(m)
}

/// GetFindingsV2 returns OCSF documents as untyped documents.
pub fn document(d: &Document) -> Value {
    match d {
        Document::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), document(&o[k])))
                    .collect(),
            )
        }
        Document::Array(a) => Value::Array(a.iter().map(document).collect()),
        Document::Number(Number::PosInt(n)) => json!(n),
        Document::Number(Number::NegInt(n)) => json!(n),
        Document::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        Document::String(s) => Value::String(s.clone()),
        Document::Bool(b) => Value::Bool(*b),
        Document::Null => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_securityhub::types::{Resource, Severity, SeverityLabel, Workflow, WorkflowStatus};

    #[test]
    fn sdk_finding_parses_like_the_file_form() {
        let f = AwsSecurityFinding::builder()
            .schema_version("2018-10-08")
            .id("arn:finding/1")
            .product_arn("arn:aws:securityhub:eu-west-1::product/aws/securityhub")
            .aws_account_id("111122223333")
            .region("eu-west-1")
            .title("S3 bucket is public")
            .severity(Severity::builder().label(SeverityLabel::High).build())
            .workflow(Workflow::builder().status(WorkflowStatus::Notified).build())
            .resources(
                Resource::builder()
                    .r#type("AwsS3Bucket")
                    .id("arn:aws:s3:::b")
                    .tags("team", "payments")
                    .build(),
            )
            .build();
        let v = finding(&f);
        let loaded = posture_core::sources::parse_values(std::path::Path::new("live"), [v]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let got = &loaded.findings[0];
        assert_eq!(got.severity, posture_core::model::Severity::High);
        assert_eq!(got.resource.original(), "arn:aws:s3:::b");
        assert_eq!(got.tag("team"), Some("payments"));
        assert!(got.open);
    }

    #[test]
    fn documents_become_json() {
        let d = Document::Object(
            [
                ("a".to_string(), Document::Number(Number::PosInt(3))),
                (
                    "b".to_string(),
                    Document::Array(vec![Document::String("x".into()), Document::Null]),
                ),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(document(&d), json!({"a": 3, "b": ["x", null]}));
    }
}
