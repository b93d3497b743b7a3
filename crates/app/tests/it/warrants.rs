//! Warrants through the use cases: a sealed warrant sent to three States, a provisional arrest
//! that starts the rule 188 clock and moves the person's status, the unsealing, and the
//! persons-at-large figure on days before, during and after, as each kind of user sees it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use comity_app::{
    requests::{RequestQuery, TransitionInput},
    warrants::{ArrestRequestsInput, PersonInput, UnsealInput, WarrantInput, WarrantQuery, WarrantStatusInput},
    AppError,
};
use comity_testkit::on_every_engine;

use crate::{
    problem,
    requests::{actor, mv},
    TestApp,
};

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

pub const USERS: &[(&str, &str, &str)] = &[
    ("reg", "Registry", "officer,approver"),
    ("otp", "Office of the Prosecutor", "officer,approver"),
    ("chambers", "Chambers", "officer,approver"),
    ("vws", "Victims and Witnesses Section", "officer"),
    ("counsel", "defence:Team A", "officer,approver"),
    ("fp.arg", "state:ARG", "officer"),
    ("fp.fra", "state:FRA", "officer"),
    ("observer", "Assembly observers", "viewer"),
];

pub async fn people(s: &TestApp) {
    for (name, unit, roles) in USERS {
        s.user(name, unit, roles).await;
    }
}

pub fn sealed_warrant() -> WarrantInput {
    WarrantInput {
        reference: "ICC-01/26-01/26-3-US".into(),
        person: Some(PersonInput {
            name: "Omar Hassan Ahmad al-Bashir".into(),
            aliases: vec!["Omer el-Béchir".into()],
            born_on: Some("1944-01-01".into()),
            nationality: Some("SDN".into()),
        }),
        situation: "Situation in Ruritania".into(),
        case_name: "The Prosecutor v. Example".into(),
        chamber: "Pre-Trial Chamber I".into(),
        issued_on: "2026-01-10".into(),
        crimes: "Crimes against humanity (murder, art. 7(1)(a))".into(),
        facts: "Attacks on civilians in the region between 2024 and 2025.".into(),
        under_seal: true,
        named_units: vec!["Office of the Prosecutor".into()],
        ..WarrantInput::default()
    }
}

fn moved(action: &str, on: &str) -> TransitionInput {
    TransitionInput { effective_on: Some(on.into()), ..mv(action) }
}

