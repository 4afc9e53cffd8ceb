//! Subject access (GDPR Art. 15, 20): everything Kasefet holds about one customer, as one
//! JSON document (format `kasefet-subject-export/1`, described in man/kasefet.1) and as
//! plain text a person can read.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::Record;
use super::changes::HistoryEntry;
use super::history::Kept;
use crate::domain::{AuditEvent, Customer, Id, Task, UnixTime};

pub const FORMAT: &str = "kasefet-subject-export/1";

/// Marketing consent given or withdrawn: when, by whom, and how it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEvent {
    pub at: UnixTime,
    pub by: Id,
    pub given: bool,
    /// The consent date the record held afterwards.
    pub date: Option<Date>,
    /// `created` (with the record), `edit` (a later change of the record) or `consent`
    /// (recorded as consent given or withdrawn, with `how`).
    pub recorded: String,
    /// How the person gave or withdrew it (`form`, `phone`, `email`, `paper`, `in_person`,
    /// `other`), when it was recorded as such; `None` for a plain edit.
    pub how: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectExport {
    pub format: String,
    pub exported_at: UnixTime,
    pub exported_by: Id,
    /// The record with its sensitive part and its whole timeline.
    pub customer: Customer,
    /// Tasks linked to the customer.
    pub tasks: Vec<Task>,
    pub consent: Vec<ConsentEvent>,
    /// Changes of the record's fields, oldest first, unmasked.
    pub history: Vec<HistoryEntry>,
    /// Who viewed, revealed, changed or exported the record, and when (oldest first).
    pub audit: Vec<AuditEvent>,
    /// Account ids in this document and their usernames, so it reads without Kasefet.
    pub people: HashMap<Id, String>,
}

/// The consent history, derived from the kept versions: the state at creation, then every
/// change of consent or its date.
pub fn consent_history(
    kept: &[Kept],
    current: &Customer,
    records: &[super::consent::ConsentRecord],
) -> Vec<ConsentEvent> {
    let mut states: Vec<(&Customer, Option<&Kept>)> = kept
        .iter()
        .filter_map(|k| match &k.record {
            Record::Customer(c) => Some((c, Some(k))),
            _ => None,
        })
        .collect();
    states.push((current, None));
    let mut out = Vec::new();
    let first = states[0].0;
    if first.data.marketing_consent {
        out.push(ConsentEvent {
            at: first.stamp.created_at,
            by: first.stamp.created_by,
            given: true,
            date: first.data.consent_date,
            recorded: "created".into(),
            how: None,
        });
    }
    for pair in states.windows(2) {
        let (before, Some(k)) = pair[0] else { continue };
        let after = pair[1].0;
        let (a, b) = (&before.data, &after.data);
        // The change that replaced `before` made the version after it.
        let made = before.stamp.version + 1;
        let record = records.iter().find(|r| r.version == made);
        if record.is_some()
            || a.marketing_consent != b.marketing_consent
            || a.consent_date != b.consent_date
        {
            out.push(ConsentEvent {
                at: k.replaced_at,
                by: k.replaced_by,
                given: b.marketing_consent,
                date: b.consent_date,
                recorded: if record.is_some() { "consent" } else { "edit" }.into(),
                how: record.map(|r| r.how.as_str().to_string()),
            });
        }
    }
    out
}

fn t(at: UnixTime) -> String {
    crate::service::clock::format_local(at)
}

