//! The request figures of the report, on a dataset whose answers were worked out by hand
//! (see `docs/statistics.md` for the definitions they follow).
//!
//! Period: 2026-07-01 to 2026-12-31 (184 days); previous period 2025-12-29 to 2026-06-30.
//! All outgoing requests are drafted and approved on 2026-05-01; the clock then moves to
//! 2027-02-01 and every later step is recorded with its past effective date.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use comity_app::{
    requests::{LineInput, RequestInput, TransitionInput},
    statistics::{RequestStatistics, Spread, TurnaroundFigures},
    Actor, AuthMethod, Clock, Comity, ManualClock,
};
use comity_domain::request::LineType;
use comity_store::accounts;
use comity_testkit::on_every_engine;

use crate::{problem, TestApp};

const FROM: &str = "2026-07-01";
const TO: &str = "2026-12-31";

/// Moves the manual clock forward to 09:00 on `day`.
fn move_to(clock: &ManualClock, day: &str) {
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("a date");
    let target = Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).expect("a time"));
    let by = target - clock.now();
    assert!(by >= chrono::Duration::zero(), "the clock only moves forward");
    clock.advance(by);
}

async fn actor(app: &Comity, name: &str) -> Actor {
    let mut c = app.db.read().await.expect("a connection");
    let u = accounts::user_by_name(&mut c, name).await.expect("read the user").expect("the user exists");
    Actor::from_user(&u, AuthMethod::Session).expect("an actor")
}

/// A line answering every point of its type's checklist.
fn line(code: &str) -> LineInput {
    let t = LineType::parse(code).unwrap_or_else(|| panic!("a line type: {code}"));
    LineInput {
        line_type: code.into(),
        content: t.checklist().iter().map(|i| (i.key.to_owned(), format!("{} (answered)", i.key))).collect(),
        cost_allocation: None,
    }
}

/// One outgoing request of the dataset and its later steps (move, effective date).
struct Planned {
    name: &'static str,
    on_behalf_of: &'static str,
    kind: &'static str,
    /// Index of the parent in the plan, for follow-ups and supplementary requests.
    parent: Option<usize>,
    partner: &'static str,
    classification: &'static str,
    lines: &'static [&'static str],
    steps: &'static [(&'static str, &'static str)],
}

const TE: &str = "a93_1_b_take_evidence";
const IL: &str = "a93_1_a_identify_locate";
const NOTE: &str = "notification_judicial_documents";
const MISSION: &str = "mission_support";
const AGREEMENT: &str = "agreement_related";

