//! Forms for the Registry to keep the directory: add and edit focal points, record a
//! notified communication profile. Each write goes through the same use case as the API.

use askama::Template;
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use comity_app::{
    partners::{FocalPointInput, ProfileInput},
    AppError,
};
use comity_domain::partner::{Channel, Mandate};

use super::{csrf_ok, csrf_refused, directory::Choice, render, Chrome, UiError};
use crate::{auth::UiSession, AppState};

/// A submitted form as name/value pairs, keeping repeated names (checkboxes).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &Bytes) -> Self {
        Fields(form_urlencoded::parse(body).into_owned().collect())
    }

    fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    fn optional(&self, name: &str) -> Option<String> {
        Some(self.one(name)).filter(|v| !v.trim().is_empty())
    }
}

#[derive(Template)]
#[template(path = "focal_point_form.html")]
struct FocalPointForm {
    c: Chrome,
    partner_id: String,
    partner_name: String,
    /// Empty for a new focal point.
    id: String,
    version: i64,
    name: String,
    title: String,
    authority: String,
    email: String,
    phone: String,
    languages: String,
    mandate_from: String,
    mandate_to: String,
    mandates: Vec<Choice>,
    classifications: Vec<Choice>,
    errors: Vec<(String, String)>,
}

fn mandate_options(c: &Chrome, selected: &[String]) -> Vec<Choice> {
    Mandate::ALL
        .iter()
        .map(|m| Choice {
            value: m.code().into(),
            label: c.tr.code("mandate", m.code()),
            selected: selected.iter().any(|s| s == m.code()),
        })
        .collect()
}

fn classification_options(c: &Chrome, selected: &str) -> Vec<Choice> {
    ["public", "internal", "confidential"]
        .into_iter()
        .map(|v| Choice { value: v.into(), label: c.tr.code("classification", v), selected: v == selected })
        .collect()
}

fn field_errors(e: AppError) -> Result<Vec<(String, String)>, AppError> {
    match e {
        AppError::Validation(f) => Ok(f.0.into_iter().collect()),
        AppError::StaleVersion { current } => Ok(vec![(
            "version".into(),
            format!(
                "someone else changed this focal point (now version {current}); reload the page to see their change"
            ),
        )]),
        other => Err(other),
    }
}

async fn partner_name(s: &AppState, session: &comity_app::auth::SessionState, id: &str) -> Result<String, AppError> {
    Ok(s.app.partner(&session.actor, id).await?.summary.name)
}

pub async fn new_focal_point(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
) -> Response {
    let name = match partner_name(&s, &session, &id).await {
        Ok(n) => n,
        Err(e) => return UiError(e).into_response(),
    };
    let c = Chrome::new(&s, Some(&session), "partners", &format!("/partners/{id}/focal-points/new")).await;
    let form = FocalPointForm {
        partner_id: id.to_uppercase(),
        partner_name: name,
        id: String::new(),
        version: 0,
        name: String::new(),
        title: String::new(),
        authority: String::new(),
        email: String::new(),
        phone: String::new(),
        languages: String::new(),
        mandate_from: s.app.today().to_string(),
        mandate_to: String::new(),
        mandates: mandate_options(&c, &[]),
        classifications: classification_options(&c, "internal"),
        errors: Vec::new(),
        c,
    };
    render(&form)
}

pub async fn edit_focal_point(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path((id, fp)): Path<(String, String)>,
) -> Response {
    let loaded = async {
        let name = partner_name(&s, &session, &id).await?;
        let f = s.app.focal_point(&session.actor, &id, &fp).await?;
        Ok::<_, AppError>((name, f))
    }
    .await;
    let (name, f) = match loaded {
        Ok(x) => x,
        Err(e) => return UiError(e).into_response(),
    };
    let c = Chrome::new(&s, Some(&session), "partners", &format!("/partners/{id}")).await;
    let form = FocalPointForm {
        partner_id: id.to_uppercase(),
        partner_name: name,
        id: f.id,
        version: f.version,
        name: f.name,
        title: f.title,
        authority: f.authority,
        email: f.email.unwrap_or_default(),
        phone: f.phone.unwrap_or_default(),
        languages: f.languages.join(", "),
        mandate_from: f.mandate_from.to_string(),
        mandate_to: f.mandate_to.map(|d| d.to_string()).unwrap_or_default(),
        mandates: mandate_options(&c, &f.mandates),
        classifications: classification_options(&c, &f.classification),
        errors: Vec::new(),
        c,
    };
    render(&form)
}

fn focal_point_input(f: &Fields) -> FocalPointInput {
    FocalPointInput {
        name: f.one("name"),
        title: f.one("title"),
        authority: f.one("authority"),
        mandates: f.all("mandates"),
        email: f.optional("email"),
        phone: f.optional("phone"),
        languages: f.one("languages").split(',').map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect(),
        mandate_from: f.one("mandate_from"),
        mandate_to: f.optional("mandate_to"),
        classification: f.optional("classification"),
        version: f.one("version").parse().ok(),
    }
}

