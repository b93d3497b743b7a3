//! The audit chain: each entry's hash covers its content and its predecessor's hash, so an
//! altered, removed or reordered row breaks every hash after it.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit entry as stored, without its own hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditContent<'a> {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub action: &'a str,
    pub record_kind: &'a str,
    pub record_id: &'a str,
    pub classification: &'a str,
    pub detail: &'a str,
}

/// The entry's hash: SHA-256 over the previous hash and each field, length-prefixed so that
/// no two different entries share an encoding.
pub fn entry_hash(prev_hash: &str, c: &AuditContent<'_>) -> String {
    let mut h = Sha256::new();
    let at = c.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let seq = c.seq.to_string();
    for part in [
        prev_hash,
        seq.as_str(),
        at.as_str(),
        c.actor,
        c.action,
        c.record_kind,
        c.record_id,
        c.classification,
        c.detail,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The first break found while walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq}: expected sequence number {expected} (an entry is missing or out of order)")]
    Gap { seq: i64, expected: i64 },
    #[error("entry {seq}: previous-hash link does not match entry {prev}")]
    Link { seq: i64, prev: i64 },
    #[error("entry {seq}: content does not match its hash (the row was altered)")]
    Altered { seq: i64 },
    #[error("entry {next}: missing (the chain ends at entry {last} but its head records entry {head})")]
    Truncated { next: i64, last: i64, head: i64 },
}

/// Walks entries in stored order; feed every row with its stored hashes.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_seq: 1, prev_hash: GENESIS.to_owned() }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, c: &AuditContent<'_>, stored_prev: &str, stored_hash: &str) -> Result<(), ChainBreak> {
        if c.seq != self.expected_seq {
            return Err(ChainBreak::Gap { seq: c.seq, expected: self.expected_seq });
        }
        if stored_prev != self.prev_hash {
            return Err(ChainBreak::Link { seq: c.seq, prev: c.seq - 1 });
        }
        if entry_hash(stored_prev, c) != stored_hash {
            return Err(ChainBreak::Altered { seq: c.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = stored_hash.to_owned();
        Ok(())
    }

    /// Entries verified so far.
    pub fn count(&self) -> i64 {
        self.expected_seq - 1
    }

    /// The hash of the last verified entry, to compare with the stored chain head.
    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(seq: i64, detail: &str) -> AuditContent<'_> {
        AuditContent {
            seq,
            at: DateTime::from_timestamp(1_700_000_000 + seq, 0).expect("valid time"),
            actor: "u1",
            action: "partner.update",
            record_kind: "partner",
            record_id: "ARG",
            classification: "public",
            detail,
        }
    }

    #[test]
    fn a_chain_verifies_and_any_edit_breaks_it() {
        let h1 = entry_hash(GENESIS, &content(1, "{}"));
        let h2 = entry_hash(&h1, &content(2, "{}"));
        let mut v = ChainVerifier::default();
        assert_eq!(v.check(&content(1, "{}"), GENESIS, &h1), Ok(()));
        assert_eq!(v.check(&content(2, "{}"), &h1, &h2), Ok(()));

        let mut v = ChainVerifier::default();
        assert_eq!(v.check(&content(1, "{\"x\":1}"), GENESIS, &h1), Err(ChainBreak::Altered { seq: 1 }));

        let mut v = ChainVerifier::default();
        assert_eq!(v.check(&content(2, "{}"), &h1, &h2), Err(ChainBreak::Gap { seq: 2, expected: 1 }));
    }

    #[test]
    fn field_boundaries_are_part_of_the_hash() {
        let a = AuditContent { actor: "ab", action: "c", ..content(1, "") };
        let b = AuditContent { actor: "a", action: "bc", ..content(1, "") };
        assert_ne!(entry_hash(GENESIS, &a), entry_hash(GENESIS, &b));
    }
}
