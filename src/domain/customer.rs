//! Customers: a person or a company, their contact data, and the interaction timeline.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::text::{self, FieldError};
use super::{Checker, Id, Invalid, LINE_MAX, NAME_MAX, NOTE_MAX_BYTES, Stamp, UnixTime, each};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    #[default]
    Person,
    Company,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    #[default]
    Lead,
    Prospect,
    Active,
    Inactive,
}

impl CustomerStatus {
    pub const ALL: [CustomerStatus; 4] = [Self::Lead, Self::Prospect, Self::Active, Self::Inactive];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Prospect => "prospect",
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    Call,
    Email,
    Meeting,
    Note,
}

impl InteractionKind {
    pub const ALL: [InteractionKind; 4] = [Self::Call, Self::Email, Self::Meeting, Self::Note];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Email => "email",
            Self::Meeting => "meeting",
            Self::Note => "note",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    pub kind: InteractionKind,
    pub author: Id,
    pub at: UnixTime,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

impl Address {
    /// The address on one line, in the order of the form (street, city, postal code,
    /// country), so the TUI and the command line show it alike.
    pub fn one_line(&self) -> String {
        [&self.street, &self.city, &self.postal_code, &self.country]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The part only some roles may see; revealing it is audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CustomerSensitive {
    pub national_id: Option<String>,
    pub date_of_birth: Option<Date>,
    pub private_notes: Option<String>,
    /// Last four digits of a payment card or account: never the full number (PCI DSS).
    pub payment_last4: Option<String>,
}

impl CustomerSensitive {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// What a person fills in; `Customer` adds what the system maintains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CustomerInput {
    pub kind: CustomerKind,
    pub name: String,
    pub company: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub address: Address,
    pub tags: Vec<String>,
    pub status: CustomerStatus,
    /// `None` on create means "the person creating it".
    pub owner: Option<Id>,
    pub source: Option<String>,
    pub marketing_consent: bool,
    pub consent_date: Option<Date>,
    /// `None` on update means "leave the sensitive part as it is".
    pub sensitive: Option<CustomerSensitive>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: Id,
    pub stamp: Stamp,
    pub data: CustomerInput,
    pub interactions: Vec<Interaction>,
}

fn opt(c: &mut Checker, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    match v {
        Some(s) => c.take(text::optional_line(field, s, max)).flatten(),
        None => None,
    }
}

impl CustomerInput {
    /// Sanitises and checks every field; all problems are reported at once, by field.
    pub fn validate(&self) -> Result<CustomerInput, Invalid> {
        let mut c = Checker::default();
        let name = c.take(text::required_line("name", &self.name, NAME_MAX));
        let company = opt(&mut c, "company", &self.company, NAME_MAX);
        let emails = each(&mut c, "email", &self.emails, text::email);
        let phones = each(&mut c, "phone", &self.phones, text::phone);
        let tags = each(&mut c, "tag", &self.tags, |f, s| {
            text::required_line(f, s, 50).map(|t| t.to_lowercase())
        });
        let address = Address {
            street: opt(&mut c, "street", &self.address.street, LINE_MAX),
            city: opt(&mut c, "city", &self.address.city, NAME_MAX),
            postal_code: opt(&mut c, "postal code", &self.address.postal_code, 20),
            country: opt(&mut c, "country", &self.address.country, NAME_MAX),
        };
        let source = opt(&mut c, "source", &self.source, NAME_MAX);
        if self.consent_date.is_some() && !self.marketing_consent {
            c.push("consent date", "given without marketing consent");
        }
        let sensitive = self.sensitive.as_ref().map(|s| CustomerSensitive {
            national_id: opt(&mut c, "national id", &s.national_id, 50),
            date_of_birth: s
                .date_of_birth
                .and_then(|d| c.take(text::birth_date("date of birth", d))),
            private_notes: s
                .private_notes
                .as_ref()
                .and_then(|n| c.take(text::multiline("private notes", n, NOTE_MAX_BYTES)))
                .filter(|n| !n.is_empty()),
            payment_last4: s.payment_last4.as_ref().and_then(|p| c.take(last4(p))),
        });
        c.finish(|| CustomerInput {
            kind: self.kind,
            name: name.unwrap_or_default(),
            company,
            emails,
            phones,
            address,
            tags,
            status: self.status,
            owner: self.owner,
            source,
            marketing_consent: self.marketing_consent,
            consent_date: self.consent_date,
            sensitive,
        })
    }
}

fn last4(s: &str) -> Result<String, FieldError> {
    let d = text::digits(s);
    if d.len() != 4 || d.len() != s.trim().len() {
        return Err(FieldError {
            field: "payment last four".into(),
            message: "enter exactly the last four digits".into(),
        });
    }
    Ok(d)
}

/// Checks interaction text (free text: sanitised, no card numbers).
pub fn validate_interaction(text_in: &str) -> Result<String, Invalid> {
    let mut c = Checker::default();
    let t = c.take(text::multiline("text", text_in, NOTE_MAX_BYTES));
    if let Some(t) = &t {
        if t.is_empty() {
            c.push("text", "is required");
        }
    }
    c.finish(|| t.unwrap_or_default())
}
