//! The list of requests with its filters, and the user's work queues.

use askama::Template;
use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use comity_app::{
    auth::SessionState,
    partners::PartnerQuery,
    requests::{PartnerRequestFigures, RequestQuery, RequestSummary},
    Actor, AppError,
};
use comity_domain::request::{Direction, LineType, OnBehalfOf, Organ, Status};

use super::{line_type_label, FormErrors};
use crate::{
    auth::UiSession,
    extract::ApiQuery,
    i18n::Tr,
    ui::{
        directory::{Choice, SortLink},
        is_htmx, render, Chrome, UiError,
    },
    AppState,
};

/// A request as a row of a table.
pub struct Row {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub partner: String,
    pub status: String,
    pub status_label: String,
    pub deadline: String,
    pub overdue: bool,
    pub urgent: bool,
    pub transmitted: String,
    pub line_types: Vec<String>,
}

impl Row {
    pub fn new(tr: &Tr, s: &RequestSummary) -> Self {
        Row {
            id: s.id.clone(),
            reference: s.reference.clone(),
            title: s.title.clone(),
            partner: tr.name(&s.partner_name, s.partner_name_fr.as_deref()),
            status: s.status.clone(),
            status_label: tr.code("rstatus", &s.status),
            deadline: s.deadline.map(|d| d.to_string()).unwrap_or_default(),
            overdue: s.overdue,
            urgent: s.urgency == "urgent",
            transmitted: s.transmitted_on.map(|d| d.to_string()).unwrap_or_default(),
            line_types: s.line_types.iter().map(|t| line_type_label(tr, t)).collect(),
        }
    }
}

/// One page of results, shown in the full page and in the htmx fragment alike.
pub struct Results {
    pub rows: Vec<Row>,
    pub count: String,
    pub page: i64,
    pub pages: i64,
    pub sorts: Vec<SortLink>,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub csv_href: String,
    pub json_href: String,
    pub filtered: bool,
}

/// The filter form's current values and choices.
pub struct Filters {
    pub q: String,
    pub situation: String,
    pub from: String,
    pub to: String,
    pub overdue: bool,
    pub directions: Vec<Choice>,
    pub organs: Vec<Choice>,
    pub behalfs: Vec<Choice>,
    pub partners: Vec<Choice>,
    pub line_types: Vec<Choice>,
    pub statuses: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListPage {
    c: Chrome,
    f: Filters,
    res: Results,
    may_draft: bool,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "requests_results.html")]
struct ListResults {
    c: Chrome,
    res: Results,
}

fn choices(tr: &Tr, prefix: &str, codes: &[&str], selected: Option<&str>) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| Choice { value: (*c).into(), label: tr.code(prefix, c), selected: selected == Some(*c) })
        .collect()
}

/// The partners a user may pick, by name in their language.
pub async fn partner_choices(s: &AppState, actor: &Actor, tr: &Tr, selected: &str) -> Vec<Choice> {
    let q = PartnerQuery { per_page: Some(500), sort: Some("name".into()), ..PartnerQuery::default() };
    let page = s.app.list_partners(actor, &q).await.map(|p| p.items).unwrap_or_default();
    let mut out: Vec<Choice> = page
        .into_iter()
        .map(|p| {
            let name = tr.name(&p.name, p.name_fr.as_deref());
            let code = p.iso3.clone().unwrap_or(p.id.clone());
            let is = selected.eq_ignore_ascii_case(&p.id)
                || p.iso3.as_deref().is_some_and(|i| selected.eq_ignore_ascii_case(i));
            Choice { value: p.id, label: format!("{name} ({code})"), selected: is }
        })
        .collect();
    out.sort_by_key(|c| c.label.to_lowercase());
    // Keep what was typed even when it names no partner, so the form shows it back.
    if !selected.trim().is_empty() && !out.iter().any(|c| c.selected) {
        out.insert(0, Choice { value: selected.to_owned(), label: selected.to_owned(), selected: true });
    }
    out
}

