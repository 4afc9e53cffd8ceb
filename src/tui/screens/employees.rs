//! Employees: the directory everyone sees; the HR part (and editing) for hr and admin.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, Me, Screen, unexpected};
use crate::domain::customer::Address;
use crate::domain::text::date;
use crate::domain::{Employee, EmployeeHr, EmployeeInput, FieldError, Id, Permission};
use crate::service::{Error, Request, Response};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, chain};
use crate::tui::text::clean;
use crate::tui::ui::Ui;
use crate::tui::widgets::conflict::Conflict;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::pane;
use crate::tui::widgets::table::{self, Row, Selection, Width, col};

struct Editor {
    form: Form,
    id: Option<Id>,
    version: u64,
    hr: bool,
    base: EmployeeInput,
    conflict: Option<Conflict>,
}

#[derive(Default)]
pub struct Employees {
    rows: Vec<Employee>,
    sel: Selection,
    /// Opened with Enter; with the HR part after a reveal.
    open: Option<Employee>,
    revealed: bool,
    edit: Option<Editor>,
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

impl Editor {
    fn new(e: Option<&Employee>, hr: bool) -> Editor {
        let base = e.map(|e| e.data.clone()).unwrap_or_default();
        let d = &base;
        let mut fields = vec![
            Field::text("name", "Name", &d.name),
            Field::text("title", "Title", &opt(&d.title)),
            Field::text("department", "Department", &opt(&d.department)),
            Field::text("email", "Email", &opt(&d.email)),
            Field::text("phone", "Phone", &opt(&d.phone)),
            Field::text(
                "hire date",
                "Hired",
                &d.hire_date.map(|x| x.to_string()).unwrap_or_default(),
            )
            .with_hint("YYYY-MM-DD"),
        ];
        if hr {
            let h = d.hr.clone().unwrap_or_default();
            fields.extend([
                Field::text("national id", "National id", &opt(&h.national_id)),
                Field::text("salary", "Salary", &opt(&h.salary)),
                Field::text("bank account", "Bank account", &opt(&h.bank_account)),
                Field::text("home street", "Home street", &opt(&h.home_address.street)),
                Field::text("home city", "Home city", &opt(&h.home_address.city)),
                Field::text("emergency contact", "Emergency", &opt(&h.emergency_contact)),
                Field::text("notes", "HR notes", &opt(&h.notes)),
            ]);
        }
        let (id, version) = e.map_or((None, 0), |e| (Some(e.id), e.stamp.version));
        Editor {
            form: Form::new(fields),
            id,
            version,
            hr,
            base,
            conflict: None,
        }
    }

    fn input(&self) -> Result<EmployeeInput, Vec<FieldError>> {
        let f = &self.form;
        let mut errors = Vec::new();
        let hire_date = f
            .opt("hire date")
            .and_then(|v| date("hire date", &v).map_err(|e| errors.push(e)).ok());
        let old_hr = self.base.hr.clone().unwrap_or_default();
        let input = EmployeeInput {
            name: f.value("name"),
            title: f.opt("title"),
            department: f.opt("department"),
            email: f.opt("email"),
            phone: f.opt("phone"),
            hire_date,
            hr: self.hr.then(|| EmployeeHr {
                national_id: f.opt("national id"),
                salary: f.opt("salary"),
                bank_account: f.opt("bank account"),
                home_address: Address {
                    street: f.opt("home street"),
                    city: f.opt("home city"),
                    ..old_hr.home_address
                },
                emergency_contact: f.opt("emergency contact"),
                notes: f.opt("notes"),
            }),
            ..self.base.clone()
        };
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }

