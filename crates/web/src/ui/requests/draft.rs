//! Guided drafting: the request's particulars, then one fieldset per line whose textareas are
//! the chosen line type's Statute checklist, each labelled with its provision. Without
//! JavaScript, choosing or adding a line type is a submit that re-renders the form with the
//! right fields and every value kept; htmx does the same in place.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use comity_app::{
    auth::SessionState,
    requests::{LineInput, RequestInput, RequestPatch, RequestQuery, RequestView},
    AppError,
};
use comity_domain::{
    access::{Classification, UnitKind},
    request::{CostAllocation, Direction, LineType, OnBehalfOf, RequestKind, Urgency, REQUEST_CHECKLIST},
};

use super::{checklist_label, line_type_label, list::partner_choices, Fields, FormErrors};
use crate::{
    auth::UiSession,
    i18n::Tr,
    ui::{csrf_ok, csrf_refused, directory::Choice, render, Chrome, UiError},
    AppState,
};

/// One checklist point of a line: a textarea.
pub struct ChecklistField {
    pub id: String,
    pub label: String,
    pub provision: String,
    pub value: String,
}

/// One line of the draft.
pub struct LineForm {
    pub index: usize,
    pub number: usize,
    pub type_id: String,
    pub cost_id: String,
    pub title: String,
    pub types: Vec<Choice>,
    pub costs: Vec<Choice>,
    pub fields: Vec<ChecklistField>,
    /// Answers to keys the current type does not ask for, kept while drafting.
    pub kept: Vec<(String, String)>,
}

/// What the form holds, as submitted (or loaded).
#[derive(Default, Clone)]
struct Values {
    direction: String,
    on_behalf_of: String,
    partner_id: String,
    kind: String,
    parent: String,
    title: String,
    classification: String,
    urgency: String,
    deadline: String,
    received_on: String,
    acting_for_unit: String,
    purpose: String,
    facts: String,
    legal_basis: String,
    situation: String,
    case_name: String,
    decision_reference: String,
    cost_allocation: String,
    lines: Vec<LineValues>,
    new_line_type: String,
    version: i64,
}

#[derive(Default, Clone)]
struct LineValues {
    line_type: String,
    cost_allocation: String,
    content: BTreeMap<String, String>,
}

impl Values {
    fn parse(f: &Fields) -> Self {
        let mut lines: BTreeMap<usize, LineValues> = BTreeMap::new();
        for (name, value) in f.iter() {
            let Some((n, rest)) = name.strip_prefix("lines-").and_then(|r| r.split_once('-')) else { continue };
            let Ok(n) = n.parse::<usize>() else { continue };
            if n >= 50 {
                continue;
            }
            let line = lines.entry(n).or_default();
            match rest {
                "line_type" => line.line_type = value.to_owned(),
                "cost_allocation" => line.cost_allocation = value.to_owned(),
                r => {
                    if let Some(key) = r.strip_prefix("content-") {
                        line.content.insert(key.to_owned(), value.to_owned());
                    }
                }
            }
        }
        Values {
            direction: f.one("direction"),
            on_behalf_of: f.one("on_behalf_of"),
            partner_id: f.one("partner_id"),
            kind: f.one("kind"),
            parent: f.one("parent_id"),
            title: f.one("title"),
            classification: f.one("classification"),
            urgency: f.one("urgency"),
            deadline: f.one("deadline"),
            received_on: f.one("received_on"),
            acting_for_unit: f.one("acting_for_unit"),
            purpose: f.one("purpose"),
            facts: f.one("facts"),
            legal_basis: f.one("legal_basis"),
            situation: f.one("situation"),
            case_name: f.one("case_name"),
            decision_reference: f.one("decision_reference"),
            cost_allocation: f.one("cost_allocation"),
            lines: lines.into_values().collect(),
            new_line_type: f.one("new_line_type"),
            version: f.one("version").parse().unwrap_or(0),
        }
    }

