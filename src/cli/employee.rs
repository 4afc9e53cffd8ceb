//! `kasefet employee ...`

use super::args::{EmployeeCmd, EmployeeFields};
use super::output::{fields, json, opt, table};
use super::{CliError, Ctx, date_arg, unexpected};
use crate::domain::{Employee, EmployeeHr, EmployeeInput};
use crate::service::{Request, Response};

fn some(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.trim().is_empty())
}

fn wants_hr(f: &EmployeeFields) -> bool {
    f.national_id.is_some()
        || f.salary.is_some()
        || f.bank_account.is_some()
        || f.emergency_contact.is_some()
        || f.hr_notes.is_some()
}

fn apply(ctx: &mut Ctx<'_>, f: &EmployeeFields, d: &mut EmployeeInput) -> Result<(), CliError> {
    if let Some(n) = &f.name {
        d.name = n.clone();
    }
    for (src, dst) in [
        (&f.title, &mut d.title),
        (&f.department, &mut d.department),
        (&f.email, &mut d.email),
        (&f.phone, &mut d.phone),
    ] {
        if src.is_some() {
            *dst = some(src);
        }
    }
    if f.manager.is_some() {
        d.manager = f.manager.filter(|m| *m != 0);
    }
    if f.hire_date.is_some() {
        d.hire_date = date_arg("hire date", &f.hire_date)?;
    }
    if let Some(a) = &f.account {
        d.user = if a.trim().is_empty() {
            None
        } else {
            Some(ctx.user_id(a)?)
        };
    }
    if wants_hr(f) {
        let mut hr = d.hr.clone().unwrap_or_default();
        apply_hr(f, &mut hr);
        d.hr = Some(hr);
    }
    Ok(())
}

fn apply_hr(f: &EmployeeFields, hr: &mut EmployeeHr) {
    for (src, dst) in [
        (&f.national_id, &mut hr.national_id),
        (&f.salary, &mut hr.salary),
        (&f.bank_account, &mut hr.bank_account),
        (&f.emergency_contact, &mut hr.emergency_contact),
        (&f.hr_notes, &mut hr.notes),
    ] {
        if src.is_some() {
            *dst = some(src);
        }
    }
}

fn get(ctx: &mut Ctx<'_>, id: u64, reveal: bool) -> Result<Employee, CliError> {
    match ctx.call(Request::EmployeeGet { id, reveal })? {
        Response::Employee(e) => Ok(*e),
        _ => Err(unexpected()),
    }
}

fn done(ctx: &Ctx<'_>, what: &str, id: u64) -> Result<String, CliError> {
    if ctx.json {
        json(&serde_json::json!({ "id": id }))
    } else {
        Ok(format!("{what} employee {id}\n"))
    }
}

pub fn run(ctx: &mut Ctx<'_>, cmd: EmployeeCmd) -> Result<String, CliError> {
    match cmd {
        EmployeeCmd::Add { fields: f } => {
            if f.name.is_none() {
                return Err(CliError::invalid(
                    "invalid input: name: is required (--name)",
                ));
            }
            let mut d = EmployeeInput::default();
            apply(ctx, &f, &mut d)?;
            match ctx.call(Request::EmployeeCreate { input: d })? {
                Response::Created { id } => done(ctx, "created", id),
                _ => Err(unexpected()),
            }
        }
        EmployeeCmd::List => match ctx.call(Request::EmployeeList)? {
            Response::Employees(list) if ctx.json => json(&list),
            Response::Employees(list) => {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|e| {
                        let d = &e.data;
                        vec![
                            e.id.to_string(),
                            d.name.clone(),
                            opt(&d.title),
                            opt(&d.department),
                            opt(&d.phone),
                            opt(&d.email),
                        ]
                    })
                    .collect();
                Ok(table(
                    &["id", "name", "title", "department", "phone", "email"],
                    &rows,
                ))
            }
            _ => Err(unexpected()),
        },
        EmployeeCmd::Show { id, reveal } => {
            let e = get(ctx, id, reveal)?;
            if ctx.json {
                return json(&e);
            }
            let d = &e.data;
            let mut pairs = vec![
                ("id", e.id.to_string()),
                ("name", d.name.clone()),
                ("title", opt(&d.title)),
                ("department", opt(&d.department)),
                ("email", opt(&d.email)),
                ("phone", opt(&d.phone)),
                (
                    "manager",
                    d.manager.map(|m| m.to_string()).unwrap_or_default(),
                ),
                (
                    "hired",
                    d.hire_date.map(|x| x.to_string()).unwrap_or_default(),
                ),
                ("version", e.stamp.version.to_string()),
            ];
            if let Some(hr) = &d.hr {
                let a = &hr.home_address;
                pairs.extend([
                    ("national id", opt(&hr.national_id)),
                    ("salary", opt(&hr.salary)),
                    ("bank account", opt(&hr.bank_account)),
                    (
                        "home address",
                        [&a.street, &a.postal_code, &a.city, &a.country]
                            .into_iter()
                            .flatten()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    ("emergency", opt(&hr.emergency_contact)),
                    ("hr notes", opt(&hr.notes).replace('\n', " ⏎ ")),
                ]);
            }
            Ok(fields(&pairs))
        }
        EmployeeCmd::Edit { id, fields: f } => {
            let e = get(ctx, id, wants_hr(&f))?;
            let mut d = e.data.clone();
            apply(ctx, &f, &mut d)?;
            ctx.call(Request::EmployeeUpdate {
                id,
                version: e.stamp.version,
                input: d,
            })?;
            done(ctx, "updated", id)
        }
        EmployeeCmd::Delete { id } => {
            ctx.call(Request::EmployeeDelete { id })?;
            done(ctx, "deleted", id)
        }
        EmployeeCmd::Trash => super::trash::list(ctx, crate::privacy::RecordKind::Employee),
        EmployeeCmd::Restore { id } => {
            super::trash::restore(ctx, crate::privacy::RecordKind::Employee, id)
        }
    }
}
