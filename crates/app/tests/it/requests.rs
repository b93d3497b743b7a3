//! Requests for cooperation through the use cases: the lifecycle with effective dates, the
//! checklist gate, the import of past registers, and list visibility matching the policy.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use comity_app::{
    import::{parse_csv, parse_json},
    requests::{LineInput, RequestInput, RequestPatch, RequestQuery, TransitionInput},
    Actor, AppError, AuthMethod,
};
use comity_testkit::on_every_engine;

use crate::TestApp;

pub async fn actor(s: &TestApp, name: &str) -> Actor {
    let mut c = s.app.db.read().await.expect("read");
    let u = comity_store::accounts::user_by_name(&mut c, name).await.expect("user query").expect("user exists");
    Actor::from_user(&u, AuthMethod::Session).expect("actor")
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

pub fn evidence_draft(partner: &str) -> RequestInput {
    RequestInput {
        on_behalf_of: "chamber".into(),
        partner_id: partner.into(),
        title: "Bank records of the accused".into(),
        lines: vec![LineInput { line_type: "a93_1_i_records_documents".into(), ..LineInput::default() }],
        ..RequestInput::default()
    }
}

pub fn mv(action: &str) -> TransitionInput {
    TransitionInput { action: action.into(), ..TransitionInput::default() }
}

#[tokio::test]
async fn a_request_runs_from_draft_to_execution_with_effective_dates() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("reg", "Registry", "officer,approver").await;
        let reg = actor(&s, "reg").await;
        let draft = s.app.create_request(&reg, &evidence_draft("ARG")).await.expect("draft");
        assert_eq!(draft.status, "draft");
        assert!(draft.reference.starts_with("RFC-2026-"), "{}", draft.reference);
        let missing: Vec<_> =
            draft.internal.as_ref().expect("internal view").missing.iter().map(|m| m.key.clone()).collect();
        assert_eq!(missing, ["purpose", "facts", "assistance_sought", "persons_places", "procedure", "deadline"]);

        // The checklist gates approval and names every gap.
        let refused = s.app.transition(&reg, &draft.id, &mv("approve")).await;
        let Err(AppError::Validation(f)) = refused else { panic!("approval of an incomplete draft: {refused:?}") };
        assert!(f.0.contains_key("lines[0].content.assistance_sought"), "{f:?}");
        assert!(f.0.contains_key("decision_reference"), "{f:?}");

        let mut content = BTreeMap::new();
        for k in ["assistance_sought", "persons_places", "procedure"] {
            content.insert(k.to_owned(), format!("{k} answered"));
        }
        let patch = RequestPatch {
            version: Some(draft.version),
            purpose: Some("Trace payments".into()),
            facts: Some("Facts".into()),
            deadline: Some("2026-06-30".into()),
            lines: Some(vec![LineInput {
                line_type: "a93_1_i_records_documents".into(),
                content,
                cost_allocation: None,
            }]),
            ..RequestPatch::default()
        };
        let complete = s.app.update_request(&reg, &draft.id, &patch).await.expect("complete the draft");
        assert!(complete.internal.as_ref().expect("internal").missing.is_empty());
        // The same patch again is stale.
        let stale = s.app.update_request(&reg, &draft.id, &patch).await;
        assert!(matches!(stale, Err(AppError::StaleVersion { .. })), "{stale:?}");

        let approve = TransitionInput { decision_reference: Some("ICC-01/04-123".into()), ..mv("approve") };
        s.app.transition(&reg, &draft.id, &approve).await.expect("approve");
        let sent = s.app.transition(&reg, &draft.id, &mv("transmit")).await.expect("transmit");
        assert_eq!(sent.transmission.as_ref().expect("sent").transmitted_on, day("2026-03-02"));

        // Recorded on the 5th, acknowledged on the 3rd: it counts from the 3rd.
        s.clock.advance(Duration::days(3));
        let ack = TransitionInput {
            effective_on: Some("2026-03-03".into()),
            national_reference: Some("AR-77".into()),
            ..mv("acknowledge")
        };
        let acked = s.app.transition(&reg, &draft.id, &ack).await.expect("acknowledge");
        assert_eq!(acked.first_response_on, Some(day("2026-03-03")));
        assert_eq!(acked.days_to_first_response, Some(1));
        // Never later than the day it is recorded, never before the previous step.
        let future = TransitionInput { effective_on: Some("2026-03-06".into()), ..mv("start_execution") };
        assert!(matches!(s.app.transition(&reg, &draft.id, &future).await, Err(AppError::Validation(_))));
        let early = TransitionInput { effective_on: Some("2026-03-01".into()), ..mv("start_execution") };
        assert!(matches!(s.app.transition(&reg, &draft.id, &early).await, Err(AppError::Validation(_))));

        s.clock.advance(Duration::days(10));
        let done = s.app.transition(&reg, &draft.id, &mv("record_execution")).await.expect("execute");
        assert_eq!(done.status, "executed");
        assert_eq!(done.days_to_execution, Some(13));
        assert_eq!(done.lines[0].outcome, "executed");
        let closed = s.app.transition(&reg, &draft.id, &mv("withdraw")).await;
        let Err(AppError::InvalidTransition { allowed, .. }) = closed else { panic!("{closed:?}") };
        assert!(allowed.is_empty());

        let events = s.app.request_events(&reg, &draft.id).await.expect("events");
        let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["create", "edit", "approve", "transmit", "acknowledge", "record_execution"]);
        assert_eq!(events[4].effective_on, day("2026-03-03"));
        assert_eq!(events[4].recorded_at.date_naive(), day("2026-03-05"));
    });
}

