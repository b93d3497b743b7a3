//! The partner directory pages: the filterable list and a partner's profile.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
};
use comity_app::partners::{FocalPointView, PartnerDetail, PartnerQuery, PartnerSummary, ProfileView, TreatyDates};

use comity_app::{demarches::About, warrants::ArrestLaw, AppError};
use comity_domain::warrant::SurrenderLaw;

use super::{
    csrf_ok, csrf_refused, is_htmx, refused_page, render, requests::Fields, warrants::DemarcheValues, Chrome, UiError,
};
use crate::{api::partners_csv_response, auth::UiSession, extract::ApiQuery, AppState};

/// A sortable column header.
pub struct SortLink {
    pub label: String,
    pub href: String,
    /// "ascending", "descending" or empty when the list is not sorted by this column.
    pub aria_sort: &'static str,
}

fn sort_links(q: &PartnerQuery, query_string: &str, tr: &crate::i18n::Tr) -> Vec<SortLink> {
    let current = q.sort.as_deref().filter(|s| !s.is_empty()).unwrap_or("name");
    let desc = q.order.as_deref() == Some("desc");
    [("name", "col-name"), ("iso3", "col-code"), ("kind", "col-kind"), ("regional_group", "col-region")]
        .into_iter()
        .map(|(col, key)| {
            let active = current == col;
            let order = if active && !desc { "desc" } else { "asc" };
            SortLink {
                label: tr.t(key),
                href: format!("/partners?{query_string}&sort={col}&order={order}"),
                aria_sort: match (active, desc) {
                    (false, _) => "",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
            }
        })
        .collect()
}

/// One selectable option in a filter.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One page of the directory, shown in the full page and in the htmx fragment alike.
struct Results {
    q: PartnerQuery,
    rows: Vec<PartnerSummary>,
    total: i64,
    page: i64,
    pages: i64,
    query_string: String,
    sorts: Vec<SortLink>,
}

#[derive(Template)]
#[template(path = "partners.html")]
struct PartnersPage {
    c: Chrome,
    kinds: Vec<Choice>,
    regions: Vec<Choice>,
    res: Results,
}

#[derive(Template)]
#[template(path = "partners_results.html")]
struct PartnersResults {
    c: Chrome,
    res: Results,
}

fn choices(codes: &[&str], selected: Option<&str>, tr: &crate::i18n::Tr, prefix: &str) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| Choice { value: (*c).into(), label: tr.code(prefix, c), selected: selected == Some(*c) })
        .collect()
}

/// The query string of the current filters without paging and sorting, for building links.
fn filter_query(q: &PartnerQuery) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("kind", &q.kind), ("region", &q.region), ("party_on", &q.party_on), ("q", &q.q)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

pub async fn list(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    headers: HeaderMap,
    q: Result<ApiQuery<PartnerQuery>, crate::error::ApiError>,
    fmt: Result<ApiQuery<crate::api::Format>, crate::error::ApiError>,
) -> Response {
    let q = match q {
        Ok(ApiQuery(q)) => q,
        Err(e) => return super::error_page(e.code.status(), Some(e.message)),
    };
    let page = match s.app.list_partners(&session.actor, &q).await {
        Ok(p) => p,
        Err(e) => return UiError(e).into_response(),
    };
    if fmt.ok().and_then(|f| f.0.format).as_deref() == Some("csv") {
        return partners_csv_response(&page.items);
    }
    let c = Chrome::new(&s, Some(&session), "partners", "/partners").await;
    let pages = page.pages();
    let query_string = filter_query(&q);
    let sorts = sort_links(&q, &query_string, &c.tr);
    let kinds = choices(&["state", "organisation", "network"], q.kind.as_deref(), &c.tr, "kind");
    let regions = choices(
        &["african", "asia_pacific", "eastern_european", "latin_american_caribbean", "western_european_other"],
        q.region.as_deref(),
        &c.tr,
        "region",
    );
    let res = Results { q, rows: page.items, total: page.total, page: page.page, pages, query_string, sorts };
    let mut res = if is_htmx(&headers) {
        render(&PartnersResults { c, res })
    } else {
        render(&PartnersPage { c, kinds, regions, res })
    };
    res.headers_mut().insert(header::VARY, header::HeaderValue::from_static("HX-Request, Cookie"));
    res
}

/// One treaty's status box on a State's profile.
pub struct Treaty {
    pub title: String,
    pub status: String,
    pub dates: TreatyDates,
}

