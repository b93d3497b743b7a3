//! Requests for cooperation: what they ask for (lines and their Statute checklists), who
//! sends them (rule 176), the lifecycle moves each side may make, and the legal clocks and
//! turnaround rules the figures rest on.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use crate::access::{Principal, Role, UnitKind};
use crate::vocabulary;

vocabulary! {
    /// Outgoing requests go from the Court to a partner; incoming ones come from a State
    /// under art. 93(10).
    Direction {
        Outgoing => "outgoing",
        Incoming => "incoming",
    }
}

vocabulary! {
    /// The organ that transmits the request (rule 176).
    Organ {
        Registry => "registry",
        Otp => "otp",
    }
}

vocabulary! {
    /// On whose behalf the organ acts.
    OnBehalfOf {
        Chamber => "chamber",
        Defence => "defence",
        Victims => "victims",
        Registry => "registry",
        Prosecution => "prosecution",
    }
}

impl OnBehalfOf {
    /// The organ that must transmit a request made on this behalf: the OTP sends its own,
    /// the Registry everything else (rule 176(2)).
    pub fn transmitting_organ(self) -> Organ {
        match self {
            OnBehalfOf::Prosecution => Organ::Otp,
            _ => Organ::Registry,
        }
    }
}

vocabulary! {
    /// A primary request, or one that follows up or supplements its parent.
    RequestKind {
        Primary => "primary",
        FollowUp => "follow_up",
        Supplementary => "supplementary",
    }
}

vocabulary! {
    /// Urgency drives the channel (INTERPOL may carry urgent requests) and reminders.
    Urgency {
        Normal => "normal",
        Urgent => "urgent",
    }
}

vocabulary! {
    /// Who bears the costs of executing a line (art. 100).
    CostAllocation {
        RequestedState => "requested_state",
        Court => "court",
        Shared => "shared",
        ToBeConsulted => "to_be_consulted",
    }
}

vocabulary! {
    /// What one line of a request asks for.
    LineType {
        IdentifyLocate => "a93_1_a_identify_locate",
        TakeEvidence => "a93_1_b_take_evidence",
        QuestionSuspect => "a93_1_c_question_suspect",
        ServiceOfDocuments => "a93_1_d_service_of_documents",
        VoluntaryAppearance => "a93_1_e_voluntary_appearance",
        TemporaryTransfer => "a93_1_f_temporary_transfer",
        ExamineSites => "a93_1_g_examine_sites",
        SearchSeizure => "a93_1_h_search_seizure",
        RecordsDocuments => "a93_1_i_records_documents",
        ProtectVictimsWitnesses => "a93_1_j_protect_victims_witnesses",
        AssetsTraceFreezeSeize => "a93_1_k_assets_trace_freeze_seize",
        OtherAssistance => "a93_1_l_other_assistance",
        ArrestSurrender => "arrest_surrender",
        ProvisionalArrest => "provisional_arrest",
        Transit => "transit",
        NotificationJudicialDocuments => "notification_judicial_documents",
        MissionSupport => "mission_support",
        InformationFromOrganisation => "information_from_organisation",
        Article98Waiver => "article_98_waiver",
        Article98Consent => "article_98_consent",
        Enforcement => "enforcement",
        FinesForfeiture => "fines_forfeiture",
        AgreementRelated => "agreement_related",
        AssistanceToState => "assistance_to_state",
    }
}

/// One point of a Statute content checklist: the key under which the drafter's answer is
/// kept, and the provision that requires it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecklistItem {
    pub key: &'static str,
    pub provision: &'static str,
}

const fn item(key: &'static str, provision: &'static str) -> ChecklistItem {
    ChecklistItem { key, provision }
}

/// Art. 96(2): what every request for assistance states.
const ART_96: &[ChecklistItem] = &[
    item("assistance_sought", "art. 96(2)(a)"),
    item("persons_places", "art. 96(2)(b)"),
    item("procedure", "art. 96(2)(d)"),
];

/// Art. 91(2): a request for arrest and surrender of a person not yet convicted.
const ART_91: &[ChecklistItem] = &[
    item("person_description", "art. 91(2)(a)"),
    item("probable_location", "art. 91(2)(a)"),
    item("warrant_reference", "art. 91(2)(b)"),
    item("national_requirements", "art. 91(2)(c)"),
];

