//! Live Security Hub against real local endpoints: moto's server (installed
//! and started by the test itself) for paging, regions and the cache; a
//! scripted HTTP server for errors, aggregation and connections that die.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::http::{Reply, TestServer};
use crate::common::moto::Moto;

const ACCOUNT: &str = "123456789012";

/// A finding as a scanner would import it, with resource details (they make
/// the SDK's types deep: a debug build must still read them on 2 MB stacks).
fn asff(region: &str, i: usize, severity: &str, workflow: &str, record: &str) -> Value {
    json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("arn:aws:securityhub:{region}:{ACCOUNT}:finding/posture-test-{i}"),
        "ProductArn": format!("arn:aws:securityhub:{region}::product/aws/securityhub"),
        "GeneratorId": format!("control/EC2.{}", i % 20),
        "AwsAccountId": ACCOUNT,
        "Region": region,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": "2026-11-01T10:00:00Z",
        "UpdatedAt": "2026-11-20T10:00:00Z",
        "Severity": {"Label": severity},
        "Title": format!("Test finding {i} in {region}"),
        "Description": "EC2 instances should not have a public IPv4 address",
        "Compliance": {"Status": "FAILED", "SecurityControlId": format!("EC2.{}", i % 20)},
        "Workflow": {"Status": workflow},
        "RecordState": record,
        "Resources": [{
            "Type": "AwsEc2Instance",
            "Id": format!("arn:aws:ec2:{region}:{ACCOUNT}:instance/i-{i:08x}"),
            "Region": region,
            "Partition": "aws",
            "Tags": {"team": format!("team-{}", i % 3)},
            "Details": {"AwsEc2Instance": {
                "Type": "t3.micro",
                "ImageId": "ami-0abcdef1234567890",
                "IpV4Addresses": ["10.0.0.1", "54.1.2.3"],
                "VpcId": "vpc-0123",
                "SubnetId": "subnet-0123",
                "LaunchedAt": "2026-10-01T10:00:00Z",
                "NetworkInterfaces": [{"NetworkInterfaceId": "eni-0123"}],
                "MetadataOptions": {"HttpEndpoint": "enabled", "HttpTokens": "optional"}
            }}
        }]
    })
}

/// `n` findings in a region; every 7th resolved, every 11th archived, every
/// 13th suppressed. Returns them and the resource ids of the open ones.
fn seed_set(region: &str, base: usize, n: usize) -> (Vec<Value>, Vec<String>) {
    let sevs = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"];
    let mut all = Vec::new();
    let mut open = Vec::new();
    for k in 0..n {
        let i = base + k;
        let (workflow, record) = match i {
            _ if i.is_multiple_of(7) => ("RESOLVED", "ACTIVE"),
            _ if i.is_multiple_of(11) => ("NEW", "ARCHIVED"),
            _ if i.is_multiple_of(13) => ("SUPPRESSED", "ACTIVE"),
            _ if i.is_multiple_of(2) => ("NOTIFIED", "ACTIVE"),
            _ => ("NEW", "ACTIVE"),
        };
        let f = asff(region, i, sevs[i % sevs.len()], workflow, record);
        if record == "ACTIVE" && matches!(workflow, "NEW" | "NOTIFIED") {
            open.push(f["Resources"][0]["Id"].as_str().unwrap().to_string());
        }
        all.push(f);
    }
    (all, open)
}

type Env = crate::common::env::TestEnv;

/// `posture list --securityhub --format json` against `url`, in `regions`.
fn pull(env: &Env, url: &str, regions: &str, extra: &[&str]) -> std::process::Output {
    env.posture()
        .args([
            "list",
            "--securityhub",
            "--format",
            "json",
            "--endpoint-url",
            url,
        ])
        .args(["--region", regions])
        .args(extra)
        .output()
        .unwrap()
}