#[tokio::test]
async fn only_the_right_organ_transmits_and_defence_requests_stay_hidden_from_the_otp() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("reg", "Registry", "officer,approver").await;
        s.user("otp", "Office of the Prosecutor", "officer,approver").await;
        s.user("counsel", "defence:Team A", "officer,approver").await;
        s.user("fp.fra", "state:FRA", "officer").await;
        let (reg, otp, counsel, fra) =
            (actor(&s, "reg").await, actor(&s, "otp").await, actor(&s, "counsel").await, actor(&s, "fp.fra").await);
        let defence = RequestInput {
            on_behalf_of: "defence".into(),
            classification: Some("ex_parte".into()),
            ..evidence_draft("FRA")
        };
        let d = s.app.create_request(&counsel, &defence).await.expect("the Defence drafts");
        assert!(matches!(s.app.request(&otp, &d.id).await, Err(AppError::NotFound)));
        assert!(matches!(s.app.request(&fra, &d.id).await, Err(AppError::NotFound)), "not before transmission");
        s.app.request(&reg, &d.id).await.expect("the Registry transmits Defence requests, so it sees them");
        let otp_list = s.app.list_requests(&otp, &RequestQuery::default()).await.expect("list");
        assert_eq!(otp_list.total, 0);
        let otp_search =
            s.app.list_requests(&otp, &RequestQuery { q: Some("bank".into()), ..RequestQuery::default() }).await;
        assert_eq!(otp_search.expect("search").total, 0);
        // The OTP may not draft for a Chamber.
        let r = s.app.create_request(&otp, &evidence_draft("FRA")).await;
        assert!(matches!(r, Err(AppError::Validation(ref f)) if f.0.contains_key("on_behalf_of")), "{r:?}");
        let q = RequestQuery { q: Some("BANK rec".into()), ..RequestQuery::default() };
        assert_eq!(s.app.list_requests(&reg, &q).await.expect("search").total, 1);
    });
}

