//! A warrant's page: where the person stands and since when, the history, the requests sent
//! under it, and the forms to record a change, to send requests for arrest to several States
//! at once, and to lift the seal (after an explicit confirmation).

use askama::Template;
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use comity_app::{
    auth::SessionState,
    warrants::{ArrestRequestsInput, UnsealInput, WarrantStatusInput, WarrantView},
    AppError,
};
use comity_domain::{
    request::LineType,
    warrant::{PersonStatus, WarrantKind},
};

use super::{
    done_message, opt, partner_choices, person_status, refusal, split_codes, status_codes, vocab, Done, RequestRow,
};
use crate::{
    auth::UiSession,
    i18n::Tr,
    ui::{
        csrf_ok, csrf_refused,
        directory::Choice,
        render,
        requests::{line_type_label, Fields, FormErrors},
        Chrome, UiError,
    },
    AppState,
};

/// One step of the warrant's history.
pub struct EventRow {
    pub on: String,
    pub title: String,
    pub status: String,
    pub note: String,
    pub recorded_at: String,
    pub recorded_iso: String,
    pub who: String,
    pub request_id: Option<String>,
}

/// The status form's values.
#[derive(Default)]
struct StatusValues {
    status: String,
    effective_on: String,
    note: String,
}

/// The send-requests form's values.
#[derive(Default)]
struct SendValues {
    line_type: String,
    partner_ids: Vec<String>,
    codes: String,
    all: bool,
    probable_location: String,
    national_requirements: String,
    deadline: String,
}

#[derive(Template)]
#[template(path = "warrant.html")]
struct WarrantPage {
    c: Chrome,
    w: WarrantView,
    kind_label: String,
    status_label: String,
    class_label: String,
    aliases: String,
    events: Vec<EventRow>,
    requests: Vec<RequestRow>,
    may_write: bool,
    can_send: bool,
    statuses: Vec<Choice>,
    st: StatusValues,
    line_types: Vec<Choice>,
    partners: Vec<Choice>,
    send: SendValues,
    errors: FormErrors,
    stale: bool,
    done: String,
    today: String,
}

/// An event's title: the step's status, or what was done (issued, unsealed).
pub fn event_title(tr: &Tr, action: &str) -> String {
    if PersonStatus::parse(action).is_some() {
        person_status(tr, action)
    } else {
        tr.code("wevent", action)
    }
}

#[allow(clippy::too_many_arguments)]
async fn warrant_page(
    s: &AppState,
    session: &SessionState,
    w: WarrantView,
    st: StatusValues,
    send: SendValues,
    errors: FormErrors,
    stale: bool,
    done: String,
) -> WarrantPage {
    let c = Chrome::new(s, Some(session), "warrants", &format!("/warrants/{}", w.summary.id)).await;
    let tr = &c.tr;
    let may_write = s.app.may_record_warrants(&session.actor);
    let can_send = may_write
        && w.summary.kind == WarrantKind::ArrestWarrant.code()
        && matches!(w.summary.status.as_str(), "at_large" | "provisionally_arrested");
    let events = w
        .history
        .iter()
        .rev()
        .map(|e| EventRow {
            on: e.effective_on.to_string(),
            title: event_title(tr, &e.action),
            status: e.status.clone(),
            note: e.note.clone(),
            recorded_at: e.recorded_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            recorded_iso: e.recorded_at.to_rfc3339(),
            who: e.actor.clone(),
            request_id: e.request_id.clone(),
        })
        .collect();
    let status = if st.status.is_empty() { w.summary.status.clone() } else { st.status.clone() };
    let line_type =
        if send.line_type.is_empty() { LineType::ArrestSurrender.code().to_owned() } else { send.line_type.clone() };
    let partners =
        if can_send { partner_choices(s, &session.actor, tr, &send.partner_ids, true).await } else { Vec::new() };
    WarrantPage {
        kind_label: tr.code("wkind", &w.summary.kind),
        status_label: person_status(tr, &w.summary.status),
        class_label: tr.code("classification", &w.summary.classification),
        aliases: w.person.aliases.join(" · "),
        events,
        requests: w.requests.iter().map(|r| RequestRow::new(tr, r)).collect(),
        may_write,
        can_send,
        statuses: vocab(tr, "pstatus", &status_codes(), &status, None),
        st: StatusValues { status, ..st },
        line_types: [LineType::ArrestSurrender, LineType::ProvisionalArrest]
            .iter()
            .map(|t| Choice {
                value: t.code().into(),
                label: line_type_label(tr, t.code()),
                selected: t.code() == line_type,
            })
            .collect(),
        partners,
        send: SendValues { line_type, ..send },
        errors,
        stale,
        done,
        today: s.app.today().to_string(),
        w,
        c,
    }
}

pub async fn page(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let w = match s.app.warrant(&session.actor, &id).await {
        Ok(w) => w,
        Err(e) => return UiError(e).into_response(),
    };
    let q = q.map(|q| q.0).unwrap_or_default();
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let done = match (q.done.as_deref(), q.count) {
        (Some("sent"), Some(n)) => tr.t1("wdone-sent-n", "count", n),
        (d, _) => done_message(&tr, d),
    };
    render(
        &warrant_page(
            &s,
            &session,
            w,
            StatusValues::default(),
            SendValues::default(),
            FormErrors::default(),
            false,
            done,
        )
        .await,
    )
}

