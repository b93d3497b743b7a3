use chrono::TimeZone;
use proptest::prelude::*;

use super::*;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn receipt(number: i64, previous: Option<String>) -> Receipt {
    Receipt {
        format: FORMAT.into(),
        request_id: "0190a3c2-7d1e-7000-8000-000000000001".into(),
        request_reference: "ICC-RC-2026-0042".into(),
        number,
        event: "acknowledge".into(),
        effective_on: NaiveDate::from_ymd_opt(2026, 11, 3).expect("date"),
        recorded_at: Utc.with_ymd_and_hms(2026, 11, 5, 9, 30, 0).single().expect("time"),
        by: Party { user: "fp.kenya".into(), name: "Wanjiku Otieno".into(), unit: "Kenya — focal point".into() },
        detail: BTreeMap::from([("national_reference".into(), "MLA/2026/117".into())]),
        documents: vec![DocumentDigest { filename: "acknowledgement.pdf".into(), sha256: "ab".repeat(32), size: 1024 }],
        previous,
    }
}

#[test]
fn a_signed_receipt_verifies_against_its_key_and_names_it() {
    let k = key(7);
    let signed = SignedReceipt::sign(receipt(1, None), &k);
    let file = signed.to_file();
    assert!(file.ends_with("}\n"));
    assert_eq!(verify(file.as_bytes(), &[k.verifying_key()]), Ok(signed.clone()));
    assert_eq!(signed.key_id, key_id(&k.verifying_key()));
    assert_eq!(signed.key_id.len(), 16);
}

#[test]
fn a_receipt_from_a_key_not_given_is_refused() {
    let file = SignedReceipt::sign(receipt(1, None), &key(7)).to_file();
    assert!(matches!(verify(file.as_bytes(), &[key(8).verifying_key()]), Err(ReceiptError::UnknownKey(_))));
}

#[test]
fn after_a_rotation_the_key_ring_verifies_old_and_new_receipts() {
    let (old, new) = (key(1), key(2));
    let ring = format!(
        "# the Court's receipt keys\n{}\n\n{} since 2027-01-01\n",
        public_key_text(&old.verifying_key()),
        public_key_text(&new.verifying_key())
    );
    let keys = parse_public_keys(&ring).expect("ring");
    let first = SignedReceipt::sign(receipt(1, None), &old);
    let second = SignedReceipt::sign(receipt(2, Some(first.file_sha256())), &new);
    assert!(verify(first.to_file().as_bytes(), &keys).is_ok());
    assert!(verify(second.to_file().as_bytes(), &keys).is_ok());
    assert_eq!(second.receipt.previous.as_deref(), Some(first.file_sha256().as_str()));
}

#[test]
fn key_files_round_trip_and_bad_ones_say_why() {
    let k = key(9);
    assert_eq!(parse_secret_key(&secret_key_text(&k)).expect("secret").to_bytes(), k.to_bytes());
    assert!(parse_secret_key("ed25519-secret:abcd").unwrap_err().contains("64 hex digits"));
    assert!(parse_secret_key("hello").unwrap_err().contains("ed25519-secret:"));
    assert!(parse_public_keys("ed25519:zz").unwrap_err().contains("line 1"));
    assert!(parse_public_keys("# nothing\n").unwrap_err().contains("no public key"));
}

#[test]
fn a_reformatted_receipt_is_not_the_receipt_issued() {
    let k = key(3);
    let signed = SignedReceipt::sign(receipt(1, None), &k);
    let compact = serde_json::to_string(&signed).expect("json");
    assert_eq!(verify(compact.as_bytes(), &[k.verifying_key()]), Err(ReceiptError::NotAsIssued));
}

#[test]
fn a_changed_value_breaks_the_signature() {
    let k = key(3);
    let file = SignedReceipt::sign(receipt(1, None), &k).to_file();
    let forged = file.replace("MLA/2026/117", "MLA/2026/118");
    assert!(matches!(verify(forged.as_bytes(), &[k.verifying_key()]), Err(ReceiptError::BadSignature(_))));
}

#[test]
fn the_signature_in_capitals_is_not_the_receipt_issued() {
    let k = key(3);
    let signed = SignedReceipt::sign(receipt(1, None), &k);
    let shouted = SignedReceipt { signature: signed.signature.to_uppercase(), ..signed };
    assert_eq!(verify(shouted.to_file().as_bytes(), &[k.verifying_key()]), Err(ReceiptError::NotAsIssued));
}

proptest! {
    /// However it is changed, one byte is enough for a receipt to fail.
    #[test]
    fn changing_any_byte_fails_verification(position in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let k = key(5);
        let file = SignedReceipt::sign(receipt(4, Some("cd".repeat(32))), &k).to_file().into_bytes();
        let mut altered = file.clone();
        let at = position.index(altered.len());
        altered[at] ^= flip;
        prop_assert!(verify(&altered, &[k.verifying_key()]).is_err(), "byte {} changed by {:#x} still verifies", at, flip);
    }
}