#[derive(Template)]
#[template(path = "partner.html")]
struct PartnerPage {
    c: Chrome,
    p: PartnerDetail,
    treaties: Vec<Treaty>,
    can_edit: bool,
    /// Whether the reader may invite this State's focal points to Comity.
    can_invite: bool,
    /// Proposed changes to the profile, for the Registry and the State's own focal points.
    proposals: Option<Vec<comity_app::proposals::ProposalView>>,
    can_propose: bool,
    can_decide: bool,
    channels: Vec<Choice>,
    focal_points: Vec<FocalPointView>,
    profiles: Vec<ProfileView>,
    /// Request figures for this partner, when the reader may see them.
    figures: Option<super::requests::PartnerFigures>,
    /// What the State's law allows for arrest and surrender, for the Court's officers.
    arrest: Option<ArrestSection>,
    /// Démarches with this State, for the Court's officers.
    dm: Option<super::warrants::DemarcheBlock>,
    errors: super::requests::FormErrors,
}

/// What the State's law allows for arrest and surrender, and its form for the Registry.
struct ArrestSection {
    label: String,
    notes: String,
    choices: Vec<Choice>,
}

pub async fn profile(State(s): State<AppState>, UiSession(session): UiSession, Path(id): Path<String>) -> Response {
    let actor = &session.actor;
    let result = async {
        let p = s.app.partner(actor, &id).await?;
        let focal_points = s.app.focal_points(actor, &id).await?;
        let profiles = s.app.communication_profiles(actor, &id).await?;
        let can_edit = s.app.may_edit_directory(actor, &id).await?;
        Ok::<_, comity_app::AppError>((p, focal_points, profiles, can_edit))
    }
    .await;
    match result {
        Ok((p, focal_points, profiles, can_edit)) => {
            let c = Chrome::new(&s, Some(&session), "partners", &format!("/partners/{}", p.summary.id)).await;
            let treaties = vec![
                Treaty {
                    title: c.tr.t("col-rome-statute"),
                    status: p.summary.rome_statute.clone(),
                    dates: p.rome_statute_dates.clone(),
                },
                Treaty { title: c.tr.t("col-apic"), status: p.summary.apic.clone(), dates: p.apic_dates.clone() },
            ];
            let figures = super::requests::partner_figures(&s, &session, &c.tr, &p.summary.id).await;
            let can_invite = p.summary.kind == "state" && comity_app::invitations::may_invite_to(actor, &p.summary.id);
            let proposals = s.app.profile_proposals(actor, &p.summary.id).await.ok();
            let can_propose = s.app.may_propose_profile(actor, &p.summary.id);
            let channels = super::edit::channel_options(&c, "central_authority");
            let court = actor.principal.unit_kind.is_court_organ();
            let arrest = match (court, s.app.arrest_law(actor, &p.summary.id).await) {
                (true, Ok(law)) => {
                    let codes: Vec<&str> = SurrenderLaw::ALL.iter().map(|l| l.code()).collect();
                    Some(ArrestSection {
                        label: c.tr.code("law", &law.surrender_law),
                        choices: super::warrants::vocab(&c.tr, "law", &codes, &law.surrender_law, None),
                        notes: law.notes,
                    })
                }
                _ => None,
            };
            let dm = if court {
                let list = s.app.demarches_about(actor, About::Partner(&p.summary.id)).await.unwrap_or_default();
                let values = super::warrants::DemarcheValues { partner_id: p.summary.id.clone(), ..Default::default() };
                let action = format!("/partners/{}/demarches", p.summary.id);
                Some(super::warrants::demarche_block(&s, actor, &c.tr, action, &list, values).await)
            } else {
                None
            };
            render(&PartnerPage {
                c,
                p,
                treaties,
                can_edit,
                can_invite,
                proposals,
                can_propose,
                can_decide: can_edit,
                channels,
                focal_points,
                profiles,
                figures,
                arrest,
                dm,
                errors: super::requests::FormErrors::default(),
            })
        }
        Err(e) => UiError(e).into_response(),
    }
}

/// The Registry records what a State's law allows for arrest and surrender.
pub async fn save_arrest_law(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let input = ArrestLaw { surrender_law: f.one("surrender_law"), notes: f.one("arrest_notes") };
    match s.app.set_arrest_law(&session.actor, &id, &input).await {
        Ok(_) => axum::response::Redirect::to(&format!("/partners/{id}#arrest")).into_response(),
        Err(AppError::Validation(fields)) => refused_page(fields),
        Err(e) => UiError(e).into_response(),
    }
}

/// Logs a démarche with this State from its page.
pub async fn log_demarche(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let about = |v: &DemarcheValues| {
        let mut input = v.input(None, None);
        input.partner_id = input.partner_id.or_else(|| Some(id.clone()));
        input
    };
    match super::warrants::submit_demarche(&s, &session, &body, about, &format!("/partners/{id}")).await {
        Ok(done) => done,
        Err((_, AppError::Validation(fields))) => refused_page(fields),
        Err((_, e)) => UiError(e).into_response(),
    }
}
