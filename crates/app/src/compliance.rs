//! Non-compliance: a Chamber's finding that a State failed to cooperate (art. 87(7) or
//! 87(5)(b)), linked to the requests and the warrant concerned, its referral to the Assembly or
//! the Security Council, and the Assembly's procedure run step by step with its deadlines, so
//! that a late step shows rather than being forgotten.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use comity_domain::{
    access::{Action, Classification, RecordAccess, RecordKind, UnitKind},
    validation::FieldErrors,
    warrant::{step_overdue, AssemblyStep, FindingBasis, Referral, StepStatus},
};
use comity_store::{
    requests as request_store,
    warrants::{self as store, Finding, FindingStep},
    Executor, Tx,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    partners::{classification_of, parse_date},
    requests::RequestSummary,
    trail::{self, Target},
    warrants::warrant_access,
    Actor, AppError, Comity, Result,
};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct FindingInput {
    /// The State concerned (partner id or ISO code).
    pub partner_id: String,
    /// art_87_7 (default) or art_87_5_b.
    pub basis: Option<String>,
    /// The day of the decision (YYYY-MM-DD); not later than today.
    pub decided_on: String,
    pub chamber: String,
    pub decision_reference: String,
    /// The warrant the State failed to execute, if any.
    pub warrant_id: Option<String>,
    /// The requests concerned.
    #[serde(default)]
    pub request_ids: Vec<String>,
    #[serde(default)]
    pub summary: String,
    /// assembly, security_council or not_referred (default assembly).
    pub referral: Option<String>,
    /// The day of the referral (default the day of the decision).
    pub referred_on: Option<String>,
    /// Days the State has to answer the open letter (default 14).
    pub reply_days: Option<i64>,
    /// public (default), internal or confidential.
    pub classification: Option<String>,
}

