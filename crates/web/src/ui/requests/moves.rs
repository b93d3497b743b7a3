//! Each lifecycle move as a small form with exactly the fields that move needs: why, the day
//! it took effect, and its grounds, references or per-line outcomes. Withdrawing and
//! refusing ask for an explicit confirmation on the form itself.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use comity_app::{
    auth::SessionState,
    requests::{RequestView, TransitionInput},
    AppError,
};
use comity_domain::request::{
    moves_from, ConsultationOutcome, ConsultationType, Direction, LineOutcome, Move, PostponementGround, RefusalGround,
    Status,
};

use super::{detail::is_destructive, line_type_label, Fields, FormErrors};
use crate::{
    auth::UiSession,
    i18n::Tr,
    ui::{csrf_ok, csrf_refused, directory::Choice, error_page, render, Chrome, UiError},
    AppState,
};

/// One line's outcome select.
pub struct OutcomeRow {
    pub id: String,
    pub label: String,
    pub choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "request_move.html")]
struct MovePage {
    c: Chrome,
    id: String,
    reference: String,
    title: String,
    partner: String,
    status_label: String,
    code: String,
    label: String,
    help: String,
    version: i64,
    needs_reason: bool,
    confirm_needed: bool,
    confirm_text: String,
    f: MoveValues,
    today: String,
    refusal_grounds: Vec<Choice>,
    consultation_types: Vec<Choice>,
    consultation_outcomes: Vec<Choice>,
    postponement_grounds: Vec<Choice>,
    outcomes: Vec<OutcomeRow>,
    errors: FormErrors,
    stale: bool,
}

/// What the form holds.
#[derive(Default)]
struct MoveValues {
    reason: String,
    effective_on: String,
    refusal_ground: String,
    consultation_type: String,
    consultation_outcome: String,
    postponement_ground: String,
    postponed_until: String,
    postponement_condition: String,
    national_reference: String,
    decision_reference: String,
    note_verbale: String,
    outcomes: BTreeMap<String, String>,
    confirmed: bool,
}

impl MoveValues {
    fn parse(f: &Fields) -> Self {
        MoveValues {
            reason: f.one("reason"),
            effective_on: f.one("effective_on"),
            refusal_ground: f.one("refusal_ground"),
            consultation_type: f.one("consultation_type"),
            consultation_outcome: f.one("consultation_outcome"),
            postponement_ground: f.one("postponement_ground"),
            postponed_until: f.one("postponed_until"),
            postponement_condition: f.one("postponement_condition"),
            national_reference: f.one("national_reference"),
            decision_reference: f.one("decision_reference"),
            note_verbale: f.one("note_verbale"),
            outcomes: f
                .iter()
                .filter_map(|(k, v)| {
                    let pos = k.strip_prefix("line_outcomes-")?;
                    Some((pos.to_owned(), v.to_owned())).filter(|(_, v)| !v.is_empty())
                })
                .collect(),
            confirmed: f.one("confirm") == "yes",
        }
    }
}

/// Which fields each move asks for.
struct Shape {
    refusal: bool,
    consultation_type: bool,
    consultation_outcome: bool,
    postpone: bool,
    approve: bool,
    outcomes: bool,
}

fn shape(m: Move) -> Shape {
    Shape {
        refusal: m == Move::Refuse,
        consultation_type: m == Move::OpenConsultation,
        consultation_outcome: m == Move::ConcludeConsultation,
        postpone: m == Move::Postpone,
        approve: m == Move::Approve,
        outcomes: matches!(
            m,
            Move::StartExecution | Move::RecordPartialExecution | Move::RecordExecution | Move::Refuse
        ),
    }
}

fn vocab(
    tr: &Tr,
    prefix: &str,
    codes: impl IntoIterator<Item = &'static str>,
    selected: &str,
    show: bool,
) -> Vec<Choice> {
    if !show {
        return Vec::new();
    }
    let mut out = vec![Choice { value: String::new(), label: tr.t("choose"), selected: selected.is_empty() }];
    out.extend(codes.into_iter().map(|c| Choice {
        value: c.into(),
        label: tr.code(prefix, c),
        selected: c == selected,
    }));
    out
}

