//! Public aggregates: figures anyone allowed to see statistics may read, observers included.
//! They count records (confidential and sealed ones too) but never itemise one.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, Months, NaiveDate};
use comity_domain::{
    access::{Action, Classification, RecordAccess, RecordKind},
    partner::{is_party_on, status_on, Instrument, StatusEventKind, TreatyStatus},
    request::{self as rules, Direction, LineType, OnBehalfOf, Organ, RequestKind, Status},
    validation::FieldErrors,
};
use comity_store::{partners as store, requests::RequestFacts};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{partners::parse_date, Actor, Comity, Result};

/// The longest period the request statistics cover, in months (20 years).
pub const MAX_PERIOD_MONTHS: u32 = 240;

/// How many States stood where towards the Rome Statute and the APIC on a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerStatistics {
    pub on: NaiveDate,
    pub states_parties: usize,
    /// States Parties per ASP regional group code.
    pub states_parties_by_region: BTreeMap<String, usize>,
    /// States that signed the Rome Statute without becoming (or remaining) party.
    pub signatories_not_party: usize,
    pub apic_parties: usize,
}

impl Comity {
    pub async fn partner_statistics(&self, actor: &Actor, on: NaiveDate) -> Result<PartnerStatistics> {
        actor.check(Action::Read, &RecordAccess::new(RecordKind::Statistics, Classification::Public))?;
        let mut c = self.db.read().await?;
        let filter = store::PartnerFilter {
            kind: Some("state".into()),
            classifications: vec!["public".into()],
            limit: 10_000,
            ..Default::default()
        };
        let (states, _) = store::list_partners(&mut c, &filter).await?;
        let ids: Vec<String> = states.iter().map(|s| s.id.clone()).collect();
        let rows = store::status_dates(&mut c, &ids).await?;
        let mut stats = PartnerStatistics {
            on,
            states_parties: 0,
            states_parties_by_region: BTreeMap::new(),
            signatories_not_party: 0,
            apic_parties: 0,
        };
        for s in &states {
            let events = crate::partners::events_of(&rows, &s.id);
            if is_party_on(&events, Instrument::RomeStatute, on) {
                stats.states_parties += 1;
                let region = s.regional_group.clone().unwrap_or_else(|| "none".into());
                *stats.states_parties_by_region.entry(region).or_default() += 1;
            } else if matches!(
                status_on(&events, Instrument::RomeStatute, on),
                TreatyStatus::Signatory | TreatyStatus::Withdrawn
            ) && events
                .iter()
                .any(|e| e.kind == StatusEventKind::Signature && e.instrument == Instrument::RomeStatute)
            {
                stats.signatories_not_party += 1;
            }
            if is_party_on(&events, Instrument::Apic, on) {
                stats.apic_parties += 1;
            }
        }
        Ok(stats)
    }
}

/// The request figures of the Court's report for a period, computed from effective dates
/// (the day a step took effect, not the day it was entered). Definitions: `docs/statistics.md`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestStatistics {
    /// First day of the period (inclusive).
    pub from: NaiveDate,
    /// Last day of the period (inclusive).
    pub to: NaiveDate,
    /// First day of the previous period: the period of the same length ending the day before `from`.
    pub previous_from: NaiveDate,
    /// Last day of the previous period: the day before `from`.
    pub previous_to: NaiveDate,
    /// Outgoing requests the Registry transmitted in the period (report, para. 18 and footnote 7).
    pub registry_transmitted: RegistryTransmitted,
    /// Outgoing primary requests the OTP transmitted in the period, and to how many partners
    /// (report, para. 19).
    pub otp_primary_transmitted: OtpTransmitted,
    /// Outgoing follow-up and supplementary requests the OTP transmitted in the period; not
    /// part of the primary figure.
    pub otp_follow_up_transmitted: OtpTransmitted,
    /// Incoming requests (art. 93(10)) received in the period, against the previous period.
    pub received_from_states: ReceivedFromStates,
    /// Days from transmission to first response and to execution, for outgoing requests
    /// transmitted in the period.
    pub turnaround: Turnaround,
    /// Where the outgoing requests transmitted in the period stood on the last day of it.
    pub outcomes: Outcomes,
}