pub async fn set_status(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let st =
        StatusValues { status: f.one("st-status"), effective_on: f.one("st-effective_on"), note: f.one("st-note") };
    let input = WarrantStatusInput {
        status: st.status.clone(),
        effective_on: opt(&st.effective_on),
        note: st.note.clone(),
        version: f.one("version").parse().ok(),
    };
    let err = match s.app.set_warrant_status(&session.actor, &id, &input).await {
        Ok(_) => return Redirect::to(&format!("/warrants/{id}?done=status#history")).into_response(),
        Err(e) => e,
    };
    again(&s, &session, &id, err, "st-", st, SendValues::default()).await
}

/// The warrant page again with what went wrong with one of its forms.
#[allow(clippy::too_many_arguments)]
async fn again(
    s: &AppState,
    session: &SessionState,
    id: &str,
    err: AppError,
    prefix: &str,
    st: StatusValues,
    send: SendValues,
) -> Response {
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let (status, errors, stale) = match refusal(&tr, err, prefix, &format!("/warrants/{id}")) {
        Ok(r) => r,
        Err(other) => return UiError(other).into_response(),
    };
    let w = match s.app.warrant(&session.actor, id).await {
        Ok(w) => w,
        Err(e) => return UiError(e).into_response(),
    };
    (status, render(&warrant_page(s, session, w, st, send, errors, stale, String::new()).await)).into_response()
}

pub async fn send_requests(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let send = SendValues {
        line_type: f.one("send-line_type"),
        partner_ids: f
            .iter()
            .filter(|(k, v)| *k == "send-partner_ids" && !v.is_empty())
            .map(|(_, v)| v.to_owned())
            .collect(),
        codes: f.one("send-codes"),
        all: f.one("send-all_states_parties") == "yes",
        probable_location: f.one("send-probable_location"),
        national_requirements: f.one("send-national_requirements"),
        deadline: f.one("send-deadline"),
    };
    let mut partner_ids = send.partner_ids.clone();
    for code in split_codes(&send.codes) {
        if !partner_ids.iter().any(|p| p.eq_ignore_ascii_case(&code)) {
            partner_ids.push(code);
        }
    }
    let input = ArrestRequestsInput {
        line_type: opt(&send.line_type),
        partner_ids,
        all_states_parties: send.all,
        on_behalf_of: None,
        probable_location: send.probable_location.clone(),
        national_requirements: send.national_requirements.clone(),
        urgency: None,
        deadline: opt(&send.deadline),
    };
    let err = match s.app.send_arrest_requests(&session.actor, &id, &input).await {
        Ok(created) => {
            return Redirect::to(&format!("/warrants/{id}?done=sent&count={}#requests", created.len())).into_response()
        }
        Err(e) => e,
    };
    again(&s, &session, &id, err, "send-", StatusValues::default(), send).await
}

#[derive(Template)]
#[template(path = "warrant_unseal.html")]
struct UnsealPage {
    c: Chrome,
    id: String,
    reference: String,
    person_name: String,
    version: i64,
    effective_on: String,
    note: String,
    confirmed: bool,
    errors: FormErrors,
    stale: bool,
    today: String,
}

#[derive(Default)]
struct UnsealValues {
    effective_on: String,
    note: String,
    confirmed: bool,
}

async fn unseal_page(
    s: &AppState,
    session: &SessionState,
    w: &WarrantView,
    v: UnsealValues,
    errors: FormErrors,
    stale: bool,
) -> UnsealPage {
    let c = Chrome::new(s, Some(session), "warrants", &format!("/warrants/{}/unseal", w.summary.id)).await;
    let today = s.app.today().to_string();
    UnsealPage {
        id: w.summary.id.clone(),
        reference: w.summary.reference.clone(),
        person_name: w.person.name.clone(),
        version: w.version,
        effective_on: if v.effective_on.is_empty() { today.clone() } else { v.effective_on },
        note: v.note,
        confirmed: v.confirmed,
        errors,
        stale,
        today,
        c,
    }
}

pub async fn unseal_form(State(s): State<AppState>, UiSession(session): UiSession, Path(id): Path<String>) -> Response {
    let w = match s.app.warrant(&session.actor, &id).await {
        Ok(w) => w,
        Err(e) => return UiError(e).into_response(),
    };
    if !w.summary.under_seal {
        return Redirect::to(&format!("/warrants/{id}")).into_response();
    }
    if !s.app.may_record_warrants(&session.actor) {
        return UiError(AppError::Forbidden).into_response();
    }
    render(&unseal_page(&s, &session, &w, UnsealValues::default(), FormErrors::default(), false).await)
}

pub async fn unseal(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let w = match s.app.warrant(&session.actor, &id).await {
        Ok(w) => w,
        Err(e) => return UiError(e).into_response(),
    };
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let v =
        UnsealValues { effective_on: f.one("effective_on"), note: f.one("note"), confirmed: f.one("confirm") == "yes" };
    if !v.confirmed {
        let mut m = std::collections::BTreeMap::new();
        m.insert("confirm".to_owned(), tr.t("w-unseal-confirm-required"));
        let errors = super::form_errors(&tr, m, "");
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&unseal_page(&s, &session, &w, v, errors, false).await))
            .into_response();
    }
    let input = UnsealInput {
        effective_on: opt(&v.effective_on),
        note: v.note.clone(),
        version: f.one("version").parse().ok(),
    };
    let err = match s.app.unseal_warrant(&session.actor, &id, &input).await {
        Ok(_) => return Redirect::to(&format!("/warrants/{id}?done=unsealed")).into_response(),
        Err(e) => e,
    };
    let (status, errors, stale) = match refusal(&tr, err, "", &format!("/warrants/{id}/unseal")) {
        Ok(r) => r,
        Err(other) => return UiError(other).into_response(),
    };
    let w = s.app.warrant(&session.actor, &id).await.unwrap_or(w);
    (status, render(&unseal_page(&s, &session, &w, v, errors, stale).await)).into_response()
}
