//! Requests for cooperation, from draft to execution in both directions: drafting against
//! the Statute checklists, the lifecycle moves with their grounds and effective dates, the
//! lists and work queues, and the external view a requested State sees.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use comity_domain::{
    access::{Action, Classification, RecordAccess, RecordKind, Role, UnitKind},
    request::{
        self as rules, ConsultationOutcome, ConsultationType, CostAllocation, Direction, DraftContent, LineOutcome,
        LineType, MissingItem, Move, OnBehalfOf, Organ, Parties, PostponementGround, RefusalGround, RequestKind,
        Status, Urgency,
    },
    validation::FieldErrors,
};
use comity_store::{
    accounts, partners as partner_store,
    requests::{self as store, Event, Line, Request},
    Executor, Tx,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    partners::parse_date,
    register::{audience_of, Listed, RequestFilter, RequestSort},
    trail::{self, Target},
    Actor, AppError, Comity, Page, Paging, Result,
};

/// Event details a requested State may see about its own request.
pub(crate) const EXTERNAL_DETAIL: &[&str] = &[
    "channel",
    "language",
    "note_verbale",
    "national_reference",
    "refusal_ground",
    "consultation_type",
    "consultation_outcome",
    "postponement_ground",
    "postponed_until",
    "postponement_condition",
    "line_outcomes",
    "filename",
    "kind",
    "sha256",
    "size",
];

/// Longest free text accepted in a request field.
const MAX_TEXT: usize = 20_000;
const MAX_TITLE: usize = 300;
const MAX_LINES: usize = 50;

/// A person linked to a request. Protected persons are recorded under their pseudonym only.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct LinkedPerson {
    /// The name, or for a protected person the pseudonym.
    pub name: String,
    /// suspect, accused, witness, victim or other.
    pub role: String,
    #[serde(default)]
    pub protected: bool,
}

const PERSON_ROLES: &[&str] = &["suspect", "accused", "witness", "victim", "other"];

/// One line as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct LineInput {
    /// A line type code (see `LineType`).
    pub line_type: String,
    /// Answers to the line type's checklist, by key.
    #[serde(default)]
    pub content: BTreeMap<String, String>,
    /// requested_state, court, shared or to_be_consulted (art. 100).
    pub cost_allocation: Option<String>,
}

/// A new request.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RequestInput {
    /// The Court's reference number; generated when absent.
    pub reference: Option<String>,
    /// outgoing (default) or incoming (art. 93(10)).
    pub direction: Option<String>,
    /// chamber, defence, victims, registry or prosecution.
    pub on_behalf_of: String,
    /// primary (default), follow_up or supplementary.
    pub kind: Option<String>,
    /// The request this one follows up or supplements.
    pub parent_id: Option<String>,
    /// The addressee (outgoing) or requesting State (incoming): a partner id or ISO code.
    pub partner_id: String,
    pub title: String,
    /// Purpose and assistance sought (art. 96(2)(a)).
    #[serde(default)]
    pub purpose: String,
    /// Concise statement of the essential facts (art. 96(2)(c)).
    #[serde(default)]
    pub facts: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub situation: String,
    #[serde(default)]
    pub case_name: String,
    #[serde(default)]
    pub persons: Vec<LinkedPerson>,
    /// normal (default) or urgent.
    pub urgency: Option<String>,
    /// YYYY-MM-DD; today or later.
    pub deadline: Option<String>,
    /// Art. 100 default for lines that do not say.
    pub cost_allocation: Option<String>,
    /// Defaults to confidential (art. 87(3)).
    pub classification: Option<String>,
    /// The unit the request is made for (a Defence team), by name.
    pub acting_for_unit: Option<String>,
    /// The Chamber seized, by unit name; defaults to Chambers for a Chamber's request.
    pub chamber_unit: Option<String>,
    /// The officer responsible (login name); defaults to the author.
    pub responsible_user: Option<String>,
    #[serde(default)]
    pub decision_reference: String,
    /// For incoming requests: the day the request was received (YYYY-MM-DD, default today).
    pub received_on: Option<String>,
    #[serde(default)]
    pub lines: Vec<LineInput>,
}

/// A change to a request. Content can change while it is a draft; the deadline, the
/// responsible officer and the classification while it is open.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RequestPatch {
    /// The version you read; required.
    pub version: Option<i64>,
    pub title: Option<String>,
    pub purpose: Option<String>,
    pub facts: Option<String>,
    pub legal_basis: Option<String>,
    pub situation: Option<String>,
    pub case_name: Option<String>,
    pub persons: Option<Vec<LinkedPerson>>,
    pub partner_id: Option<String>,
    pub urgency: Option<String>,
    /// YYYY-MM-DD, or an empty string to clear.
    pub deadline: Option<String>,
    pub cost_allocation: Option<String>,
    pub classification: Option<String>,
    pub responsible_user: Option<String>,
    pub decision_reference: Option<String>,
    pub lines: Option<Vec<LineInput>>,
}

/// A lifecycle move as a client posts it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TransitionInput {
    /// The move (see `GET /requests/{id}`'s `allowed_moves`).
    pub action: String,
    /// Why; required to refuse, withdraw, postpone or return to draft.
    #[serde(default)]
    pub reason: String,
    /// The day the move took effect (YYYY-MM-DD, default today); never later than today.
    pub effective_on: Option<String>,
    /// The version you read; when given, a stale one is refused.
    pub version: Option<i64>,
    /// For refuse: art_93_4_72 or other.
    pub refusal_ground: Option<String>,
    /// For open_consultation.
    pub consultation_type: Option<String>,
    /// For conclude_consultation.
    pub consultation_outcome: Option<String>,
    /// For postpone: art_94 or art_95.
    pub postponement_ground: Option<String>,
    /// For postpone under art. 94: the agreed end (YYYY-MM-DD).
    pub postponed_until: Option<String>,
    /// For postpone under art. 95, or as well: the condition that ends it.
    pub postponement_condition: Option<String>,
    /// For acknowledge: the State's own reference.
    pub national_reference: Option<String>,
    /// For approve: the Chamber decision or OTP approval.
    pub decision_reference: Option<String>,
    /// For transmit: the note verbale number.
    pub note_verbale: Option<String>,
    /// For execution moves and refusals: outcome per line position (1-based), as
    /// in_execution, partially_executed, executed or not_executed.
    #[serde(default)]
    pub line_outcomes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineView {
    pub position: i64,
    pub line_type: String,
    pub content: BTreeMap<String, String>,
    pub cost_allocation: String,
    pub outcome: String,
    pub outcome_on: Option<NaiveDate>,
    pub outcome_note: String,
}

/// The channel and language the request was sent through, as they stood that day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransmissionView {
    pub transmitted_on: NaiveDate,
    pub profile_id: Option<String>,
    pub channel: Option<String>,
    pub receiving_authority: Option<String>,
    pub language: Option<String>,
}

/// A statutory clock running on the request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LegalClock {
    /// rule_188: full surrender request due 60 days after a provisional arrest.
    pub rule: String,
    pub started_on: NaiveDate,
    pub due_on: NaiveDate,
    /// When the clock stopped (the full surrender request was transmitted).
    pub stopped_on: Option<NaiveDate>,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissingView {
    /// 1-based line position, or none for the request itself.
    pub line: Option<usize>,
    pub key: String,
    pub provision: String,
}

impl From<&MissingItem> for MissingView {
    fn from(m: &MissingItem) -> Self {
        Self { line: m.line.map(|l| l + 1), key: m.key.to_owned(), provision: m.provision.to_owned() }
    }
}

/// A request. Internal fields are left out of the external view a requested State sees.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestView {
    pub id: String,
    pub reference: String,
    /// internal, or external for the partner's focal points.
    pub view: String,
    pub direction: String,
    pub organ: String,
    pub on_behalf_of: String,
    pub kind: String,
    pub parent_id: Option<String>,
    pub partner_id: String,
    pub partner_name: String,
    /// The partner's French name, where the directory has one.
    pub partner_name_fr: Option<String>,
    pub title: String,
    pub purpose: String,
    pub facts: String,
    pub legal_basis: String,
    pub situation: String,
    pub case_name: String,
    pub persons: Vec<LinkedPerson>,
    pub urgency: String,
    pub deadline: Option<NaiveDate>,
    pub overdue: bool,
    pub cost_allocation: String,
    pub classification: String,
    pub status: String,
    pub transmission: Option<TransmissionView>,
    pub national_reference: Option<String>,
    pub first_response_on: Option<NaiveDate>,
    pub executed_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub days_to_first_response: Option<i64>,
    pub days_to_execution: Option<i64>,
    pub legal_clocks: Vec<LegalClock>,
    pub lines: Vec<LineView>,
    /// Moves this user may make now.
    pub allowed_moves: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal: Option<InternalFields>,
    pub version: i64,
}

