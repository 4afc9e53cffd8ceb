//! Home: my tasks (overdue first), recently changed customers, a chart or two, and for
//! admins the security picture.

mod security;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, Paragraph};

use super::{Ctx, Nav, Screen, date_of, unexpected};
use crate::domain::role::Scope;
use crate::domain::{Permission, Task, TaskStatus};
use crate::search::CustomerSummary;
use crate::service::{Request, Response, TaskFilter, TaskScope};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::text::{clean, fit};
use crate::tui::ui::Ui;
use crate::tui::widgets::pane;
use crate::tui::widgets::table::{self, Row, Selection, Width, col};

/// What an admin sees about accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Security {
    locked: Vec<String>,
    disabled: Vec<String>,
    failed_24h: u32,
    policy_not_accepted: Vec<String>,
    /// Records quarantined at unseal because they no longer open.
    quarantined: Vec<String>,
    /// Customers the next retention run would remove, when rules are set.
    retention_due: Option<usize>,
}

#[derive(Default)]
pub struct Home {
    mine: Vec<Task>,
    recent: Vec<CustomerSummary>,
    /// Tasks by status, over what the role may read.
    by_status: [u64; 4],
    /// New customers in each of the last six months, oldest first, with the month's name.
    per_month: Vec<(String, u64)>,
    /// For admins: the summary, or why it could not be read.
    security: Option<Result<Security, String>>,
    today: jiff::civil::Date,
    sel: Selection,
}

impl Home {
    fn load_tasks(&mut self, ctx: &mut Ctx) {
        let filter = TaskFilter {
            scope: TaskScope::Mine,
            ..TaskFilter::default()
        };
        if let Ok(Response::Tasks(list)) = ctx.call(Request::TaskList { filter }) {
            self.mine = list
                .into_iter()
                .filter(|t| !t.data.status.is_closed())
                .collect();
        }
        let scope = if ctx.me.scope(Permission::TaskRead) == Scope::All {
            TaskScope::All
        } else {
            TaskScope::Mine
        };
        let filter = TaskFilter {
            scope,
            ..TaskFilter::default()
        };
        if let Ok(Response::Tasks(list)) = ctx.call(Request::TaskList { filter }) {
            self.by_status = [0; 4];
            for t in list {
                let i = TaskStatus::ALL
                    .iter()
                    .position(|s| *s == t.data.status)
                    .unwrap_or(0);
                self.by_status[i] += 1;
            }
        }
    }

    fn load_customers(&mut self, ctx: &mut Ctx) {
        use crate::search::{Cursor, Sort, SortKey, Start, Window};
        let mut page = |window: Window| match ctx.call(Request::CustomerPage {
            filter: Default::default(),
            query: String::new(),
            window,
        }) {
            Ok(Response::CustomerPage(p)) => Some(p),
            _ => None,
        };
        // The twenty most recently changed, sorted by the service.
        let recent = Sort {
            key: SortKey::Updated,
            desc: true,
        };
        let Some(first) = page(Window::first(20, recent)) else {
            return;
        };
        self.recent = first.rows;
        // Month boundaries as instants; customers created before one are counted by where
        // a window starting there begins in the created order, so no list travels.
        let tz = jiff::tz::TimeZone::system();
        let start_of = |d: jiff::civil::Date| {
            tz.to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
                .map(|t| t.as_second())
                .ok()
        };
        let first_of_month = self.today.first_of_month();
        let months: Vec<(jiff::civil::Date, i64, i64)> = (0..6)
            .rev()
            .filter_map(|back| {
                let m = first_of_month
                    .checked_sub(jiff::Span::new().months(back))
                    .ok()?;
                let next = m.checked_add(jiff::Span::new().months(1)).ok()?;
                Some((m, start_of(m)?, start_of(next)?))
            })
            .collect();
        let mut before = |at: i64| {
            let created = Sort {
                key: SortKey::Created,
                desc: false,
            };
            let start = Start::After(Cursor {
                major: at - 1,
                minor: String::new(),
                id: u64::MAX,
            });
            page(Window {
                start,
                limit: 1,
                sort: created,
            })
            .map_or(0, |p| p.offset as u64)
        };
        self.per_month = months
            .iter()
            .map(|(m, a, b)| {
                let n = before(*b).saturating_sub(before(*a));
                (m.strftime("%b").to_string(), n)
            })
            .collect();
    }

    /// Who is locked, disabled or behind on the policy, and recent failed sign-ins.
    fn load_security(&mut self, ctx: &mut Ctx) {
        self.security = Some(match ctx.call(Request::SecuritySummary) {
            Ok(Response::Security {
                locked,
                disabled,
                failed_last_24h,
                policy_not_accepted,
            }) => Ok(Security {
                locked,
                disabled,
                failed_24h: failed_last_24h,
                policy_not_accepted,
                quarantined: match ctx.call(Request::IntegrityStatus) {
                    Ok(Response::Integrity { quarantined, .. }) => quarantined,
                    _ => Vec::new(),
                },
                retention_due: retention_due(ctx),
            }),
            Ok(_) => Err(unexpected().to_string()),
            Err(e) => Err(e.to_string()),
        });
    }
}

/// How many customers the next retention run would erase or anonymise (counts only, not
/// audited); `None` with no rules or for a role that may not see them.
fn retention_due(ctx: &mut Ctx) -> Option<usize> {
    if !ctx.me.can(Permission::CustomerErase) {
        return None;
    }
    match ctx.call(Request::RetentionPreview { counts_only: true }) {
        Ok(Response::RetentionPlan(p)) if !p.rules.is_empty() => Some(p.total()),
        _ => None,
    }
}

