//! The secure thread of a request between the Court's officers and the requested State's focal
//! points, from the moment the State knows of the request: a draft shared for comment, or a
//! request sent. Each side is told there is something new in the application
//! and by an e-mail that says nothing else: what was written never leaves Comity.

use chrono::{DateTime, Utc};
use comity_domain::{
    access::{Action, RecordKind},
    request::known_to_partner,
    validation::FieldErrors,
};
use comity_store::{
    accounts,
    jobs::{self, Job, Notification},
    messages::{self as store, Message},
    requests as request_store,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    documents::DocumentKind,
    mail::{Mailer, Outgoing},
    reminders::message_id,
    requests::{is_external, request_access},
    trail::{self, Target},
    Actor, AppError, Comity, Result,
};

/// The job that tells someone, by e-mail, that a thread has something new.
pub const MESSAGE_JOB: &str = "message_notice";

/// The longest message accepted.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: String,
    /// `court` or `partner`.
    pub side: String,
    pub author: String,
    pub author_unit: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// The request document it points at, if any.
    pub document: Option<MessageDocument>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageDocument {
    pub id: String,
    pub filename: String,
    pub size: i64,
    pub sha256: String,
}

/// A new message: its text and, optionally, one of the request's documents (upload it first).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MessageInput {
    pub body: String,
    pub document_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct NoticePayload {
    user_id: String,
    request_id: String,
}

impl Comity {
    /// A request's thread, oldest first, for whoever may read the request (the addressee's
    /// focal points once it has been sent).
    pub async fn messages(&self, actor: &Actor, request_id: &str) -> Result<Vec<MessageView>> {
        let mut c = self.db.read().await?;
        let r = self.visible_request(&mut c, actor, request_id, Action::Read).await?;
        let messages = store::of_request(&mut c, &r.id).await?;
        let users = accounts::list_users(&mut c, None).await?;
        let documents = request_store::documents(&mut c, &r.id).await?;
        drop(c);
        if !messages.is_empty() {
            self.audit_reads(actor, "request_message.list", RecordKind::Request, &[(&r.id, &r.classification)]).await?;
        }
        Ok(messages
            .into_iter()
            .map(|m| {
                let author = users.iter().find(|u| u.id == m.author_id);
                MessageView {
                    author: author.map_or_else(|| m.author_id.clone(), |u| u.display_name.clone()),
                    author_unit: author.map(|u| u.unit_name.clone()).unwrap_or_default(),
                    document: m.document_id.as_ref().and_then(|id| documents.iter().find(|d| &d.id == id)).map(|d| {
                        MessageDocument {
                            id: d.id.clone(),
                            filename: d.filename.clone(),
                            size: d.size,
                            sha256: d.sha256.clone(),
                        }
                    }),
                    id: m.id,
                    side: m.side,
                    body: m.body,
                    created_at: m.created_at,
                }
            })
            .collect())
    }

    /// Whether the actor may write in the request's thread (for the page's form).
    pub async fn may_post_message(&self, actor: &Actor, request_id: &str) -> bool {
        let Ok(mut c) = self.db.read().await else { return false };
        match self.visible_request(&mut c, actor, request_id, Action::Read).await {
            Ok(r) => {
                known_to_partner(&r.status, r.transmitted_on.is_some())
                    && actor.may(Action::Update, &request_access(&r, RecordKind::Request))
            }
            Err(_) => false,
        }
    }