/// What only the Court's side sees.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InternalFields {
    pub owner_unit: String,
    pub acting_for_unit: Option<String>,
    pub chamber_unit: Option<String>,
    pub transmitting_unit: String,
    pub responsible_user: Option<String>,
    pub decision_reference: String,
    /// Checklist points still unanswered (drafts cannot leave draft until this is empty).
    pub missing: Vec<MissingView>,
    pub imported_at: Option<chrono::DateTime<chrono::Utc>>,
    pub imported_by: Option<String>,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A request in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestSummary {
    pub id: String,
    pub reference: String,
    pub direction: String,
    pub organ: String,
    pub on_behalf_of: String,
    pub kind: String,
    pub partner_id: String,
    pub partner_name: String,
    /// The partner's French name, where the directory has one.
    pub partner_name_fr: Option<String>,
    pub title: String,
    pub situation: String,
    pub line_types: Vec<String>,
    pub urgency: String,
    pub status: String,
    pub deadline: Option<NaiveDate>,
    pub overdue: bool,
    pub transmitted_on: Option<NaiveDate>,
    pub first_response_on: Option<NaiveDate>,
    pub executed_on: Option<NaiveDate>,
    pub classification: String,
    pub imported: bool,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// One step of the history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub seq: i64,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// When it took effect; figures count from this.
    pub effective_on: NaiveDate,
    /// When it was entered.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// The login name of who entered it (hidden from the partner's view).
    pub actor: Option<String>,
    pub reason: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// List query, as received from a client.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    pub direction: Option<String>,
    /// registry or otp.
    pub organ: Option<String>,
    pub on_behalf_of: Option<String>,
    /// Partner id or ISO code.
    pub partner: Option<String>,
    pub line_type: Option<String>,
    /// One status, or several separated by commas.
    pub status: Option<String>,
    /// true: only open requests past their deadline.
    pub overdue: Option<bool>,
    pub situation: Option<String>,
    /// Transmitted (or received) on or after this date.
    pub from: Option<String>,
    /// Transmitted (or received) on or before this date.
    pub to: Option<String>,
    /// Words searched in the reference, title and description.
    pub q: Option<String>,
    /// updated (default), reference, deadline, transmitted, title or status.
    pub sort: Option<String>,
    /// asc or desc (default desc for updated, asc otherwise).
    pub order: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The user's work queues.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyWork {
    pub drafts: Vec<RequestSummary>,
    pub awaiting_my_approval: Vec<RequestSummary>,
    pub awaiting_transmission: Vec<RequestSummary>,
    pub overdue: Vec<RequestSummary>,
    pub due_this_week: Vec<RequestSummary>,
}

/// Request figures shown on a partner's page.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct PartnerRequestFigures {
    pub open: i64,
    pub overdue: i64,
    pub executed: i64,
    pub median_days_to_first_response: Option<f64>,
    pub median_days_to_execution: Option<f64>,
}

pub(crate) use crate::partners::classification_of;

/// What the policy needs to know about a request (and its documents, which inherit it).
pub(crate) fn request_access(r: &Request, kind: RecordKind) -> RecordAccess {
    audience_of!(r).access(kind)
}

fn parties(r: &Request) -> Parties {
    Parties {
        direction: Direction::parse(&r.direction).unwrap_or(Direction::Outgoing),
        on_behalf_of: OnBehalfOf::parse(&r.on_behalf_of).unwrap_or(OnBehalfOf::Registry),
        owner_unit: r.owner_unit_id.clone(),
        // The Chamber seized acts for its own requests as the requesting side.
        acting_for_unit: r
            .acting_for_unit_id
            .clone()
            .or_else(|| (r.on_behalf_of == OnBehalfOf::Chamber.code()).then(|| r.chamber_unit_id.clone()).flatten()),
        partner_state: Some(r.partner_id.clone()),
    }
}

fn status_of(r: &Request) -> Status {
    Status::parse(&r.status).unwrap_or(Status::Draft)
}

fn direction_of(r: &Request) -> Direction {
    Direction::parse(&r.direction).unwrap_or(Direction::Outgoing)
}

fn line_content(l: &Line) -> BTreeMap<String, String> {
    serde_json::from_str(&l.content).unwrap_or_default()
}

/// The checklist points the request does not yet answer.
pub(crate) fn missing(r: &Request, lines: &[Line]) -> Vec<MissingItem> {
    let contents: Vec<_> = lines.iter().map(|l| (LineType::parse(&l.line_type), line_content(l))).collect();
    let d = DraftContent {
        purpose: &r.purpose,
        facts: &r.facts,
        lines: contents.iter().filter_map(|(t, c)| t.map(|t| (t, c))).collect(),
    };
    let mut m = rules::missing_items(&d);
    if r.deadline.is_none() {
        m.push(MissingItem { line: None, key: "deadline", provision: "art. 96(2)" });
    }
    m
}

/// The moves this actor may make on the request now.
fn allowed_moves(actor: &Actor, r: &Request) -> Vec<Move> {
    if !actor.may(Action::Update, &request_access(r, RecordKind::Request)) {
        return Vec::new();
    }
    let p = parties(r);
    rules::moves_from(direction_of(r), status_of(r))
        .into_iter()
        .filter(|m| rules::may_move(&actor.principal, *m, &p))
        .collect()
}

/// Whether the actor reads the request as its partner (a focal point of that State).
pub(crate) fn is_external(actor: &Actor, r: &Request) -> bool {
    actor.principal.unit_kind == UnitKind::StateFocalPoint
        && actor.principal.unit_state.as_deref() == Some(r.partner_id.as_str())
}

fn summary(r: Listed, partner_name: (String, Option<String>), today: NaiveDate) -> RequestSummary {
    RequestSummary {
        overdue: rules::is_overdue(Status::parse(&r.status).unwrap_or(Status::Draft), r.deadline, today),
        line_types: r.line_types,
        imported: r.imported,
        partner_name: partner_name.0,
        partner_name_fr: partner_name.1,
        id: r.id,
        reference: r.reference,
        direction: r.direction,
        organ: r.organ,
        on_behalf_of: r.on_behalf_of,
        kind: r.kind,
        partner_id: r.partner_id,
        title: r.title,
        situation: r.situation,
        urgency: r.urgency,
        status: r.status,
        deadline: r.deadline,
        transmitted_on: r.transmitted_on,
        first_response_on: r.first_response_on,
        executed_on: r.executed_on,
        classification: r.classification,
        updated_at: r.updated_at,
    }
}

/// Splits search text into the words a list searches for (at most eight), as the register
/// index reads its own text.
pub fn search_words(q: &str) -> Vec<String> {
    crate::register::words_of(q).take(8).collect()
}

fn text(e: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        e.add(field, format!("must be at most {max} characters"));
    }
    v.to_owned()
}

fn persons_json(e: &mut FieldErrors, persons: &[LinkedPerson]) -> String {
    for (i, p) in persons.iter().enumerate() {
        if p.name.trim().is_empty() {
            e.add(format!("persons[{i}].name"), if p.protected { "a pseudonym is required" } else { "is required" });
        }
        if !PERSON_ROLES.contains(&p.role.as_str()) {
            e.add(format!("persons[{i}].role"), format!("must be one of: {}", PERSON_ROLES.join(", ")));
        }
    }
    serde_json::to_string(persons).unwrap_or_else(|_| "[]".into())
}

fn parse_lines(
    e: &mut FieldErrors,
    direction: Direction,
    lines: &[LineInput],
    default_cost: CostAllocation,
) -> Vec<(LineType, BTreeMap<String, String>, CostAllocation)> {
    if lines.len() > MAX_LINES {
        e.add("lines", format!("at most {MAX_LINES} lines"));
    }
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let field = format!("lines[{i}].line_type");
        let Some(t) = e.code::<LineType>(&field, &l.line_type) else { continue };
        if !t.allowed_in(direction) {
            e.add(field, format!("'{}' is not used for {} requests", t.code(), direction.code()));
            continue;
        }
        let cost = match l.cost_allocation.as_deref().filter(|c| !c.is_empty()) {
            None => default_cost,
            Some(c) => e.code(&format!("lines[{i}].cost_allocation"), c).unwrap_or(default_cost),
        };
        let mut content = BTreeMap::new();
        for (k, v) in &l.content {
            if v.chars().count() > MAX_TEXT {
                e.add(format!("lines[{i}].content.{k}"), format!("must be at most {MAX_TEXT} characters"));
            }
            if !v.trim().is_empty() {
                content.insert(k.clone(), v.trim().to_owned());
            }
        }
        out.push((t, content, cost));
    }
    out
}

fn optional_code<T: std::str::FromStr<Err = comity_domain::validation::UnknownCode>>(
    e: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
) -> Option<T> {
    value.map(str::trim).filter(|v| !v.is_empty()).and_then(|v| e.code(field, v))
}

