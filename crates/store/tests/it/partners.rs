use chrono::NaiveDate;
use comity_domain::partner::{is_party_on, Instrument, StatusEvent, StatusEventKind};
use comity_store::partners::{self, Partner, PartnerFilter, PartnerSort, StatusEventRow};
use comity_testkit::on_every_engine;

use super::{at, open};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn state(id: &str, name: &str) -> Partner {
    Partner {
        id: id.into(),
        kind: "state".into(),
        name: name.into(),
        name_fr: None,
        iso3: Some(id.into()),
        regional_group: Some("african".into()),
        un_status: Some("member".into()),
        parent_id: None,
        website: None,
        description: String::new(),
        classification: "public".into(),
        version: 1,
        created_at: at(0),
        updated_at: at(0),
    }
}

fn event(partner: &str, kind: StatusEventKind, on: &str) -> StatusEventRow {
    StatusEventRow {
        id: comity_store::new_id(),
        partner_id: partner.into(),
        instrument: "rome_statute".into(),
        kind: kind.code().into(),
        on_date: d(on),
        source: "test".into(),
        notes: String::new(),
        created_at: at(0),
    }
}

#[tokio::test]
async fn party_on_a_date_follows_entry_into_force_and_withdrawal() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        let mut tx = db.write().await.expect("begin");
        for (id, name) in [("BDI", "Burundi"), ("SLV", "El Salvador"), ("USA", "United States")] {
            partners::insert_partner(&mut tx, &state(id, name)).await.expect("partner");
        }
        let events = [
            event("BDI", StatusEventKind::EntryIntoForce, "2004-12-01"),
            event("BDI", StatusEventKind::WithdrawalEffective, "2017-10-27"),
            event("SLV", StatusEventKind::EntryIntoForce, "2016-06-01"),
        ];
        for e in &events {
            partners::insert_status_event(&mut tx, e).await.expect("event");
        }
        tx.commit().await.expect("commit");

        let mut c = db.read().await.expect("conn");
        for date in ["2010-01-01", "2017-09-01", "2017-10-27", "2020-01-01"] {
            let f = PartnerFilter { party_on: Some(d(date)), limit: 100, ..Default::default() };
            let (rows, total) = partners::list_partners(&mut c, &f).await.expect("list");
            let ids: Vec<_> = rows.iter().map(|p| p.id.as_str()).collect();
            // The SQL filter and the domain rule must agree.
            let expected: Vec<_> = ["BDI", "SLV"]
                .into_iter()
                .filter(|id| {
                    let evs: Vec<StatusEvent> = events
                        .iter()
                        .filter(|e| e.partner_id == *id)
                        .map(|e| StatusEvent {
                            instrument: Instrument::RomeStatute,
                            kind: StatusEventKind::parse(&e.kind).expect("kind"),
                            on: e.on_date,
                        })
                        .collect();
                    is_party_on(&evs, Instrument::RomeStatute, d(date))
                })
                .collect();
            assert_eq!(ids, expected, "on {date}");
            assert_eq!(total as usize, expected.len());
        }
        let f = PartnerFilter { non_party_on: Some(d("2020-01-01")), limit: 100, ..Default::default() };
        let (rows, _) = partners::list_partners(&mut c, &f).await.expect("list");
        assert_eq!(rows.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["BDI", "USA"]);
    });
}

#[tokio::test]
async fn listing_searches_sorts_and_pages() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        let mut tx = db.write().await.expect("begin");
        for (id, name) in [("ARG", "Argentina"), ("ARM", "Armenia"), ("AUS", "Australia"), ("KEN", "Kenya")] {
            partners::insert_partner(&mut tx, &state(id, name)).await.expect("partner");
        }
        tx.commit().await.expect("commit");
        let mut c = db.read().await.expect("conn");
        let f = PartnerFilter { search: Some("AR".into()), limit: 10, ..Default::default() };
        let (rows, total) = partners::list_partners(&mut c, &f).await.expect("search");
        assert_eq!(total, 2);
        assert_eq!(rows.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Argentina", "Armenia"]);

        let f = PartnerFilter { sort: PartnerSort::Name, descending: true, limit: 2, offset: 1, ..Default::default() };
        let (rows, total) = partners::list_partners(&mut c, &f).await.expect("page");
        assert_eq!(total, 4);
        assert_eq!(rows.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Australia", "Armenia"]);

        let f = PartnerFilter { search: Some("100%_\\".into()), limit: 10, ..Default::default() };
        assert_eq!(partners::list_partners(&mut c, &f).await.expect("odd input").1, 0);
    });
}

#[tokio::test]
async fn a_stale_version_does_not_overwrite() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        let mut tx = db.write().await.expect("begin");
        let p = state("ARG", "Argentina");
        partners::insert_partner(&mut tx, &p).await.expect("insert");
        let first = Partner { description: "first".into(), ..p.clone() };
        assert!(partners::update_partner(&mut tx, &first, 1).await.expect("update"));
        let second = Partner { description: "second".into(), ..p.clone() };
        assert!(!partners::update_partner(&mut tx, &second, 1).await.expect("stale update"));
        let stored = partners::partner(&mut tx, "ARG").await.expect("read").expect("exists");
        assert_eq!((stored.description.as_str(), stored.version), ("first", 2));
    });
}
