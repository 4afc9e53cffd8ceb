//! The fields a column can map to, and how a row's values become a `CustomerInput`.

use jiff::civil::Date;

use crate::domain::customer::{CustomerKind, CustomerStatus};
use crate::domain::{CustomerInput, CustomerSensitive};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    FirstName,
    MiddleName,
    LastName,
    Company,
    Email,
    Phone,
    Street,
    City,
    Region,
    PostalCode,
    Country,
    Tags,
    Status,
    Source,
    Notes,
    ExternalId,
    Birthday,
    Consent,
    ConsentDate,
    /// `person` or `company`.
    Kind,
    NationalId,
    PrivateNotes,
    PaymentLast4,
    /// Read and deliberately not kept (a second address, a label column).
    Ignore,
}

impl Field {
    pub const ALL: [Field; 25] = [
        Field::Name,
        Field::FirstName,
        Field::MiddleName,
        Field::LastName,
        Field::Company,
        Field::Email,
        Field::Phone,
        Field::Street,
        Field::City,
        Field::Region,
        Field::PostalCode,
        Field::Country,
        Field::Tags,
        Field::Status,
        Field::Source,
        Field::Notes,
        Field::ExternalId,
        Field::Birthday,
        Field::Consent,
        Field::ConsentDate,
        Field::Kind,
        Field::NationalId,
        Field::PrivateNotes,
        Field::PaymentLast4,
        Field::Ignore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::FirstName => "first_name",
            Field::MiddleName => "middle_name",
            Field::LastName => "last_name",
            Field::Company => "company",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Street => "street",
            Field::City => "city",
            Field::Region => "region",
            Field::PostalCode => "postal_code",
            Field::Country => "country",
            Field::Tags => "tags",
            Field::Status => "status",
            Field::Source => "source",
            Field::Notes => "notes",
            Field::ExternalId => "external_id",
            Field::Birthday => "birthday",
            Field::Consent => "consent",
            Field::ConsentDate => "consent_date",
            Field::Kind => "kind",
            Field::NationalId => "national_id",
            Field::PrivateNotes => "private_notes",
            Field::PaymentLast4 => "payment_last4",
            Field::Ignore => "ignore",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        let s = s.trim().replace(['-', ' '], "_").to_ascii_lowercase();
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn names() -> String {
        Field::ALL.map(Field::as_str).join(", ")
    }
}

/// Google joins several values of one cell with ` ::: `.
pub fn split_multi(v: &str) -> impl Iterator<Item = &str> {
    v.split(":::").map(str::trim).filter(|s| !s.is_empty())
}

/// The values of one row, gathered field by field, then turned into an input.
#[derive(Debug, Default)]
pub struct RowBuilder {
    name: Option<String>,
    first: Vec<String>,
    last: Option<String>,
    company: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    street: Vec<String>,
    city: Option<String>,
    region: Option<String>,
    postal: Option<String>,
    country: Option<String>,
    tags: Vec<String>,
    status: Option<CustomerStatus>,
    source: Option<String>,
    notes: Vec<String>,
    pub external_id: Option<String>,
    birthday: Option<Date>,
    consent: bool,
    consent_date: Option<Date>,
    company_kind: bool,
    national_id: Option<String>,
    private_notes: Option<String>,
    payment_last4: Option<String>,
}

fn set_once(slot: &mut Option<String>, v: &str) {
    if slot.is_none() {
        *slot = Some(v.to_owned());
    }
}

fn push_unique(list: &mut Vec<String>, v: &str) {
    if !list.iter().any(|x| x == v) {
        list.push(v.to_owned());
    }
}

impl RowBuilder {
    /// Adds one cell. Errors name what is wrong with the value.
    pub fn add(&mut self, field: Field, raw: &str) -> Result<(), String> {
        let v = raw.trim();
        // Our own exports (and Excel users) make formula-like cells inert with a quote.
        let v = match v.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
            _ => v,
        };
        if v.is_empty() {
            return Ok(());
        }
        match field {
            Field::Name => set_once(&mut self.name, v),
            Field::FirstName | Field::MiddleName => self.first.push(v.to_owned()),
            Field::LastName => set_once(&mut self.last, v),
            Field::Company => set_once(&mut self.company, v),
            Field::Email => split_multi(v).for_each(|e| push_unique(&mut self.emails, e)),
            Field::Phone => {
                split_multi(v).for_each(|p| push_unique(&mut self.phones, &clean_phone(p)))
            }
            Field::Street => self.street.push(v.to_owned()),
            Field::City => set_once(&mut self.city, v),
            Field::Region => set_once(&mut self.region, v),
            Field::PostalCode => set_once(&mut self.postal, v),
            Field::Country => set_once(&mut self.country, v),
            Field::Tags => {
                for t in split_multi(v).flat_map(|t| t.split([';', ','])) {
                    // Google's system groups ("* myContacts", "* starred") are not the office's tags.
                    let t = t.trim().trim_start_matches("* ").trim();
                    if !t.is_empty() && !t.eq_ignore_ascii_case("mycontacts") {
                        push_unique(&mut self.tags, t);
                    }
                }
            }
            Field::Status => {
                self.status = Some(CustomerStatus::parse(v).ok_or_else(|| {
                    format!("status {v:?} is not lead, prospect, active or inactive")
                })?)
            }
            Field::Source => set_once(&mut self.source, v),
            Field::Notes => self.notes.push(v.to_owned()),
            Field::ExternalId => set_once(&mut self.external_id, v),
            Field::Birthday => {
                if self.birthday.is_none() {
                    self.birthday = parse_date(v).map_err(|e| format!("birthday {v:?} {e}"))?;
                }
            }
            Field::Consent => self.consent = truthy(v),
            Field::ConsentDate => {
                self.consent_date = parse_date(v).map_err(|e| format!("consent date {v:?} {e}"))?
            }
            Field::Kind => match v.to_ascii_lowercase().as_str() {
                "company" | "organization" | "organisation" => self.company_kind = true,
                "person" | "individual" => self.company_kind = false,
                _ => return Err(format!("kind {v:?} is not person or company")),
            },
            Field::NationalId => set_once(&mut self.national_id, v),
            Field::PrivateNotes => set_once(&mut self.private_notes, v),
            Field::PaymentLast4 => set_once(&mut self.payment_last4, v),
            Field::Ignore => {}
        }
        Ok(())
    }