const REGISTER: &str = "\
reference,direction,on_behalf_of,kind,parent_reference,partner,title,line_types,drafted_on,transmitted_on,acknowledged_on,executed_on,refused_on,refusal_ground,reason
ICC-R-2024-001,outgoing,chamber,primary,,ARG,Records,a93_1_i_records_documents,2024-01-02,2024-01-10,2024-01-15,2024-02-09,,,
ICC-R-2024-002,outgoing,registry,primary,,FRA,Service,notification_judicial_documents,2024-01-03,2024-01-12,,,,,
ICC-O-2024-001,outgoing,prosecution,primary,,KEN,Witness,a93_1_b_take_evidence,2024-02-01,2024-02-05,,,2024-03-01,other,Declined
ICC-O-2024-002,outgoing,prosecution,follow_up,ICC-O-2024-001,KEN,Witness again,a93_1_b_take_evidence,2024-03-02,2024-03-05,,,,,
ICC-I-2024-001,incoming,registry,primary,,DEU,Documents for a national case,assistance_to_state,2024-04-01,,,,,,
";

#[tokio::test]
async fn a_past_register_imports_once_with_its_real_dates() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let operator = Actor::operator();
        s.user("reg", "Registry", "officer").await;
        let reg = actor(&s, "reg").await;
        let rows = parse_csv(REGISTER).expect("a well-formed register");
        let dry = s.app.import_requests(&operator, &rows, true, |_| {}).await.expect("dry run");
        assert_eq!((dry.created, dry.unchanged, dry.problems.len()), (5, 0, 0), "{:?}", dry.problems);
        assert_eq!(s.app.list_requests(&reg, &RequestQuery::default()).await.expect("list").total, 0);

        let run = s.app.import_requests(&operator, &rows, false, |_| {}).await.expect("import");
        assert_eq!((run.created, run.unchanged), (5, 0), "{:?}", run.problems);
        let again = s.app.import_requests(&operator, &rows, false, |_| {}).await.expect("re-import");
        assert_eq!((again.created, again.unchanged), (0, 5));

        let q = RequestQuery { q: Some("ICC R 2024 001".into()), ..RequestQuery::default() };
        // The operator imports but, outside the Registry, does not read confidential requests.
        assert_eq!(s.app.list_requests(&operator, &q).await.expect("operator's list").total, 0);
        let page = s.app.list_requests(&reg, &q).await.expect("find by reference");
        assert_eq!(page.total, 1);
        assert!(page.items[0].imported);
        let r = s.app.request(&reg, &page.items[0].id).await.expect("the imported request");
        assert_eq!(r.status, "executed");
        assert_eq!(r.transmission.as_ref().expect("sent").transmitted_on, day("2024-01-10"));
        assert_eq!((r.days_to_first_response, r.days_to_execution), (Some(5), Some(30)));
        let events = s.app.request_events(&reg, &r.id).await.expect("history");
        let steps: Vec<_> = events.iter().map(|e| (e.action.as_str(), e.effective_on.to_string())).collect();
        assert_eq!(
            steps,
            [
                ("create", "2024-01-02".to_owned()),
                ("approve", "2024-01-10".to_owned()),
                ("transmit", "2024-01-10".to_owned()),
                ("acknowledge", "2024-01-15".to_owned()),
                ("record_execution", "2024-02-09".to_owned()),
            ]
        );
        let q = RequestQuery { q: Some("again".into()), ..RequestQuery::default() };
        s.user("otp", "Office of the Prosecutor", "officer").await;
        let follow = s.app.list_requests(&actor(&s, "otp").await, &q).await.expect("follow-up");
        assert_eq!(follow.items[0].kind, "follow_up");
    });
}