/// Art. 92(2): a request for provisional arrest.
const ART_92: &[ChecklistItem] = &[
    item("person_description", "art. 92(2)(a)"),
    item("probable_location", "art. 92(2)(a)"),
    item("crimes_and_facts", "art. 92(2)(b)"),
    item("warrant_reference", "art. 92(2)(c)"),
    item("surrender_request_to_follow", "art. 92(2)(d)"),
];

/// Art. 89(3)(b): a request for transit.
const ART_89_3: &[ChecklistItem] = &[
    item("person_description", "art. 89(3)(b)(i)"),
    item("crimes_and_facts", "art. 89(3)(b)(ii)"),
    item("warrant_reference", "art. 89(3)(b)(iii)"),
];

const NOTIFICATION: &[ChecklistItem] =
    &[item("documents_to_serve", "art. 93(1)(d)"), item("persons_places", "art. 96(2)(b)")];
const MISSION: &[ChecklistItem] = &[item("mission_dates", "art. 99(4)"), item("persons_places", "art. 96(2)(b)")];
const ORGANISATION: &[ChecklistItem] = &[item("assistance_sought", "art. 87(6)")];
const ART_98: &[ChecklistItem] =
    &[item("third_state", "art. 98; rule 195"), item("assistance_sought", "art. 98; rule 195")];
const ENFORCEMENT: &[ChecklistItem] = &[item("decision_reference", "art. 103; rule 204")];
const FINES: &[ChecklistItem] =
    &[item("decision_reference", "art. 109; rule 217"), item("assets", "art. 109; rule 218")];
const AGREEMENT: &[ChecklistItem] = &[item("agreement_reference", "art. 87(5)(a)")];
const TO_STATE: &[ChecklistItem] = &[item("assistance_sought", "art. 93(10); rule 194")];

impl LineType {
    /// The content a line of this type must carry before the request can leave draft.
    pub fn checklist(self) -> &'static [ChecklistItem] {
        use LineType::*;
        match self {
            ArrestSurrender => ART_91,
            ProvisionalArrest => ART_92,
            Transit => ART_89_3,
            NotificationJudicialDocuments => NOTIFICATION,
            MissionSupport => MISSION,
            InformationFromOrganisation => ORGANISATION,
            Article98Waiver | Article98Consent => ART_98,
            Enforcement => ENFORCEMENT,
            FinesForfeiture => FINES,
            AgreementRelated => AGREEMENT,
            AssistanceToState => TO_STATE,
            _ => ART_96,
        }
    }

    /// Footnote 7 of the report: the Registry's total of requests transmitted leaves out
    /// notifications of judicial documents, mission support and agreement-related requests.
    pub fn excluded_from_registry_total(self) -> bool {
        matches!(self, LineType::NotificationJudicialDocuments | LineType::MissionSupport | LineType::AgreementRelated)
    }

    /// Types that only make sense in one direction.
    pub fn allowed_in(self, direction: Direction) -> bool {
        match direction {
            Direction::Incoming => self == LineType::AssistanceToState,
            Direction::Outgoing => self != LineType::AssistanceToState,
        }
    }
}

/// Art. 96(2)(a) and (c) ask every request for its purpose and its facts; they live on the
/// request rather than on each line.
pub const REQUEST_CHECKLIST: &[ChecklistItem] = &[item("purpose", "art. 96(2)(a)"), item("facts", "art. 96(2)(c)")];

/// A checklist point still missing: which line (none for the request itself), which key and
/// under which provision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MissingItem {
    pub line: Option<usize>,
    pub key: &'static str,
    pub provision: &'static str,
}

/// What the completeness check reads from a request.
pub struct DraftContent<'a> {
    pub purpose: &'a str,
    pub facts: &'a str,
    pub lines: Vec<(LineType, &'a BTreeMap<String, String>)>,
}

