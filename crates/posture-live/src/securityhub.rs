//! AWS Security Hub: GetFindings (ASFF) or GetFindingsV2 (OCSF), every region
//! at once, page by page, from the cache first and then only what changed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::config::Region;
use aws_sdk_securityhub::types::{
    AwsSecurityFindingFilters, DateFilter, SeverityLabel, StringFilter, StringFilterComparison,
};
use aws_smithy_types::timeout::TimeoutConfig;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::aws_error::{AwsError, Kind, explain};
use super::{Event, Meter, Slot, Unit, asff_json, safe};
use crate::cache::{self, CacheFile, CacheKey};
use crate::pull::CachedPull;
use posture_core::model::{Finding, Severity, Timestamp};

/// Security Hub allows GetFindings 3 requests/s per account and region.
pub const DEFAULT_PACE: Duration = Duration::from_millis(340);
/// More regions than this wait their turn.
const MAX_CONCURRENT_REGIONS: usize = 4;
/// A server that never stops paging (or repeats tokens) is cut off here.
/// Pages of one region before a pull is stopped (`--max-pages`): 20 million
/// findings, far above any real estate, so only an endless endpoint meets it.
pub const DEFAULT_MAX_PAGES: usize = 200_000;
/// A cache older than this is pulled again in full: findings Security Hub
/// deleted meanwhile would otherwise stay.
const FULL_PULL_AFTER_SECS: i64 = 7 * 86_400;
/// Updates are asked from a little before the last pull, for clock skew.
const REFRESH_OVERLAP_SECS: i64 = 300;

/// What to pull, from the command line.
#[derive(Debug, Clone)]
pub struct Plan {
    pub profile: Option<String>,
    /// Empty: the default chain's region (AWS_REGION, the profile).
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    /// Closed findings too (no server-side filters).
    pub all: bool,
    pub min_severity: Option<Severity>,
    /// GetFindingsV2 (OCSF) instead of GetFindings (ASFF).
    pub v2: bool,
    /// Where pulls are cached; `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    pub first_slot: Slot,
    pub pace: Duration,
    /// For one answer (`--timeout`).
    pub timeout: Duration,
    /// Pages of one region before the pull is stopped as endless.
    pub max_pages: usize,
}

impl Plan {
    fn api_name(&self) -> &'static str {
        if self.v2 {
            "securityhub-v2"
        } else {
            "securityhub"
        }
    }

    /// The API and, where it is not AWS's own, the endpoint it is asked at
    /// (`--endpoint-url`, AWS_ENDPOINT_URL_SECURITYHUB, AWS_ENDPOINT_URL): the
    /// cache of one endpoint is never shown as another's.
    fn api(&self) -> String {
        let endpoint = self
            .endpoint_url
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL_SECURITYHUB").ok())
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
            .filter(|e| !e.trim().is_empty());
        match endpoint {
            None => self.api_name().to_string(),
            Some(e) => format!(
                "{}-endpoint-{}",
                self.api_name(),
                posture_core::text::short_hash(e.trim().trim_end_matches('/'))
            ),
        }
    }

    /// The server-side filters in a word, for the cache file name.
    fn scope(&self) -> String {
        match (self.all, self.min_severity) {
            (true, _) => "all".to_string(),
            (false, None) => "open".to_string(),
            (false, Some(s)) => format!("open-{s}"),
        }
    }

    /// The same filters client-side: right even where a server ignores them.
    fn keeps(&self, f: &Finding, only_regions: Option<&BTreeSet<String>>) -> bool {
        (self.all || f.open)
            && self.min_severity.is_none_or(|m| f.severity >= m)
            && only_regions.is_none_or(|set| set.contains(f.region.original()))
    }
}

