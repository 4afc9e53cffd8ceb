//! Exports, made here so the audit entry names exactly the bytes handed out, a part at a
//! time: records in id order after the last one sent, so a million customers never have to
//! be one reply (or all in memory at once), and a record added or removed between parts is
//! neither sent twice nor shifts the others.

use super::{Acted, Cx};
use crate::domain::Id;
use crate::service::request::{
    EXPORT_PART_BYTES, EXPORT_PART_MAX, ExportFormat, ExportWhat, Response,
};
use crate::service::{CustomerFilter, Error, Result};
use crate::transfer::export;

/// What is exported, the same for every part.
pub struct Spec {
    pub what: ExportWhat,
    pub format: ExportFormat,
    pub reveal: bool,
    pub bom: bool,
}

impl Spec {
    fn noun(&self) -> &'static str {
        match self.what {
            ExportWhat::Customers => "customers",
            ExportWhat::Tasks => "tasks",
            ExportWhat::Employees => "employees",
        }
    }
}

/// The first `limit` ids (ascending) after `after`, and whether more are left.
fn window<'a>(
    ids: impl Iterator<Item = &'a Id>,
    after: Option<Id>,
    limit: usize,
) -> (Vec<Id>, bool) {
    let mut part: Vec<Id> = ids
        .copied()
        .filter(|i| after.is_none_or(|a| *i > a))
        .take(limit.saturating_add(1))
        .collect();
    let more = part.len() > limit;
    part.truncate(limit);
    (part, more)
}

impl Cx<'_> {
    pub fn export(
        &mut self,
        spec: Spec,
        filter: &CustomerFilter,
        after: Option<Id>,
        limit: u32,
    ) -> Result<Acted> {
        let limit = match limit {
            0 => EXPORT_PART_MAX,
            n => n.min(EXPORT_PART_MAX),
        } as usize;
        let from = (
            after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded),
            std::ops::Bound::Unbounded,
        );
        let (mut part, mut more) = match spec.what {
            // The index decides who passes, as the lists do; the records come whole.
            ExportWhat::Customers => {
                let index = self.open.index();
                super::reads::filtered_ids_after(&index, filter, self.me(), after, limit)
            }
            ExportWhat::Tasks => window(
                self.open.tasks.read().range(from).map(|e| e.0),
                after,
                limit,
            ),
            ExportWhat::Employees => window(
                self.open.employees.read().range(from).map(|e| e.0),
                after,
                limit,
            ),
        };
        let first = after.is_none();
        // A part whose bytes would not fit a reply is cut in half until it does; one record
        // alone always fits (a record is far smaller than the reply cap).
        let bytes = loop {
            let bytes = self.render(&spec, &part, first, !more)?;
            if bytes.len() <= EXPORT_PART_BYTES || part.len() <= 1 {
                break bytes;
            }
            part.truncate(part.len() / 2);
            more = true;
        };
        let count = part.len();
        let fingerprint = crate::transfer::fingerprint(&bytes);
        let noun = spec.noun();
        let whole = first && !more;
        let mut a = Acted::read(
            Response::Exported {
                bytes,
                count,
                fingerprint: fingerprint.clone(),
                last: part.last().copied(),
                more,
            },
            noun.into(),
        );
        a.detail = format!(
            "{count} {noun} as {:?}{}{}; filter status={:?} tag={:?} mine={} query={}; sha256 {fingerprint}",
            spec.format,
            if spec.reveal {
                " with sensitive fields"
            } else {
                ""
            },
            match (whole, part.first(), part.last()) {
                (true, ..) => String::new(),
                (false, Some(a), Some(b)) => format!(", part with ids {a}–{b}"),
                (false, ..) => ", the empty last part".into(),
            },
            filter.status.map(|s| s.as_str()),
            filter.tag,
            filter.mine,
            // Conditions only (see `reads::check_filter_query`), but they may name a city or
            // a company: counted, not copied.
            filter
                .query
                .as_ref()
                .map_or("none".to_string(), |q| format!(
                    "{} conditions",
                    super::reads::words(q).len()
                ))
        );
        Ok(a)
    }

    /// The bytes of one part: `first` carries the CSV header (and byte order mark) or opens
    /// the JSON array, `last` closes it.
    fn render(&self, spec: &Spec, ids: &[Id], first: bool, last: bool) -> Result<Vec<u8>> {
        let names = self.open.users().clone();
        let who = move |id: Option<Id>| {
            id.and_then(|i| names.get(&i).map(|u| u.username.clone()))
                .unwrap_or_default()
        };
        let o = export::CsvOptions {
            bom: spec.bom,
            header: first,
        };
        let vcard_only = || Error::Refused("vCard export is for customers only".into());
        Ok(match spec.what {
            ExportWhat::Customers => {
                let mut cs = Vec::with_capacity(ids.len());
                for id in ids {
                    let mut c = self.load_customer(*id)?;
                    if !spec.reveal {
                        c.data.sensitive = None;
                    }
                    cs.push(c);
                }
                match spec.format {
                    ExportFormat::Csv => export::customers_csv(&cs, spec.reveal, &who, &o),
                    ExportFormat::Json => export::json_part(&cs, first, last),
                    ExportFormat::Vcard => export::customers_vcard(&cs, spec.reveal),
                }
            }
            ExportWhat::Tasks => {
                let map = self.open.tasks.read();
                let ts: Vec<_> = ids.iter().filter_map(|i| map.get(i).cloned()).collect();
                match spec.format {
                    ExportFormat::Csv => export::tasks_csv(&ts, &who, &o),
                    ExportFormat::Json => export::json_part(&ts, first, last),
                    ExportFormat::Vcard => return Err(vcard_only()),
                }
            }
            ExportWhat::Employees => {
                let map = self.open.employees.read();
                let mut es: Vec<_> = ids.iter().filter_map(|i| map.get(i).cloned()).collect();
                if !spec.reveal {
                    es.iter_mut().for_each(|e| e.data.hr = None);
                }
                match spec.format {
                    ExportFormat::Csv => export::employees_csv(&es, spec.reveal, &who, &o),
                    ExportFormat::Json => export::json_part(&es, first, last),
                    ExportFormat::Vcard => return Err(vcard_only()),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn windows_follow_the_last_id_sent() {
        let w = |ids: &[u64], after, limit| window(ids.iter(), after, limit);
        assert_eq!(w(&[1, 3, 5], None, 2), (vec![1, 3], true));
        assert_eq!(w(&[1, 3, 5], Some(3), 2), (vec![5], false));
        // The record sent last was removed meanwhile: the next part starts after its id.
        assert_eq!(w(&[1, 5, 9], Some(3), 2), (vec![5, 9], false));
        assert_eq!(w(&[1, 5], Some(9), 2), (vec![], false));
        assert_eq!(w(&[], None, 2), (vec![], false));
    }
}