/// Every checklist point the draft does not yet answer; empty means it may leave draft.
pub fn missing_items(d: &DraftContent<'_>) -> Vec<MissingItem> {
    let mut missing = Vec::new();
    for (key, value) in [("purpose", d.purpose), ("facts", d.facts)] {
        if value.trim().is_empty() {
            let provision = REQUEST_CHECKLIST.iter().find(|i| i.key == key).map_or("art. 96(2)", |i| i.provision);
            missing.push(MissingItem { line: None, key, provision });
        }
    }
    if d.lines.is_empty() {
        missing.push(MissingItem { line: None, key: "lines", provision: "art. 96(2)(a)" });
    }
    for (n, (line_type, content)) in d.lines.iter().enumerate() {
        for i in line_type.checklist() {
            if content.get(i.key).is_none_or(|v| v.trim().is_empty()) {
                missing.push(MissingItem { line: Some(n), key: i.key, provision: i.provision });
            }
        }
    }
    missing
}

vocabulary! {
    /// Where a request stands. Outgoing and incoming requests share the vocabulary; each
    /// direction uses its own part of it.
    Status {
        Draft => "draft",
        PreConsultation => "pre_consultation",
        Approved => "approved",
        Transmitted => "transmitted",
        Acknowledged => "acknowledged",
        Consultation => "consultation",
        Postponed => "postponed",
        InExecution => "in_execution",
        PartiallyExecuted => "partially_executed",
        Executed => "executed",
        Refused => "refused",
        Withdrawn => "withdrawn",
        Received => "received",
        UnderReview => "under_review",
        Granted => "granted",
        PartlyGranted => "partly_granted",
        Answered => "answered",
    }
}

impl Status {
    /// Whether a request in this state has certainly left the Court (outgoing) or arrived
    /// (incoming). A withdrawn request may or may not have been sent, so visibility to the
    /// partner rests on the recorded transmission date, not on this.
    pub fn is_sent(self) -> bool {
        !matches!(self, Status::Draft | Status::PreConsultation | Status::Approved | Status::Withdrawn)
    }

    /// Whether the request still waits on someone; refused requests are closed too.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Executed | Status::Refused | Status::Withdrawn | Status::Answered)
    }
}

vocabulary! {
    /// A lifecycle move: the name clients post to `/transitions`.
    Move {
        StartPreConsultation => "start_pre_consultation",
        ReturnToDraft => "return_to_draft",
        Approve => "approve",
        Transmit => "transmit",
        Acknowledge => "acknowledge",
        OpenConsultation => "open_consultation",
        ConcludeConsultation => "conclude_consultation",
        Postpone => "postpone",
        Resume => "resume",
        StartExecution => "start_execution",
        RecordPartialExecution => "record_partial_execution",
        RecordExecution => "record_execution",
        Refuse => "refuse",
        Withdraw => "withdraw",
        StartReview => "start_review",
        Grant => "grant",
        GrantInPart => "grant_in_part",
        Answer => "answer",
    }
}

/// Whether the partner knows of a request: once it has been sent (or received from it), and
/// while a draft is shared with its focal points for comment (pre-consultation). A draft
/// taken back, or approved but not yet sent, is the Court's alone again.
pub fn known_to_partner(status: &str, transmitted: bool) -> bool {
    transmitted || status == Status::PreConsultation.code()
}

impl Move {
    /// Moves that the Court and the partner each get a signed receipt of: the transmission,
    /// the partner's answers, and the Court's answers to a State's request.
    pub fn gives_receipt(self) -> bool {
        self.is_partner_response() || matches!(self, Move::Transmit | Move::Grant | Move::GrantInPart | Move::Answer)
    }

    /// Moves that carry the partner's answer; the first of them after transmission is the
    /// "first response" of the turnaround figures.
    pub fn is_partner_response(self) -> bool {
        matches!(
            self,
            Move::Acknowledge
                | Move::OpenConsultation
                | Move::Postpone
                | Move::StartExecution
                | Move::RecordPartialExecution
                | Move::RecordExecution
                | Move::Refuse
        )
    }

    /// Whether the move must state why.
    pub fn needs_reason(self) -> bool {
        matches!(self, Move::Refuse | Move::Withdraw | Move::Postpone | Move::ReturnToDraft)
    }
}

/// The move is not allowed from the current state; lists the moves that are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{attempted}' is not allowed from '{from}'")]
pub struct InvalidMove {
    pub from: Status,
    pub attempted: Move,
    pub allowed: Vec<Move>,
}

