//! Kasefet's own files: CSV with a stable header, JSON in the `--json` shapes, vCard 4.0.

use serde::Serialize;

use crate::domain::{Customer, Employee, Task};

/// The CSV header of a customer export, in this order; `--reveal` adds `SENSITIVE_COLUMNS`.
/// Multi-valued cells are joined with ` ::: ` (as Google does), which the importer splits.
pub const CUSTOMER_COLUMNS: [&str; 17] = [
    "kasefet id",
    "kind",
    "name",
    "company",
    "emails",
    "phones",
    "street",
    "city",
    "postal code",
    "country",
    "tags",
    "status",
    "owner",
    "source",
    "marketing consent",
    "consent date",
    "updated at",
];
pub const SENSITIVE_COLUMNS: [&str; 4] =
    ["national id", "birthday", "private notes", "payment last4"];

pub const TASK_COLUMNS: [&str; 10] = [
    "kasefet id",
    "title",
    "description",
    "status",
    "priority",
    "due",
    "due time",
    "assignee",
    "customer",
    "updated at",
];

pub const EMPLOYEE_COLUMNS: [&str; 9] = [
    "kasefet id",
    "name",
    "title",
    "department",
    "email",
    "phone",
    "manager",
    "hire date",
    "user",
];
pub const EMPLOYEE_HR_COLUMNS: [&str; 6] = [
    "national id",
    "salary",
    "bank account",
    "home address",
    "emergency contact",
    "notes",
];

/// A spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, tab or CR as a formula (OWASP
/// "CSV injection"); a leading quote makes it text, and the importer takes the quote off again.
pub fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn joined(v: &[String]) -> String {
    v.join(" ::: ")
}

fn time(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

pub struct CsvOptions {
    /// A UTF-8 byte order mark, so Excel opens Hebrew and accents right.
    pub bom: bool,
    /// The mark and the header row: the first part of an export has them, later parts not.
    pub header: bool,
}

fn write_csv(
    header: Vec<&str>,
    rows: impl Iterator<Item = Vec<String>>,
    o: &CsvOptions,
) -> Vec<u8> {
    let mut out = if o.bom && o.header {
        vec![0xef, 0xbb, 0xbf]
    } else {
        Vec::new()
    };
    let mut w = csv::Writer::from_writer(&mut out);
    if o.header {
        let _ = w.write_record(&header);
    }
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| inert(c)));
    }
    drop(w);
    out
}

/// `owner` names people by username through `who`.
pub fn customers_csv(
    cs: &[Customer],
    reveal: bool,
    who: &dyn Fn(Option<u64>) -> String,
    o: &CsvOptions,
) -> Vec<u8> {
    let mut header: Vec<&str> = CUSTOMER_COLUMNS.to_vec();
    if reveal {
        header.extend(SENSITIVE_COLUMNS);
    }
    let rows = cs.iter().map(|c| {
        let d = &c.data;
        let mut r = vec![
            c.id.to_string(),
            match d.kind {
                crate::domain::customer::CustomerKind::Person => "person".into(),
                crate::domain::customer::CustomerKind::Company => "company".into(),
            },
            d.name.clone(),
            opt(&d.company),
            joined(&d.emails),
            joined(&d.phones),
            opt(&d.address.street),
            opt(&d.address.city),
            opt(&d.address.postal_code),
            opt(&d.address.country),
            joined(&d.tags),
            d.status.as_str().into(),
            who(d.owner),
            opt(&d.source),
            if d.marketing_consent { "yes" } else { "no" }.into(),
            opt(&d.consent_date),
            time(c.stamp.updated_at),
        ];
        if reveal {
            let s = d.sensitive.clone().unwrap_or_default();
            r.extend([
                opt(&s.national_id),
                opt(&s.date_of_birth),
                opt(&s.private_notes),
                opt(&s.payment_last4),
            ]);
        }
        r
    });
    write_csv(header, rows, o)
}

pub fn tasks_csv(ts: &[Task], who: &dyn Fn(Option<u64>) -> String, o: &CsvOptions) -> Vec<u8> {
    let rows = ts.iter().map(|t| {
        let d = &t.data;
        vec![
            t.id.to_string(),
            d.title.clone(),
            opt(&d.description),
            d.status.as_str().into(),
            d.priority.as_str().into(),
            opt(&d.due),
            opt(&d.due_time),
            who(d.assignee),
            opt(&d.customer),
            time(t.stamp.updated_at),
        ]
    });
    write_csv(TASK_COLUMNS.to_vec(), rows, o)
}

pub fn employees_csv(
    es: &[Employee],
    reveal: bool,
    who: &dyn Fn(Option<u64>) -> String,
    o: &CsvOptions,
) -> Vec<u8> {
    let mut header = EMPLOYEE_COLUMNS.to_vec();
    if reveal {
        header.extend(EMPLOYEE_HR_COLUMNS);
    }
    let rows = es.iter().map(|e| {
        let d = &e.data;
        let mut r = vec![
            e.id.to_string(),
            d.name.clone(),
            opt(&d.title),
            opt(&d.department),
            opt(&d.email),
            opt(&d.phone),
            opt(&d.manager),
            opt(&d.hire_date),
            who(d.user),
        ];
        if reveal {
            let h = d.hr.clone().unwrap_or_default();
            let a = &h.home_address;
            let addr = [&a.street, &a.city, &a.postal_code, &a.country]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            r.extend([
                opt(&h.national_id),
                opt(&h.salary),
                opt(&h.bank_account),
                addr,
                opt(&h.emergency_contact),
                opt(&h.notes),
            ]);
        }
        r
    });
    write_csv(header, rows, o)
}