/// The filters as a query string, without sorting and paging.
fn filter_query(q: &RequestQuery) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", &q.q),
        ("direction", &q.direction),
        ("organ", &q.organ),
        ("on_behalf_of", &q.on_behalf_of),
        ("partner", &q.partner),
        ("line_type", &q.line_type),
        ("status", &q.status),
        ("situation", &q.situation),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            s.append_pair(k, v);
        }
    }
    if q.overdue == Some(true) {
        s.append_pair("overdue", "true");
    }
    s.finish()
}

fn with(base: &str, extra: &str) -> String {
    match (base.is_empty(), extra.is_empty()) {
        (true, _) => extra.to_owned(),
        (false, true) => base.to_owned(),
        (false, false) => format!("{base}&{extra}"),
    }
}

const SORTS: &[(&str, &str)] = &[
    ("reference", "col-reference"),
    ("title", "col-title"),
    ("", "col-partner"),
    ("status", "col-status"),
    ("deadline", "col-deadline"),
    ("transmitted", "col-transmitted"),
];

fn sort_links(q: &RequestQuery, base: &str, tr: &Tr) -> Vec<SortLink> {
    let current = q.sort.as_deref().filter(|s| !s.is_empty()).unwrap_or("updated");
    let desc = match q.order.as_deref() {
        Some("desc") => true,
        Some("asc") => false,
        _ => current == "updated",
    };
    SORTS
        .iter()
        .map(|(col, key)| {
            if col.is_empty() {
                return SortLink { label: tr.t(key), href: String::new(), aria_sort: "" };
            }
            let active = current == *col;
            let order = if active && !desc { "desc" } else { "asc" };
            SortLink {
                label: tr.t(key),
                href: format!("/requests?{}", with(base, &format!("sort={col}&order={order}"))),
                aria_sort: match (active, desc) {
                    (false, _) => "",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
            }
        })
        .collect()
}

fn filters(tr: &Tr, q: &RequestQuery, partners: Vec<Choice>) -> Filters {
    let directions: Vec<&str> = Direction::ALL.iter().map(|d| d.code()).collect();
    let organs: Vec<&str> = Organ::ALL.iter().map(|d| d.code()).collect();
    let behalfs: Vec<&str> = OnBehalfOf::ALL.iter().map(|d| d.code()).collect();
    let statuses: Vec<&str> = Status::ALL.iter().map(|d| d.code()).collect();
    Filters {
        q: q.q.clone().unwrap_or_default(),
        situation: q.situation.clone().unwrap_or_default(),
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        overdue: q.overdue == Some(true),
        directions: choices(tr, "direction", &directions, q.direction.as_deref()),
        organs: choices(tr, "organ", &organs, q.organ.as_deref()),
        behalfs: choices(tr, "behalf", &behalfs, q.on_behalf_of.as_deref()),
        partners,
        line_types: LineType::ALL
            .iter()
            .map(|t| Choice {
                value: t.code().into(),
                label: line_type_label(tr, t.code()),
                selected: q.line_type.as_deref() == Some(t.code()),
            })
            .collect(),
        statuses: choices(tr, "rstatus", &statuses, q.status.as_deref()),
    }
}

pub async fn list(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    headers: HeaderMap,
    q: Result<ApiQuery<RequestQuery>, crate::error::ApiError>,
) -> Response {
    let c = Chrome::new(&s, Some(&session), "requests", "/requests").await;
    let (q, mut errors) = match q {
        Ok(ApiQuery(q)) => (q, FormErrors::default()),
        Err(e) => {
            let fields = e.fields.clone().unwrap_or_default();
            (RequestQuery::default(), FormErrors::from_fields(&c.tr, fields, &|_| true, None))
        }
    };
    let page = match s.app.list_requests(&session.actor, &q).await {
        Ok(p) => Some(p),
        Err(AppError::Validation(f)) => {
            errors = FormErrors::from_fields(&c.tr, f.0, &|_| true, None);
            None
        }
        Err(e) => return UiError(e).into_response(),
    };
    let base = filter_query(&q);
    let sort_part = {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(v) = q.sort.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair("sort", v);
        }
        if let Some(v) = q.order.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair("order", v);
        }
        s.finish()
    };
    let (items, total, page_no, pages) = match page {
        Some(p) => {
            let pages = p.pages();
            (p.items, p.total, p.page, pages)
        }
        None => (Vec::new(), 0, 1, 1),
    };
    let paged = |n: i64| format!("/requests?{}", with(&with(&base, &sort_part), &format!("page={n}")));
    let res = Results {
        rows: items.iter().map(|r| Row::new(&c.tr, r)).collect(),
        count: c.tr.t1("requests-count", "count", total),
        page: page_no,
        pages,
        sorts: sort_links(&q, &base, &c.tr),
        prev_href: (page_no > 1).then(|| paged(page_no - 1)),
        next_href: (page_no < pages).then(|| paged(page_no + 1)),
        csv_href: format!("/api/v1/requests?{}", with(&with(&base, &sort_part), "format=csv&per_page=500")),
        json_href: format!("/api/v1/requests?{}", with(&with(&base, &sort_part), "per_page=500")),
        filtered: !base.is_empty(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut out = if is_htmx(&headers) && errors.is_empty() {
        render(&ListResults { c, res })
    } else {
        let partners = partner_choices(&s, &session.actor, &c.tr, q.partner.as_deref().unwrap_or("")).await;
        let f = filters(&c.tr, &q, partners);
        let may_draft = s.app.may_draft_requests(&session.actor);
        (status, render(&ListPage { c, f, res, may_draft, errors })).into_response()
    };
    out.headers_mut().insert(header::VARY, header::HeaderValue::from_static("HX-Request, Cookie"));
    out
}

/// One work queue.
pub struct Queue {
    pub id: &'static str,
    pub title: String,
    pub empty: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "my_work.html")]
