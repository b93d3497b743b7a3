//! Non-compliance: the Chambers' findings that a State failed to cooperate, counted by State
//! and year, the Assembly's procedure step by step with its deadlines (a late step shows),
//! and the small forms that record each step with its document.

use askama::Template;
use axum::{
    body::Bytes,
    extract::{Multipart, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use comity_app::{
    auth::SessionState,
    compliance::{FindingInput, FindingSummary, FindingView, StepInput, StepView},
    requests::RequestQuery,
    warrants::WarrantQuery,
    AppError,
};
use comity_domain::{
    access::Classification,
    warrant::{AssemblyStep, FindingBasis, Referral, StepStatus},
};

use super::{done_message, form_errors, opt, partner_choices, refusal, split_codes, vocab, Done, RequestRow};
use crate::{
    auth::UiSession,
    i18n::Tr,
    ui::{
        csrf_ok, csrf_refused,
        directory::Choice,
        error_page, render,
        requests::{Fields, FormErrors},
        Chrome, UiError,
    },
    AppState,
};

/// A finding as a row of the list.
pub struct FindingRow {
    pub id: String,
    pub partner_id: String,
    pub partner_name: String,
    pub basis_label: String,
    pub decided_on: String,
    pub chamber: String,
    pub decision_reference: String,
    pub referral_label: String,
    pub next_step: String,
    pub next_due: String,
    pub next_overdue: bool,
    pub overdue_steps: usize,
}

impl FindingRow {
    fn new(tr: &Tr, f: &FindingSummary) -> Self {
        FindingRow {
            id: f.id.clone(),
            partner_id: f.partner_id.clone(),
            partner_name: f.partner_name.clone(),
            basis_label: tr.code("basis", &f.basis),
            decided_on: f.decided_on.to_string(),
            chamber: f.chamber.clone(),
            decision_reference: f.decision_reference.clone(),
            referral_label: tr.code("referral", &f.referral),
            next_step: f.next_step.as_ref().map(|s| tr.code("astep", &s.step)).unwrap_or_default(),
            next_due: f.next_step.as_ref().and_then(|s| s.due_on).map(|d| d.to_string()).unwrap_or_default(),
            next_overdue: f.next_step.as_ref().is_some_and(|s| s.overdue),
            overdue_steps: f.overdue_steps,
        }
    }
}

pub struct TallyRow {
    pub partner_id: String,
    pub partner_name: String,
    pub year: i32,
    pub findings: usize,
}

pub struct FollowRow {
    pub finding_id: String,
    pub partner_name: String,
    pub step: String,
    pub due_on: String,
    pub overdue: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    partner: Option<String>,
    year: Option<String>,
}

#[derive(Template)]
#[template(path = "findings.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<FindingRow>,
    tally: Vec<TallyRow>,
    follow_ups: Vec<FollowRow>,
    partners: Vec<Choice>,
    year: String,
    filtered: bool,
    may_record: bool,
    errors: FormErrors,
}

pub async fn list(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let c = Chrome::new(&s, Some(&session), "compliance", "/compliance").await;
    let q = q.map(|q| q.0).unwrap_or_default();
    let partner = q.partner.clone().unwrap_or_default();
    let year_text = q.year.clone().unwrap_or_default();
    let mut errors = FormErrors::default();
    let year = match year_text.trim() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => {
                let mut m = std::collections::BTreeMap::new();
                m.insert("year".to_owned(), c.tr.t("cp-year-invalid"));
                errors = form_errors(&c.tr, m, "");
                None
            }
        },
    };
    let list = match s.app.list_findings(&session.actor, opt(&partner).as_deref(), year).await {
        Ok(l) => l,
        Err(e) => return UiError(e).into_response(),
    };
    let tr = &c.tr;
    let mut partners = vec![Choice { value: String::new(), label: tr.t("any"), selected: partner.is_empty() }];
    partners.extend(partner_choices(&s, &session.actor, tr, std::slice::from_ref(&partner), true).await);
    let page = ListPage {
        rows: list.findings.iter().map(|f| FindingRow::new(tr, f)).collect(),
        tally: list
            .tally
            .iter()
            .map(|t| TallyRow {
                partner_id: t.partner_id.clone(),
                partner_name: t.partner_name.clone(),
                year: t.year,
                findings: t.findings,
            })
            .collect(),
        follow_ups: list
            .follow_ups
            .iter()
            .map(|f| FollowRow {
                finding_id: f.finding_id.clone(),
                partner_name: f.partner_name.clone(),
                step: tr.code("astep", &f.step.step),
                due_on: f.step.due_on.map(|d| d.to_string()).unwrap_or_default(),
                overdue: f.step.overdue,
            })
            .collect(),
        partners,
        filtered: !partner.trim().is_empty() || !year_text.trim().is_empty(),
        year: year_text,
        may_record: s.app.may_record_findings(&session.actor),
        errors,
        c,
    };
    let code = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (code, render(&page)).into_response()
}

