//! Drawing the tasks screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Mode, Tasks};
use crate::domain::Task;
use crate::service::TaskScope;
use crate::tui::screens::paged::draw_rows_label;
use crate::tui::screens::{date_of, when};
use crate::tui::text::{clean, clean_lines, fit};
use crate::tui::theme::Theme;
use crate::tui::ui::Ui;
use crate::tui::widgets::pane;
use crate::tui::widgets::table::{self, Row, Width, col};

pub fn draw(s: &Tasks, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    if let Mode::Edit(ed) = s.mode() {
        let title = match ed.id {
            None => "New task".to_string(),
            Some(_) => format!("Task: {}", fit(&clean(&ed.form.value("title")), 50)),
        };
        let inner = pane(f, area, &title, t, true);
        ed.form.draw(f, inner, t, ed.conflict.is_none());
        if let Some(c) = &ed.conflict {
            c.draw(f, area, ui);
        }
        return;
    }
    let [bar, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let scope = if s.scope == TaskScope::Mine {
        "mine"
    } else {
        "everyone's"
    };
    let n = s.list.total();
    let bar_text = format!(
        "{scope} · {} · {n} task{}",
        s.view.label(),
        if n == 1 { "" } else { "s" }
    );
    f.render_widget(Span::styled(bar_text, t.dim()), bar);
    let today = s.today;
    match &s.open {
        Some(task) if body.width >= 100 => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(body);
            draw_list(s, f, left, ui, today, false);
            draw_task(s, task, f, right, ui);
        }
        Some(task) => draw_task(s, task, f, body, ui),
        None => draw_list(s, f, body, ui, today, true),
    }
}

fn draw_list(
    s: &Tasks,
    f: &mut Frame,
    area: Rect,
    ui: &Ui,
    today: jiff::civil::Date,
    focused: bool,
) {
    let inner = pane(f, area, "Tasks", ui.theme, focused);
    let cols = [
        col("", Width::Cells(1)),
        col("Due", Width::Cells(10)),
        col("Title", Width::Share(3)),
        col("Status", Width::Cells(11)),
        col("Assignee", Width::Cells(10)),
        col("Customer", Width::Share(2)),
    ];
    let row = |i: usize| {
        // A row beyond the window held shows for the moment it takes to load.
        let Some(task) = s.list.get(i) else {
            return Row::new(vec![String::new(), "…".into()]);
        };
        let overdue = task.is_overdue(today);
        let due_today = !task.data.status.is_closed() && task.data.due == Some(today);
        let mark = if overdue {
            "!"
        } else if due_today {
            "•"
        } else {
            ""
        };
        let row = Row::new(vec![
            mark.into(),
            task.data.due.map(|d| d.to_string()).unwrap_or_default(),
            task.data.title.clone(),
            task.data.status.as_str().replace('_', " "),
            ui.people.name(task.data.assignee),
            s.customer_name(task.data.customer),
        ]);
        if overdue {
            row.styled(ui.theme.error())
        } else if due_today {
            row.styled(ui.theme.warn())
        } else {
            row
        }
    };
    table::draw_with(f, inner, &cols, s.list.total(), row, &s.sel, ui.theme, true);
    draw_rows_label(f, area, &s.sel, s.list.total(), ui.theme);
}

fn kv<'a>(t: &Theme, k: &str, v: String) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<11}"), t.label()),
        Span::raw(clean(&v)),
    ])
}

fn draw_task(s: &Tasks, task: &Task, f: &mut Frame, area: Rect, ui: &Ui) {
    let t = ui.theme;
    let inner = pane(f, area, "Task", t, true);
    let d = &task.data;
    let due = match (d.due, d.due_time) {
        (Some(day), Some(at)) => format!("{day} {}", at.strftime("%H:%M")),
        (Some(day), None) => day.to_string(),
        _ => "no due date".into(),
    };
    let mut lines = vec![
        Line::from(Span::styled(clean(&d.title), t.header())),
        kv(t, "Status", d.status.as_str().replace('_', " ")),
        kv(t, "Priority", d.priority.as_str().into()),
        kv(t, "Due", due),
        kv(t, "Assignee", ui.people.name(d.assignee)),
        kv(t, "Created by", ui.people.name(Some(task.stamp.created_by))),
        kv(t, "Customer", s.customer_name(d.customer)),
        Line::from(Span::styled(
            format!("Changed {}", when(task.stamp.updated_at)),
            t.dim(),
        )),
        Line::default(),
    ];
    for l in d
        .description
        .as_deref()
        .map(clean_lines)
        .unwrap_or_default()
    {
        lines.push(Line::from(l));
    }
    if !task.comments.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled("Comments", t.header())));
    }
    for c in &task.comments {
        let mut text = clean_lines(&c.text).into_iter();
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {} ", date_of(c.at), ui.people.name(Some(c.author))),
                t.dim(),
            ),
            Span::raw(text.next().unwrap_or_default()),
        ]));
        lines.extend(text.map(Line::from));
    }
    f.render_widget(
        Paragraph::new(crate::tui::bidi::lines(lines)).wrap(Wrap { trim: false }),
        inner,
    );
}
