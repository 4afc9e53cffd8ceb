//! A large batch of customer changes (an import, a revert) spends about as long updating
//! the search index as committing: the two run at once on both cores. Readers wait on the
//! index's write lock until both are done, so none sees a customer the store does not hold.

use super::records::Update;
use super::unsealed::Unsealed;
use super::{Error, Service};
use crate::store::{Op, StoreError};

/// Fewer updates than this are applied after the commit, as every other request's are: a
/// thread is not worth starting for them.
const BESIDE_FROM: usize = 1024;

/// What a failed overlapped commit leaves.
pub(super) enum Failed {
    /// The index was put back from the store; the error is the commit's.
    Rebuilt(Error),
    /// The index could not be put back either: the caller seals the database.
    Seal(Error),
}

/// Whether `updates` go beside their commit.
pub(super) fn applies(updates: &[Update]) -> bool {
    updates.len() >= BESIDE_FROM && updates.iter().all(Update::index_only)
}

impl Service {
    /// Commits `ops` on another thread while `updates` go into the index on this one.
    pub(super) fn commit_beside_index(
        &self,
        open: &mut Unsealed,
        ops: Vec<Op>,
        updates: Vec<Update>,
    ) -> std::result::Result<(), Failed> {
        let index = open.index.clone();
        let mut guard = index.write().unwrap_or_else(|p| p.into_inner());
        let committed = std::thread::scope(|s| {
            let commit = s.spawn(|| {
                let r = self.store.commit(&ops);
                // A hundred thousand sealed values are freed here rather than on the
                // thread that answers.
                drop(ops);
                r
            });
            // By value: each customer is freed once it is in the index.
            for u in updates {
                u.apply_to_index(&mut guard);
            }
            commit.join().unwrap_or_else(|_| {
                Err(StoreError::Damaged(
                    "the commit stopped unexpectedly".into(),
                ))
            })
        });
        let Err(e) = committed else {
            return Ok(());
        };
        // The index holds changes the store refused: put it back from the store before the
        // lock goes, and the audit head with it.
        let head = crate::audit::Head::load(&self.store);
        let rebuilt = super::unsealed::index_from_store(&self.store, &open.vault);
        match (head, rebuilt) {
            (Ok(head), Ok(ix)) => {
                open.head = head;
                *guard = ix;
                Err(Failed::Rebuilt(e.into()))
            }
            _ => Err(Failed::Seal(e.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::Service;
    use super::super::request::{ImportBatch, ImportMode, MatchOn, Request, Response};
    use crate::domain::CustomerInput;
    use crate::transfer::ImportRow;

    fn import(rows: usize) -> Request {
        Request::ImportCustomers {
            batch: Box::new(ImportBatch {
                file_name: "people.csv".into(),
                file_sha256: "00".into(),
                source: "generic".into(),
                mapping: Vec::new(),
                rows: (0..rows)
                    .map(|i| ImportRow {
                        line: i as u64 + 2,
                        input: CustomerInput {
                            name: format!("Zohar Person {i}"),
                            emails: vec![format!("p{i}@example.org")],
                            ..Default::default()
                        },
                        external_id: None,
                        note: None,
                    })
                    .collect(),
                mode: ImportMode::Upsert,
                match_on: vec![MatchOn::Email],
                owner: None,
                tag: None,
                dry_run: false,
            }),
        }
    }

    /// Customers the index holds, as the Customers screen counts them.
    fn found(service: &Service, s: &super::super::Session) -> usize {
        let r = service.handle(
            s,
            Request::CustomerPage {
                filter: Default::default(),
                query: String::new(),
                window: Default::default(),
            },
        );
        match r.unwrap() {
            Response::CustomerPage(p) => p.total,
            o => panic!("{o:?}"),
        }
    }

    /// A refused commit must leave the index as the store is: no customer it never wrote.
    #[test]
    fn a_failed_bulk_commit_leaves_the_index_as_the_store() {
        let signed = crate::service::test_support::signed_in();
        let (service, s) = (&signed.service, &signed.login.session);
        assert!(!super::applies(&[]));

        service
            .store
            .fail_next_commit
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let e = service
            .handle(s, import(3 * super::BESIDE_FROM))
            .unwrap_err();
        assert!(e.to_string().contains("storage"), "{e}");
        assert_eq!(
            found(service, s),
            0,
            "the index shows customers never written"
        );

        // The service goes on: the same import then lands whole, in the store and the index.
        let Response::ImportReport(r) = service.handle(s, import(3 * super::BESIDE_FROM)).unwrap()
        else {
            panic!()
        };
        assert_eq!(r.created, 3 * super::BESIDE_FROM);
        assert_eq!(found(service, s), 3 * super::BESIDE_FROM);
    }
}
