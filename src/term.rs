//! The terminal edge: raw mode, the alternate screen, mouse capture, and the
//! event loop. The terminal is restored on quit, on error and on panic.

use std::io;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Duration;

use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode as CtKey, KeyEventKind,
    KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;

use crate::app::App;
use crate::app::update::{self, Mouse};
use posture_core::config::keymap::{Key, KeyCode};
use posture_live::Event as LiveEvent;

/// Runs the dashboard until the user quits; `live` delivers findings of live
/// sources while it runs.
pub fn run(mut app: App, live: Option<Receiver<LiveEvent>>) -> io::Result<()> {
    install_panic_hook();
    let mut terminal = ratatui::try_init()?;
    let result = execute!(io::stdout(), EnableMouseCapture)
        .and_then(|()| event_loop(&mut terminal, &mut app, live));
    restore();
    result
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

/// Drains what live sources sent since the last frame: one recomputation per
/// frame however many pages arrived. False once the sources are finished.
fn drain_live(app: &mut App, rx: &Receiver<LiveEvent>) -> bool {
    let mut changed = false;
    let mut open = true;
    loop {
        match rx.try_recv() {
            Ok(LiveEvent::Finished) | Err(TryRecvError::Disconnected) => {
                app.carry_marks();
                changed = true;
                open = false;
                break;
            }
            Ok(e) => changed |= app.on_live(e),
            Err(TryRecvError::Empty) => break,
        }
    }
    if changed {
        app.after_live();
    }
    open
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    mut live: Option<Receiver<LiveEvent>>,
) -> io::Result<()> {
    while !app.quit {
        if let Some(rx) = &live
            && !drain_live(app, rx)
        {
            live = None;
        }
        terminal.draw(|frame| {
            app.layout = crate::ui::draw(frame, app);
        })?;
        app.view.offset = app.layout.offset;
        // Block until something happens (resize events simply redraw); while
        // live sources load, wake often enough to show their pages.
        crate::app::sync::poll(app);
        let wait = if live.is_some() || app.sync.running() {
            80
        } else {
            500
        };
        if !event::poll(Duration::from_millis(wait))? {
            continue;
        }
        if !app.clock_fixed {
            app.session.now = posture_core::model::Timestamp::now();
        }
        match event::read()? {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                if let Some(key) = translate_key(k.code, k.modifiers) {
                    update::on_key(app, key);
                }
            }
            Event::Mouse(m) => {
                let mouse = match m.kind {
                    MouseEventKind::ScrollDown => Some(Mouse::ScrollDown),
                    MouseEventKind::ScrollUp => Some(Mouse::ScrollUp),
                    MouseEventKind::Down(MouseButton::Left) => Some(Mouse::Click {
                        x: m.column,
                        y: m.row,
                    }),
                    _ => None,
                };
                if let Some(mouse) = mouse {
                    update::on_mouse(app, mouse);
                }
            }
            _ => {}
        }
    }
    Ok(())
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
