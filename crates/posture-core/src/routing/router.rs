//! Who owns a finding: the first rule that matches, else the built-in
//! default (critical → SRE, high → product, the rest → backlog).

use foldhash::{HashMap, HashMapExt};

use crate::model::{Finding, Severity, Source};

use super::spec::{Field, Globs, Piece, RoutingSpec, RuleSpec, SeverityMatch, SlaSpec, Template};

/// Where a finding goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Route {
    pub owner: String,
    pub project: Option<String>,
    pub component: Option<String>,
    pub assignee: Option<String>,
    pub labels: Vec<String>,
    /// The rule that matched (its index), or `None` for the built-in default.
    pub rule: Option<usize>,
}

#[derive(Debug, Default)]
pub struct Router {
    rules: Vec<RuleSpec>,
    pub sla: SlaSpec,
    layers: Vec<(Source, crate::model::Layer)>,
}

/// One rule's verdict for `route explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub rule: String,
    /// `None`: it matched; else why not.
    pub miss: Option<String>,
}

impl Router {
    pub fn new(spec: RoutingSpec) -> Router {
        Router {
            rules: spec.rules,
            sla: spec.sla,
            layers: spec.layers.0,
        }
    }

    /// The layer `[layers]` puts this source's findings in, if it says.
    pub fn layer_of(&self, source: Source) -> Option<crate::model::Layer> {
        self.layers
            .iter()
            .find(|(s, _)| *s == source)
            .map(|(_, l)| *l)
    }

    /// Every `[layers]` override: source and layer.
    pub fn layer_overrides(&self) -> &[(Source, crate::model::Layer)] {
        &self.layers
    }

    pub fn rule_name(&self, i: usize) -> String {
        self.rules
            .get(i)
            .and_then(|r| r.name.clone())
            .unwrap_or_else(|| format!("rule {}", i + 1))
    }

    pub fn route(&self, f: &Finding) -> Route {
        self.rules
            .iter()
            .enumerate()
            .find_map(|(i, r)| {
                apply(r, f).ok().map(|route| Route {
                    rule: Some(i),
                    ..route
                })
            })
            .unwrap_or_else(|| default_route(f.severity))
    }

    /// Every rule tried, in order, up to the one that matched; then the route.
    pub fn explain(&self, f: &Finding) -> (Vec<Step>, Route) {
        let mut steps = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            match apply(r, f) {
                Ok(route) => {
                    steps.push(Step {
                        rule: self.rule_name(i),
                        miss: None,
                    });
                    return (
                        steps,
                        Route {
                            rule: Some(i),
                            ..route
                        },
                    );
                }
                Err(why) => steps.push(Step {
                    rule: self.rule_name(i),
                    miss: Some(why),
                }),
            }
        }
        (steps, default_route(f.severity))
    }
}

pub fn default_route(s: Severity) -> Route {
    let owner = match s {
        Severity::Critical => "SRE",
        Severity::High => "product",
        _ => "backlog",
    };
    Route {
        owner: owner.to_string(),
        ..Route::default()
    }
}

pub const DEFAULT_RULE_TEXT: &str =
    "built-in default: critical → SRE, high → product, medium and below → backlog";

fn is_kubernetes(s: Source) -> bool {
    matches!(s, Source::Kubescape | Source::Starboard)
}

/// The route if `r` matches `f`, else the first reason it does not.
fn apply(r: &RuleSpec, f: &Finding) -> Result<Route, String> {
    if let Some(m) = &r.severity {
        match m {
            SeverityMatch::AtLeast(min) if f.severity < *min => {
                return Err(format!("severity {} is below {min}", f.severity));
            }
            SeverityMatch::AnyOf(set) if !set.contains(&f.severity) => {
                return Err(format!("severity {} is not listed", f.severity));
            }
            _ => {}
        }
    }
    if let Some(src) = &r.source
        && !src.0.contains(&f.source)
    {
        return Err(format!("source {} is not listed", f.source));
    }
    if let Some(layers) = &r.layer
        && !layers.0.contains(&f.layer)
    {
        return Err(format!("layer {} is not listed", f.layer));
    }
    let fields: [(&str, &Option<Globs>, &str); 6] = [
        ("rule_id", &r.rule_id, f.rule_id.original()),
        ("account", &r.account, f.account.original()),
        ("region", &r.region, f.region.original()),
        ("cluster", &r.cluster, f.cluster.original()),
        ("namespace", &r.namespace, f.namespace.original()),
        ("resource", &r.resource, f.resource.original()),
    ];
    for (name, globs, value) in fields {
        if let Some(g) = globs
            && !g.matches(value)
        {
            return Err(format!("{name} {value:?} does not match {}", g.describe()));
        }
    }
    for (kind, map, applies) in [
        ("label", &r.k8s_labels, is_kubernetes(f.source)),
        ("tag", &r.aws_tags, f.source == Source::Securityhub),
    ] {
        for (key, globs) in map {
            if !applies {
                return Err(format!("{kind}s apply to other sources"));
            }
            match f.tag(key) {
                None => return Err(format!("no {kind} {key:?}")),
                Some(v) if !globs.matches(v) => {
                    return Err(format!(
                        "{kind} {key}={v:?} does not match {}",
                        globs.describe()
                    ));
                }
                Some(_) => {}
            }
        }
    }
    let owner = render(&r.owner, f)
        .filter(|o| !o.trim().is_empty())
        .ok_or_else(|| "its owner needs a value this finding does not have".to_string())?;
    Ok(Route {
        owner,
        project: r.project.clone(),
        component: r.component.as_ref().and_then(|t| render(t, f)),
        assignee: r.assignee.clone(),
        labels: r.labels.iter().filter_map(|t| render(t, f)).collect(),
        rule: None,
    })
}

