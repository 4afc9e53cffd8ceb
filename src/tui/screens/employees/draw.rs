//! Drawing the employees screen: the directory, the record, the form.

use super::*;

impl Employees {
    pub(super) fn draw_screen(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = ui.theme;
        if let Some(ed) = &self.edit {
            let title = if ed.id.is_some() {
                "Edit employee"
            } else {
                "New employee"
            };
            let inner = pane(f, area, title, t, true);
            ed.form.draw(f, inner, t, ed.conflict.is_none());
            if let Some(c) = &ed.conflict {
                c.draw(f, area, ui);
            }
            return;
        }
        let (list_area, detail) = match &self.open {
            Some(_) if area.width >= 100 => {
                let [l, r] = Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)])
                    .areas(area);
                (Some(l), Some(r))
            }
            Some(_) => (None, Some(area)),
            None => (Some(area), None),
        };
        if let Some(a) = list_area {
            let inner = pane(f, a, "Employees", t, self.open.is_none());
            let cols = [
                col("Name", Width::Share(3)),
                col("Title", Width::Share(2)),
                col("Department", Width::Share(2)),
                col("Phone", Width::Cells(15)),
            ];
            let row = |i: usize| {
                // A row beyond the window held shows for the moment it takes to load.
                let Some(e) = self.list.get(i) else {
                    return Row::new(vec!["…".into()]);
                };
                Row::new(vec![
                    e.data.name.clone(),
                    opt(&e.data.title),
                    opt(&e.data.department),
                    opt(&e.data.phone),
                ])
            };
            let total = self.list.total();
            table::draw_with(f, inner, &cols, total, row, &self.sel, t, true);
            crate::tui::screens::paged::draw_rows_label(f, a, &self.sel, total, t);
        }
        if let (Some(a), Some(e)) = (detail, &self.open) {
            let inner = pane(f, a, "Employee", t, true);
            let lines = crate::tui::bidi::lines(self.detail_lines(e, ui));
            f.render_widget(Paragraph::new(lines), inner);
        }
    }

    fn detail_lines(&self, e: &Employee, ui: &Ui) -> Vec<Line<'static>> {
        let t = ui.theme;
        let kv = |k: &str, v: String| {
            Line::from(vec![
                Span::styled(format!("{k:<13}"), t.label()),
                Span::raw(clean(&v)),
            ])
        };
        let d = &e.data;
        let mut lines = vec![
            Line::from(Span::styled(clean(&d.name), t.header())),
            kv("Title", opt(&d.title)),
            kv("Department", opt(&d.department)),
            kv("Email", opt(&d.email)),
            kv("Phone", opt(&d.phone)),
            kv(
                "Hired",
                d.hire_date.map(|x| x.to_string()).unwrap_or_default(),
            ),
            Line::default(),
        ];
        let may = ui.me.is_some_and(|m| m.can(Permission::EmployeeHr));
        match (&d.hr, self.revealed) {
            (Some(h), true) => {
                lines.push(Line::from(Span::styled("HR (shown; audited)", t.warn())));
                lines.push(kv("National id", opt(&h.national_id)));
                lines.push(kv("Salary", opt(&h.salary)));
                lines.push(kv("Bank account", opt(&h.bank_account)));
                let home = [&h.home_address.street, &h.home_address.city]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>();
                lines.push(kv("Home", home.join(", ")));
                lines.push(kv("Emergency", opt(&h.emergency_contact)));
                lines.push(kv("Notes", opt(&h.notes)));
            }
            _ if may => {
                let key = ui.key(chain::EMPLOYEES, Action::Reveal);
                lines.push(Line::from(Span::styled(
                    format!("HR fields hidden · {key} reveals (audited)"),
                    t.dim(),
                )));
            }
            _ => {}
        }
        lines
    }
}
