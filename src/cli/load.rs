//! Reading the inputs for a command, and reporting their problems.

use std::io::{IsTerminal, Write};

use crate::model::Finding;
use crate::sources::{self, Loaded};

use super::{EXIT_INPUT_ERROR, Inputs};
use std::process::ExitCode;

/// The header's source list: one entry per input, failed ones with their first error.
pub fn source_statuses(set: &InputSet) -> Vec<crate::app::SourceStatus> {
    set.files
        .iter()
        .map(|f| {
            let label = f.path.file_name().map_or_else(
                || f.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            crate::app::SourceStatus {
                label: crate::model::SafeText::line(&label).display().to_string(),
                findings: f.findings_count,
                error: f.errors.first().map(ToString::to_string),
                error_count: f.errors.len(),
                ..Default::default()
            }
        })
        .collect()
}

/// Everything loaded for one command.
pub struct InputSet {
    pub findings: Vec<Finding>,
    pub files: Vec<Loaded>,
    pub demo: bool,
}

impl InputSet {
    pub fn exit_code(&self) -> ExitCode {
        if self.files.iter().any(Loaded::failed) {
            ExitCode::from(EXIT_INPUT_ERROR)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// Loads the inputs, reporting every problem on stderr as `path:line:column: message`.
/// Live sources are pulled to the end first (progress on stderr).
pub fn load(inputs: &Inputs) -> InputSet {
    let live = super::live::pull_blocking(&inputs.live);
    let mut set = load_quietly(inputs);
    for mut l in live {
        l.findings_count = l.findings.len();
        set.findings.append(&mut l.findings);
        set.files.push(l);
    }
    report(&set);
    set
}

/// Loads without printing: the dashboard shows problems in its header instead,
/// where they cannot corrupt the screen.
pub fn load_quietly(inputs: &Inputs) -> InputSet {
    let demo = inputs.demo || (inputs.files.is_empty() && !inputs.live.any());
    let mut files = if inputs.files.is_empty() {
        Vec::new()
    } else {
        sources::load_all(&inputs.files)
    };
    if demo {
        files.push(crate::demo::load_current());
    }
    let findings = sources::take_findings(&mut files);
    InputSet {
        findings,
        files,
        demo,
    }
}

fn report(set: &InputSet) {
    let mut err = std::io::stderr().lock();
    if set.demo && err.is_terminal() {
        let _ = writeln!(
            err,
            "posture: showing the shipped demo data (pass --file PATH for your own)"
        );
    }
    for f in &set.files {
        for e in &f.errors {
            let _ = writeln!(err, "{e}");
        }
        for w in &f.warnings {
            let msg = crate::model::SafeText::line(&w.message);
            let _ = if w.location == sources::Location::NOWHERE {
                writeln!(err, "{}: warning: {}", w.path.display(), msg.display())
            } else {
                writeln!(
                    err,
                    "{}:{}:{}: warning: {}",
                    w.path.display(),
                    w.location.line,
                    w.location.column,
                    msg.display()
                )
            };
        }
    }
}

/// Inputs with everything posture knows about them: triage marks and routes.
pub struct Posture {
    pub set: InputSet,
    pub store: crate::triage::Store,
    pub router: crate::routing::Router,
    pub routes: crate::routing::RouteTable,
    pub facts: Vec<crate::query::Facts>,
    pub now: crate::model::Timestamp,
}

impl Posture {
    /// Loads the inputs (reporting their problems), the triage file and the routing rules.
    pub fn load(cli: &super::Cli, ctx: &super::Context) -> anyhow::Result<Posture> {
        let router = ctx.router(cli)?;
        let set = load(&cli.inputs);
        let mut store = ctx.open_store()?;
        if let Some(e) = store.broken() {
            let _ = writeln!(
                std::io::stderr(),
                "posture: warning: triage marks not read: {e}"
            );
        } else if let Some(msg) = crate::triage::carry::apply(&set.findings, &mut store) {
            let _ = writeln!(std::io::stderr(), "posture: {msg}");
        }
        let routes = crate::routing::RouteTable::build(&router, &set.findings);
        let facts = crate::query::compute_facts(
            &set.findings,
            store.marks(),
            &routes,
            crate::triage::mark::day_of(ctx.now),
        );
        Ok(Posture {
            set,
            store,
            router,
            routes,
            facts,
            now: ctx.now,
        })
    }

    pub fn today(&self) -> time::Date {
        crate::triage::mark::day_of(self.now)
    }

    pub fn findings(&self) -> &[Finding] {
        &self.set.findings
    }

    /// Indices of the selected findings, most severe first, then most recent.
    pub fn select(&self, sel: &super::Selection) -> Vec<usize> {
        let filter = sel.filter(&self.routes);
        let f = &self.set.findings;
        let mut idx: Vec<usize> = (0..f.len())
            .filter(|&i| filter.matches(&f[i], &self.facts[i]))
            .collect();
        crate::query::sort_indices(f, &mut idx, crate::query::SortKey::Severity, false);
        idx
    }

    pub fn mark(&self, i: usize) -> Option<&crate::triage::Mark> {
        self.store
            .get(self.set.findings.get(i)?.fingerprint.as_str())
    }

    /// The finding's JSON record with triage status, note and owner.
    pub fn record(&self, i: usize, raw: bool) -> crate::model::FindingRecord {
        let f = &self.set.findings[i];
        let mut rec = crate::model::FindingRecord::from_finding(f, raw)
            .with_triage(&self.facts[i], self.mark(i));
        rec.owner = Some(self.routes.owner(i).to_string());
        rec
    }
}
