//! Profile self-service: a State's focal points propose changes to their State's
//! communication profile (channel, receiving authority, languages); a Registry officer
//! approves or rejects. Approved, the change is recorded as a profile notified on the day it
//! was proposed, so it takes effect on the agreed date or 45 days later (rule 180), and
//! requests already sent keep the channel and language they were sent with.

use chrono::{DateTime, NaiveDate, Utc};
use comity_domain::{
    access::{Classification, RecordKind, Role, UnitKind},
    validation::FieldErrors,
};
use comity_store::partners::{self as store, ProfileProposal};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    partners::{check_profile, ProfileInput},
    trail::{self, Target},
    Actor, AppError, Comity, Result,
};

/// What a focal point proposes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ProposalInput {
    /// How requests reach the State: diplomatic, central_authority, ...
    pub channel: String,
    pub receiving_authority: String,
    /// Two-letter language codes, in order of preference.
    pub languages: Vec<String>,
    #[serde(default)]
    pub interpol_for_urgent: bool,
    /// A date agreed with the Court (YYYY-MM-DD); otherwise 45 days after the proposal.
    pub agreed_effective_on: Option<String>,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: String,
    pub partner_id: String,
    /// Who proposed it (their name, in lists).
    pub proposed_by: String,
    pub proposed_on: NaiveDate,
    pub proposal: ProposalInput,
    /// pending, approved or rejected.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    /// The profile an approval recorded.
    pub profile_id: Option<String>,
}

/// A Registry officer's decision.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ProposalDecision {
    pub approve: bool,
    /// Required to reject: the State is told why.
    #[serde(default)]
    pub note: String,
}

fn own_state_officer(actor: &Actor, partner_id: &str) -> bool {
    let p = &actor.principal;
    p.unit_kind == UnitKind::StateFocalPoint
        && p.unit_state.as_deref() == Some(partner_id)
        && p.roles.iter().any(|r| matches!(r, Role::Officer | Role::UnitAdmin))
}

/// Why the actor may not do this: another State's focal point learns nothing of this State's
/// proposals (404); anyone else is refused (403).
fn refusal(actor: &Actor, partner_id: &str) -> AppError {
    let p = &actor.principal;
    if p.unit_kind == UnitKind::StateFocalPoint && p.unit_state.as_deref() != Some(partner_id) {
        AppError::NotFound
    } else {
        AppError::Forbidden
    }
}

impl Comity {
    /// Whether the actor may propose changes to this State's profile (for the page's form).
    pub fn may_propose_profile(&self, actor: &Actor, partner_id: &str) -> bool {
        own_state_officer(actor, partner_id)
    }

