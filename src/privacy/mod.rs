//! A person's data over its whole life: the trash, earlier versions, and what the nightly
//! run does with them. Record layouts and key encodings live here; the service decides who
//! may do what with them.

pub mod changes;
pub mod consent;
pub mod erasure;
pub mod history;
pub mod nightly;
pub mod retention;
pub mod rewrite;
pub mod subject;
pub mod trash;

use serde::{Deserialize, Serialize};

use crate::domain::{Customer, Employee, Id, Task};

/// The kinds of record that go to the trash and keep history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Customer,
    Task,
    Employee,
}

impl RecordKind {
    pub const ALL: [RecordKind; 3] = [RecordKind::Customer, RecordKind::Task, RecordKind::Employee];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Customer => "customer",
            RecordKind::Task => "task",
            RecordKind::Employee => "employee",
        }
    }

    /// The first byte of trash and history keys.
    pub fn byte(self) -> u8 {
        match self {
            RecordKind::Customer => 1,
            RecordKind::Task => 2,
            RecordKind::Employee => 3,
        }
    }

    pub fn from_byte(b: u8) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.byte() == b)
    }
}

/// One record of any kind, as the trash and the history keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    Customer(Customer),
    Task(Task),
    Employee(Employee),
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Customer(_) => RecordKind::Customer,
            Record::Task(_) => RecordKind::Task,
            Record::Employee(_) => RecordKind::Employee,
        }
    }

    pub fn id(&self) -> Id {
        match self {
            Record::Customer(c) => c.id,
            Record::Task(t) => t.id,
            Record::Employee(e) => e.id,
        }
    }

    /// What a list shows for it: a name or a title.
    pub fn label(&self) -> &str {
        match self {
            Record::Customer(c) => &c.data.name,
            Record::Task(t) => &t.data.title,
            Record::Employee(e) => &e.data.name,
        }
    }
}

/// `kind ‖ id`: the prefix every trash and history key of one record starts with.
pub(crate) fn record_prefix(kind: RecordKind, id: Id) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = kind.byte();
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

/// `kind ‖ id ‖ n` with `n` big-endian, so a scan runs in `n` order.
pub(crate) fn record_key(kind: RecordKind, id: Id, n: u64) -> Vec<u8> {
    let mut k = record_prefix(kind, id).to_vec();
    k.extend_from_slice(&n.to_be_bytes());
    k
}

pub(crate) fn parse_record_key(k: &[u8]) -> Option<(RecordKind, Id, u64)> {
    if k.len() != 17 {
        return None;
    }
    let kind = RecordKind::from_byte(k[0])?;
    let id = u64::from_be_bytes(k[1..9].try_into().ok()?);
    let n = u64::from_be_bytes(k[9..17].try_into().ok()?);
    Some((kind, id, n))
}
