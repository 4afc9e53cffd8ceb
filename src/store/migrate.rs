//! Moves an older database forward, one schema version at a time.
//!
//! Schema 1 is the first; a migration from N to N+1 goes in `step` when N+1 exists.

use super::{Result, SCHEMA_VERSION, StoreError};

pub fn run(db: &sled::Db, found: u32) -> Result<u32> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let mut v = found;
    while v < SCHEMA_VERSION {
        step(db, v)?;
        v += 1;
    }
    Ok(v)
}

fn step(_db: &sled::Db, from: u32) -> Result<()> {
    Err(StoreError::Decode(format!(
        "no migration from schema {from}"
    )))
}
