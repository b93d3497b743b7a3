//! `comity receipt`: a key made by `keygen` signs, `keys` publishes it, and `verify` accepts
//! a receipt as issued and refuses it with any byte changed, offline.

use std::os::unix::fs::PermissionsExt;

use chrono::{NaiveDate, TimeZone, Utc};
use comity_domain::receipt::{self, Party, Receipt, SignedReceipt};

use crate::support::{comity, run, run_cmd, sqlite_url};

fn a_receipt(key: &ed25519_dalek::SigningKey) -> String {
    SignedReceipt::sign(
        Receipt {
            format: receipt::FORMAT.into(),
            request_id: "0190a3c2-7d1e-7000-8000-000000000001".into(),
            request_reference: "RFC-2026-00001".into(),
            number: 1,
            event: "transmit".into(),
            effective_on: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
            recorded_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("time"),
            by: Party { user: "reg".into(), name: "Registry Officer".into(), unit: "Registry".into() },
            detail: [("channel".to_owned(), "diplomatic".to_owned())].into(),
            documents: Vec::new(),
            previous: None,
        },
        key,
    )
    .to_file()
}

#[test]
fn a_generated_key_signs_receipts_that_verify_until_a_byte_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("receipt.key");
    let made = run(None, &["receipt", "keygen", "--out", secret.to_str().expect("path")]).expect_ok("keygen");
    assert_eq!(std::fs::metadata(&secret).expect("key file").permissions().mode() & 0o777, 0o600);
    let public_line = made.stdout.trim().to_owned();
    assert!(public_line.starts_with("ed25519:"), "{made}");
    run(None, &["receipt", "keygen", "--out", secret.to_str().expect("path")])
        .expect_failure("an existing key is never overwritten");

    let key = receipt::parse_secret_key(&std::fs::read_to_string(&secret).expect("read key")).expect("key");
    let ring = dir.path().join("keys.txt");
    std::fs::write(&ring, format!("# published\n{public_line}\n")).expect("ring");
    let file = dir.path().join("receipt.json");
    std::fs::write(&file, a_receipt(&key)).expect("receipt");
    let verify = |path: &std::path::Path| {
        run(None, &["receipt", "verify", path.to_str().expect("path"), "--keys", ring.to_str().expect("path")])
    };
    let ok = verify(&file).expect_ok("an untouched receipt verifies");
    assert!(ok.stdout.contains("receipt verified") && ok.stdout.contains("RFC-2026-00001"), "{ok}");

    let bytes = std::fs::read(&file).expect("read");
    for at in [0, bytes.len() / 3, bytes.len() / 2, bytes.len() - 2, bytes.len() - 1] {
        let mut altered = bytes.clone();
        altered[at] ^= 0x20;
        let tampered = dir.path().join(format!("altered-{at}.json"));
        std::fs::write(&tampered, &altered).expect("write");
        let out = verify(&tampered);
        assert_eq!(out.status.code(), Some(2), "byte {at} changed must fail\n{out}");
        assert!(out.stdout.contains("NOT verified"), "{out}");
    }
}

#[test]
fn the_configured_key_is_published_and_a_key_others_can_read_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("receipt.key");
    let public_line =
        run(None, &["receipt", "keygen", "--out", secret.to_str().expect("path")]).expect_ok("keygen").stdout;
    let url = sqlite_url(&dir.path().join("comity.db"));
    let keys =
        run_cmd(comity(Some(&url)).env("COMITY_RECEIPT_KEY", &secret).args(["receipt", "keys"])).expect_ok("keys");
    assert!(keys.stdout.contains(public_line.trim()), "the configured key is in the ring\n{keys}");
    assert!(keys.stdout.contains("current"), "{keys}");
    assert!(!keys.stdout.contains("ed25519-secret"), "never a secret\n{keys}");

    // A key file others can read is refused before anything starts.
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let refused = run_cmd(comity(Some(&url)).env("COMITY_RECEIPT_KEY", &secret).args(["receipt", "keys"]))
        .expect_failure("a readable key");
    assert!(refused.stderr.contains("chmod 600"), "{refused}");
}
