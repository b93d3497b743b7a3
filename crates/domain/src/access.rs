//! The access policy: one pure function decides whether a principal may act on a record.
//!
//! Every layer that touches data (the web handlers, the CLI, the background jobs) reaches
//! records through the use cases in `comity-app`, which call [`decide`] before anything is
//! returned or written. Default is deny: each rule below grants, and anything not granted is
//! refused.

use crate::vocabulary;

vocabulary! {
    /// How far a record may travel. Ordered from the widest audience to the narrowest.
    Classification {
        Public => "public",
        Internal => "internal",
        Confidential => "confidential",
        ExParte => "ex_parte",
        Sealed => "sealed",
    }
}

impl Classification {
    /// Reads of records at this level or above are written to the audit trail.
    pub fn read_is_audited(self) -> bool {
        self >= Classification::Confidential
    }
}

vocabulary! {
    /// What a user may do within their unit.
    Role {
        Viewer => "viewer",
        Officer => "officer",
        Approver => "approver",
        UnitAdmin => "unit_admin",
        SystemAdmin => "system_admin",
        Auditor => "auditor",
    }
}

vocabulary! {
    /// The kind of office a user works in; it bounds what their roles can reach.
    UnitKind {
        Registry => "registry",
        Otp => "otp",
        Chambers => "chambers",
        Presidency => "presidency",
        VictimsWitnesses => "victims_witnesses",
        DefenceTeam => "defence_team",
        StateFocalPoint => "state_focal_point",
        AssemblyObserver => "assembly_observer",
        Administration => "administration",
    }
}

impl UnitKind {
    /// Offices of the Court's organs, which share the Court's internal records.
    pub fn is_court_organ(self) -> bool {
        matches!(
            self,
            UnitKind::Registry
                | UnitKind::Otp
                | UnitKind::Chambers
                | UnitKind::Presidency
                | UnitKind::VictimsWitnesses
                | UnitKind::Administration
        )
    }
}

vocabulary! {
    /// What a record is, which decides who may write it and whether it is an aggregate.
    RecordKind {
        Partner => "partner",
        FocalPoint => "focal_point",
        CommunicationProfile => "communication_profile",
        User => "user",
        Unit => "unit",
        ApiToken => "api_token",
        AuditEntry => "audit_entry",
        Statistics => "statistics",
        Request => "request",
        RequestDocument => "request_document",
        Warrant => "warrant",
        TravelAlert => "travel_alert",
        Demarche => "demarche",
        Finding => "finding",
    }
}

impl RecordKind {
    /// Aggregates carry counts and figures, never a case record.
    pub fn is_aggregate(self) -> bool {
        matches!(self, RecordKind::Statistics)
    }

    /// The Court's reference directory, maintained by the Registry.
    fn is_directory(self) -> bool {
        matches!(self, RecordKind::Partner | RecordKind::FocalPoint | RecordKind::CommunicationProfile)
    }

    /// Case records: kept by the unit that drafted them and shared with those it names.
    fn is_case_record(self) -> bool {
        matches!(
            self,
            RecordKind::Request
                | RecordKind::RequestDocument
                | RecordKind::Warrant
                | RecordKind::TravelAlert
                | RecordKind::Demarche
                | RecordKind::Finding
        )
    }

    fn is_account(self) -> bool {
        matches!(self, RecordKind::User | RecordKind::Unit | RecordKind::ApiToken)
    }
}

vocabulary! {
    Action {
        Read => "read",
        Create => "create",
        Update => "update",
        Delete => "delete",
    }
}

/// Who is asking: the user, their unit and their roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub unit_id: String,
    pub unit_kind: UnitKind,
    /// The State a focal-point office belongs to (its partner id).
    pub unit_state: Option<String>,
    pub roles: Vec<Role>,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    fn can_write(&self) -> bool {
        self.roles.iter().any(|r| matches!(r, Role::Officer | Role::Approver | Role::UnitAdmin | Role::SystemAdmin))
    }

    fn is_state_user(&self) -> bool {
        self.unit_kind == UnitKind::StateFocalPoint
    }
}

/// What the policy needs to know about a record; built by the use case that loads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordAccess {
    pub kind: RecordKind,
    pub classification: Classification,
    /// The unit that owns the record (drafted it, keeps it).
    pub owner_unit: Option<String>,
    /// The State the record concerns or is addressed to.
    pub state: Option<String>,
    /// For `ex_parte`: the only units that may see it.
    pub named_units: Vec<String>,
    /// For `sealed`: the only people who may see it.
    pub named_users: Vec<String>,
    /// The unit kind of the owner, which decides the Defence/OTP separation.
    pub owner_unit_kind: Option<UnitKind>,
    /// Made for the Defence, whoever drafted it: never shown to the OTP unless public.
    pub for_defence: bool,
}

impl RecordAccess {
    pub fn new(kind: RecordKind, classification: Classification) -> Self {
        Self {
            kind,
            classification,
            owner_unit: None,
            state: None,
            named_units: Vec::new(),
            named_users: Vec::new(),
            owner_unit_kind: None,
            for_defence: false,
        }
    }

