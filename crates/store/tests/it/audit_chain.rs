use comity_domain::audit::ChainBreak;
use comity_store::{audit, Sql};
use comity_testkit::on_every_engine;

use super::{at, open};

async fn write_entries(db: &comity_store::Db, n: i64) {
    for i in 0..n {
        let mut tx = db.write().await.expect("begin");
        let id = format!("rec-{i}");
        let e = audit::NewEntry {
            actor: "user-1",
            action: "partner.update",
            record_kind: "partner",
            record_id: &id,
            classification: "internal",
            detail: format!("{{\"n\":{i}}}"),
        };
        audit::append(&mut tx, at(i), &e).await.expect("append");
        tx.commit().await.expect("commit");
    }
}

async fn verify(db: &comity_store::Db) -> Result<audit::Verification, ChainBreak> {
    audit::verify(&mut db.read().await.expect("connection"), |_| {}).await.expect("walk the chain")
}

#[tokio::test]
async fn an_untouched_chain_verifies() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        write_entries(&db, 5).await;
        let v = verify(&db).await.expect("intact chain");
        assert_eq!(v.entries, 5);
    });
}

#[tokio::test]
async fn an_altered_row_is_named() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        write_entries(&db, 5).await;
        Sql::new("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3")
            .execute(&mut db.read().await.expect("conn"))
            .await
            .expect("tamper");
        assert_eq!(verify(&db).await, Err(ChainBreak::Altered { seq: 3 }));
    });
}

#[tokio::test]
async fn a_removed_row_is_named() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        write_entries(&db, 5).await;
        Sql::new("DELETE FROM audit_log WHERE seq = 2")
            .execute(&mut db.read().await.expect("conn"))
            .await
            .expect("tamper");
        assert_eq!(verify(&db).await, Err(ChainBreak::Gap { seq: 3, expected: 2 }));

        let db2 = open(&t.url).await;
        Sql::new("DELETE FROM audit_log WHERE seq = 5")
            .execute(&mut db2.read().await.expect("conn"))
            .await
            .expect("tamper");
        Sql::new("UPDATE audit_log SET seq = 2 WHERE seq = 3")
            .execute(&mut db2.read().await.expect("conn"))
            .await
            .expect("tamper");
        assert!(verify(&db2).await.is_err());
    });
}

#[tokio::test]
async fn a_truncated_chain_is_detected() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        write_entries(&db, 4).await;
        Sql::new("DELETE FROM audit_log WHERE seq = 4")
            .execute(&mut db.read().await.expect("conn"))
            .await
            .expect("tamper");
        assert_eq!(verify(&db).await, Err(ChainBreak::Truncated { next: 4, last: 3, head: 4 }));
    });
}

#[tokio::test]
async fn reordered_rows_break_the_links() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        write_entries(&db, 4).await;
        // Swap the content of entries 2 and 3 while keeping their sequence numbers.
        let mut c = db.read().await.expect("conn");
        Sql::new("UPDATE audit_log SET seq = 100 WHERE seq = 2").execute(&mut c).await.expect("tamper");
        Sql::new("UPDATE audit_log SET seq = 2 WHERE seq = 3").execute(&mut c).await.expect("tamper");
        Sql::new("UPDATE audit_log SET seq = 3 WHERE seq = 100").execute(&mut c).await.expect("tamper");
        assert!(matches!(
            verify(&db).await,
            Err(ChainBreak::Link { seq: 2, .. }) | Err(ChainBreak::Altered { seq: 2 })
        ));
    });
}

#[tokio::test]
async fn concurrent_writers_never_fork_the_chain() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        let mut tasks = Vec::new();
        for w in 0..8 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..10 {
                    let mut tx = db.write().await.expect("begin");
                    let id = format!("{w}-{i}");
                    let e = audit::NewEntry {
                        actor: "writer",
                        action: "test.write",
                        record_kind: "partner",
                        record_id: &id,
                        classification: "internal",
                        detail: "{}".into(),
                    };
                    audit::append(&mut tx, at(i), &e).await.expect("append");
                    tx.commit().await.expect("commit");
                }
            }));
        }
        for t in tasks {
            t.await.expect("writer task");
        }
        assert_eq!(verify(&db).await.expect("intact").entries, 80);
    });
}

#[tokio::test]
async fn an_entry_naming_several_records_is_found_by_each() {
    on_every_engine!(|t| {
        let db = open(&t.url).await;
        let mut tx = db.write().await.expect("begin");
        let e = audit::NewEntry {
            actor: "user-1",
            action: "focal_point.read",
            record_kind: "focal_point",
            record_id: "fp-1,fp-2,fp-3",
            classification: "confidential",
            detail: "{}".into(),
        };
        audit::append(&mut tx, at(0), &e).await.expect("append");
        tx.commit().await.expect("commit");
        let mut c = db.read().await.expect("conn");
        for (id, found) in [("fp-2", 1), ("fp-1,fp-2,fp-3", 1), ("fp-", 0), ("fp-4", 0)] {
            let f = audit::Filter { record_id: Some(id.into()), limit: 10, ..Default::default() };
            assert_eq!(audit::list(&mut c, &f).await.expect("list").len(), found, "record id {id}");
        }
    });
}