#[rustfmt::skip]
const PLAN: &[Planned] = &[
    // Registry, transmitted in the period.
    Planned { name: "R1", on_behalf_of: "chamber", kind: "primary", parent: None, partner: "ARG", classification: "confidential",
        lines: &[TE], steps: &[("transmit", "2026-07-01"), ("acknowledge", "2026-07-11"), ("record_execution", "2026-08-10")] },
    Planned { name: "R2 (notification only: excluded)", on_behalf_of: "chamber", kind: "primary", parent: None, partner: "FRA", classification: "confidential",
        lines: &[NOTE], steps: &[("transmit", "2026-07-15"), ("acknowledge", "2026-07-20")] },
    Planned { name: "R3 (mission only: excluded)", on_behalf_of: "registry", kind: "primary", parent: None, partner: "KEN", classification: "internal",
        lines: &[MISSION], steps: &[("transmit", "2026-08-01"), ("record_execution", "2026-08-21")] },
    Planned { name: "R4 (notification + evidence: counted)", on_behalf_of: "registry", kind: "primary", parent: None, partner: "ARG", classification: "confidential",
        lines: &[NOTE, TE], steps: &[("transmit", "2026-08-01"), ("refuse", "2026-09-30")] },
    Planned { name: "R5", on_behalf_of: "defence", kind: "primary", parent: None, partner: "FRA", classification: "ex_parte",
        lines: &[IL], steps: &[("transmit", "2026-09-01"), ("acknowledge", "2026-09-04"), ("record_execution", "2026-12-30")] },
    Planned { name: "R6 (agreement + mission: excluded)", on_behalf_of: "chamber", kind: "primary", parent: None, partner: "NLD", classification: "public",
        lines: &[AGREEMENT, MISSION], steps: &[("transmit", "2026-10-01")] },
    Planned { name: "R7", on_behalf_of: "chamber", kind: "primary", parent: None, partner: "DEU", classification: "confidential",
        lines: &["a93_1_i_records_documents"], steps: &[("transmit", "2026-10-15"), ("withdraw", "2026-11-01")] },
    Planned { name: "R8 (executed after the period)", on_behalf_of: "chamber", kind: "primary", parent: None, partner: "KEN", classification: "confidential",
        lines: &[TE, "arrest_surrender"], steps: &[("transmit", "2026-11-01"), ("acknowledge", "2026-11-08"), ("record_execution", "2027-01-15")] },
    Planned { name: "R9 (refused after the period)", on_behalf_of: "defence", kind: "primary", parent: None, partner: "ARG", classification: "confidential",
        lines: &[TE], steps: &[("transmit", "2026-12-01"), ("refuse", "2027-01-20")] },
    // Registry, outside the period.
    Planned { name: "R10 (transmitted the day before)", on_behalf_of: "chamber", kind: "primary", parent: None, partner: "ARG", classification: "confidential",
        lines: &[TE], steps: &[("transmit", "2026-06-30"), ("acknowledge", "2026-07-05")] },
    Planned { name: "R11 (transmitted after)", on_behalf_of: "registry", kind: "primary", parent: None, partner: "FRA", classification: "confidential",
        lines: &[TE], steps: &[("transmit", "2027-01-05")] },
    Planned { name: "R12 (never transmitted)", on_behalf_of: "chamber", kind: "primary", parent: None, partner: "FRA", classification: "confidential",
        lines: &[TE], steps: &[] },
    // OTP, transmitted in the period: primary requests to ARG (twice), UGA and GBR.
    Planned { name: "O1", on_behalf_of: "prosecution", kind: "primary", parent: None, partner: "ARG", classification: "confidential",
        lines: &[TE], steps: &[("transmit", "2026-07-10"), ("acknowledge", "2026-07-12"), ("record_execution", "2026-09-08")] },
    Planned { name: "O2", on_behalf_of: "prosecution", kind: "primary", parent: None, partner: "UGA", classification: "confidential",
        lines: &["a93_1_k_assets_trace_freeze_seize"], steps: &[("transmit", "2026-08-20"), ("start_execution", "2026-09-19"), ("record_execution", "2026-10-19")] },
    Planned { name: "O3", on_behalf_of: "prosecution", kind: "primary", parent: None, partner: "ARG", classification: "confidential",
        lines: &[IL], steps: &[("transmit", "2026-09-15"), ("acknowledge", "2026-09-16")] },
    Planned { name: "O4 (sealed)", on_behalf_of: "prosecution", kind: "primary", parent: None, partner: "GBR", classification: "sealed",
        lines: &["a93_1_h_search_seizure"], steps: &[("transmit", "2026-12-20")] },
    Planned { name: "O5 (follow-up of O1)", on_behalf_of: "prosecution", kind: "follow_up", parent: Some(12), partner: "ARG", classification: "confidential",
        lines: &[TE], steps: &[("transmit", "2026-10-01"), ("acknowledge", "2026-10-05"), ("record_execution", "2026-10-31")] },
    Planned { name: "O6 (supplementary to O2)", on_behalf_of: "prosecution", kind: "supplementary", parent: Some(13), partner: "UGA", classification: "confidential",
        lines: &[TE], steps: &[("transmit", "2026-11-15")] },
    // OTP, outside the period.
    Planned { name: "O7 (transmitted before)", on_behalf_of: "prosecution", kind: "primary", parent: None, partner: "FRA", classification: "confidential",
        lines: &[TE], steps: &[("transmit", "2026-05-15"), ("acknowledge", "2026-05-20")] },
];

/// Received on: 1 before the previous period, 4 in it (both ends included), 6 in the
/// period (both ends included) and 1 after it.
const INCOMING: &[(&str, &str)] = &[
    ("2025-12-28", "KEN"),
    ("2025-12-29", "ARG"),
    ("2026-02-15", "FRA"),
    ("2026-04-20", "ARG"),
    ("2026-06-30", "DEU"),
    ("2026-07-01", "ARG"),
    ("2026-08-15", "FRA"),
    ("2026-09-01", "KEN"),
    ("2026-10-10", "ARG"),
    ("2026-11-11", "UGA"),
    ("2026-12-31", "GBR"),
    ("2027-01-05", "ARG"),
];

fn step(action: &str, on: &str) -> TransitionInput {
    let mut t = TransitionInput { action: action.into(), effective_on: Some(on.into()), ..Default::default() };
    match action {
        "refuse" => {
            t.reason = "Not possible under national law".into();
            t.refusal_ground = Some("other".into());
        }
        "withdraw" => t.reason = "The decision was vacated".into(),
        "acknowledge" => t.national_reference = Some("NAT-1".into()),
        _ => {}
    }
    t
}

