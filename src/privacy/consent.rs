//! How marketing consent was recorded (a form, a call, an e-mail, paper...): each consent
//! given or withdrawn through `CustomerConsent` keeps a record of it, sealed in the history
//! tree under the customer's own prefix, so purge, erasure, backup rewrites and
//! anonymisation remove it with the customer's earlier versions.
//!
//! Key: `customer kind ‖ id ‖ (FLAG | version)`, where `version` is the one the consent
//! change made; the flag keeps these apart from kept versions (whose key ends in a version
//! far below 2^63).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{RecordKind, record_key, record_prefix};
use crate::domain::{Id, UnixTime};
use crate::store::{Op, Result, Store, Tree, Vault};

/// The top bit of the last key part: a consent record, not a kept version.
pub const FLAG: u64 = 1 << 63;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A form the person filled in (web, paper form scanned, sign-up).
    Form,
    Phone,
    Email,
    /// A signed paper.
    Paper,
    /// Said in a meeting or at the desk.
    InPerson,
    Other,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Method::Form,
        Method::Phone,
        Method::Email,
        Method::Paper,
        Method::InPerson,
        Method::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Form => "form",
            Method::Phone => "phone",
            Method::Email => "email",
            Method::Paper => "paper",
            Method::InPerson => "in_person",
            Method::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        let s = s.trim().to_lowercase().replace(['-', ' '], "_");
        let s = if s == "e_mail" { "email".into() } else { s };
        Method::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// One consent given or withdrawn, and how it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// The record version this change made.
    pub version: u64,
    pub at: UnixTime,
    pub by: Id,
    pub given: bool,
    pub date: Option<Date>,
    pub how: Method,
}

pub fn key(customer: Id, version: u64) -> Vec<u8> {
    record_key(RecordKind::Customer, customer, FLAG | version)
}

/// True for a history key that holds a consent record.
pub fn is_consent_key(k: &[u8]) -> bool {
    super::parse_record_key(k).is_some_and(|(_, _, n)| n & FLAG != 0)
}

pub fn put(vault: &Vault, customer: Id, r: &ConsentRecord) -> Result<Op> {
    vault.put(Tree::History, &key(customer, r.version), r)
}

/// The consent records of a customer, oldest first.
pub fn list(store: &Store, vault: &Vault, customer: Id) -> Result<Vec<ConsentRecord>> {
    let mut out = Vec::new();
    let mut start = record_prefix(RecordKind::Customer, customer).to_vec();
    start.extend_from_slice(&FLAG.to_be_bytes());
    let end = key(customer, u64::MAX >> 1);
    for r in store.tree(Tree::History).range(start..=end) {
        let (k, v) = r?;
        out.push(vault.open::<ConsentRecord>(Tree::History, &k, &v)?);
    }
    Ok(out)
}