pub fn json<T: Serialize>(items: &[T]) -> Vec<u8> {
    json_part(items, true, true)
}

/// One part of a JSON array written in parts: the parts of a list put end to end are
/// byte for byte what `json` makes of the whole list. The first opens the array, each
/// later one continues it after a comma, the last closes it.
pub fn json_part<T: Serialize>(items: &[T], first: bool, last: bool) -> Vec<u8> {
    if items.is_empty() {
        return match (first, last) {
            (true, _) => b"[]\n".to_vec(),
            (false, true) => b"\n]\n".to_vec(),
            (false, false) => Vec::new(),
        };
    }
    let whole = serde_json::to_vec_pretty(items).unwrap_or_default();
    // `[` + "\n  item,\n  item" + "\n]": keep the middle.
    let inner = whole
        .get(1..whole.len().saturating_sub(2))
        .unwrap_or_default();
    let mut v = Vec::with_capacity(inner.len() + 4);
    v.push(if first { b'[' } else { b',' });
    v.extend_from_slice(inner);
    if last {
        v.extend_from_slice(b"\n]\n");
    }
    v
}

/// vCard text escaping (RFC 6350 §3.4).
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            ',' => o.push_str("\\,"),
            ';' => o.push_str("\\;"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o
}

/// Folds a content line at 75 octets without splitting a character (RFC 6350 §3.2).
fn fold_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// vCard 4.0, one card per customer. `UID` carries the Kasefet id so a re-import matches.
pub fn customers_vcard(cs: &[Customer], reveal: bool) -> Vec<u8> {
    let mut out = String::new();
    for c in cs {
        let d = &c.data;
        let mut lines = vec!["BEGIN:VCARD".to_string(), "VERSION:4.0".into()];
        lines.push(format!("UID:kasefet-customer-{}", c.id));
        lines.push(format!("FN:{}", esc(&d.name)));
        if d.kind == crate::domain::customer::CustomerKind::Company {
            lines.push("KIND:org".into());
        }
        if let Some(co) = &d.company {
            lines.push(format!("ORG:{}", esc(co)));
        }
        for e in &d.emails {
            lines.push(format!("EMAIL:{}", esc(e)));
        }
        for p in &d.phones {
            lines.push(format!("TEL;VALUE=text:{}", esc(p)));
        }
        let a = &d.address;
        if a != &Default::default() {
            lines.push(format!(
                "ADR:;;{};{};;{};{}",
                esc(&opt(&a.street)),
                esc(&opt(&a.city)),
                esc(&opt(&a.postal_code)),
                esc(&opt(&a.country))
            ));
        }
        if !d.tags.is_empty() {
            let t: Vec<String> = d.tags.iter().map(|t| esc(t)).collect();
            lines.push(format!("CATEGORIES:{}", t.join(",")));
        }
        // What vCard has no property for travels in X- properties, which other programs keep
        // and ignore (RFC 6350 §6.10).
        lines.push(format!("X-KASEFET-STATUS:{}", d.status.as_str()));
        if let Some(s) = &d.source {
            lines.push(format!("X-KASEFET-SOURCE:{}", esc(s)));
        }
        if d.marketing_consent {
            let date = d.consent_date.map(|x| x.to_string());
            lines.push(format!(
                "X-KASEFET-CONSENT:{}",
                date.as_deref().unwrap_or("yes")
            ));
        }
        if let (true, Some(s)) = (reveal, d.sensitive.as_ref()) {
            if let Some(b) = s.date_of_birth {
                lines.push(format!("BDAY:{}", b.strftime("%Y%m%d")));
            }
            if let Some(v) = &s.national_id {
                lines.push(format!("X-KASEFET-NATIONAL-ID:{}", esc(v)));
            }
            if let Some(v) = &s.private_notes {
                lines.push(format!("X-KASEFET-PRIVATE-NOTES:{}", esc(v)));
            }
            if let Some(v) = &s.payment_last4 {
                lines.push(format!("X-KASEFET-PAYMENT-LAST4:{}", esc(v)));
            }
        }
        lines.push("END:VCARD".into());
        for l in lines {
            fold_line(&mut out, &l);
        }
    }
    out.into_bytes()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Any cut of any list, parts end to end, is the whole list's JSON; empty parts too.
    #[test]
    fn json_parts_join_into_the_whole_array() {
        for n in 0..6usize {
            let items: Vec<(usize, String)> = (0..n).map(|i| (i, format!("x\"{i}"))).collect();
            let whole = json(&items);
            for cut in 0..=n {
                let (a, b) = items.split_at(cut);
                let joined = match (a.is_empty(), b.is_empty()) {
                    (_, true) => json_part(a, true, true),
                    (true, false) => json_part(b, true, true),
                    _ => [json_part(a, true, false), json_part(b, false, true)].concat(),
                };
                assert_eq!(joined, whole, "{n} cut at {cut}");
            }
            // A last part left empty (its records deleted meanwhile) still closes the array.
            if n > 0 {
                let joined = [
                    json_part(&items, true, false),
                    json_part(&items[..0], false, true),
                ];
                assert_eq!(joined.concat(), whole, "{n}");
            }
        }
        assert_eq!(json::<u8>(&[]), b"[]\n");
    }

    #[test]
    fn formulas_are_inert() {
        for bad in ["=1+1", "+972", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(inert(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(inert("Noa"), "Noa");
    }

    #[test]
    fn folding_keeps_characters_whole() {
        let mut s = String::new();
        fold_line(&mut s, &format!("NOTE:{}", "ש".repeat(60)));
        for l in s.split("\r\n") {
            assert!(l.len() <= 76);
        }
        assert!(String::from_utf8(s.into_bytes()).is_ok());
    }
}