/// Builds the dataset: users, the outgoing requests of `PLAN` and the incoming ones.
async fn dataset(s: &TestApp) {
    s.user("reg.officer", "Registry", "officer,approver").await;
    s.user("otp.officer", "Office of the Prosecutor", "officer,approver").await;
    s.user("def.alpha", "defence:ALPHA", "officer").await;
    let reg = actor(&s.app, "reg.officer").await;
    let otp = actor(&s.app, "otp.officer").await;

    // Drafted and approved on 2026-05-01.
    move_to(&s.clock, "2026-05-01");
    let mut ids: Vec<String> = Vec::new();
    for p in PLAN {
        let who = if p.on_behalf_of == "prosecution" { &otp } else { &reg };
        let input = RequestInput {
            on_behalf_of: p.on_behalf_of.into(),
            kind: Some(p.kind.into()),
            parent_id: p.parent.map(|i| ids[i].clone()),
            partner_id: p.partner.into(),
            title: format!("Request {}", p.name),
            purpose: "To obtain the assistance described in the lines".into(),
            facts: "The essential facts of the case".into(),
            deadline: Some("2027-12-31".into()),
            classification: Some(p.classification.into()),
            acting_for_unit: (p.on_behalf_of == "defence").then(|| "Defence: ALPHA".into()),
            decision_reference: "ICC-01/04-01/06-1234".into(),
            lines: p.lines.iter().map(|l| line(l)).collect(),
            ..Default::default()
        };
        let view = s.app.create_request(who, &input).await.unwrap_or_else(|e| panic!("draft {}: {e:?}", p.name));
        s.app
            .transition(who, &view.id, &TransitionInput { action: "approve".into(), ..Default::default() })
            .await
            .unwrap_or_else(|e| panic!("approve {}: {e:?}", p.name));
        ids.push(view.id);
    }

    // Everything else is entered on 2027-02-01 with the day it took effect.
    move_to(&s.clock, "2027-02-01");
    for (p, id) in PLAN.iter().zip(&ids) {
        let who = if p.on_behalf_of == "prosecution" { &otp } else { &reg };
        for (action, on) in p.steps {
            s.app.transition(who, id, &step(action, on)).await.unwrap_or_else(|e| panic!("{action} {}: {e:?}", p.name));
        }
    }
    for (received_on, partner) in INCOMING {
        let input = RequestInput {
            direction: Some("incoming".into()),
            on_behalf_of: "registry".into(),
            partner_id: (*partner).into(),
            title: format!("Request from {partner} received on {received_on}"),
            received_on: Some((*received_on).into()),
            lines: vec![line("assistance_to_state")],
            ..Default::default()
        };
        s.app.create_request(&reg, &input).await.unwrap_or_else(|e| panic!("receive {received_on}: {e:?}"));
    }
}

fn spread(n: usize, median: f64, p90: i64) -> Spread {
    Spread { n, median_days: Some(median), p90_days: Some(p90) }
}

fn none() -> Spread {
    Spread { n: 0, median_days: None, p90_days: None }
}

fn assert_spread(what: &str, got: &Spread, want: &Spread) {
    assert_eq!((got.n, got.median_days, got.p90_days), (want.n, want.median_days, want.p90_days), "{what}");
}

fn assert_figures(what: &str, got: Option<&TurnaroundFigures>, first: Spread, execution: Spread) {
    let got = got.unwrap_or_else(|| panic!("{what} is present"));
    assert_spread(&format!("{what}: to first response"), &got.to_first_response, &first);
    assert_spread(&format!("{what}: to execution"), &got.to_execution, &execution);
}

