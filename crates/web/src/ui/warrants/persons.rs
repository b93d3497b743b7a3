//! A person's page: who they are, the warrants naming them, everything that happened about
//! them in one timeline (most recent first), the reported journeys, the démarches and the
//! form to log one.

use askama::Template;
use axum::{
    body::Bytes,
    extract::{Multipart, Path, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use comity_app::{auth::SessionState, warrants::PersonPage, AppError};
use comity_domain::warrant::PersonStatus;

use super::{
    alerts::AlertRow, demarche_block, detail::event_title, done_message, refusal, submit_demarche, DemarcheBlock,
    DemarcheValues, Done, WarrantRow,
};
use crate::{
    auth::UiSession,
    i18n::Tr,
    ui::{csrf_ok, csrf_refused, error_page, render, requests::FormErrors, Chrome, UiError},
    AppState,
};

/// One entry of the person's timeline.
pub struct TimelineRow {
    pub on: String,
    pub kind: String,
    pub kind_label: String,
    pub label: String,
    pub detail: String,
    pub link: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct Page {
    c: Chrome,
    id: String,
    name: String,
    aliases: Vec<String>,
    born_on: String,
    nationality: String,
    has_photo: bool,
    may_photo: bool,
    warrants: Vec<WarrantRow>,
    timeline: Vec<TimelineRow>,
    alerts: Vec<AlertRow>,
    dm: DemarcheBlock,
    errors: FormErrors,
    done: String,
}

fn timeline_label(tr: &Tr, kind: &str, label: &str) -> String {
    match kind {
        "warrant" if PersonStatus::parse(label).is_some() => event_title(tr, label),
        "warrant" => tr.code("wevent", label),
        "request" => tr.code("rstatus", label),
        "alert" => tr.code("astatus", label),
        "demarche" => tr.code("dkind", label),
        _ => label.to_owned(),
    }
}

async fn person_page(
    s: &AppState,
    session: &SessionState,
    p: PersonPage,
    dm: DemarcheValues,
    errors: FormErrors,
    done: String,
) -> Page {
    let id = p.person.id.clone();
    let c = Chrome::new(s, Some(session), "warrants", &format!("/persons/{id}")).await;
    let tr = &c.tr;
    let dm = demarche_block(s, &session.actor, tr, format!("/persons/{id}/demarches"), &p.demarches, dm).await;
    Page {
        name: p.person.name.clone(),
        aliases: p.person.aliases.clone(),
        born_on: p.person.born_on.map(|d| d.to_string()).unwrap_or_default(),
        nationality: p.person.nationality.clone().unwrap_or_default(),
        has_photo: p.person.has_photo,
        may_photo: s.app.may_record_warrants(&session.actor),
        warrants: p.warrants.iter().map(|w| WarrantRow::new(tr, &w.summary)).collect(),
        timeline: p
            .timeline
            .iter()
            .map(|t| TimelineRow {
                on: t.on.to_string(),
                kind: t.kind.clone(),
                kind_label: tr.code("tlkind", &t.kind),
                label: timeline_label(tr, &t.kind, &t.label),
                detail: t.detail.clone(),
                link: t.link.clone(),
            })
            .collect(),
        alerts: p.alerts.iter().map(|a| AlertRow::new(tr, a)).collect(),
        dm,
        errors,
        done,
        id,
        c,
    }
}

pub async fn page(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let p = match s.app.person(&session.actor, &id).await {
        Ok(p) => p,
        Err(e) => return UiError(e).into_response(),
    };
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let done = done_message(&tr, q.ok().and_then(|q| q.0.done).as_deref());
    render(&person_page(&s, &session, p, DemarcheValues::default(), FormErrors::default(), done).await)
}

pub async fn photo(State(s): State<AppState>, UiSession(session): UiSession, Path(id): Path<String>) -> Response {
    match s.app.person_photo(&session.actor, &id).await {
        Ok((media, bytes)) => {
            let mut res = bytes.into_response();
            let mime =
                HeaderValue::from_str(&media).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
            res.headers_mut().insert(header::CONTENT_TYPE, mime);
            res.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            res
        }
        Err(e) => UiError(e).into_response(),
    }
}

/// Sets the photo from a form (multipart, with the CSRF token in the form).
pub async fn set_photo(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Ok(mut m) = multipart else { return error_page(StatusCode::BAD_REQUEST, None) };
    let (mut csrf, mut bytes) = (String::new(), Vec::new());
    loop {
        match m.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or_default() {
                "csrf" => csrf = field.text().await.unwrap_or_default(),
                "photo" => match field.bytes().await {
                    Ok(b) => bytes = b.to_vec(),
                    Err(e) => return error_page(e.status(), None),
                },
                _ => {}
            },
            Ok(None) => break,
            Err(e) => return error_page(e.status(), None),
        }
    }
    if !csrf_ok(&session, &csrf) {
        return csrf_refused();
    }
    match s.app.set_person_photo(&session.actor, &id, &bytes).await {
        Ok(_) => Redirect::to(&format!("/persons/{id}?done=photo")).into_response(),
        Err(AppError::Validation(f)) => crate::ui::refused_page(f),
        Err(e) => UiError(e).into_response(),
    }
}

pub async fn log_demarche(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let about = |v: &DemarcheValues| v.input(Some(&id), None);
    let (v, err) = match submit_demarche(&s, &session, &body, about, &format!("/persons/{id}?done=demarche")).await {
        Ok(done) => return done,
        Err(refused) => refused,
    };
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let (status, errors, _) = match refusal(&tr, err, "dm-", &format!("/persons/{id}")) {
        Ok(r) => r,
        Err(other) => return UiError(other).into_response(),
    };
    let p = match s.app.person(&session.actor, &id).await {
        Ok(p) => p,
        Err(e) => return UiError(e).into_response(),
    };
    (status, render(&person_page(&s, &session, p, v, errors, String::new()).await)).into_response()
}