#[tokio::test]
async fn a_sealed_warrant_goes_to_three_states_and_is_counted_right_on_every_day() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        people(&s).await;
        let reg = actor(&s, "reg").await;
        let otp = actor(&s, "otp").await;
        let chambers = actor(&s, "chambers").await;
        let fp_arg = actor(&s, "fp.arg").await;
        let fp_fra = actor(&s, "fp.fra").await;

        let w = s.app.issue_warrant(&reg, &sealed_warrant()).await.expect("issue under seal");
        assert!(w.summary.under_seal);
        assert_eq!(w.summary.classification, "ex_parte");
        assert_eq!(w.named_units, ["Office of the Prosecutor"]);

        // Provisional arrest asked of three States at once, each its own request.
        let sent = s
            .app
            .send_arrest_requests(
                &reg,
                &w.summary.id,
                &ArrestRequestsInput {
                    line_type: Some("provisional_arrest".into()),
                    partner_ids: vec!["ARG".into(), "fra".into(), "DEU".into()],
                    probable_location: "Expected to attend a summit".into(),
                    deadline: Some("2026-12-31".into()),
                    ..ArrestRequestsInput::default()
                },
            )
            .await
            .expect("send to three States");
        let mut states: Vec<_> = sent.iter().map(|r| r.partner_id.as_str()).collect();
        states.sort();
        assert_eq!(states, ["ARG", "DEU", "FRA"]);
        assert!(sent.iter().all(|r| r.status == "draft" && r.line_types == ["provisional_arrest"]));
        for r in &sent {
            // The checklist was filled from the warrant: nothing is missing.
            let view = s.app.request(&reg, &r.id).await.expect("read the copy");
            assert_eq!(view.internal.as_ref().expect("internal").missing.len(), 0, "{:?}", view.internal);
            assert_eq!(
                view.lines[0].content["warrant_reference"],
                "ICC-01/26-01/26-3-US, issued by Pre-Trial Chamber I on 2026-01-10"
            );
            s.app.transition(&reg, &r.id, &moved("approve", "2026-01-14")).await.expect("approve");
            s.app.transition(&reg, &r.id, &moved("transmit", "2026-01-15")).await.expect("transmit");
        }
        let to_arg = sent.iter().find(|r| r.partner_id == "ARG").expect("ARG's copy");
        let to_fra = sent.iter().find(|r| r.partner_id == "FRA").expect("FRA's copy");

        // Each State sees its own copy and nothing of the others or of the warrant.
        assert!(s.app.request(&fp_arg, &to_arg.id).await.is_ok());
        assert!(matches!(s.app.request(&fp_arg, &to_fra.id).await, Err(AppError::NotFound)));
        assert!(matches!(s.app.request(&fp_fra, &to_arg.id).await, Err(AppError::NotFound)));
        let inbox = s.app.list_requests(&fp_fra, &RequestQuery::default()).await.expect("FRA's inbox");
        assert_eq!(inbox.items.iter().map(|r| r.partner_id.as_str()).collect::<Vec<_>>(), ["FRA"]);
        assert!(matches!(s.app.warrant(&fp_arg, &w.summary.id).await, Err(AppError::NotFound)));

        // Argentina arrests provisionally on 1 February.
        s.app.transition(&fp_arg, &to_arg.id, &moved("acknowledge", "2026-01-20")).await.expect("acknowledge");
        let mut outcomes = BTreeMap::new();
        outcomes.insert("1".to_owned(), "executed".to_owned());
        let arrested = s
            .app
            .transition(
                &fp_arg,
                &to_arg.id,
                &TransitionInput { line_outcomes: outcomes, ..moved("record_execution", "2026-02-01") },
            )
            .await
            .expect("record the provisional arrest");
        let clock = arrested.legal_clocks.iter().find(|c| c.rule == "rule_188").expect("the rule 188 clock shows");
        assert_eq!((clock.started_on, clock.due_on), (day("2026-02-01"), day("2026-04-02")));
        assert!(!clock.overdue);

        let w = s.app.warrant(&otp, &w.summary.id).await.expect("the OTP is named");
        assert_eq!(w.summary.status, "provisionally_arrested");
        assert_eq!(w.summary.status_on, day("2026-02-01"));
        assert!(w.requests.is_empty(), "the Registry's requests stay the Registry's");
        let seen_by_registry = s.app.warrant(&reg, &w.summary.id).await.expect("the Registry");
        assert_eq!(seen_by_registry.requests.len(), 3);
        let clocks: Vec<_> =
            seen_by_registry.clocks.iter().map(|c| (c.partner_name.as_str(), c.clock.due_on)).collect();
        assert_eq!(clocks, [("Argentina", day("2026-04-02"))], "the warrant shows the rule 188 clock");
        assert_eq!(w.history.last().and_then(|h| h.request_id.as_deref()), Some(to_arg.id.as_str()));

        // Before, during and after: as the OTP (named), Chambers (not named), a State.
        let figure = |who, on: &str| {
            let app = s.app.clone();
            let on = day(on);
            async move { app.warrant_statistics(who, on).await.expect("figure") }
        };
        let before = figure(&otp, "2026-01-09").await;
        assert_eq!(before.at_large, 0);
        let during = figure(&otp, "2026-01-20").await;
        assert_eq!((during.at_large, during.named.len(), during.not_named), (1, 1, 0));
        assert_eq!(during.named[0].name, "Omar Hassan Ahmad al-Bashir");
        let unnamed = figure(&chambers, "2026-01-20").await;
        assert_eq!((unnamed.at_large, unnamed.named.len(), unnamed.not_named), (1, 0, 1));
        assert_eq!(figure(&fp_fra, "2026-01-20").await.at_large, 0, "a State does not count sealed warrants");
        assert_eq!(s.app.public_warrant_statistics(day("2026-01-20")).await.expect("public").at_large, 0);
        assert_eq!(figure(&otp, "2026-02-01").await.at_large, 0, "arrested that day");
        assert_eq!(figure(&otp, "2026-03-01").await.at_large, 0);

        // Unsealed on 20 February: now the public may know of it, and its past.
        let unsealed = s
            .app
            .unseal_warrant(
                &reg,
                &w.summary.id,
                &UnsealInput {
                    effective_on: Some("2026-02-20".into()),
                    version: Some(w.version),
                    ..Default::default()
                },
            )
            .await
            .expect("unseal");
        assert!(!unsealed.summary.under_seal);
        assert_eq!(unsealed.summary.unsealed_on, Some(day("2026-02-20")));
        assert_eq!(unsealed.summary.classification, "public");
        assert!(s.app.warrant(&chambers, &w.summary.id).await.is_ok(), "public once unsealed");
        let public = s.app.public_warrant_statistics(day("2026-01-20")).await.expect("public");
        assert_eq!((public.at_large, public.named.len()), (1, 1));
        assert_eq!(s.app.public_warrant_statistics(day("2026-02-25")).await.expect("public").at_large, 0);
        let during = figure(&chambers, "2026-01-20").await;
        assert_eq!((during.at_large, during.named.len()), (1, 1));
        assert_eq!(s.app.public_warrants().await.expect("list").len(), 1);
    });
}

