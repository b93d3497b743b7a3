//! Signed receipts: what the Court or a State did on a request, when and by whom, signed with
//! the Court's Ed25519 key so that either side can prove it later, offline, and chained per
//! request so that a receipt left out or reordered shows.
//!
//! A receipt file is its canonical JSON (pretty-printed, fields in a fixed order, one final
//! newline). Verification re-serialises what it parsed and refuses a file that differs in any
//! byte, so a change of layout fails as surely as a change of content.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The format this module writes and reads.
pub const FORMAT: &str = "comity-receipt/1";

/// What the signature covers: this prefix, then the receipt as compact JSON. The prefix keeps
/// a receipt signature from ever being valid for anything else signed with the same key.
const SIGNED_PREFIX: &[u8] = b"comity-receipt/1\n";

/// One step on a request, as both sides will hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub format: String,
    pub request_id: String,
    pub request_reference: String,
    /// 1 for the request's first receipt, then one more each time.
    pub number: i64,
    /// What happened: a lifecycle move's code (`transmit`, `acknowledge`, ...) or
    /// `document_added`.
    pub event: String,
    /// The day it took effect, which may be earlier than the day it was recorded.
    pub effective_on: NaiveDate,
    /// When it was recorded, UTC, to the second.
    pub recorded_at: DateTime<Utc>,
    pub by: Party,
    /// The step's particulars: national reference, grounds, channel, line outcomes.
    pub detail: BTreeMap<String, String>,
    /// Every document the step carried, by content.
    pub documents: Vec<DocumentDigest>,
    /// The SHA-256 of the request's previous receipt file; none for the first.
    pub previous: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The login name.
    pub user: String,
    pub name: String,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentDigest {
    pub filename: String,
    pub sha256: String,
    pub size: i64,
}

/// A receipt with the Court's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedReceipt {
    pub receipt: Receipt,
    /// Which of the Court's keys signed it (see [`key_id`]).
    pub key_id: String,
    /// The Ed25519 signature, hex.
    pub signature: String,
}

impl SignedReceipt {
    pub fn sign(receipt: Receipt, key: &SigningKey) -> Self {
        let signature = key.sign(&signed_message(&receipt));
        Self { receipt, key_id: key_id(&key.verifying_key()), signature: hex::encode(signature.to_bytes()) }
    }

    /// The receipt file: canonical JSON and a final newline.
    pub fn to_file(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The SHA-256 of the file, which the next receipt of the request names.
    pub fn file_sha256(&self) -> String {
        hex::encode(Sha256::digest(self.to_file().as_bytes()))
    }
}

fn signed_message(receipt: &Receipt) -> Vec<u8> {
    let mut message = SIGNED_PREFIX.to_vec();
    message.extend(serde_json::to_vec(receipt).unwrap_or_default());
    message
}

/// A short, stable name for a public key: the first eight bytes of its SHA-256, hex.
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

/// Why a receipt file does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("not a Comity receipt: {0}")]
    Unreadable(String),
    #[error("the file differs from the receipt as it was issued (changed layout or content)")]
    NotAsIssued,
    #[error("unknown receipt format '{0}'")]
    UnknownFormat(String),
    #[error("signed by key {0}, which is not among the public keys given")]
    UnknownKey(String),
    #[error("the signature does not match the receipt: it has been altered, or was not signed by key {0}")]
    BadSignature(String),
}

/// Checks a receipt file against the Court's public keys (current and retired).
pub fn verify(file: &[u8], keys: &[VerifyingKey]) -> Result<SignedReceipt, ReceiptError> {
    let text = std::str::from_utf8(file).map_err(|e| ReceiptError::Unreadable(e.to_string()))?;
    let signed: SignedReceipt = serde_json::from_str(text).map_err(|e| ReceiptError::Unreadable(e.to_string()))?;
    if signed.receipt.format != FORMAT {
        return Err(ReceiptError::UnknownFormat(signed.receipt.format));
    }
    if signed.to_file() != text {
        return Err(ReceiptError::NotAsIssued);
    }
    let key =
        keys.iter().find(|k| key_id(k) == signed.key_id).ok_or(ReceiptError::UnknownKey(signed.key_id.clone()))?;
    let bad = || ReceiptError::BadSignature(signed.key_id.clone());
    let bytes: [u8; 64] = hex::decode(&signed.signature).ok().and_then(|b| b.try_into().ok()).ok_or_else(bad)?;
    // Hex has two spellings of each digit; only the one issued is the receipt.
    if hex::encode(bytes) != signed.signature {
        return Err(ReceiptError::NotAsIssued);
    }
    key.verify(&signed_message(&signed.receipt), &Signature::from_bytes(&bytes)).map_err(|_| bad())?;
    Ok(signed)
}

/// The text of a secret key file: one line, `ed25519-secret:` and the 32-byte seed in hex.
pub fn secret_key_text(key: &SigningKey) -> String {
    format!("ed25519-secret:{}\n", hex::encode(key.to_bytes()))
}

pub fn parse_secret_key(text: &str) -> Result<SigningKey, String> {
    let hex_seed =
        text.trim().strip_prefix("ed25519-secret:").ok_or("expected a line 'ed25519-secret:<64 hex digits>'")?;
    let seed: [u8; 32] = hex::decode(hex_seed)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the secret key must be 64 hex digits (32 bytes)")?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A public key as one line of a key ring: `ed25519:` and the key in hex.
pub fn public_key_text(key: &VerifyingKey) -> String {
    format!("ed25519:{}", hex::encode(key.as_bytes()))
}

/// Every public key of a key ring: one `ed25519:<hex>` per line; blank lines and lines
/// starting with `#` are ignored.
pub fn parse_public_keys(text: &str) -> Result<Vec<VerifyingKey>, String> {
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bytes: [u8; 32] = line
            .strip_prefix("ed25519:")
            .and_then(|h| hex::decode(h.split_whitespace().next().unwrap_or("")).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("line {n}: expected 'ed25519:<64 hex digits>'"))?;
        keys.push(VerifyingKey::from_bytes(&bytes).map_err(|e| format!("line {n}: not a valid Ed25519 key: {e}"))?);
    }
    if keys.is_empty() {
        return Err("no public key found".into());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests;