#[tokio::test]
async fn a_register_with_problems_reports_every_one_and_stores_nothing() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let bad = "\
reference,on_behalf_of,partner,title,line_types,transmitted_on,executed_on
A-1,chamber,ATLANTIS,Records,a93_1_i_records_documents,2024-01-10,
A-2,chamber,ARG,Records,teleportation,2024-01-10,
A-3,chamber,ARG,Records,a93_1_i_records_documents,2024-01-10,2024-01-01
A-4,chamber,ARG,Records,a93_1_i_records_documents,2099-01-10,
A-1,chamber,ARG,Records,a93_1_i_records_documents,,
A-5,chamber,ARG,Fine,a93_1_i_records_documents,2024-01-10,
";
        let rows = parse_csv(bad).expect("readable");
        let report = s.app.import_requests(&Actor::operator(), &rows, false, |_| {}).await.expect("checked");
        let found: Vec<_> = report.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
        assert!(found.contains(&(2, "partner_id")), "{found:?}");
        assert!(found.contains(&(3, "lines[0].line_type")), "{found:?}");
        // Milestones are applied in date order: an execution before the transmission is refused.
        assert!(found.contains(&(4, "history")), "{found:?}");
        assert!(found.contains(&(5, "history[0].on")), "{found:?}");
        assert!(found.contains(&(6, "reference")), "{found:?}");
        assert!(!found.iter().any(|(row, _)| *row == 7), "{found:?}");
        assert_eq!(report.created, 0);
        let all = s.app.list_requests(&Actor::operator(), &RequestQuery::default()).await.expect("list");
        assert_eq!(all.total, 0, "nothing is stored when any row has a problem");
        // Unknown columns and bad JSON are named too.
        let cols = parse_csv("reference,colour\nA,blue\n").expect_err("unknown column");
        assert!(cols.iter().any(|p| p.field == "colour"));
        let json = parse_json(r#"[{"reference": "X", "on_behalf_of": 3}]"#).expect_err("bad JSON");
        assert!(json.field.contains("on_behalf_of"), "{json:?}");
        // Only administrators import.
        s.user("reg", "Registry", "officer").await;
        let officer = actor(&s, "reg").await;
        assert!(matches!(s.app.import_requests(&officer, &rows, true, |_| {}).await, Err(AppError::Forbidden)));
    });
}

/// The SQL that filters lists mirrors the policy: for every user and every request, the
/// request is listed exactly when the policy lets the user read it.
#[tokio::test]
async fn lists_show_exactly_what_the_policy_allows() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let users = [
            ("reg", "Registry", "officer,approver"),
            ("otp", "Office of the Prosecutor", "officer,approver"),
            ("chambers", "Chambers", "officer,approver"),
            ("vws", "Victims and Witnesses Section", "officer"),
            ("counsel.a", "defence:Team A", "officer,approver"),
            ("counsel.b", "defence:Team B", "officer"),
            ("fp.arg", "state:ARG", "officer"),
            ("fp.fra", "state:FRA", "officer"),
            ("observer", "Assembly observers", "viewer"),
        ];
        for (name, unit, roles) in users {
            s.user(name, unit, roles).await;
        }
        let mut ids = Vec::new();
        for author in ["reg", "otp", "counsel.a"] {
            let a = actor(&s, author).await;
            let behalf = match author {
                "reg" => "registry",
                "otp" => "prosecution",
                _ => "defence",
            };
            for class in ["public", "internal", "confidential", "ex_parte", "sealed"] {
                for (partner, send) in [("ARG", true), ("FRA", false)] {
                    let mut input = RequestInput {
                        on_behalf_of: behalf.into(),
                        classification: Some(class.into()),
                        deadline: Some("2026-12-31".into()),
                        purpose: "p".into(),
                        facts: "f".into(),
                        decision_reference: "d".into(),
                        ..evidence_draft(partner)
                    };
                    let mut content = BTreeMap::new();
                    for k in ["assistance_sought", "persons_places", "procedure"] {
                        content.insert(k.to_owned(), "x".to_owned());
                    }
                    input.lines[0].content = content;
                    let r = s.app.create_request(&a, &input).await.expect("create");
                    if send {
                        s.app.transition(&a, &r.id, &mv("approve")).await.expect("approve");
                        let sender = if author == "otp" { actor(&s, "otp").await } else { actor(&s, "reg").await };
                        // A sealed Defence request is seen by its author alone, so no one else sends it.
                        if s.app.request(&sender, &r.id).await.is_ok() {
                            s.app.transition(&sender, &r.id, &mv("transmit")).await.expect("transmit");
                        }
                    }
                    ids.push(r.id);
                }
            }
        }
        for (name, _, _) in users {
            let a = actor(&s, name).await;
            let page = s
                .app
                .list_requests(&a, &RequestQuery { per_page: Some(500), ..RequestQuery::default() })
                .await
                .expect("list");
            let listed: std::collections::BTreeSet<_> = page.items.iter().map(|i| i.id.clone()).collect();
            assert_eq!(page.total as usize, listed.len());
            for id in &ids {
                let readable = s.app.request(&a, id).await.is_ok();
                assert_eq!(listed.contains(id), readable, "{name} on {id}");
            }
            if name == "observer" {
                assert!(listed.is_empty());
            }
            if name == "fp.fra" {
                assert!(page.items.iter().all(|i| i.classification == "public"), "FRA sees only public requests");
            }
        }
    });
}