    /// Saves; `Some(id)` when done.
    fn save(&mut self, version: u64, ctx: &mut Ctx) -> Option<Id> {
        let input = match self.input() {
            Ok(i) => i,
            Err(e) => {
                self.form.set_errors(&e);
                return None;
            }
        };
        let req = match self.id {
            None => Request::EmployeeCreate { input },
            Some(id) => Request::EmployeeUpdate { id, version, input },
        };
        match ctx.call(req) {
            Ok(Response::Created { id }) => Some(id),
            Ok(Response::Done) => self.id,
            Ok(_) => {
                ctx.fail(&unexpected());
                None
            }
            Err(Error::Invalid(inv)) => {
                self.form.set_invalid(&inv);
                None
            }
            Err(e) => {
                match Conflict::from_error(&e) {
                    Some(c) => self.conflict = Some(c),
                    None => ctx.fail(&e),
                }
                None
            }
        }
    }
}

impl Employees {
    fn reload(&mut self, ctx: &mut Ctx) {
        match ctx.call(Request::EmployeeList) {
            Ok(Response::Employees(mut list)) => {
                list.sort_by_cached_key(|e| crate::domain::text::fold(&e.data.name));
                self.rows = list;
                self.sel.clamp(self.rows.len());
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
    }

    pub fn open_id(&mut self, id: Id, reveal: bool, ctx: &mut Ctx) {
        self.edit = None;
        if let Some(i) = self.rows.iter().position(|e| e.id == id) {
            self.sel.index = i;
        }
        match ctx.call(Request::EmployeeGet { id, reveal }) {
            Ok(Response::Employee(e)) => {
                self.open = Some(*e);
                self.revealed = reveal;
            }
            Ok(_) => ctx.fail(&unexpected()),
            Err(e) => ctx.fail(&e),
        }
    }

    fn selected_id(&self) -> Option<Id> {
        self.open
            .as_ref()
            .map(|e| e.id)
            .or_else(|| self.rows.get(self.sel.index).map(|e| e.id))
    }

    fn update_edit(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let Some(ed) = self.edit.as_mut() else {
            return false;
        };
        if let Some(c) = ed.conflict.clone() {
            match action {
                Action::Overwrite => {
                    ed.conflict = None;
                    if let Some(id) = ed.save(c.version, ctx) {
                        self.saved(id, ctx);
                    }
                }
                Action::Reload => {
                    let id = ed.id;
                    self.edit = None;
                    if let Some(id) = id {
                        let hr = self.revealed;
                        self.open_id(id, hr, ctx);
                        self.edit = Some(Editor::new(self.open.as_ref(), hr));
                    }
                }
                Action::Cancel => ed.conflict = None,
                _ => {}
            }
            return true;
        }
        match action {
            Action::NextField if !ed.form.on_last() => ed.form.next(),
            Action::PrevField => ed.form.prev(),
            Action::NextField | Action::Save => {
                let version = ed.version;
                if let Some(id) = ed.save(version, ctx) {
                    self.saved(id, ctx);
                }
            }
            Action::Cancel => self.edit = None,
            Action::Toggle if ed.form.toggle() => {}
            _ => return false,
        }
        true
    }

    fn saved(&mut self, id: Id, ctx: &mut Ctx) {
        let hr = self.edit.as_ref().is_some_and(|e| e.hr);
        self.edit = None;
        ctx.ok("Saved");
        self.reload(ctx);
        self.open_id(id, hr, ctx);
    }
}

impl Screen for Employees {
    fn chain(&self) -> &'static [Context] {
        match &self.edit {
            Some(e) if e.conflict.is_some() => chain::CONFLICT,
            Some(_) => chain::FORM,
            None => chain::EMPLOYEES,
        }
    }

    fn typing(&self) -> bool {
        self.edit.as_ref().is_some_and(|e| e.conflict.is_none())
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if self.edit.is_some() {
            return self.update_edit(action, ctx);
        }
        let hr = ctx.me.can(Permission::EmployeeHr);
        match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::First
            | Action::Last => {
                self.open = None;
                self.revealed = false;
                self.sel.apply(action, self.rows.len());
            }
            Action::Open => {
                if let Some(id) = self.rows.get(self.sel.index).map(|e| e.id) {
                    self.open_id(id, false, ctx);
                }
            }
            Action::Back if self.open.is_some() => self.leave(),
            Action::Reveal if hr => {
                if let Some(id) = self.selected_id() {
                    self.open_id(id, true, ctx);
                }
            }
            Action::New if hr => self.edit = Some(Editor::new(None, true)),
            Action::Edit if hr => {
                if let Some(id) = self.selected_id() {
                    self.open_id(id, true, ctx);
                    self.edit = self.open.as_ref().map(|e| Editor::new(Some(e), true));
                }
            }
            _ => return false,
        }
        true
    }

    fn input(&mut self, key: &KeyEvent, _ctx: &mut Ctx) {
        if let Some(e) = self.edit.as_mut() {
            e.form.input(key);
        }
    }

    fn paste(&mut self, text: &str, _ctx: &mut Ctx) {
        if let Some(e) = self.edit.as_mut() {
            e.form.paste(text);
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        self.reload(ctx);
    }

    fn leave(&mut self) {
        self.open = None;
        self.revealed = false;
    }

    fn unsaved(&self) -> bool {
        self.edit.as_ref().is_some_and(|e| e.form.changed())
    }

    fn hints(&self) -> &'static [Action] {
        use Action::*;
        match &self.edit {
            Some(e) if e.conflict.is_some() => &[Reload, Overwrite, Cancel],
            Some(_) => &[Save, NextField, Cancel],
            None if self.open.is_some() => &[Back, Reveal, Edit, Help],
            None => &[Open, New, Lookup, Help],
        }
    }

    fn offers(&self, me: &Me, action: Action) -> bool {
        match action {
            Action::New | Action::Edit | Action::Reveal => me.can(Permission::EmployeeHr),
            _ => true,
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
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
            let rows: Vec<Row> = self
                .rows
                .iter()
                .map(|e| {
                    Row::new(vec![
                        e.data.name.clone(),
                        opt(&e.data.title),
                        opt(&e.data.department),
                        opt(&e.data.phone),
                    ])
                })
                .collect();
            table::draw(f, inner, &cols, &rows, &self.sel, t, true);
        }
        if let (Some(a), Some(e)) = (detail, &self.open) {
            let inner = pane(f, a, "Employee", t, true);
            f.render_widget(Paragraph::new(self.detail_lines(e, ui)), inner);
        }
    }
}

impl Employees {
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
