//! The travel-alert board and triage: a reported journey is taken in as a draft, matched to
//! the person with one click, completed, and confirmed, dismissed or closed; a confirmed
//! alert brings together, per destination, what decides what can be done there, and the
//! drafts to send, with the request for arrest and surrender one button away.

use askama::Template;
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use comity_app::{
    alerts::{AlertInput, AlertMove, AlertPatch, AlertRequestInput, AlertSummary, AlertView, DestinationBrief},
    auth::SessionState,
    demarches::About,
    AppError,
};
use comity_domain::warrant::{AlertIntake, AlertStatus, InformationCredibility, SourceReliability};

use super::{
    demarche_block, done_message, opt, partner_choices, person_choices, refusal, split_codes, submit_demarche, vocab,
    DemarcheBlock, DemarcheValues, Done, RequestRow,
};
use crate::{
    auth::UiSession,
    i18n::Tr,
    ui::{
        csrf_ok, csrf_refused,
        directory::Choice,
        error_page, render,
        requests::{days, Fields, FormErrors},
        Chrome, UiError,
    },
    AppState,
};

/// An alert as a row of the board.
pub struct AlertRow {
    pub id: String,
    pub who: String,
    pub reported_name: String,
    pub person_id: String,
    pub destinations: String,
    pub from: String,
    pub to: String,
    pub days: String,
    /// Arrival within a week: the board says so.
    pub soon: bool,
    pub past: bool,
    pub grading: String,
    pub status: String,
    pub status_label: String,
    pub intake_label: String,
}

impl AlertRow {
    pub fn new(tr: &Tr, a: &AlertSummary) -> Self {
        AlertRow {
            id: a.id.clone(),
            who: a.person_name.clone().unwrap_or_else(|| a.reported_name.clone()),
            reported_name: a.reported_name.clone(),
            person_id: a.person_id.clone().unwrap_or_default(),
            destinations: a.destination_names.join(", "),
            from: a.expected_from.map(|d| d.to_string()).unwrap_or_default(),
            to: a.expected_to.map(|d| d.to_string()).unwrap_or_default(),
            days: days_label(tr, a.days_to_arrival),
            soon: a.days_to_arrival.is_some_and(|d| (0..=7).contains(&d)),
            past: a.days_to_arrival.is_some_and(|d| d < 0),
            grading: a.grading.clone(),
            status: a.status.clone(),
            status_label: tr.code("astatus", &a.status),
            intake_label: tr.code("intake", &a.intake),
        }
    }
}