/// The Registry's figure of requests transmitted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistryTransmitted {
    /// Requests transmitted in the period, leaving out those every line of which is a
    /// notification of judicial documents, mission support or agreement-related (footnote 7).
    pub total: usize,
    /// How many transmitted requests were left out under footnote 7; `total + excluded` is
    /// every request the Registry transmitted in the period.
    pub excluded: usize,
    /// `total` by on whose behalf the Registry acted: chamber, defence, victims and registry,
    /// every key present (0 when none). The values add up to `total`.
    pub by_on_behalf_of: BTreeMap<String, usize>,
}

/// A count of OTP requests and the number of different partners they went to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OtpTransmitted {
    /// Requests transmitted in the period.
    pub count: usize,
    /// Different addressees among them.
    pub distinct_partners: usize,
}

/// Incoming requests received, against the previous period of the same length.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceivedFromStates {
    /// Incoming requests received in the period (whatever became of them since).
    pub count: usize,
    /// Incoming requests received in the previous period.
    pub previous_period_count: usize,
    /// `(count - previous) / previous * 100`, rounded to one decimal; none when the previous
    /// period received none.
    pub change_percent: Option<f64>,
}

/// Turnaround, overall and broken down.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Turnaround {
    /// All outgoing requests transmitted in the period.
    pub overall: TurnaroundFigures,
    /// By transmitting organ: registry and otp, both always present.
    pub by_organ: BTreeMap<String, TurnaroundFigures>,
    /// By line type code; a request counts once under each type among its lines. Only types
    /// found among the requests transmitted in the period appear.
    pub by_line_type: BTreeMap<String, TurnaroundFigures>,
    /// By addressee (partner id); only partners sent a request in the period appear.
    pub by_partner: BTreeMap<String, TurnaroundFigures>,
}

/// The two clocks of a group of requests.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TurnaroundFigures {
    /// Days from transmission to the partner's first response.
    pub to_first_response: Spread,
    /// Days from transmission to execution.
    pub to_execution: Spread,
}

/// The spread of a set of day counts.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Spread {
    /// How many requests the figures rest on: those whose date falls on or before `to`.
    pub n: usize,
    /// The median in days (the mean of the two middle values for an even count); none when `n` is 0.
    pub median_days: Option<f64>,
    /// The 90th percentile in days, nearest-rank method; none when `n` is 0.
    pub p90_days: Option<i64>,
}

/// Where the outgoing requests transmitted in the period stood on its last day. The four
/// counts add up to the number of requests transmitted.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Outcomes {
    /// Executed on or before `to`.
    pub executed: usize,
    /// Refused, the refusal taking effect on or before `to`.
    pub refused: usize,
    /// Withdrawn, the withdrawal taking effect on or before `to`.
    pub withdrawn: usize,
    /// Everything else: still waiting on the last day of the period.
    pub pending: usize,
}

#[derive(Default)]
struct DayCounts {
    first: Vec<i64>,
    executed: Vec<i64>,
}

impl DayCounts {
    fn figures(mut self) -> TurnaroundFigures {
        TurnaroundFigures { to_first_response: spread(&mut self.first), to_execution: spread(&mut self.executed) }
    }
}

fn spread(days: &mut [i64]) -> Spread {
    let n = days.len();
    match rules::median_and_p90(days) {
        Some((median, p90)) => Spread { n, median_days: Some(median), p90_days: Some(p90) },
        None => Spread::default(),
    }
}

/// A request is left out of the Registry's total when it has lines and every one of them is
/// of a type footnote 7 excludes. A request mixing such a line with any other is counted.
pub fn excluded_under_footnote_7(line_types: &[LineType]) -> bool {
    !line_types.is_empty() && line_types.iter().all(|t| t.excluded_from_registry_total())
}

/// The percentage change from `previous` to `current`, rounded to one decimal.
pub fn change_percent(previous: usize, current: usize) -> Option<f64> {
    if previous == 0 {
        return None;
    }
    let change = (current as f64 - previous as f64) / previous as f64 * 100.0;
    Some((change * 10.0).round() / 10.0)
}

/// The period of the same length ending the day before `from`.
pub fn previous_period(from: NaiveDate, to: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let length = u64::try_from(rules::days_between(from, to)).ok()? + 1;
    Some((from.checked_sub_days(Days::new(length))?, from.checked_sub_days(Days::new(1))?))
}