struct MyWorkPage {
    c: Chrome,
    queues: Vec<Queue>,
    may_draft: bool,
}

pub async fn my_work(State(s): State<AppState>, UiSession(session): UiSession) -> Response {
    let work = match s.app.my_work(&session.actor).await {
        Ok(w) => w,
        Err(e) => return UiError(e).into_response(),
    };
    let c = Chrome::new(&s, Some(&session), "my-work", "/my-work").await;
    let queue = |id: &'static str, items: &[RequestSummary]| Queue {
        id,
        title: c.tr.t(&format!("work-{id}")),
        empty: c.tr.t(&format!("work-{id}-empty")),
        rows: items.iter().map(|r| Row::new(&c.tr, r)).collect(),
    };
    let queues = vec![
        queue("drafts", &work.drafts),
        queue("approval", &work.awaiting_my_approval),
        queue("transmission", &work.awaiting_transmission),
        queue("overdue", &work.overdue),
        queue("week", &work.due_this_week),
    ];
    let may_draft = s.app.may_draft_requests(&session.actor);
    render(&MyWorkPage { c, queues, may_draft })
}

/// The request figures a partner's page shows, as label/value pairs (none when the user
/// may not see them).
pub struct PartnerFigures {
    pub partner_id: String,
    pub open: i64,
    pub overdue: i64,
    pub executed: i64,
    pub first_response: Option<String>,
    pub execution: Option<String>,
}

pub async fn partner_figures(
    s: &AppState,
    session: &SessionState,
    tr: &Tr,
    partner_id: &str,
) -> Option<PartnerFigures> {
    let f: PartnerRequestFigures = s.app.partner_request_figures(&session.actor, partner_id).await.ok().flatten()?;
    let median = |m: Option<f64>| m.map(|d| tr.t1("days-median", "n", format_days(d)));
    Some(PartnerFigures {
        partner_id: partner_id.to_owned(),
        open: f.open,
        overdue: f.overdue,
        executed: f.executed,
        first_response: median(f.median_days_to_first_response),
        execution: median(f.median_days_to_execution),
    })
}

/// A median of whole days is whole or a half.
fn format_days(d: f64) -> String {
    if d.fract() == 0.0 {
        format!("{d:.0}")
    } else {
        format!("{d:.1}")
    }
}