/// Where `m` takes a request in `from`. `resume_to` is the state a consultation or a
/// postponement interrupted, to which concluding or resuming returns.
pub fn target(direction: Direction, from: Status, m: Move, resume_to: Option<Status>) -> Option<Status> {
    use Move as M;
    use Status as S;
    let responded = matches!(from, S::Transmitted | S::Acknowledged | S::InExecution | S::PartiallyExecuted);
    let to = match direction {
        Direction::Outgoing => match (from, m) {
            (S::Draft, M::StartPreConsultation) => S::PreConsultation,
            (S::PreConsultation | S::Approved, M::ReturnToDraft) => S::Draft,
            (S::Draft | S::PreConsultation, M::Approve) => S::Approved,
            (S::Approved, M::Transmit) => S::Transmitted,
            (S::Transmitted, M::Acknowledge) => S::Acknowledged,
            (_, M::OpenConsultation) if responded || from == S::Postponed => S::Consultation,
            (S::Consultation, M::ConcludeConsultation) => resume_to.unwrap_or(S::Acknowledged),
            (_, M::Postpone) if responded || from == S::Consultation => S::Postponed,
            (S::Postponed, M::Resume) => resume_to.unwrap_or(S::Acknowledged),
            (S::Transmitted | S::Acknowledged, M::StartExecution) => S::InExecution,
            (_, M::RecordPartialExecution) if responded => S::PartiallyExecuted,
            (_, M::RecordExecution) if responded => S::Executed,
            (_, M::Refuse) if responded || matches!(from, S::Consultation | S::Postponed) => S::Refused,
            (_, M::Withdraw) if from.is_open() => S::Withdrawn,
            _ => return None,
        },
        Direction::Incoming => match (from, m) {
            (S::Received, M::StartReview) => S::UnderReview,
            (S::Received | S::UnderReview, M::Grant) => S::Granted,
            (S::Received | S::UnderReview, M::GrantInPart) => S::PartlyGranted,
            (S::Received | S::UnderReview, M::Refuse) => S::Refused,
            (S::Received | S::UnderReview, M::OpenConsultation) => S::Consultation,
            (S::Consultation, M::ConcludeConsultation) => resume_to.unwrap_or(S::UnderReview),
            (S::Granted | S::PartlyGranted | S::Refused, M::Answer) => S::Answered,
            (_, M::Withdraw) if from.is_open() => S::Withdrawn,
            _ => return None,
        },
    };
    Some(to)
}

/// The moves the lifecycle allows from `from`, whoever asks.
pub fn moves_from(direction: Direction, from: Status) -> Vec<Move> {
    Move::ALL.iter().copied().filter(|m| target(direction, from, *m, None).is_some()).collect()
}

/// Applies the lifecycle table, or says which moves were open.
pub fn next(direction: Direction, from: Status, m: Move, resume_to: Option<Status>) -> Result<Status, InvalidMove> {
    target(direction, from, m, resume_to).ok_or_else(|| InvalidMove {
        from,
        attempted: m,
        allowed: moves_from(direction, from),
    })
}

/// No move leads out of a terminal state.
pub fn is_terminal(direction: Direction, s: Status) -> bool {
    moves_from(direction, s).is_empty()
}

/// The state a consultation or postponement remembers, so concluding it returns there.
pub fn interrupted_state(from: Status, to: Status) -> Option<Status> {
    match to {
        Status::Consultation | Status::Postponed if !matches!(from, Status::Consultation | Status::Postponed) => {
            Some(from)
        }
        _ => None,
    }
}

/// Whom a request involves, which decides who may make each move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parties {
    pub direction: Direction,
    pub on_behalf_of: OnBehalfOf,
    /// The unit that drafted and keeps the request.
    pub owner_unit: String,
    /// The unit the request is made for (a Defence team, the Chamber seized).
    pub acting_for_unit: Option<String>,
    /// The addressee (outgoing) or the requesting State (incoming).
    pub partner_state: Option<String>,
}