fn assert_hand_computed(st: &RequestStatistics) {
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("a date");
    assert_eq!(
        (st.from, st.to, st.previous_from, st.previous_to),
        (day(FROM), day(TO), day("2025-12-29"), day("2026-06-30"))
    );

    // Registry: R1..R9 transmitted; R2, R3 and R6 have only excluded lines; R4 mixes a
    // notification with evidence and counts.
    let r = &st.registry_transmitted;
    assert_eq!((r.total, r.excluded), (6, 3));
    let by: BTreeMap<&str, usize> = r.by_on_behalf_of.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(by, BTreeMap::from([("chamber", 3), ("defence", 2), ("registry", 1), ("victims", 0)]));

    // OTP: O1..O4 primary to ARG, UGA, ARG, GBR; O5 and O6 follow up.
    assert_eq!((st.otp_primary_transmitted.count, st.otp_primary_transmitted.distinct_partners), (4, 3));
    assert_eq!((st.otp_follow_up_transmitted.count, st.otp_follow_up_transmitted.distinct_partners), (2, 2));

    // Incoming: 6 against 4.
    let rec = &st.received_from_states;
    assert_eq!((rec.count, rec.previous_period_count, rec.change_percent), (6, 4, Some(50.0)));

    // Outcomes on 2026-12-31 of the 15 requests transmitted: executed R1 R3 R5 O1 O2 O5;
    // refused R4 (R9 only in January); withdrawn R7; pending R2 R6 R8 R9 O3 O4 O6.
    let o = &st.outcomes;
    assert_eq!((o.executed, o.refused, o.withdrawn, o.pending), (6, 1, 1, 7));

    // Turnaround. Days to first response: R1 10, R2 5, R3 20, R4 60, R5 3, R8 7, O1 2,
    // O2 30, O3 1, O5 4 (R9's refusal and R8's execution fall after the period).
    // Days to execution: R1 40, R3 20, R5 120, O1 60, O2 60, O5 30.
    let t = &st.turnaround;
    // first: 1 2 3 4 5 | 7 10 20 30 60 -> median (5+7)/2, p90 = 9th of 10.
    // execution: 20 30 40 | 60 60 120 -> median (40+60)/2, p90 = 6th of 6.
    assert_figures("overall", Some(&t.overall), spread(10, 6.0, 30), spread(6, 50.0, 120));
    assert_eq!(t.by_organ.len(), 2);
    // registry first: 3 5 7 10 20 60; execution: 20 40 120.
    assert_figures("registry", t.by_organ.get("registry"), spread(6, 8.5, 60), spread(3, 40.0, 120));
    // otp first: 1 2 4 30; execution 30 60 60.
    assert_figures("otp", t.by_organ.get("otp"), spread(4, 3.0, 30), spread(3, 60.0, 60));

    let types: Vec<&str> = t.by_line_type.keys().map(String::as_str).collect();
    assert_eq!(
        types,
        [
            "a93_1_a_identify_locate",
            "a93_1_b_take_evidence",
            "a93_1_h_search_seizure",
            "a93_1_i_records_documents",
            "a93_1_k_assets_trace_freeze_seize",
            "agreement_related",
            "arrest_surrender",
            "mission_support",
            "notification_judicial_documents",
        ]
    );
    let lt = |k: &str| t.by_line_type.get(k);
    // identify/locate: R5 (3; 120), O3 (1).
    assert_figures("identify_locate", lt(IL), spread(2, 2.0, 3), spread(1, 120.0, 120));
    // take evidence: R1 (10; 40), R4 (60), R8 (7), R9, O1 (2; 60), O5 (4; 30), O6.
    assert_figures("take_evidence", lt(TE), spread(5, 7.0, 60), spread(3, 40.0, 60));
    assert_figures("search_seizure", lt("a93_1_h_search_seizure"), none(), none());
    assert_figures("records_documents", lt("a93_1_i_records_documents"), none(), none());
    assert_figures("assets", lt("a93_1_k_assets_trace_freeze_seize"), spread(1, 30.0, 30), spread(1, 60.0, 60));
    assert_figures("agreement_related", lt(AGREEMENT), none(), none());
    assert_figures("arrest_surrender", lt("arrest_surrender"), spread(1, 7.0, 7), none());
    // mission support: R3 (20; 20), R6.
    assert_figures("mission_support", lt(MISSION), spread(1, 20.0, 20), spread(1, 20.0, 20));
    // notifications: R2 (5), R4 (60) -> median 32.5, p90 = 2nd of 2.
    assert_figures("notification", lt(NOTE), spread(2, 32.5, 60), none());

    let partners: Vec<&str> = t.by_partner.keys().map(String::as_str).collect();
    assert_eq!(partners, ["ARG", "DEU", "FRA", "GBR", "KEN", "NLD", "UGA"]);
    let pt = |k: &str| t.by_partner.get(k);
    // ARG: R1 (10; 40), R4 (60), R9, O1 (2; 60), O3 (1), O5 (4; 30).
    assert_figures("ARG", pt("ARG"), spread(5, 4.0, 60), spread(3, 40.0, 60));
    assert_figures("DEU", pt("DEU"), none(), none());
    // FRA: R2 (5), R5 (3; 120).
    assert_figures("FRA", pt("FRA"), spread(2, 4.0, 5), spread(1, 120.0, 120));
    assert_figures("GBR", pt("GBR"), none(), none());
    // KEN: R3 (20; 20), R8 (7).
    assert_figures("KEN", pt("KEN"), spread(2, 13.5, 20), spread(1, 20.0, 20));
    assert_figures("NLD", pt("NLD"), none(), none());
    // UGA: O2 (30; 60), O6.
    assert_figures("UGA", pt("UGA"), spread(1, 30.0, 30), spread(1, 60.0, 60));
}