/// The ids of the fields a move form shows; errors on anything else link to the draft form.
fn on_move_form(id: &str) -> bool {
    matches!(
        id,
        "reason"
            | "effective_on"
            | "refusal_ground"
            | "consultation_type"
            | "consultation_outcome"
            | "postponement_ground"
            | "postponed_until"
            | "postponement_condition"
            | "national_reference"
            | "decision_reference"
            | "note_verbale"
            | "confirm"
            | "line_outcomes"
    ) || id.starts_with("line_outcomes-")
}

async fn move_page(
    s: &AppState,
    session: &SessionState,
    r: &RequestView,
    m: Move,
    f: MoveValues,
    errors: FormErrors,
    stale: bool,
) -> MovePage {
    let c = Chrome::new(s, Some(session), "requests", &format!("/requests/{}/moves/{}", r.id, m.code())).await;
    let tr = &c.tr;
    let sh = shape(m);
    let today = s.app.today().to_string();
    let outcomes = if sh.outcomes {
        r.lines
            .iter()
            .map(|l| {
                let pos = l.position.to_string();
                let selected = f.outcomes.get(&pos).cloned().unwrap_or_default();
                let mut choices = vec![Choice {
                    value: String::new(),
                    label: tr.t("outcome-default"),
                    selected: selected.is_empty(),
                }];
                choices.extend(
                    [
                        LineOutcome::InExecution,
                        LineOutcome::PartiallyExecuted,
                        LineOutcome::Executed,
                        LineOutcome::NotExecuted,
                    ]
                    .iter()
                    .map(|o| Choice {
                        value: o.code().into(),
                        label: tr.code("outcome", o.code()),
                        selected: selected == o.code(),
                    }),
                );
                OutcomeRow {
                    id: format!("line_outcomes-{pos}"),
                    label: format!(
                        "{} — {} ({})",
                        tr.t1("line-n", "n", l.position),
                        line_type_label(tr, &l.line_type),
                        tr.code("outcome", &l.outcome)
                    ),
                    choices,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut f = f;
    if f.effective_on.is_empty() {
        f.effective_on = today.clone();
    }
    if sh.approve && f.decision_reference.is_empty() {
        f.decision_reference = r.internal.as_ref().map(|i| i.decision_reference.clone()).unwrap_or_default();
    }
    MovePage {
        id: r.id.clone(),
        reference: r.reference.clone(),
        title: r.title.clone(),
        partner: tr.name(&r.partner_name, r.partner_name_fr.as_deref()),
        status_label: tr.code("rstatus", &r.status),
        code: m.code().into(),
        label: tr.code("move", m.code()),
        help: tr.code("move-help", m.code()),
        version: r.version,
        needs_reason: m.needs_reason(),
        confirm_needed: is_destructive(m.code()),
        confirm_text: tr.code("confirm", m.code()),
        refusal_grounds: vocab(
            tr,
            "refusal",
            RefusalGround::ALL.iter().map(|g| g.code()),
            &f.refusal_ground,
            sh.refusal,
        ),
        consultation_types: vocab(
            tr,
            "consultation",
            ConsultationType::ALL.iter().map(|g| g.code()),
            &f.consultation_type,
            sh.consultation_type,
        ),
        consultation_outcomes: vocab(
            tr,
            "consult-outcome",
            ConsultationOutcome::ALL.iter().map(|g| g.code()),
            &f.consultation_outcome,
            sh.consultation_outcome,
        ),
        postponement_grounds: vocab(
            tr,
            "postponement",
            PostponementGround::ALL.iter().map(|g| g.code()),
            &f.postponement_ground,
            sh.postpone,
        ),
        outcomes,
        f,
        today,
        errors,
        stale,
        c,
    }
}

#[derive(Template)]
#[template(path = "request_move_refused.html")]
struct MoveRefused {
    c: Chrome,
    id: String,
    reference: String,
    status_label: String,
    attempted: String,
    allowed: Vec<super::detail::MoveLink>,
    forbidden: bool,
}

/// The answer to a move that is not open: 409 with the moves that are, or 403 when the
/// lifecycle allows it but not to this user.
async fn refused(s: &AppState, session: &SessionState, r: &RequestView, attempted: &str) -> Response {
    let direction = Direction::parse(&r.direction).unwrap_or(Direction::Outgoing);
    let status = Status::parse(&r.status).unwrap_or(Status::Draft);
    let lifecycle_allows = Move::parse(attempted).is_some_and(|m| moves_from(direction, status).contains(&m));
    let c = Chrome::new(s, Some(session), "requests", &format!("/requests/{}", r.id)).await;
    let allowed = r
        .allowed_moves
        .iter()
        .map(|m| super::detail::MoveLink {
            href: format!("/requests/{}/moves/{m}", r.id),
            label: c.tr.code("move", m),
            destructive: is_destructive(m),
        })
        .collect();
    let page = MoveRefused {
        id: r.id.clone(),
        reference: r.reference.clone(),
        status_label: c.tr.code("rstatus", &r.status),
        attempted: c.tr.code("move", attempted),
        allowed,
        forbidden: lifecycle_allows,
        c,
    };
    let code = if lifecycle_allows { StatusCode::FORBIDDEN } else { StatusCode::CONFLICT };
    (code, render(&page)).into_response()
}

pub async fn form(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path((id, code)): Path<(String, String)>,
) -> Response {
    let r = match s.app.request(&session.actor, &id).await {
        Ok(r) => r,
        Err(e) => return UiError(e).into_response(),
    };
    let Some(m) = Move::parse(&code) else {
        return error_page(StatusCode::NOT_FOUND, None);
    };
    if !r.allowed_moves.iter().any(|a| a == m.code()) {
        return refused(&s, &session, &r, m.code()).await;
    }
    render(&move_page(&s, &session, &r, m, MoveValues::default(), FormErrors::default(), false).await)
}

pub async fn submit(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path((id, code)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    if !csrf_ok(&session, &fields.one("csrf")) {
        return csrf_refused();
    }
    let r = match s.app.request(&session.actor, &id).await {
        Ok(r) => r,
        Err(e) => return UiError(e).into_response(),
    };
    let Some(m) = Move::parse(&code) else {
        return error_page(StatusCode::NOT_FOUND, None);
    };
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let f = MoveValues::parse(&fields);
    if is_destructive(m.code()) && !f.confirmed && r.allowed_moves.iter().any(|a| a == m.code()) {
        let mut e = BTreeMap::new();
        e.insert("confirm".to_owned(), tr.t("confirm-required"));
        let errors = FormErrors::from_fields(&tr, e, &on_move_form, None);
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&move_page(&s, &session, &r, m, f, errors, false).await))
            .into_response();
    }
    let opt = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let input = TransitionInput {
        action: m.code().into(),
        reason: f.reason.clone(),
        effective_on: opt(&f.effective_on),
        version: fields.one("version").parse().ok(),
        refusal_ground: opt(&f.refusal_ground),
        consultation_type: opt(&f.consultation_type),
        consultation_outcome: opt(&f.consultation_outcome),
        postponement_ground: opt(&f.postponement_ground),
        postponed_until: opt(&f.postponed_until),
        postponement_condition: opt(&f.postponement_condition),
        national_reference: opt(&f.national_reference),
        decision_reference: opt(&f.decision_reference),
        note_verbale: opt(&f.note_verbale),
        line_outcomes: f.outcomes.clone(),
    };
    let err = match s.app.transition(&session.actor, &id, &input).await {
        Ok(done) => return Redirect::to(&format!("/requests/{}?done={}", done.id, m.code())).into_response(),
        Err(e) => e,
    };
    let edit = format!("/requests/{}/edit", r.id);
    let (status, errors, stale) = match err {
        AppError::Validation(fe) => {
            (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::from_fields(&tr, fe.0, &on_move_form, Some(&edit)), false)
        }
        AppError::StaleVersion { .. } => (
            StatusCode::CONFLICT,
            FormErrors::general(
                tr.t("stale-title"),
                tr.t("stale-request"),
                &format!("/requests/{}/moves/{}", r.id, m.code()),
            ),
            true,
        ),
        AppError::InvalidTransition { .. } => {
            // Someone moved it meanwhile: show what is open now.
            let fresh = s.app.request(&session.actor, &id).await.unwrap_or(r);
            return refused(&s, &session, &fresh, m.code()).await;
        }
        AppError::Forbidden => return refused(&s, &session, &r, m.code()).await,
        other => return UiError(other).into_response(),
    };
    (status, render(&move_page(&s, &session, &r, m, f, errors, stale).await)).into_response()
}
