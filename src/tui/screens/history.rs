//! The history view of a customer: every change, newest first, with who made it, when, and
//! each field from what to what (sensitive values masked unless the role may reveal them;
//! the service masks them). `v` sets the fields back to how they were before the highlighted
//! change (the version it replaced), after a `y`.
//! Opened with `H` on a customer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Ctx, unexpected, when};
use crate::domain::Id;
use crate::privacy::changes::HistoryEntry;
use crate::service::{Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::text::{clean, fit};
use crate::tui::ui::Ui;
use crate::tui::widgets::confirm::{Answer, Confirm};
use crate::tui::widgets::pane;
use crate::tui::widgets::table::Selection;

/// What a key did in the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Stay,
    Ignored,
    Close,
    /// The record changed: whoever shows it should load it again.
    Reverted(Id),
}

#[derive(Debug, Clone)]
pub struct HistoryView {
    id: Id,
    name: String,
    /// Newest first.
    entries: Vec<HistoryEntry>,
    sel: Selection,
    /// Offered by the caller from the role table (the service decides anyway).
    may_revert: bool,
    confirm: Option<Confirm<u64>>,
}

impl HistoryView {
    pub fn open(id: Id, name: &str, may_revert: bool, ctx: &mut Ctx) -> HistoryView {
        let mut v = HistoryView {
            id,
            name: name.to_string(),
            entries: Vec::new(),
            sel: Selection::default(),
            may_revert,
            confirm: None,
        };
        v.load(ctx);
        v
    }

    fn load(&mut self, ctx: &mut Ctx) {
        match ctx.call(Request::CustomerHistory { id: self.id }) {
            Ok(Response::History(mut h)) => {
                h.reverse();
                self.entries = h;
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
        self.sel.clamp(self.entries.len());
    }

    pub fn chain(&self) -> &'static [Context] {
        if self.confirm.is_some() {
            crate::tui::keymap::chain::CONFIRM
        } else {
            crate::tui::keymap::chain::HISTORY
        }
    }

    pub fn hints(&self) -> &'static [Action] {
        if self.confirm.is_some() {
            &[Action::Yes, Action::No]
        } else if self.may_revert {
            &[Action::RevertVersion, Action::Back, Action::Help]
        } else {
            &[Action::Back, Action::Help]
        }
    }

    pub fn may_revert(&self) -> bool {
        self.may_revert
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Step {
        if let Some(c) = &self.confirm {
            match c.answer(action) {
                Answer::Yes(to) => {
                    self.confirm = None;
                    match ctx.call(Request::CustomerRevert { id: self.id, to }) {
                        Ok(_) => {
                            ctx.ok(format!("Set back to version {to}"));
                            self.load(ctx);
                            self.sel.index = 0;
                            return Step::Reverted(self.id);
                        }
                        Err(e) => ctx.fail(&e),
                    }
                }
                Answer::No => self.confirm = None,
                Answer::Pending => {}
            }
            return Step::Stay;
        }
        match action {
            Action::Back | Action::History => Step::Close,
            Action::RevertVersion if self.may_revert => {
                if let Some(e) = self.entries.get(self.sel.index) {
                    let to = e.version.saturating_sub(1).max(1);
                    let q = format!(
                        "Set the fields of {} back to version {to}, as they were before the change of {} by {}? The timeline stays; the revert is kept in the history too.",
                        clean(&self.name),
                        when(e.at),
                        clean(&ctx.people.name(Some(e.by)))
                    );
                    self.confirm = Some(Confirm::new("Revert customer", q, "revert", to));
                }
                Step::Stay
            }
            Action::RevertVersion => {
                ctx.note = Some(super::Note::warn(
                    "Only whoever may edit this customer can revert it.",
                ));
                Step::Stay
            }
            other if self.sel.apply(other, self.entries.len()) => Step::Stay,
            _ => Step::Ignored,
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let title = format!("History · {}", fit(&clean(&self.name), 40));
        let inner = pane(f, area, &title, t, true);
        let mut lines: Vec<Line> = Vec::new();
        if self.entries.is_empty() {
            lines.push(Line::from(Span::styled(
                "No changes yet: every edit keeps the version it replaced.",
                t.dim(),
            )));
        }
        // The highlighted change first on screen, with what follows under it.
        for (i, e) in self
            .entries
            .iter()
            .enumerate()
            .skip(self.sel.index.saturating_sub(1))
        {
            let mut head = Span::styled(
                format!(
                    "version {:<4} {}  {}",
                    e.version,
                    when(e.at),
                    ui.people.name(Some(e.by))
                ),
                t.header(),
            );
            if i == self.sel.index {
                head = head.patch_style(t.selected().add_modifier(Modifier::BOLD));
            }
            lines.push(Line::from(head));
            if e.changes.is_empty() {
                lines.push(Line::from(Span::styled("  (no field changed)", t.dim())));
            }
            for c in &e.changes {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {:<18}", c.field), t.label()),
                    Span::raw(clean(&c.from)),
                    Span::styled(" → ", t.dim()),
                    Span::raw(clean(&c.to)),
                ]));
            }
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some(c) = &self.confirm {
            c.draw(f, area, ui);
        }
    }
}
