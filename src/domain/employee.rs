//! Employees: the directory everyone sees, and the HR part only hr and admin see.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::customer::Address;
use super::text;
use super::{Checker, Id, Invalid, LINE_MAX, NAME_MAX, NOTE_MAX_BYTES, Stamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EmployeeHr {
    pub national_id: Option<String>,
    pub salary: Option<String>,
    pub bank_account: Option<String>,
    pub home_address: Address,
    pub emergency_contact: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EmployeeInput {
    pub name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub manager: Option<Id>,
    pub hire_date: Option<Date>,
    pub user: Option<Id>,
    /// `None` on update means "leave the HR part as it is".
    pub hr: Option<EmployeeHr>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    pub id: Id,
    pub stamp: Stamp,
    pub data: EmployeeInput,
}

fn line(c: &mut Checker, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    v.as_ref()
        .and_then(|s| c.take(text::optional_line(field, s, max)).flatten())
}

impl EmployeeInput {
    pub fn validate(&self) -> Result<EmployeeInput, Invalid> {
        let mut c = Checker::default();
        let name = c.take(text::required_line("name", &self.name, NAME_MAX));
        let title = line(&mut c, "title", &self.title, NAME_MAX);
        let department = line(&mut c, "department", &self.department, NAME_MAX);
        let email = self
            .email
            .as_ref()
            .filter(|e| !e.trim().is_empty())
            .and_then(|e| c.take(text::email("email", e)));
        let phone = self
            .phone
            .as_ref()
            .filter(|p| !p.trim().is_empty())
            .and_then(|p| c.take(text::phone("phone", p)));
        let hr = self.hr.as_ref().map(|h| EmployeeHr {
            national_id: line(&mut c, "national id", &h.national_id, 50),
            salary: line(&mut c, "salary", &h.salary, 50),
            bank_account: line(&mut c, "bank account", &h.bank_account, 80),
            home_address: super::customer::Address {
                street: line(&mut c, "home street", &h.home_address.street, LINE_MAX),
                city: line(&mut c, "home city", &h.home_address.city, NAME_MAX),
                postal_code: line(&mut c, "home postal code", &h.home_address.postal_code, 20),
                country: line(&mut c, "home country", &h.home_address.country, NAME_MAX),
            },
            emergency_contact: line(&mut c, "emergency contact", &h.emergency_contact, LINE_MAX),
            notes: h
                .notes
                .as_ref()
                .and_then(|n| c.take(text::multiline("notes", n, NOTE_MAX_BYTES)))
                .filter(|n| !n.is_empty()),
        });
        c.finish(|| EmployeeInput {
            name: name.unwrap_or_default(),
            title,
            department,
            email,
            phone,
            manager: self.manager,
            hire_date: self.hire_date,
            user: self.user,
            hr,
        })
    }
}