/// What the finding form holds.
#[derive(Default)]
struct Values {
    partner_id: String,
    basis: String,
    decided_on: String,
    chamber: String,
    decision_reference: String,
    warrant_id: String,
    request_refs: String,
    summary: String,
    referral: String,
    referred_on: String,
    reply_days: String,
    classification: String,
}

impl Values {
    fn parse(f: &Fields) -> Self {
        Values {
            partner_id: f.one("partner_id"),
            basis: f.one("basis"),
            decided_on: f.one("decided_on"),
            chamber: f.one("chamber"),
            decision_reference: f.one("decision_reference"),
            warrant_id: f.one("warrant_id"),
            request_refs: f.one("request_ids"),
            summary: f.one("summary"),
            referral: f.one("referral"),
            referred_on: f.one("referred_on"),
            reply_days: f.one("reply_days"),
            classification: f.one("classification"),
        }
    }
}

#[derive(Template)]
#[template(path = "finding_form.html")]
struct FormPage {
    c: Chrome,
    v: Values,
    partners: Vec<Choice>,
    bases: Vec<Choice>,
    referrals: Vec<Choice>,
    classifications: Vec<Choice>,
    warrants: Vec<Choice>,
    errors: FormErrors,
    today: String,
}

async fn form_page(s: &AppState, session: &SessionState, v: Values, errors: FormErrors) -> FormPage {
    let c = Chrome::new(s, Some(session), "compliance", "/compliance/new").await;
    let tr = &c.tr;
    let mut partners = vec![Choice { value: String::new(), label: tr.t("choose"), selected: v.partner_id.is_empty() }];
    partners.extend(partner_choices(s, &session.actor, tr, std::slice::from_ref(&v.partner_id), true).await);
    let bases: Vec<&str> = FindingBasis::ALL.iter().map(|b| b.code()).collect();
    let referrals: Vec<&str> = Referral::ALL.iter().map(|b| b.code()).collect();
    let open: Vec<&str> = [Classification::Public, Classification::Internal, Classification::Confidential]
        .iter()
        .map(|c| c.code())
        .collect();
    let or = |v: &str, d: &str| if v.is_empty() { d.to_owned() } else { v.to_owned() };
    let mut warrants =
        vec![Choice { value: String::new(), label: tr.t("cp-no-warrant"), selected: v.warrant_id.is_empty() }];
    warrants.extend(
        s.app.list_warrants(&session.actor, &WarrantQuery::default()).await.unwrap_or_default().into_iter().map(|w| {
            Choice {
                selected: w.id == v.warrant_id,
                label: format!("{} — {}", w.reference, w.person_name),
                value: w.id,
            }
        }),
    );
    FormPage {
        partners,
        bases: vocab(tr, "basis", &bases, &or(&v.basis, "art_87_7"), None),
        referrals: vocab(tr, "referral", &referrals, &or(&v.referral, "assembly"), None),
        classifications: vocab(tr, "classification", &open, &or(&v.classification, "public"), None),
        warrants,
        errors,
        today: s.app.today().to_string(),
        v,
        c,
    }
}

pub async fn new_form(State(s): State<AppState>, UiSession(session): UiSession) -> Response {
    if !s.app.may_record_findings(&session.actor) {
        return UiError(AppError::Forbidden).into_response();
    }
    render(&form_page(&s, &session, Values::default(), FormErrors::default()).await)
}

/// Requests named by reference (or id), as the application's ids.
async fn request_ids(s: &AppState, session: &SessionState, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for key in split_codes(text) {
        let q = RequestQuery { q: Some(key.clone()), per_page: Some(20), ..RequestQuery::default() };
        let found = match s.app.list_requests(&session.actor, &q).await {
            Ok(p) => p.items.into_iter().find(|r| r.reference.eq_ignore_ascii_case(&key)).map(|r| r.id),
            Err(_) => None,
        };
        out.push(found.unwrap_or(key));
    }
    out
}

