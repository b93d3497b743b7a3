//! Import of past registers: requests with their lines, parent links and whole history at
//! their real dates, so that figures for past periods come out exact. Rows are keyed by
//! the Court's reference number, so importing the same file twice creates nothing new.
//!
//! The format is documented in `docs/import.md`: JSON (an array of [`ImportRecord`]) or CSV
//! (one row per request, with a date column per milestone).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use comity_domain::{
    access::{Role, UnitKind},
    request::{Direction, Move, OnBehalfOf, Organ, Status},
};
use comity_store::{accounts, requests as store, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    requests::{append, classification_of, LineInput, RequestInput, TransitionInput},
    trail::{self, Target},
    Actor, AppError, Comity, Result,
};

/// One step of a past request's history.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct ImportStep {
    /// A lifecycle move (approve, transmit, acknowledge, start_execution,
    /// record_partial_execution, record_execution, refuse, withdraw, ...).
    pub action: String,
    /// The day it took effect (YYYY-MM-DD).
    pub on: String,
    #[serde(default)]
    pub reason: String,
    pub refusal_ground: Option<String>,
    pub consultation_type: Option<String>,
    pub consultation_outcome: Option<String>,
    pub postponement_ground: Option<String>,
    pub postponed_until: Option<String>,
    pub postponement_condition: Option<String>,
    pub national_reference: Option<String>,
    pub decision_reference: Option<String>,
    #[serde(default)]
    pub line_outcomes: BTreeMap<String, String>,
}

/// One past request.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct ImportRecord {
    /// The Court's reference number: the key that makes re-imports harmless.
    pub reference: String,
    pub direction: Option<String>,
    pub on_behalf_of: String,
    pub kind: Option<String>,
    /// The reference of the parent request (earlier in the file, or already stored).
    pub parent_reference: Option<String>,
    pub partner: String,
    pub title: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub facts: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub situation: String,
    #[serde(default)]
    pub case_name: String,
    pub classification: Option<String>,
    pub urgency: Option<String>,
    pub deadline: Option<String>,
    /// The Defence team a Defence request was made for (unit name), if known.
    pub acting_for_unit: Option<String>,
    /// The day the request was drafted (outgoing) or received (incoming).
    pub drafted_on: Option<String>,
    /// Line types, for registers that record no line content.
    #[serde(default)]
    pub line_types: Vec<String>,
    /// Lines with content; used instead of `line_types` when given.
    #[serde(default)]
    pub lines: Vec<ImportLine>,
    #[serde(default)]
    pub history: Vec<ImportStep>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct ImportLine {
    pub line_type: String,
    #[serde(default)]
    pub content: BTreeMap<String, String>,
    pub cost_allocation: Option<String>,
}

/// A problem found in the file, by row (1-based: the CSV line, or the JSON array position)
/// and field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowProblem {
    pub row: usize,
    pub reference: String,
    pub field: String,
    pub problem: String,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    /// Requests created (or, in a dry run, that would be).
    pub created: usize,
    /// Rows whose reference was already stored: left as they are.
    pub unchanged: usize,
    /// Every problem found; when there is any, nothing is stored.
    pub problems: Vec<RowProblem>,
}

/// The CSV columns, in the order `docs/import.md` documents them.
pub const CSV_COLUMNS: &[&str] = &[
    "reference",
    "direction",
    "on_behalf_of",
    "kind",
    "parent_reference",
    "partner",
    "title",
    "purpose",
    "facts",
    "situation",
    "case_name",
    "classification",
    "urgency",
    "deadline",
    "acting_for_unit",
    "line_types",
    "drafted_on",
    "approved_on",
    "transmitted_on",
    "acknowledged_on",
    "national_reference",
    "execution_started_on",
    "partially_executed_on",
    "executed_on",
    "refused_on",
    "refusal_ground",
    "withdrawn_on",
    "reason",
    "granted_on",
    "answered_on",
];

/// Milestone columns and the move each stands for, in lifecycle order.
const MILESTONES: &[(&str, Move)] = &[
    ("approved_on", Move::Approve),
    ("transmitted_on", Move::Transmit),
    ("acknowledged_on", Move::Acknowledge),
    ("execution_started_on", Move::StartExecution),
    ("partially_executed_on", Move::RecordPartialExecution),
    ("executed_on", Move::RecordExecution),
    ("granted_on", Move::Grant),
    ("refused_on", Move::Refuse),
    ("withdrawn_on", Move::Withdraw),
    ("answered_on", Move::Answer),
];

