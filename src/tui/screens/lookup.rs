//! Quick lookup (`/` anywhere): one search across the customers, employees and tasks the
//! role can see, results as you type; Enter opens the record.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::{Ctx, Nav};
use crate::search::{Hit, HitKind};
use crate::service::{Request, Response};
use crate::tui::action::Action;
use crate::tui::ui::Ui;
use crate::tui::widgets::input::Input;
use crate::tui::widgets::table::{self, Row, Selection, Width, col};
use crate::tui::widgets::{centered, popup};

const LIMIT: usize = 20;

#[derive(Default)]
pub struct Lookup {
    input: Input,
    hits: Vec<Hit>,
    sel: Selection,
}

/// What the lookup wants after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    Stay,
    Close,
    Open(Nav),
}

impl Lookup {
    fn search(&mut self, ctx: &mut Ctx) {
        let query = self.input.value();
        self.sel.index = 0;
        if query.trim().is_empty() {
            self.hits.clear();
            return;
        }
        match ctx.call(Request::QuickSearch {
            query,
            limit: LIMIT,
        }) {
            Ok(Response::Hits(h)) => self.hits = h,
            Ok(_) => ctx.fail(&super::unexpected()),
            Err(e) => ctx.fail(&e),
        }
    }

    pub fn update(&mut self, action: Action, _ctx: &mut Ctx) -> Option<Done> {
        Some(match action {
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                self.sel.apply(action, self.hits.len());
                Done::Stay
            }
            Action::Back => Done::Close,
            Action::Open => match self.hits.get(self.sel.index) {
                Some(h) => Done::Open(match h.kind {
                    HitKind::Customer => Nav::Customer(h.id),
                    HitKind::Employee => Nav::Employee(h.id),
                    HitKind::Task => Nav::Task(h.id),
                }),
                None => Done::Stay,
            },
            _ => return None,
        })
    }

    pub fn input(&mut self, key: &KeyEvent, ctx: &mut Ctx) {
        let before = self.input.value();
        self.input.handle(key);
        if self.input.value() != before {
            self.search(ctx);
        }
    }

    pub fn paste(&mut self, text: &str, ctx: &mut Ctx) {
        self.input.insert_str(text);
        self.search(ctx);
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let inner = popup(f, centered(area, 76, 18), "Quick lookup", t);
        let [bar, _, list] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        let [label, field] =
            Layout::horizontal([Constraint::Length(7), Constraint::Fill(1)]).areas(bar);
        f.render_widget(Span::styled("Find: ", t.focus()), label);
        self.input.draw(f, field, t.text(), true);
        if self.input.is_empty() {
            let help = "Name, company, email, phone digits or tag · Enter opens · Esc closes";
            f.render_widget(Line::from(Span::styled(help, t.dim())), list);
            return;
        }
        let cols = [
            col("Kind", Width::Cells(8)),
            col("Name", Width::Share(2)),
            col("Details", Width::Share(3)),
        ];
        let rows: Vec<Row> = self
            .hits
            .iter()
            .map(|h| {
                let kind = match h.kind {
                    HitKind::Customer => "customer",
                    HitKind::Employee => "employee",
                    HitKind::Task => "task",
                };
                Row::new(vec![kind.into(), h.title.clone(), h.detail.clone()])
            })
            .collect();
        table::draw(f, list, &cols, &rows, &self.sel, t, true);
    }
}
