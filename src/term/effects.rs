//! The effect runner: the one place the dashboard's wishes touch files,
//! threads and the network. Each effect's answer goes back into `update` as
//! an event, so the state only ever changes there.

use std::path::PathBuf;
use std::sync::mpsc::Sender;

use crate::app::update::update;
use crate::app::{App, Effect, Event};
use posture_core::config::theme;
use posture_core::model::SafeText;
use posture_core::session::export::JiraRequest;
use posture_live::securityhub::Plan;

/// What effects need that the dashboard's state does not hold.
#[derive(Default)]
pub struct Runner {
    /// The Security Hub source to send triage marks to.
    pub sync_plan: Option<Plan>,
    /// `themes/` in the config directory.
    pub user_theme_dir: Option<PathBuf>,
    /// Where background work reports back (the event queue).
    pub events: Option<Sender<Event>>,
    /// The Jira site to push to and how to sign in, when both are set.
    pub jira: Option<(String, posture_live::jira::Credentials)>,
    /// How long one answer from Jira may take.
    pub jira_timeout: std::time::Duration,
    /// A real terminal is there to write the clipboard's escape to and to
    /// open links from (not in tests).
    pub terminal: bool,
}

/// Opens `url` with the platform's opener (`xdg-open`, `open`), in the
/// background; without one, or outside a terminal, says the link instead.
fn open_link(url: &str, terminal: bool) -> String {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if !terminal {
        return format!("link: {url}");
    }
    let started = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match started {
        Ok(_) => format!("opened {url}"),
        Err(_) => format!("no {opener} here to open it; the link: {url}"),
    }
}

impl Runner {
    /// Runs `effects` and feeds each answer back through `update`, until
    /// nothing more is asked. Background work answers later, on the queue.
    pub fn run(&self, app: &mut App, mut effects: Vec<Effect>) {
        // Each answer is an event whose update asks nothing more; the bound
        // is a guard, not a limit anything reaches.
        for _ in 0..64 {
            if effects.is_empty() {
                return;
            }
            let mut next = Vec::new();
            for effect in effects {
                let answer = self.run_one(app, effect);
                if let Some(event) = answer {
                    next.extend(update(app, event));
                }
            }
            effects = next;
        }
    }

    /// An event and everything it leads to.
    pub fn handle(&self, app: &mut App, event: Event) {
        let effects = update(app, event);
        self.run(app, effects);
    }

    fn run_one(&self, app: &mut App, effect: Effect) -> Option<Event> {
        match effect {
            Effect::SaveMarks {
                targets,
                change,
                done,
            } => {
                let result = app
                    .session
                    .update_marks(&targets, "tui", |m| change.apply(m))
                    .map_err(|e| e.to_string());
                Some(Event::MarksSaved { result, done })
            }
            Effect::ExportJira {
                findings,
                by_rule,
                out,
                split,
            } => {
                let request = JiraRequest {
                    findings: &findings,
                    include_ticketed: false,
                    by_rule,
                    issue_type: None,
                    out: &out,
                    split,
                };
                let result = app.session.export_jira(&request).map_err(|e| e.to_string());
                Some(Event::Exported { path: out, result })
            }
            Effect::PushJira { findings, by_rule } => self.start_push(app, &findings, by_rule),
            Effect::Copy(text) => {
                if self.terminal {
                    use std::io::Write as _;
                    let seq = format!(
                        "\x1b]52;c;{}\x07",
                        posture_core::text::base64(text.as_bytes())
                    );
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(seq.as_bytes()).and_then(|()| out.flush());
                }
                None
            }
            Effect::Open(url) => Some(Event::Said(open_link(&url, self.terminal))),
            Effect::RecordPushed(done) => {
                let keys: Vec<(&[String], &str)> = done
                    .keys
                    .iter()
                    .map(|(f, k)| (f.as_slice(), k.as_str()))
                    .collect();
                let result = app
                    .session
                    .record_pushed(&keys)
                    .map_err(|e| format!("{}: but the keys were not saved: {e}", done.summary()));
                Some(Event::MarksSaved {
                    result,
                    done: SafeText::line(&done.summary()).display().to_string(),
                })
            }
            Effect::LoadTheme(name) => Some(Event::ThemeLoaded(
                theme::load(&name, self.user_theme_dir.as_deref()).map_err(|e| e.to_string()),
            )),
            Effect::StartSync(batches) => Some(Event::SyncStarted(self.start_sync(app, batches))),
            Effect::Prepare(job) => {
                self.start_preparing(app, job);
                None
            }
            Effect::Group(job) => self.start_grouping(job),
        }
    }