/// Pulls every region of the plan, reporting on `tx`.
pub async fn pull(plan: Plan, tx: Sender<Event>) {
    let plan = Arc::new(plan);
    let base = sdk_config(&plan).await;
    let explicit = !plan.regions.is_empty();
    let regions: Vec<String> = if explicit {
        dedup(&plan.regions)
    } else {
        match base.region() {
            Some(r) => vec![r.to_string()],
            None => {
                let slot = plan.first_slot;
                let _ = tx.send(Event::Source {
                    slot,
                    label: plan.api_name().to_string(),
                });
                let _ = tx.send(Event::Failed {
                    slot,
                    error: "no AWS region: pass --region (repeatable) or set AWS_REGION".into(),
                });
                return;
            }
        }
    };

    let first = client(&base, &regions[0]);
    let account = match account_id(&base, &regions[0]).await {
        Ok(a) => a,
        Err(e) if is_credentials(e.kind) || e.kind == Kind::Unreachable => {
            // Nothing will work in any region: say it once per region line,
            // with the last pull where there is one (on call, offline).
            for (i, r) in regions.iter().enumerate() {
                let slot = plan.first_slot + i;
                let cached = cached_pull(&plan, r);
                let label = match &cached {
                    Some(c) => format!("{} {}/{r}", plan.api_name(), safe(&c.account)),
                    None => format!("{} {r}", plan.api_name()),
                };
                let _ = tx.send(Event::Source { slot, label });
                let error = match cached {
                    Some(c) => {
                        let path = PathBuf::from(format!("{}/{}/{r}", plan.api_name(), c.account));
                        let loaded = posture_core::sources::parse_values(&path, c.records);
                        let age =
                            posture_core::model::timestamp::age(c.pulled_at, Timestamp::now());
                        let _ = tx.send(Event::Replace {
                            slot,
                            findings: loaded
                                .findings
                                .into_iter()
                                .filter(|f| plan.keeps(f, None))
                                .collect(),
                            note: format!("cached {age} ago"),
                        });
                        format!("refresh failed, showing the cached pull: {}", e.message)
                    }
                    None => e.message.clone(),
                };
                let _ = tx.send(Event::Failed { slot, error });
            }
            return;
        }
        // Without the account the cache is keyed by region only.
        Err(_) => "unknown-account".to_string(),
    };
    let agg = aggregation(&first, &regions, explicit).await;

    let limit = Arc::new(Semaphore::new(MAX_CONCURRENT_REGIONS));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, region) in agg.regions.iter().enumerate() {
        let slot = plan.first_slot + i;
        let _ = tx.send(Event::Source {
            slot,
            label: format!("{} {account}/{region}", plan.api_name()),
        });
        if let Some(w) = &agg.warning {
            let _ = tx.send(Event::Warning {
                slot,
                message: w.clone(),
            });
        }
        let job = RegionPull {
            plan: plan.clone(),
            client: client(&base, region),
            account: account.clone(),
            region: region.clone(),
            slot,
            only: (Some(region) == agg.home.as_ref())
                .then(|| agg.only.clone())
                .flatten(),
            note: (Some(region) == agg.home.as_ref())
                .then(|| agg.note.clone())
                .flatten(),
            tx: tx.clone(),
        };
        let limit = limit.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire().await;
            job.run().await;
        });
    }
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = done
            && e.is_panic()
        {
            // A panic in one region must not take the others down; say so.
            let _ = tx.send(Event::Warning {
                slot: plan.first_slot,
                message: "a region's pull stopped unexpectedly".into(),
            });
        }
    }
}

/// The newest cached pull of a region under any account, when the account
/// cannot be asked (no network, no credentials).
fn cached_pull(plan: &Plan, region: &str) -> Option<CacheFile> {
    let dir = plan.cache_dir.as_deref()?.join(plan.api());
    let probe = CacheKey {
        api: plan.api(),
        account: String::new(),
        region: region.to_string(),
        scope: plan.scope(),
    };
    let file_name = probe.path(Path::new(""));
    let file_name = file_name.file_name()?;
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|account| cache::load(&account.path().join(file_name)).ok().flatten())
        .max_by_key(|c| c.pulled_at)
}

fn is_credentials(k: Kind) -> bool {
    matches!(
        k,
        Kind::NoCredentials | Kind::ExpiredCredentials | Kind::RejectedCredentials
    )
}

fn dedup(regions: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    regions
        .iter()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty() && seen.insert(r.clone()))
        .collect()
}