    fn from_view(r: &RequestView) -> Self {
        Values {
            direction: r.direction.clone(),
            on_behalf_of: r.on_behalf_of.clone(),
            partner_id: r.partner_id.clone(),
            kind: r.kind.clone(),
            parent: r.parent_id.clone().unwrap_or_default(),
            title: r.title.clone(),
            classification: r.classification.clone(),
            urgency: r.urgency.clone(),
            deadline: r.deadline.map(|d| d.to_string()).unwrap_or_default(),
            received_on: String::new(),
            acting_for_unit: r.internal.as_ref().and_then(|i| i.acting_for_unit.clone()).unwrap_or_default(),
            purpose: r.purpose.clone(),
            facts: r.facts.clone(),
            legal_basis: r.legal_basis.clone(),
            situation: r.situation.clone(),
            case_name: r.case_name.clone(),
            decision_reference: r.internal.as_ref().map(|i| i.decision_reference.clone()).unwrap_or_default(),
            cost_allocation: r.cost_allocation.clone(),
            lines: r
                .lines
                .iter()
                .map(|l| LineValues {
                    line_type: l.line_type.clone(),
                    cost_allocation: l.cost_allocation.clone(),
                    content: l.content.clone(),
                })
                .collect(),
            new_line_type: String::new(),
            version: r.version,
        }
    }

    fn direction(&self) -> Direction {
        Direction::parse(&self.direction).unwrap_or(Direction::Outgoing)
    }

