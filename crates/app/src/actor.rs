//! Who is acting: a signed-in user (by session or token) or the local operator at the CLI.

use comity_domain::access::{decide, Action, Denial, Principal, RecordAccess, Role, UnitKind};
use comity_store::accounts::User;

use crate::{AppError, Result};

/// How the actor proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    Session,
    /// A bearer token; `write` says whether its scopes allow changes.
    Token {
        write: bool,
    },
    /// The operator running `comity` on the server, with direct access to the database.
    Operator,
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub name: String,
    pub display_name: String,
    pub unit_name: String,
    pub method: AuthMethod,
}

impl Actor {
    /// The operator at the command line acts as a system administrator: whoever can run the
    /// binary against the database already holds its keys. The policy still applies (sealed
    /// records stay sealed) and every change is audited under `operator`.
    pub fn operator() -> Self {
        Self {
            principal: Principal {
                user_id: "operator".into(),
                unit_id: "operator".into(),
                unit_kind: UnitKind::Administration,
                unit_state: None,
                roles: vec![Role::SystemAdmin],
            },
            name: "operator".into(),
            display_name: "Operator (command line)".into(),
            unit_name: "Administration".into(),
            method: AuthMethod::Operator,
        }
    }

    /// A background service acting on its own (the travel mailbox), audited under its name.
    /// It holds no role: what it writes, it writes through use cases made for it.
    pub fn service(name: &str) -> Self {
        Self {
            principal: Principal {
                user_id: name.to_owned(),
                unit_id: String::new(),
                unit_kind: UnitKind::Administration,
                unit_state: None,
                roles: Vec::new(),
            },
            name: name.to_owned(),
            display_name: name.to_owned(),
            unit_name: String::new(),
            method: AuthMethod::Operator,
        }
    }

    /// Someone not signed in, named by what they typed (for audit entries of failed logins).
    pub fn anonymous(claimed_name: &str) -> Self {
        Self {
            principal: Principal {
                user_id: format!("anonymous:{claimed_name}"),
                unit_id: String::new(),
                unit_kind: UnitKind::AssemblyObserver,
                unit_state: None,
                roles: Vec::new(),
            },
            name: claimed_name.to_owned(),
            display_name: claimed_name.to_owned(),
            unit_name: String::new(),
            method: AuthMethod::Session,
        }
    }

    pub fn from_user(u: &User, method: AuthMethod) -> Result<Self> {
        let unit_kind = UnitKind::parse(&u.unit_kind)
            .ok_or_else(|| AppError::Internal(format!("user {} has unknown unit kind {}", u.name, u.unit_kind)))?;
        let roles = parse_roles(&u.roles).map_err(|e| AppError::Internal(format!("user {}: {e}", u.name)))?;
        Ok(Self {
            principal: Principal {
                user_id: u.id.clone(),
                unit_id: u.unit_id.clone(),
                unit_kind,
                unit_state: u.unit_state.clone(),
                roles,
            },
            name: u.name.clone(),
            display_name: u.display_name.clone(),
            unit_name: u.unit_name.clone(),
            method,
        })
    }

    /// The id written to the audit trail.
    pub fn audit_id(&self) -> &str {
        &self.principal.user_id
    }

    pub fn has(&self, role: Role) -> bool {
        self.principal.has(role)
    }

    /// Applies the policy: a hidden record is `NotFound`, a visible one beyond the actor's
    /// powers is `Forbidden`. A read-only token can never write.
    pub fn check(&self, action: Action, record: &RecordAccess) -> Result<()> {
        if action != Action::Read && self.method == (AuthMethod::Token { write: false }) {
            decide(&self.principal, Action::Read, record).map_err(denial)?;
            return Err(AppError::Forbidden);
        }
        decide(&self.principal, action, record).map_err(denial)
    }

    /// Whether the policy allows the action (for showing or hiding controls).
    pub fn may(&self, action: Action, record: &RecordAccess) -> bool {
        self.check(action, record).is_ok()
    }
}

fn denial(d: Denial) -> AppError {
    match d {
        Denial::Hidden => AppError::NotFound,
        Denial::NotPermitted => AppError::Forbidden,
    }
}

/// Parses a comma-separated list of role codes.
pub fn parse_roles(s: &str) -> std::result::Result<Vec<Role>, comity_domain::validation::UnknownCode> {
    s.split(',').map(str::trim).filter(|r| !r.is_empty()).map(str::parse).collect()
}