pub async fn sdk_config(plan: &Plan) -> SdkConfig {
    // aws-cli conventions come from the default loader: AWS_PROFILE, the
    // credential chain, AWS_ENDPOINT_URL(_SECURITYHUB), AWS_MAX_ATTEMPTS.
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            // `--timeout` bounds one whole answer, its retries included
            // (each attempt could take the full time, so retries × timeout
            // was the real wait before).
            .connect_timeout(Duration::from_secs(5).min(plan.timeout))
            .read_timeout(plan.timeout)
            .operation_attempt_timeout(plan.timeout)
            .operation_timeout(plan.timeout)
            .build(),
    );
    if let Some(p) = &plan.profile {
        loader = loader.profile_name(p);
    }
    if let Some(u) = &plan.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}

pub fn client(base: &SdkConfig, region: &str) -> Client {
    let conf = aws_sdk_securityhub::config::Builder::from(base)
        .region(Region::new(region.to_string()))
        .interceptor(crate::answer_limit::AnswerLimit)
        .build();
    Client::from_conf(conf)
}

async fn account_id(base: &SdkConfig, region: &str) -> Result<String, AwsError> {
    let conf = aws_sdk_sts::config::Builder::from(base)
        .region(aws_sdk_sts::config::Region::new(region.to_string()))
        .build();
    let out = aws_sdk_sts::Client::from_conf(conf)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| explain(&e, "sts:GetCallerIdentity", region))?;
    Ok(out.account().unwrap_or("unknown-account").to_string())
}

/// Which regions to pull once a finding aggregator is known.
#[derive(Debug, Default)]
struct Aggregation {
    regions: Vec<String>,
    /// The aggregation region, when there is one.
    home: Option<String>,
    /// Keep only these regions' findings from the home region (the user named regions).
    only: Option<BTreeSet<String>>,
    note: Option<String>,
    warning: Option<String>,
}

async fn aggregation(client: &Client, listed: &[String], explicit: bool) -> Aggregation {
    let unchanged = |warning: Option<String>| Aggregation {
        regions: listed.to_vec(),
        warning,
        ..Aggregation::default()
    };
    let region = &listed[0];
    let arn = match client.list_finding_aggregators().send().await {
        Ok(out) => match out
            .finding_aggregators()
            .iter()
            .find_map(|a| a.finding_aggregator_arn())
        {
            Some(arn) => arn.to_string(),
            None => return unchanged(None),
        },
        Err(e) => {
            let e = explain(&e, "securityhub:ListFindingAggregators", region);
            // Endpoints without aggregators (moto, old partitions) simply have none.
            return unchanged((e.kind != Kind::Unsupported).then(|| {
                format!(
                    "could not check for a finding aggregator ({}); listed regions pulled one by one",
                    e.message
                )
            }));
        }
    };
    let Some(home) = arn.split(':').nth(3).filter(|r| !r.is_empty()) else {
        return unchanged(None);
    };
    let home = home.to_string();
    let details = client
        .get_finding_aggregator()
        .finding_aggregator_arn(&arn)
        .send()
        .await;
    let (mode, linked): (String, Vec<String>) = match &details {
        Ok(d) => (
            d.region_linking_mode().unwrap_or("ALL_REGIONS").to_string(),
            d.regions().to_vec(),
        ),
        Err(_) => ("ALL_REGIONS".to_string(), Vec::new()),
    };
    let is_linked = |r: &str| match mode.as_str() {
        "SPECIFIED_REGIONS" => linked.iter().any(|l| l == r),
        "ALL_REGIONS_EXCEPT_SPECIFIED" => !linked.iter().any(|l| l == r),
        "NO_REGIONS" => false,
        _ => true,
    };
    let mut regions = vec![home.clone()];
    let mut via_home = Vec::new();
    for r in listed {
        if *r == home {
            continue;
        }
        if is_linked(r) {
            via_home.push(r.clone());
        } else {
            regions.push(r.clone());
        }
    }
    let note = if via_home.is_empty() {
        format!("finding aggregator in {home}")
    } else {
        format!(
            "finding aggregator in {home}: {} arrive here, not pulled twice",
            via_home.join(", ")
        )
    };
    let only = explicit.then(|| {
        let mut set: BTreeSet<String> = via_home.into_iter().collect();
        if listed.contains(&home) {
            set.insert(home.clone());
        }
        set
    });
    Aggregation {
        regions,
        home: Some(home),
        only,
        note: Some(note),
        warning: None,
    }
}

