//! Who changed which field of a customer, from what to what, and when: the kept versions
//! compared one with the next. Sensitive fields are masked unless the reader may reveal.

use serde::{Deserialize, Serialize};

use super::Record;
use super::history::Kept;
use crate::domain::{Customer, CustomerInput, Id, UnixTime};

/// What a masked sensitive value reads as.
pub const MASK: &str = "••••";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// One change: `version` is the version it made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub version: u64,
    pub at: UnixTime,
    pub by: Id,
    pub changes: Vec<FieldChange>,
}

fn o(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn plain_fields(d: &CustomerInput) -> Vec<(&'static str, String)> {
    let a = &d.address;
    vec![
        ("kind", format!("{:?}", d.kind).to_lowercase()),
        ("name", d.name.clone()),
        ("company", o(&d.company)),
        ("email", d.emails.join(", ")),
        ("phone", d.phones.join(", ")),
        ("street", o(&a.street)),
        ("city", o(&a.city)),
        ("postal code", o(&a.postal_code)),
        ("country", o(&a.country)),
        ("tags", d.tags.join(", ")),
        ("status", d.status.as_str().into()),
        (
            "owner",
            d.owner.map(|u| format!("user {u}")).unwrap_or_default(),
        ),
        ("source", o(&d.source)),
        (
            "marketing consent",
            if d.marketing_consent { "yes" } else { "no" }.into(),
        ),
        (
            "consent date",
            d.consent_date.map(|x| x.to_string()).unwrap_or_default(),
        ),
    ]
}

fn sensitive_fields(d: &CustomerInput) -> Vec<(&'static str, String)> {
    let s = d.sensitive.clone().unwrap_or_default();
    vec![
        ("national id", o(&s.national_id)),
        (
            "date of birth",
            s.date_of_birth.map(|x| x.to_string()).unwrap_or_default(),
        ),
        ("private notes", o(&s.private_notes)),
        ("payment last four", o(&s.payment_last4)),
    ]
}

/// The fields that differ between two versions of a customer's data.
pub fn diff(a: &CustomerInput, b: &CustomerInput, reveal: bool) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for ((field, from), (_, to)) in plain_fields(a).into_iter().zip(plain_fields(b)) {
        if from != to {
            out.push(FieldChange {
                field: field.into(),
                from,
                to,
            });
        }
    }
    for ((field, from), (_, to)) in sensitive_fields(a).into_iter().zip(sensitive_fields(b)) {
        if from != to {
            let mask = |v: String| {
                if reveal || v.is_empty() {
                    v
                } else {
                    MASK.to_string()
                }
            };
            out.push(FieldChange {
                field: field.into(),
                from: mask(from),
                to: mask(to),
            });
        }
    }
    out
}

/// The changes of a customer, oldest first, from its kept versions and the current one.
pub fn customer_history(kept: &[Kept], current: &Customer, reveal: bool) -> Vec<HistoryEntry> {
    let versions: Vec<(&Kept, &Customer)> = kept
        .iter()
        .filter_map(|k| match &k.record {
            Record::Customer(c) => Some((k, c)),
            _ => None,
        })
        .collect();
    let mut out = Vec::with_capacity(versions.len());
    for (i, (k, before)) in versions.iter().enumerate() {
        // Only timeline entries come between a replaced version and the next kept one, so
        // the next kept one (or the current record) holds exactly what this change wrote.
        let after = versions.get(i + 1).map_or(current, |(_, c)| *c);
        out.push(HistoryEntry {
            version: before.stamp.version + 1,
            at: k.replaced_at,
            by: k.replaced_by,
            changes: diff(&before.data, &after.data, reveal),
        });
    }
    out
}

/// The fields of a customer as they were at `version`: the oldest kept version at or after
/// it (versions in between differ only by timeline entries), or the current record.
pub fn customer_at(kept: &[Kept], current: &Customer, version: u64) -> Option<CustomerInput> {
    if version == 0 || version > current.stamp.version {
        return None;
    }
    let found = kept.iter().find_map(|k| match &k.record {
        Record::Customer(c) if c.stamp.version >= version => Some(c.data.clone()),
        _ => None,
    });
    Some(found.unwrap_or_else(|| current.data.clone()))
}