/// Reads a JSON register: an array of records, or `{"requests": [...]}`.
pub fn parse_json(text: &str) -> std::result::Result<Vec<ImportRecord>, RowProblem> {
    let fail = |field: String, problem: String| RowProblem { row: 0, reference: String::new(), field, problem };
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| fail("file".into(), format!("is not valid JSON: {e}")))?;
    let list = match doc {
        serde_json::Value::Array(_) => doc,
        serde_json::Value::Object(mut o) if o.contains_key("requests") => o.remove("requests").unwrap_or_default(),
        _ => return Err(fail("file".into(), "must be an array of requests, or {\"requests\": [...]}".into())),
    };
    serde_path_to_error::deserialize::<_, Vec<ImportRecord>>(list).map_err(|e| {
        // The path starts with the array position: report it as the (1-based) row.
        let path = e.path().to_string();
        let (row, field) = match path.split_once('.') {
            Some((first, rest)) => (first.trim_start_matches('[').trim_end_matches(']').parse::<usize>().ok(), rest),
            None => (None, path.as_str()),
        };
        RowProblem {
            row: row.map_or(0, |r| r + 1),
            reference: String::new(),
            field: field.to_owned(),
            problem: e.inner().to_string(),
        }
    })
}

/// Reads a CSV register (header row required, columns by name, unknown columns refused).
pub fn parse_csv(text: &str) -> std::result::Result<Vec<(usize, ImportRecord)>, Vec<RowProblem>> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_owned()).collect::<Vec<_>>(),
        Err(e) => return Err(vec![problem(1, "", "header", format!("cannot read the header row: {e}"))]),
    };
    let mut problems = Vec::new();
    for h in &headers {
        if !CSV_COLUMNS.contains(&h.as_str()) {
            problems.push(problem(1, "", h, format!("unknown column; expected some of: {}", CSV_COLUMNS.join(", "))));
        }
    }
    for required in ["reference", "on_behalf_of", "partner", "title"] {
        if !headers.iter().any(|h| h == required) {
            problems.push(problem(1, "", required, "this column is required".into()));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(line, "", "row", format!("cannot read this row: {e}")));
                continue;
            }
        };
        let get = |name: &str| -> String {
            headers.iter().position(|h| h == name).and_then(|i| row.get(i)).unwrap_or("").trim().to_owned()
        };
        let opt = |name: &str| Some(get(name)).filter(|v| !v.is_empty());
        let mut history = Vec::new();
        for (column, m) in MILESTONES {
            if let Some(on) = opt(column) {
                history.push(ImportStep {
                    action: m.code().to_owned(),
                    on,
                    reason: if matches!(m, Move::Refuse | Move::Withdraw) { get("reason") } else { String::new() },
                    refusal_ground: if *m == Move::Refuse { opt("refusal_ground") } else { None },
                    national_reference: if *m == Move::Acknowledge { opt("national_reference") } else { None },
                    ..ImportStep::default()
                });
            }
        }
        // Milestones are applied in date order; ties keep lifecycle order.
        history.sort_by(|a, b| a.on.cmp(&b.on));
        out.push((
            line,
            ImportRecord {
                reference: get("reference"),
                direction: opt("direction"),
                on_behalf_of: get("on_behalf_of"),
                kind: opt("kind"),
                parent_reference: opt("parent_reference"),
                partner: get("partner"),
                title: get("title"),
                purpose: get("purpose"),
                facts: get("facts"),
                legal_basis: String::new(),
                situation: get("situation"),
                case_name: get("case_name"),
                classification: opt("classification"),
                urgency: opt("urgency"),
                deadline: opt("deadline"),
                acting_for_unit: opt("acting_for_unit"),
                drafted_on: opt("drafted_on"),
                line_types: get("line_types")
                    .split(';')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
                lines: Vec::new(),
                history,
            },
        ));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn problem(row: usize, reference: &str, field: &str, problem: String) -> RowProblem {
    RowProblem { row, reference: reference.to_owned(), field: field.to_owned(), problem }
}

/// What an import run shares across its rows.
pub(crate) struct ImportContext;