pub fn complete(mut input: RequestInput) -> RequestInput {
    input.purpose = "p".into();
    input.facts = "f".into();
    input.deadline = Some("2026-12-31".into());
    input.decision_reference = "ICC-01/04-01/26-5".into();
    for l in &mut input.lines {
        let t: comity_domain::request::LineType = l.line_type.parse().expect("line type");
        for item in t.checklist() {
            l.content.insert(item.key.to_owned(), "answered".to_owned());
        }
    }
    input
}

/// Rule 188: after a provisional arrest the full request is due within 60 days; the clock
/// runs past the arrest request's own execution and stops when the follow-up is sent.
#[tokio::test]
async fn the_rule_188_clock_runs_until_the_full_request_is_sent() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("reg", "Registry", "officer,approver").await;
        let reg = actor(&s, "reg").await;
        let arrest = complete(RequestInput {
            on_behalf_of: "chamber".into(),
            partner_id: "ARG".into(),
            title: "Provisional arrest".into(),
            urgency: Some("urgent".into()),
            lines: vec![LineInput { line_type: "provisional_arrest".into(), ..LineInput::default() }],
            ..RequestInput::default()
        });
        let a = s.app.create_request(&reg, &arrest).await.expect("draft");
        for m in ["approve", "transmit", "record_execution"] {
            s.app.transition(&reg, &a.id, &mv(m)).await.expect(m);
        }
        let clock = &s.app.request(&reg, &a.id).await.expect("view").legal_clocks[0];
        assert_eq!((clock.rule.as_str(), clock.due_on, clock.overdue), ("rule_188", day("2026-05-01"), false));

        s.clock.advance(Duration::days(61));
        let late = s.app.request(&reg, &a.id).await.expect("view");
        assert_eq!(late.status, "executed");
        assert!(late.legal_clocks[0].overdue, "overdue although the arrest request itself is closed");

        let full = complete(RequestInput {
            kind: Some("follow_up".into()),
            parent_id: Some(a.id.clone()),
            on_behalf_of: "chamber".into(),
            partner_id: "ARG".into(),
            title: "Surrender".into(),
            lines: vec![LineInput { line_type: "arrest_surrender".into(), ..LineInput::default() }],
            ..RequestInput::default()
        });
        let f = s.app.create_request(&reg, &full).await.expect("follow-up");
        let approved = TransitionInput { effective_on: Some("2026-04-19".into()), ..mv("approve") };
        s.app.transition(&reg, &f.id, &approved).await.expect("approve");
        let sent = TransitionInput { effective_on: Some("2026-04-20".into()), ..mv("transmit") };
        s.app.transition(&reg, &f.id, &sent).await.expect("sent within the 60 days");
        let clock = &s.app.request(&reg, &a.id).await.expect("view").legal_clocks[0];
        assert_eq!((clock.stopped_on, clock.overdue), (Some(day("2026-04-20")), false));
    });
}

