//! Signed receipts through the use cases: which steps get one, the chain, what each side may
//! read, and verification against the published key ring.

use chrono::Duration;
use comity_app::{documents::DocumentUpload, receipts::key_ring_text, requests::TransitionInput, AppError};
use comity_domain::receipt::{self, SignedReceipt};
use comity_testkit::on_every_engine;

use crate::{
    requests::{actor, complete, evidence_draft, mv},
    TestApp,
};

fn upload(kind: &str, name: &str, bytes: &[u8]) -> DocumentUpload {
    DocumentUpload { filename: name.into(), kind: Some(kind.into()), bytes: bytes.to_vec(), ..Default::default() }
}

#[tokio::test]
async fn each_exchange_after_transmission_gets_a_chained_receipt_both_sides_can_verify() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("reg", "Registry", "officer,approver").await;
        s.user("fp.arg", "state:ARG", "officer").await;
        s.user("fp.fra", "state:FRA", "officer").await;
        let (reg, fp, other) = (actor(&s, "reg").await, actor(&s, "fp.arg").await, actor(&s, "fp.fra").await);
        let r = s.app.create_request(&reg, &complete(evidence_draft("ARG"))).await.expect("draft");
        s.app.add_document(&reg, &r.id, upload("annex", "annex.pdf", b"%PDF-1.4 annex")).await.expect("annex");
        s.app.transition(&reg, &r.id, &mv("approve")).await.expect("approve");
        assert!(s.app.receipts(&reg, &r.id).await.expect("receipts").is_empty(), "nothing before transmission");
        s.app.transition(&reg, &r.id, &mv("transmit")).await.expect("transmit");
        s.clock.advance(Duration::days(2));
        let ack = TransitionInput { national_reference: Some("AR-77".into()), ..mv("acknowledge") };
        s.app.transition(&fp, &r.id, &ack).await.expect("the State acknowledges");
        s.app.add_document(&reg, &r.id, upload("internal_note", "note.pdf", b"%PDF-1.4 note")).await.expect("note");
        s.app
            .add_document(&fp, &r.id, upload("material_received", "records.pdf", b"%PDF-1.4 records"))
            .await
            .expect("material");

        let listed = s.app.receipts(&fp, &r.id).await.expect("the State's receipts");
        let events: Vec<_> = listed.iter().map(|x| (x.number, x.event.as_str())).collect();
        assert_eq!(events, [(1, "transmit"), (2, "acknowledge"), (3, "document_added")], "no receipt for the note");
        assert_eq!(s.app.receipts(&reg, &r.id).await.expect("the Court's").len(), 3, "the same for both sides");

        let ring = key_ring_text(&s.app.receipt_keys().await.expect("keys"));
        let keys = receipt::parse_public_keys(&ring).expect("the published ring parses");
        let mut previous = None;
        for x in &listed {
            let (name, file) = s.app.receipt_file(&fp, &r.id, x.number).await.expect("download");
            assert_eq!(name, format!("receipt-{}-{}", r.reference.replace('/', "-"), x.number));
            let signed = receipt::verify(file.as_bytes(), &keys).expect("verifies");
            assert_eq!(signed.receipt.previous, previous, "receipt {} names the one before", x.number);
            assert_eq!(signed.file_sha256(), x.sha256);
            previous = Some(x.sha256.clone());
        }
        let transmit: SignedReceipt =
            serde_json::from_str(&s.app.receipt_file(&reg, &r.id, 1).await.expect("1").1).expect("json");
        let sent: Vec<_> = transmit.receipt.documents.iter().map(|d| d.filename.as_str()).collect();
        assert_eq!(sent, ["annex.pdf"], "a transmission names what went with it");
        assert_eq!(transmit.receipt.by.user, "reg");
        let acked: SignedReceipt =
            serde_json::from_str(&s.app.receipt_file(&reg, &r.id, 2).await.expect("2").1).expect("json");
        assert_eq!(acked.receipt.detail.get("national_reference").map(String::as_str), Some("AR-77"));
        assert_eq!((acked.receipt.by.user.as_str(), acked.receipt.effective_on), ("fp.arg", s.app.today()));
        let material: SignedReceipt =
            serde_json::from_str(&s.app.receipt_file(&fp, &r.id, 3).await.expect("3").1).expect("json");
        assert_eq!(material.receipt.documents[0].sha256, comity_app::documents::sha256_hex(b"%PDF-1.4 records"));

        let (_, pdf) = s.app.receipt_pdf(&fp, &r.id, 2).await.expect("printable copy");
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.windows(5).any(|w| w == b"AR-77"), "the PDF shows the receipt's content");

        // Another State gets nothing, as for the request itself; nor does an unknown number.
        assert!(matches!(s.app.receipts(&other, &r.id).await, Err(AppError::NotFound)));
        assert!(matches!(s.app.receipt_file(&other, &r.id, 1).await, Err(AppError::NotFound)));
        assert!(matches!(s.app.receipt_pdf(&other, &r.id, 1).await, Err(AppError::NotFound)));
        assert!(matches!(s.app.receipt_file(&fp, &r.id, 9).await, Err(AppError::NotFound)));
    });
}

#[tokio::test]
async fn a_configured_key_signs_and_the_generated_one_stays_in_the_ring() {
    on_every_engine!(|t| {
        // First the key Comity generates; then the operators configure one of their own.
        let s = TestApp::start(t).await;
        s.user("reg", "Registry", "officer,approver").await;
        let reg = actor(&s, "reg").await;
        let r = s.app.create_request(&reg, &complete(evidence_draft("ARG"))).await.expect("draft");
        for m in ["approve", "transmit"] {
            s.app.transition(&reg, &r.id, &mv(m)).await.expect(m);
        }
        let generated = s.app.receipt_keys().await.expect("keys");
        assert_eq!(generated.len(), 1);
        assert!(generated[0].current);

        s.clock.advance(Duration::days(30));
        let configured = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
        let settings =
            comity_app::Settings { receipt_key: Some(configured.clone()), ..comity_app::Settings::default() };
        let app = comity_app::Comity::new(s.app.db.clone(), s.clock.clone(), settings);
        let ack = TransitionInput { ..mv("acknowledge") };
        app.transition(&reg, &r.id, &ack).await.expect("acknowledge under the new key");
        let ring = app.receipt_keys().await.expect("keys");
        let current: Vec<_> = ring.iter().map(|k| (k.key_id.clone(), k.current)).collect();
        assert_eq!(
            current,
            [(generated[0].key_id.clone(), false), (receipt::key_id(&configured.verifying_key()), true)],
            "the retired key stays published"
        );
        let keys = receipt::parse_public_keys(&key_ring_text(&ring)).expect("ring");
        let first = app.receipt_file(&reg, &r.id, 1).await.expect("1").1;
        let second = app.receipt_file(&reg, &r.id, 2).await.expect("2").1;
        assert_eq!(receipt::verify(first.as_bytes(), &keys).expect("old key").key_id, generated[0].key_id);
        assert_eq!(
            receipt::verify(second.as_bytes(), &keys).expect("new key").key_id,
            receipt::key_id(&configured.verifying_key())
        );
        assert!(matches!(receipt::verify(second.as_bytes(), &keys[..1]), Err(receipt::ReceiptError::UnknownKey(_))));
    });
}