/// One region's pull: the cache, then pages, then the merged result.
struct RegionPull {
    plan: Arc<Plan>,
    client: Client,
    account: String,
    region: String,
    slot: Slot,
    only: Option<BTreeSet<String>>,
    note: Option<String>,
    tx: Sender<Event>,
}

impl RegionPull {
    fn send(&self, e: Event) {
        let _ = self.tx.send(e);
    }

    fn label_path(&self) -> PathBuf {
        PathBuf::from(format!(
            "{}/{}/{}",
            self.plan.api_name(),
            self.account,
            self.region
        ))
    }

    /// Parses records (as a file would be), reports bad ones, keeps what the filters keep.
    fn findings(&self, records: &[Value]) -> Vec<Finding> {
        let loaded =
            posture_core::sources::parse_values(&self.label_path(), records.iter().cloned());
        for e in loaded.errors.iter().take(5) {
            self.send(Event::Warning {
                slot: self.slot,
                message: safe(&e.to_string()),
            });
        }
        loaded
            .findings
            .into_iter()
            .filter(|f| self.plan.keeps(f, self.only.as_ref()))
            .collect()
    }

    async fn run(self) {
        let key = CacheKey {
            api: self.plan.api(),
            account: self.account.clone(),
            region: self.region.clone(),
            scope: self.plan.scope(),
        };
        let cache = CachedPull::new(
            self.slot,
            self.tx.clone(),
            key,
            self.plan.cache_dir.as_deref(),
        );
        let started = cache.started;
        let cached = cache.show_cached(|records| self.findings(records));
        let since = cached
            .as_ref()
            .filter(|c| !self.plan.v2 && started.unix() - c.pulled_at.unix() < FULL_PULL_AFTER_SECS)
            .map(|c| Timestamp::from_unix(c.pulled_at.unix() - REFRESH_OVERLAP_SECS));

        let mut meter = Meter::default();
        let mut fresh: Vec<Value> = Vec::new();
        let streaming = since.is_none();
        let result = self
            .pages(since, |page| {
                meter.page(page.len());
                if streaming {
                    self.send(Event::Append {
                        slot: self.slot,
                        findings: self.findings(&page),
                    });
                }
                self.send(Event::Progress {
                    slot: self.slot,
                    progress: meter.progress(Unit::Findings),
                });
                fresh.extend(page);
            })
            .await;
        let aggregated = self
            .note
            .as_deref()
            .map(|n| format!(" · {n}"))
            .unwrap_or_default();
        match result {
            Ok(()) => {
                let records = match (cached, since) {
                    (Some(c), Some(_)) => cache::merge(c.records, fresh),
                    _ => fresh,
                };
                let findings = self.findings(&records);
                let n = findings.len();
                cache.keep(records, self.plan.scope());
                let how = if since.is_some() {
                    format!("{} updated since the last pull", meter.findings)
                } else {
                    format!("{} pages", meter.pages)
                };
                cache.replace(findings);
                cache.done(format!(
                    "{n} findings · {how} in {:.1}s{aggregated}",
                    meter.elapsed().as_secs_f64()
                ));
            }
            Err(e) => {
                let error = if since.is_some() {
                    format!("refresh failed, showing the cached pull: {}", e.message)
                } else {
                    format!(
                        "{} ({} findings arrived before it failed)",
                        e.message, meter.findings
                    )
                };
                self.send(Event::Failed {
                    slot: self.slot,
                    error,
                });
            }
        }
    }