#[tokio::test]
async fn a_sealed_warrant_and_its_person_are_invisible_outside_the_named_units() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        people(&s).await;
        let reg = actor(&s, "reg").await;
        let w = s.app.issue_warrant(&reg, &sealed_warrant()).await.expect("issue under seal");
        let person = w.person.id.clone();
        for (name, _, _) in USERS {
            let a = actor(&s, name).await;
            let named = matches!(*name, "reg" | "otp");
            assert_eq!(s.app.warrant(&a, &w.summary.id).await.is_ok(), named, "{name} reading the warrant");
            assert_eq!(s.app.person(&a, &person).await.is_ok(), named, "{name} reading the person");
            let listed = s.app.list_warrants(&a, &WarrantQuery::default()).await.map(|l| l.len()).unwrap_or(0);
            assert_eq!(listed, usize::from(named), "{name} listing warrants");
            if !named {
                let changed = s
                    .app
                    .set_warrant_status(
                        &a,
                        &w.summary.id,
                        &WarrantStatusInput { status: "arrested".into(), version: Some(1), ..Default::default() },
                    )
                    .await;
                assert!(matches!(changed, Err(AppError::NotFound)), "{name} changing it: {changed:?}");
            }
        }
        assert!(s.app.public_warrants().await.expect("public").is_empty());
        let public = s.app.public_warrant_statistics(day("2026-02-01")).await.expect("public");
        assert_eq!((public.at_large, public.not_named), (0, 0));
    });
}

