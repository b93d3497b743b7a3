//! The pages of arrest and surrender: warrants and the persons they name, the travel-alert
//! board and its triage, the démarches made with States, the non-compliance findings with
//! the Assembly's procedure, and the public page of warrants that anyone may read. Every
//! page works without JavaScript; forms are small and say what went wrong field by field.

pub mod alerts;
pub mod compliance;
pub mod detail;
pub mod list;
pub mod persons;
pub mod public;

use std::collections::BTreeMap;

use axum::extract::DefaultBodyLimit;
use comity_app::{
    demarches::{DemarcheInput, DemarcheView},
    partners::PartnerQuery,
    requests::RequestSummary,
    warrants::{WarrantQuery, WarrantSummary},
    Actor, AppError,
};
use comity_domain::warrant::{DemarcheKind, PersonStatus};

use crate::{
    i18n::Tr,
    ui::{
        directory::Choice,
        requests::{line_type_label, FormErrors},
    },
    AppState,
};

/// Room for the largest accepted file and the form around it.
pub fn upload_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(comity_app::documents::MAX_UPLOAD_BYTES + 64 * 1024)
}

/// A trimmed value, or none when empty.
pub fn opt(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Codes typed in a field: separated by commas, spaces or lines.
pub fn split_codes(text: &str) -> Vec<String> {
    text.split([',', ';', ' ', '\n', '\r', '\t']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect()
}

/// Entries typed one per line.
pub fn split_lines(text: &str) -> Vec<String> {
    text.split(['\n', '\r']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect()
}

/// Names typed one per line or separated by commas (unit names).
pub fn split_names(text: &str) -> Vec<String> {
    text.split(['\n', '\r', ',']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect()
}

/// The label of a form field by its HTML id, without the form's prefix.
pub fn field_label(tr: &Tr, id: &str) -> String {
    let key = format!("fld-{}", id.replace(['_', '.'], "-"));
    let label = tr.t(&key);
    if label == key {
        id.replace(['_', '-'], " ")
    } else {
        label
    }
}

/// The application's field errors for a form whose ids carry `prefix`, each labelled as
/// the form labels it.
pub fn form_errors(tr: &Tr, fields: BTreeMap<String, String>, prefix: &str) -> FormErrors {
    let prefixed: BTreeMap<String, String> = fields.into_iter().map(|(k, v)| (format!("{prefix}{k}"), v)).collect();
    let mut errors = FormErrors::from_fields(tr, prefixed, &|_| true, None);
    for e in &mut errors.list {
        let id = e.href.trim_start_matches('#');
        e.label = field_label(tr, id.strip_prefix(prefix).unwrap_or(id));
    }
    errors
}

/// What went wrong with a form, as a page can show it, or the error that is not a form's.
pub fn refusal(
    tr: &Tr,
    e: AppError,
    prefix: &str,
    here: &str,
) -> Result<(axum::http::StatusCode, FormErrors, bool), AppError> {
    use axum::http::StatusCode;
    match e {
        AppError::Validation(f) => Ok((StatusCode::UNPROCESSABLE_ENTITY, form_errors(tr, f.0, prefix), false)),
        AppError::StaleVersion { .. } => {
            Ok((StatusCode::CONFLICT, FormErrors::general(tr.t("stale-title"), tr.t("w-stale"), here), true))
        }
        AppError::Conflict(m) => Ok((StatusCode::CONFLICT, FormErrors::general(tr.t("form-errors"), m, here), false)),
        AppError::InvalidTransition { .. } => {
            Ok((StatusCode::CONFLICT, FormErrors::general(tr.t("form-errors"), tr.t("w-moved-meanwhile"), here), false))
        }
        other => Err(other),
    }
}

/// Choices of a vocabulary, labelled by `prefix-code`, with an optional empty first choice.
pub fn vocab(tr: &Tr, prefix: &str, codes: &[&str], selected: &str, empty: Option<String>) -> Vec<Choice> {
    let mut out = Vec::new();
    if let Some(label) = empty {
        out.push(Choice { value: String::new(), label, selected: selected.is_empty() });
    }
    out.extend(codes.iter().map(|c| Choice {
        value: (*c).to_owned(),
        label: tr.code(prefix, c),
        selected: *c == selected,
    }));
    out
}

/// The partners to choose from, by name in the reader's language with their code; `states`
/// keeps only States.
pub async fn partner_choices(s: &AppState, actor: &Actor, tr: &Tr, selected: &[String], states: bool) -> Vec<Choice> {
    let q = PartnerQuery {
        kind: states.then(|| "state".to_owned()),
        per_page: Some(500),
        sort: Some("name".into()),
        ..PartnerQuery::default()
    };
    let items = s.app.list_partners(actor, &q).await.map(|p| p.items).unwrap_or_default();
    let mut out: Vec<Choice> = items
        .into_iter()
        .map(|p| {
            let code = p.iso3.clone().unwrap_or(p.id.clone());
            let chosen = selected
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&p.id) || p.iso3.as_deref().is_some_and(|i| s.eq_ignore_ascii_case(i)));
            Choice {
                label: format!("{} ({code})", tr.name(&p.name, p.name_fr.as_deref())),
                value: p.id,
                selected: chosen,
            }
        })
        .collect();
    out.sort_by_key(|c| c.label.to_lowercase());
    out
}

/// The persons the reader may see (through the warrants naming them), to choose from.
pub async fn person_choices(s: &AppState, actor: &Actor, tr: &Tr, selected: &str) -> Vec<Choice> {
    let warrants = s.app.list_warrants(actor, &WarrantQuery::default()).await.unwrap_or_default();
    let mut by_person: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for w in &warrants {
        by_person
            .entry(w.person_id.clone())
            .or_insert_with(|| (w.person_name.clone(), Vec::new()))
            .1
            .push(w.reference.clone());
    }
    let mut out =
        vec![Choice { value: String::new(), label: tr.t("al-person-unknown"), selected: selected.is_empty() }];
    let mut known: Vec<Choice> = by_person
        .into_iter()
        .map(|(id, (name, refs))| Choice {
            selected: id == selected,
            label: format!("{name} ({})", refs.join(", ")),
            value: id,
        })
        .collect();
    known.sort_by_key(|c| c.label.to_lowercase());
    out.extend(known);
    if !selected.is_empty() && !out.iter().any(|c| c.selected) {
        out.push(Choice { value: selected.to_owned(), label: selected.to_owned(), selected: true });
    }
    out
}

/// A person's status in the reader's language.
pub fn person_status(tr: &Tr, code: &str) -> String {
    tr.code("pstatus", code)
}

/// The person statuses, for a select.
pub fn status_codes() -> Vec<&'static str> {
    PersonStatus::ALL.iter().map(|s| s.code()).collect()
}

/// A warrant as a row of a table.
pub struct WarrantRow {
    pub id: String,
    pub reference: String,
    pub person_id: String,
    pub person_name: String,
    pub kind_label: String,
    pub case_name: String,
    pub situation: String,
    pub chamber: String,
    pub issued_on: String,
    pub status: String,
    pub status_label: String,
    pub status_on: String,
    pub sealed: bool,
    pub unsealed_on: String,
}

impl WarrantRow {
    pub fn new(tr: &Tr, w: &WarrantSummary) -> Self {
        WarrantRow {
            id: w.id.clone(),
            reference: w.reference.clone(),
            person_id: w.person_id.clone(),
            person_name: w.person_name.clone(),
            kind_label: tr.code("wkind", &w.kind),
            case_name: w.case_name.clone(),
            situation: w.situation.clone(),
            chamber: w.chamber.clone(),
            issued_on: w.issued_on.to_string(),
            status: w.status.clone(),
            status_label: person_status(tr, &w.status),
            status_on: w.status_on.to_string(),
            sealed: w.under_seal,
            unsealed_on: w.unsealed_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// A request sent under a warrant (or to a destination), as a row.
pub struct RequestRow {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub partner: String,
    pub status: String,
    pub status_label: String,
    pub line_types: String,
    pub transmitted: String,
    pub deadline: String,
    pub overdue: bool,
}

impl RequestRow {
    pub fn new(tr: &Tr, r: &RequestSummary) -> Self {
        RequestRow {
            id: r.id.clone(),
            reference: r.reference.clone(),
            title: r.title.clone(),
            partner: tr.name(&r.partner_name, r.partner_name_fr.as_deref()),
            status: r.status.clone(),
            status_label: tr.code("rstatus", &r.status),
            line_types: r.line_types.iter().map(|t| line_type_label(tr, t)).collect::<Vec<_>>().join("; "),
            transmitted: r.transmitted_on.map(|d| d.to_string()).unwrap_or_default(),
            deadline: r.deadline.map(|d| d.to_string()).unwrap_or_default(),
            overdue: r.overdue,
        }
    }
}

/// A démarche as a list shows it.
pub struct DemarcheRow {
    pub on: String,
    pub kind_label: String,
    pub with: String,
    pub partner_id: String,
    pub summary: String,
    pub outcome: String,
    pub by: String,
}

/// The démarches about something, and the form to log one.
pub struct DemarcheBlock {
    pub action: String,
    pub rows: Vec<DemarcheRow>,
    pub may_log: bool,
    pub kinds: Vec<Choice>,
    pub partners: Vec<Choice>,
    pub v: DemarcheValues,
    pub today: String,
    /// The form was sent and refused: show it open.
    pub open: bool,
}

/// What the démarche form holds.
#[derive(Default, Clone)]
pub struct DemarcheValues {
    pub kind: String,
    pub partner_id: String,
    pub organisation: String,
    pub happened_on: String,
    pub summary: String,
    pub outcome: String,
}

impl DemarcheValues {
    pub fn parse(f: &crate::ui::requests::Fields) -> Self {
        DemarcheValues {
            kind: f.one("dm-kind"),
            partner_id: f.one("dm-partner_id"),
            organisation: f.one("dm-organisation"),
            happened_on: f.one("dm-happened_on"),
            summary: f.one("dm-summary"),
            outcome: f.one("dm-outcome"),
        }
    }

    /// The input for the application, about the records given.
    pub fn input(&self, person_id: Option<&str>, alert_id: Option<&str>) -> DemarcheInput {
        DemarcheInput {
            kind: self.kind.trim().to_owned(),
            partner_id: opt(&self.partner_id),
            organisation: self.organisation.trim().to_owned(),
            person_id: person_id.map(str::to_owned),
            request_id: None,
            alert_id: alert_id.map(str::to_owned),
            happened_on: opt(&self.happened_on),
            summary: self.summary.clone(),
            outcome: self.outcome.clone(),
        }
    }
}

pub fn demarche_rows(tr: &Tr, list: &[DemarcheView]) -> Vec<DemarcheRow> {
    let mut rows: Vec<&DemarcheView> = list.iter().collect();
    rows.sort_by_key(|d| std::cmp::Reverse(d.happened_on));
    rows.into_iter()
        .map(|d| DemarcheRow {
            on: d.happened_on.to_string(),
            kind_label: tr.code("dkind", &d.kind),
            with: d.partner_name.clone().unwrap_or_else(|| d.organisation.clone()),
            partner_id: d.partner_id.clone().unwrap_or_default(),
            summary: d.summary.clone(),
            outcome: d.outcome.clone(),
            by: d.created_by.clone(),
        })
        .collect()
}

pub async fn demarche_block(
    s: &AppState,
    actor: &Actor,
    tr: &Tr,
    action: String,
    list: &[DemarcheView],
    v: DemarcheValues,
) -> DemarcheBlock {
    let may_log = s.app.may_log_demarches(actor);
    let kinds: Vec<&str> = DemarcheKind::ALL.iter().map(|k| k.code()).collect();
    let kind = if v.kind.is_empty() { DemarcheKind::NoteVerbale.code().to_owned() } else { v.kind.clone() };
    let partners = if may_log {
        let mut p =
            vec![Choice { value: String::new(), label: tr.t("dm-no-state"), selected: v.partner_id.is_empty() }];
        p.extend(partner_choices(s, actor, tr, std::slice::from_ref(&v.partner_id), false).await);
        p
    } else {
        Vec::new()
    };
    DemarcheBlock {
        action,
        rows: demarche_rows(tr, list),
        may_log,
        kinds: vocab(tr, "dkind", &kinds, &kind, None),
        partners,
        open: !v.kind.is_empty(),
        v,
        today: s.app.today().to_string(),
    }
}

/// Logs the démarche a page's form sent and answers with the way back to the list of
/// démarches on `back`. A refusal the page should show again comes back as the values typed and why;
/// a forged form is answered at once.
pub async fn submit_demarche(
    s: &AppState,
    session: &comity_app::auth::SessionState,
    body: &[u8],
    about: impl FnOnce(&DemarcheValues) -> DemarcheInput,
    back: &str,
) -> Result<axum::response::Response, (DemarcheValues, AppError)> {
    use axum::response::{IntoResponse, Redirect};
    let f = crate::ui::requests::Fields::parse(body);
    if !crate::ui::csrf_ok(session, &f.one("csrf")) {
        return Ok(crate::ui::csrf_refused());
    }
    let v = DemarcheValues::parse(&f);
    match s.app.log_demarche(&session.actor, &about(&v)).await {
        Ok(_) => Ok(Redirect::to(&format!("{back}#demarches")).into_response()),
        Err(e) => Err((v, e)),
    }
}

/// A success message for `?done=`, when the code is one of ours.
pub fn done_message(tr: &Tr, done: Option<&str>) -> String {
    match done {
        Some(
            d @ ("created" | "saved" | "status" | "unsealed" | "sent" | "confirm" | "dismiss" | "close" | "demarche"
            | "photo" | "step" | "person"),
        ) => tr.code("wdone", d),
        _ => String::new(),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
    pub count: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_lines_are_split_as_typed() {
        assert_eq!(split_codes("ARG, fra;KEN\nZAF  "), ["ARG", "fra", "KEN", "ZAF"]);
        assert_eq!(split_lines("Umar Hasan\r\n\n  Omer el-Béchir "), ["Umar Hasan", "Omer el-Béchir"]);
        assert!(split_codes(" , ").is_empty());
    }
}