impl ImportContext {
    /// Past requests are kept by the organ that sent them.
    pub(crate) async fn owner_unit_for(&self, tx: &mut Tx, organ: Organ, _behalf: OnBehalfOf) -> Result<String> {
        let kind = match organ {
            Organ::Registry => UnitKind::Registry,
            Organ::Otp => UnitKind::Otp,
        };
        accounts::first_unit_of_kind(tx, kind.code())
            .await?
            .map(|u| u.id)
            .ok_or_else(|| AppError::Internal(format!("no {} unit exists", kind.code())))
    }
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

impl Comity {
    /// Imports a register. Everything is checked first; if any row has a problem nothing is
    /// stored, and the report lists every problem. A dry run checks and stores nothing.
    pub async fn import_requests(
        &self,
        actor: &Actor,
        rows: &[(usize, ImportRecord)],
        dry_run: bool,
        mut progress: impl FnMut(usize),
    ) -> Result<ImportReport> {
        let p = &actor.principal;
        let allowed = p.has(Role::SystemAdmin) || (p.unit_kind == UnitKind::Registry && p.has(Role::UnitAdmin));
        if !allowed {
            return Err(AppError::Forbidden);
        }
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let mut report = ImportReport { dry_run, rows: rows.len(), ..ImportReport::default() };
        let mut seen = std::collections::BTreeSet::new();
        for (n, (row, rec)) in rows.iter().enumerate() {
            progress(n + 1);
            let reference = rec.reference.trim();
            if reference.is_empty() {
                report.problems.push(problem(*row, "", "reference", "is required: rows are keyed by it".into()));
                continue;
            }
            if !seen.insert(reference.to_owned()) {
                report.problems.push(problem(*row, reference, "reference", "appears twice in the file".into()));
                continue;
            }
            if store::request_by_reference(&mut tx, reference).await?.is_some() {
                report.unchanged += 1;
                continue;
            }
            match self.import_one(&mut tx, actor, rec, today, now).await {
                Ok(()) => report.created += 1,
                Err(AppError::Validation(fields)) => {
                    for (field, msg) in fields.0 {
                        report.problems.push(problem(*row, reference, &field, msg));
                    }
                }
                Err(AppError::InvalidTransition { from, attempted, allowed }) => report.problems.push(problem(
                    *row,
                    reference,
                    "history",
                    format!(
                        "'{attempted}' cannot follow '{from}' (allowed then: {})",
                        if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") }
                    ),
                )),
                Err(AppError::Conflict(m)) => report.problems.push(problem(*row, reference, "row", m)),
                Err(other) => return Err(other),
            }
        }
        if dry_run || !report.problems.is_empty() {
            // Dropping the transaction rolls back everything the checks wrote.
            drop(tx);
            if !report.problems.is_empty() {
                report.created = 0;
            }
            return Ok(report);
        }
        trail::record(
            &mut tx,
            now,
            actor,
            "request.import_run",
            Target::new(
                comity_domain::access::RecordKind::Request,
                "*",
                comity_domain::access::Classification::Internal,
            ),
            serde_json::json!({ "rows": report.rows, "created": report.created, "unchanged": report.unchanged }),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn import_one(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        rec: &ImportRecord,
        today: NaiveDate,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let direction = rec.direction.as_deref().and_then(Direction::parse).unwrap_or(Direction::Outgoing);
        let mut e = comity_domain::validation::FieldErrors::new();
        let mut dates = Vec::new();
        for (i, step) in rec.history.iter().enumerate() {
            match parse_day(&step.on) {
                Some(d) if d > today => e.add(format!("history[{i}].on"), "cannot be in the future"),
                Some(d) => dates.push(d),
                None => e.add(format!("history[{i}].on"), "must be a date written YYYY-MM-DD"),
            }
        }
        let drafted_on = match rec.drafted_on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => match parse_day(d) {
                Some(d) => Some(d),
                None => {
                    e.add("drafted_on", "must be a date written YYYY-MM-DD");
                    None
                }
            },
            None => None,
        }
        .or_else(|| dates.iter().min().copied())
        .unwrap_or(today);
        let parent_id = match rec.parent_reference.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => match store::request_by_reference(tx, p).await? {
                Some(parent) => Some(parent.id),
                None => {
                    e.add("parent_reference", format!("no request '{p}' is stored or earlier in the file"));
                    None
                }
            },
            None => None,
        };
        e.into_result()?;
        let lines: Vec<LineInput> = if rec.lines.is_empty() {
            rec.line_types.iter().map(|t| LineInput { line_type: t.clone(), ..LineInput::default() }).collect()
        } else {
            rec.lines
                .iter()
                .map(|l| LineInput {
                    line_type: l.line_type.clone(),
                    content: l.content.clone(),
                    cost_allocation: l.cost_allocation.clone(),
                })
                .collect()
        };
        let input = RequestInput {
            reference: Some(rec.reference.trim().to_owned()),
            direction: Some(direction.code().to_owned()),
            on_behalf_of: rec.on_behalf_of.clone(),
            kind: rec.kind.clone(),
            parent_id,
            partner_id: rec.partner.clone(),
            title: rec.title.clone(),
            purpose: rec.purpose.clone(),
            facts: rec.facts.clone(),
            legal_basis: rec.legal_basis.clone(),
            situation: rec.situation.clone(),
            case_name: rec.case_name.clone(),
            persons: Vec::new(),
            urgency: rec.urgency.clone(),
            deadline: rec.deadline.clone(),
            cost_allocation: None,
            classification: rec.classification.clone(),
            acting_for_unit: rec.acting_for_unit.clone(),
            chamber_unit: None,
            responsible_user: None,
            decision_reference: String::new(),
            received_on: (direction == Direction::Incoming).then(|| drafted_on.to_string()),
            lines,
        };
        let (mut r, lines) = self.new_request(tx, actor, &input, today, Some(&ImportContext)).await?;
        if lines.is_empty() {
            return Err(AppError::field("line_types", "at least one line type is required"));
        }
        store::insert_request(tx, &r).await?;
        for l in &lines {
            store::insert_line(tx, l).await?;
        }
        let first = if direction == Direction::Incoming { "receive" } else { "create" };
        append(tx, &r, first, None, drafted_on, now, actor, "imported", serde_json::json!({ "imported": true }))
            .await?;
        trail::record(
            tx,
            now,
            actor,
            "request.import",
            Target::new(comity_domain::access::RecordKind::Request, &r.id, classification_of(&r.classification)),
            serde_json::json!({ "reference": r.reference }),
        )
        .await?;
        for (i, step) in rec.history.iter().enumerate() {
            let Some(m) = Move::parse(step.action.trim()) else {
                return Err(AppError::field(
                    &format!("history[{i}].action"),
                    format!("unknown move '{}'", step.action),
                ));
            };
            // Registers rarely record the approval: a transmission implies it.
            if m == Move::Transmit && matches!(Status::parse(&r.status), Some(Status::Draft | Status::PreConsultation))
            {
                let approve = TransitionInput {
                    action: Move::Approve.code().into(),
                    effective_on: Some(step.on.clone()),
                    ..TransitionInput::default()
                };
                r = self.apply_move(tx, actor, r, Move::Approve, &approve, today, now, true).await?;
            }
            let input = TransitionInput {
                action: step.action.clone(),
                reason: if step.reason.is_empty() && m.needs_reason() {
                    "recorded in the imported register".into()
                } else {
                    step.reason.clone()
                },
                effective_on: Some(step.on.clone()),
                version: None,
                refusal_ground: step.refusal_ground.clone().or_else(|| (m == Move::Refuse).then(|| "other".into())),
                consultation_type: step.consultation_type.clone(),
                consultation_outcome: step.consultation_outcome.clone(),
                postponement_ground: step.postponement_ground.clone(),
                postponed_until: step.postponed_until.clone(),
                postponement_condition: step.postponement_condition.clone(),
                national_reference: step.national_reference.clone(),
                decision_reference: step.decision_reference.clone(),
                note_verbale: None,
                line_outcomes: step.line_outcomes.clone(),
            };
            r = self.apply_move(tx, actor, r, m, &input, today, now, true).await.map_err(|e| match e {
                AppError::Validation(f) => AppError::Validation(comity_domain::validation::FieldErrors(
                    f.0.into_iter().map(|(k, v)| (format!("history[{i}].{k}"), v)).collect(),
                )),
                other => other,
            })?;
        }
        Ok(())
    }
}
