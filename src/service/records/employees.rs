//! Employee requests: the directory for everyone, the HR part for hr and admin.

use std::collections::BTreeMap;

use super::{Acted, Cx, Update};
use crate::domain::role::{Permission, allows};
use crate::domain::{Employee, EmployeeInput, Id};
use crate::service::request::Response;
use crate::service::{Error, Result};
use crate::store::{self, Tree};

impl Cx<'_> {
    fn load_employee(&self, id: Id) -> Result<Employee> {
        self.open
            .employees
            .read()
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("employee {id}")))
    }

    fn check_employee_links(&self, e: &EmployeeInput, id: Option<Id>) -> Result<()> {
        if let Some(m) = e.manager {
            if !self.open.employees.read().contains_key(&m) || Some(m) == id {
                return Err(Error::Invalid(crate::domain::Invalid(vec![
                    crate::domain::FieldError {
                        field: "manager".into(),
                        message: format!("no other employee with id {m}"),
                    },
                ])));
            }
        }
        if let Some(u) = e.user {
            self.user_exists(u, "user")?;
        }
        Ok(())
    }

    pub fn employee_get(&mut self, id: Id, reveal: bool) -> Result<Acted> {
        let mut e = self.load_employee(id)?;
        if !reveal || !allows(self.user.role, Permission::EmployeeHr) {
            e.data.hr = None;
        }
        Ok(Acted::read(
            Response::Employee(Box::new(e)),
            format!("employee:{id}"),
        ))
    }

    pub fn employee_create(&mut self, input: EmployeeInput) -> Result<Acted> {
        let mut data = input.validate()?;
        self.check_employee_links(&data, None)?;
        if data.hr.is_none() {
            data.hr = Some(Default::default());
        }
        let (id, id_op) = self.store.next_id(Tree::Employees)?;
        let e = Employee {
            id,
            stamp: self.new_stamp(),
            data,
        };
        Ok(Acted {
            response: Response::Created { id },
            target: format!("employee:{id}"),
            ops: vec![
                id_op,
                self.open
                    .vault
                    .put(Tree::Employees, &store::id_key(id), &e)?,
            ],
            detail: String::new(),
            updates: vec![Update::Employee(Box::new(e))],
        })
    }

    pub fn employee_update(&mut self, id: Id, version: u64, input: EmployeeInput) -> Result<Acted> {
        let current = self.load_employee(id)?;
        self.check_version(format!("employee {id}"), &current.stamp, version)?;
        let mut data = input.validate()?;
        self.check_employee_links(&data, Some(id))?;
        if data.hr.is_none() {
            data.hr = current.data.hr.clone();
        }
        let keep = self.keep_record(crate::privacy::Record::Employee(current.clone()))?;
        let e = Employee {
            id,
            stamp: self.bump(&current.stamp),
            data,
        };
        Ok(Acted {
            response: Response::Done,
            target: format!("employee:{id}"),
            ops: vec![
                keep,
                self.open
                    .vault
                    .put(Tree::Employees, &store::id_key(id), &e)?,
            ],
            detail: String::new(),
            updates: vec![Update::Employee(Box::new(e))],
        })
    }

    pub fn employee_delete(&mut self, id: Id) -> Result<Acted> {
        let e = self.load_employee(id)?;
        let mut ops = Vec::new();
        let mut updates = vec![Update::EmployeeGone(id)];
        let reports: Vec<_> = self
            .open
            .employees
            .read()
            .values()
            .filter(|e| e.data.manager == Some(id))
            .cloned()
            .collect();
        let unlinked = reports.iter().map(|r| r.id).collect();
        ops.extend(self.to_trash(crate::privacy::Record::Employee(e), unlinked)?);
        for mut e in reports {
            e.data.manager = None;
            e.stamp = self.bump(&e.stamp);
            ops.push(
                self.open
                    .vault
                    .put(Tree::Employees, &store::id_key(e.id), &e)?,
            );
            updates.push(Update::Employee(Box::new(e)));
        }
        Ok(Acted {
            response: Response::Done,
            target: format!("employee:{id}"),
            ops,
            detail: String::new(),
            updates,
        })
    }
}

/// The directory: everyone's record without the HR part, which only an (audited) reveal
/// shows.
pub(crate) fn directory(employees: &BTreeMap<Id, Employee>) -> Vec<Employee> {
    employees.values().map(without_hr).collect()
}

pub(super) fn without_hr(e: &Employee) -> Employee {
    let mut e = e.clone();
    e.data.hr = None;
    e
}
