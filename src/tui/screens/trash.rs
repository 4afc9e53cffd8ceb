//! The trash view: deleted customers waiting out the trash window, who deleted them and
//! when they will be purged; `u` brings the highlighted one back with its timeline and links.
//! Opened with `T` on Customers (admin, manager: the role table's "delete, restore").

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, unexpected, when};
use crate::domain::Id;
use crate::privacy::RecordKind;
use crate::privacy::trash::TrashItem;
use crate::service::{Request, Response};
use crate::tui::action::Action;
use crate::tui::text::clean;
use crate::tui::ui::Ui;
use crate::tui::widgets::pane;
use crate::tui::widgets::table::{self, Row, Selection, Width, col};

/// What a key did in the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Stay,
    Ignored,
    Close,
    /// A record came back: the list it belongs to should load again.
    Restored(Id),
}

#[derive(Debug, Clone)]
pub struct TrashView {
    kind: RecordKind,
    items: Vec<TrashItem>,
    sel: Selection,
}

impl TrashView {
    pub fn open(kind: RecordKind, ctx: &mut Ctx) -> TrashView {
        let mut v = TrashView {
            kind,
            items: Vec::new(),
            sel: Selection::default(),
        };
        v.load(ctx);
        v
    }

    pub fn load(&mut self, ctx: &mut Ctx) {
        match ctx.call(Request::TrashList { kind: self.kind }) {
            Ok(Response::Trash(items)) => self.items = items,
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
        self.sel.clamp(self.items.len());
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Step {
        match action {
            Action::Back | Action::Trash => Step::Close,
            Action::Restore => {
                let Some(item) = self.items.get(self.sel.index).cloned() else {
                    return Step::Stay;
                };
                match ctx.call(Request::TrashRestore {
                    kind: self.kind,
                    id: item.id,
                }) {
                    Ok(Response::Restored { relinked }) => {
                        let links = match relinked {
                            0 => String::new(),
                            n => format!(", {n} links restored"),
                        };
                        ctx.ok(format!(
                            "{} is back with its timeline{links}",
                            clean(&item.label)
                        ));
                        self.load(ctx);
                        return Step::Restored(item.id);
                    }
                    Ok(_) => ctx.fail(&unexpected()),
                    Err(e) => ctx.fail(&e),
                }
                Step::Stay
            }
            other if self.sel.apply(other, self.items.len()) => Step::Stay,
            _ => Step::Ignored,
        }
    }

    pub const HINTS: &'static [Action] = &[Action::Restore, Action::Back, Action::Help];

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let title = format!("Trash · {} {}s", self.items.len(), self.kind.as_str());
        let inner = pane(f, area, &title, t, true);
        if self.items.is_empty() {
            f.render_widget(
                Paragraph::new(Line::from(Span::styled(
                    format!("The {} trash is empty.", self.kind.as_str()),
                    t.dim(),
                ))),
                inner,
            );
            return;
        }
        let cols = [
            col("Name", Width::Share(3)),
            col("Deleted", Width::Cells(17)),
            col("By", Width::Cells(10)),
            col("Purged after", Width::Cells(17)),
        ];
        let rows: Vec<Row> = self
            .items
            .iter()
            .map(|i| {
                Row::new(vec![
                    i.label.clone(),
                    when(i.deleted_at),
                    ui.people.name(Some(i.deleted_by)),
                    when(i.purge_at),
                ])
            })
            .collect();
        table::draw(f, inner, &cols, &rows, &self.sel, t, true);
    }
}

/// What `route` did with a key for a screen that may have a trash view open over its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routed {
    /// No view is open: the screen handles the key itself.
    NotOpen,
    /// The view had it (or closed); `false` when it meant nothing there.
    Handled(bool),
    /// A record came back: the screen's list should load again.
    Restored,
}

/// Opens the `kind` trash on `T` for a role with `permission`, says no to anyone else, and
/// hands every key to an open view.
pub fn route(
    slot: &mut Option<TrashView>,
    kind: RecordKind,
    permission: crate::domain::Permission,
    action: Action,
    ctx: &mut Ctx,
) -> Routed {
    if let Some(v) = slot.as_mut() {
        return match v.update(action, ctx) {
            Step::Stay => Routed::Handled(true),
            Step::Ignored => Routed::Handled(false),
            Step::Close => {
                *slot = None;
                Routed::Handled(true)
            }
            Step::Restored(_) => Routed::Restored,
        };
    }
    if action != Action::Trash {
        return Routed::NotOpen;
    }
    if ctx.me.can(permission) {
        *slot = Some(TrashView::open(kind, ctx));
    } else {
        ctx.note = Some(super::Note::warn(format!(
            "The {} role cannot open the {} trash.",
            ctx.me.role,
            kind.as_str()
        )));
    }
    Routed::Handled(true)
}