    pub fn has_any(&self) -> bool {
        self.name.is_some()
            || !self.first.is_empty()
            || self.last.is_some()
            || self.company.is_some()
            || !self.emails.is_empty()
            || !self.phones.is_empty()
    }

    /// The input, the note text, and the external id. A row with no name is named after its
    /// company, then its first email, then its first phone.
    pub fn finish(self, tag: Option<&str>) -> Result<(CustomerInput, Option<String>), String> {
        let mut parts = self.first.clone();
        parts.extend(self.last.clone());
        let split = parts.join(" ");
        let person = self
            .name
            .clone()
            .or((!split.trim().is_empty()).then_some(split));
        let kind = if self.company_kind || person.is_none() && self.company.is_some() {
            CustomerKind::Company
        } else {
            CustomerKind::Person
        };
        let named_by_company = person.is_none() && self.company.is_some();
        let name = person
            .or_else(|| self.company.clone())
            .or_else(|| self.emails.first().cloned())
            .or_else(|| self.phones.first().cloned())
            .ok_or("no name, company, email or phone")?;
        let city = match (self.city, self.region) {
            (Some(c), Some(r)) => Some(format!("{c}, {r}")),
            (c, r) => c.or(r),
        };
        let street = self.street.join(", ");
        let mut tags = self.tags;
        if let Some(t) = tag {
            push_unique(&mut tags, t);
        }
        let note = self.notes.join("\n\n");
        let input = CustomerInput {
            kind,
            name,
            company: if named_by_company { None } else { self.company },
            emails: self.emails,
            phones: self.phones,
            address: crate::domain::customer::Address {
                street: (!street.is_empty()).then_some(street),
                city,
                postal_code: self.postal,
                country: self.country,
            },
            tags,
            status: self.status.unwrap_or_default(),
            owner: None,
            source: self.source,
            marketing_consent: self.consent || self.consent_date.is_some(),
            consent_date: self.consent_date,
            sensitive: None,
        };
        let sensitive = CustomerSensitive {
            national_id: self.national_id,
            date_of_birth: self.birthday,
            private_notes: self.private_notes,
            payment_last4: self.payment_last4,
        };
        let input = CustomerInput {
            sensitive: (!sensitive.is_empty()).then_some(sensitive),
            ..input
        };
        Ok((input, (!note.is_empty()).then_some(note)))
    }
}

