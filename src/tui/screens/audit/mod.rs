//! The audit log (admin, auditor): newest first, filterable, and verifiable from here.
//! Targets read as names where the viewer may read the record, and Enter opens it.

mod names;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::{Ctx, Note, Screen, when};
use crate::domain::AuditEvent;
use crate::domain::text::fold;
use crate::service::{Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::text::clean;
use crate::tui::ui::Ui;
use crate::tui::widgets::input::Input;
use crate::tui::widgets::pane;
use crate::tui::widgets::table::{self, Row, Selection, Width, col};

/// Entries fetched per page; scrolling past the end fetches the next.
const PAGE: usize = 500;

#[derive(Default)]
pub struct Audit {
    events: Vec<AuditEvent>,
    /// Indexes into `events` that pass the filter.
    shown: Vec<usize>,
    filter: Input,
    typing: bool,
    sel: Selection,
    /// Every entry has been fetched.
    complete: bool,
    /// The last verification, as one line.
    verified: Option<(bool, String)>,
    names: names::Names,
    /// Account names, for "user:3" targets (copied from the people list at each load).
    people: super::People,
}

impl Audit {
    fn fetch(&mut self, ctx: &mut Ctx) {
        match ctx.call(Request::AuditList {
            offset: self.events.len(),
            limit: PAGE,
        }) {
            Ok(Response::Audit(list)) => {
                self.complete = list.len() < PAGE;
                self.events.extend(list);
            }
            Ok(_) => ctx.fail(&super::unexpected()),
            Err(e) => ctx.fail(&e),
        }
        // Customers are named by id, so older entries read further down need their names.
        self.names.load(&self.events, ctx);
        self.apply_filter();
    }

    fn apply_filter(&mut self) {
        let words: Vec<String> = fold(&self.filter.value())
            .split_whitespace()
            .map(str::to_string)
            .collect();
        self.shown = self
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                // The id and the name both find an entry.
                let hay = fold(&format!(
                    "{} {} {} {} {} {}",
                    e.action,
                    e.username.as_deref().unwrap_or(""),
                    e.target,
                    target(e, &self.names, &self.people),
                    e.outcome.as_str(),
                    e.detail
                ));
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .map(|(i, _)| i)
            .collect();
        self.sel.clamp(self.shown.len());
    }

    fn verify(&mut self, ctx: &mut Ctx) {
        match ctx.call(Request::AuditVerify) {
            Ok(Response::AuditReport(r)) => {
                let line = match &r.problem {
                    None => format!("Chain intact: {} entries verified", r.entries),
                    Some(p) => format!("Chain BROKEN after {} entries: {p}", r.entries),
                };
                ctx.note = Some(if r.ok() {
                    Note::ok(line.clone())
                } else {
                    Note::error(line.clone())
                });
                self.verified = Some((r.ok(), line));
                // The verification is itself audited: show it.
                self.events.clear();
                self.fetch(ctx);
            }
            Ok(_) => ctx.fail(&super::unexpected()),
            Err(e) => ctx.fail(&e),
        }
    }
}

impl Screen for Audit {
    fn chain(&self) -> &'static [Context] {
        if self.typing {
            chain::SEARCH
        } else {
            chain::AUDIT
        }
    }

    fn typing(&self) -> bool {
        self.typing
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::First
            | Action::Last => {
                self.sel.apply(action, self.shown.len());
                let at_end = self.sel.index + 1 >= self.shown.len();
                if at_end
                    && !self.complete
                    && matches!(action, Action::Down | Action::PageDown | Action::Last)
                {
                    self.fetch(ctx);
                }
            }
            Action::Search => self.typing = true,
            Action::Open | Action::Back if self.typing => self.typing = false,
            Action::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.apply_filter();
            }
            Action::Verify => self.verify(ctx),
            // The record the entry names, where this role may see it (the shell checks).
            Action::Open => {
                let target = self
                    .shown
                    .get(self.sel.index)
                    .and_then(|i| self.events.get(*i))
                    .and_then(|e| e.target.split_once(':'))
                    .and_then(|(kind, id)| Some((kind, id.parse().ok()?)));
                match target {
                    Some(("customer", id)) => ctx.nav = Some(super::Nav::Customer(id)),
                    Some(("task", id)) => ctx.nav = Some(super::Nav::Task(id)),
                    Some(("employee", id)) => ctx.nav = Some(super::Nav::Employee(id)),
                    _ => ctx.note = Some(super::Note::info("This entry names no record to open.")),
                }
            }
            _ => return false,
        }
        true
    }

    fn input(&mut self, key: &KeyEvent, _ctx: &mut Ctx) {
        if self.filter.handle(key) {
            self.sel.index = 0;
            self.apply_filter();
        }
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) {
        if self.typing {
            self.filter.insert_str(text);
            self.apply_filter();
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        self.events.clear();
        self.people = ctx.people.clone();
        self.fetch(ctx);
    }

    /// New entries arrive at the top: read as many as are loaded again, and keep the same
    /// entry highlighted. Reading the log is not itself logged.
    fn refresh(&mut self, ctx: &mut Ctx) {
        let keep = self
            .shown
            .get(self.sel.index)
            .and_then(|i| self.events.get(*i))
            .map(|e| e.seq);
        let limit = self.events.len().max(PAGE);
        match ctx.call(Request::AuditList { offset: 0, limit }) {
            Ok(Response::Audit(list)) => {
                self.complete = list.len() < limit;
                self.events = list;
            }
            Ok(_) => ctx.fail(&super::unexpected()),
            Err(e) => ctx.fail(&e),
        }
        self.people = ctx.people.clone();
        if self.names.stale(&self.events) {
            self.names.load(&self.events, ctx);
        }
        self.apply_filter();
        if let Some(i) = keep.and_then(|seq| {
            self.shown
                .iter()
                .position(|i| self.events.get(*i).is_some_and(|e| e.seq == seq))
        }) {
            self.sel.index = i;
        }
    }

    fn hints(&self) -> &'static [Action] {
        use Action::*;
        if self.typing {
            &[Open, Back]
        } else {
            &[Open, Search, Verify, Lookup, Help]
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let [bar, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        let key = ui.key(chain::AUDIT, Action::Search);
        let label = format!("{key} filter: ");
        let [l, field, right] = Layout::horizontal([
            Constraint::Length(label.chars().count() as u16),
            Constraint::Fill(1),
            Constraint::Length(44),
        ])
        .areas(bar);
        f.render_widget(
            Span::styled(label, if self.typing { t.focus() } else { t.label() }),
            l,
        );
        self.filter.draw(f, field, t.text(), self.typing);
        let more = if self.complete { "" } else { "+" };
        let status = match &self.verified {
            Some((true, _)) => Span::styled(
                format!(
                    "{} of {}{more} · chain verified",
                    self.shown.len(),
                    self.events.len()
                ),
                t.ok(),
            ),
            Some((false, _)) => Span::styled("CHAIN BROKEN · see the status line", t.error()),
            None => {
                let v = ui.key(chain::AUDIT, Action::Verify);
                Span::styled(
                    format!(
                        "{} of {}{more} · {v} verifies the chain",
                        self.shown.len(),
                        self.events.len()
                    ),
                    t.dim(),
                )
            }
        };
        f.render_widget(Line::from(status).right_aligned(), right);
        let inner = pane(f, body, "Audit log (newest first)", t, !self.typing);
        let cols = [
            col("#", Width::Cells(5)),
            col("When", Width::Cells(16)),
            col("Who", Width::Cells(8)),
            col("Action", Width::Cells(16)),
            col("Target", Width::Share(1)),
            col("Result", Width::Cells(6)),
            col("Detail", Width::Share(1)),
        ];
        let row = |n: usize| {
            let Some(e) = self.shown.get(n).and_then(|i| self.events.get(*i)) else {
                return Row::default();
            };
            {
                let row = Row::new(vec![
                    e.seq.to_string(),
                    when(e.at),
                    e.username.clone().unwrap_or_else(|| "-".into()),
                    e.action.clone(),
                    target(e, &self.names, ui.people),
                    e.outcome.as_str().into(),
                    clean(e.detail.trim_start_matches("; ")),
                ]);
                match e.outcome {
                    crate::domain::Outcome::Ok => row,
                    _ => row.styled(t.warn()),
                }
            }
        };
        table::draw_with(f, inner, &cols, self.shown.len(), row, &self.sel, t, true);
    }
}

/// A target by its name where this person may read the record (accounts: everyone may see
/// usernames), else by its id.
fn target(e: &AuditEvent, names: &names::Names, people: &super::People) -> String {
    if let Some(name) = names.get(&e.target) {
        return name.to_string();
    }
    match e.target.split_once(':') {
        Some(("user", id)) => match id.parse().ok().and_then(|id| people.0.get(&id)) {
            Some(p) => format!("user {}", p.username),
            None => e.target.clone(),
        },
        _ => e.target.clone(),
    }
}