    pub fn owned_by(mut self, unit_id: impl Into<String>, kind: UnitKind) -> Self {
        self.owner_unit = Some(unit_id.into());
        self.owner_unit_kind = Some(kind);
        self
    }

    pub fn about_state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// Shares the record with other units (the unit it is made for, the transmitting organ,
    /// the Chamber seized).
    pub fn shared_with(mut self, units: impl IntoIterator<Item = String>) -> Self {
        self.named_units.extend(units);
        self
    }

    pub fn for_defence(mut self, yes: bool) -> Self {
        self.for_defence = yes;
        self
    }

    fn is_defence_side(&self) -> bool {
        self.for_defence || self.owner_unit_kind == Some(UnitKind::DefenceTeam)
    }
}

/// Why access was refused. The web layer turns most of these into 404 so that a refusal does
/// not confirm that a record exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The principal may not know the record exists.
    Hidden,
    /// The principal may see the record but lacks the power for this action.
    NotPermitted,
}

pub type Decision = Result<(), Denial>;

/// Decides whether `p` may perform `action` on the record described by `r`.
pub fn decide(p: &Principal, action: Action, r: &RecordAccess) -> Decision {
    may_see(p, r)?;
    if action == Action::Read {
        return may_read_kind(p, r);
    }
    may_write(p, action, r)
}

/// Whether the record is visible at all to `p`; the confidentiality rules live here.
fn may_see(p: &Principal, r: &RecordAccess) -> Decision {
    // Assembly observers work with published figures only.
    if p.unit_kind == UnitKind::AssemblyObserver {
        return if r.classification == Classification::Public && r.kind.is_aggregate() {
            Ok(())
        } else {
            Err(Denial::Hidden)
        };
    }
    // Defence work is ex parte towards the Prosecution, whatever its classification.
    if r.is_defence_side() && p.unit_kind == UnitKind::Otp && r.classification != Classification::Public {
        return Err(Denial::Hidden);
    }
    let own_unit = r.owner_unit.as_deref() == Some(p.unit_id.as_str());
    let own_state = p.is_state_user() && r.state.is_some() && r.state == p.unit_state;
    // A focal point sees nothing non-public about another State, whatever else is set.
    if p.is_state_user() && r.classification != Classification::Public && !own_state && !own_unit {
        return Err(Denial::Hidden);
    }
    let visible = match r.classification {
        Classification::Public => true,
        Classification::Internal => p.unit_kind.is_court_organ() || own_unit || own_state,
        Classification::Confidential => own_unit || own_state || r.named_units.contains(&p.unit_id),
        // Ex parte keeps a record from the other party, not from the State it is sent to.
        Classification::ExParte => own_unit || own_state || r.named_units.contains(&p.unit_id),
        Classification::Sealed => r.named_users.contains(&p.user_id),
    };
    if visible {
        Ok(())
    } else {
        Err(Denial::Hidden)
    }
}

fn may_read_kind(p: &Principal, r: &RecordAccess) -> Decision {
    match r.kind {
        RecordKind::AuditEntry => {
            if p.has(Role::Auditor) || p.has(Role::SystemAdmin) {
                Ok(())
            } else {
                Err(Denial::Hidden)
            }
        }
        RecordKind::ApiToken | RecordKind::User => {
            // Colleagues in a unit see each other's accounts; administrators see all.
            let own = r.owner_unit.as_deref() == Some(p.unit_id.as_str());
            if p.has(Role::SystemAdmin) || own {
                Ok(())
            } else {
                Err(Denial::Hidden)
            }
        }
        _ => Ok(()),
    }
}

fn may_write(p: &Principal, action: Action, r: &RecordAccess) -> Decision {
    if !p.can_write() {
        return Err(Denial::NotPermitted);
    }
    let granted = if r.kind.is_directory() {
        // The Registry keeps the directory; States propose changes through their portal.
        p.has(Role::SystemAdmin)
            || (p.unit_kind == UnitKind::Registry
                && p.roles.iter().any(|r| matches!(r, Role::Officer | Role::Approver | Role::UnitAdmin)))
    } else if r.kind.is_case_record() {
        // Those the record is shared with act on it; a focal point only once the record
        // concerns its State (the use case sets the State only after transmission). Which
        // lifecycle move each may make is decided by `request::may_move`.
        let own_unit = r.owner_unit.as_deref() == Some(p.unit_id.as_str());
        let own_state = p.is_state_user() && r.state.is_some() && r.state == p.unit_state;
        let roles = p.roles.iter().any(|r| matches!(r, Role::Officer | Role::Approver | Role::UnitAdmin));
        roles && (own_unit || r.named_units.contains(&p.unit_id) || own_state)
    } else if r.kind.is_account() {
        p.has(Role::SystemAdmin) || (p.has(Role::UnitAdmin) && r.owner_unit.as_deref() == Some(p.unit_id.as_str()))
    } else {
        // Audit entries and aggregates are never written by hand.
        false
    };
    let _ = action;
    if granted {
        Ok(())
    } else {
        Err(Denial::NotPermitted)
    }
}

#[cfg(test)]
mod tests;