/// `tel:+1-418-656-9254;ext=102` → `+1-418-656-9254`; extensions have no place in the phone
/// field, and the URI prefix is vCard 4.0's spelling.
pub fn clean_phone(p: &str) -> String {
    let p = p.trim();
    let p = p.strip_prefix("tel:").unwrap_or(p);
    let p = p.split(";ext=").next().unwrap_or(p);
    p.trim().to_owned()
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "yes" | "y" | "true" | "x" | "opted in" | "subscribed"
    )
}

/// Dates as exports write them: `YYYY-MM-DD`, `YYYYMMDD`, `MM/DD/YYYY` (US tools), a
/// timestamp's date part; `0/0/00` and `--MMDD` (no year) mean "no date".
pub fn parse_date(v: &str) -> Result<Option<Date>, String> {
    let v = v.trim();
    if v.is_empty() || v.starts_with("--") || v.chars().all(|c| c == '0' || c == '/' || c == '-') {
        return Ok(None);
    }
    let bad = || "is not a date (YYYY-MM-DD or MM/DD/YYYY)".to_string();
    let num = |s: &str| s.trim().parse::<i16>().map_err(|_| bad());
    let (y, m, d) = if let Some((m, rest)) = v.split_once('/') {
        let (d, y) = rest.split_once('/').ok_or_else(bad)?;
        let y = y.split_whitespace().next().unwrap_or("");
        let mut year = num(y)?;
        if y.len() == 2 {
            year += if year < 50 { 2000 } else { 1900 };
        }
        (year, num(m)?, num(d)?)
    } else {
        let day_part = v.split(['T', ' ']).next().unwrap_or(v);
        let compact: String = day_part.chars().filter(|c| *c != '-').collect();
        if compact.len() != 8 || !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        (
            num(&compact[..4])?,
            num(&compact[4..6])?,
            num(&compact[6..])?,
        )
    };
    let (Ok(m), Ok(d)) = (i8::try_from(m), i8::try_from(d)) else {
        return Err(bad());
    };
    Date::new(y, m, d)
        .map(Some)
        .map_err(|_| "is not a real calendar date".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_exported() {
        let d = |y, m, d| Ok(Some(Date::new(y, m, d).unwrap()));
        assert_eq!(parse_date("0/0/00"), Ok(None));
        assert_eq!(parse_date("--0203"), Ok(None));
        assert_eq!(parse_date("03/22/1980"), d(1980, 3, 22));
        assert_eq!(parse_date("1980-03-22"), d(1980, 3, 22));
        assert_eq!(parse_date("19800322"), d(1980, 3, 22));
        assert_eq!(parse_date("2021-03-14T09:28:38Z"), d(2021, 3, 14));
        assert!(parse_date("13/45/1980").is_err());
        assert!(parse_date("soon").is_err());
    }

    #[test]
    fn google_multi_values_and_split_names() {
        let mut b = RowBuilder::default();
        b.add(Field::FirstName, "Noa").unwrap();
        b.add(Field::LastName, "Levi").unwrap();
        b.add(Field::Email, "a@x.org ::: b@x.org").unwrap();
        b.add(Field::Tags, "* myContacts ::: Friends").unwrap();
        let (i, _) = b.finish(None).unwrap();
        assert_eq!(i.name, "Noa Levi");
        assert_eq!(i.emails, ["a@x.org", "b@x.org"]);
        assert_eq!(i.tags, ["Friends"]);
    }
}
