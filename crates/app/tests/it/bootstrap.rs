//! First start: reference data loaded once, the administrator's password shown once, and the
//! figures the Court publishes computed from the shipped data.

use chrono::NaiveDate;
use comity_app::{partners::PartnerQuery, reference::Loaded, trail::AuditQuery, Actor, Settings};
use comity_testkit::on_every_engine;

use crate::{bare, TestApp};

async fn partner_total(app: &comity_app::Comity, kind: Option<&str>) -> i64 {
    let q = PartnerQuery { kind: kind.map(Into::into), per_page: Some(1), ..Default::default() };
    app.list_partners(&Actor::operator(), &q).await.expect("list partners").total
}

#[tokio::test]
async fn preparing_twice_loads_the_reference_data_and_the_administrator_once() {
    on_every_engine!(|t| {
        let (app, _clock) = bare(t, Settings::default()).await;
        let mut steps = Vec::new();
        let first = app.prepare(|s| steps.push(s.to_owned())).await.expect("first start");
        assert!(!steps.is_empty(), "the first start reports its progress");
        let loaded = first.reference_data.expect("the first start loads the reference data");
        assert_eq!((loaded.states, loaded.organisations), (196, 40));
        assert!(loaded.status_events > 300, "{loaded:?}");
        let password = first.admin_password.expect("the first start returns the admin password");
        assert!(password.len() >= comity_app::auth::MIN_PASSWORD_LEN);

        let second = app.prepare(|_| {}).await.expect("second start");
        assert_eq!(second.reference_data, None::<Loaded>);
        assert_eq!(second.admin_password, None, "the password is shown once");
        // A restart (a new application over the same database) changes nothing either.
        let (restarted, _) = bare(t, Settings::default()).await;
        let third = restarted.prepare(|_| {}).await.expect("after a restart");
        assert!(third.reference_data.is_none() && third.admin_password.is_none());

        assert_eq!(partner_total(&app, None).await, 236);
        assert_eq!(partner_total(&app, Some("state")).await, 196);
        let users = app.list_users(&Actor::operator()).await.expect("list users");
        assert_eq!(users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["admin"]);
        assert_eq!(users[0].roles, ["system_admin"]);
        assert_eq!(users[0].unit, "Administration");
        let q = AuditQuery { limit: 500, ..Default::default() };
        let trail = app.audit_entries(&Actor::operator(), &q).await.expect("the audit trail");
        assert_eq!(trail.iter().filter(|e| e.entry.action == "reference_data.load").count(), 1);
        assert_eq!(trail.iter().filter(|e| e.entry.action == "user.create").count(), 1);
        let verified = app.verify_audit(|_| {}).await.expect("verify the chain");
        assert!(verified.is_ok(), "the audit chain verifies: {verified:?}");

        // The password works, and only the password.
        let out = app.login("admin", &password, "127.0.0.1").await.expect("the administrator signs in");
        assert!(out.pending.is_none());
    });
}

#[tokio::test]
async fn the_statistics_give_the_figures_of_the_2017_report() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let on = NaiveDate::from_ymd_opt(2017, 9, 1).expect("a date");
        let stats = s.app.partner_statistics(&Actor::operator(), on).await.expect("statistics");
        assert_eq!(stats.on, on);
        assert_eq!(stats.states_parties, 124);
        let by_region: Vec<(&str, usize)> =
            stats.states_parties_by_region.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            by_region,
            [
                ("african", 34),
                ("asia_pacific", 19),
                ("eastern_european", 18),
                ("latin_american_caribbean", 28),
                ("western_european_other", 25),
            ]
        );
        // 29 signatories that never became party, plus Armenia and Ukraine (signed, not yet party).
        assert_eq!(stats.signatories_not_party, 31);
        assert_eq!(stats.apic_parties, 73);

        let later = NaiveDate::from_ymd_opt(2026, 11, 28).expect("a date");
        assert_eq!(s.app.partner_statistics(&Actor::operator(), later).await.expect("statistics").states_parties, 124);
        let before_rome = NaiveDate::from_ymd_opt(2002, 6, 30).expect("a date");
        let stats = s.app.partner_statistics(&Actor::operator(), before_rome).await.expect("statistics");
        assert_eq!(stats.states_parties, 0, "the Statute entered into force on 1 July 2002");
        let first_day = NaiveDate::from_ymd_opt(2002, 7, 1).expect("a date");
        let stats = s.app.partner_statistics(&Actor::operator(), first_day).await.expect("statistics");
        assert!(stats.states_parties >= 60, "at least the 60 founding ratifications: {}", stats.states_parties);
    });
}
