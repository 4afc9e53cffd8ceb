//! Rows cut into parts that each fit in one request frame, for an import too big to send
//! at once (the server takes at most 4 MiB per request). The service puts the parts back
//! together and writes them in one commit.

use serde::Serialize;

use super::ImportRow;

/// A part's rows stay well under the frame cap, leaving room for the request around them.
pub const PART_BYTES: usize = 3 * 1024 * 1024;

/// Counts bytes instead of keeping them.
struct Count(usize);

impl std::io::Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The size of `v` on the wire (bincode, as frames carry it), without building it.
pub fn encoded_len<T: Serialize>(v: &T) -> usize {
    let mut c = Count(0);
    // Writing to `Count` cannot fail; a value serde cannot encode is counted as huge, so it
    // is sent alone and the service says what is wrong with it.
    match bincode::serde::encode_into_std_write(v, &mut c, bincode::config::standard()) {
        Ok(_) => c.0,
        Err(_) => usize::MAX,
    }
}

/// Splits `rows` into parts of at most `max_bytes` each (a row bigger than that goes alone:
/// the service refuses it by its bounds, naming it, rather than the client guessing).
pub fn split(rows: Vec<ImportRow>, max_bytes: usize) -> Vec<Vec<ImportRow>> {
    let mut parts = Vec::new();
    let mut part = Vec::new();
    let mut size = 0usize;
    for row in rows {
        let n = encoded_len(&row);
        if !part.is_empty() && size.saturating_add(n) > max_bytes {
            parts.push(std::mem::take(&mut part));
            size = 0;
        }
        size = size.saturating_add(n);
        part.push(row);
    }
    if !part.is_empty() {
        parts.push(part);
    }
    parts
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::CustomerInput;

    fn row(line: u64, name: &str) -> ImportRow {
        ImportRow {
            line,
            input: CustomerInput {
                name: name.into(),
                ..Default::default()
            },
            external_id: None,
            note: None,
        }
    }

    #[test]
    fn parts_stay_under_the_limit_and_keep_every_row_in_order() {
        let rows: Vec<ImportRow> = (1..=1000).map(|i| row(i, &"x".repeat(500))).collect();
        let one = encoded_len(&rows[0]);
        assert!(one > 500, "{one}");
        let max = 20 * one;
        let parts = split(rows.clone(), max);
        // Rows past line 250 take two more bytes (varint line numbers): a few more parts.
        assert!((50..=55).contains(&parts.len()), "{}", parts.len());
        for p in &parts {
            let sum: usize = p.iter().map(encoded_len).sum();
            assert!(sum <= max, "{sum} > {max}");
        }
        let back: Vec<ImportRow> = parts.into_iter().flatten().collect();
        assert_eq!(back, rows);
        // The counted size is the size frames carry.
        assert_eq!(
            encoded_len(&rows[0]),
            crate::store::codec::encode(&rows[0]).unwrap().len()
        );
    }

    #[test]
    fn an_oversized_row_goes_alone_and_nothing_is_empty() {
        let rows = vec![row(1, "a"), row(2, &"b".repeat(5000)), row(3, "c")];
        let parts = split(rows, 1000);
        let lens: Vec<usize> = parts.iter().map(Vec::len).collect();
        assert_eq!(lens, [1, 1, 1]);
        assert!(split(Vec::new(), 1000).is_empty());
    }
}