impl Screen for Home {
    fn chain(&self) -> &'static [Context] {
        chain::HOME
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match action {
            Action::Open => {
                if let Some(t) = self.mine.get(self.sel.index) {
                    ctx.nav = Some(Nav::Task(t.id));
                }
                true
            }
            other => self.sel.apply(other, self.mine.len()),
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        let keep = self.mine.get(self.sel.index).map(|t| t.id);
        self.today = ctx.today();
        self.load_tasks(ctx);
        if ctx.me.can(Permission::CustomerRead) {
            self.load_customers(ctx);
        }
        if ctx.me.can(Permission::UserAdmin) {
            self.load_security(ctx);
        }
        // Only the status (for the backup line); admins alone are asked.
        let _ = ctx.load_backups();
        if let Some(i) = keep.and_then(|id| self.mine.iter().position(|t| t.id == id)) {
            self.sel.index = i;
        }
        self.sel.clamp(self.mine.len());
    }

    /// Everything on Home comes from lists and summaries, none of them audited.
    fn refresh(&mut self, ctx: &mut Ctx) {
        self.enter(ctx);
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::Open,
            Action::Lookup,
            Action::NextTab,
            Action::Help,
            Action::Quit,
        ]
    }

    fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let customers = ui.me.is_some_and(|m| m.can(Permission::CustomerRead));
        let warning = security::backup_warning(ui);
        let [banner, top, bottom] = Layout::vertical([
            Constraint::Length(u16::from(warning.is_some())),
            Constraint::Fill(1),
            Constraint::Length(8),
        ])
        .areas(area);
        if let Some(w) = warning {
            f.render_widget(w, banner);
        }
        if customers {
            let [l, r] =
                Layout::horizontal([Constraint::Percentage(58), Constraint::Fill(1)]).areas(top);
            self.draw_tasks(f, l, ui);
            self.draw_recent(f, r, ui);
        } else {
            self.draw_tasks(f, top, ui);
        }
        let mut boxes = vec![Constraint::Fill(1)];
        if customers {
            boxes.push(Constraint::Fill(1));
        }
        if self.security.is_some() {
            boxes.push(Constraint::Fill(1));
        }
        let areas = Layout::horizontal(boxes).split(bottom);
        self.draw_status_chart(f, areas[0], ui);
        if customers {
            self.draw_month_chart(f, areas[1], ui);
        }
        if let (Some(s), Some(a)) = (&self.security, areas.last()) {
            security::draw(s, f, *a, ui);
        }
    }
}

impl Home {
    fn draw_tasks(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        let overdue = self
            .mine
            .iter()
            .filter(|x| x.is_overdue(self.today))
            .count();
        let title = if overdue > 0 {
            format!("My open tasks · {overdue} overdue")
        } else {
            "My open tasks".into()
        };
        let inner = pane(f, area, &title, t, true);
        let cols = [
            col("", Width::Cells(1)),
            col("Due", Width::Cells(10)),
            col("Task", Width::Share(1)),
        ];
        let rows: Vec<Row> = self
            .mine
            .iter()
            .map(|x| {
                let due = x
                    .data
                    .due
                    .map(|d| {
                        if d == self.today {
                            "today".into()
                        } else {
                            d.to_string()
                        }
                    })
                    .unwrap_or_default();
                if x.is_overdue(self.today) {
                    Row::new(vec!["!".into(), due, x.data.title.clone()]).styled(t.error())
                } else if x.data.due == Some(self.today) {
                    Row::new(vec!["•".into(), due, x.data.title.clone()]).styled(t.warn())
                } else {
                    Row::new(vec![String::new(), due, x.data.title.clone()])
                }
            })
            .collect();
        table::draw(f, inner, &cols, &rows, &self.sel, t, true);
    }

    fn draw_recent(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let inner = pane(f, area, "Recently changed customers", ui.theme, false);
        let lines: Vec<Line> = self
            .recent
            .iter()
            .map(|c| {
                let w = usize::from(inner.width).saturating_sub(11);
                Line::from(vec![
                    Span::styled(format!("{} ", date_of(c.updated_at)), ui.theme.dim()),
                    Span::raw(fit(&clean(&c.name), w)),
                ])
            })
            .collect();
        if lines.is_empty() {
            f.render_widget(Span::styled("No customers yet.", ui.theme.dim()), inner);
        } else {
            f.render_widget(Paragraph::new(crate::tui::bidi::lines(lines)), inner);
        }
    }

    fn draw_status_chart(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let inner = pane(f, area, "Tasks by status", ui.theme, false);
        let labels = ["open", "in progress", "done", "cancelled"];
        let bars: Vec<Bar> = labels
            .iter()
            .zip(self.by_status)
            .map(|(l, v)| Bar::default().label(Line::from(*l)).value(v))
            .collect();
        let chart = BarChart::horizontal(bars)
            .bar_width(1)
            .bar_gap(0)
            .bar_style(ui.theme.bar())
            .value_style(ui.theme.header());
        f.render_widget(chart, inner);
    }

    fn draw_month_chart(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let inner = pane(f, area, "New customers per month", ui.theme, false);
        let bars: Vec<Bar> = self
            .per_month
            .iter()
            .map(|(m, v)| Bar::default().label(Line::from(m.clone())).value(*v))
            .collect();
        let chart = BarChart::vertical(bars)
            .bar_width(3)
            .bar_gap(1)
            .bar_style(ui.theme.bar())
            .value_style(ui.theme.header());
        f.render_widget(chart, inner);
    }
}