/// The template filled in; `None` when a placeholder has no value here.
pub fn render(t: &Template, f: &Finding) -> Option<String> {
    let mut out = String::new();
    for p in &t.0 {
        let v = match p {
            Piece::Text(s) => s.as_str(),
            Piece::Field(Field::Namespace) => f.namespace.original(),
            Piece::Field(Field::Account) => f.account.original(),
            Piece::Field(Field::Region) => f.region.original(),
            Piece::Field(Field::Cluster) => f.cluster.original(),
            Piece::Field(Field::Source) => f.source.as_str(),
            Piece::Field(Field::Severity) => f.severity.as_str(),
            Piece::Field(Field::Label(k)) => f.tag(k).unwrap_or(""),
        };
        if v.is_empty() && matches!(p, Piece::Field(_)) {
            return None;
        }
        out.push_str(v);
    }
    Some(out)
}

/// Every finding's route, interned: a million findings share a few routes.
#[derive(Debug, Default, Clone)]
pub struct RouteTable {
    pub routes: Vec<Route>,
    /// Per finding, an index into `routes`.
    pub of: Vec<u32>,
}

impl RouteTable {
    /// Routes every finding, on every core; each core's table is then
    /// renumbered into one.
    pub fn build(router: &Router, findings: &[Finding]) -> RouteTable {
        let parts = crate::parallel::in_chunks(
            findings,
            crate::parallel::MIN_ITEMS,
            |chunk| RouteTable::of_routes(chunk.items.iter().map(|f| router.route(f))),
            // A bug in a rule must not lose findings: these keep the default.
            |range| {
                RouteTable::of_routes(findings[range].iter().map(|f| default_route(f.severity)))
            },
        );
        let mut parts = parts.into_iter();
        let mut t = parts.next().unwrap_or_default();
        t.of.reserve_exact(findings.len().saturating_sub(t.of.len()));
        // A million findings share a few routes: cloning them is cheap.
        let mut index: HashMap<Route, u32> = t
            .routes
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), i as u32))
            .collect();
        for part in parts {
            let ids: Vec<u32> = part
                .routes
                .into_iter()
                .map(|r| {
                    *index.entry(r.clone()).or_insert_with(|| {
                        t.routes.push(r);
                        (t.routes.len() - 1) as u32
                    })
                })
                .collect();
            t.of.extend(part.of.iter().map(|&local| ids[local as usize]));
        }
        t
    }

    fn of_routes(routes: impl Iterator<Item = Route>) -> RouteTable {
        let mut index: HashMap<Route, u32> = HashMap::new();
        let mut t = RouteTable::default();
        for r in routes {
            // Looked up before it is cloned: nearly every route is a repeat.
            let id = match index.get(&r) {
                Some(&id) => id,
                None => {
                    let id = t.routes.len() as u32;
                    index.insert(r.clone(), id);
                    t.routes.push(r);
                    id
                }
            };
            t.of.push(id);
        }
        t
    }

    pub fn get(&self, finding: usize) -> Option<&Route> {
        self.routes.get(*self.of.get(finding)? as usize)
    }

    pub fn owner(&self, finding: usize) -> &str {
        self.get(finding).map_or("", |r| r.owner.as_str())
    }

    /// Route ids whose owner is one of `owners` (case-insensitive).
    pub fn ids_of_owners(&self, owners: &[String]) -> Vec<u32> {
        (0..self.routes.len() as u32)
            .filter(|&i| {
                owners
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(&self.routes[i as usize].owner))
            })
            .collect()
    }

    /// Distinct owners, sorted.
    pub fn owners(&self) -> Vec<String> {
        let mut v: Vec<String> = self.routes.iter().map(|r| r.owner.clone()).collect();
        v.sort();
        v.dedup();
        v
    }
}