/// The addressee State sees what was sent and what it sent back, never the Court's own notes.
#[tokio::test]
async fn internal_notes_never_reach_the_state() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("reg", "Registry", "officer,approver").await;
        s.user("fp.arg", "state:ARG", "officer").await;
        let (reg, fp) = (actor(&s, "reg").await, actor(&s, "fp.arg").await);
        let r = s.app.create_request(&reg, &complete(evidence_draft("ARG"))).await.expect("draft");
        for m in ["approve", "transmit"] {
            s.app.transition(&reg, &r.id, &mv(m)).await.expect(m);
        }
        let upload = |kind: &str, name: &str| comity_app::documents::DocumentUpload {
            filename: name.into(),
            kind: Some(kind.into()),
            bytes: b"%PDF-1.4 test".to_vec(),
            ..Default::default()
        };
        s.app.add_document(&reg, &r.id, upload("annex", "annex.pdf")).await.expect("annex");
        let note = s.app.add_document(&reg, &r.id, upload("internal_note", "assessment.pdf")).await.expect("note");
        let seen: Vec<_> = s.app.documents(&fp, &r.id).await.expect("documents").into_iter().map(|d| d.kind).collect();
        assert_eq!(seen, ["annex"]);
        assert!(matches!(s.app.download_document(&fp, &r.id, &note.id).await, Err(AppError::NotFound)));
        s.app.download_document(&reg, &r.id, &note.id).await.expect("the Registry reads its note");
        let filed = s.app.add_document(&fp, &r.id, upload("internal_note", "x.pdf")).await;
        assert!(matches!(filed, Err(AppError::Validation(ref f)) if f.0.contains_key("kind")), "{filed:?}");
        s.app.add_document(&fp, &r.id, upload("material_received", "records.pdf")).await.expect("the State answers");
        let history = serde_json::to_string(&s.app.request_events(&fp, &r.id).await.expect("history")).expect("json");
        assert!(history.contains("annex.pdf") && history.contains("records.pdf"), "{history}");
        assert!(!history.contains("assessment.pdf") && !history.contains("internal_note"), "{history}");
        let own = serde_json::to_string(&s.app.request_events(&reg, &r.id).await.expect("history")).expect("json");
        assert!(own.contains("assessment.pdf"), "the Court's own history keeps it");
    });
}

/// Guessing ids gets 404, and the attempt is in the audit trail.
#[tokio::test]
async fn a_guessed_or_foreign_request_id_is_refused_and_audited() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("reg", "Registry", "officer,approver").await;
        s.user("fp.fra", "state:FRA", "officer").await;
        s.user("auditor", "Registry", "auditor").await;
        let (reg, fra, auditor) = (actor(&s, "reg").await, actor(&s, "fp.fra").await, actor(&s, "auditor").await);
        let r = s.app.create_request(&reg, &complete(evidence_draft("ARG"))).await.expect("draft");
        let guessed = "01a22432-0000-7000-8000-000000000000";
        assert!(matches!(s.app.request(&fra, &r.id).await, Err(AppError::NotFound)));
        assert!(matches!(s.app.request(&fra, guessed).await, Err(AppError::NotFound)));
        assert!(matches!(s.app.messages(&fra, &r.id).await, Err(AppError::NotFound)));
        // An audited read commits after the refusals noted before it.
        s.app.request(&reg, &r.id).await.expect("the Registry reads it");
        let q = comity_app::trail::AuditQuery { user: Some("fp.fra".into()), limit: 50, ..Default::default() };
        let entries = s.app.audit_entries(&auditor, &q).await.expect("the trail");
        let refused: Vec<(&str, &str)> =
            entries.iter().map(|e| (e.entry.action.as_str(), e.entry.record_id.as_str())).collect();
        assert!(refused.contains(&("request.not_found", r.id.as_str())), "{refused:?}");
        assert!(refused.contains(&("request.not_found", guessed)), "{refused:?}");
        assert_eq!(refused.iter().filter(|(a, _)| *a == "request.not_found").count(), 3);
    });
}