    /// Adds a message to the thread and tells the other side: an in-app notification, and an
    /// e-mail that only says there is something new.
    pub async fn post_message(&self, actor: &Actor, request_id: &str, input: &MessageInput) -> Result<MessageView> {
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let r = self.visible_request(&mut tx, actor, request_id, Action::Read).await?;
        actor.check(Action::Update, &request_access(&r, RecordKind::Request))?;
        if !known_to_partner(&r.status, r.transmitted_on.is_some()) {
            return Err(AppError::Conflict(
                "the thread opens once the request is shared with the State for comment, or sent".into(),
            ));
        }
        let mut e = FieldErrors::new();
        let body = input.body.trim();
        if body.is_empty() {
            e.add("body", "is required");
        } else if body.chars().count() > MAX_MESSAGE_CHARS {
            e.add("body", format!("must be at most {MAX_MESSAGE_CHARS} characters"));
        }
        let document_id = input.document_id.as_deref().map(str::trim).filter(|d| !d.is_empty());
        if let Some(id) = document_id {
            // Both sides read the thread: only a document both sides see may be attached.
            match request_store::document(&mut tx, id).await?.filter(|d| d.request_id == r.id) {
                None => e.add("document_id", "is not a document of this request"),
                Some(d) if d.kind == DocumentKind::InternalNote.code() => {
                    e.add("document_id", "an internal note cannot be shared in the thread")
                }
                Some(_) => {}
            }
        }
        e.into_result()?;
        let external = is_external(actor, &r);
        let m = Message {
            id: comity_store::new_id(),
            request_id: r.id.clone(),
            author_id: actor.audit_id().to_owned(),
            side: if external { "partner" } else { "court" }.into(),
            body: body.to_owned(),
            document_id: document_id.map(str::to_owned),
            created_at: now,
        };
        store::insert(&mut tx, &m).await?;

        let text = format!("New message on request {}.", r.reference);
        self.tell(&mut tx, &r, !external, &format!("message:{}", m.id), &text, &m.author_id, now).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "request_message.post",
            Target::new(RecordKind::Request, &r.id, crate::requests::classification_of(&r.classification)),
            serde_json::json!({ "message": m.id, "document": m.document_id }),
        )
        .await?;
        tx.commit().await?;
        let view = self.messages(actor, &r.id).await?.into_iter().find(|v| v.id == m.id);
        view.ok_or_else(|| AppError::Internal("a message just written is missing".into()))
    }

    /// Tells one side of a request that there is something new for it: the State's focal
    /// points (`to_partner`), or the officer who answers for the request. Each gets an in-app
    /// notification saying `text` and an e-mail notice naming nothing; `key` makes both once
    /// only per person. `author` is never told of their own doing.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn tell(
        &self,
        tx: &mut comity_store::Tx,
        r: &comity_store::requests::Request,
        to_partner: bool,
        key: &str,
        text: &str,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let users = accounts::list_users(tx, None).await?;
        let recipients: Vec<&accounts::User> = if to_partner {
            users
                .iter()
                .filter(|u| {
                    u.unit_kind == "state_focal_point" && u.unit_state.as_deref() == Some(r.partner_id.as_str())
                })
                .collect()
        } else {
            let officer = r.responsible_user_id.as_deref().unwrap_or(&r.created_by);
            users.iter().filter(|u| u.id == officer).collect()
        };
        for u in recipients.into_iter().filter(|u| !u.disabled && u.id != author) {
            let key = format!("{key}:{}", u.id);
            jobs::insert_notification(
                tx,
                &Notification {
                    id: comity_store::new_id(),
                    user_id: u.id.clone(),
                    request_id: Some(r.id.clone()),
                    kind: "message".into(),
                    message: text.to_owned(),
                    dedupe_key: key.clone(),
                    created_at: now,
                    read_at: None,
                },
            )
            .await?;
            let payload = serde_json::to_string(&NoticePayload { user_id: u.id.clone(), request_id: r.id.clone() })
                .map_err(|e| AppError::Internal(format!("encoding a notice: {e}")))?;
            jobs::enqueue(tx, MESSAGE_JOB, &key, &payload, now, now).await?;
        }
        Ok(())
    }

    /// Sends the e-mail of a message notice. It names nothing: no reference, no title, no
    /// words of the message, only a link to sign in.
    pub(crate) async fn send_message_notice(&self, job: &Job, mailer: &Mailer) -> Result<()> {
        let payload: NoticePayload = match serde_json::from_str(&job.payload) {
            Ok(p) => p,
            Err(e) => return self.settle(job, Err((format!("unreadable payload: {e}"), false))).await,
        };
        let user = accounts::user_by_id(&mut self.db.read().await?, &payload.user_id).await?;
        if !mailer.is_enabled() {
            return self.settle(job, Ok(Some("mail disabled"))).await;
        }
        let Some(user) = user.filter(|u| !u.disabled) else {
            return self.settle(job, Ok(Some("the recipient's account is gone or disabled"))).await;
        };
        let Some(address) = user.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) else {
            return self.settle(job, Ok(Some("no address"))).await;
        };
        let link = match &self.settings.public_url {
            Some(base) => {
                format!("Sign in to read it: {}/requests/{}#messages", base.trim_end_matches('/'), payload.request_id)
            }
            None => "Sign in to Comity to read it.".to_owned(),
        };
        let mail = Outgoing {
            to: address.to_owned(),
            subject: "Comity: there is something new for you".into(),
            body: format!(
                "There is a new message for you in Comity.\n\n{link}\n\n\
                 For the safety of everyone concerned, this e-mail never says what it is about.\n"
            ),
            message_id: message_id(&job.dedupe_key, mailer.sender_domain().as_deref()),
            date: self.clock.now(),
        };
        self.send_once(job, mailer, &mail).await
    }
}