/// Progress on one Assembly step.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct StepInput {
    /// pending, done or skipped.
    pub status: String,
    /// When it was done (YYYY-MM-DD, default today).
    pub done_on: Option<String>,
    /// A new due day (YYYY-MM-DD), e.g. the plenary's session.
    pub due_on: Option<String>,
    #[serde(default)]
    pub note: String,
    /// The finding's version you read.
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepView {
    pub step: String,
    pub status: String,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub overdue: bool,
    pub note: String,
    pub document_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingSummary {
    pub id: String,
    pub partner_id: String,
    pub partner_name: String,
    pub basis: String,
    pub decided_on: NaiveDate,
    pub chamber: String,
    pub decision_reference: String,
    pub referral: String,
    pub referred_on: Option<NaiveDate>,
    /// The next pending step and whether it is late.
    pub next_step: Option<StepView>,
    pub overdue_steps: usize,
    pub classification: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingView {
    #[serde(flatten)]
    pub summary: FindingSummary,
    pub summary_text: String,
    pub warrant_id: Option<String>,
    pub warrant_reference: Option<String>,
    pub reply_days: i64,
    pub requests: Vec<RequestSummary>,
    pub steps: Vec<StepView>,
    pub may_update: bool,
    pub version: i64,
}

/// Findings counted by State and by year of decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingTally {
    pub partner_id: String,
    pub partner_name: String,
    pub year: i32,
    pub findings: usize,
}

/// The list of findings with the open follow-ups.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingList {
    pub findings: Vec<FindingSummary>,
    pub tally: Vec<FindingTally>,
    /// Pending steps across all findings, the most urgent first.
    pub follow_ups: Vec<FollowUp>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUp {
    pub finding_id: String,
    pub partner_name: String,
    pub step: StepView,
}

pub(crate) fn finding_access(f: &Finding) -> RecordAccess {
    let mut r = RecordAccess::new(RecordKind::Finding, classification_of(&f.classification));
    r.owner_unit = Some(f.owner_unit_id.clone());
    r
}

/// Chambers make findings; the Registry and the Presidency follow them up with the Assembly.
fn records_findings(kind: UnitKind) -> bool {
    matches!(kind, UnitKind::Chambers | UnitKind::Registry | UnitKind::Presidency)
}

fn step_view(s: &FindingStep, today: NaiveDate) -> StepView {
    let status = StepStatus::parse(&s.status).unwrap_or(StepStatus::Pending);
    StepView {
        step: s.step.clone(),
        status: s.status.clone(),
        due_on: s.due_on,
        done_on: s.done_on,
        overdue: step_overdue(status, s.due_on, today),
        note: s.note.clone(),
        document_name: s.document_name.clone(),
    }
}

/// The Assembly's steps in the order they run.
fn ordered(steps: &[FindingStep]) -> Vec<&FindingStep> {
    let mut v: Vec<&FindingStep> = steps.iter().collect();
    v.sort_by_key(|s| AssemblyStep::parse(&s.step).map(|a| AssemblyStep::ALL.iter().position(|x| *x == a)));
    v
}

impl Comity {
    pub fn may_record_findings(&self, actor: &Actor) -> bool {
        records_findings(actor.principal.unit_kind)
            && actor.may(Action::Create, &{
                let mut r = RecordAccess::new(RecordKind::Finding, Classification::Public);
                r.owner_unit = Some(actor.principal.unit_id.clone());
                r
            })
    }

    /// Records a finding, and on referral to the Assembly opens its procedure's steps.
    pub async fn record_finding(&self, actor: &Actor, input: &FindingInput) -> Result<FindingView> {
        if !records_findings(actor.principal.unit_kind) {
            return Err(AppError::Forbidden);
        }
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let mut e = FieldErrors::new();
        let partner_id = self.resolve_partner(&mut tx, &mut e, "partner_id", &input.partner_id).await;
        let basis = match input.basis.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            Some(b) => e.code::<FindingBasis>("basis", b),
            None => Some(FindingBasis::Art87_7),
        };
        let referral = match input.referral.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            Some(b) => e.code::<Referral>("referral", b),
            None => Some(Referral::Assembly),
        };
        let decided_on = match input.decided_on.trim() {
            "" => {
                e.add("decided_on", "is required");
                None
            }
            d => parse_date(&mut e, "decided_on", d),
        };
        if decided_on.is_some_and(|d| d > today) {
            e.add("decided_on", "cannot be later than today");
        }
        let referred_on = match input.referred_on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => parse_date(&mut e, "referred_on", d),
            None => decided_on,
        };
        if let (Some(r), Some(d)) = (referred_on, decided_on) {
            if r < d {
                e.add("referred_on", "cannot be before the decision");
            }
        }
        let chamber = e.required("chamber", &input.chamber, 200);
        let decision_reference = e.required("decision_reference", &input.decision_reference, 200);
        let summary = input.summary.trim().to_owned();
        if summary.chars().count() > 20_000 {
            e.add("summary", "must be at most 20000 characters");
        }
        let reply_days = input.reply_days.unwrap_or(self.settings.open_letter_reply_days);
        if !(1..=180).contains(&reply_days) {
            e.add("reply_days", "must be between 1 and 180 days");
        }
        let classification = match input.classification.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => e.code::<Classification>("classification", c),
            None => Some(Classification::Public),
        };
        let warrant = match input.warrant_id.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
            Some(id) => match store::warrant(&mut tx, id).await? {
                Some(w) if actor.may(Action::Read, &warrant_access(&w)) => Some(w),
                _ => {
                    e.add("warrant_id", "no such warrant");
                    None
                }
            },
            None => None,
        };
        let mut request_ids = Vec::new();
        for id in input.request_ids.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            match self.visible_request(&mut tx, actor, id, Action::Read).await {
                Ok(r) if Some(&r.partner_id) == partner_id.as_ref() => request_ids.push(r.id),
                Ok(_) => e.add("request_ids", format!("request {id} was not addressed to this State")),
                Err(_) => e.add("request_ids", format!("no such request '{id}'")),
            }
        }
        e.into_result()?;
        let (Some(partner_id), Some(basis), Some(referral), Some(decided_on), Some(classification)) =
            (partner_id, basis, referral, decided_on, classification)
        else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let f = Finding {
            id: comity_store::new_id(),
            partner_id,
            basis: basis.code().into(),
            decided_on,
            chamber,
            decision_reference,
            warrant_id: warrant.map(|w| w.id),
            summary,
            referral: referral.code().into(),
            referred_on: if referral == Referral::NotReferred { None } else { referred_on },
            reply_days,
            classification: classification.code().into(),
            owner_unit_id: actor.principal.unit_id.clone(),
            created_by: actor.audit_id().to_owned(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        actor.check(Action::Create, &finding_access(&f)).map_err(crate::partners::refused_creation)?;
        store::insert_finding(&mut tx, &f).await?;
        for r in &request_ids {
            store::link_finding_request(&mut tx, &f.id, r).await?;
        }
        if let (Referral::Assembly, Some(referred)) = (referral, f.referred_on) {
            for step in AssemblyStep::ALL {
                store::insert_step(
                    &mut tx,
                    &FindingStep {
                        id: format!("{}:{}", f.id, step.code()),
                        finding_id: f.id.clone(),
                        step: step.code().into(),
                        status: StepStatus::Pending.code().into(),
                        due_on: step.due_on(referred, None, reply_days.unsigned_abs()),
                        done_on: None,
                        note: String::new(),
                        document_sha256: None,
                        document_name: None,
                        updated_by: actor.audit_id().to_owned(),
                        updated_at: now,
                    },
                )
                .await?;
            }
        }
        trail::record(
            &mut tx,
            now,
            actor,
            "finding.create",
            Target::new(RecordKind::Finding, &f.id, classification),
            serde_json::json!({ "partner": f.partner_id, "basis": f.basis, "referral": f.referral }),
        )
        .await?;
        tx.commit().await?;
        self.finding(actor, &f.id).await
    }

    async fn visible_finding(
        &self,
        ex: &mut impl Executor,
        actor: &Actor,
        id: &str,
        action: Action,
    ) -> Result<Finding> {
        let f = store::finding(ex, id).await?.ok_or(AppError::NotFound)?;
        actor.check(Action::Read, &finding_access(&f))?;
        if action != Action::Read {
            actor.check(action, &finding_access(&f))?;
        }
        Ok(f)
    }

    pub async fn finding(&self, actor: &Actor, id: &str) -> Result<FindingView> {
        let today = self.today();
        let mut c = self.db.read().await?;
        let f = self.visible_finding(&mut c, actor, id, Action::Read).await?;
        let steps = store::steps(&mut c, &f.id).await?;
        let request_ids = store::finding_requests(&mut c, &f.id).await?;
        let warrant_reference = match &f.warrant_id {
            Some(w) => store::warrant(&mut c, w)
                .await?
                .filter(|w| actor.may(Action::Read, &warrant_access(w)))
                .map(|w| w.reference),
            None => None,
        };
        let names = self.names_of(&mut c, std::slice::from_ref(&f.partner_id)).await?;
        drop(c);
        let mut requests = Vec::new();
        for id in request_ids {
            if let Ok(r) = self.request_summary(actor, &id).await {
                requests.push(r);
            }
        }
        self.audit_reads(actor, "finding.read", RecordKind::Finding, &[(&f.id, &f.classification)]).await?;
        Ok(FindingView {
            summary: finding_summary(&f, &steps, &names, today),
            summary_text: f.summary.clone(),
            warrant_id: warrant_reference.as_ref().and(f.warrant_id.clone()),
            warrant_reference,
            reply_days: f.reply_days,
            requests,
            steps: ordered(&steps).into_iter().map(|s| step_view(s, today)).collect(),
            may_update: actor.may(Action::Update, &finding_access(&f)),
            version: f.version,
        })
    }

    async fn names_of(&self, ex: &mut impl Executor, ids: &[String]) -> Result<BTreeMap<String, String>> {
        Ok(comity_store::partners::names(ex, ids).await?.into_iter().map(|(id, n, _)| (id, n)).collect())
    }

    /// Findings the actor may see, by State and year, with the follow-ups still open.
    pub async fn list_findings(&self, actor: &Actor, partner: Option<&str>, year: Option<i32>) -> Result<FindingList> {
        let today = self.today();
        let mut c = self.db.read().await?;
        let findings: Vec<Finding> = store::findings(&mut c)
            .await?
            .into_iter()
            .filter(|f| actor.may(Action::Read, &finding_access(f)))
            .filter(|f| partner.is_none_or(|p| p.trim().is_empty() || f.partner_id.eq_ignore_ascii_case(p.trim())))
            .filter(|f| year.is_none_or(|y| f.decided_on.year() == y))
            .collect();
        let steps = store::all_steps(&mut c).await?;
        let mut ids: Vec<String> = findings.iter().map(|f| f.partner_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let names = self.names_of(&mut c, &ids).await?;
        drop(c);
        let mut tally: BTreeMap<(String, i32), usize> = BTreeMap::new();
        let mut follow_ups = Vec::new();
        let mut out = Vec::new();
        for f in &findings {
            *tally.entry((f.partner_id.clone(), f.decided_on.year())).or_default() += 1;
            let own: Vec<FindingStep> = steps.iter().filter(|s| s.finding_id == f.id).cloned().collect();
            for s in ordered(&own).into_iter().filter(|s| s.status == StepStatus::Pending.code()) {
                follow_ups.push(FollowUp {
                    finding_id: f.id.clone(),
                    partner_name: names.get(&f.partner_id).cloned().unwrap_or_default(),
                    step: step_view(s, today),
                });
            }
            out.push(finding_summary(f, &own, &names, today));
        }
        follow_ups.sort_by_key(|f| (!f.step.overdue, f.step.due_on.unwrap_or(NaiveDate::MAX)));
        let disclosed: Vec<(&str, &str)> =
            findings.iter().map(|f| (f.id.as_str(), f.classification.as_str())).collect();
        self.audit_reads(actor, "finding.list", RecordKind::Finding, &disclosed).await?;
        Ok(FindingList {
            findings: out,
            tally: tally
                .into_iter()
                .map(|((partner_id, year), findings)| FindingTally {
                    partner_name: names.get(&partner_id).cloned().unwrap_or_default(),
                    partner_id,
                    year,
                    findings,
                })
                .collect(),
            follow_ups,
        })
    }

    /// Records progress on one Assembly step. Sending the open letter starts the State's reply
    /// deadline.
    pub async fn update_step(&self, actor: &Actor, id: &str, step: &str, input: &StepInput) -> Result<FindingView> {
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let mut f = self.visible_finding(&mut tx, actor, id, Action::Update).await?;
        let Some(which) = AssemblyStep::parse(step) else {
            return Err(AppError::NotFound);
        };
        let mut steps = store::steps(&mut tx, &f.id).await?;
        let Some(mut s) = steps.iter().find(|s| s.step == which.code()).cloned() else {
            return Err(AppError::NotFound);
        };
        let mut e = FieldErrors::new();
        let status = e.code::<StepStatus>("status", input.status.trim());
        let done_on = match input.done_on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => parse_date(&mut e, "done_on", d),
            None => Some(today),
        };
        if done_on.is_some_and(|d| d > today) {
            e.add("done_on", "cannot be later than today");
        }
        if let (Some(d), Some(r)) = (done_on, f.referred_on) {
            if d < r && status == Some(StepStatus::Done) {
                e.add("done_on", "cannot be before the referral");
            }
        }
        let due_on = match input.due_on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => parse_date(&mut e, "due_on", d).map(Some),
            None => None,
        };
        if input.note.chars().count() > 5_000 {
            e.add("note", "must be at most 5000 characters");
        }
        e.into_result()?;
        AppError::check_version(input.version, f.version)?;
        let Some(status) = status else {
            return Err(AppError::Internal("validated status missing".into()));
        };
        s.status = status.code().into();
        s.done_on = (status == StepStatus::Done).then_some(done_on).flatten();
        if let Some(d) = due_on {
            s.due_on = d;
        }
        if !input.note.trim().is_empty() {
            s.note = input.note.trim().to_owned();
        }
        s.updated_by = actor.audit_id().to_owned();
        s.updated_at = now;
        store::update_step(&mut tx, &s).await?;
        if which == AssemblyStep::OpenLetter {
            // The State's reply, and the public meeting after it, count from the letter.
            if let Some(referred) = f.referred_on {
                let sent = s.done_on;
                for later in [AssemblyStep::StateReply, AssemblyStep::PublicMeeting] {
                    if let Some(t) = steps.iter_mut().find(|x| x.step == later.code()) {
                        if t.status == StepStatus::Pending.code() {
                            t.due_on = later.due_on(referred, sent, f.reply_days.unsigned_abs());
                            store::update_step(&mut tx, t).await?;
                        }
                    }
                }
            }
        }
        self.touch_finding(&mut tx, actor, &mut f, &format!("finding.step.{}", which.code()), now).await?;
        tx.commit().await?;
        self.finding(actor, id).await
    }

    async fn touch_finding(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        f: &mut Finding,
        action: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let read = f.version;
        f.updated_at = now;
        if !store::update_finding(tx, f, read).await? {
            return Err(AppError::StaleVersion { current: read + 1 });
        }
        f.version = read + 1;
        trail::record(
            tx,
            now,
            actor,
            action,
            Target::new(RecordKind::Finding, &f.id, classification_of(&f.classification)),
            serde_json::json!({}),
        )
        .await
    }

    /// Attaches a document (the open letter, the State's reply, the Bureau's minutes) to a step.
    pub async fn attach_step_document(
        &self,
        actor: &Actor,
        id: &str,
        step: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Result<FindingView> {
        if bytes.is_empty() {
            return Err(AppError::field("file", "is empty"));
        }
        if bytes.len() > self.max_upload_bytes() {
            return Err(AppError::field("file", format!("must be at most {} bytes", self.max_upload_bytes())));
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let mut f = self.visible_finding(&mut tx, actor, id, Action::Update).await?;
        let Some(which) = AssemblyStep::parse(step) else {
            return Err(AppError::NotFound);
        };
        let mut s = store::steps(&mut tx, &f.id)
            .await?
            .into_iter()
            .find(|s| s.step == which.code())
            .ok_or(AppError::NotFound)?;
        let sha = crate::documents::sha256_hex(bytes);
        request_store::put_blob(&mut tx, &sha, bytes, now).await?;
        s.document_sha256 = Some(sha);
        s.document_name = Some(crate::documents::safe_filename(filename));
        s.updated_by = actor.audit_id().to_owned();
        s.updated_at = now;
        store::update_step(&mut tx, &s).await?;
        self.touch_finding(&mut tx, actor, &mut f, "finding.step.document", now).await?;
        tx.commit().await?;
        self.finding(actor, id).await
    }

    /// A step's document, for those who may see the finding.
    pub async fn step_document(&self, actor: &Actor, id: &str, step: &str) -> Result<(String, Vec<u8>)> {
        let mut c = self.db.read().await?;
        let f = self.visible_finding(&mut c, actor, id, Action::Read).await?;
        let s = store::steps(&mut c, &f.id).await?.into_iter().find(|s| s.step == step).ok_or(AppError::NotFound)?;
        let (Some(sha), Some(name)) = (s.document_sha256, s.document_name) else {
            return Err(AppError::NotFound);
        };
        let bytes = request_store::blob(&mut c, &sha).await?.ok_or(AppError::NotFound)?;
        Ok((name, bytes))
    }
}

fn finding_summary(
    f: &Finding,
    steps: &[FindingStep],
    names: &BTreeMap<String, String>,
    today: NaiveDate,
) -> FindingSummary {
    let views: Vec<StepView> = ordered(steps).into_iter().map(|s| step_view(s, today)).collect();
    FindingSummary {
        id: f.id.clone(),
        partner_id: f.partner_id.clone(),
        partner_name: names.get(&f.partner_id).cloned().unwrap_or_default(),
        basis: f.basis.clone(),
        decided_on: f.decided_on,
        chamber: f.chamber.clone(),
        decision_reference: f.decision_reference.clone(),
        referral: f.referral.clone(),
        referred_on: f.referred_on,
        overdue_steps: views.iter().filter(|s| s.overdue).count(),
        next_step: views.into_iter().find(|s| s.status == StepStatus::Pending.code()),
        classification: f.classification.clone(),
    }
}
