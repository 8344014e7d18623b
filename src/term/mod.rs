//! The terminal edge: raw mode, the alternate screen, mouse capture, the one
//! event queue and the loop that blocks on it, and the effect runner. The
//! terminal is restored on quit, on error and on panic.

pub mod effects;

use std::io;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event as CtEvent, KeyCode as CtKey,
    KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;

use crate::app::{App, Event, Mouse};
use posture_core::config::keymap::{Key, KeyCode};
use posture_core::model::Timestamp;
use posture_core::session::LiveEvent;

pub use effects::{Runner, press};

/// Runs the dashboard until the user quits; `live` delivers findings of live
/// sources while it runs. Every input goes on one queue; the loop blocks on it.
/// The input files, read on a thread of their own while the dashboard
/// already answers keys (`q` included).
pub type Loader = Box<
    dyn FnOnce() -> (
            std::sync::Arc<Vec<posture_core::model::Finding>>,
            Vec<posture_core::session::SourceStatus>,
        ) + Send,
>;

pub fn run(
    mut app: App,
    mut runner: Runner,
    files: Option<Loader>,
    live: Option<Receiver<LiveEvent>>,
) -> io::Result<App> {
    install_panic_hook();
    // Here, work too long for a keystroke has a thread to go to.
    app.view.background = true;
    let (tx, rx) = channel();
    runner.events = Some(tx.clone());
    let mut terminal = ratatui::try_init()?;
    let result = execute!(io::stdout(), EnableMouseCapture).and_then(|()| {
        if let Some(load) = files {
            start_loading(load, &tx);
        }
        feed(&tx, live);
        drop(tx);
        event_loop(&mut terminal, &mut app, &runner, &rx)
    });
    restore();
    result.map(|()| app)
}

/// How often the loading view is brought up to date.
const LOAD_PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Reads the input files on a thread of their own, and reports how far
/// they have come from another until they are in.
fn start_loading(load: Loader, tx: &Sender<Event>) {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let loaded = tx.clone();
    let finished = done.clone();
    let _ = std::thread::Builder::new()
        .name("posture-files".into())
        .spawn(move || {
            let (findings, sources) = load();
            finished.store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = loaded.send(Event::InputsLoaded { findings, sources });
        });
    let progress = tx.clone();
    let _ = std::thread::Builder::new()
        .name("posture-load-progress".into())
        .spawn(move || {
            let started = std::time::Instant::now();
            let before = posture_core::sources::progress::now();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(LOAD_PROGRESS_EVERY);
                let counts = posture_core::sources::progress::now().since(before);
                let elapsed = started.elapsed();
                if progress
                    .send(Event::LoadProgress { counts, elapsed })
                    .is_err()
                {
                    return;
                }
            }
        });
}

fn restore() {
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// Restores the terminal before the panic message prints, so it is readable
/// and the shell is usable.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Events a frame handles at most before drawing again, so that a flood
/// of live pages cannot starve the screen.
const MAX_EVENTS_PER_FRAME: usize = 4096;

/// How often the clock ticks while nothing else happens (ages, expiries).
const TICK: Duration = Duration::from_secs(1);

/// Starts the threads that feed the queue: terminal input, the clock, and
/// live sources. Each ends when the queue is gone.
fn feed(tx: &Sender<Event>, live: Option<Receiver<LiveEvent>>) {
    let input = tx.clone();
    let _ = std::thread::Builder::new()
        .name("posture-input".into())
        .spawn(move || {
            while let Ok(e) = event::read() {
                if let Some(e) = translate(e)
                    && input.send(e).is_err()
                {
                    return;
                }
            }
        });
    let clock = tx.clone();
    let _ = std::thread::Builder::new()
        .name("posture-clock".into())
        .spawn(move || {
            loop {
                std::thread::sleep(TICK);
                let now = Some(Timestamp::now());
                if clock.send(Event::Tick { now }).is_err() {
                    return;
                }
            }
        });
    if let Some(rx) = live {
        let pages = tx.clone();
        let _ = std::thread::Builder::new()
            .name("posture-live-events".into())
            .spawn(move || {
                let mut finished = false;
                for e in rx {
                    finished |= matches!(e, LiveEvent::Finished);
                    if pages.send(Event::Live(vec![e])).is_err() {
                        return;
                    }
                }
                // A pull that died without a word still ends.
                if !finished {
                    let _ = pages.send(Event::Live(vec![LiveEvent::Finished]));
                }
            });
    }
}

/// The events waiting now, the live ones joined into one batch (one
/// rebuild of the view per frame however many pages arrived).
fn gather(first: Event, rx: &Receiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    let mut live: Vec<LiveEvent> = Vec::new();
    let mut next = Some(first);
    let mut n = 0;
    while let Some(e) = next {
        match e {
            Event::Live(mut batch) => live.append(&mut batch),
            other => out.push(other),
        }
        n += 1;
        next = if n < MAX_EVENTS_PER_FRAME {
            rx.try_recv().ok()
        } else {
            None
        };
    }
    if !live.is_empty() {
        out.push(Event::Live(live));
    }
    out
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    runner: &Runner,
    rx: &Receiver<Event>,
) -> io::Result<()> {
    loop {
        let mut layout = app.layout;
        terminal.draw(|frame| layout = crate::ui::draw(frame, app))?;
        runner.handle(app, Event::Layout(layout));
        // Block until something happens.
        let Ok(first) = rx.recv() else {
            return Ok(());
        };
        let now = (!app.clock_fixed).then(Timestamp::now);
        runner.handle(app, Event::Tick { now });
        for e in gather(first, rx) {
            runner.handle(app, e);
            if app.quit {
                return Ok(());
            }
        }
    }
}

fn translate(e: CtEvent) -> Option<Event> {
    match e {
        CtEvent::Key(k) if k.kind != KeyEventKind::Release => {
            translate_key(k.code, k.modifiers).map(Event::Key)
        }
        CtEvent::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => Some(Event::Mouse(Mouse::ScrollDown)),
            MouseEventKind::ScrollUp => Some(Event::Mouse(Mouse::ScrollUp)),
            MouseEventKind::Down(MouseButton::Left) => Some(Event::Mouse(Mouse::Click {
                x: m.column,
                y: m.row,
            })),
            _ => None,
        },
        CtEvent::Resize(..) => Some(Event::Resize),
        _ => None,
    }
}

pub fn translate_key(code: CtKey, mods: KeyModifiers) -> Option<Key> {
    let code = match code {
        CtKey::Char(c) => KeyCode::Char(c),
        CtKey::Enter => KeyCode::Enter,
        CtKey::Esc => KeyCode::Esc,
        CtKey::Up => KeyCode::Up,
        CtKey::Down => KeyCode::Down,
        CtKey::Left => KeyCode::Left,
        CtKey::Right => KeyCode::Right,
        CtKey::PageUp => KeyCode::PageUp,
        CtKey::PageDown => KeyCode::PageDown,
        CtKey::Home => KeyCode::Home,
        CtKey::End => KeyCode::End,
        CtKey::Tab => KeyCode::Tab,
        CtKey::BackTab => KeyCode::BackTab,
        CtKey::Backspace => KeyCode::Backspace,
        CtKey::Delete => KeyCode::Delete,
        CtKey::F(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(Key {
        code,
        ctrl: mods.contains(KeyModifiers::CONTROL),
        alt: mods.contains(KeyModifiers::ALT),
    })
}