pub async fn create(State(s): State<AppState>, UiSession(session): UiSession, body: Bytes) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let v = Values::parse(&f);
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let reply_days = match opt(&v.reply_days).map(|d| d.parse::<i64>()) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            let mut m = std::collections::BTreeMap::new();
            m.insert("reply_days".to_owned(), tr.t("cp-days-invalid"));
            let errors = form_errors(&tr, m, "");
            return (StatusCode::UNPROCESSABLE_ENTITY, render(&form_page(&s, &session, v, errors).await))
                .into_response();
        }
    };
    let input = FindingInput {
        partner_id: v.partner_id.clone(),
        basis: opt(&v.basis),
        decided_on: v.decided_on.trim().to_owned(),
        chamber: v.chamber.clone(),
        decision_reference: v.decision_reference.clone(),
        warrant_id: opt(&v.warrant_id),
        request_ids: request_ids(&s, &session, &v.request_refs).await,
        summary: v.summary.clone(),
        referral: opt(&v.referral),
        referred_on: opt(&v.referred_on),
        reply_days,
        classification: opt(&v.classification),
    };
    match s.app.record_finding(&session.actor, &input).await {
        Ok(f) => Redirect::to(&format!("/compliance/{}?done=created", f.summary.id)).into_response(),
        Err(AppError::Validation(fields)) => {
            let errors = form_errors(&tr, fields.0, "");
            (StatusCode::UNPROCESSABLE_ENTITY, render(&form_page(&s, &session, v, errors).await)).into_response()
        }
        Err(e) => UiError(e).into_response(),
    }
}

/// One Assembly step with its form.
pub struct StepRow {
    pub code: String,
    pub label: String,
    pub help: String,
    pub status: String,
    pub status_label: String,
    pub due_on: String,
    pub done_on: String,
    pub overdue: bool,
    pub note: String,
    pub document: Option<(String, String)>,
    /// The form was sent and refused: show it open.
    pub open: bool,
    pub id_status: String,
    pub id_done_on: String,
    pub id_due_on: String,
    pub id_note: String,
    pub id_file: String,
    pub statuses: Vec<Choice>,
    pub v_done_on: String,
    pub v_due_on: String,
    pub v_note: String,
}

#[derive(Template)]
#[template(path = "finding.html")]
struct FindingPage {
    c: Chrome,
    f: FindingView,
    basis_label: String,
    referral_label: String,
    class_label: String,
    requests: Vec<RequestRow>,
    steps: Vec<StepRow>,
    errors: FormErrors,
    stale: bool,
    done: String,
    today: String,
    max_upload_mib: usize,
}

/// The values a step's form was submitted with, to show them back.
#[derive(Default)]
struct StepValues {
    step: String,
    status: String,
    done_on: String,
    due_on: String,
    note: String,
}

fn step_row(tr: &Tr, id: &str, s: &StepView, v: &StepValues, today: &str) -> StepRow {
    let codes: Vec<&str> = StepStatus::ALL.iter().map(|x| x.code()).collect();
    let mine = v.step == s.step;
    let status = if mine && !v.status.is_empty() {
        v.status.clone()
    } else if s.status == StepStatus::Pending.code() {
        StepStatus::Done.code().to_owned()
    } else {
        s.status.clone()
    };
    StepRow {
        code: s.step.clone(),
        label: tr.code("astep", &s.step),
        help: tr.code("astep-help", &s.step),
        status: s.status.clone(),
        status_label: tr.code("sstatus", &s.status),
        due_on: s.due_on.map(|d| d.to_string()).unwrap_or_default(),
        done_on: s.done_on.map(|d| d.to_string()).unwrap_or_default(),
        overdue: s.overdue,
        note: s.note.clone(),
        document: s.document_name.clone().map(|n| (format!("/compliance/{id}/steps/{}/document", s.step), n)),
        open: mine,
        id_status: format!("step-{}-status", s.step),
        id_done_on: format!("step-{}-done_on", s.step),
        id_due_on: format!("step-{}-due_on", s.step),
        id_note: format!("step-{}-note", s.step),
        id_file: format!("step-{}-file", s.step),
        statuses: vocab(tr, "sstatus", &codes, &status, None),
        v_done_on: if mine { v.done_on.clone() } else { s.done_on.map(|d| d.to_string()).unwrap_or(today.to_owned()) },
        v_due_on: if mine { v.due_on.clone() } else { String::new() },
        v_note: if mine { v.note.clone() } else { String::new() },
    }
}