/// The cache file of `api` for this account: the tests' endpoint is not
/// AWS's own, so the API's directory is keyed by it (`API-endpoint-HASH`).
fn cache_file(env: &Env, api: &str, name: &str) -> PathBuf {
    let prefix = format!("{api}-endpoint-");
    std::fs::read_dir(env.cache_dir())
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path().join(ACCOUNT).join(name))
        .unwrap_or_else(|| panic!("no {prefix}* cache"))
}

fn resources(out: &[u8]) -> Vec<String> {
    let v: Value = serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)));
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource"].as_str().unwrap().to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Also the proof for the SDK's stack trap: this debug build deserialises
/// findings with `Resources[].Details` on the live thread's 2 MiB stacks.
#[test]
fn moto_every_open_finding_of_every_region_arrives_once() {
    let moto = Moto::start();
    let (eu, mut want) = seed_set("eu-west-1", 0, 150);
    let (us, want_us) = seed_set("us-east-1", 1000, 130);
    moto.seed("eu-west-1", &eu);
    moto.seed("us-east-1", &us);
    want.extend(want_us);
    assert!(want.len() >= 180);

    let env = Env::new();
    let out = env
        .posture()
        .args([
            "list",
            "--securityhub",
            "--format",
            "json",
            "--endpoint-url",
        ])
        .arg(&moto.url)
        .args(["--region", "eu-west-1", "--region", "us-east-1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let got = resources(&out.stdout);
    // Exactly once each: moto ignores the server-side filters, the client-side ones hold.
    assert_eq!(sorted(got.clone()), sorted(want.clone()), "{stderr}");

    // The same through --all shows the closed ones too (280 in all).
    let out = pull(
        &env,
        &moto.url,
        "eu-west-1,us-east-1",
        &["--all", "--no-cache"],
    );
    assert!(out.status.success());
    assert_eq!(resources(&out.stdout).len(), 280);

    // A severity floor applies to what arrives.
    let out = pull(&env, &moto.url, "eu-west-1", &["--severity", "critical"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!v.as_array().unwrap().is_empty());
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "critical")
    );
}

#[test]
fn moto_second_start_reads_the_cache_and_merges_what_changed() {
    let moto = Moto::start();
    let (eu, want) = seed_set("eu-west-1", 0, 120);
    moto.seed("eu-west-1", &eu);
    let env = Env::new();
    let list = |env: &Env| pull(env, &moto.url, "eu-west-1", &[]);
    let first = list(&env);
    assert!(first.status.success());
    assert_eq!(sorted(resources(&first.stdout)), sorted(want.clone()));
    let cache = cache_file(&env, "securityhub", "eu-west-1.open.json");
    let cached: Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    // The cache keeps what the server sent (moto ignores filters: all 120).
    assert_eq!(cached["records"].as_array().unwrap().len(), eu.len());

    // One finding resolved, one new: the refresh merges both.
    let open_one = eu
        .iter()
        .find(|f| f["Workflow"]["Status"] == "NEW" && f["RecordState"] == "ACTIVE")
        .unwrap();
    let mut resolved = open_one.clone();
    resolved["Workflow"]["Status"] = json!("RESOLVED");
    resolved["UpdatedAt"] = json!("2026-11-24T09:00:00Z");
    let added = asff("eu-west-1", 5001, "HIGH", "NEW", "ACTIVE");
    moto.seed("eu-west-1", &[resolved.clone(), added.clone()]);

    let second = list(&env);
    assert!(second.status.success());
    let got = sorted(resources(&second.stdout));
    let gone = resolved["Resources"][0]["Id"].as_str().unwrap();
    let new = added["Resources"][0]["Id"].as_str().unwrap();
    let mut expected: Vec<String> = want.into_iter().filter(|r| r != gone).collect();
    expected.push(new.to_string());
    assert_eq!(got, sorted(expected));
}

#[test]
fn moto_sync_is_refused_without_batch_update_and_says_so() {
    // moto has no BatchUpdateFindings: the sync must report per-finding failures, not crash.
    let moto = Moto::start();
    let (eu, _) = seed_set("eu-west-1", 1, 3);
    moto.seed("eu-west-1", &eu);
    let env = Env::new();
    let triage = env.dir.path().join("triage.toml");
    let fp = {
        let out = pull(&env, &moto.url, "eu-west-1", &[]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v[0]["fingerprint"].as_str().unwrap().to_string()
    };
    let set = env
        .posture()
        .arg("--triage-file")
        .arg(&triage)
        .args([
            "triage",
            "set",
            &fp,
            "--status",
            "acknowledged",
            "--note",
            "looking",
        ])
        .output()
        .unwrap();
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let before = std::fs::read(&triage).unwrap();
    let out = env
        .posture()
        .arg("--triage-file")
        .arg(&triage)
        .args(["triage", "sync", "--securityhub"])
        .args(["--endpoint-url", &moto.url, "--region", "eu-west-1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("1 finding") && stdout.contains("NOTIFIED"),
        "{stdout}"
    );
    assert!(stderr.contains("BatchUpdateFindings"), "{stderr}");
    // Nothing local changes because of a failed sync.
    assert_eq!(std::fs::read(&triage).unwrap(), before);
}

// ---- a scripted endpoint: errors, aggregation, a connection that dies ----

fn page(findings: &[Value], next: Option<&str>) -> Reply {
    let mut body = json!({ "Findings": findings });
    if let Some(t) = next {
        body["NextToken"] = json!(t);
    }
    Reply::json(200, &body)
}

fn sts_identity() -> Reply {
    Reply::xml(
        200,
        &format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/t</Arn>\
             <UserId>AID</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
        ),
    )
}

fn no_aggregators() -> Reply {
    Reply::json(200, &json!({"FindingAggregators": []}))
}

/// A Security Hub without aggregators whose GetFindings answer depends on
/// the region asked.
fn findings_by_region(answer: impl Fn(&str) -> Reply + Send + Sync + 'static) -> TestServer {
    TestServer::start(move |req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/") => sts_identity(),
        ("GET", "/findingAggregator/list") => no_aggregators(),
        ("POST", "/findings") => answer(&req.region()),
        _ => Reply::json(404, &json!({})),
    })
}

#[test]
fn endpoint_dying_mid_pull_gives_a_clear_error_and_keeps_what_arrived() {
    let first: Vec<Value> = (0..100)
        .map(|i| asff("eu-west-1", i, "HIGH", "NEW", "ACTIVE"))
        .collect();
    let server = TestServer::start(move |req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/") => sts_identity(),
        ("GET", "/findingAggregator/list") => no_aggregators(),
        ("POST", "/findings") if !req.body.contains("NextToken") => page(&first, Some("p2")),
        ("POST", "/findings") => Reply::Hangup,
        _ => Reply::json(404, &json!({"message": "no route"})),
    });
    let env = Env::new();
    let out = pull(&env, &server.url, "eu-west-1", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(resources(&out.stdout).len(), 100, "{stderr}");
    assert!(stderr.contains("eu-west-1"), "{stderr}");
    assert!(
        stderr.contains("100 findings arrived before it failed"),
        "{stderr}"
    );
    // A failed first pull is not cached as if it were complete.
    assert!(!env.cache_dir().exists(), "--no-cache wrote a cache");
}

#[test]
fn throttling_denial_and_server_errors_are_named_per_region() {
    let server = findings_by_region(|region| match region {
        "eu-west-1" => Reply::json(
            429,
            &json!({"__type": "TooManyRequestsException", "message": "Rate exceeded"}),
        ),
        "us-east-1" => Reply::json(
            403,
            &json!({"__type": "AccessDeniedException", "message": "not allowed"}),
        ),
        "eu-central-1" => Reply::json(
            401,
            &json!({"__type": "InvalidAccessException", "message": "Account 123456789012 is not subscribed to AWS Security Hub"}),
        ),
        "ap-south-1" => Reply::json(
            500,
            &json!({"__type": "InternalException", "message": "boom"}),
        ),
        _ => page(&[asff(region, 1, "LOW", "NEW", "ACTIVE")], None),
    });
    let env = Env::new();
    let out = pull(
        &env,
        &server.url,
        "eu-west-1,us-east-1,eu-central-1,ap-south-1,sa-east-1",
        &["--no-cache"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    // The healthy region still loads.
    assert_eq!(resources(&out.stdout).len(), 1, "{stderr}");
    let line = |region: &str| {
        stderr
            .lines()
            .find(|l| l.contains(region))
            .unwrap_or_else(|| panic!("no line for {region}: {stderr}"))
            .to_string()
    };
    assert!(line("eu-west-1").contains("throttled"), "{stderr}");
    assert!(
        line("us-east-1").contains("securityhub:GetFindings"),
        "{stderr}"
    );
    assert!(line("eu-central-1").contains("not enabled"), "{stderr}");
    assert!(line("ap-south-1").contains("InternalException"), "{stderr}");
    // Throttling was retried (AWS_MAX_ATTEMPTS=2), not given up at once.
    assert_eq!(
        server.count(|r| r.path == "/findings" && r.region() == "eu-west-1"),
        2
    );
}

#[test]
fn missing_credentials_are_one_clear_message() {
    let server = TestServer::start(|_| Reply::json(500, &json!({})));
    let env = Env::new();
    let out = env
        .posture()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["list", "--securityhub", "--format", "json", "--no-cache"])
        .args(["--endpoint-url", &server.url, "--region", "eu-west-1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no AWS credentials found"), "{stderr}");
    assert_eq!(server.count(|_| true), 0, "nothing is sent unsigned");
}

#[test]
fn a_finding_aggregator_means_one_pull_in_its_home_region() {
    let home = "us-east-1";
    let server = TestServer::start(move |req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/") => sts_identity(),
        ("GET", "/findingAggregator/list") => Reply::json(
            200,
            &json!({"FindingAggregators": [{"FindingAggregatorArn":
                    format!("arn:aws:securityhub:{home}:{ACCOUNT}:finding-aggregator/abc")}]}),
        ),
        ("GET", p) if p.starts_with("/findingAggregator/get/") => Reply::json(
            200,
            &json!({"FindingAggregationRegion": home, "RegionLinkingMode": "ALL_REGIONS", "Regions": []}),
        ),
        ("POST", "/findings") if req.region() == home => page(
            &[
                asff(home, 1, "HIGH", "NEW", "ACTIVE"),
                asff("eu-west-1", 2, "HIGH", "NEW", "ACTIVE"),
                asff("ap-south-1", 3, "HIGH", "NEW", "ACTIVE"),
            ],
            None,
        ),
        ("POST", "/findings") => Reply::json(500, &json!({"message": "must not be asked"})),
        _ => Reply::json(404, &json!({})),
    });
    let env = Env::new();
    let out = pull(&env, &server.url, "eu-west-1,us-east-1", &["--no-cache"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let regions: BTreeMap<String, usize> =
        v.as_array()
            .unwrap()
            .iter()
            .fold(BTreeMap::new(), |mut m, f| {
                *m.entry(f["region"].as_str().unwrap().to_string())
                    .or_default() += 1;
                m
            });
    // The two listed regions, once each; ap-south-1 was not asked for.
    assert_eq!(
        regions,
        BTreeMap::from([("eu-west-1".to_string(), 1), (home.to_string(), 1)])
    );
    assert_eq!(server.count(|r| r.path == "/findings"), 1);
}

#[test]
fn security_hub_v2_reads_ocsf_documents() {
    let doc = json!({
        "class_uid": 2003, "class_name": "Compliance Finding", "category_uid": 2,
        "severity": "High", "severity_id": 4, "status": "New", "status_id": 1,
        "time": 1732000000000u64,
        "metadata": {"uid": "v2-1", "version": "1.1.0", "product": {"name": "Security Hub", "uid": "arn:aws:securityhub:eu-west-1::productv2/aws/securityhub"}},
        "finding_info": {"uid": "v2-finding-1", "title": "OCSF finding from v2", "desc": "d",
            "created_time_dt": "2026-11-01T10:00:00Z"},
        "cloud": {"provider": "AWS", "region": "eu-west-1", "account": {"uid": ACCOUNT}},
        "resources": [{"uid": "arn:aws:s3:::bucket-v2", "type": "AWS::S3::Bucket"}],
        "compliance": {"status": "Fail", "control": "S3.1"}
    });
    let server = TestServer::start(move |req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/") => sts_identity(),
        ("GET", "/findingAggregator/list") => no_aggregators(),
        ("POST", "/findingsv2") => Reply::json(200, &json!({"Findings": [doc.clone()]})),
        _ => Reply::json(404, &json!({})),
    });
    let env = Env::new();
    let out = env
        .posture()
        .args(["list", "--securityhub-v2", "--format", "json"])
        .args(["--endpoint-url", &server.url, "--region", "eu-west-1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["title"], "OCSF finding from v2", "{v}");
    assert_eq!(v[0]["severity"], "high");
    assert_eq!(v[0]["resource"], "arn:aws:s3:::bucket-v2");
    assert!(cache_file(&env, "securityhub-v2", "eu-west-1.open.json").exists());
}

#[test]
fn refresh_asks_only_for_what_was_updated_since_the_last_pull() {
    let server = TestServer::start(|req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/") => sts_identity(),
        ("GET", "/findingAggregator/list") => no_aggregators(),
        ("POST", "/findings") if req.body.contains("UpdatedAt") => {
            page(&[asff("eu-west-1", 2, "HIGH", "RESOLVED", "ACTIVE")], None)
        }
        ("POST", "/findings") => page(
            &[
                asff("eu-west-1", 1, "HIGH", "NEW", "ACTIVE"),
                asff("eu-west-1", 2, "HIGH", "NEW", "ACTIVE"),
            ],
            None,
        ),
        _ => Reply::json(404, &json!({})),
    });
    let env = Env::new();
    let list = || pull(&env, &server.url, "eu-west-1", &[]);
    assert_eq!(resources(&list().stdout).len(), 2);
    let first = server.last_body("/findings");
    assert!(
        first.contains("WorkflowStatus") && first.contains("RecordState"),
        "{first}"
    );
    let second = list();
    assert!(second.status.success());
    // The resolved one drops out; the untouched one stays from the cache.
    assert_eq!(
        resources(&second.stdout),
        [format!(
            "arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-00000001"
        )]
    );
    let last = server.last_body("/findings");
    assert!(
        last.contains("UpdatedAt") && !last.contains("WorkflowStatus"),
        "{last}"
    );
}

/// A Security Hub control finding with this Id and SecurityControlId.
fn control_finding(id: &str, control: &str) -> Value {
    let mut f = asff("eu-west-1", 7, "HIGH", "NEW", "ACTIVE");
    f["Id"] = json!(id);
    f["Compliance"]["SecurityControlId"] = json!(control);
    f
}

/// The fingerprint of the first finding `list` shows of `file`.
fn first_fingerprint(env: &Env, file: &Path) -> String {
    let out = env
        .posture()
        .args(["list", "--format", "json", "--file"])
        .arg(file)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0]["fingerprint"].as_str().unwrap().to_string()
}

#[test]
fn marks_follow_findings_into_consolidated_control_findings() {
    let env = Env::new();
    let control = |id: &str| control_finding(id, "EC2.9");
    let before = env.dir.path().join("per-standard.json");
    let after = env.dir.path().join("consolidated.json");
    std::fs::write(&before, control("arn:aws:securityhub:eu-west-1:123456789012:subscription/cis-aws-foundations-benchmark/v/1.2.0/4.1/finding/1").to_string()).unwrap();
    std::fs::write(
        &after,
        control("arn:aws:securityhub:eu-west-1:123456789012:security-control/EC2.9/finding/2")
            .to_string(),
    )
    .unwrap();
    let old = first_fingerprint(&env, &before);
    let set = env
        .posture()
        .args([
            "triage",
            "set",
            &old,
            "--status",
            "false-positive",
            "--note",
            "scanner bug",
            "--file",
        ])
        .arg(&before)
        .output()
        .unwrap();
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let triage = env.dir.path().join("data/posture/triage.toml");
    let saved = std::fs::read(&triage).unwrap();
    let list = || {
        env.posture()
            .args(["list", "--format", "json", "--all", "--file"])
            .arg(&after)
            .output()
            .unwrap()
    };
    // A reading command shows the mark on the consolidated finding and says
    // it would move, but writes nothing.
    let out = list();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 triage mark would move"), "{stderr}");
    assert!(stderr.contains("posture triage carry"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(v[0]["fingerprint"].as_str().unwrap(), old);
    assert_eq!(v[0]["status"], "false-positive", "{v}");
    assert_eq!(v[0]["note"], "scanner bug");
    assert_eq!(
        std::fs::read(&triage).unwrap(),
        saved,
        "list wrote the triage file"
    );
    // `triage carry` saves it; then nothing is left to move.
    let carry = env
        .posture()
        .args(["triage", "carry", "--file"])
        .arg(&after)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&carry.stderr);
    assert!(
        carry.status.success() && stderr.contains("carried 1 triage mark"),
        "{stderr}"
    );
    let out = list();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("would move"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["status"], "false-positive", "{v}");
}

#[test]
fn an_account_level_mark_is_not_copied_onto_every_consolidated_finding() {
    let env = Env::new();
    let control = |id: &str| {
        let mut f = control_finding(id, "IAM.6");
        f["Resources"] = json!([{"Type": "AwsAccount", "Id": "AWS::::Account:123456789012"}]);
        f
    };
    let before = env.dir.path().join("per-standard.json");
    let after = env.dir.path().join("consolidated.json");
    std::fs::write(
        &before,
        json!({"Findings": [control("arn:std/cis/finding/1")]}).to_string(),
    )
    .unwrap();
    let many: Vec<Value> = (0..40)
        .map(|i| control(&format!("arn:security-control/IAM.6/finding/{i}")))
        .collect();
    std::fs::write(&after, json!({ "Findings": many }).to_string()).unwrap();
    let old = first_fingerprint(&env, &before);
    let set = env
        .posture()
        .args([
            "triage",
            "set",
            &old,
            "--status",
            "accepted-risk",
            "--note",
            "root MFA",
        ])
        .args(["--expires", "90d", "--file"])
        .arg(&before)
        .output()
        .unwrap();
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let triage = env.dir.path().join("data/posture/triage.toml");
    let saved = std::fs::read(&triage).unwrap();
    for cmd in [&["summary"][..], &["triage", "carry"][..]] {
        let out = env
            .posture()
            .args(cmd)
            .arg("--file")
            .arg(&after)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("would move"), "{cmd:?}: {stderr}");
    }
    assert_eq!(
        std::fs::read(&triage).unwrap(),
        saved,
        "one mark became many"
    );
}

#[test]
fn malformed_answers_and_slow_regions_fail_alone_and_quickly() {
    let server = findings_by_region(|region| match region {
        "eu-west-1" => Reply::Response {
            status: 200,
            content_type: "application/json",
            body: "{\"Findings\": [{\"Id\": ".to_string(),
        },
        "us-east-1" => Reply::Slow(
            std::time::Duration::from_secs(6),
            Box::new(page(&[asff("us-east-1", 1, "LOW", "NEW", "ACTIVE")], None)),
        ),
        _ => page(&[asff(region, 2, "LOW", "NEW", "ACTIVE")], None),
    });
    let env = Env::new();
    let started = std::time::Instant::now();
    let out = pull(
        &env,
        &server.url,
        "eu-west-1,us-east-1,sa-east-1",
        &["--no-cache", "--timeout", "1"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        resources(&out.stdout).len(),
        1,
        "the healthy region loads: {stderr}"
    );
    let line = |r: &str| {
        stderr
            .lines()
            .find(|l| l.contains(r))
            .unwrap_or("")
            .to_string()
    };
    assert!(line("eu-west-1").contains("unreadable answer"), "{stderr}");
    assert!(line("us-east-1").contains("timed out"), "{stderr}");
    // Two attempts of about a second each, not the six seconds the server sleeps.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_failed_refresh_keeps_the_cache_and_shows_it() {
    let fail = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failing = fail.clone();
    // Offline: every connection is closed unanswered, STS's included.
    let offline = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let gone = offline.clone();
    let server = TestServer::start(move |req| match (req.method.as_str(), req.path.as_str()) {
        _ if gone.load(std::sync::atomic::Ordering::SeqCst) => Reply::Hangup,
        ("POST", "/") => sts_identity(),
        ("GET", "/findingAggregator/list") => no_aggregators(),
        ("POST", "/findings") if failing.load(std::sync::atomic::Ordering::SeqCst) => Reply::json(
            500,
            &json!({"__type": "InternalException", "message": "down"}),
        ),
        ("POST", "/findings") => page(
            &(0..5)
                .map(|i| asff("eu-west-1", i, "HIGH", "NEW", "ACTIVE"))
                .collect::<Vec<_>>(),
            None,
        ),
        _ => Reply::json(404, &json!({})),
    });
    let env = Env::new();
    let list = || pull(&env, &server.url, "eu-west-1", &[]);
    assert_eq!(resources(&list().stdout).len(), 5);
    let cache = cache_file(&env, "securityhub", "eu-west-1.open.json");
    let cached = std::fs::read(&cache).unwrap();
    fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let out = list();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("refresh failed, showing the cached pull"),
        "{stderr}"
    );
    assert_eq!(resources(&out.stdout).len(), 5, "the cached pull is shown");
    assert_eq!(
        std::fs::read(&cache).unwrap(),
        cached,
        "the cache is not lost"
    );

    // Offline (the endpoint answers nothing): the account cannot be asked,
    // the cache still shows.
    offline.store(true, std::sync::atomic::Ordering::SeqCst);
    let out = pull(&env, &server.url, "eu-west-1", &["--timeout", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("refresh failed, showing the cached pull"),
        "{stderr}"
    );
    assert_eq!(
        resources(&out.stdout).len(),
        5,
        "offline, from the cache: {stderr}"
    );
}

#[test]
fn the_cache_of_one_endpoint_is_never_shown_as_another_s() {
    let env = Env::new();
    let a = findings_by_region(|r| page(&[asff(r, 1, "HIGH", "NEW", "ACTIVE")], None));
    let b = findings_by_region(|r| page(&[asff(r, 2, "LOW", "NEW", "ACTIVE")], None));
    let from_a = pull(&env, &a.url, "eu-west-1", &[]);
    assert!(
        from_a.status.success(),
        "{}",
        String::from_utf8_lossy(&from_a.stderr)
    );
    assert_eq!(resources(&from_a.stdout).len(), 1);
    // The same account and region at another endpoint: only its own findings.
    let from_b = pull(&env, &b.url, "eu-west-1", &[]);
    assert!(
        from_b.status.success(),
        "{}",
        String::from_utf8_lossy(&from_b.stderr)
    );
    let v: Value = serde_json::from_slice(&from_b.stdout).unwrap();
    let severities: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["low"], "A's finding shown as B's: {v}");
}

#[test]
fn an_endpoint_paging_in_a_circle_is_an_error_and_lists_each_finding_once() {
    // Page 1 → token "a", "a" → token "b", "b" → token "a" again; every
    // page holds the same two findings.
    let server = TestServer::start(|req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/") => sts_identity(),
        ("GET", "/findingAggregator/list") => no_aggregators(),
        ("POST", "/findings") => {
            let region = req.region();
            let both = [
                asff(&region, 1, "HIGH", "NEW", "ACTIVE"),
                asff(&region, 2, "LOW", "NEW", "ACTIVE"),
            ];
            let next = if req.body.contains("\"NextToken\":\"a\"") {
                "b"
            } else {
                "a"
            };
            page(&both, Some(next))
        }
        _ => Reply::json(404, &json!({})),
    });
    let env = Env::new();
    let out = pull(&env, &server.url, "eu-west-1", &["--no-cache"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("paging in a circle"), "{stderr}");
    let mut listed = resources(&out.stdout);
    let n = listed.len();
    listed.dedup();
    assert_eq!((n, listed.len()), (2, 2), "a finding listed twice");
}

#[test]
fn a_transport_error_is_one_sentence_and_its_debug_form_only_with_v() {
    let env = Env::new();
    let dead = format!("http://127.0.0.1:{}", crate::common::moto::free_port());
    let out = pull(&env, &dead, "eu-west-1", &["--no-cache", "--timeout", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot reach"), "{stderr}");
    for debug in ["DispatchFailure(", "ConnectorError {", "source:", "Os {"] {
        assert!(!stderr.contains(debug), "{debug} in {stderr}");
    }
    let verbose = pull(
        &env,
        &dead,
        "eu-west-1",
        &["--no-cache", "--timeout", "2", "-v"],
    );
    let stderr = String::from_utf8_lossy(&verbose.stderr);
    assert!(
        stderr.contains("DispatchFailure"),
        "-v keeps the debug form: {stderr}"
    );
}

#[test]
fn an_answer_over_64_mib_is_refused_for_its_region_only() {
    // With a declared length (refused from the headers) and without one
    // (chunked: cut off where it passes the limit).
    for chunked in [false, true] {
        let server = findings_by_region(move |region| {
            if region == "eu-west-1" {
                let mut f = asff(region, 1, "HIGH", "NEW", "ACTIVE");
                f["Description"] = json!("x".repeat(70 << 20));
                if chunked {
                    Reply::Chunked(json!({ "Findings": [f] }).to_string())
                } else {
                    page(&[f], None)
                }
            } else {
                page(&[asff(region, 2, "LOW", "NEW", "ACTIVE")], None)
            }
        });
        let env = Env::new();
        let out = pull(&env, &server.url, "eu-west-1,us-east-1", &["--no-cache"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "chunked={chunked}: {stderr}");
        assert!(
            stderr.contains("eu-west-1") && stderr.contains("64 MiB"),
            "chunked={chunked}: {stderr}"
        );
        assert_eq!(
            resources(&out.stdout).len(),
            1,
            "chunked={chunked}: the other region still loads"
        );
    }
}

#[test]
fn an_endless_endpoint_stops_at_max_pages_with_an_error() {
    // A new token every time: it would page for ever.
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = n.clone();
    let server = findings_by_region(move |region| {
        let i = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        page(
            &[asff(region, i, "LOW", "NEW", "ACTIVE")],
            Some(&format!("t{i}")),
        )
    });
    let env = Env::new();
    let out = pull(
        &env,
        &server.url,
        "eu-west-1",
        &["--no-cache", "--max-pages", "5"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("stopped after 5 pages"), "{stderr}");
    assert_eq!(resources(&out.stdout).len(), 5, "what arrived is kept");
}
