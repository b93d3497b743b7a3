//! Documents attached to a request: the letter, annexes and the material a State sends
//! back. Contents are stored once by SHA-256, inherit the request's classification, and
//! every download is written to the audit trail.

use comity_domain::{
    access::{Action, RecordKind},
    receipt::DocumentDigest,
    request::Direction,
    validation::FieldErrors,
    vocabulary,
};
use comity_store::{accounts, requests as store};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::{
    requests::{append, classification_of, is_external, request_access},
    trail::{self, Target},
    Actor, AppError, Comity, Result,
};

/// The contents of the documents of a request that its partner sees, as a receipt names them.
pub(crate) async fn shared_digests(
    ex: &mut impl comity_store::Executor,
    request_id: &str,
) -> Result<Vec<DocumentDigest>> {
    Ok(store::documents(ex, request_id)
        .await?
        .into_iter()
        .filter(|d| d.kind != DocumentKind::InternalNote.code())
        .map(|d| DocumentDigest { filename: d.filename, sha256: d.sha256, size: d.size })
        .collect())
}

/// The largest file accepted (25 MiB): scanned letters and annexes fit; evidence archives
/// belong in the evidence system, not here.
pub const MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;

vocabulary! {
    /// What a document is to its request. An internal note is the Court's own working paper
    /// on the request: never shown to the partner.
    DocumentKind {
        Letter => "letter",
        Annex => "annex",
        MaterialReceived => "material_received",
        Correspondence => "correspondence",
        Translation => "translation",
        InternalNote => "internal_note",
        Other => "other",
    }
}

/// A file as uploaded.
#[derive(Debug, Clone, Default)]
pub struct DocumentUpload {
    pub filename: String,
    /// What the client declared; the stored type is the one recognised from the contents.
    pub media_type: String,
    pub kind: Option<String>,
    pub language: Option<String>,
    pub description: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub request_id: String,
    pub filename: String,
    pub media_type: String,
    pub size: i64,
    pub kind: String,
    pub language: Option<String>,
    pub description: String,
    /// SHA-256 of the contents, hex.
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
    /// Set on a generated letter whose addressee declared a language Comity has no template for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translation_needed: Option<String>,
}

/// The file types accepted, recognised from their first bytes (and, for the zip-based
/// office formats, the file name), never from what the client claims.
fn recognise(filename: &str, bytes: &[u8]) -> Option<&'static str> {
    let ext = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return Some("image/tiff");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return match ext.as_str() {
            "docx" => Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            "xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "odt" => Some("application/vnd.oasis.opendocument.text"),
            "ods" => Some("application/vnd.oasis.opendocument.spreadsheet"),
            _ => None,
        };
    }
    let text = std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0);
    match ext.as_str() {
        "txt" | "csv" if text => Some("text/plain; charset=utf-8"),
        "eml" if text => Some("message/rfc822"),
        _ => None,
    }
}

pub const ACCEPTED_TYPES: &str = "PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, TIFF, plain text (.txt, .csv), e-mail (.eml)";

