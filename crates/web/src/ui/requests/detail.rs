//! The request page: where it stands, what is missing, what was asked line by line, how it
//! was sent, the documents, the history and the moves open to the reader.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use comity_app::{
    documents::DocumentView,
    requests::{EventView, RequestView},
};
use comity_domain::request::{LineType, Move};

use super::{checklist_label, days, field_id, line_type_label, provision_of};
use crate::{
    auth::UiSession,
    i18n::Tr,
    ui::{render, Chrome, UiError},
    AppState,
};

/// A checklist point still unanswered.
pub struct MissingRow {
    pub line: String,
    pub label: String,
    pub provision: String,
    pub href: String,
}

pub struct LineRow {
    pub number: i64,
    pub title: String,
    pub answers: Vec<Answer>,
    pub cost: String,
    pub outcome: String,
    pub outcome_label: String,
    pub outcome_on: String,
    pub outcome_note: String,
}

pub struct Answer {
    pub label: String,
    pub provision: String,
    pub value: String,
}

pub struct MoveLink {
    pub href: String,
    pub label: String,
    pub destructive: bool,
}

pub struct EventRow {
    pub effective_on: String,
    pub title: String,
    pub change: String,
    pub reason: String,
    pub details: Vec<(String, String)>,
    pub recorded_at: String,
    pub recorded_iso: String,
    pub who: Option<String>,
    pub status: String,
}

pub struct DocRow {
    pub href: String,
    pub filename: String,
    pub kind: String,
    pub size: String,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub description: String,
    pub translation_needed: Option<String>,
}

