//! Live sessions (admin), a view of the Users screen: who is signed in, since when, from
//! where; ending one asks first. Through the server this is everyone; embedded, it is the
//! people signed in to this process (usually just you).
//!
//! Listing sessions is audited, so this view is loaded on opening and on Refresh, never on
//! the periodic tick.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;

use crate::service::request::SessionInfo;
use crate::service::{Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::screens::backups::ago;
use crate::tui::screens::{Ctx, Note, unexpected, when};
use crate::tui::text::clean;
use crate::tui::ui::Ui;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::pane;
use crate::tui::widgets::table::{self, Row, Selection, Width, col};

/// What a key did in this view.
pub(super) enum Out {
    Used,
    /// Back to the accounts.
    Close,
    Ignored,
}

/// A session to end: its id (as listed) and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    id: String,
    username: String,
}

#[derive(Default)]
pub(super) struct Sessions {
    rows: Vec<SessionInfo>,
    sel: Selection,
    ask: Option<Confirm<Target>>,
    /// When the list was read, for the pane title.
    loaded_at: Option<crate::domain::UnixTime>,
}

impl Sessions {
    pub(super) fn reload(&mut self, ctx: &mut Ctx) {
        let keep = self.rows.get(self.sel.index).map(|s| s.id.clone());
        match ctx.call(Request::Sessions) {
            Ok(Response::Sessions(list)) => {
                self.rows = list;
                self.loaded_at = Some(ctx.clock.now());
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
        if let Some(i) = keep.and_then(|id| self.rows.iter().position(|s| s.id == id)) {
            self.sel.index = i;
        }
        self.sel.clamp(self.rows.len());
    }

    pub(super) fn chain(&self) -> &'static [Context] {
        if self.ask.is_some() {
            chain::CONFIRM
        } else {
            chain::SESSIONS
        }
    }

    pub(super) fn hints(&self) -> &'static [Action] {
        if self.ask.is_some() {
            &[Action::Yes, Action::No]
        } else {
            &[
                Action::EndSession,
                Action::Sessions,
                Action::Refresh,
                Action::Help,
            ]
        }
    }

    /// Forgets an open question (on leaving the tab).
    pub(super) fn leave(&mut self) {
        self.ask = None;
    }

    pub(super) fn update(&mut self, action: Action, ctx: &mut Ctx) -> Out {
        if let Some(c) = self.ask.take() {
            match c.answer(action) {
                Answer::Yes(target) => self.end(target, ctx),
                Answer::No => {}
                Answer::Pending => self.ask = Some(c),
            }
            return Out::Used;
        }
        match action {
            Action::Sessions | Action::Back => return Out::Close,
            Action::EndSession => self.ask_end(ctx),
            other => {
                if !self.sel.apply(other, self.rows.len()) {
                    return Out::Ignored;
                }
            }
        }
        Out::Used
    }

    fn ask_end(&mut self, ctx: &mut Ctx) {
        let Some(s) = self.rows.get(self.sel.index) else {
            return;
        };
        if s.current {
            ctx.note = Some(Note::info(
                "That is this session: quit or lock the screen instead.",
            ));
            return;
        }
        let who = clean(&s.username);
        let q = format!(
            "End the session {} of {who} (signed in {}, from {})? They must sign in again.",
            s.id,
            when(s.since),
            clean(&s.from)
        );
        let target = Target {
            id: s.id.clone(),
            username: s.username.clone(),
        };
        self.ask = Some(Confirm::new("End session", q, "end it", target));
    }

    fn end(&mut self, target: Target, ctx: &mut Ctx) {
        match ctx.call(Request::EndSession {
            id: target.id.clone(),
        }) {
            Ok(_) => ctx.ok(format!(
                "Session {} of {} ended",
                target.id,
                clean(&target.username)
            )),
            Err(e) => ctx.fail(&e),
        }
        // What happened to the session matters more than a hiccup reading the list again.
        let note = ctx.note.take();
        self.reload(ctx);
        if note.is_some() {
            ctx.note = note;
        }
    }

    pub(super) fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let [list, foot] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        let title = format!("Live sessions ({})", self.rows.len());
        let inner = pane(f, list, &title, t, self.ask.is_none());
        let cols = [
            col("Session", Width::Cells(8)),
            col("User", Width::Share(2)),
            col("Signed in", Width::Cells(16)),
            col("Active", Width::Cells(10)),
            col("From", Width::Share(3)),
            col("", Width::Cells(8)),
        ];
        let rows: Vec<Row> = self
            .rows
            .iter()
            .map(|s| {
                let mut from = s.from.clone();
                if let (Some(uid), Some(pid)) = (s.uid, s.pid) {
                    from = format!("{from} (uid {uid}, pid {pid})");
                }
                let state = if s.current {
                    "this one"
                } else if s.locked {
                    "locked"
                } else {
                    ""
                };
                let row = Row::new(vec![
                    s.id.clone(),
                    s.username.clone(),
                    when(s.since),
                    format!("{} ago", ago(ui.now - s.last_active)),
                    from,
                    state.into(),
                ]);
                if s.locked { row.styled(t.warn()) } else { row }
            })
            .collect();
        table::draw(f, inner, &cols, &rows, &self.sel, t, true);
        let read = self
            .loaded_at
            .map(|at| format!(" As of {}; {} reads it again.", when(at), refresh_key(ui)))
            .unwrap_or_default();
        f.render_widget(Span::styled(read, t.dim()), foot);
        if let Some(c) = &self.ask {
            c.draw(f, area, ui);
        }
    }
}

fn refresh_key(ui: &Ui) -> String {
    ui.key(chain::SESSIONS, Action::Refresh)
}