    /// The lines as the application takes them: each type's checklist answers, and any
    /// answer under a key no checklist knows (an API client's), never those left over from
    /// a type the drafter changed away from.
    fn line_inputs(&self) -> Vec<LineInput> {
        self.lines
            .iter()
            .map(|l| {
                let t = LineType::parse(&l.line_type);
                let content = l
                    .content
                    .iter()
                    .filter(|(k, _)| match t {
                        Some(t) => t.checklist().iter().any(|i| i.key == k.as_str()) || !known_key(k),
                        None => true,
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                LineInput {
                    line_type: l.line_type.clone(),
                    content,
                    cost_allocation: Some(l.cost_allocation.clone()).filter(|c| !c.is_empty()),
                }
            })
            .collect()
    }
}

/// Whether the submitted lines say what the stored ones say (the application trims answers
/// and drops empty ones, and a line without its own cost allocation takes the request's).
fn same_lines(new: &[LineInput], stored: &[comity_app::requests::LineView], default_cost: &str) -> bool {
    new.len() == stored.len()
        && new.iter().zip(stored).all(|(n, s)| {
            let content: BTreeMap<&str, &str> =
                n.content.iter().map(|(k, v)| (k.as_str(), v.trim())).filter(|(_, v)| !v.is_empty()).collect();
            let stored_content: BTreeMap<&str, &str> =
                s.content.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            n.line_type == s.line_type
                && content == stored_content
                && n.cost_allocation.as_deref().unwrap_or(default_cost) == s.cost_allocation
        })
}

fn known_key(k: &str) -> bool {
    LineType::ALL.iter().any(|t| t.checklist().iter().any(|i| i.key == k))
}

fn some(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[derive(Template)]
#[template(path = "request_form.html")]
struct DraftPage {
    c: Chrome,
    action: String,
    /// Empty for a new request.
    id: String,
    reference: String,
    version: i64,
    /// The whole content (a draft), or only the deadline and classification (an open request).
    content_editable: bool,
    directions: Vec<Choice>,
    behalfs: Vec<Choice>,
    partners: Vec<Choice>,
    kinds: Vec<Choice>,
    urgencies: Vec<Choice>,
    classifications: Vec<Choice>,
    costs: Vec<Choice>,
    fixed: Vec<(String, String)>,
    v: FormValues,
    lines: Vec<LineForm>,
    add_types: Vec<Choice>,
    errors: FormErrors,
    stale: bool,
    today: String,
}

/// The plain text values, for the template.
struct FormValues {
    parent: String,
    title: String,
    deadline: String,
    received_on: String,
    acting_for_unit: String,
    purpose: String,
    facts: String,
    legal_basis: String,
    situation: String,
    case_name: String,
    decision_reference: String,
    purpose_label: String,
    facts_label: String,
}

fn choices(tr: &Tr, prefix: &str, codes: impl IntoIterator<Item = &'static str>, selected: &str) -> Vec<Choice> {
    codes.into_iter().map(|c| Choice { value: c.into(), label: tr.code(prefix, c), selected: c == selected }).collect()
}

fn type_choices(tr: &Tr, direction: Direction, selected: &str) -> Vec<Choice> {
    LineType::ALL
        .iter()
        .filter(|t| t.allowed_in(direction))
        .map(|t| Choice {
            value: t.code().into(),
            label: line_type_label(tr, t.code()),
            selected: t.code() == selected,
        })
        .collect()
}

/// The drafter's unit decides whom it usually acts for.
fn default_behalf(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Otp => OnBehalfOf::Prosecution.code(),
        UnitKind::Chambers => OnBehalfOf::Chamber.code(),
        UnitKind::DefenceTeam => OnBehalfOf::Defence.code(),
        UnitKind::VictimsWitnesses => OnBehalfOf::Victims.code(),
        _ => OnBehalfOf::Registry.code(),
    }
}

fn line_forms(tr: &Tr, v: &Values) -> Vec<LineForm> {
    let direction = v.direction();
    v.lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let t = LineType::parse(&l.line_type);
            let prefix = format!("lines-{i}");
            let fields: Vec<ChecklistField> = t
                .map(|t| t.checklist())
                .unwrap_or_default()
                .iter()
                .map(|item| ChecklistField {
                    id: format!("{prefix}-content-{}", item.key),
                    label: checklist_label(tr, item.key),
                    provision: item.provision.to_owned(),
                    value: l.content.get(item.key).cloned().unwrap_or_default(),
                })
                .collect();
            let kept = l
                .content
                .iter()
                .filter(|(k, val)| !val.is_empty() && !fields.iter().any(|f| f.id.ends_with(&format!("-content-{k}"))))
                .map(|(k, val)| (format!("{prefix}-content-{k}"), val.clone()))
                .collect();
            LineForm {
                index: i,
                number: i + 1,
                type_id: format!("{prefix}-line_type"),
                cost_id: format!("{prefix}-cost_allocation"),
                title: if l.line_type.is_empty() {
                    tr.t("line-type-choose")
                } else {
                    line_type_label(tr, &l.line_type)
                },
                types: type_choices(tr, direction, &l.line_type),
                costs: {
                    let mut c = vec![Choice {
                        value: String::new(),
                        label: tr.t("cost-default"),
                        selected: l.cost_allocation.is_empty(),
                    }];
                    c.extend(choices(tr, "cost", CostAllocation::ALL.iter().map(|c| c.code()), &l.cost_allocation));
                    c
                },
                fields,
                kept,
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn page(
    s: &AppState,
    session: &SessionState,
    v: &Values,
    existing: Option<&RequestView>,
    errors: FormErrors,
    stale: bool,
) -> DraftPage {
    let (action, path) = match existing {
        Some(r) => (format!("/requests/{}/edit", r.id), format!("/requests/{}/edit", r.id)),
        None => ("/requests".to_owned(), "/requests/new".to_owned()),
    };
    let c = Chrome::new(s, Some(session), "requests", &path).await;
    let tr = &c.tr;
    let content_editable =
        existing.is_none_or(|r| matches!(r.status.as_str(), "draft" | "pre_consultation" | "received"));
    let request_label = |key: &str| {
        let provision = REQUEST_CHECKLIST.iter().find(|i| i.key == key).map_or("", |i| i.provision);
        format!("{} ({provision})", checklist_label(tr, key))
    };
    let mut fixed = Vec::new();
    if let Some(r) = existing {
        fixed.push((tr.t("rf-direction"), tr.code("direction", &r.direction)));
        fixed.push((tr.t("rf-on-behalf-of"), tr.code("behalf", &r.on_behalf_of)));
        fixed.push((tr.t("rf-kind"), tr.code("rkind", &r.kind)));
        fixed.push((tr.t("rf-partner-id"), tr.name(&r.partner_name, r.partner_name_fr.as_deref())));
        fixed.push((tr.t("col-status"), tr.code("rstatus", &r.status)));
    }
    let partners = if existing.is_none() || content_editable {
        partner_choices(s, &session.actor, tr, &v.partner_id).await
    } else {
        Vec::new()
    };
    let mut classifications =
        choices(tr, "classification", Classification::ALL.iter().map(|c| c.code()), &v.classification);
    if !classifications.iter().any(|c| c.selected) {
        for ch in &mut classifications {
            ch.selected = ch.value == Classification::Confidential.code();
        }
    }
    let behalf =
        if v.on_behalf_of.is_empty() { default_behalf(session.actor.principal.unit_kind) } else { &v.on_behalf_of };
    DraftPage {
        action,
        id: existing.map(|r| r.id.clone()).unwrap_or_default(),
        reference: existing.map(|r| r.reference.clone()).unwrap_or_default(),
        version: v.version,
        content_editable,
        directions: choices(tr, "direction", Direction::ALL.iter().map(|d| d.code()), v.direction().code()),
        behalfs: choices(tr, "behalf", OnBehalfOf::ALL.iter().map(|d| d.code()), behalf),
        partners,
        kinds: choices(
            tr,
            "rkind",
            RequestKind::ALL.iter().map(|d| d.code()),
            if v.kind.is_empty() { "primary" } else { &v.kind },
        ),
        urgencies: choices(
            tr,
            "urgency",
            Urgency::ALL.iter().map(|d| d.code()),
            if v.urgency.is_empty() { "normal" } else { &v.urgency },
        ),
        classifications,
        costs: choices(
            tr,
            "cost",
            CostAllocation::ALL.iter().map(|d| d.code()),
            if v.cost_allocation.is_empty() { "requested_state" } else { &v.cost_allocation },
        ),
        fixed,
        v: FormValues {
            parent: v.parent.clone(),
            title: v.title.clone(),
            deadline: v.deadline.clone(),
            received_on: v.received_on.clone(),
            acting_for_unit: v.acting_for_unit.clone(),
            purpose: v.purpose.clone(),
            facts: v.facts.clone(),
            legal_basis: v.legal_basis.clone(),
            situation: v.situation.clone(),
            case_name: v.case_name.clone(),
            decision_reference: v.decision_reference.clone(),
            purpose_label: request_label("purpose"),
            facts_label: request_label("facts"),
        },
        lines: line_forms(tr, v),
        add_types: type_choices(tr, v.direction(), &v.new_line_type),
        errors,
        stale,
        today: s.app.today().to_string(),
        c,
    }
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    parent: Option<String>,
    kind: Option<String>,
    partner: Option<String>,
    direction: Option<String>,
    line_type: Option<String>,
}

pub async fn new_form(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    q: Result<Query<NewQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let mut v = Values {
        direction: q.direction.unwrap_or_default(),
        partner_id: q.partner.unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        ..Values::default()
    };
    if let Some(parent) = q.parent.filter(|p| !p.is_empty()) {
        if let Ok(p) = s.app.request(&session.actor, &parent).await {
            v.parent = p.reference.clone();
            v.partner_id = p.partner_id.clone();
            v.on_behalf_of = p.on_behalf_of.clone();
            v.situation = p.situation.clone();
            v.case_name = p.case_name.clone();
            if v.kind.is_empty() {
                v.kind = RequestKind::FollowUp.code().into();
            }
        }
    }
    if let Some(t) = q.line_type.filter(|t| LineType::parse(t).is_some()) {
        v.lines.push(LineValues { line_type: t, ..LineValues::default() });
    }
    render(&page(&s, &session, &v, None, FormErrors::default(), false).await)
}

/// What the submit asked for.
enum Op {
    Save,
    Refresh,
    AddLine,
    Remove(usize),
}

fn op(f: &Fields) -> Op {
    match f.one("op").as_str() {
        "refresh" => Op::Refresh,
        "add_line" => Op::AddLine,
        o => match o.strip_prefix("remove-").and_then(|n| n.parse().ok()) {
            Some(n) => Op::Remove(n),
            None => Op::Save,
        },
    }
}

/// Applies an editing step that does not save. Returns problems to show (an "add" without a type).
fn apply_step(tr: &Tr, v: &mut Values, op: &Op) -> FormErrors {
    match op {
        Op::AddLine => {
            if LineType::parse(&v.new_line_type).is_some() {
                v.lines.push(LineValues { line_type: std::mem::take(&mut v.new_line_type), ..LineValues::default() });
            } else {
                let mut m = BTreeMap::new();
                m.insert("new_line_type".to_owned(), tr.t("line-type-required"));
                return FormErrors::from_fields(tr, m, &|_| true, None);
            }
        }
        Op::Remove(n) if *n < v.lines.len() => {
            v.lines.remove(*n);
        }
        _ => {}
    }
    FormErrors::default()
}

/// The parent named by reference (or id), as the application's id.
async fn parent_id(s: &AppState, session: &SessionState, parent: &str) -> Option<String> {
    let parent = parent.trim();
    if parent.is_empty() {
        return None;
    }
    let q = RequestQuery { q: Some(parent.to_owned()), per_page: Some(20), ..RequestQuery::default() };
    if let Ok(p) = s.app.list_requests(&session.actor, &q).await {
        if let Some(r) = p.items.iter().find(|r| r.reference.eq_ignore_ascii_case(parent)) {
            return Some(r.id.clone());
        }
    }
    Some(parent.to_owned())
}

fn validation(tr: &Tr, e: AppError, here: &dyn Fn(&str) -> bool) -> Result<FormErrors, AppError> {
    match e {
        AppError::Validation(f) => Ok(FormErrors::from_fields(tr, f.0, here, None)),
        other => Err(other),
    }
}

pub async fn create(State(s): State<AppState>, UiSession(session): UiSession, body: Bytes) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let mut v = Values::parse(&f);
    let op = op(&f);
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    if !matches!(op, Op::Save) {
        let errors = apply_step(&tr, &mut v, &op);
        return render(&page(&s, &session, &v, None, errors, false).await);
    }
    let input = RequestInput {
        direction: some(&v.direction),
        on_behalf_of: v.on_behalf_of.clone(),
        kind: some(&v.kind),
        parent_id: parent_id(&s, &session, &v.parent).await,
        partner_id: v.partner_id.clone(),
        title: v.title.clone(),
        purpose: v.purpose.clone(),
        facts: v.facts.clone(),
        legal_basis: v.legal_basis.clone(),
        situation: v.situation.clone(),
        case_name: v.case_name.clone(),
        urgency: some(&v.urgency),
        deadline: some(&v.deadline),
        cost_allocation: some(&v.cost_allocation),
        classification: some(&v.classification),
        acting_for_unit: some(&v.acting_for_unit),
        decision_reference: v.decision_reference.clone(),
        received_on: if v.direction() == Direction::Incoming { some(&v.received_on) } else { None },
        lines: v.line_inputs(),
        ..RequestInput::default()
    };
    match s.app.create_request(&session.actor, &input).await {
        Ok(r) => Redirect::to(&format!("/requests/{}?done=created", r.id)).into_response(),
        Err(e) => match validation(&tr, e, &|_| true) {
            Ok(errors) => {
                (StatusCode::UNPROCESSABLE_ENTITY, render(&page(&s, &session, &v, None, errors, false).await))
                    .into_response()
            }
            Err(other) => UiError(other).into_response(),
        },
    }
}

pub async fn edit_form(State(s): State<AppState>, UiSession(session): UiSession, Path(id): Path<String>) -> Response {
    let r = match s.app.request(&session.actor, &id).await {
        Ok(r) => r,
        Err(e) => return UiError(e).into_response(),
    };
    if r.internal.is_none() {
        return UiError(AppError::Forbidden).into_response();
    }
    let mut v = Values::from_view(&r);
    v.parent = parent_reference(&s, &session, &r).await;
    render(&page(&s, &session, &v, Some(&r), FormErrors::default(), false).await)
}

async fn parent_reference(s: &AppState, session: &SessionState, r: &RequestView) -> String {
    match &r.parent_id {
        Some(p) => s.app.request(&session.actor, p).await.map(|p| p.reference).unwrap_or_default(),
        None => String::new(),
    }
}

pub async fn save_edit(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let r = match s.app.request(&session.actor, &id).await {
        Ok(r) => r,
        Err(e) => return UiError(e).into_response(),
    };
    if r.internal.is_none() {
        return UiError(AppError::Forbidden).into_response();
    }
    let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
    let mut v = Values::parse(&f);
    // What cannot change keeps its stored value, whatever the form says.
    v.direction = r.direction.clone();
    v.on_behalf_of = r.on_behalf_of.clone();
    v.kind = r.kind.clone();
    v.parent = parent_reference(&s, &session, &r).await;
    let op = op(&f);
    if !matches!(op, Op::Save) {
        let errors = apply_step(&tr, &mut v, &op);
        return render(&page(&s, &session, &v, Some(&r), errors, false).await);
    }
    let content_editable = matches!(r.status.as_str(), "draft" | "pre_consultation" | "received");
    let patch = if content_editable {
        // The history lists the fields a save changed: send the choices and the lines only
        // when they differ from what is stored.
        let cost = some(&v.cost_allocation).filter(|c| *c != r.cost_allocation);
        let lines = v.line_inputs();
        let default_cost = cost.clone().unwrap_or(r.cost_allocation.clone());
        RequestPatch {
            version: Some(v.version),
            title: Some(v.title.clone()),
            purpose: Some(v.purpose.clone()),
            facts: Some(v.facts.clone()),
            legal_basis: Some(v.legal_basis.clone()),
            situation: Some(v.situation.clone()),
            case_name: Some(v.case_name.clone()),
            partner_id: Some(v.partner_id.clone()),
            urgency: some(&v.urgency).filter(|u| *u != r.urgency),
            deadline: Some(v.deadline.trim().to_owned()),
            classification: some(&v.classification),
            decision_reference: Some(v.decision_reference.clone()),
            lines: (!same_lines(&lines, &r.lines, &default_cost)).then_some(lines),
            cost_allocation: cost,
            ..RequestPatch::default()
        }
    } else {
        RequestPatch {
            version: Some(v.version),
            deadline: Some(v.deadline.trim().to_owned()),
            classification: some(&v.classification),
            ..RequestPatch::default()
        }
    };
    let err = match s.app.update_request(&session.actor, &id, &patch).await {
        Ok(r) => return Redirect::to(&format!("/requests/{}?done=saved", r.id)).into_response(),
        Err(e) => e,
    };
    let (status, errors, stale) = match err {
        AppError::StaleVersion { .. } => (
            StatusCode::CONFLICT,
            FormErrors::general(tr.t("stale-title"), tr.t("stale-request"), &format!("/requests/{id}/edit")),
            true,
        ),
        AppError::Conflict(m) => {
            (StatusCode::CONFLICT, FormErrors::general(tr.t("form-errors"), m, &format!("/requests/{id}")), false)
        }
        other => match validation(&tr, other, &|_| true) {
            Ok(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, false),
            Err(other) => return UiError(other).into_response(),
        },
    };
    (status, render(&page(&s, &session, &v, Some(&r), errors, stale).await)).into_response()
}
