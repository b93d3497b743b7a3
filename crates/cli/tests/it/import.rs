//! `comity import requests FILE`: a past register comes in once, with its history, after a
//! dry run that stores nothing; a faulty file is refused with every problem named.

use crate::support::{run, scalar, scratch_dir};

const REGISTER: &str = "\
reference,on_behalf_of,partner,title,line_types,drafted_on,transmitted_on,acknowledged_on,executed_on
ICC-R-2024-001,chamber,ARG,Bank records,a93_1_i_records_documents,2024-01-02,2024-01-10,2024-01-15,2024-02-09
ICC-O-2024-002,prosecution,KEN,Witness interview,a93_1_b_take_evidence,2024-03-02,2024-03-05,,
";

#[tokio::test]
async fn a_register_imports_once_after_a_dry_run() {
    for t in comity_testkit::databases().await {
        let dir = scratch_dir();
        let file = dir.join("register.csv");
        std::fs::write(&file, REGISTER).expect("write the register");
        let path = file.to_str().expect("UTF-8 path");

        let dry = run(Some(&t.url), &["import", "requests", path, "--dry-run"]).expect_ok("dry run");
        assert!(dry.stdout.contains("2 would be created"), "{dry}");
        assert_eq!(scalar(&t.url, "SELECT COUNT(*) FROM requests").await, 0, "a dry run stores nothing");

        let done = run(Some(&t.url), &["import", "requests", path]).expect_ok("import");
        assert!(done.stdout.contains("2 request(s) created"), "{done}");
        assert_eq!(scalar(&t.url, "SELECT COUNT(*) FROM requests").await, 2);
        assert_eq!(scalar(&t.url, "SELECT COUNT(*) FROM request_events").await, 5 + 3);
        assert_eq!(scalar(&t.url, "SELECT COUNT(*) FROM requests WHERE imported_by = 'operator'").await, 2);
        assert_eq!(scalar(&t.url, "SELECT COUNT(*) FROM audit_log WHERE action = 'request.import'").await, 2);

        let again = run(Some(&t.url), &["import", "requests", path]).expect_ok("re-import");
        assert!(again.stdout.contains("0 request(s) created, 2 already imported"), "{again}");
        assert_eq!(scalar(&t.url, "SELECT COUNT(*) FROM request_events").await, 8, "nothing changed");
    }
}

#[tokio::test]
async fn a_faulty_register_is_refused_row_by_row() {
    for t in comity_testkit::databases().await {
        let dir = scratch_dir();
        let file = dir.join("faulty.csv");
        std::fs::write(
            &file,
            "reference,on_behalf_of,partner,title,line_types\nA-1,chamber,ATLANTIS,X,a93_1_i_records_documents\nA-2,nobody,ARG,Y,a93_1_i_records_documents\n",
        )
        .expect("write");
        let out = run(Some(&t.url), &["import", "requests", file.to_str().expect("UTF-8")]).expect_failure("refused");
        assert!(out.stdout.contains("row 2 (A-1): partner_id: unknown partner 'ATLANTIS'"), "{out}");
        assert!(out.stdout.contains("row 3 (A-2): on_behalf_of:"), "{out}");
        assert!(out.stdout.contains("nothing was imported"), "{out}");
        assert_eq!(scalar(&t.url, "SELECT COUNT(*) FROM requests").await, 0);
    }
}
