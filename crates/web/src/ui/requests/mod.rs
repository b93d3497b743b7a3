//! The request pages: the list and the work queues, guided drafting against the Statute
//! checklists, the request page with its history, the lifecycle moves as small forms, and
//! the documents. Every page works without JavaScript; htmx only saves page loads.

mod detail;
mod documents;
mod draft;
mod list;
mod moves;

use std::collections::BTreeMap;

use axum::{
    routing::{get, post},
    Router,
};
use comity_app::letter::LetterLanguage;
use comity_domain::request::LineType;

use crate::{
    i18n::{Lang, Tr},
    AppState,
};

pub use list::{partner_figures, PartnerFigures};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(list::list).post(draft::create))
        .route("/requests/new", get(draft::new_form))
        .route("/requests/{id}", get(detail::page))
        .route("/requests/{id}/edit", get(draft::edit_form).post(draft::save_edit))
        .route("/requests/{id}/moves/{move}", get(moves::form).post(moves::submit))
        .route("/requests/{id}/documents", post(documents::upload).layer(documents::upload_limit()))
        .route("/requests/{id}/documents/{doc}", get(documents::download))
        .route("/requests/{id}/letter", post(documents::letter))
        .route("/requests/{id}/receipts/{number}", get(documents::receipt))
        .route("/requests/{id}/messages", post(documents::message).layer(documents::upload_limit()))
        .route("/my-work", get(list::my_work))
}

/// A submitted form as name/value pairs, in order, keeping repeated names.
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Fields(form_urlencoded::parse(body).into_owned().collect())
    }

    pub fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// The HTML id (and form name) of a field the application names `lines[0].content.key`:
/// `lines-0-content-key`, safe in a URL fragment.
pub fn field_id(key: &str) -> String {
    key.chars()
        .filter(|c| *c != ']')
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
        .collect()
}

/// One problem in a form, linked to its field.
pub struct FormError {
    /// Where the summary's link goes: `#id` on the same page, or another page's field.
    pub href: String,
    pub label: String,
    pub message: String,
}

/// The problems of a submitted form: the summary at the top, and each field's own message.
#[derive(Default)]
pub struct FormErrors {
    pub list: Vec<FormError>,
    by_id: BTreeMap<String, String>,
}

impl FormErrors {
    /// Builds the errors from the application's field map. `elsewhere` names the page that
    /// holds fields this form does not show (the draft form, for an approval's checklist).
    pub fn from_fields(
        tr: &Tr,
        fields: BTreeMap<String, String>,
        here: &dyn Fn(&str) -> bool,
        elsewhere: Option<&str>,
    ) -> Self {
        let mut e = FormErrors::default();
        for (key, problem) in fields {
            let id = field_id(&key);
            let message = message(tr, &problem);
            let href = match elsewhere {
                Some(page) if !here(&id) => format!("{page}#{id}"),
                _ => format!("#{id}"),
            };
            e.list.push(FormError { href, label: field_label(tr, &key), message: message.clone() });
            e.by_id.insert(id, message);
        }
        e
    }

    /// A problem that belongs to no single field (a stale version, a refused move).
    pub fn general(label: String, message: String, href: &str) -> Self {
        FormErrors { list: vec![FormError { href: href.to_owned(), label, message }], by_id: BTreeMap::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The message for the field with this HTML id, if any.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.by_id.get(id).map(String::as_str)
    }

    /// `aria-invalid` and `aria-describedby` for a field with this id.
    pub fn aria(&self, id: &str) -> String {
        if self.by_id.contains_key(id) {
            format!(r#"aria-invalid="true" aria-describedby="{id}-error""#)
        } else {
            String::new()
        }
    }
}

/// The application's validation messages are English; the common ones are said in the
/// reader's language, the rest shown as they are.
pub fn message(tr: &Tr, problem: &str) -> String {
    if problem == "is required" || problem == "is required for this move" {
        return tr.t("err-required");
    }
    if let Some(p) = problem.strip_prefix("is required (").and_then(|p| p.strip_suffix(')')) {
        return tr.t1("err-required-by", "provision", p);
    }
    if problem == "must be today or later" {
        return tr.t("err-today-or-later");
    }
    if problem == "cannot be later than the day it is recorded" || problem == "cannot be later than today" {
        return tr.t("err-not-future");
    }
    if let Some(d) =
        problem.strip_prefix("cannot be earlier than the previous step (").and_then(|p| p.strip_suffix(')'))
    {
        return tr.t1("err-before-previous", "date", d);
    }
    if let Some(p) = problem.strip_prefix("unknown partner '").and_then(|p| p.strip_suffix('\'')) {
        return tr.t1("err-unknown-partner", "partner", p);
    }
    if problem.starts_with("must be a date") || problem.contains("YYYY-MM-DD") {
        return tr.t("err-date");
    }
    problem.to_owned()
}

/// The label of a field as the forms show it.
pub fn field_label(tr: &Tr, key: &str) -> String {
    if let Some(rest) = key.strip_prefix("lines[") {
        if let Some((n, tail)) = rest.split_once(']') {
            let line = n.parse::<usize>().map(|n| n + 1).unwrap_or(0);
            let what = match tail.trim_start_matches('.') {
                "line_type" => tr.t("rf-line-type"),
                "cost_allocation" => tr.t("rf-cost-allocation"),
                t => match t.strip_prefix("content.") {
                    Some(k) => checklist_label(tr, k),
                    None => t.to_owned(),
                },
            };
            return format!("{} — {what}", tr.t1("line-n", "n", line));
        }
    }
    if let Some(n) = key.strip_prefix("line_outcomes.") {
        return format!("{} — {}", tr.t1("line-n", "n", n), tr.t("rf-outcome"));
    }
    tr.code("rf", key)
}

/// The letter templates' language matching the page's (English for Spanish and Arabic
/// pages, until the letters have templates in those languages).
pub fn letter_language(tr: &Tr) -> LetterLanguage {
    match tr.lang {
        Lang::En | Lang::Es | Lang::Ar => LetterLanguage::English,
        Lang::Fr => LetterLanguage::French,
    }
}

/// A line type's name with its provision, in the reader's language.
pub fn line_type_label(tr: &Tr, code: &str) -> String {
    match LineType::parse(code) {
        Some(t) => comity_app::letter::line_type_title(t, letter_language(tr)).to_owned(),
        None => code.replace('_', " "),
    }
}

/// A checklist point's label in the reader's language.
pub fn checklist_label(tr: &Tr, key: &str) -> String {
    match key {
        // The request's own points (art. 96(2)(a), (c)) and the completeness extras.
        "purpose" | "facts" | "lines" | "deadline" => tr.code("rf", key),
        k => comity_app::letter::checklist_label(k, letter_language(tr)).to_owned(),
    }
}

/// The provision a line type's checklist cites for a key.
pub fn provision_of(line_type: Option<LineType>, key: &str) -> &'static str {
    line_type.and_then(|t| t.checklist().iter().find(|i| i.key == key)).map_or("", |i| i.provision)
}

/// Formats a day count for the figures.
pub fn days(tr: &Tr, n: i64) -> String {
    tr.t1("days-n", "n", n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ids_are_safe_in_fragments() {
        assert_eq!(field_id("lines[0].content.person_description"), "lines-0-content-person_description");
        assert_eq!(field_id("line_outcomes.2"), "line_outcomes-2");
        assert_eq!(field_id("title"), "title");
    }
}