fn parse_period(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate, NaiveDate, NaiveDate)> {
    let mut e = FieldErrors::new();
    let mut date = |field: &str, value: &str| {
        if value.trim().is_empty() {
            e.add(field, "is required");
            None
        } else {
            parse_date(&mut e, field, value)
        }
    };
    let (from, to) = (date("from", from), date("to", to));
    let mut previous = None;
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            e.add("to", "must not be before 'from'");
        } else if a.checked_add_months(Months::new(MAX_PERIOD_MONTHS)).is_none_or(|limit| b >= limit) {
            e.add("to", "the period may cover at most 20 years");
        } else {
            previous = previous_period(a, b);
            if previous.is_none() {
                e.add("from", "the previous period would start before the calendar does");
            }
        }
    }
    e.into_result()?;
    match (from, to, previous) {
        (Some(a), Some(b), Some((pa, pb))) => Ok((a, b, pa, pb)),
        _ => Err(crate::AppError::Internal("validated period missing".into())),
    }
}

fn line_types_of(r: &RequestFacts) -> Vec<LineType> {
    let set: BTreeSet<LineType> = r.line_types.split(',').filter_map(|t| LineType::parse(t.trim())).collect();
    set.into_iter().collect()
}

fn within(d: Option<NaiveDate>, from: NaiveDate, to: NaiveDate) -> bool {
    d.is_some_and(|d| from <= d && d <= to)
}

/// Computes the figures from the facts of requests transmitted or received between
/// `previous_from` and `to`.
pub fn compute_request_statistics(
    facts: &[RequestFacts],
    from: NaiveDate,
    to: NaiveDate,
    previous_from: NaiveDate,
    previous_to: NaiveDate,
) -> RequestStatistics {
    let outgoing = Direction::Outgoing.code();
    let incoming = Direction::Incoming.code();

    let mut registry = RegistryTransmitted {
        total: 0,
        excluded: 0,
        by_on_behalf_of: [OnBehalfOf::Chamber, OnBehalfOf::Defence, OnBehalfOf::Victims, OnBehalfOf::Registry]
            .iter()
            .map(|b| (b.code().to_owned(), 0))
            .collect(),
    };
    let mut primary = (0, BTreeSet::new());
    let mut follow_up = (0, BTreeSet::new());
    let mut received = 0;
    let mut received_before = 0;
    let mut overall = DayCounts::default();
    let mut by_organ: BTreeMap<String, DayCounts> =
        Organ::ALL.iter().map(|o| (o.code().to_owned(), DayCounts::default())).collect();
    let mut by_line_type: BTreeMap<String, DayCounts> = BTreeMap::new();
    let mut by_partner: BTreeMap<String, DayCounts> = BTreeMap::new();
    let mut outcomes = Outcomes::default();

    for r in facts {
        if r.direction == incoming {
            if within(r.transmitted_on, from, to) {
                received += 1;
            } else if within(r.transmitted_on, previous_from, previous_to) {
                received_before += 1;
            }
            continue;
        }
        if r.direction != outgoing || !within(r.transmitted_on, from, to) {
            continue;
        }
        let Some(transmitted) = r.transmitted_on else { continue };
        let types = line_types_of(r);
        if r.organ == Organ::Registry.code() {
            if excluded_under_footnote_7(&types) {
                registry.excluded += 1;
            } else {
                registry.total += 1;
                *registry.by_on_behalf_of.entry(r.on_behalf_of.clone()).or_default() += 1;
            }
        } else if r.organ == Organ::Otp.code() {
            let bucket = if r.kind == RequestKind::Primary.code() { &mut primary } else { &mut follow_up };
            bucket.0 += 1;
            bucket.1.insert(r.partner_id.clone());
        }

        // Turnaround: only dates reached by the end of the period.
        let first = r.first_response_on.filter(|d| *d <= to).map(|d| rules::days_between(transmitted, d));
        let executed = r.executed_on.filter(|d| *d <= to).map(|d| rules::days_between(transmitted, d));
        let groups = std::iter::once(&mut overall)
            .chain(std::iter::once(by_organ.entry(r.organ.clone()).or_default()))
            .chain(std::iter::once(by_partner.entry(r.partner_id.clone()).or_default()));
        for g in groups {
            g.first.extend(first);
            g.executed.extend(executed);
        }
        for t in &types {
            let g = by_line_type.entry(t.code().to_owned()).or_default();
            g.first.extend(first);
            g.executed.extend(executed);
        }

        // As of the end of the period.
        let status = Status::parse(&r.status);
        let closed_by_end = r.closed_on.is_some_and(|d| d <= to);
        if r.executed_on.is_some_and(|d| d <= to) {
            outcomes.executed += 1;
        } else if status == Some(Status::Refused) && closed_by_end {
            outcomes.refused += 1;
        } else if status == Some(Status::Withdrawn) && closed_by_end {
            outcomes.withdrawn += 1;
        } else {
            outcomes.pending += 1;
        }
    }

    let finish = |m: BTreeMap<String, DayCounts>| m.into_iter().map(|(k, v)| (k, v.figures())).collect();
    RequestStatistics {
        from,
        to,
        previous_from,
        previous_to,
        registry_transmitted: registry,
        otp_primary_transmitted: OtpTransmitted { count: primary.0, distinct_partners: primary.1.len() },
        otp_follow_up_transmitted: OtpTransmitted { count: follow_up.0, distinct_partners: follow_up.1.len() },
        received_from_states: ReceivedFromStates {
            count: received,
            previous_period_count: received_before,
            change_percent: change_percent(received_before, received),
        },
        turnaround: Turnaround {
            overall: overall.figures(),
            by_organ: finish(by_organ),
            by_line_type: finish(by_line_type),
            by_partner: finish(by_partner),
        },
        outcomes,
    }
}

