//! Signed receipts of a request's exchanges: each transmission, answer and upload once the
//! request has been sent, signed with the Court's key and chained per request, so that the
//! Court and the State hold the same proof of who did what and when.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use comity_domain::{
    access::{Action, RecordKind},
    receipt::{self, DocumentDigest, Party, Receipt, SignedReceipt},
};
use comity_store::{
    receipts::{self as store, ReceiptKey, ReceiptRow},
    requests::Request,
    Tx,
};
use ed25519_dalek::SigningKey;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    pdf,
    requests::{request_access, EXTERNAL_DETAIL},
    Actor, AppError, Comity, Result,
};

/// A receipt as a list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceiptSummary {
    pub number: i64,
    pub event: String,
    pub issued_at: DateTime<Utc>,
    pub key_id: String,
    /// The SHA-256 of the receipt file.
    pub sha256: String,
}

/// One of the Court's receipt keys, as published for verifiers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublishedKey {
    pub key_id: String,
    /// `ed25519:<hex>`, one line of a key ring file.
    pub public_key: String,
    pub first_used_at: DateTime<Utc>,
    /// Whether it signs new receipts now.
    pub current: bool,
}

impl Comity {
    /// The key new receipts are signed with: the configured key file's, or else the key
    /// Comity generated and keeps in the database (created on first use). Call it before
    /// opening the transaction that issues a receipt: it may write.
    pub async fn receipt_key(&self) -> Result<&SigningKey> {
        self.receipt_key
            .get_or_try_init(|| async {
                let now = self.clock.now();
                let mut tx = self.db.write().await?;
                let key = match &self.settings.receipt_key {
                    Some(configured) => configured.clone(),
                    None => match store::keys(&mut tx).await?.into_iter().rev().find_map(|k| k.secret_key) {
                        Some(secret) => receipt::parse_secret_key(&secret)
                            .map_err(|e| AppError::Internal(format!("the stored receipt key: {e}")))?,
                        None => {
                            let mut seed = [0u8; 32];
                            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
                            let generated = SigningKey::from_bytes(&seed);
                            tracing::warn!(
                                "generated a receipt signing key and kept it in the database; production \
                                 servers should set COMITY_RECEIPT_KEY (see docs/operations.md)"
                            );
                            generated
                        }
                    },
                };
                let public = key.verifying_key();
                let secret =
                    self.settings.receipt_key.is_none().then(|| receipt::secret_key_text(&key).trim().to_owned());
                store::record_key(
                    &mut tx,
                    &ReceiptKey {
                        key_id: receipt::key_id(&public),
                        public_key: receipt::public_key_text(&public),
                        secret_key: secret,
                        first_used_at: now,
                    },
                )
                .await?;
                tx.commit().await?;
                Ok(key)
            })
            .await
    }

