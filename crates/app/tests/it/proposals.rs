//! Profile self-service: a State's focal points propose, a Registry officer decides, and an
//! approved change takes effect under rule 180 without touching requests already sent.

use chrono::Duration;
use comity_app::{
    proposals::{ProposalDecision, ProposalInput},
    AppError,
};
use comity_testkit::on_every_engine;

use crate::{
    problem,
    requests::{actor, complete, evidence_draft, mv},
    TestApp,
};

fn proposal(channel: &str) -> ProposalInput {
    ProposalInput {
        channel: channel.into(),
        receiving_authority: "Ministerio de Justicia y Derechos Humanos".into(),
        languages: vec!["es".into(), "en".into()],
        ..ProposalInput::default()
    }
}

#[tokio::test]
async fn a_focal_point_proposes_and_the_registry_approves_under_rule_180() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("reg", "Registry", "officer,approver").await;
        s.user("otp", "Office of the Prosecutor", "officer").await;
        s.user("fp.arg", "state:ARG", "officer").await;
        s.user("fp.fra", "state:FRA", "officer").await;
        let (reg, otp, fp, fra) =
            (actor(&s, "reg").await, actor(&s, "otp").await, actor(&s, "fp.arg").await, actor(&s, "fp.fra").await);

        let bad = s.app.propose_profile(&fp, "ARG", &proposal("carrier_pigeon")).await.expect_err("unknown channel");
        assert!(problem(bad, "channel").contains("must be one of"));
        let proposed = s.app.propose_profile(&fp, "arg", &proposal("central_authority")).await.expect("propose");
        assert_eq!((proposed.status.as_str(), proposed.proposed_on), ("pending", s.app.today()));

        // Another State and another organ see nothing of it, nor may they decide.
        assert!(matches!(s.app.profile_proposals(&fra, "ARG").await, Err(AppError::NotFound)));
        assert!(matches!(s.app.propose_profile(&fra, "ARG", &proposal("diplomatic")).await, Err(AppError::NotFound)));
        assert!(matches!(s.app.profile_proposals(&otp, "ARG").await, Err(AppError::NotFound)));
        let approve = ProposalDecision { approve: true, note: String::new() };
        let own = s.app.decide_profile_proposal(&fp, "ARG", &proposed.id, &approve).await;
        assert!(matches!(own, Err(AppError::Forbidden)), "a State does not approve its own proposal: {own:?}");

        // A request sent now goes through the channel in force today.
        let before = s.app.create_request(&reg, &complete(evidence_draft("ARG"))).await.expect("draft");
        for m in ["approve", "transmit"] {
            s.app.transition(&reg, &before.id, &mv(m)).await.expect(m);
        }
        let listed = s.app.profile_proposals(&reg, "ARG").await.expect("the Registry sees it");
        assert_eq!((listed.len(), listed[0].proposed_by.as_str()), (1, "fp.arg"));
        let silent = ProposalDecision { approve: false, note: " ".into() };
        let e = s.app.decide_profile_proposal(&reg, "ARG", &proposed.id, &silent).await.expect_err("a reason");
        assert!(problem(e, "note").contains("say why"));
        let decided = s.app.decide_profile_proposal(&reg, "ARG", &proposed.id, &approve).await.expect("approve");
        assert_eq!(decided.status, "approved");
        let again = s.app.decide_profile_proposal(&reg, "ARG", &proposed.id, &approve).await;
        assert!(matches!(&again, Err(AppError::Conflict(m)) if m.contains("already approved")), "{again:?}");

        let profiles = s.app.communication_profiles(&reg, "ARG").await.expect("profiles");
        let new = profiles.iter().find(|p| Some(&p.id) == decided.profile_id.as_ref()).expect("the new profile");
        assert_eq!(new.notified_on, s.app.today(), "notified the day it was proposed");
        assert_eq!(new.effective_from, s.app.today() + Duration::days(45), "rule 180: 45 days after notice");

        // After it takes effect, new requests go the new way; the earlier one keeps its snapshot.
        s.clock.advance(Duration::days(46));
        let after = s.app.create_request(&reg, &complete(evidence_draft("ARG"))).await.expect("draft");
        for m in ["approve", "transmit"] {
            s.app.transition(&reg, &after.id, &mv(m)).await.expect(m);
        }
        let sent_after = s.app.request(&reg, &after.id).await.expect("view").transmission.expect("sent");
        let sent_before = s.app.request(&reg, &before.id).await.expect("view").transmission.expect("sent");
        assert_eq!(sent_after.channel.as_deref(), Some("central_authority"));
        assert_eq!(sent_after.language.as_deref(), Some("es,en"));
        assert_ne!(
            sent_before.channel.as_deref(),
            Some("central_authority"),
            "a request already sent keeps its channel"
        );
    });
}
