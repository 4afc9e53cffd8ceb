//! sled behind typed, encrypted trees.
//!
//! Every value in a record tree is `aead::seal(DEK, aad = tree ‖ 0 ‖ key ‖ schema)`, so a
//! value copied to another key or tree fails to open. sled keys are opaque ids or keyed
//! hashes; no plaintext of a record ever reaches the files.

pub mod anchor;
mod apply;
pub mod codec;
pub mod digest;
mod half_snapshot;
pub mod integrity;
pub mod migrate;
pub mod open;
pub mod pack;
pub(crate) mod parallel;
pub mod tree;
pub mod vault;

pub use open::Store;
pub use tree::Tree;
pub use vault::Vault;

/// Bumped whenever stored layouts change; `migrate` knows how to move forward.
/// 2: account envelopes bound to their account.
/// 3: customers packed several to a sled value (`pack`); an older program would see none.
/// 4: packs written in layout 2 (`pack`), which a schema 3 program would take for damage.
pub const SCHEMA_VERSION: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database at {path} is in use by another process; {hint}")]
    Locked { path: String, hint: String },
    #[error("{0}")]
    Permissions(String),
    #[error(
        "this database was written by a newer Kasefet (schema {found}, this program reads up to {supported}); upgrade kasefet"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("no database at {0}; run `kasefet init` (or `kasefet` for the setup wizard)")]
    Missing(String),
    #[error("a database already exists at {0}")]
    Exists(String),
    #[error("record {tree}/{key} cannot be opened: it was altered, moved or damaged")]
    Corrupt { tree: &'static str, key: String },
    /// The store is behind its anchor or otherwise not what it last committed: not served.
    #[error("{0}")]
    Damaged(String),
    #[error("{0}")]
    Sealed(String),
    #[error("stored data is malformed: {0}")]
    Decode(String),
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    #[error("storage error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(e: sled::transaction::TransactionError<StoreError>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => StoreError::Sled(e),
        }
    }
}

/// One write in a commit: `None` removes the key.
#[derive(Debug, Clone)]
pub struct Op {
    pub tree: Tree,
    pub key: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

impl Op {
    pub fn put(tree: Tree, key: impl Into<Vec<u8>>, value: Vec<u8>) -> Self {
        Op {
            tree,
            key: key.into(),
            value: Some(value),
        }
    }
    pub fn remove(tree: Tree, key: impl Into<Vec<u8>>) -> Self {
        Op {
            tree,
            key: key.into(),
            value: None,
        }
    }
}

/// sled key for a numeric id: big-endian so iteration is in id order.
pub fn id_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

pub fn key_id(key: &[u8]) -> Option<u64> {
    key.try_into().ok().map(u64::from_be_bytes)
}