impl Comity {
    /// The request figures of the Court's report for the period `[from, to]` (YYYY-MM-DD,
    /// inclusive, at most 20 years). A public aggregate: observers may read it; confidential
    /// and sealed requests are counted, none is itemised.
    pub async fn request_statistics(&self, actor: &Actor, from: &str, to: &str) -> Result<RequestStatistics> {
        actor.check(Action::Read, &RecordAccess::new(RecordKind::Statistics, Classification::Public))?;
        let (from, to, previous_from, previous_to) = parse_period(from, to)?;
        let mut c = self.db.read().await?;
        let facts = comity_store::requests::facts(&mut c, Some(previous_from), Some(to), None).await?;
        let mut figures = compute_request_statistics(&facts, from, to, previous_from, previous_to);
        // Which States were sent requests is itself confidential (art. 87(3)): outside the
        // Court's organs the per-partner breakdown keeps only the reader's own State.
        let p = &actor.principal;
        if !p.unit_kind.is_court_organ() {
            let own = p.unit_state.clone().filter(|_| p.unit_kind == comity_domain::access::UnitKind::StateFocalPoint);
            figures.turnaround.by_partner.retain(|partner, _| Some(partner) == own.as_ref());
        }
        Ok(figures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footnote_7_leaves_out_a_request_only_when_every_line_is_excluded() {
        use LineType::*;
        assert!(excluded_under_footnote_7(&[NotificationJudicialDocuments]));
        assert!(excluded_under_footnote_7(&[MissionSupport, AgreementRelated]));
        assert!(!excluded_under_footnote_7(&[NotificationJudicialDocuments, TakeEvidence]));
        assert!(!excluded_under_footnote_7(&[TakeEvidence]));
        assert!(!excluded_under_footnote_7(&[]), "a request without lines is counted");
    }

    #[test]
    fn change_is_rounded_to_one_decimal_and_absent_without_a_previous_figure() {
        assert_eq!(change_percent(4, 6), Some(50.0));
        assert_eq!(change_percent(13, 21), Some(61.5));
        assert_eq!(change_percent(3, 2), Some(-33.3));
        assert_eq!(change_percent(5, 5), Some(0.0));
        assert_eq!(change_percent(0, 7), None);
    }

    #[test]
    fn the_previous_period_has_the_same_length_and_ends_the_day_before() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date");
        assert_eq!(previous_period(d("2026-07-01"), d("2026-12-31")), Some((d("2025-12-29"), d("2026-06-30"))));
        assert_eq!(previous_period(d("2017-01-01"), d("2017-01-01")), Some((d("2016-12-31"), d("2016-12-31"))));
        assert_eq!(previous_period(d("2024-03-01"), d("2024-03-31")), Some((d("2024-01-30"), d("2024-02-29"))));
    }
}
