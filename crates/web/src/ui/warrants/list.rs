//! The warrants list with its filters and the persons-at-large figure, and the form that
//! records a warrant or summons with the person it names.

use askama::Template;
use axum::{
    body::Bytes,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use comity_app::{
    auth::SessionState,
    warrants::{PersonInput, WarrantInput, WarrantQuery},
    AppError,
};
use comity_domain::{access::Classification, warrant::WarrantKind};

use super::{form_errors, opt, partner_choices, split_lines, split_names, status_codes, vocab, WarrantRow};
use crate::{
    auth::UiSession,
    i18n::Tr,
    ui::{csrf_ok, csrf_refused, directory::Choice, render, requests::Fields, requests::FormErrors, Chrome, UiError},
    AppState,
};

#[derive(Template)]
#[template(path = "warrants.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<WarrantRow>,
    q: String,
    situation: String,
    statuses: Vec<Choice>,
    filtered: bool,
    /// Persons at large today, and how many of them the reader may not see by name.
    at_large: Option<(usize, usize)>,
    today: String,
    may_record: bool,
    errors: FormErrors,
}

pub async fn list(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    q: Result<Query<WarrantQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let c = Chrome::new(&s, Some(&session), "warrants", "/warrants").await;
    let q = q.map(|q| q.0).unwrap_or_default();
    let (rows, errors) = match s.app.list_warrants(&session.actor, &q).await {
        Ok(list) => (list.iter().map(|w| WarrantRow::new(&c.tr, w)).collect(), FormErrors::default()),
        Err(AppError::Validation(f)) => (Vec::new(), form_errors(&c.tr, f.0, "")),
        Err(e) => return UiError(e).into_response(),
    };
    let today = s.app.today();
    let at_large = s.app.warrant_statistics(&session.actor, today).await.ok().map(|st| (st.at_large, st.not_named));
    let status = q.status.clone().unwrap_or_default();
    let page = ListPage {
        statuses: vocab(&c.tr, "pstatus", &status_codes(), &status, Some(c.tr.t("any"))),
        q: q.q.clone().unwrap_or_default(),
        situation: q.situation.clone().unwrap_or_default(),
        filtered: [&q.q, &q.status, &q.situation].iter().any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty())),
        rows,
        at_large,
        today: today.to_string(),
        may_record: s.app.may_record_warrants(&session.actor),
        errors,
        c,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(&page)).into_response()
}

/// What the warrant form holds.
#[derive(Default)]
struct Values {
    person_name: String,
    aliases: String,
    born_on: String,
    nationality: String,
    reference: String,
    kind: String,
    situation: String,
    case_name: String,
    chamber: String,
    issued_on: String,
    crimes: String,
    facts: String,
    under_seal: bool,
    named_units: String,
    classification: String,
}

impl Values {
    fn parse(f: &Fields) -> Self {
        Values {
            person_name: f.one("person-name"),
            aliases: f.one("person-aliases"),
            born_on: f.one("person-born_on"),
            nationality: f.one("person-nationality"),
            reference: f.one("reference"),
            kind: f.one("kind"),
            situation: f.one("situation"),
            case_name: f.one("case_name"),
            chamber: f.one("chamber"),
            issued_on: f.one("issued_on"),
            crimes: f.one("crimes"),
            facts: f.one("facts"),
            under_seal: f.one("under_seal") == "yes",
            named_units: f.one("named_units"),
            classification: f.one("classification"),
        }
    }

    fn input(&self) -> WarrantInput {
        WarrantInput {
            reference: self.reference.clone(),
            kind: opt(&self.kind),
            person_id: None,
            person: Some(PersonInput {
                name: self.person_name.clone(),
                aliases: split_lines(&self.aliases),
                born_on: opt(&self.born_on),
                nationality: opt(&self.nationality),
            }),
            situation: self.situation.clone(),
            case_name: self.case_name.clone(),
            chamber: self.chamber.clone(),
            issued_on: self.issued_on.trim().to_owned(),
            crimes: self.crimes.clone(),
            facts: self.facts.clone(),
            under_seal: self.under_seal,
            named_units: split_names(&self.named_units),
            classification: if self.under_seal { None } else { opt(&self.classification) },
        }
    }
}

#[derive(Template)]
#[template(path = "warrant_form.html")]
struct FormPage {
    c: Chrome,
    v: Values,
    kinds: Vec<Choice>,
    classifications: Vec<Choice>,
    nationalities: Vec<Choice>,
    errors: FormErrors,
    today: String,
}

async fn form_page(s: &AppState, session: &SessionState, v: Values, errors: FormErrors) -> FormPage {
    let c = Chrome::new(s, Some(session), "warrants", "/warrants/new").await;
    let tr: &Tr = &c.tr;
    let kinds: Vec<&str> = WarrantKind::ALL.iter().map(|k| k.code()).collect();
    let kind = if v.kind.is_empty() { WarrantKind::ArrestWarrant.code().to_owned() } else { v.kind.clone() };
    let open: Vec<&str> = [Classification::Public, Classification::Internal, Classification::Confidential]
        .iter()
        .map(|c| c.code())
        .collect();
    let classification = if v.classification.is_empty() { "public".to_owned() } else { v.classification.clone() };
    let mut nationalities =
        vec![Choice { value: String::new(), label: tr.t("w-nationality-unknown"), selected: v.nationality.is_empty() }];
    nationalities.extend(partner_choices(s, &session.actor, tr, std::slice::from_ref(&v.nationality), true).await);
    FormPage {
        kinds: vocab(tr, "wkind", &kinds, &kind, None),
        classifications: vocab(tr, "classification", &open, &classification, None),
        nationalities,
        errors,
        today: s.app.today().to_string(),
        v,
        c,
    }
}

pub async fn new_form(State(s): State<AppState>, UiSession(session): UiSession) -> Response {
    if !s.app.may_record_warrants(&session.actor) {
        return UiError(AppError::Forbidden).into_response();
    }
    render(&form_page(&s, &session, Values::default(), FormErrors::default()).await)
}

pub async fn create(State(s): State<AppState>, UiSession(session): UiSession, body: Bytes) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let v = Values::parse(&f);
    match s.app.issue_warrant(&session.actor, &v.input()).await {
        Ok(w) => Redirect::to(&format!("/warrants/{}?done=created", w.summary.id)).into_response(),
        Err(AppError::Validation(fields)) => {
            let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
            let errors = form_errors(&tr, fields.0, "");
            (StatusCode::UNPROCESSABLE_ENTITY, render(&form_page(&s, &session, v, errors).await)).into_response()
        }
        Err(e) => UiError(e).into_response(),
    }
}
