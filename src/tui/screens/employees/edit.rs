//! The employee form (directory fields, and the HR part for hr and admin).

use super::*;

pub(super) struct Editor {
    pub(super) form: Form,
    pub(super) id: Option<Id>,
    pub(super) version: u64,
    pub(super) hr: bool,
    pub(super) base: EmployeeInput,
    pub(super) conflict: Option<Conflict>,
}

impl Editor {
    pub(super) fn new(e: Option<&Employee>, hr: bool) -> Editor {
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
                "Hire date",
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
    pub(super) fn save(&mut self, version: u64, ctx: &mut Ctx) -> Option<Id> {
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