async fn finding_page(
    s: &AppState,
    session: &SessionState,
    f: FindingView,
    v: StepValues,
    errors: FormErrors,
    stale: bool,
    done: String,
) -> FindingPage {
    let c = Chrome::new(s, Some(session), "compliance", &format!("/compliance/{}", f.summary.id)).await;
    let tr = &c.tr;
    let today = s.app.today().to_string();
    FindingPage {
        basis_label: tr.code("basis", &f.summary.basis),
        referral_label: tr.code("referral", &f.summary.referral),
        class_label: tr.code("classification", &f.summary.classification),
        requests: f.requests.iter().map(|r| RequestRow::new(tr, r)).collect(),
        steps: f.steps.iter().map(|st| step_row(tr, &f.summary.id, st, &v, &today)).collect(),
        errors,
        stale,
        done,
        today,
        max_upload_mib: s.app.max_upload_bytes() / (1024 * 1024),
        f,
        c,
    }
}

pub async fn page(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let f = match s.app.finding(&session.actor, &id).await {
        Ok(f) => f,
        Err(e) => return UiError(e).into_response(),
    };
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let done = done_message(&tr, q.ok().and_then(|q| q.0.done).as_deref());
    render(&finding_page(&s, &session, f, StepValues::default(), FormErrors::default(), false, done).await)
}

/// Records a step (multipart: the form may carry the step's document).
pub async fn update_step(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path((id, step)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if AssemblyStep::parse(&step).is_none() {
        return error_page(StatusCode::NOT_FOUND, None);
    }
    let Ok(mut m) = multipart else { return error_page(StatusCode::BAD_REQUEST, None) };
    let mut v = StepValues { step: step.clone(), ..StepValues::default() };
    let (mut csrf, mut version, mut filename, mut bytes) = (String::new(), String::new(), String::new(), Vec::new());
    let limit_page = |s: &AppState| {
        let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
        error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            Some(tr.t1("doc-limit", "mib", s.app.max_upload_bytes() / (1024 * 1024))),
        )
    };
    loop {
        let field = match m.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return limit_page(&s),
            Err(_) => return error_page(StatusCode::BAD_REQUEST, None),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            filename = field.file_name().unwrap_or_default().to_owned();
            match field.bytes().await {
                Ok(b) => bytes = b.to_vec(),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return limit_page(&s),
                Err(_) => return error_page(StatusCode::BAD_REQUEST, None),
            }
            continue;
        }
        let text = field.text().await.unwrap_or_default();
        match name.as_str() {
            "csrf" => csrf = text,
            "version" => version = text,
            "status" => v.status = text,
            "done_on" => v.done_on = text,
            "due_on" => v.due_on = text,
            "note" => v.note = text,
            _ => {}
        }
    }
    if !csrf_ok(&session, &csrf) {
        return csrf_refused();
    }
    let input = StepInput {
        status: v.status.clone(),
        done_on: opt(&v.done_on),
        due_on: opt(&v.due_on),
        note: v.note.clone(),
        version: version.parse().ok(),
    };
    let mut result = s.app.update_step(&session.actor, &id, &step, &input).await;
    if result.is_ok() && !bytes.is_empty() {
        result = s.app.attach_step_document(&session.actor, &id, &step, &filename, &bytes).await;
    }
    let err = match result {
        Ok(_) => return Redirect::to(&format!("/compliance/{id}?done=step#steps")).into_response(),
        Err(e) => e,
    };
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let prefix = format!("step-{step}-");
    let (status, errors, stale) = match refusal(&tr, err, &prefix, &format!("/compliance/{id}")) {
        Ok(r) => r,
        Err(other) => return UiError(other).into_response(),
    };
    let f = match s.app.finding(&session.actor, &id).await {
        Ok(f) => f,
        Err(e) => return UiError(e).into_response(),
    };
    (status, render(&finding_page(&s, &session, f, v, errors, stale, String::new()).await)).into_response()
}

pub async fn document(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path((id, step)): Path<(String, String)>,
) -> Response {
    match s.app.step_document(&session.actor, &id, &step).await {
        Ok((name, bytes)) => crate::api::as_attachment(bytes, "application/octet-stream", &name),
        Err(e) => UiError(e).into_response(),
    }
}
