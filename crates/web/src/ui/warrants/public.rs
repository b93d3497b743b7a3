//! The page anyone may read, signed in or not: the public warrants and the count of persons
//! at large on a day. Nothing under seal or restricted reaches it, not even as a number.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;

use super::{form_errors, WarrantRow};
use crate::{
    auth::MaybeSession,
    ui::{render, requests::FormErrors, Chrome, UiError},
    AppState,
};

#[derive(serde::Deserialize, Default)]
pub struct OnQuery {
    on: Option<String>,
}

/// A person at large on the day.
pub struct AtLargeRow {
    pub name: String,
    pub reference: String,
    pub case_name: String,
    pub issued_on: String,
}

#[derive(Template)]
#[template(path = "public_warrants.html")]
struct Page {
    c: Chrome,
    on: String,
    today: String,
    at_large: usize,
    named: Vec<AtLargeRow>,
    rows: Vec<WarrantRow>,
    errors: FormErrors,
}

pub async fn page(
    State(s): State<AppState>,
    MaybeSession(session): MaybeSession,
    q: Result<Query<OnQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let c = Chrome::new(&s, session.as_ref(), "public-warrants", "/public/warrants").await;
    let today = s.app.today();
    let asked = q.ok().and_then(|q| q.0.on).unwrap_or_default();
    let mut errors = FormErrors::default();
    let on = match asked.trim() {
        "" => today,
        d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                let mut m = std::collections::BTreeMap::new();
                m.insert("on".to_owned(), "must be a date (YYYY-MM-DD)".to_owned());
                errors = form_errors(&c.tr, m, "");
                today
            }
        },
    };
    let (stats, warrants) = match (s.app.public_warrant_statistics(on).await, s.app.public_warrants().await) {
        (Ok(st), Ok(w)) => (st, w),
        (Err(e), _) | (_, Err(e)) => return UiError(e).into_response(),
    };
    let page = Page {
        on: on.to_string(),
        today: today.to_string(),
        at_large: stats.at_large,
        named: stats
            .named
            .iter()
            .map(|n| AtLargeRow {
                name: n.name.clone(),
                reference: n.reference.clone(),
                case_name: n.case_name.clone(),
                issued_on: n.issued_on.to_string(),
            })
            .collect(),
        rows: warrants.iter().filter(|w| w.issued_on <= on).map(|w| WarrantRow::new(&c.tr, w)).collect(),
        errors,
        c,
    };
    let code = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (code, render(&page)).into_response()
}