impl Comity {
    /// Finds a partner by id or ISO code.
    pub(crate) async fn resolve_partner(
        &self,
        ex: &mut impl Executor,
        e: &mut FieldErrors,
        field: &str,
        key: &str,
    ) -> Option<String> {
        let key = key.trim();
        if key.is_empty() {
            e.add(field, "is required");
            return None;
        }
        let found = match partner_store::partner(ex, key).await {
            Ok(Some(p)) => Some(p.id),
            _ => match partner_store::partner(ex, &key.to_uppercase()).await {
                Ok(Some(p)) => Some(p.id),
                _ => None,
            },
        };
        if found.is_none() {
            e.add(field, format!("unknown partner '{key}'"));
        }
        found
    }

    pub(crate) async fn resolve_named_unit(
        &self,
        ex: &mut impl Executor,
        e: &mut FieldErrors,
        field: &str,
        name: &str,
    ) -> Option<accounts::Unit> {
        let found = match accounts::unit_by_name(ex, name.trim()).await {
            Ok(Some(u)) => Some(u),
            _ => accounts::unit_by_id(ex, name.trim()).await.ok().flatten(),
        };
        if found.is_none() {
            e.add(field, format!("unknown unit '{name}'"));
        }
        found
    }

    async fn resolve_user(
        &self,
        ex: &mut impl Executor,
        e: &mut FieldErrors,
        field: &str,
        name: &str,
    ) -> Option<String> {
        let found = accounts::user_by_name(ex, name.trim()).await.ok().flatten();
        if found.is_none() {
            e.add(field, format!("unknown user '{name}'"));
        }
        found.map(|u| u.id)
    }

    /// Loads a request the actor may act on, or `NotFound` when they may not know it exists.
    pub(crate) async fn visible_request(
        &self,
        ex: &mut impl Executor,
        actor: &Actor,
        id: &str,
        action: Action,
    ) -> Result<Request> {
        let found = store::request(ex, id).await?;
        let seen = match &found {
            Some(r) => actor.check(Action::Read, &request_access(r, RecordKind::Request)),
            None => Err(AppError::NotFound),
        };
        if let Err(e) = seen {
            if matches!(e, AppError::NotFound) {
                self.note_refused(actor, RecordKind::Request, id);
            }
            return Err(e);
        }
        let r = found.ok_or(AppError::NotFound)?;
        if action != Action::Read {
            actor.check(action, &request_access(&r, RecordKind::Request))?;
        }
        Ok(r)
    }

