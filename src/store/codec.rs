//! bincode with a size limit on every decode, and a check that the whole input was read.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Result, StoreError};

/// No stored value or frame is larger; a length prefix claiming more is refused unread.
pub const LIMIT: usize = 16 * 1024 * 1024;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<LIMIT>()
}

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| StoreError::Decode(e.to_string()))
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let (value, read) = bincode::serde::decode_from_slice(bytes, config())
        .map_err(|e| StoreError::Decode(e.to_string()))?;
    if read != bytes.len() {
        return Err(StoreError::Decode(format!(
            "{} unexpected trailing bytes",
            bytes.len() - read
        )));
    }
    Ok(value)
}

/// Frames on the server socket: replies may carry a whole customer list, so their limit is
/// the reply cap (`server::frame::MAX_REPLY`), checked against the length prefix first.
pub fn decode_frame<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let config = bincode::config::standard().with_limit::<{ 64 * 1024 * 1024 }>();
    let (value, read) = bincode::serde::decode_from_slice(bytes, config)
        .map_err(|e| StoreError::Decode(e.to_string()))?;
    if read != bytes.len() {
        return Err(StoreError::Decode(format!(
            "{} unexpected trailing bytes",
            bytes.len() - read
        )));
    }
    Ok(value)
}