    /// Prepares on a thread of its own, each piece sent back as
    /// [`Event::Prepared`]; without a queue (tests), here and now.
    fn start_preparing(&self, app: &mut App, job: posture_core::query::prepare::Job) {
        let generation = job.generation;
        let Some(events) = self.events.clone() else {
            let findings = app.session.findings.clone();
            job.run(|piece| {
                if app.view.accept(generation, piece, &findings) {
                    app.refresh_view();
                }
                true
            });
            return;
        };
        let started = std::thread::Builder::new()
            .name("posture-prepare".into())
            .spawn(move || {
                job.run(|piece| events.send(Event::Prepared { generation, piece }).is_ok());
            });
        // Without the thread, the view works each piece out when first needed.
        drop(started);
    }

    /// Groups on a thread of its own, the groups sent back as
    /// [`Event::Grouped`]; without a queue (tests), here and now.
    fn start_grouping(&self, job: posture_core::query::grouping::Grouping) -> Option<Event> {
        let (generation, request) = (job.generation, job.request);
        let Some(events) = self.events.clone() else {
            return job.run().map(|groups| Event::Grouped {
                generation,
                request,
                groups,
            });
        };
        let fallback = job.clone();
        let started = std::thread::Builder::new()
            .name("posture-group".into())
            .spawn(move || {
                if let Some(groups) = job.run() {
                    // The dashboard may have quit meanwhile.
                    let _ = events.send(Event::Grouped {
                        generation,
                        request,
                        groups,
                    });
                }
            });
        // Without a thread, here and now.
        match started {
            Ok(_) => None,
            Err(_) => fallback.run().map(|groups| Event::Grouped {
                generation,
                request,
                groups,
            }),
        }
    }

    /// Sends the updates on a thread of their own; the report comes back as
    /// [`Event::SyncDone`].
    fn start_sync(
        &self,
        app: &App,
        batches: Vec<posture_core::triage::sync::Batch>,
    ) -> Result<usize, String> {
        let plan = self
            .sync_plan
            .clone()
            .ok_or("no Security Hub source to send to")?;
        let events = self
            .events
            .clone()
            .ok_or("no event queue to report the result on")?;
        let n: usize = batches.iter().map(|b| b.items.len()).sum();
        let by = app.session.user.clone();
        std::thread::Builder::new()
            .name("posture-sync".into())
            .spawn(move || {
                let report = posture_live::sync::push_blocking(&plan, batches, &by);
                let _ = events.send(Event::SyncDone(report));
            })
            .map(|_| n)
            .map_err(|e| SafeText::line(&e.to_string()).display().to_string())
    }
}

impl Runner {
    /// Builds the issues here (the session is the dashboard's), then asks
    /// and creates in Jira on a thread of its own; the answer comes back
    /// as [`Event::Pushed`] (here and now without a queue, in tests).
    fn start_push(&self, app: &App, findings: &[usize], by_rule: bool) -> Option<Event> {
        let Some((url, credentials)) = self.jira.clone() else {
            return Some(Event::Pushed(Err(
                "Jira is not set up: jira_url and JIRA_USER + JIRA_API_TOKEN (or JIRA_PAT)".into(),
            )));
        };
        let tickets = app.session.tickets(findings, by_rule, None);
        let fields = match tickets
            .iter()
            .map(posture_core::export::jira_rest::issue_fields)
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(f) => f,
            Err(e) => return Some(Event::Pushed(Err(e))),
        };
        let timeout = self.jira_timeout;
        let work = move || {
            posture_live::jira::Jira::new(&url, &credentials, timeout)
                .and_then(|jira| posture_live::jira::push(&jira, &tickets, &fields))
                .map_err(|e| e.to_string())
        };
        let Some(events) = self.events.clone() else {
            return Some(Event::Pushed(work()));
        };
        let spawned = std::thread::Builder::new()
            .name("posture-jira".into())
            .spawn(move || {
                let _ = events.send(Event::Pushed(work()));
            });
        match spawned {
            Ok(_) => None,
            Err(e) => Some(Event::Pushed(Err(e.to_string()))),
        }
    }
}

/// A key as the dashboard gets it, with its effects run: for tests that
/// drive the dashboard as a user types.
pub fn press(app: &mut App, key: posture_core::config::keymap::Key) {
    Runner::default().handle(app, Event::Key(key));
}
