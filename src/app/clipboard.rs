//! `y`, `Y` and `O`: the selected finding's id or resource to the clipboard
//! (OSC 52, which terminals pass on over SSH and through tmux), and its
//! remediation link to the browser. Asking is pure; the effect runner
//! writes to the terminal and starts the opener.

use posture_core::config::keymap::Action;
use posture_core::model::SafeText;

use super::effect::Effect;
use super::state::App;

/// Copies can be long (an ARN), but not a document.
const COPY_MAX: usize = 4096;

pub fn act(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(f) = app.selected_finding() else {
        app.status = Some("nothing selected".into());
        return Vec::new();
    };
    match action {
        Action::CopyId | Action::CopyResource => {
            let (what, text) = if action == Action::CopyId {
                ("fingerprint", f.fingerprint.to_string())
            } else {
                ("resource", f.resource.original().to_string())
            };
            if text.is_empty() {
                app.status = Some(format!("this finding has no {what}"));
                return Vec::new();
            }
            // The clipboard gets display-safe text: no escape of the
            // finding's can reach the terminal through the copy.
            let safe = SafeText::line(&text)
                .display()
                .chars()
                .take(COPY_MAX)
                .collect::<String>();
            app.status = Some(format!("copied the {what}: {safe}"));
            vec![Effect::Copy(safe)]
        }
        _ => {
            let Some(url) = f.remediation.url.as_ref().map(|u| u.display().to_string()) else {
                app.status = Some("this finding has no remediation link".into());
                return Vec::new();
            };
            // Only web links: a finding's text must not start a local program.
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.contains(char::is_whitespace)
            {
                app.status = Some(format!("not a web link, not opened: {url}"));
                return Vec::new();
            }
            app.status = Some(format!("opening {url}"));
            vec![Effect::Open(url)]
        }
    }
}