/// A file name safe to store and to send back in a header: no path, no control characters.
pub fn safe_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_control() || matches!(c, '"' | ';' | '<' | '>' | '|' | '*' | '?' | ':') { '_' } else { c })
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "document".to_owned()
    } else {
        cleaned
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Comity {
    pub fn max_upload_bytes(&self) -> usize {
        MAX_UPLOAD_BYTES
    }

    /// Attaches a file to a request the actor may act on.
    pub async fn add_document(&self, actor: &Actor, request_id: &str, upload: DocumentUpload) -> Result<DocumentView> {
        self.store_document(actor, request_id, upload, None).await
    }

    async fn store_document(
        &self,
        actor: &Actor,
        request_id: &str,
        upload: DocumentUpload,
        translation_needed: Option<String>,
    ) -> Result<DocumentView> {
        let mut e = FieldErrors::new();
        let filename = safe_filename(&upload.filename);
        if upload.bytes.is_empty() {
            e.add("file", "is empty");
        } else if upload.bytes.len() > MAX_UPLOAD_BYTES {
            e.add("file", format!("is larger than the limit of {} MiB", MAX_UPLOAD_BYTES / (1024 * 1024)));
        }
        let media_type = recognise(&filename, &upload.bytes);
        if media_type.is_none() && !upload.bytes.is_empty() {
            e.add("file", format!("this type of file is not accepted; accepted: {ACCEPTED_TYPES}"));
        }
        let kind = match upload.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => e.code::<DocumentKind>("kind", k),
            None => Some(DocumentKind::Annex),
        };
        let language = match upload.language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => match comity_domain::partner::parse_language(l) {
                Some(l) => Some(l),
                None => {
                    e.add("language", "must be a two-letter language code");
                    None
                }
            },
            None => None,
        };
        if upload.description.chars().count() > 1_000 {
            e.add("description", "must be at most 1000 characters");
        }
        self.receipt_key().await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let r = self.visible_request(&mut tx, actor, request_id, Action::Read).await?;
        actor.check(Action::Update, &request_access(&r, RecordKind::RequestDocument))?;
        if kind == Some(DocumentKind::InternalNote) && is_external(actor, &r) {
            e.add("kind", "internal notes are the Court's own");
        }
        e.into_result()?;
        let (Some(media_type), Some(kind)) = (media_type, kind) else {
            return Err(AppError::Internal("validated document fields missing".into()));
        };
        let sha256 = sha256_hex(&upload.bytes);
        store::put_blob(&mut tx, &sha256, &upload.bytes, now).await?;
        let d = store::Document {
            id: comity_store::new_id(),
            request_id: r.id.clone(),
            sha256: sha256.clone(),
            filename,
            media_type: media_type.to_owned(),
            size: upload.bytes.len() as i64,
            kind: kind.code().to_owned(),
            language,
            description: upload.description.trim().to_owned(),
            uploaded_by: actor.audit_id().to_owned(),
            uploaded_at: now,
        };
        store::insert_document(&mut tx, &d).await?;
        let detail = serde_json::json!({
            "document": d.id, "filename": d.filename, "kind": d.kind, "sha256": d.sha256, "size": d.size,
        });
        append(&mut tx, &r, "document_added", Some(&r.status), self.today(), now, actor, "", detail.clone()).await?;
        // Once the request is with the partner, each upload they can see is a receipted step.
        if r.transmitted_on.is_some() && kind != DocumentKind::InternalNote {
            let digest = DocumentDigest { filename: d.filename.clone(), sha256: d.sha256.clone(), size: d.size };
            self.issue_receipt(&mut tx, &r, "document_added", self.today(), now, actor, &detail, vec![digest]).await?;
        }
        trail::record(
            &mut tx,
            now,
            actor,
            "request_document.upload",
            Target::new(RecordKind::RequestDocument, &d.id, classification_of(&r.classification)),
            detail,
        )
        .await?;
        tx.commit().await?;
        let mut view = document_view(d, actor.name.clone());
        view.translation_needed = translation_needed;
        Ok(view)
    }

    /// The documents of a request the actor may see.
    pub async fn documents(&self, actor: &Actor, request_id: &str) -> Result<Vec<DocumentView>> {
        let mut c = self.db.read().await?;
        let r = self.visible_request(&mut c, actor, request_id, Action::Read).await?;
        actor.check(Action::Read, &request_access(&r, RecordKind::RequestDocument))?;
        let mut docs = store::documents(&mut c, &r.id).await?;
        if is_external(actor, &r) {
            docs.retain(|d| d.kind != DocumentKind::InternalNote.code());
        }
        let users = accounts::list_users(&mut c, None).await?;
        drop(c);
        let listed: Vec<(&str, &str)> = docs.iter().map(|d| (d.id.as_str(), r.classification.as_str())).collect();
        self.audit_reads(actor, "request_document.list", RecordKind::RequestDocument, &listed).await?;
        Ok(docs
            .into_iter()
            .map(|d| {
                let by = users.iter().find(|u| u.id == d.uploaded_by).map_or(d.uploaded_by.clone(), |u| u.name.clone());
                document_view(d, by)
            })
            .collect())
    }

    /// A document's contents. Every download is audited, in the transaction that reads it.
    pub async fn download_document(
        &self,
        actor: &Actor,
        request_id: &str,
        document_id: &str,
    ) -> Result<(DocumentView, Vec<u8>)> {
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let r = self.visible_request(&mut tx, actor, request_id, Action::Read).await?;
        actor.check(Action::Read, &request_access(&r, RecordKind::RequestDocument))?;
        let external = is_external(actor, &r);
        let d = store::document(&mut tx, document_id)
            .await?
            .filter(|d| d.request_id == r.id)
            .filter(|d| !(external && d.kind == DocumentKind::InternalNote.code()))
            .ok_or(AppError::NotFound)?;
        let bytes = store::blob(&mut tx, &d.sha256)
            .await?
            .ok_or_else(|| AppError::Internal(format!("document {} has no stored contents ({})", d.id, d.sha256)))?;
        if sha256_hex(&bytes) != d.sha256 {
            return Err(AppError::Internal(format!("document {} contents do not match their hash", d.id)));
        }
        trail::record(
            &mut tx,
            now,
            actor,
            "request_document.download",
            Target::new(RecordKind::RequestDocument, &d.id, classification_of(&r.classification)),
            serde_json::json!({ "request": r.id, "sha256": d.sha256 }),
        )
        .await?;
        tx.commit().await?;
        let by = d.uploaded_by.clone();
        Ok((document_view(d, by), bytes))
    }

    /// Generates the formal request letter in the addressee's language (English or French
    /// where declared; otherwise English, flagged for translation) and attaches it.
    pub async fn generate_letter(&self, actor: &Actor, request_id: &str) -> Result<DocumentView> {
        let view = self.request(actor, request_id).await?;
        if view.direction != Direction::Outgoing.code() {
            return Err(AppError::Conflict("letters are generated for outgoing requests only".into()));
        }
        let mut c = self.db.read().await?;
        // The languages the request was sent under, or those in force today for a draft.
        let languages = match &view.transmission {
            Some(t) => t.language.clone().unwrap_or_default(),
            None => self
                .profile_in_force(&mut c, &view.partner_id, self.today())
                .await?
                .map(|p| p.languages)
                .unwrap_or_default(),
        };
        let languages = crate::partners::split_list(&languages);
        let input = crate::letter::LetterInput {
            reference: view.reference.clone(),
            date: self.today(),
            addressee_name: view.partner_name.clone(),
            receiving_authority: view.transmission.as_ref().and_then(|t| t.receiving_authority.clone()),
            channel: view.transmission.as_ref().and_then(|t| t.channel.clone()),
            organ: comity_domain::request::Organ::parse(&view.organ).unwrap_or(comity_domain::request::Organ::Registry),
            on_behalf_of: comity_domain::request::OnBehalfOf::parse(&view.on_behalf_of)
                .unwrap_or(comity_domain::request::OnBehalfOf::Registry),
            title: view.title.clone(),
            purpose: view.purpose.clone(),
            facts: view.facts.clone(),
            legal_basis: view.legal_basis.clone(),
            situation: view.situation.clone(),
            case_name: view.case_name.clone(),
            urgency: comity_domain::request::Urgency::parse(&view.urgency)
                .unwrap_or(comity_domain::request::Urgency::Normal),
            deadline: view.deadline,
            decision_reference: view.internal.as_ref().map(|i| i.decision_reference.clone()).unwrap_or_default(),
            lines: view
                .lines
                .iter()
                .filter_map(|l| {
                    Some(crate::letter::LetterLine {
                        line_type: comity_domain::request::LineType::parse(&l.line_type)?,
                        content: l.content.clone(),
                    })
                })
                .collect(),
            confidential: classification_of(&view.classification)
                >= comity_domain::access::Classification::Confidential,
        };
        let letter = crate::letter::compose(&input, &languages).map_err(|e| AppError::Internal(e.to_string()))?;
        let description = match &letter.translation_needed {
            Some(l) => format!("Request letter in {}; translation into '{l}' needed", letter.language),
            None => format!("Request letter in {}", letter.language),
        };
        let upload = DocumentUpload {
            filename: letter.filename,
            media_type: String::new(),
            kind: Some(DocumentKind::Letter.code().into()),
            language: Some(letter.language),
            description,
            bytes: letter.docx,
        };
        self.store_document(actor, request_id, upload, letter.translation_needed).await
    }
}

fn document_view(d: store::Document, uploaded_by: String) -> DocumentView {
    DocumentView {
        id: d.id,
        request_id: d.request_id,
        filename: d.filename,
        media_type: d.media_type,
        size: d.size,
        kind: d.kind,
        language: d.language,
        description: d.description,
        sha256: d.sha256,
        uploaded_by,
        uploaded_at: d.uploaded_at,
        translation_needed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_recognised_from_contents_not_claims() {
        assert_eq!(recognise("x.pdf", b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(recognise("x.exe", b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(recognise("x.pdf", b"MZ\x90\0"), None);
        assert_eq!(recognise("notes.txt", b"plain words"), Some("text/plain; charset=utf-8"));
        assert_eq!(recognise("notes.txt", b"bin\0ary"), None);
        assert_eq!(
            recognise("a.docx", b"PK\x03\x04rest"),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        assert_eq!(recognise("a.zip", b"PK\x03\x04rest"), None);
    }

    #[test]
    fn file_names_lose_paths_and_header_breakers() {
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("C:\\scans\\note \"v1\".pdf"), "note _v1_.pdf");
        assert_eq!(safe_filename("a\r\nb.pdf"), "a__b.pdf");
        assert_eq!(safe_filename("..."), "document");
    }
}