pub struct ClockRow {
    pub label: String,
    pub started_on: String,
    pub due_on: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage {
    c: Chrome,
    r: RequestView,
    status_label: String,
    facts: Vec<(String, String)>,
    internal: Vec<(String, String)>,
    missing: Vec<MissingRow>,
    show_missing: bool,
    lines: Vec<LineRow>,
    moves: Vec<MoveLink>,
    events: Vec<EventRow>,
    documents: Vec<DocRow>,
    documents_visible: bool,
    receipts: Vec<ReceiptRow>,
    thread_open: bool,
    messages: Vec<MessageRow>,
    can_message: bool,
    can_upload: bool,
    can_letter: bool,
    can_edit: bool,
    can_follow_up: bool,
    clocks: Vec<ClockRow>,
    transmission: Vec<(String, String)>,
    turnaround: Vec<(String, String)>,
    done: String,
    max_upload_mib: usize,
    doc_kinds: Vec<crate::ui::directory::Choice>,
}

/// A message of the thread as the request page shows it.
pub struct MessageRow {
    pub from_partner: bool,
    /// Written by the reader's side: shown on the right, as in any conversation.
    pub ours: bool,
    pub author: String,
    pub author_unit: String,
    pub at: String,
    pub body: String,
    pub document: Option<(String, String)>,
}

/// A signed receipt as the request page lists it.
pub struct ReceiptRow {
    pub number: i64,
    pub event: String,
    pub issued_at: String,
    pub sha256: String,
    pub href: String,
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

/// Destructive moves ask for confirmation on their form.
pub fn is_destructive(m: &str) -> bool {
    matches!(m, "withdraw" | "refuse")
}

pub fn human_size(bytes: i64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// A detail of a history step (grounds, references, line outcomes) as label and value.
fn event_details(tr: &Tr, e: &EventView, lines: &[comity_app::requests::LineView]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(map) = e.detail.as_object() else { return out };
    for (k, v) in map {
        let value = match (k.as_str(), v) {
            ("line_outcomes", serde_json::Value::Object(o)) => {
                for (pos, outcome) in o {
                    let code = outcome.as_str().unwrap_or_default();
                    let line = pos
                        .parse::<i64>()
                        .ok()
                        .and_then(|p| lines.iter().find(|l| l.position == p))
                        .map(|l| line_type_label(tr, &l.line_type))
                        .unwrap_or_default();
                    out.push((format!("{} ({line})", tr.t1("line-n", "n", pos)), tr.code("outcome", code)));
                }
                continue;
            }
            ("fields", serde_json::Value::Array(a)) => {
                a.iter().filter_map(|f| f.as_str()).map(|f| super::field_label(tr, f)).collect::<Vec<_>>().join(", ")
            }
            ("refusal_ground", serde_json::Value::String(s)) => tr.code("refusal", s),
            ("consultation_type", serde_json::Value::String(s)) => tr.code("consultation", s),
            ("consultation_outcome", serde_json::Value::String(s)) => tr.code("consult-outcome", s),
            ("postponement_ground", serde_json::Value::String(s)) => tr.code("postponement", s),
            ("channel", serde_json::Value::String(s)) => tr.code("channel", s),
            ("kind", serde_json::Value::String(s)) => tr.code("dockind", s),
            ("document" | "size", _) => continue,
            ("sha256", serde_json::Value::String(s)) => s.chars().take(16).collect::<String>() + "…",
            (_, serde_json::Value::String(s)) if s.is_empty() => continue,
            (_, serde_json::Value::String(s)) => s.clone(),
            (_, serde_json::Value::Null) => continue,
            (_, other) => other.to_string(),
        };
        out.push((tr.code("detail", k), value));
    }
    out
}

pub fn event_rows(tr: &Tr, events: &[EventView], lines: &[comity_app::requests::LineView]) -> Vec<EventRow> {
    events
        .iter()
        .rev()
        .map(|e| EventRow {
            effective_on: e.effective_on.to_string(),
            title: tr.code("revent", &e.action),
            change: match e.from_status.as_deref() {
                Some(from) if from != e.to_status => {
                    format!("{} → {}", tr.code("rstatus", from), tr.code("rstatus", &e.to_status))
                }
                None => tr.code("rstatus", &e.to_status),
                _ => String::new(),
            },
            reason: e.reason.clone(),
            details: event_details(tr, e, lines),
            recorded_at: e.recorded_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            recorded_iso: e.recorded_at.to_rfc3339(),
            who: e.actor.clone(),
            status: e.to_status.clone(),
        })
        .collect()
}

pub fn doc_rows(tr: &Tr, request_id: &str, docs: Vec<DocumentView>) -> Vec<DocRow> {
    docs.into_iter()
        .map(|d| DocRow {
            href: format!("/requests/{request_id}/documents/{}", d.id),
            kind: tr.code("dockind", &d.kind),
            size: human_size(d.size),
            uploaded_at: d.uploaded_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            filename: d.filename,
            sha256: d.sha256,
            uploaded_by: d.uploaded_by,
            description: d.description,
            translation_needed: d.translation_needed,
        })
        .collect()
}

pub async fn page(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let actor = &session.actor;
    let loaded = async {
        let r = s.app.request(actor, &id).await?;
        let events = s.app.request_events(actor, &id).await?;
        Ok::<_, comity_app::AppError>((r, events))
    }
    .await;
    let (r, events) = match loaded {
        Ok(x) => x,
        Err(e) => return UiError(e).into_response(),
    };
    // Documents follow the request's access; a reader without them still sees the rest.
    let docs = s.app.documents(actor, &r.id).await;
    let documents_visible = docs.is_ok();
    let receipts = s.app.receipts(actor, &r.id).await.unwrap_or_default();
    let messages = s.app.messages(actor, &r.id).await.unwrap_or_default();
    let can_message = s.app.may_post_message(actor, &r.id).await;
    let c = Chrome::new(&s, Some(&session), "requests", &format!("/requests/{}", r.id)).await;
    let tr = &c.tr;
    let external = r.internal.is_none();
    let open = !matches!(r.status.as_str(), "executed" | "refused" | "withdrawn" | "answered");
    let writer = !r.allowed_moves.is_empty() || (!external && s.app.may_draft_requests(actor));
    let mut facts = vec![
        (tr.t("rf-partner-id"), tr.name(&r.partner_name, r.partner_name_fr.as_deref())),
        (tr.t("rf-direction"), tr.code("direction", &r.direction)),
        (tr.t("rf-organ"), tr.code("organ", &r.organ)),
        (tr.t("rf-on-behalf-of"), tr.code("behalf", &r.on_behalf_of)),
        (tr.t("rf-kind"), tr.code("rkind", &r.kind)),
        (tr.t("rf-urgency"), tr.code("urgency", &r.urgency)),
        (tr.t("classification"), tr.code("classification", &r.classification)),
        (tr.t("rf-cost-allocation"), tr.code("cost", &r.cost_allocation)),
    ];
    for (key, value) in
        [("rf-situation", &r.situation), ("rf-case-name", &r.case_name), ("rf-legal-basis", &r.legal_basis)]
    {
        if !value.is_empty() {
            facts.push((tr.t(key), value.clone()));
        }
    }
    if let Some(n) = &r.national_reference {
        facts.push((tr.t("rf-national-reference"), n.clone()));
    }
    let internal = match &r.internal {
        Some(i) => {
            let mut v = vec![
                (tr.t("int-owner"), i.owner_unit.clone()),
                (tr.t("int-transmitting"), i.transmitting_unit.clone()),
            ];
            if let Some(u) = &i.acting_for_unit {
                v.push((tr.t("rf-acting-for-unit"), u.clone()));
            }
            if let Some(u) = &i.chamber_unit {
                v.push((tr.t("int-chamber"), u.clone()));
            }
            if let Some(u) = &i.responsible_user {
                v.push((tr.t("int-responsible"), u.clone()));
            }
            if !i.decision_reference.is_empty() {
                v.push((tr.t("rf-decision-reference"), i.decision_reference.clone()));
            }
            v.push((tr.t("int-created"), format!("{} · {}", i.created_by, i.created_at.format("%Y-%m-%d %H:%M UTC"))));
            if let Some(at) = i.imported_at {
                v.push((
                    tr.t("int-imported"),
                    format!("{} · {}", i.imported_by.clone().unwrap_or_default(), at.format("%Y-%m-%d")),
                ));
            }
            v
        }
        None => Vec::new(),
    };
    let line_types: Vec<Option<LineType>> = r.lines.iter().map(|l| LineType::parse(&l.line_type)).collect();
    let missing: Vec<MissingRow> = r
        .internal
        .as_ref()
        .map(|i| {
            i.missing
                .iter()
                .map(|m| {
                    let key = match m.line {
                        Some(n) => format!("lines[{}].content.{}", n - 1, m.key),
                        None => m.key.clone(),
                    };
                    let anchor = if m.key == "lines" { "lines".to_owned() } else { field_id(&key) };
                    MissingRow {
                        line: match m.line {
                            Some(n) => {
                                let t = line_types.get(n - 1).copied().flatten();
                                let short = t.map(|t| line_type_label(tr, t.code())).unwrap_or_default();
                                format!("{} — {short}", tr.t1("line-n", "n", n))
                            }
                            None => tr.t("missing-request"),
                        },
                        label: if m.key == "lines" { tr.t("missing-lines") } else { checklist_label(tr, &m.key) },
                        provision: m.provision.clone(),
                        href: format!("/requests/{}/edit#{anchor}", r.id),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let show_missing = !external && matches!(r.status.as_str(), "draft" | "pre_consultation");
    let lines = r
        .lines
        .iter()
        .map(|l| {
            let t = LineType::parse(&l.line_type);
            let mut answers: Vec<Answer> = t
                .map(|t| t.checklist())
                .unwrap_or_default()
                .iter()
                .map(|i| Answer {
                    label: checklist_label(tr, i.key),
                    provision: i.provision.to_owned(),
                    value: l.content.get(i.key).cloned().unwrap_or_default(),
                })
                .collect();
            for (k, v) in &l.content {
                if !answers.iter().any(|a| a.label == checklist_label(tr, k)) {
                    answers.push(Answer {
                        label: checklist_label(tr, k),
                        provision: provision_of(t, k).to_owned(),
                        value: v.clone(),
                    });
                }
            }
            LineRow {
                number: l.position,
                title: line_type_label(tr, &l.line_type),
                answers,
                cost: tr.code("cost", &l.cost_allocation),
                outcome: l.outcome.clone(),
                outcome_label: tr.code("outcome", &l.outcome),
                outcome_on: l.outcome_on.map(|d| d.to_string()).unwrap_or_default(),
                outcome_note: l.outcome_note.clone(),
            }
        })
        .collect();
    let moves = r
        .allowed_moves
        .iter()
        .map(|m| MoveLink {
            href: format!("/requests/{}/moves/{m}", r.id),
            label: tr.code("move", m),
            destructive: is_destructive(m),
        })
        .collect();
    let clocks = r
        .legal_clocks
        .iter()
        .map(|k| ClockRow {
            label: tr.code("clock", &k.rule),
            started_on: k.started_on.to_string(),
            due_on: k.due_on.to_string(),
            overdue: k.overdue,
        })
        .collect();
    let transmission = match &r.transmission {
        Some(t) => {
            let mut v = vec![(tr.t("tx-on"), t.transmitted_on.to_string())];
            if let Some(ch) = &t.channel {
                v.push((tr.t("profile-channel"), tr.code("channel", ch)));
            }
            if let Some(a) = &t.receiving_authority {
                v.push((tr.t("profile-authority"), a.clone()));
            }
            if let Some(l) = &t.language {
                v.push((tr.t("profile-languages"), l.clone()));
            }
            v
        }
        None => Vec::new(),
    };
    let mut turnaround = Vec::new();
    if let Some(t) = &r.transmission {
        turnaround.push((tr.t("ta-transmitted"), t.transmitted_on.to_string()));
    }
    if let (Some(d), Some(n)) = (r.first_response_on, r.days_to_first_response) {
        turnaround.push((tr.t("ta-first-response"), format!("{d} · {}", days(tr, n))));
    }
    if let (Some(d), Some(n)) = (r.executed_on, r.days_to_execution) {
        turnaround.push((tr.t("ta-execution"), format!("{d} · {}", days(tr, n))));
    }
    if let Some(d) = r.closed_on {
        if r.executed_on != Some(d) {
            turnaround.push((tr.t("ta-closed"), d.to_string()));
        }
    }
    let done = q
        .ok()
        .and_then(|q| q.0.done)
        .filter(|d| {
            Move::parse(d).is_some() || matches!(d.as_str(), "created" | "saved" | "uploaded" | "letter" | "message")
        })
        .map(|d| tr.code("done", &d))
        .unwrap_or_default();
    let documents = doc_rows(tr, &r.id, docs.unwrap_or_default());
    let doc_kinds = comity_app::documents::DocumentKind::ALL
        .iter()
        .filter(|k| {
            !external
                || !matches!(
                    k,
                    comity_app::documents::DocumentKind::Letter | comity_app::documents::DocumentKind::InternalNote
                )
        })
        .map(|k| crate::ui::directory::Choice {
            value: k.code().into(),
            label: tr.code("dockind", k.code()),
            selected: if external {
                *k == comity_app::documents::DocumentKind::MaterialReceived
            } else {
                *k == comity_app::documents::DocumentKind::Annex
            },
        })
        .collect();
    // The partner's view starts at transmission: what the Court did before (drafting, the
    // authorising decision) is internal, whatever the history endpoint returns.
    let events: Vec<EventView> = if external {
        let sent = events.iter().position(|e| matches!(e.action.as_str(), "transmit" | "receive"));
        events
            .into_iter()
            .enumerate()
            .filter(|(i, _)| sent.is_some_and(|s| *i >= s))
            .map(|(_, mut e)| {
                if let Some(d) = e.detail.as_object_mut() {
                    d.remove("decision_reference");
                }
                e
            })
            .collect()
    } else {
        events
    };
    let events = event_rows(tr, &events, &r.lines);
    let status_label = tr.code("rstatus", &r.status);
    let page = RequestPage {
        status_label,
        facts,
        internal,
        missing,
        show_missing,
        lines,
        moves,
        events,
        documents,
        documents_visible,
        receipts: receipts
            .into_iter()
            .map(|x| ReceiptRow {
                event: tr.code("revent", &x.event),
                issued_at: x.issued_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                href: format!("/requests/{}/receipts/{}", r.id, x.number),
                number: x.number,
                sha256: x.sha256,
            })
            .collect(),
        thread_open: comity_domain::request::known_to_partner(&r.status, r.transmission.is_some()),
        messages: messages
            .into_iter()
            .map(|m| MessageRow {
                from_partner: m.side == "partner",
                ours: (m.side == "partner") == external,
                author: m.author,
                author_unit: m.author_unit,
                at: m.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                body: m.body,
                document: m.document.map(|d| (format!("/requests/{}/documents/{}", r.id, d.id), d.filename)),
            })
            .collect(),
        can_message,
        can_upload: documents_visible && writer && open,
        can_letter: documents_visible && !external && writer && r.direction == "outgoing",
        can_edit: !external && open && s.app.may_draft_requests(actor),
        can_follow_up: !external && s.app.may_draft_requests(actor) && r.direction == "outgoing",
        clocks,
        transmission,
        turnaround,
        done,
        max_upload_mib: s.app.max_upload_bytes() / (1024 * 1024),
        doc_kinds,
        r,
        c,
    };
    render(&page)
}