/// Days left before arrival, in words.
pub fn days_label(tr: &Tr, d: Option<i64>) -> String {
    match d {
        None => tr.t("al-no-date"),
        Some(0) => tr.t("al-today"),
        Some(d) if d < 0 => tr.t1("al-days-ago", "n", -d),
        Some(d) => days(tr, d),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct BoardQuery {
    status: Option<String>,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct Board {
    c: Chrome,
    rows: Vec<AlertRow>,
    statuses: Vec<Choice>,
    filtered: bool,
    may_track: bool,
    errors: FormErrors,
}

fn alert_statuses() -> Vec<&'static str> {
    AlertStatus::ALL.iter().map(|s| s.code()).collect()
}

pub async fn board(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    q: Result<Query<BoardQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let c = Chrome::new(&s, Some(&session), "alerts", "/alerts").await;
    let status = q.ok().and_then(|q| q.0.status).unwrap_or_default();
    let (rows, errors) = match s.app.list_alerts(&session.actor, Some(&status)).await {
        Ok(list) => (list.iter().map(|a| AlertRow::new(&c.tr, a)).collect(), FormErrors::default()),
        Err(AppError::Validation(f)) => (Vec::new(), super::form_errors(&c.tr, f.0, "")),
        Err(e) => return UiError(e).into_response(),
    };
    let code = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = Board {
        statuses: vocab(&c.tr, "astatus", &alert_statuses(), &status, Some(c.tr.t("any"))),
        filtered: !status.trim().is_empty(),
        rows,
        may_track: s.app.may_track_alerts(&session.actor),
        errors,
        c,
    };
    (code, render(&page)).into_response()
}

/// What the alert forms hold.
#[derive(Default, Clone)]
pub struct AlertValues {
    person_id: String,
    reported_name: String,
    destinations: Vec<String>,
    destination_codes: String,
    expected_from: String,
    expected_to: String,
    source: String,
    source_reliability: String,
    information_credibility: String,
    summary: String,
}

impl AlertValues {
    fn parse(f: &Fields) -> Self {
        AlertValues {
            person_id: f.one("person_id"),
            reported_name: f.one("reported_name"),
            destinations: f
                .iter()
                .filter(|(k, v)| *k == "destinations" && !v.is_empty())
                .map(|(_, v)| v.to_owned())
                .collect(),
            destination_codes: f.one("destination_codes"),
            expected_from: f.one("expected_from"),
            expected_to: f.one("expected_to"),
            source: f.one("source"),
            source_reliability: f.one("source_reliability"),
            information_credibility: f.one("information_credibility"),
            summary: f.one("summary"),
        }
    }

    fn from_view(a: &AlertView) -> Self {
        AlertValues {
            person_id: a.summary.person_id.clone().unwrap_or_default(),
            reported_name: a.summary.reported_name.clone(),
            destinations: a.summary.destinations.clone(),
            destination_codes: String::new(),
            expected_from: a.summary.expected_from.map(|d| d.to_string()).unwrap_or_default(),
            expected_to: a.summary.expected_to.map(|d| d.to_string()).unwrap_or_default(),
            source: a.source.clone(),
            source_reliability: a.source_reliability.clone(),
            information_credibility: a.information_credibility.clone(),
            summary: a.text.clone(),
        }
    }

    /// The destinations chosen and typed, once each.
    fn all_destinations(&self) -> Vec<String> {
        let mut out = self.destinations.clone();
        for code in split_codes(&self.destination_codes) {
            if !out.iter().any(|d| d.eq_ignore_ascii_case(&code)) {
                out.push(code);
            }
        }
        out
    }
}

/// The grading choices: source reliability A to F, information credibility 1 to 6.
fn gradings(tr: &Tr, v: &AlertValues) -> (Vec<Choice>, Vec<Choice>) {
    let rel: Vec<&str> = SourceReliability::ALL.iter().map(|r| r.code()).collect();
    let cred: Vec<&str> = InformationCredibility::ALL.iter().map(|r| r.code()).collect();
    let r = if v.source_reliability.is_empty() { "F" } else { v.source_reliability.as_str() };
    let c = if v.information_credibility.is_empty() { "6" } else { v.information_credibility.as_str() };
    (vocab(tr, "reliability", &rel, r, None), vocab(tr, "credibility", &cred, c, None))
}

#[derive(Template)]
#[template(path = "alert_form.html")]
struct NewPage {
    c: Chrome,
    v: AlertValues,
    persons: Vec<Choice>,
    partners: Vec<Choice>,
    reliabilities: Vec<Choice>,
    credibilities: Vec<Choice>,
    errors: FormErrors,
    today: String,
}

async fn new_page(s: &AppState, session: &SessionState, v: AlertValues, errors: FormErrors) -> NewPage {
    let c = Chrome::new(s, Some(session), "alerts", "/alerts/new").await;
    let tr = &c.tr;
    let (reliabilities, credibilities) = gradings(tr, &v);
    NewPage {
        persons: person_choices(s, &session.actor, tr, &v.person_id).await,
        partners: partner_choices(s, &session.actor, tr, &v.destinations, true).await,
        reliabilities,
        credibilities,
        errors,
        today: s.app.today().to_string(),
        v,
        c,
    }
}

pub async fn new_form(State(s): State<AppState>, UiSession(session): UiSession) -> Response {
    if !s.app.may_track_alerts(&session.actor) {
        return UiError(AppError::Forbidden).into_response();
    }
    render(&new_page(&s, &session, AlertValues::default(), FormErrors::default()).await)
}

pub async fn create(State(s): State<AppState>, UiSession(session): UiSession, body: Bytes) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let v = AlertValues::parse(&f);
    let input = AlertInput {
        person_id: opt(&v.person_id),
        reported_name: v.reported_name.clone(),
        destinations: v.all_destinations(),
        expected_from: opt(&v.expected_from),
        expected_to: opt(&v.expected_to),
        source: v.source.clone(),
        source_reliability: opt(&v.source_reliability),
        information_credibility: opt(&v.information_credibility),
        summary: v.summary.clone(),
        named_units: Vec::new(),
    };
    match s.app.report_travel(&session.actor, &input, AlertIntake::Form).await {
        Ok(a) => Redirect::to(&format!("/alerts/{}?done=created", a.summary.id)).into_response(),
        Err(AppError::Validation(fields)) => {
            let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
            let errors = super::form_errors(&tr, fields.0, "");
            (StatusCode::UNPROCESSABLE_ENTITY, render(&new_page(&s, &session, v, errors).await)).into_response()
        }
        Err(e) => UiError(e).into_response(),
    }
}

/// A suggested person, with the name that matched.
pub struct MatchRow {
    pub person_id: String,
    pub name: String,
    pub matched: String,
    pub agreement: u8,
}

/// A triage move as a small form.
pub struct MoveForm {
    pub code: String,
    pub outcome_id: String,
    pub label: String,
    pub help: String,
    pub needs_outcome: bool,
    pub destructive: bool,
}

pub struct FocalRow {
    pub name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
    pub mandates: String,
}

/// One destination's brief.
pub struct BriefCard {
    pub partner_id: String,
    pub partner_name: String,
    pub rome: String,
    pub rome_label: String,
    pub apic: String,
    pub apic_label: String,
    pub bound: bool,
    pub article_98: Vec<String>,
    pub law: String,
    pub law_label: String,
    pub arrest_notes: String,
    pub requests: Vec<RequestRow>,
    pub focal_points: Vec<FocalRow>,
    pub channel: String,
    pub authority: String,
    pub languages: String,
    pub days: String,
    pub soon: bool,
    /// The drafts for this destination, once the alert is confirmed.
    pub drafts: Vec<(String, String)>,
}

fn brief_card(tr: &Tr, b: &DestinationBrief) -> BriefCard {
    BriefCard {
        partner_id: b.partner_id.clone(),
        partner_name: b.partner_name.clone(),
        rome: b.rome_statute.clone(),
        rome_label: tr.code("status", &b.rome_statute),
        apic: b.apic.clone(),
        apic_label: tr.code("status", &b.apic),
        bound: b.bound_by_part_9,
        article_98: b.article_98.clone(),
        law: b.surrender_law.clone(),
        law_label: tr.code("law", &b.surrender_law),
        arrest_notes: b.arrest_notes.clone(),
        requests: b.requests.iter().map(|r| RequestRow::new(tr, r)).collect(),
        focal_points: b
            .focal_points
            .iter()
            .map(|f| FocalRow {
                name: f.name.clone(),
                title: f.title.clone(),
                email: f.email.clone().unwrap_or_default(),
                phone: f.phone.clone().unwrap_or_default(),
                mandates: f.mandates.iter().map(|m| tr.code("mandate", m)).collect::<Vec<_>>().join(", "),
            })
            .collect(),
        channel: b.channel.as_deref().map(|c| tr.code("channel", c)).unwrap_or_default(),
        authority: b.receiving_authority.clone().unwrap_or_default(),
        languages: b.languages.join(", "),
        days: days_label(tr, b.days_to_arrival),
        soon: b.days_to_arrival.is_some_and(|d| (0..=7).contains(&d)),
        drafts: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "alert.html")]
struct AlertPage {
    c: Chrome,
    a: AlertView,
    title: String,
    status_label: String,
    intake_label: String,
    days: String,
    soon: bool,
    editable: bool,
    confirmed: bool,
    v: AlertValues,
    persons: Vec<Choice>,
    partners: Vec<Choice>,
    reliabilities: Vec<Choice>,
    credibilities: Vec<Choice>,
    matches: Vec<MatchRow>,
    moves: Vec<MoveForm>,
    outcome: String,
    briefs: Vec<BriefCard>,
    dm: DemarcheBlock,
    errors: FormErrors,
    stale: bool,
    done: String,
    today: String,
}

#[allow(clippy::too_many_arguments)]
async fn alert_page(
    s: &AppState,
    session: &SessionState,
    a: AlertView,
    v: Option<AlertValues>,
    outcome: String,
    dm: DemarcheValues,
    errors: FormErrors,
    stale: bool,
    done: String,
) -> AlertPage {
    let id = a.summary.id.clone();
    let c = Chrome::new(s, Some(session), "alerts", &format!("/alerts/{id}")).await;
    let tr = &c.tr;
    let editable = !a.allowed_moves.is_empty();
    let confirmed = a.summary.status == AlertStatus::Confirmed.code();
    let v = v.unwrap_or_else(|| AlertValues::from_view(&a));
    let (reliabilities, credibilities) = gradings(tr, &v);
    let (persons, partners) = if editable {
        (
            person_choices(s, &session.actor, tr, &v.person_id).await,
            partner_choices(s, &session.actor, tr, &v.destinations, true).await,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let mut briefs: Vec<BriefCard> = a.briefs.iter().map(|b| brief_card(tr, b)).collect();
    if confirmed {
        if let Ok(d) = s.app.alert_drafts(&session.actor, &id).await {
            for b in &mut briefs {
                for (key, list) in [
                    ("al-draft-nv", &d.notes_verbales),
                    ("al-draft-notice", &d.assembly_notices),
                    ("al-draft-request", &d.requests),
                ] {
                    for t in list.iter().filter(|t| t.partner_id == b.partner_id) {
                        b.drafts.push((format!("{} — {}", tr.t(key), t.title), t.text.clone()));
                    }
                }
            }
        }
    }
    let demarches = s.app.demarches_about(&session.actor, About::Alert(&id)).await.unwrap_or_default();
    let dm = demarche_block(s, &session.actor, tr, format!("/alerts/{id}/demarches"), &demarches, dm).await;
    AlertPage {
        title: a.summary.person_name.clone().unwrap_or_else(|| a.summary.reported_name.clone()),
        status_label: tr.code("astatus", &a.summary.status),
        intake_label: tr.code("intake", &a.summary.intake),
        days: days_label(tr, a.summary.days_to_arrival),
        soon: a.summary.days_to_arrival.is_some_and(|d| (0..=7).contains(&d)),
        editable,
        confirmed,
        v,
        persons,
        partners,
        reliabilities,
        credibilities,
        matches: if editable {
            a.matches
                .iter()
                .map(|m| MatchRow {
                    person_id: m.person_id.clone(),
                    name: m.name.clone(),
                    matched: m.matched.clone(),
                    agreement: m.agreement,
                })
                .collect()
        } else {
            Vec::new()
        },
        moves: a
            .allowed_moves
            .iter()
            .map(|m| MoveForm {
                code: m.clone(),
                outcome_id: format!("{m}-outcome"),
                label: tr.code("almove", m),
                help: tr.code("almove-help", m),
                needs_outcome: m != "confirm",
                destructive: m == "dismiss",
            })
            .collect(),
        outcome,
        briefs,
        dm,
        errors,
        stale,
        done,
        today: s.app.today().to_string(),
        a,
        c,
    }
}

pub async fn page(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let a = match s.app.alert(&session.actor, &id).await {
        Ok(a) => a,
        Err(e) => return UiError(e).into_response(),
    };
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let done = done_message(&tr, q.ok().and_then(|q| q.0.done).as_deref());
    render(
        &alert_page(
            &s,
            &session,
            a,
            None,
            String::new(),
            DemarcheValues::default(),
            FormErrors::default(),
            false,
            done,
        )
        .await,
    )
}

/// The alert page again with what went wrong with one of its forms.
#[allow(clippy::too_many_arguments)]
async fn again(
    s: &AppState,
    session: &SessionState,
    id: &str,
    err: AppError,
    prefix: &str,
    v: Option<AlertValues>,
    outcome: String,
    dm: DemarcheValues,
) -> Response {
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let (status, errors, stale) = match refusal(&tr, err, prefix, &format!("/alerts/{id}")) {
        Ok(r) => r,
        Err(other) => return UiError(other).into_response(),
    };
    let a = match s.app.alert(&session.actor, id).await {
        Ok(a) => a,
        Err(e) => return UiError(e).into_response(),
    };
    // A stale form shows what is stored now, so the officer sees the other change.
    let v = if stale { None } else { v };
    (status, render(&alert_page(s, session, a, v, outcome, dm, errors, stale, String::new()).await)).into_response()
}

/// Saves the triage form, or the one field a one-click form sends (the suggested person):
/// only the fields the form carries change.
pub async fn update(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let has = |name: &str| f.iter().any(|(k, _)| k == name);
    let given = |name: &str| has(name).then(|| f.one(name));
    let v = AlertValues::parse(&f);
    let full = has("reported_name");
    let patch = AlertPatch {
        version: f.one("version").parse().ok(),
        person_id: given("person_id"),
        reported_name: given("reported_name"),
        destinations: full.then(|| v.all_destinations()),
        expected_from: given("expected_from"),
        expected_to: given("expected_to"),
        source: given("source"),
        source_reliability: given("source_reliability"),
        information_credibility: given("information_credibility"),
        summary: given("summary"),
    };
    let done = if full { "saved" } else { "person" };
    let err = match s.app.update_alert(&session.actor, &id, &patch).await {
        Ok(_) => return Redirect::to(&format!("/alerts/{id}?done={done}")).into_response(),
        Err(e) => e,
    };
    again(&s, &session, &id, err, "", full.then_some(v), String::new(), DemarcheValues::default()).await
}

/// Confirms, dismisses or closes the alert.
pub async fn move_alert(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    if !matches!(action.as_str(), "confirm" | "dismiss" | "close") {
        return error_page(StatusCode::NOT_FOUND, None);
    }
    let outcome = f.one("outcome");
    let input = AlertMove { action: action.clone(), outcome: outcome.clone(), version: f.one("version").parse().ok() };
    let err = match s.app.move_alert(&session.actor, &id, &input).await {
        Ok(_) => return Redirect::to(&format!("/alerts/{id}?done={action}")).into_response(),
        Err(e) => e,
    };
    // What confirming lacks is in the triage form; the outcome is the move's own field.
    let err = match err {
        AppError::Validation(mut fe) => {
            if let Some(m) = fe.0.remove("outcome") {
                fe.0.insert(format!("{action}-outcome"), m);
            }
            AppError::Validation(fe)
        }
        other => other,
    };
    again(&s, &session, &id, err, "", None, outcome, DemarcheValues::default()).await
}

/// Drafts the request for arrest and surrender to one destination and opens it.
pub async fn draft_request(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let input = AlertRequestInput { partner_id: f.one("partner_id"), line_type: opt(&f.one("line_type")) };
    match s.app.alert_request(&session.actor, &id, &input).await {
        Ok(r) => Redirect::to(&format!("/requests/{}?done=created", r.id)).into_response(),
        Err(e) => again(&s, &session, &id, e, "", None, String::new(), DemarcheValues::default()).await,
    }
}

/// The e-mail the report came in, as it was received.
pub async fn message(State(s): State<AppState>, UiSession(session): UiSession, Path(id): Path<String>) -> Response {
    match s.app.alert_message(&session.actor, &id).await {
        Ok(bytes) => crate::api::as_attachment(bytes, "message/rfc822", &format!("travel-report-{id}.eml")),
        Err(e) => UiError(e).into_response(),
    }
}

pub async fn log_demarche(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    // A démarche about a journey is about its person too, when known.
    let person = s.app.alert(&session.actor, &id).await.ok().and_then(|a| a.summary.person_id);
    let about = |v: &DemarcheValues| v.input(person.as_deref(), Some(&id));
    match submit_demarche(&s, &session, &body, about, &format!("/alerts/{id}?done=demarche")).await {
        Ok(done) => done,
        Err((v, err)) => again(&s, &session, &id, err, "dm-", None, String::new(), v).await,
    }
}