/// Creates (no `fp`) or updates a focal point from the form.
pub async fn save_focal_point(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(path): Path<Vec<String>>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    if !csrf_ok(&session, &fields.one("csrf")) {
        return csrf_refused();
    }
    let (id, fp) = match path.as_slice() {
        [id] => (id.clone(), None),
        [id, fp] => (id.clone(), Some(fp.clone())),
        _ => return UiError(AppError::NotFound).into_response(),
    };
    let input = focal_point_input(&fields);
    let result = match &fp {
        None => s.app.add_focal_point(&session.actor, &id, &input).await,
        Some(fp) => s.app.update_focal_point(&session.actor, &id, fp, &input).await,
    };
    let err = match result {
        Ok(_) => return Redirect::to(&format!("/partners/{}#fps", id.to_uppercase())).into_response(),
        Err(e) => e,
    };
    let stale = matches!(err, AppError::StaleVersion { .. });
    let errors = match field_errors(err) {
        Ok(errors) => errors,
        Err(other) => return UiError(other).into_response(),
    };
    let name = partner_name(&s, &session, &id).await.unwrap_or_else(|_| id.clone());
    let c = Chrome::new(&s, Some(&session), "partners", &format!("/partners/{id}")).await;
    let form = FocalPointForm {
        partner_id: id.to_uppercase(),
        partner_name: name,
        id: fp.unwrap_or_default(),
        version: input.version.unwrap_or(0),
        name: input.name.clone(),
        title: input.title.clone(),
        authority: input.authority.clone(),
        email: input.email.clone().unwrap_or_default(),
        phone: input.phone.clone().unwrap_or_default(),
        languages: input.languages.join(", "),
        mandate_from: input.mandate_from.clone(),
        mandate_to: input.mandate_to.clone().unwrap_or_default(),
        mandates: mandate_options(&c, &input.mandates),
        classifications: classification_options(&c, input.classification.as_deref().unwrap_or("internal")),
        errors,
        c,
    };
    let status = if stale { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(&form)).into_response()
}

#[derive(Template)]
#[template(path = "profile_form.html")]
struct ProfileForm {
    c: Chrome,
    partner_id: String,
    partner_name: String,
    channels: Vec<Choice>,
    receiving_authority: String,
    languages: String,
    interpol_for_urgent: bool,
    notified_on: String,
    agreed_effective_on: String,
    notes: String,
    errors: Vec<(String, String)>,
}

pub(crate) fn channel_options(c: &Chrome, selected: &str) -> Vec<Choice> {
    Channel::ALL
        .iter()
        .map(|ch| Choice {
            value: ch.code().into(),
            label: c.tr.code("channel", ch.code()),
            selected: ch.code() == selected,
        })
        .collect()
}

pub async fn new_profile(State(s): State<AppState>, UiSession(session): UiSession, Path(id): Path<String>) -> Response {
    let name = match partner_name(&s, &session, &id).await {
        Ok(n) => n,
        Err(e) => return UiError(e).into_response(),
    };
    let c = Chrome::new(&s, Some(&session), "partners", &format!("/partners/{id}")).await;
    render(&ProfileForm {
        partner_id: id.to_uppercase(),
        partner_name: name,
        channels: channel_options(&c, "diplomatic"),
        receiving_authority: String::new(),
        languages: String::new(),
        interpol_for_urgent: false,
        notified_on: s.app.today().to_string(),
        agreed_effective_on: String::new(),
        notes: String::new(),
        errors: Vec::new(),
        c,
    })
}

pub async fn save_profile(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let input = ProfileInput {
        channel: f.one("channel"),
        receiving_authority: f.one("receiving_authority"),
        languages: f.one("languages").split(',').map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect(),
        interpol_for_urgent: f.one("interpol_for_urgent") == "on",
        notified_on: f.one("notified_on"),
        agreed_effective_on: f.optional("agreed_effective_on"),
        notes: f.one("notes"),
        classification: Some("internal".into()),
    };
    let errors = match s.app.add_communication_profile(&session.actor, &id, &input).await {
        Ok(_) => return Redirect::to(&format!("/partners/{}#profile", id.to_uppercase())).into_response(),
        Err(e) => match field_errors(e) {
            Ok(errors) => errors,
            Err(other) => return UiError(other).into_response(),
        },
    };
    let name = partner_name(&s, &session, &id).await.unwrap_or_else(|_| id.clone());
    let c = Chrome::new(&s, Some(&session), "partners", &format!("/partners/{id}")).await;
    let form = ProfileForm {
        partner_id: id.to_uppercase(),
        partner_name: name,
        channels: channel_options(&c, &input.channel),
        receiving_authority: input.receiving_authority,
        languages: input.languages.join(", "),
        interpol_for_urgent: input.interpol_for_urgent,
        notified_on: input.notified_on,
        agreed_effective_on: input.agreed_effective_on.unwrap_or_default(),
        notes: input.notes,
        errors,
        c,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&form)).into_response()
}

/// A focal point proposes a change to their own State's profile, from the State's page.
pub async fn propose_profile(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let input = comity_app::proposals::ProposalInput {
        channel: f.one("channel"),
        receiving_authority: f.one("receiving_authority"),
        languages: f.one("languages").split(',').map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect(),
        interpol_for_urgent: f.one("interpol_for_urgent") == "on",
        agreed_effective_on: f.optional("agreed_effective_on"),
        notes: f.one("notes"),
    };
    match s.app.propose_profile(&session.actor, &id, &input).await {
        Ok(_) => Redirect::to(&format!("/partners/{id}#proposals")).into_response(),
        Err(comity_app::AppError::Validation(fields)) => super::refused_page(fields),
        Err(e) => UiError(e).into_response(),
    }
}

/// A Registry officer approves or rejects a proposal.
pub async fn decide_proposal(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path((id, proposal)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let decision =
        comity_app::proposals::ProposalDecision { approve: f.one("decision") == "approve", note: f.one("note") };
    match s.app.decide_profile_proposal(&session.actor, &id, &proposal, &decision).await {
        Ok(_) => Redirect::to(&format!("/partners/{id}#proposals")).into_response(),
        Err(comity_app::AppError::Validation(fields)) => super::refused_page(fields),
        Err(e) => UiError(e).into_response(),
    }
}