    /// Drafts a new outgoing request, or registers an incoming one.
    pub async fn create_request(&self, actor: &Actor, input: &RequestInput) -> Result<RequestView> {
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let (r, lines) = self.new_request(&mut tx, actor, input, today, None).await?;
        store::insert_request(&mut tx, &r).await.map_err(reference_taken)?;
        for l in &lines {
            store::insert_line(&mut tx, l).await?;
        }
        let effective_on = r.transmitted_on.unwrap_or(today);
        let action = if direction_of(&r) == Direction::Incoming { "receive" } else { "create" };
        append(&mut tx, &r, action, None, effective_on, now, actor, "", serde_json::json!({})).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "request.create",
            Target::new(RecordKind::Request, &r.id, classification_of(&r.classification)),
            serde_json::json!({ "reference": r.reference, "direction": r.direction, "partner": r.partner_id }),
        )
        .await?;
        tx.commit().await?;
        self.request(actor, &r.id).await
    }

    /// Validates a new request and builds its row and lines (not yet stored). `imported`
    /// carries the import's own dates and skips the rules that only hold for live entry.
    pub(crate) async fn new_request(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        input: &RequestInput,
        today: NaiveDate,
        imported: Option<&crate::import::ImportContext>,
    ) -> Result<(Request, Vec<Line>)> {
        let mut e = FieldErrors::new();
        let direction =
            optional_code::<Direction>(&mut e, "direction", input.direction.as_deref()).unwrap_or(Direction::Outgoing);
        let on_behalf_of = e.code::<OnBehalfOf>("on_behalf_of", input.on_behalf_of.trim());
        let kind = optional_code::<RequestKind>(&mut e, "kind", input.kind.as_deref()).unwrap_or(RequestKind::Primary);
        let urgency = optional_code::<Urgency>(&mut e, "urgency", input.urgency.as_deref()).unwrap_or(Urgency::Normal);
        let cost = optional_code::<CostAllocation>(&mut e, "cost_allocation", input.cost_allocation.as_deref())
            .unwrap_or(CostAllocation::RequestedState);
        let classification = optional_code::<Classification>(&mut e, "classification", input.classification.as_deref())
            .unwrap_or(Classification::Confidential);
        let title = e.required("title", &input.title, MAX_TITLE);
        let purpose = text(&mut e, "purpose", &input.purpose, MAX_TEXT);
        let facts = text(&mut e, "facts", &input.facts, MAX_TEXT);
        let legal_basis = text(&mut e, "legal_basis", &input.legal_basis, 2_000);
        let situation = text(&mut e, "situation", &input.situation, 200);
        let case_name = text(&mut e, "case_name", &input.case_name, 200);
        let decision_reference = text(&mut e, "decision_reference", &input.decision_reference, 300);
        let persons = persons_json(&mut e, &input.persons);
        let partner_id = self.resolve_partner(tx, &mut e, "partner_id", &input.partner_id).await;
        let deadline = input
            .deadline
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .and_then(|d| parse_date(&mut e, "deadline", d));
        if imported.is_none() && deadline.is_some_and(|d| d < today) {
            e.add("deadline", "must be today or later");
        }
        let received_on = match direction {
            Direction::Incoming => Some(
                input
                    .received_on
                    .as_deref()
                    .filter(|d| !d.trim().is_empty())
                    .and_then(|d| parse_date(&mut e, "received_on", d))
                    .unwrap_or(today),
            ),
            Direction::Outgoing => None,
        };
        if received_on.is_some_and(|d| d > today) {
            e.add("received_on", "cannot be later than today");
        }
        if input.lines.is_empty() && direction == Direction::Incoming {
            e.add("lines", "an incoming request needs at least one line");
        }
        let parsed_lines = parse_lines(&mut e, direction, &input.lines, cost);

        // Who drafts on whose behalf.
        let p = &actor.principal;
        let owner_kind = p.unit_kind;
        if let Some(b) = on_behalf_of {
            let allowed: &[OnBehalfOf] = match (direction, owner_kind) {
                (Direction::Incoming, UnitKind::Registry) => &[OnBehalfOf::Registry, OnBehalfOf::Chamber],
                (Direction::Incoming, UnitKind::Otp) => &[OnBehalfOf::Prosecution],
                (Direction::Incoming, UnitKind::Chambers) => &[OnBehalfOf::Chamber],
                (Direction::Outgoing, UnitKind::Registry) => {
                    &[OnBehalfOf::Chamber, OnBehalfOf::Defence, OnBehalfOf::Victims, OnBehalfOf::Registry]
                }
                (Direction::Outgoing, UnitKind::Otp) => &[OnBehalfOf::Prosecution],
                (Direction::Outgoing, UnitKind::Chambers) => &[OnBehalfOf::Chamber],
                (Direction::Outgoing, UnitKind::DefenceTeam) => &[OnBehalfOf::Defence],
                (Direction::Outgoing, UnitKind::VictimsWitnesses) => &[OnBehalfOf::Victims, OnBehalfOf::Registry],
                _ => &[],
            };
            // The operator importing past registers may record any sender.
            if imported.is_none() {
                if allowed.is_empty() {
                    return Err(AppError::Forbidden);
                }
                if !allowed.contains(&b) {
                    e.add(
                        "on_behalf_of",
                        format!(
                            "your unit drafts requests on behalf of: {}",
                            allowed.iter().map(|a| a.code()).collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
            }
        }
        let acting_for = match input.acting_for_unit.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(u) => self.resolve_named_unit(tx, &mut e, "acting_for_unit", u).await,
            None => None,
        };
        if on_behalf_of == Some(OnBehalfOf::Defence) && owner_kind != UnitKind::DefenceTeam {
            match &acting_for {
                None if imported.is_none() => e.add("acting_for_unit", "name the Defence team the request is made for"),
                Some(u) if u.kind != UnitKind::DefenceTeam.code() => e.add("acting_for_unit", "must be a Defence team"),
                _ => {}
            }
        }
        let chamber = match input.chamber_unit.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(u) => self.resolve_named_unit(tx, &mut e, "chamber_unit", u).await,
            None if on_behalf_of == Some(OnBehalfOf::Chamber) => {
                accounts::first_unit_of_kind(tx, UnitKind::Chambers.code()).await?
            }
            None => None,
        };
        let responsible = match input.responsible_user.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(u) => self.resolve_user(tx, &mut e, "responsible_user", u).await,
            None => imported.is_none().then(|| p.user_id.clone()),
        };
        let parent_id = match input.parent_id.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(id) => match store::request(tx, id.trim()).await? {
                Some(parent)
                    if imported.is_some() || actor.may(Action::Read, &request_access(&parent, RecordKind::Request)) =>
                {
                    Some(parent.id)
                }
                _ => {
                    e.add("parent_id", "no such request");
                    None
                }
            },
            None => None,
        };
        match (kind, parent_id.is_some(), input.parent_id.as_deref().is_some_and(|p| !p.trim().is_empty())) {
            (RequestKind::Primary, true, _) => e.add("parent_id", "a primary request has no parent"),
            (RequestKind::FollowUp | RequestKind::Supplementary, false, false) => {
                e.add("parent_id", "a follow-up or supplementary request names its parent")
            }
            _ => {}
        }
        let reference = match input.reference.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) if r.chars().count() > 100 => {
                e.add("reference", "must be at most 100 characters");
                String::new()
            }
            Some(r) => {
                if store::request_by_reference(tx, r).await?.is_some() {
                    e.add("reference", "is already used by another request");
                }
                r.to_owned()
            }
            None => String::new(),
        };
        e.into_result()?;
        let (Some(on_behalf_of), Some(partner_id)) = (on_behalf_of, partner_id) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let organ = on_behalf_of.transmitting_organ();
        let owner_unit_id = match imported {
            Some(ctx) => ctx.owner_unit_for(tx, organ, on_behalf_of).await?,
            None => p.unit_id.clone(),
        };
        let organ_kind = match organ {
            Organ::Registry => UnitKind::Registry,
            Organ::Otp => UnitKind::Otp,
        };
        let transmitting_unit_id = if imported.is_none() && owner_kind == organ_kind {
            p.unit_id.clone()
        } else {
            accounts::first_unit_of_kind(tx, organ_kind.code())
                .await?
                .map(|u| u.id)
                .ok_or_else(|| AppError::Internal(format!("no {} unit exists", organ_kind.code())))?
        };
        let reference = if reference.is_empty() { self.next_reference(tx, today).await? } else { reference };
        let now = self.clock.now();
        let id = comity_store::new_id();
        let r = Request {
            id,
            reference,
            direction: direction.code().into(),
            organ: organ.code().into(),
            on_behalf_of: on_behalf_of.code().into(),
            kind: kind.code().into(),
            parent_id,
            partner_id,
            title,
            purpose,
            facts,
            legal_basis,
            situation,
            case_name,
            persons,
            urgency: urgency.code().into(),
            deadline,
            cost_allocation: cost.code().into(),
            classification: classification.code().into(),
            status: match direction {
                Direction::Outgoing => Status::Draft,
                Direction::Incoming => Status::Received,
            }
            .code()
            .into(),
            resume_status: None,
            owner_unit_id,
            acting_for_unit_id: acting_for.map(|u| u.id),
            chamber_unit_id: chamber.map(|u| u.id),
            transmitting_unit_id,
            responsible_user_id: responsible,
            decision_reference,
            profile_id: None,
            channel: None,
            receiving_authority: None,
            language: None,
            national_reference: None,
            transmitted_on: received_on,
            first_response_on: None,
            executed_on: None,
            closed_on: None,
            provisional_arrest_on: None,
            imported_at: imported.map(|_| now),
            imported_by: imported.map(|_| actor.audit_id().to_owned()),
            created_by: actor.audit_id().to_owned(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        // The new record must be one its author may keep.
        if imported.is_none() {
            actor
                .check(Action::Create, &request_access(&r, RecordKind::Request))
                .map_err(crate::partners::refused_creation)?;
        }
        let lines = lines_from(&r.id, &parsed_lines);
        Ok((r, lines))
    }

    async fn next_reference(&self, tx: &mut Tx, today: NaiveDate) -> Result<String> {
        use chrono::Datelike;
        let year = today.year();
        let n = store::next_counter(tx, &format!("request_reference:{year}")).await?;
        Ok(format!("RFC-{year}-{n:05}"))
    }

    /// One request as a list shows it, for pages that gather requests from elsewhere (a
    /// warrant's copies, a finding's requests). Not found when the actor may not see it.
    pub async fn request_summary(&self, actor: &Actor, id: &str) -> Result<RequestSummary> {
        let mut c = self.db.read().await?;
        let r = self.visible_request(&mut c, actor, id, Action::Read).await?;
        self.register.catch_up(&mut c).await?;
        let listed = self.register.listed(&r.id).ok_or(AppError::NotFound)?;
        let names = partner_store::names(&mut c, std::slice::from_ref(&r.partner_id)).await?;
        let name = names.into_iter().next().map(|(_, n, f)| (n, f)).unwrap_or_default();
        Ok(summary(listed, name, self.today()))
    }

    /// A request as this actor may see it.
    pub async fn request(&self, actor: &Actor, id: &str) -> Result<RequestView> {
        let mut c = self.db.read().await?;
        let r = self.visible_request(&mut c, actor, id, Action::Read).await?;
        let lines = store::lines(&mut c, &r.id).await?;
        let partner = partner_store::partner(&mut c, &r.partner_id).await?;
        let partner_name = (
            partner.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
            partner.as_ref().and_then(|p| p.name_fr.clone()),
        );
        let internal = if is_external(actor, &r) {
            None
        } else {
            let responsible = match &r.responsible_user_id {
                Some(id) => accounts::user_by_id(&mut c, id).await?.map(|u| u.name),
                None => None,
            };
            let created_by =
                accounts::user_by_id(&mut c, &r.created_by).await?.map_or(r.created_by.clone(), |u| u.name);
            Some(InternalFields {
                owner_unit: unit_name(&mut c, Some(&r.owner_unit_id)).await?.unwrap_or_default(),
                acting_for_unit: unit_name(&mut c, r.acting_for_unit_id.as_deref()).await?,
                chamber_unit: unit_name(&mut c, r.chamber_unit_id.as_deref()).await?,
                transmitting_unit: unit_name(&mut c, Some(&r.transmitting_unit_id)).await?.unwrap_or_default(),
                responsible_user: responsible,
                decision_reference: r.decision_reference.clone(),
                missing: missing(&r, &lines).iter().map(MissingView::from).collect(),
                imported_at: r.imported_at,
                imported_by: r.imported_by.clone(),
                created_by,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        };
        // Rule 188: the clock stops when the full surrender request has been sent.
        let full_request_sent_on = if r.provisional_arrest_on.is_some() {
            store::follow_ups(&mut c, &r.id)
                .await?
                .into_iter()
                .filter(|f| f.line_types.split(',').any(|t| t == LineType::ArrestSurrender.code()))
                .filter_map(|f| f.transmitted_on)
                .min()
        } else {
            None
        };
        drop(c);
        self.audit_reads(actor, "request.read", RecordKind::Request, &[(&r.id, &r.classification)]).await?;
        Ok(self.view(actor, &r, &lines, partner_name, internal, full_request_sent_on))
    }

    /// Reads of confidential (and stricter) requests go to the audit trail (DESIGN §3): one
    /// entry per answer, naming every such record it disclosed.
    pub(crate) async fn audit_reads(
        &self,
        actor: &Actor,
        action: &str,
        kind: RecordKind,
        records: &[(&str, &str)],
    ) -> Result<()> {
        let disclosed: Vec<(&str, Classification)> =
            records.iter().map(|(id, c)| (*id, classification_of(c))).filter(|(_, c)| c.read_is_audited()).collect();
        let Some(strictest) = disclosed.iter().map(|(_, c)| *c).max() else {
            return Ok(());
        };
        let ids = disclosed.iter().map(|(id, _)| *id).collect::<Vec<_>>().join(",");
        let detail = serde_json::json!({ "records": disclosed.len() });
        self.record_read(actor, action, Target::new(kind, &ids, strictest), detail).await
    }

    fn view(
        &self,
        actor: &Actor,
        r: &Request,
        lines: &[Line],
        partner_name: (String, Option<String>),
        internal: Option<InternalFields>,
        full_request_sent_on: Option<NaiveDate>,
    ) -> RequestView {
        let today = self.today();
        let status = status_of(r);
        let mut clocks = Vec::new();
        if let Some(arrested) = r.provisional_arrest_on {
            let due = rules::rule_188_due(arrested);
            // Overdue when the full request was not sent in time, or is still not sent.
            let overdue = match full_request_sent_on {
                Some(sent) => sent > due,
                None => due < today && status != Status::Withdrawn,
            };
            clocks.push(LegalClock {
                rule: "rule_188".into(),
                started_on: arrested,
                due_on: due,
                stopped_on: full_request_sent_on,
                overdue,
            });
        }
        RequestView {
            id: r.id.clone(),
            reference: r.reference.clone(),
            view: if internal.is_some() { "internal" } else { "external" }.into(),
            direction: r.direction.clone(),
            organ: r.organ.clone(),
            on_behalf_of: r.on_behalf_of.clone(),
            kind: r.kind.clone(),
            parent_id: r.parent_id.clone(),
            partner_id: r.partner_id.clone(),
            partner_name: partner_name.0,
            partner_name_fr: partner_name.1,
            title: r.title.clone(),
            purpose: r.purpose.clone(),
            facts: r.facts.clone(),
            legal_basis: r.legal_basis.clone(),
            situation: r.situation.clone(),
            case_name: r.case_name.clone(),
            persons: serde_json::from_str(&r.persons).unwrap_or_default(),
            urgency: r.urgency.clone(),
            deadline: r.deadline,
            overdue: rules::is_overdue(status, r.deadline, today),
            cost_allocation: r.cost_allocation.clone(),
            classification: r.classification.clone(),
            status: r.status.clone(),
            transmission: r.transmitted_on.map(|on| TransmissionView {
                transmitted_on: on,
                profile_id: r.profile_id.clone(),
                channel: r.channel.clone(),
                receiving_authority: r.receiving_authority.clone(),
                language: r.language.clone(),
            }),
            national_reference: r.national_reference.clone(),
            first_response_on: r.first_response_on,
            executed_on: r.executed_on,
            closed_on: r.closed_on,
            days_to_first_response: r.transmitted_on.zip(r.first_response_on).map(|(a, b)| rules::days_between(a, b)),
            days_to_execution: r.transmitted_on.zip(r.executed_on).map(|(a, b)| rules::days_between(a, b)),
            legal_clocks: clocks,
            lines: lines
                .iter()
                .map(|l| LineView {
                    position: l.position,
                    line_type: l.line_type.clone(),
                    content: line_content(l),
                    cost_allocation: l.cost_allocation.clone(),
                    outcome: l.outcome.clone(),
                    outcome_on: l.outcome_on,
                    outcome_note: l.outcome_note.clone(),
                })
                .collect(),
            allowed_moves: allowed_moves(actor, r).iter().map(|m| m.code().to_owned()).collect(),
            internal,
            version: r.version,
        }
    }

    /// Edits a request; content only while it is a draft.
    pub async fn update_request(&self, actor: &Actor, id: &str, patch: &RequestPatch) -> Result<RequestView> {
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let mut r = self.visible_request(&mut tx, actor, id, Action::Update).await?;
        // The partner answers through moves; the request itself is the Court's to edit.
        if actor.principal.unit_kind == UnitKind::StateFocalPoint {
            return Err(AppError::Forbidden);
        }
        AppError::check_version(patch.version, r.version)?;
        let version = r.version;
        let status = status_of(&r);
        let editable_content = matches!(status, Status::Draft | Status::PreConsultation | Status::Received);
        let content_change = patch.title.is_some()
            || patch.purpose.is_some()
            || patch.facts.is_some()
            || patch.legal_basis.is_some()
            || patch.situation.is_some()
            || patch.case_name.is_some()
            || patch.persons.is_some()
            || patch.partner_id.is_some()
            || patch.urgency.is_some()
            || patch.cost_allocation.is_some()
            || patch.decision_reference.is_some()
            || patch.lines.is_some();
        if content_change && !editable_content {
            return Err(AppError::Conflict(format!(
                "the content of a request can change only while it is a draft; it is '{}' (send a follow-up or supplementary request instead)",
                r.status
            )));
        }
        if !status.is_open() {
            return Err(AppError::Conflict(format!("the request is closed ('{}')", r.status)));
        }
        let mut e = FieldErrors::new();
        let mut changed = Vec::new();
        macro_rules! set_text {
            ($field:ident, $max:expr) => {
                if let Some(v) = &patch.$field {
                    let v = text(&mut e, stringify!($field), v, $max);
                    if v != r.$field {
                        r.$field = v;
                        changed.push(stringify!($field));
                    }
                }
            };
        }
        if let Some(t) = &patch.title {
            let t = e.required("title", t, MAX_TITLE);
            if t != r.title {
                r.title = t;
                changed.push("title");
            }
        }
        set_text!(purpose, MAX_TEXT);
        set_text!(facts, MAX_TEXT);
        set_text!(legal_basis, 2_000);
        set_text!(situation, 200);
        set_text!(case_name, 200);
        set_text!(decision_reference, 300);
        if let Some(p) = &patch.persons {
            let persons = persons_json(&mut e, p);
            if persons != r.persons {
                r.persons = persons;
                changed.push("persons");
            }
        }
        if let Some(p) = &patch.partner_id {
            if let Some(id) = self.resolve_partner(&mut tx, &mut e, "partner_id", p).await {
                if id != r.partner_id {
                    r.partner_id = id;
                    changed.push("partner_id");
                }
            }
        }
        if let Some(u) = optional_code::<Urgency>(&mut e, "urgency", patch.urgency.as_deref()) {
            if u.code() != r.urgency {
                r.urgency = u.code().into();
                changed.push("urgency");
            }
        }
        if let Some(c) = optional_code::<CostAllocation>(&mut e, "cost_allocation", patch.cost_allocation.as_deref()) {
            if c.code() != r.cost_allocation {
                r.cost_allocation = c.code().into();
                changed.push("cost_allocation");
            }
        }
        if let Some(c) = optional_code::<Classification>(&mut e, "classification", patch.classification.as_deref()) {
            if c.code() != r.classification {
                r.classification = c.code().into();
                changed.push("classification");
            }
        }
        if let Some(d) = &patch.deadline {
            let d = d.trim();
            let new = if d.is_empty() { None } else { parse_date(&mut e, "deadline", d) };
            if new.is_some_and(|d| d < today) {
                e.add("deadline", "must be today or later");
            }
            if new != r.deadline {
                r.deadline = new;
                changed.push("deadline");
            }
        }
        if let Some(u) = patch.responsible_user.as_deref().filter(|u| !u.trim().is_empty()) {
            if let Some(id) = self.resolve_user(&mut tx, &mut e, "responsible_user", u).await {
                if r.responsible_user_id.as_deref() != Some(id.as_str()) {
                    r.responsible_user_id = Some(id);
                    changed.push("responsible_user");
                }
            }
        }
        let new_lines = match &patch.lines {
            Some(lines) => {
                let default_cost = CostAllocation::parse(&r.cost_allocation).unwrap_or(CostAllocation::RequestedState);
                let parsed = parse_lines(&mut e, direction_of(&r), lines, default_cost);
                let current = store::lines(&mut tx, &r.id).await?;
                let same = current.len() == parsed.len()
                    && current.iter().zip(&parsed).all(|(old, (t, content, cost))| {
                        old.line_type == t.code() && old.cost_allocation == cost.code() && line_content(old) == *content
                    });
                if same {
                    None
                } else {
                    changed.push("lines");
                    Some(lines_from(&r.id, &parsed))
                }
            }
            None => None,
        };
        e.into_result()?;
        if changed.is_empty() {
            // Nothing to write: answer with the request as it stands, version unchanged.
            drop(tx);
            return self.request(actor, id).await;
        }
        // A change must leave the request visible to its author and writable by them.
        actor.check(Action::Update, &request_access(&r, RecordKind::Request)).map_err(|e| match e {
            AppError::NotFound => AppError::field("classification", "you would no longer see this request"),
            other => other,
        })?;
        r.updated_at = now;
        if !store::update_request(&mut tx, &r, version).await? {
            return Err(AppError::StaleVersion { current: r.version });
        }
        if let Some(lines) = new_lines {
            store::delete_lines(&mut tx, &r.id).await?;
            for l in &lines {
                store::insert_line(&mut tx, l).await?;
            }
        }
        let last = store::events(&mut tx, &r.id).await?.last().map(|e| e.effective_on).unwrap_or(today);
        append(
            &mut tx,
            &r,
            "edit",
            Some(&r.status),
            last.max(today),
            now,
            actor,
            "",
            serde_json::json!({ "fields": changed }),
        )
        .await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "request.update",
            Target::new(RecordKind::Request, &r.id, classification_of(&r.classification)),
            serde_json::json!({ "fields": changed }),
        )
        .await?;
        tx.commit().await?;
        self.request(actor, id).await
    }

    /// Makes a lifecycle move.
    pub async fn transition(&self, actor: &Actor, id: &str, input: &TransitionInput) -> Result<RequestView> {
        self.receipt_key().await?;
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let r = self.visible_request(&mut tx, actor, id, Action::Read).await?;
        let m = Move::parse(input.action.trim()).ok_or_else(|| {
            AppError::field(
                "action",
                format!("must be one of: {}", Move::ALL.iter().map(|m| m.code()).collect::<Vec<_>>().join(", ")),
            )
        })?;
        let r = self.apply_move(&mut tx, actor, r, m, input, today, now, false).await?;
        tx.commit().await?;
        self.request(actor, &r.id).await
    }

    /// Checks and applies one move inside the caller's transaction. `imported` skips the
    /// live-entry checks (who may move, the checklist) that a past register cannot meet.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn apply_move(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        mut r: Request,
        m: Move,
        input: &TransitionInput,
        today: NaiveDate,
        now: chrono::DateTime<chrono::Utc>,
        imported: bool,
    ) -> Result<Request> {
        let direction = direction_of(&r);
        let from = status_of(&r);
        let resume = r.resume_status.as_deref().and_then(Status::parse);
        let to = rules::next(direction, from, m, resume).map_err(|e| AppError::InvalidTransition {
            from: e.from.code().into(),
            attempted: e.attempted.code().into(),
            allowed: e.allowed.iter().map(|m| m.code().to_owned()).collect(),
        })?;
        if !imported {
            actor.check(Action::Update, &request_access(&r, RecordKind::Request))?;
            if !rules::may_move(&actor.principal, m, &parties(&r)) {
                return Err(AppError::Forbidden);
            }
        }
        if let Some(v) = input.version {
            if v != r.version {
                return Err(AppError::StaleVersion { current: r.version });
            }
        }
        let mut e = FieldErrors::new();
        let effective_on = match input.effective_on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => parse_date(&mut e, "effective_on", d).unwrap_or(today),
            None => today,
        };
        if effective_on > today {
            e.add("effective_on", "cannot be later than the day it is recorded");
        }
        let history = store::events(tx, &r.id).await?;
        // Lifecycle steps keep their order; drafting and editing dates do not bind them (a
        // request sent last week may be entered today with its real transmission date).
        let lifecycle = |ev: &&Event| Move::parse(&ev.action).is_some();
        if let Some(last) = history.iter().filter(lifecycle).map(|ev| ev.effective_on).max() {
            if effective_on < last {
                e.add("effective_on", format!("cannot be earlier than the previous step ({last})"));
            }
        }
        let reason = text(&mut e, "reason", &input.reason, 5_000);
        if m.needs_reason() && reason.is_empty() {
            e.add("reason", "is required for this move");
        }
        let mut detail = serde_json::Map::new();
        match m {
            Move::Refuse => {
                if let Some(g) =
                    optional_code::<RefusalGround>(&mut e, "refusal_ground", input.refusal_ground.as_deref())
                {
                    detail.insert("refusal_ground".into(), g.code().into());
                } else if input.refusal_ground.as_deref().is_none_or(|g| g.trim().is_empty()) {
                    e.add("refusal_ground", "is required: art_93_4_72 or other");
                }
            }
            Move::OpenConsultation => {
                match optional_code::<ConsultationType>(&mut e, "consultation_type", input.consultation_type.as_deref())
                {
                    Some(t) => {
                        detail.insert("consultation_type".into(), t.code().into());
                    }
                    None if input.consultation_type.as_deref().is_none_or(|g| g.trim().is_empty()) => {
                        e.add("consultation_type", "is required")
                    }
                    None => {}
                }
            }
            Move::ConcludeConsultation => {
                match optional_code::<ConsultationOutcome>(
                    &mut e,
                    "consultation_outcome",
                    input.consultation_outcome.as_deref(),
                ) {
                    Some(o) => {
                        detail.insert("consultation_outcome".into(), o.code().into());
                    }
                    None if input.consultation_outcome.as_deref().is_none_or(|g| g.trim().is_empty()) => {
                        e.add("consultation_outcome", "is required")
                    }
                    None => {}
                }
            }
            Move::Postpone => {
                let ground = optional_code::<PostponementGround>(
                    &mut e,
                    "postponement_ground",
                    input.postponement_ground.as_deref(),
                );
                let until = input
                    .postponed_until
                    .as_deref()
                    .filter(|d| !d.trim().is_empty())
                    .and_then(|d| parse_date(&mut e, "postponed_until", d));
                let condition = input.postponement_condition.as_deref().map(str::trim).unwrap_or("");
                match ground {
                    None if input.postponement_ground.as_deref().is_none_or(|g| g.trim().is_empty()) => {
                        e.add("postponement_ground", "is required: art_94 or art_95")
                    }
                    Some(PostponementGround::Art94) if until.is_none() => {
                        e.add("postponed_until", "an art. 94 postponement is for an agreed period: give its end date")
                    }
                    Some(PostponementGround::Art95) if condition.is_empty() && until.is_none() => e.add(
                        "postponement_condition",
                        "an art. 95 postponement lasts until the admissibility ruling: say so, or give a date",
                    ),
                    _ => {}
                }
                if until.is_some_and(|u| u < effective_on) {
                    e.add("postponed_until", "must be after the postponement takes effect");
                }
                if let Some(g) = ground {
                    detail.insert("postponement_ground".into(), g.code().into());
                }
                if let Some(u) = until {
                    detail.insert("postponed_until".into(), u.to_string().into());
                }
                if !condition.is_empty() {
                    detail.insert("postponement_condition".into(), condition.into());
                }
            }
            Move::Acknowledge => {
                if let Some(n) = input.national_reference.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    r.national_reference = Some(text(&mut e, "national_reference", n, 200));
                    detail.insert("national_reference".into(), n.into());
                }
            }
            Move::Approve => {
                if let Some(d) = input.decision_reference.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    r.decision_reference = text(&mut e, "decision_reference", d, 300);
                }
                if r.decision_reference.is_empty() && !imported {
                    e.add(
                        "decision_reference",
                        "name the Chamber decision or the approval that authorises the request",
                    );
                }
                if !imported {
                    let lines = store::lines(tx, &r.id).await?;
                    for item in missing(&r, &lines) {
                        let field = match item.line {
                            Some(n) => format!("lines[{n}].content.{}", item.key),
                            None => item.key.to_owned(),
                        };
                        e.add(field, format!("is required ({})", item.provision));
                    }
                }
                detail.insert("decision_reference".into(), r.decision_reference.clone().into());
            }
            Move::Transmit => {
                if let Some(n) = input.note_verbale.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    detail.insert("note_verbale".into(), text(&mut e, "note_verbale", n, 200).into());
                }
                if r.deadline.is_some_and(|d| d < effective_on) && !imported {
                    e.add("deadline", "has passed: set a new deadline before transmitting");
                }
            }
            _ => {}
        }
        // Line outcomes.
        let mut lines = store::lines(tx, &r.id).await?;
        let mut outcomes: BTreeMap<i64, LineOutcome> = BTreeMap::new();
        for (pos, o) in &input.line_outcomes {
            let field = format!("line_outcomes.{pos}");
            let Ok(n) = pos.trim().parse::<i64>() else {
                e.add(field, "key must be a line position (1, 2, ...)");
                continue;
            };
            if !lines.iter().any(|l| l.position == n) {
                e.add(field, "no such line");
                continue;
            }
            if let Some(o) = e.code::<LineOutcome>(&field, o) {
                outcomes.insert(n, o);
            }
        }
        if !outcomes.is_empty()
            && !matches!(m, Move::RecordPartialExecution | Move::RecordExecution | Move::Refuse | Move::StartExecution)
        {
            e.add("line_outcomes", "only execution moves and refusals record line outcomes");
        }
        if m == Move::RecordPartialExecution && outcomes.is_empty() && lines.len() > 1 {
            e.add("line_outcomes", "say which lines were executed (by position)");
        }
        e.into_result()?;

        // Apply line outcomes: stated ones first, then the move's default for the rest.
        let default_outcome = match m {
            Move::StartExecution => Some(LineOutcome::InExecution),
            Move::RecordExecution => Some(LineOutcome::Executed),
            Move::RecordPartialExecution if lines.len() == 1 => Some(LineOutcome::PartiallyExecuted),
            Move::Refuse => Some(LineOutcome::NotExecuted),
            Move::Withdraw => Some(LineOutcome::Withdrawn),
            _ => None,
        };
        let mut line_detail = serde_json::Map::new();
        let mut arrests = Vec::new();
        for l in &mut lines {
            let current = LineOutcome::parse(&l.outcome).unwrap_or(LineOutcome::Pending);
            let is_final = matches!(current, LineOutcome::Executed | LineOutcome::NotExecuted | LineOutcome::Withdrawn);
            let new = match outcomes.get(&l.position) {
                Some(o) => Some(*o),
                None if !is_final => default_outcome,
                None => None,
            };
            if let Some(o) = new {
                if o != current {
                    store::set_line_outcome(tx, &l.id, o.code(), Some(effective_on), "").await?;
                    line_detail.insert(l.position.to_string(), o.code().into());
                    l.outcome = o.code().into();
                    if l.line_type == LineType::ProvisionalArrest.code()
                        && matches!(o, LineOutcome::Executed | LineOutcome::PartiallyExecuted)
                        && r.provisional_arrest_on.is_none()
                    {
                        r.provisional_arrest_on = Some(effective_on);
                    }
                    if o == LineOutcome::Executed {
                        if let Some(t) = LineType::parse(&l.line_type) {
                            arrests.push(t);
                        }
                    }
                }
            }
        }
        if !line_detail.is_empty() {
            detail.insert("line_outcomes".into(), line_detail.into());
        }

        // Project the dates the figures use.
        if m == Move::Transmit {
            r.transmitted_on = Some(effective_on);
            let snapshot = self.profile_in_force(tx, &r.partner_id, effective_on).await?;
            r.profile_id = snapshot.as_ref().map(|p| p.id.clone());
            r.channel = Some(snapshot.as_ref().map_or("diplomatic".to_owned(), |p| p.channel.clone()));
            r.receiving_authority = snapshot.as_ref().map(|p| p.receiving_authority.clone());
            r.language = snapshot.as_ref().map(|p| p.languages.clone());
            detail.insert("channel".into(), r.channel.clone().into());
            detail.insert("language".into(), r.language.clone().into());
        }
        let responds = m.is_partner_response() || matches!(m, Move::Grant | Move::GrantInPart);
        if responds && r.first_response_on.is_none() && r.transmitted_on.is_some() {
            r.first_response_on = Some(effective_on);
        }
        if to == Status::Executed {
            r.executed_on = Some(effective_on);
        }
        if !to.is_open() {
            r.closed_on = Some(effective_on);
        }
        r.resume_status = match to {
            Status::Consultation | Status::Postponed => {
                rules::interrupted_state(from, to).map(|s| s.code().to_owned()).or(r.resume_status.clone())
            }
            _ => None,
        };
        let expected = r.version;
        r.status = to.code().into();
        r.updated_at = now;
        if !store::update_request(tx, &r, expected).await? {
            return Err(AppError::StaleVersion { current: expected + 1 });
        }
        r.version = expected + 1;
        append(tx, &r, m.code(), Some(from.code()), effective_on, now, actor, &reason, detail.clone().into()).await?;
        for t in arrests {
            // The person's status under the warrant follows what the State did.
            self.follow_request_outcome(tx, &r, t, effective_on, actor).await?;
        }
        if m == Move::StartPreConsultation && !imported {
            // Informal consultation: the State's focal points are told a draft awaits their
            // comments in the thread; it is sent only once approved.
            let text = format!("A draft request {} is shared with you for comment.", r.reference);
            let key = format!("shared:{}:{}", r.id, r.version);
            self.tell(tx, &r, true, &key, &text, actor.audit_id(), now).await?;
        }
        if m.gives_receipt() && !imported {
            // A transmission carries what was sent with it: every document the partner sees.
            let documents =
                if m == Move::Transmit { crate::documents::shared_digests(tx, &r.id).await? } else { Vec::new() };
            self.issue_receipt(tx, &r, m.code(), effective_on, now, actor, &detail.clone().into(), documents).await?;
        }
        trail::record(
            tx,
            now,
            actor,
            &format!("request.{}", m.code()),
            Target::new(RecordKind::Request, &r.id, classification_of(&r.classification)),
            serde_json::json!({ "from": from.code(), "to": to.code(), "effective_on": effective_on, "imported": imported }),
        )
        .await?;
        Ok(r)
    }

    pub(crate) async fn profile_in_force(
        &self,
        ex: &mut impl Executor,
        partner_id: &str,
        on: NaiveDate,
    ) -> Result<Option<partner_store::CommunicationProfile>> {
        let profiles = partner_store::profiles(ex, partner_id).await?;
        Ok(crate::partners::in_force(&profiles, on).cloned())
    }

    /// The history, oldest first. The partner's view leaves out who entered each step.
    pub async fn request_events(&self, actor: &Actor, id: &str) -> Result<Vec<EventView>> {
        let mut c = self.db.read().await?;
        let r = self.visible_request(&mut c, actor, id, Action::Read).await?;
        let external = is_external(actor, &r);
        let mut events = store::events(&mut c, &r.id).await?;
        let users = accounts::list_users(&mut c, None).await?;
        drop(c);
        self.audit_reads(actor, "request.read_history", RecordKind::Request, &[(&r.id, &r.classification)]).await?;
        if external {
            // The partner's history starts when the request reached it, and carries only
            // what concerns it (no internal references, no one's identity).
            let start = events.iter().position(|e| e.action == Move::Transmit.code() || e.action == "receive");
            events = match start {
                Some(i) => events.split_off(i),
                None => Vec::new(),
            };
            // Edits, and the filing of the Court's internal notes, are the Court's own.
            let internal_note = |e: &Event| {
                e.action == "document_added"
                    && serde_json::from_str::<serde_json::Value>(&e.detail)
                        .ok()
                        .and_then(|d| d.get("kind").and_then(|k| k.as_str().map(str::to_owned)))
                        == Some(crate::documents::DocumentKind::InternalNote.code().to_owned())
            };
            events.retain(|e| e.action != "edit" && !internal_note(e));
        }

        Ok(events
            .into_iter()
            .map(|e| {
                let mut detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
                if external {
                    if let Some(map) = detail.as_object_mut() {
                        map.retain(|k, _| EXTERNAL_DETAIL.contains(&k.as_str()));
                    }
                }
                EventView {
                    seq: e.seq,
                    actor: (!external)
                        .then(|| users.iter().find(|u| u.id == e.actor).map_or(e.actor.clone(), |u| u.name.clone())),
                    action: e.action,
                    from_status: e.from_status,
                    to_status: e.to_status,
                    effective_on: e.effective_on,
                    recorded_at: e.recorded_at,
                    reason: if external && e.reason == "imported" { String::new() } else { e.reason },
                    detail,
                }
            })
            .collect())
    }

    /// Loads the register index (what the request lists are answered from) ahead of the
    /// first list.
    pub async fn load_register(&self) -> Result<()> {
        let mut c = self.db.read().await?;
        self.register.catch_up(&mut c).await
    }

    /// Requests the actor may see, filtered, searched, sorted and paged.
    pub async fn list_requests(&self, actor: &Actor, q: &RequestQuery) -> Result<Page<RequestSummary>> {
        let mut c = self.db.read().await?;
        let (filter, paging) = self.request_filter(&mut c, q).await?;
        let page = self.run_list(&mut c, actor, &filter, paging).await?;
        drop(c);
        self.audit_listed(actor, &page.items).await?;
        Ok(page)
    }

    async fn audit_listed(&self, actor: &Actor, items: &[RequestSummary]) -> Result<()> {
        let listed: Vec<(&str, &str)> = items.iter().map(|i| (i.id.as_str(), i.classification.as_str())).collect();
        self.audit_reads(actor, "request.list", RecordKind::Request, &listed).await
    }

    async fn run_list(
        &self,
        c: &mut impl Executor,
        actor: &Actor,
        filter: &RequestFilter,
        paging: Paging,
    ) -> Result<Page<RequestSummary>> {
        self.register.catch_up(c).await?;
        let found = self.register.find(actor, filter);
        let mut partner_ids: Vec<String> = found.rows.iter().map(|r| r.partner_id.clone()).collect();
        partner_ids.sort_unstable();
        partner_ids.dedup();
        let names: HashMap<String, (String, Option<String>)> =
            partner_store::names(c, &partner_ids).await?.into_iter().map(|(id, en, fr)| (id, (en, fr))).collect();
        let today = self.today();
        let items = found
            .rows
            .into_iter()
            .map(|r| {
                let name = names.get(&r.partner_id).cloned().unwrap_or_else(|| (r.partner_id.clone(), None));
                summary(r, name, today)
            })
            .collect();
        Ok(Page { items, page: paging.page, per_page: paging.per_page, total: found.total })
    }

    async fn request_filter(&self, ex: &mut impl Executor, q: &RequestQuery) -> Result<(RequestFilter, Paging)> {
        let mut e = FieldErrors::new();
        let direction = optional_code::<Direction>(&mut e, "direction", q.direction.as_deref());
        let organ = optional_code::<Organ>(&mut e, "organ", q.organ.as_deref());
        let on_behalf_of = optional_code::<OnBehalfOf>(&mut e, "on_behalf_of", q.on_behalf_of.as_deref());
        let line_type = optional_code::<LineType>(&mut e, "line_type", q.line_type.as_deref());
        let mut statuses = Vec::new();
        for s in q.status.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if let Some(s) = e.code::<Status>("status", s) {
                statuses.push(s.code().to_owned());
            }
        }
        let partner_id = match q.partner.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => self.resolve_partner(ex, &mut e, "partner", p).await,
            None => None,
        };
        let from = q.from.as_deref().filter(|d| !d.is_empty()).and_then(|d| parse_date(&mut e, "from", d));
        let to = q.to.as_deref().filter(|d| !d.is_empty()).and_then(|d| parse_date(&mut e, "to", d));
        if let (Some(a), Some(b)) = (from, to) {
            if a > b {
                e.add("to", "must not be before 'from'");
            }
        }
        let sort = match q.sort.as_deref().unwrap_or("") {
            "" | "updated" => RequestSort::Updated,
            "reference" => RequestSort::Reference,
            "deadline" => RequestSort::Deadline,
            "transmitted" => RequestSort::Transmitted,
            "title" => RequestSort::Title,
            "status" => RequestSort::Status,
            _ => {
                e.add("sort", "must be one of: updated, reference, deadline, transmitted, title, status");
                RequestSort::Updated
            }
        };
        let descending = match q.order.as_deref().unwrap_or("") {
            "" => sort == RequestSort::Updated,
            "asc" => false,
            "desc" => true,
            _ => {
                e.add("order", "must be asc or desc");
                false
            }
        };
        if let Some(pp) = q.per_page {
            if !(1..=Paging::MAX_PER_PAGE).contains(&pp) {
                e.add("per_page", format!("must be between 1 and {}", Paging::MAX_PER_PAGE));
            }
        }
        if q.page.is_some_and(|p| p < 1) {
            e.add("page", "must be 1 or more");
        }
        let query = q.q.as_deref().unwrap_or("");
        if query.chars().count() > 200 {
            e.add("q", "must be at most 200 characters");
        }
        let situation = q.situation.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        e.into_result()?;
        let paging = Paging::new(q.page, q.per_page);
        Ok((
            RequestFilter {
                direction: direction.map(|d| d.code().to_owned()),
                organ: organ.map(|d| d.code().to_owned()),
                on_behalf_of: on_behalf_of.map(|d| d.code().to_owned()),
                partner_id,
                line_type: line_type.map(|d| d.code().to_owned()),
                statuses,
                overdue_on: q.overdue.unwrap_or(false).then(|| self.today()),
                due_between: None,
                situation,
                from,
                to,
                responsible_user_id: None,
                words: search_words(query),
                sort,
                descending,
                offset: paging.offset(),
                limit: paging.per_page,
            },
            paging,
        ))
    }

    /// The actor's work queues.
    pub async fn my_work(&self, actor: &Actor) -> Result<MyWork> {
        let mut c = self.db.read().await?;
        let today = self.today();
        let p = &actor.principal;
        let base = RequestFilter { limit: 50, sort: RequestSort::Deadline, ..RequestFilter::default() };
        let paging = Paging::new(Some(1), Some(50));
        let mine = |f: RequestFilter| RequestFilter { responsible_user_id: Some(p.user_id.clone()), ..f };
        let drafts = self
            .run_list(
                &mut c,
                actor,
                &mine(RequestFilter { statuses: vec!["draft".into(), "pre_consultation".into()], ..base.clone() }),
                paging,
            )
            .await?
            .items;
        let pending_approval = self
            .run_list(
                &mut c,
                actor,
                &RequestFilter { statuses: vec!["draft".into(), "pre_consultation".into()], ..base.clone() },
                paging,
            )
            .await?;
        let approved = self
            .run_list(&mut c, actor, &RequestFilter { statuses: vec!["approved".into()], ..base.clone() }, paging)
            .await?;
        let mut awaiting_my_approval = Vec::new();
        let mut awaiting_transmission = Vec::new();
        for (items, m, out) in [
            (pending_approval.items, Move::Approve, &mut awaiting_my_approval),
            (approved.items, Move::Transmit, &mut awaiting_transmission),
        ] {
            for s in items {
                if let Some(r) = store::request(&mut c, &s.id).await? {
                    let ready = m != Move::Approve || missing(&r, &store::lines(&mut c, &r.id).await?).is_empty();
                    if ready && rules::may_move(p, m, &parties(&r)) {
                        out.push(s);
                    }
                }
            }
        }
        let overdue = self
            .run_list(&mut c, actor, &mine(RequestFilter { overdue_on: Some(today), ..base.clone() }), paging)
            .await?
            .items;
        let week = today.checked_add_days(Days::new(7)).unwrap_or(today);
        let due_this_week = self
            .run_list(&mut c, actor, &mine(RequestFilter { due_between: Some((today, week)), ..base }), paging)
            .await?
            .items;
        drop(c);
        let all: Vec<RequestSummary> =
            [&drafts, &awaiting_my_approval, &awaiting_transmission, &overdue, &due_this_week]
                .into_iter()
                .flatten()
                .cloned()
                .collect();
        self.audit_listed(actor, &all).await?;
        Ok(MyWork { drafts, awaiting_my_approval, awaiting_transmission, overdue, due_this_week })
    }

    /// Open, overdue and executed counts and median turnaround for one partner. These are
    /// aggregates of the Court's own work: shown to the Court's organs, and to the partner's
    /// focal points for their own State.
    pub async fn partner_request_figures(
        &self,
        actor: &Actor,
        partner_id: &str,
    ) -> Result<Option<PartnerRequestFigures>> {
        let p = &actor.principal;
        let allowed = p.unit_kind.is_court_organ()
            || (p.unit_kind == UnitKind::StateFocalPoint && p.unit_state.as_deref() == Some(partner_id));
        if !allowed {
            return Ok(None);
        }
        let mut c = self.db.read().await?;
        let facts = store::facts(&mut c, None, None, Some(partner_id)).await?;
        let today = self.today();
        let mut f = PartnerRequestFigures::default();
        let mut first = Vec::new();
        let mut executed = Vec::new();
        for r in facts.iter().filter(|r| r.direction == Direction::Outgoing.code() && r.transmitted_on.is_some()) {
            let status = Status::parse(&r.status).unwrap_or(Status::Draft);
            if status.is_open() {
                f.open += 1;
            }
            if rules::is_overdue(status, r.deadline, today) {
                f.overdue += 1;
            }
            if status == Status::Executed {
                f.executed += 1;
            }
            if let (Some(t), Some(d)) = (r.transmitted_on, r.first_response_on) {
                first.push(rules::days_between(t, d));
            }
            if let (Some(t), Some(d)) = (r.transmitted_on, r.executed_on) {
                executed.push(rules::days_between(t, d));
            }
        }
        f.median_days_to_first_response = rules::median_and_p90(&mut first).map(|m| m.0);
        f.median_days_to_execution = rules::median_and_p90(&mut executed).map(|m| m.0);
        Ok(Some(f))
    }

    /// Whether the actor's unit may draft requests at all (for showing the "new" button).
    pub fn may_draft_requests(&self, actor: &Actor) -> bool {
        let writes =
            actor.principal.roles.iter().any(|r| matches!(r, Role::Officer | Role::Approver | Role::UnitAdmin));
        writes
            && matches!(
                actor.principal.unit_kind,
                UnitKind::Registry
                    | UnitKind::Otp
                    | UnitKind::Chambers
                    | UnitKind::DefenceTeam
                    | UnitKind::VictimsWitnesses
            )
    }
}