#[tokio::test]
async fn warrant_input_is_checked_field_by_field() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        people(&s).await;
        let reg = actor(&s, "reg").await;
        let bad = WarrantInput {
            reference: String::new(),
            issued_on: "2027-01-01".into(),
            person: Some(PersonInput { name: " ".into(), nationality: Some("XXX".into()), ..Default::default() }),
            named_units: vec!["No such unit".into()],
            ..sealed_warrant()
        };
        let Err(AppError::Validation(f)) = s.app.issue_warrant(&reg, &bad).await else { panic!("accepted") };
        assert_eq!(f.0["reference"], "is required");
        assert_eq!(f.0["issued_on"], "cannot be later than today");
        assert_eq!(f.0["person.name"], "is required");
        assert_eq!(f.0["person.nationality"], "unknown partner 'XXX'");
        assert_eq!(f.0["named_units"], "unknown unit 'No such unit'");

        let w = s.app.issue_warrant(&reg, &sealed_warrant()).await.expect("issue");
        let again = s.app.issue_warrant(&reg, &sealed_warrant()).await.expect_err("same reference");
        assert_eq!(problem(again, "reference"), "is already used by another warrant");
        let stale = s
            .app
            .set_warrant_status(
                &reg,
                &w.summary.id,
                &WarrantStatusInput { status: "arrested".into(), version: Some(7), ..Default::default() },
            )
            .await;
        assert!(matches!(stale, Err(AppError::StaleVersion { current: 1 })), "{stale:?}");
        let early = s
            .app
            .set_warrant_status(
                &reg,
                &w.summary.id,
                &WarrantStatusInput {
                    status: "arrested".into(),
                    effective_on: Some("2025-12-31".into()),
                    version: Some(1),
                    ..Default::default()
                },
            )
            .await
            .expect_err("before issue");
        assert!(problem(early, "effective_on").starts_with("cannot be before the warrant was issued"));
        let unknown = s
            .app
            .set_warrant_status(
                &reg,
                &w.summary.id,
                &WarrantStatusInput { status: "escaped".into(), version: Some(1), ..Default::default() },
            )
            .await
            .expect_err("unknown status");
        assert!(problem(unknown, "status").starts_with("must be one of: at_large"));
        // A Defence team does not record warrants.
        let counsel = actor(&s, "counsel").await;
        assert!(matches!(s.app.issue_warrant(&counsel, &sealed_warrant()).await, Err(AppError::Forbidden)));
    });
}

#[tokio::test]
async fn past_warrants_are_imported_with_their_histories_all_or_nothing() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        people(&s).await;
        let rows: Vec<comity_app::warrants::WarrantImportRow> = serde_json::from_value(serde_json::json!([
            {
                "reference": "ICC-02/04-01/05-53", "person": { "name": "Joseph Kony" },
                "case_name": "The Prosecutor v. Joseph Kony", "chamber": "Pre-Trial Chamber II",
                "issued_on": "2005-07-08", "crimes": "Crimes against humanity", "under_seal": true,
                "unsealed_on": "2005-10-13"
            },
            {
                "reference": "ICC-01/04-01/06-2", "person": { "name": "Thomas Lubanga Dyilo" },
                "case_name": "The Prosecutor v. Thomas Lubanga Dyilo", "chamber": "Pre-Trial Chamber I",
                "issued_on": "2006-02-10", "crimes": "War crimes", "under_seal": true, "unsealed_on": "2006-03-17",
                "history": [ { "status": "surrendered", "effective_on": "2006-03-17" } ]
            }
        ]))
        .expect("rows");
        let operator = comity_app::Actor::operator();
        let mut bad = rows.clone();
        bad[1].history[0].effective_on = "2001-01-01".into();
        bad[0].warrant.crimes = String::new();
        let report = s.app.import_warrants(&operator, &bad, false).await.expect("report");
        let problems: Vec<_> = report.errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(problems, [(1, "crimes"), (2, "history[0].effective_on")]);
        assert_eq!(report.imported, 0);
        assert!(s.app.public_warrants().await.expect("list").is_empty(), "nothing was imported");

        let dry = s.app.import_warrants(&operator, &rows, true).await.expect("dry run");
        assert_eq!((dry.imported, dry.errors.len()), (2, 0));
        assert!(s.app.public_warrants().await.expect("list").is_empty(), "a dry run stores nothing");
        let done = s.app.import_warrants(&operator, &rows, false).await.expect("import");
        assert_eq!((done.imported, done.skipped), (2, 0));
        let again = s.app.import_warrants(&operator, &rows, false).await.expect("again");
        assert_eq!((again.imported, again.skipped), (0, 2));

        let figure = |on: &str| {
            let app = s.app.clone();
            let on = day(on);
            async move { app.public_warrant_statistics(on).await.expect("figure").at_large }
        };
        assert_eq!(figure("2005-12-31").await, 1);
        assert_eq!(figure("2006-03-01").await, 2);
        assert_eq!(figure("2006-03-17").await, 1, "Lubanga was surrendered that day");
        let officer = actor(&s, "reg").await;
        assert!(matches!(s.app.import_warrants(&officer, &rows, true).await, Err(AppError::Forbidden)));
    });
}