/// Whether `p` may make move `m` on a request between these parties. The access policy has
/// already said the record is visible and writable; this adds who acts at each step.
pub fn may_move(p: &Principal, m: Move, parties: &Parties) -> bool {
    let writes = p.roles.iter().any(|r| matches!(r, Role::Officer | Role::Approver | Role::UnitAdmin));
    if !writes {
        return false;
    }
    let in_owner = p.unit_id == parties.owner_unit;
    let for_unit = parties.acting_for_unit.as_deref() == Some(p.unit_id.as_str());
    let requesting_side = in_owner || for_unit;
    let addressee_focal_point =
        p.unit_kind == UnitKind::StateFocalPoint && p.unit_state.is_some() && p.unit_state == parties.partner_state;
    let transmitting_organ = match parties.on_behalf_of.transmitting_organ() {
        Organ::Registry => p.unit_kind == UnitKind::Registry,
        Organ::Otp => p.unit_kind == UnitKind::Otp,
    };
    if parties.direction == Direction::Incoming {
        // The Court's unit handling the incoming request decides and answers it.
        return in_owner && p.unit_kind.is_court_organ();
    }
    match m {
        Move::StartPreConsultation | Move::ReturnToDraft => requesting_side,
        Move::Approve => {
            // The authorising organ: an approver of the requesting unit, or of the Chamber
            // for a Chamber's request.
            p.has(Role::Approver)
                && (requesting_side
                    || (parties.on_behalf_of == OnBehalfOf::Chamber && p.unit_kind == UnitKind::Chambers))
        }
        // Rule 176: the Registry transmits for Chambers, Defence, victims and itself, the
        // OTP its own requests.
        Move::Transmit => transmitting_organ,
        Move::Withdraw | Move::ConcludeConsultation | Move::Resume => requesting_side || transmitting_organ,
        // The partner answers; the organ that transmitted records answers it received.
        m if m.is_partner_response() => addressee_focal_point || transmitting_organ,
        _ => false,
    }
}

vocabulary! {
    /// The outcome of one line.
    LineOutcome {
        Pending => "pending",
        InExecution => "in_execution",
        PartiallyExecuted => "partially_executed",
        Executed => "executed",
        NotExecuted => "not_executed",
        Withdrawn => "withdrawn",
    }
}

vocabulary! {
    /// Why a partner refused (art. 93(4) with art. 72 is the only lawful ground for
    /// refusing assistance under art. 93(1)).
    RefusalGround {
        NationalSecurity => "art_93_4_72",
        Other => "other",
    }
}

vocabulary! {
    /// The kind of consultation under way.
    ConsultationType {
        Art93_3 => "art_93_3",
        Art93_5 => "art_93_5",
        Art94 => "art_94",
        Art95 => "art_95",
        Art96_3 => "art_96_3",
        Art97 => "art_97",
        Art97A => "art_97_a",
        Art97B => "art_97_b",
        Art97C => "art_97_c",
        Art98 => "art_98",
        Art90 => "art_90",
    }
}

vocabulary! {
    /// How a consultation ended.
    ConsultationOutcome {
        RequestModified => "request_modified",
        ConditionsAccepted => "conditions_accepted",
        Resolved => "resolved",
        Unresolved => "unresolved",
    }
}

vocabulary! {
    /// The ground of a postponement.
    PostponementGround {
        Art94 => "art_94",
        Art95 => "art_95",
    }
}

/// Rule 188: after a provisional arrest the full request must arrive within 60 days.
pub const RULE_188_DAYS: u64 = 60;

/// The day by which the full surrender request is due after a provisional arrest.
pub fn rule_188_due(arrested_on: NaiveDate) -> NaiveDate {
    arrested_on.checked_add_days(Days::new(RULE_188_DAYS)).unwrap_or(NaiveDate::MAX)
}

/// Overdue is derived, never stored: the deadline has passed and the request still waits.
pub fn is_overdue(status: Status, deadline: Option<NaiveDate>, today: NaiveDate) -> bool {
    status.is_open() && deadline.is_some_and(|d| d < today)
}

/// Whole days between two effective dates, for turnaround figures.
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// The median and 90th percentile of a set of day counts (nearest-rank method), or none
/// for an empty set.
pub fn median_and_p90(days: &mut [i64]) -> Option<(f64, i64)> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let n = days.len();
    let median = if n % 2 == 1 { days[n / 2] as f64 } else { (days[n / 2 - 1] + days[n / 2]) as f64 / 2.0 };
    let rank = ((0.9 * n as f64).ceil() as usize).clamp(1, n);
    Some((median, days[rank - 1]))
}

#[cfg(test)]
mod tests;
