use comity_store::{accounts, Sql, StoreError};
use comity_testkit::on_every_engine;

use super::{at, open};

#[tokio::test]
async fn a_dropped_transaction_leaves_nothing_behind() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        {
            let mut tx = db.write().await.expect("begin");
            accounts::set_setting(&mut tx, "k", "v", at(0)).await.expect("write");
        }
        let v = accounts::setting(&mut db.read().await.expect("conn"), "k").await.expect("read");
        assert_eq!(v, None);
    });
}

#[tokio::test]
async fn timestamps_round_trip_exactly() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        let mut tx = db.write().await.expect("begin");
        accounts::set_setting(&mut tx, "k", "v", at(5)).await.expect("write");
        tx.commit().await.expect("commit");
        let (stored,): (chrono::DateTime<chrono::Utc>,) = Sql::new("SELECT updated_at FROM settings WHERE key = 'k'")
            .fetch_one(&mut db.read().await.expect("conn"))
            .await
            .expect("read");
        assert_eq!(stored, at(5));
    });
}

#[tokio::test]
async fn a_duplicate_key_is_a_conflict_naming_the_constraint() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        let unit = accounts::Unit {
            id: "u1".into(),
            name: "Registry".into(),
            kind: "registry".into(),
            state_id: None,
            created_at: at(0),
        };
        let mut tx = db.write().await.expect("begin");
        accounts::insert_unit(&mut tx, &unit).await.expect("first insert");
        let again = accounts::insert_unit(&mut tx, &accounts::Unit { id: "u2".into(), ..unit.clone() }).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "got {again:?}");
    });
}