async fn unit_name(ex: &mut impl Executor, id: Option<&str>) -> Result<Option<String>> {
    Ok(match id {
        Some(id) => accounts::unit_by_id(ex, id).await?.map(|u| u.name),
        None => None,
    })
}

fn lines_from(request_id: &str, parsed: &[(LineType, BTreeMap<String, String>, CostAllocation)]) -> Vec<Line> {
    parsed
        .iter()
        .enumerate()
        .map(|(i, (t, content, cost))| Line {
            id: comity_store::new_id(),
            request_id: request_id.to_owned(),
            position: i as i64 + 1,
            line_type: t.code().into(),
            content: serde_json::to_string(content).unwrap_or_else(|_| "{}".into()),
            cost_allocation: cost.code().into(),
            outcome: LineOutcome::Pending.code().into(),
            outcome_on: None,
            outcome_note: String::new(),
        })
        .collect()
}

fn reference_taken(e: comity_store::StoreError) -> AppError {
    match e {
        comity_store::StoreError::Conflict(_) => AppError::field("reference", "is already used by another request"),
        other => other.into(),
    }
}

/// Appends a history step.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn append(
    tx: &mut Tx,
    r: &Request,
    action: &str,
    from: Option<&str>,
    effective_on: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    reason: &str,
    detail: serde_json::Value,
) -> Result<()> {
    let e = Event {
        id: comity_store::new_id(),
        request_id: r.id.clone(),
        seq: 0,
        action: action.to_owned(),
        from_status: from.map(str::to_owned),
        to_status: r.status.clone(),
        effective_on,
        recorded_at: now,
        actor: actor.audit_id().to_owned(),
        reason: reason.to_owned(),
        detail: detail.to_string(),
    };
    store::append_event(tx, &e).await?;
    Ok(())
}
