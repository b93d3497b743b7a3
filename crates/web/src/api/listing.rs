//! Paging and CSV export for the registers that are read whole (warrants, alerts): the same
//! `page`, `per_page` and `format=csv` parameters as the request lists.

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use comity_app::{AppError, Paging};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{api::requests::cell, error::ApiError};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paged {
    /// 1-based page (default 1).
    pub page: Option<i64>,
    /// Rows a page (default 50, at most 500).
    pub per_page: Option<i64>,
}

/// One page of `items`, with the paging that produced it and the total.
pub(crate) fn page_of<T>(items: Vec<T>, paged: &Paged) -> (Vec<T>, Paging, i64) {
    let paging = Paging::new(paged.page, paged.per_page);
    let total = items.len() as i64;
    let skip = usize::try_from(paging.offset()).unwrap_or(usize::MAX);
    let take = usize::try_from(paging.per_page).unwrap_or(50);
    (items.into_iter().skip(skip).take(take).collect(), paging, total)
}

/// A CSV download of every row, formula-like cells neutralised.
pub(crate) fn csv_response(filename: &str, columns: &[&str], rows: &[Vec<String>]) -> Result<Response, ApiError> {
    let internal = |e: csv::Error| AppError::Internal(format!("writing CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(columns).map_err(internal)?;
    for r in rows {
        w.write_record(r.iter().map(|c| cell(c))).map_err(internal)?;
    }
    let bytes = w.into_inner().map_err(|e| AppError::Internal(format!("writing CSV: {e}")))?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