#[tokio::test]
async fn the_report_figures_match_the_hand_computed_answers() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        dataset(&s).await;
        let st = s.app.request_statistics(&Actor::operator(), FROM, TO).await.expect("statistics");
        assert_hand_computed(&st);
        insta::assert_json_snapshot!("request_statistics", st);

        // An Assembly observer reads the same aggregate, confidential and sealed requests
        // counted; it names no request.
        s.user("asp.observer", "Assembly observers", "viewer").await;
        let observer = actor(&s.app, "asp.observer").await;
        let seen = s.app.request_statistics(&observer, FROM, TO).await.expect("the observer reads the statistics");
        // Which States received requests stays with the Court: no per-partner breakdown.
        assert!(seen.turnaround.by_partner.is_empty(), "{:?}", seen.turnaround.by_partner);
        let mut expected = serde_json::to_value(&st).expect("json");
        expected["turnaround"]["by_partner"] = serde_json::json!({});
        assert_eq!(serde_json::to_value(&seen).expect("json"), expected);
        // A focal point sees its own State's line only.
        s.user("fp.uga", "state:UGA", "viewer").await;
        let uga = s.app.request_statistics(&actor(&s.app, "fp.uga").await, FROM, TO).await.expect("statistics");
        assert_eq!(uga.turnaround.by_partner.keys().collect::<Vec<_>>(), ["UGA"]);
        let json = serde_json::to_string(&seen).expect("json");
        assert!(!json.contains("RFC-") && !json.contains("Request "), "no request is itemised: {json}");

        // The same figures for a Registry officer, who cannot see the sealed OTP request.
        let reg = actor(&s.app, "reg.officer").await;
        assert_hand_computed(&s.app.request_statistics(&reg, FROM, TO).await.expect("statistics"));
    });
}

#[tokio::test]
async fn an_empty_period_has_every_key_and_no_change_percent() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let st = s.app.request_statistics(&Actor::operator(), "2026-01-01", "2026-01-01").await.expect("statistics");
        assert_eq!(st.previous_from, NaiveDate::from_ymd_opt(2025, 12, 31).expect("a date"));
        assert_eq!(st.previous_to, NaiveDate::from_ymd_opt(2025, 12, 31).expect("a date"));
        assert_eq!(st.registry_transmitted.total, 0);
        assert_eq!(st.registry_transmitted.by_on_behalf_of.len(), 4);
        assert!(st.registry_transmitted.by_on_behalf_of.values().all(|v| *v == 0));
        assert_eq!(st.received_from_states.change_percent, None);
        assert_eq!(st.turnaround.by_organ.len(), 2);
        assert_spread("overall", &st.turnaround.overall.to_first_response, &none());
        assert!(st.turnaround.by_partner.is_empty() && st.turnaround.by_line_type.is_empty());
    });
}

#[tokio::test]
async fn the_period_must_be_two_valid_dates_in_order_and_at_most_twenty_years() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let op = Actor::operator();
        let stats = |from: &'static str, to: &'static str| {
            let app = s.app.clone();
            async move { app.request_statistics(&Actor::operator(), from, to).await }
        };
        let e = stats("2026-13-01", "2026-12-31").await.expect_err("a bad month");
        assert!(problem(e, "from").contains("YYYY-MM-DD"));
        let e = stats("2026-01-01", "31/12/2026").await.expect_err("a bad format");
        assert!(problem(e, "to").contains("YYYY-MM-DD"));
        let e = stats("", "2026-12-31").await.expect_err("no start");
        assert_eq!(problem(e, "from"), "is required");
        let e = stats("2026-01-01", " ").await.expect_err("no end");
        assert_eq!(problem(e, "to"), "is required");
        let e = stats("2026-12-31", "2026-01-01").await.expect_err("from after to");
        assert!(problem(e, "to").contains("before 'from'"));
        let e = stats("2000-01-01", "2020-01-01").await.expect_err("twenty years and a day");
        assert!(problem(e, "to").contains("20 years"));
        let st = s.app.request_statistics(&op, "2000-01-01", "2019-12-31").await.expect("exactly twenty years");
        assert_eq!(st.previous_from, NaiveDate::from_ymd_opt(1980, 1, 1).expect("a date"));
    });
}
