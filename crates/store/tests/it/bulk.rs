use chrono::NaiveDate;
use comity_store::{
    accounts::{self, Unit},
    bulk,
    partners::{self, Partner},
    requests::{self, Event, Line, Request},
    Sql,
};
use comity_testkit::on_every_engine;

use super::{at, open};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn request(n: usize, title: &str, purpose: &str) -> Request {
    Request {
        id: format!("req-{n:05}"),
        reference: format!("RFC-2025-{n:05}"),
        direction: "outgoing".into(),
        organ: "registry".into(),
        on_behalf_of: "chamber".into(),
        kind: "primary".into(),
        parent_id: None,
        partner_id: "KEN".into(),
        title: title.into(),
        purpose: purpose.into(),
        facts: "Facts.".into(),
        legal_basis: "Art. 93(1)(b)".into(),
        situation: "Situation X".into(),
        case_name: String::new(),
        persons: "[]".into(),
        urgency: "normal".into(),
        deadline: Some(d("2025-09-30")),
        cost_allocation: "requested_state".into(),
        classification: "public".into(),
        status: "executed".into(),
        resume_status: None,
        owner_unit_id: "u-registry".into(),
        acting_for_unit_id: None,
        chamber_unit_id: None,
        transmitting_unit_id: "u-registry".into(),
        responsible_user_id: None,
        decision_reference: "ICC-01/01-123".into(),
        profile_id: None,
        channel: Some("diplomatic".into()),
        receiving_authority: Some("Ministry of Justice".into()),
        language: Some("en".into()),
        national_reference: None,
        transmitted_on: Some(d("2025-03-01")),
        first_response_on: Some(d("2025-03-20")),
        executed_on: Some(d("2025-06-02")),
        closed_on: Some(d("2025-06-02")),
        provisional_arrest_on: None,
        imported_at: None,
        imported_by: None,
        created_by: "user-1".into(),
        version: 4,
        created_at: at(n as i64),
        updated_at: at(n as i64 + 100),
    }
}

fn line(r: &Request, position: i64, line_type: &str) -> Line {
    Line {
        id: format!("{}-l{position}", r.id),
        request_id: r.id.clone(),
        position,
        line_type: line_type.into(),
        content: r#"{"description":"what is asked"}"#.into(),
        cost_allocation: "requested_state".into(),
        outcome: "executed".into(),
        outcome_on: Some(d("2025-06-02")),
        outcome_note: String::new(),
    }
}

fn event(r: &Request, seq: i64, action: &str, from: Option<&str>, to: &str, on: &str) -> Event {
    Event {
        id: format!("{}-e{seq}", r.id),
        request_id: r.id.clone(),
        seq,
        action: action.into(),
        from_status: from.map(str::to_owned),
        to_status: to.into(),
        effective_on: d(on),
        recorded_at: at(seq * 10),
        actor: "user-1".into(),
        reason: String::new(),
        detail: "{}".into(),
    }
}