/// The plain-text rendering: the same content, in sections, every stored string cleaned
/// for a terminal.
pub fn render_text(x: &SubjectExport) -> String {
    use crate::domain::text::sanitize_line as clean;
    let who = |id: Id| {
        x.people
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("user {id}"))
    };
    let o = |v: &Option<String>| clean(v.as_deref().unwrap_or(""));
    let c = &x.customer;
    let d = &c.data;
    let mut s = String::new();
    s.push_str(&format!(
        "Everything Kasefet holds about customer {}\nexported {} by {}\n\n",
        c.id,
        t(x.exported_at),
        who(x.exported_by)
    ));
    s.push_str("RECORD\n");
    let a = &d.address;
    let rows = [
        ("name", clean(&d.name)),
        ("company", o(&d.company)),
        ("email", clean(&d.emails.join(", "))),
        ("phone", clean(&d.phones.join(", "))),
        ("street", o(&a.street)),
        ("postal code", o(&a.postal_code)),
        ("city", o(&a.city)),
        ("country", o(&a.country)),
        ("status", d.status.as_str().into()),
        ("tags", clean(&d.tags.join(", "))),
        ("source", o(&d.source)),
        (
            "marketing consent",
            if d.marketing_consent { "yes" } else { "no" }.into(),
        ),
        (
            "created",
            format!("{} by {}", t(c.stamp.created_at), who(c.stamp.created_by)),
        ),
        (
            "updated",
            format!("{} by {}", t(c.stamp.updated_at), who(c.stamp.updated_by)),
        ),
    ];
    for (k, v) in rows {
        s.push_str(&format!("  {k:<18} {v}\n"));
    }
    let sens = d.sensitive.clone().unwrap_or_default();
    s.push_str("\nSENSITIVE PART\n");
    s.push_str(&format!(
        "  {:<18} {}\n",
        "national id",
        o(&sens.national_id)
    ));
    s.push_str(&format!(
        "  {:<18} {}\n",
        "date of birth",
        sens.date_of_birth
            .map(|x| x.to_string())
            .unwrap_or_default()
    ));
    s.push_str(&format!(
        "  {:<18} {}\n",
        "private notes",
        o(&sens.private_notes).replace('\n', " / ")
    ));
    s.push_str(&format!(
        "  {:<18} {}\n",
        "payment last four",
        o(&sens.payment_last4)
    ));
    s.push_str(&format!("\nTIMELINE ({})\n", c.interactions.len()));
    for i in &c.interactions {
        s.push_str(&format!(
            "  {}  {:<7} {}  {}\n",
            t(i.at),
            i.kind.as_str(),
            who(i.author),
            crate::domain::text::sanitize_multiline(&i.text).replace('\n', " / ")
        ));
    }
    s.push_str(&format!("\nLINKED TASKS ({})\n", x.tasks.len()));
    for task in &x.tasks {
        s.push_str(&format!(
            "  task {}  {}  {}\n",
            task.id,
            task.data.status.as_str(),
            clean(&task.data.title)
        ));
        if let Some(desc) = &task.data.description {
            s.push_str(&format!(
                "    {}\n",
                crate::domain::text::sanitize_multiline(desc).replace('\n', " / ")
            ));
        }
        for cm in &task.comments {
            s.push_str(&format!(
                "    {} {}: {}\n",
                t(cm.at),
                who(cm.author),
                crate::domain::text::sanitize_multiline(&cm.text).replace('\n', " / ")
            ));
        }
    }
    s.push_str(&format!("\nCONSENT HISTORY ({})\n", x.consent.len()));
    for e in &x.consent {
        s.push_str(&format!(
            "  {}  {}  by {} ({}{}){}\n",
            t(e.at),
            if e.given { "given" } else { "withdrawn" },
            who(e.by),
            e.recorded,
            e.how
                .as_deref()
                .map(|h| format!(", by {h}"))
                .unwrap_or_default(),
            e.date.map(|d| format!(", dated {d}")).unwrap_or_default()
        ));
    }
    s.push_str(&format!("\nCHANGES ({})\n", x.history.len()));
    for h in &x.history {
        s.push_str(&format!(
            "  version {}  {}  {}\n",
            h.version,
            t(h.at),
            who(h.by)
        ));
        for ch in &h.changes {
            s.push_str(&format!(
                "    {}: {} -> {}\n",
                ch.field,
                clean(&ch.from),
                clean(&ch.to)
            ));
        }
    }
    s.push_str(&format!(
        "\nWHO ACCESSED OR CHANGED THE RECORD ({})\n",
        x.audit.len()
    ));
    for e in &x.audit {
        s.push_str(&format!(
            "  {}  {:<24} {}  {}\n",
            t(e.at),
            e.action,
            e.username.clone().unwrap_or_else(|| "system".into()),
            e.outcome.as_str()
        ));
    }
    s
}
