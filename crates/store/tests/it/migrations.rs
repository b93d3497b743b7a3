use std::collections::BTreeSet;

use comity_store::dialect::schema_columns;
use comity_testkit::on_every_engine;

fn migration_names(engine: &str) -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_engines_have_the_same_migrations() {
    let sqlite = migration_names("sqlite");
    let postgres = migration_names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "migration folders drifted: every migration needs its twin");
}

#[tokio::test]
async fn both_engines_define_the_same_tables_and_columns() {
    let mut schemas = Vec::new();
    on_every_engine!(|t| {
        let db = super::open(&t.url).await;
        let mut cols = schema_columns(&db).await.expect("read the schema");
        cols.sort();
        assert!(cols.iter().any(|(t, c)| t == "audit_log" && c == "hash"));
        schemas.push((t.engine, cols));
    });
    if let [(_, sqlite), (_, postgres)] = schemas.as_slice() {
        assert_eq!(sqlite, postgres, "the engines' schemas drifted");
    }
}

#[tokio::test]
async fn migrating_twice_is_harmless() {
    on_every_engine!(|t| {
        let db = super::open(&t.url).await;
        db.migrate().await.expect("second migration run");
        assert_eq!(db.pending_migrations().await.expect("pending"), 0);
    });
}