#[tokio::test]
async fn the_bulk_loader_writes_what_it_is_given_and_the_change_feed_follows() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        let mut tx = db.write().await.expect("begin");
        accounts::insert_unit(
            &mut tx,
            &Unit {
                id: "u-registry".into(),
                name: "Registry".into(),
                kind: "registry".into(),
                state_id: None,
                created_at: at(0),
            },
        )
        .await
        .expect("unit");
        partners::insert_partner(
            &mut tx,
            &Partner {
                id: "KEN".into(),
                kind: "state".into(),
                name: "Kenya".into(),
                name_fr: None,
                iso3: Some("KEN".into()),
                regional_group: Some("african".into()),
                un_status: Some("member".into()),
                parent_id: None,
                website: None,
                description: String::new(),
                classification: "public".into(),
                version: 1,
                created_at: at(0),
                updated_at: at(0),
            },
        )
        .await
        .expect("partner");

        // More requests than one SQLite statement carries (762), so the loader must chunk.
        let mut rs: Vec<Request> =
            (0..1_000).map(|n| request(n, &format!("Routine request {n}"), "Banking records")).collect();
        rs[7] = request(7, "Exhumation of the Kibera site", "Forensic examination of the graves");
        rs[8] = Request {
            kind: "follow_up".into(),
            parent_id: Some(rs[7].id.clone()),
            status: "in_execution".into(),
            executed_on: None,
            closed_on: None,
            deadline: None,
            channel: None,
            classification: "confidential".into(),
            ..request(8, "Follow-up on the exhumation", "Forensic reports of the Kibera graves")
        };
        let lines: Vec<Line> = rs
            .iter()
            .flat_map(|r| {
                let mut ls = vec![line(r, 1, "a93_1_b_take_evidence")];
                if r.id == rs[7].id {
                    ls.push(line(r, 2, "a93_1_g_examine_sites"));
                }
                ls
            })
            .collect();
        // Enough events to need more than one statement on SQLite too (2,978 rows of 11).
        let events: Vec<Event> = rs
            .iter()
            .flat_map(|r| {
                vec![
                    event(r, 1, "create", None, "draft", "2025-02-01"),
                    event(r, 2, "approve", Some("draft"), "approved", "2025-02-20"),
                    event(r, 3, "transmit", Some("approved"), "transmitted", "2025-03-01"),
                    event(r, 4, "record_execution", Some("transmitted"), "executed", "2025-06-02"),
                ]
            })
            .collect();
        assert_eq!(bulk::insert_requests(&mut tx, &rs).await.expect("requests"), 1_000);
        assert_eq!(bulk::insert_lines(&mut tx, &lines).await.expect("lines"), 1_001);
        assert_eq!(bulk::insert_events(&mut tx, &events).await.expect("events"), 4_000);
        tx.commit().await.expect("commit");

        let mut c = db.read().await.expect("conn");
        for r in [&rs[0], &rs[7], &rs[8], &rs[999]] {
            assert_eq!(requests::request(&mut c, &r.id).await.expect("read").as_ref(), Some(r));
            let want_lines: Vec<Line> = lines.iter().filter(|l| l.request_id == r.id).cloned().collect();
            assert_eq!(requests::lines(&mut c, &r.id).await.expect("lines"), want_lines);
            let want_events: Vec<Event> = events.iter().filter(|e| e.request_id == r.id).cloned().collect();
            assert_eq!(requests::events(&mut c, &r.id).await.expect("events"), want_events);
        }
        let (n,): (i64,) = Sql::new("SELECT COUNT(*) FROM request_events").fetch_one(&mut c).await.expect("count");
        assert_eq!(n, 4_000);

        // The whole call is one change for the register index, with each request's line types.
        let changes = requests::register_changes(&mut c, -1).await.expect("changes");
        assert_eq!(changes.len(), 1_000);
        let seq = changes[0].change_seq;
        assert!(seq > 0 && changes.iter().all(|r| r.change_seq == seq), "one change number for the load");
        let r7 = changes.iter().find(|r| r.id == rs[7].id).expect("request 7");
        assert_eq!(r7.line_types, "a93_1_b_take_evidence,a93_1_g_examine_sites", "in the order of the lines");
        let r8 = changes.iter().find(|r| r.id == rs[8].id).expect("request 8");
        assert_eq!((r8.title.as_str(), r8.classification.as_str()), (rs[8].title.as_str(), "confidential"));
        assert!(requests::register_changes(&mut c, seq).await.expect("nothing newer").is_empty());

        // A later load, and an ordinary update, come after it in the sequence.
        let mut tx = db.write().await.expect("tx");
        let more: Vec<Request> = (1_000..1_005).map(|n| request(n, &format!("Late request {n}"), "x")).collect();
        bulk::insert_requests(&mut tx, &more).await.expect("more requests");
        let edited = Request { title: "Renamed".into(), ..rs[3].clone() };
        assert!(requests::update_request(&mut tx, &edited, rs[3].version).await.expect("update"));
        tx.commit().await.expect("commit");
        let mut c = db.read().await.expect("conn");
        let newer = requests::register_changes(&mut c, seq).await.expect("newer");
        assert_eq!(newer.len(), 6);
        assert!(newer.windows(2).all(|w| w[0].change_seq <= w[1].change_seq), "oldest change first");
        assert_eq!(newer.last().map(|r| (r.id.as_str(), r.title.as_str())), Some((rs[3].id.as_str(), "Renamed")));
        let names = partners::names(&mut c, &[rs[3].partner_id.clone(), "no-such-partner".into()])
            .await
            .expect("partner names");
        assert_eq!(names, [(rs[3].partner_id.clone(), "Kenya".to_owned(), None)]);
    });
}