    /// Follows every page, paced to the API's rate, until the last one.
    async fn pages(
        &self,
        since: Option<Timestamp>,
        mut on_page: impl FnMut(Vec<Value>),
    ) -> Result<(), AwsError> {
        let filters = filters(&self.plan, since);
        let mut token: Option<String> = None;
        // A token seen before means the endpoint is paging in a circle; a
        // record seen before in this pull is not listed twice.
        let mut tokens = std::collections::HashSet::new();
        let mut records_seen = std::collections::HashSet::new();
        let mut repeats = 0_usize;
        for page in 0..self.plan.max_pages.max(1) {
            if page > 0 {
                tokio::time::sleep(self.plan.pace).await;
            }
            let (records, next) = if self.plan.v2 {
                let out = self
                    .client
                    .get_findings_v2()
                    .max_results(100)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| explain(&e, "securityhub:GetFindingsV2", &self.region))?;
                let records: Vec<Value> = out.findings().iter().map(asff_json::document).collect();
                (records, out.next_token().map(str::to_string))
            } else {
                let out = self
                    .client
                    .get_findings()
                    .filters(filters.clone())
                    .max_results(100)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| explain(&e, "securityhub:GetFindings", &self.region))?;
                let records: Vec<Value> = out.findings().iter().map(asff_json::finding).collect();
                (records, out.next_token().map(str::to_string))
            };
            let before = records.len();
            let records: Vec<Value> = records
                .into_iter()
                .filter(|r| cache::record_key(r).is_none_or(|k| records_seen.insert(k)))
                .collect();
            repeats += before - records.len();
            on_page(records);
            match next {
                Some(t) if !t.is_empty() => {
                    if !tokens.insert(t.clone()) {
                        return Err(AwsError {
                            kind: Kind::Other,
                            message: format!(
                                "the endpoint sent a page token again after {} pages: paging \
                                 in a circle, stopped (what arrived is kept; {repeats} repeated \
                                 findings left out)",
                                page + 1
                            ),
                        });
                    }
                    token = Some(t);
                }
                _ => return Ok(()),
            }
        }
        Err(AwsError {
            kind: Kind::Other,
            message: format!(
                "stopped after {} pages: the endpoint kept paging (--max-pages raises the bound)",
                self.plan.max_pages.max(1)
            ),
        })
    }
}

fn equals(v: &str) -> StringFilter {
    StringFilter::builder()
        .value(v)
        .comparison(StringFilterComparison::Equals)
        .build()
}

/// Server-side filters: open findings at or above the floor, or (refreshing)
/// everything updated since the last pull, so that closings arrive too.
pub fn filters(plan: &Plan, since: Option<Timestamp>) -> AwsSecurityFindingFilters {
    let mut b = AwsSecurityFindingFilters::builder();
    if let Some(t) = since {
        let end = Timestamp::from_unix(Timestamp::now().unix() + 86_400);
        return b
            .updated_at(
                DateFilter::builder()
                    .start(t.to_rfc3339())
                    .end(end.to_rfc3339())
                    .build(),
            )
            .build();
    }
    if plan.all {
        return b.build();
    }
    b = b
        .record_state(equals("ACTIVE"))
        .workflow_status(equals("NEW"))
        .workflow_status(equals("NOTIFIED"));
    if let Some(floor) = plan.min_severity {
        for (sev, label) in [
            (Severity::Info, SeverityLabel::Informational),
            (Severity::Low, SeverityLabel::Low),
            (Severity::Medium, SeverityLabel::Medium),
            (Severity::High, SeverityLabel::High),
            (Severity::Critical, SeverityLabel::Critical),
        ] {
            if sev >= floor {
                b = b.severity_label(equals(label.as_str()));
            }
        }
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            profile: None,
            regions: vec![],
            endpoint_url: None,
            all: false,
            min_severity: Some(Severity::High),
            v2: false,
            cache_dir: None,
            first_slot: 0,
            pace: Duration::ZERO,
            timeout: Duration::from_secs(30),
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    #[test]
    fn default_filters_ask_for_open_findings_at_the_floor() {
        let f = filters(&plan(), None);
        let values = |l: &[StringFilter]| -> Vec<String> {
            l.iter()
                .filter_map(|s| s.value().map(str::to_string))
                .collect()
        };
        assert_eq!(values(f.record_state()), ["ACTIVE"]);
        assert_eq!(values(f.workflow_status()), ["NEW", "NOTIFIED"]);
        assert_eq!(values(f.severity_label()), ["HIGH", "CRITICAL"]);
        assert!(f.updated_at().is_empty());
    }

    #[test]
    fn refresh_asks_for_everything_updated_since() {
        let f = filters(&plan(), Some(Timestamp::from_unix(0)));
        assert_eq!(f.updated_at()[0].start(), Some("1970-01-01T00:00:00Z"));
        assert!(f.workflow_status().is_empty() && f.record_state().is_empty());
        let all = Plan {
            all: true,
            ..plan()
        };
        assert!(filters(&all, None).workflow_status().is_empty());
        assert_eq!(all.scope(), "all");
        assert_eq!(plan().scope(), "open-high");
    }
}