    /// A focal point proposes a change to their own State's communication profile.
    pub async fn propose_profile(
        &self,
        actor: &Actor,
        partner_id: &str,
        input: &ProposalInput,
    ) -> Result<ProposalView> {
        let partner_id = partner_id.to_uppercase();
        if !own_state_officer(actor, &partner_id) {
            // Another State's proposals are none of their business: as if it did not exist.
            return Err(refusal(actor, &partner_id));
        }
        let today = self.today();
        // Checked as the profile it would become, notified today.
        check_profile(&as_profile(input, today))?;
        let now = self.clock.now();
        let proposal =
            serde_json::to_string(input).map_err(|e| AppError::Internal(format!("encoding a proposal: {e}")))?;
        let row = ProfileProposal {
            id: comity_store::new_id(),
            partner_id: partner_id.clone(),
            proposed_by: actor.audit_id().to_owned(),
            proposal,
            status: "pending".into(),
            decided_by: None,
            decided_at: None,
            decision_note: String::new(),
            profile_id: None,
            created_at: now,
        };
        let mut tx = self.db.write().await?;
        let keeper = self.directory_keeper().await?;
        self.visible_partner(&mut tx, actor, &partner_id, &keeper).await?;
        store::insert_proposal(&mut tx, &row).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "profile_proposal.create",
            Target::new(RecordKind::CommunicationProfile, &row.id, Classification::Internal),
            serde_json::json!({ "partner": partner_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(view(row))
    }

    /// The proposals about a State: for the Registry, and for that State's own focal points.
    pub async fn profile_proposals(&self, actor: &Actor, partner_id: &str) -> Result<Vec<ProposalView>> {
        let partner_id = partner_id.to_uppercase();
        if !(own_state_officer(actor, &partner_id) || self.may_edit_directory(actor, &partner_id).await?) {
            return Err(AppError::NotFound);
        }
        let mut c = self.db.read().await?;
        let rows = store::proposals(&mut c, &partner_id).await?;
        let users = comity_store::accounts::list_users(&mut c, None).await?;
        let name =
            |id: &str| users.iter().find(|u| u.id == id).map_or_else(|| id.to_owned(), |u| u.display_name.clone());
        Ok(rows
            .into_iter()
            .map(|r| {
                let (by, decider) = (name(&r.proposed_by), r.decided_by.as_deref().map(name));
                ProposalView { proposed_by: by, decided_by: decider, ..view(r) }
            })
            .collect())
    }

    /// Approves (recording the new profile) or rejects a pending proposal.
    pub async fn decide_profile_proposal(
        &self,
        actor: &Actor,
        partner_id: &str,
        proposal_id: &str,
        decision: &ProposalDecision,
    ) -> Result<ProposalView> {
        let partner_id = partner_id.to_uppercase();
        if !self.may_edit_directory(actor, &partner_id).await? {
            return Err(refusal(actor, &partner_id));
        }
        let note = decision.note.trim().to_owned();
        let mut e = FieldErrors::new();
        if !decision.approve && note.is_empty() {
            e.add("note", "say why the proposal is rejected: the State is told");
        } else if note.chars().count() > 2000 {
            e.add("note", "must be at most 2000 characters");
        }
        e.into_result()?;
        let keeper = self.directory_keeper().await?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let p = self.visible_partner(&mut tx, actor, &partner_id, &keeper).await?;
        let mut row =
            store::proposal(&mut tx, proposal_id).await?.filter(|r| r.partner_id == p.id).ok_or(AppError::NotFound)?;
        if row.status != "pending" {
            return Err(AppError::Conflict(format!("this proposal was already {}", row.status)));
        }
        if decision.approve {
            let input: ProposalInput = serde_json::from_str(&row.proposal)
                .map_err(|e| AppError::Internal(format!("stored proposal {} does not parse: {e}", row.id)))?;
            let checked = check_profile(&as_profile(&input, row.created_at.date_naive()))?;
            let profile = self.insert_profile_in(&mut tx, actor, &p, &keeper, checked).await?;
            row.profile_id = Some(profile.id);
        }
        row.status = if decision.approve { "approved" } else { "rejected" }.into();
        row.decided_by = Some(actor.audit_id().to_owned());
        row.decided_at = Some(now);
        row.decision_note = note;
        if !store::decide_proposal(&mut tx, &row).await? {
            return Err(AppError::Conflict("this proposal was decided meanwhile".into()));
        }
        trail::record(
            &mut tx,
            now,
            actor,
            &format!("profile_proposal.{}", row.status),
            Target::new(RecordKind::CommunicationProfile, &row.id, Classification::Internal),
            serde_json::json!({ "partner": p.id, "profile": row.profile_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(view(row))
    }
}

/// The profile a proposal becomes, notified on `notified_on`.
fn as_profile(p: &ProposalInput, notified_on: NaiveDate) -> ProfileInput {
    ProfileInput {
        channel: p.channel.clone(),
        receiving_authority: p.receiving_authority.clone(),
        languages: p.languages.clone(),
        interpol_for_urgent: p.interpol_for_urgent,
        notified_on: notified_on.to_string(),
        agreed_effective_on: p.agreed_effective_on.clone(),
        notes: p.notes.clone(),
        classification: None,
    }
}

fn view(r: ProfileProposal) -> ProposalView {
    ProposalView {
        proposal: serde_json::from_str(&r.proposal).unwrap_or_default(),
        proposed_on: r.created_at.date_naive(),
        id: r.id,
        partner_id: r.partner_id,
        proposed_by: r.proposed_by,
        status: r.status,
        decided_by: r.decided_by,
        decided_at: r.decided_at,
        decision_note: r.decision_note,
        profile_id: r.profile_id,
    }
}