    /// Signs and stores the request's next receipt, in the caller's transaction. The key must
    /// have been resolved before the transaction began ([`Comity::receipt_key`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn issue_receipt(
        &self,
        tx: &mut Tx,
        r: &Request,
        event: &str,
        effective_on: NaiveDate,
        now: DateTime<Utc>,
        actor: &Actor,
        detail: &serde_json::Value,
        documents: Vec<DocumentDigest>,
    ) -> Result<()> {
        let key = self
            .receipt_key
            .get()
            .ok_or_else(|| AppError::Internal("the receipt key was not resolved before the transaction".into()))?;
        let last = store::last(tx, &r.id).await?;
        // Both sides hold the receipt: it carries only what the partner's view shows.
        let detail: BTreeMap<String, String> = detail
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| {
                EXTERNAL_DETAIL.contains(&k.as_str()) && !matches!(k.as_str(), "filename" | "sha256" | "size")
            })
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect();
        let signed = SignedReceipt::sign(
            Receipt {
                format: receipt::FORMAT.into(),
                request_id: r.id.clone(),
                request_reference: r.reference.clone(),
                number: last.as_ref().map_or(1, |l| l.0 + 1),
                event: event.into(),
                effective_on,
                recorded_at: now.trunc_subsecs(0),
                by: Party { user: actor.name.clone(), name: actor.display_name.clone(), unit: actor.unit_name.clone() },
                detail,
                documents,
                previous: last.map(|l| l.1),
            },
            key,
        );
        store::insert(
            tx,
            &ReceiptRow {
                request_id: r.id.clone(),
                number: signed.receipt.number,
                event: event.into(),
                issued_at: now,
                key_id: signed.key_id.clone(),
                sha256: signed.file_sha256(),
                file: signed.to_file(),
            },
        )
        .await?;
        Ok(())
    }

    /// The receipts of a request the actor may read, first first.
    pub async fn receipts(&self, actor: &Actor, request_id: &str) -> Result<Vec<ReceiptSummary>> {
        let mut c = self.db.read().await?;
        let r = self.visible_request(&mut c, actor, request_id, Action::Read).await?;
        let rows = store::of_request(&mut c, &r.id).await?;
        drop(c);
        self.audit_reads(actor, "request_receipt.list", RecordKind::Request, &[(&r.id, &r.classification)]).await?;
        Ok(rows
            .into_iter()
            .map(|row| ReceiptSummary {
                number: row.number,
                event: row.event,
                issued_at: row.issued_at,
                key_id: row.key_id,
                sha256: row.sha256,
            })
            .collect())
    }

    /// A receipt file exactly as issued, with a file name for it.
    pub async fn receipt_file(&self, actor: &Actor, request_id: &str, number: i64) -> Result<(String, String)> {
        let mut c = self.db.read().await?;
        let r = self.visible_request(&mut c, actor, request_id, Action::Read).await?;
        actor.check(Action::Read, &request_access(&r, RecordKind::Request))?;
        let row = store::get(&mut c, &r.id, number).await?.ok_or(AppError::NotFound)?;
        drop(c);
        self.audit_reads(actor, "request_receipt.download", RecordKind::Request, &[(&r.id, &r.classification)]).await?;
        Ok((file_stem(&r.reference, number), row.file))
    }

    /// A printable copy of a receipt. The JSON file is the signed original; the PDF says so.
    pub async fn receipt_pdf(&self, actor: &Actor, request_id: &str, number: i64) -> Result<(String, Vec<u8>)> {
        let (stem, file) = self.receipt_file(actor, request_id, number).await?;
        let signed: SignedReceipt = serde_json::from_str(&file)
            .map_err(|e| AppError::Internal(format!("stored receipt {stem} does not parse: {e}")))?;
        Ok((stem, printable(&signed)))
    }

    /// Every key that has signed receipts, for verifiers: the current one and those retired.
    pub async fn receipt_keys(&self) -> Result<Vec<PublishedKey>> {
        let current = receipt::key_id(&self.receipt_key().await?.verifying_key());
        let keys = store::keys(&mut self.db.read().await?).await?;
        Ok(keys
            .into_iter()
            .map(|k| PublishedKey {
                current: k.key_id == current,
                key_id: k.key_id,
                public_key: k.public_key,
                first_used_at: k.first_used_at,
            })
            .collect())
    }
}

/// The key ring file of these keys, for `comity receipt verify --keys`.
pub fn key_ring_text(keys: &[PublishedKey]) -> String {
    let mut text = String::from("# The Court's receipt keys (Comity). One key per line; retired keys stay listed.\n");
    for k in keys {
        let state = if k.current { "current" } else { "retired" };
        text.push_str(&format!(
            "{} # {}, first used {}, {state}\n",
            k.public_key,
            k.key_id,
            k.first_used_at.date_naive()
        ));
    }
    text
}

fn file_stem(reference: &str, number: i64) -> String {
    let safe: String = reference.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    format!("receipt-{safe}-{number}")
}

/// The receipt laid out for print.
fn printable(s: &SignedReceipt) -> Vec<u8> {
    let r = &s.receipt;
    let mut lines = vec![
        format!("Request:        {} ({})", r.request_reference, r.request_id),
        format!("Receipt number: {}", r.number),
        format!("What happened:  {}", r.event.replace('_', " ")),
        format!("Took effect on: {}", r.effective_on),
        format!("Recorded at:    {} UTC", r.recorded_at.format("%Y-%m-%d %H:%M:%S")),
        format!("By:             {} ({}), {}", r.by.name, r.by.user, r.by.unit),
    ];
    for (k, v) in &r.detail {
        lines.push(format!("{:<16}{v}", format!("{}:", k.replace('_', " "))));
    }
    lines.push(String::new());
    if r.documents.is_empty() {
        lines.push("Documents:      none".into());
    }
    for d in &r.documents {
        lines.push(format!("Document:       {} ({} bytes)", d.filename, d.size));
        lines.push(format!("  SHA-256:      {}", d.sha256));
    }
    lines.push(String::new());
    lines.push("Receipts of this request (SHA-256 of the JSON file):".into());
    lines.push(format!("  previous:     {}", r.previous.as_deref().unwrap_or("none (first receipt)")));
    lines.push(format!("  this one:     {}", s.file_sha256()));
    lines.push(format!("Signed with key {} (Ed25519)", s.key_id));
    lines.push("Signature:".into());
    lines.extend(s.signature.as_bytes().chunks(64).map(|c| format!("  {}", String::from_utf8_lossy(c))));
    lines.push(String::new());
    lines.push("The signed original is the JSON file of this receipt. Check it offline with".into());
    lines.push("  comity receipt verify FILE --keys KEYRING".into());
    lines.push("where KEYRING is the Court's published key ring (GET /api/v1/receipts/keys.txt).".into());
    pdf::text_document(&format!("Comity receipt {} for {}", r.number, r.request_reference), &lines)
}
