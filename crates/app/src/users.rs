//! Managing accounts and units: adding users, disabling them and resetting passwords.

use comity_domain::{
    access::{Action, Classification, RecordAccess, RecordKind, Role, UnitKind},
    validation::FieldErrors,
};
use comity_store::accounts::{self, NewUser, Unit, User};

use crate::{
    actor::parse_roles,
    auth::{generate_password, hash_password},
    trail::{self, Target},
    Actor, AppError, Comity, Result,
};

/// The organ offices every installation has.
pub const STANDARD_UNITS: &[(&str, UnitKind)] = &[
    ("Registry", UnitKind::Registry),
    ("Office of the Prosecutor", UnitKind::Otp),
    ("Chambers", UnitKind::Chambers),
    ("Presidency", UnitKind::Presidency),
    ("Victims and Witnesses Section", UnitKind::VictimsWitnesses),
    ("Administration", UnitKind::Administration),
    ("Assembly observers", UnitKind::AssemblyObserver),
];

/// A request to add a user.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserInput {
    pub name: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// Comma-separated role codes.
    pub roles: String,
    /// A unit name ("Registry"), or `state:ISO3` for a State's focal-point office, or
    /// `defence:TEAM` for a Defence team; those two are created on first use.
    pub unit: String,
}

/// A user as administrators see it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct UserSummary {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub email: Option<String>,
    pub unit: String,
    pub unit_kind: String,
    pub roles: Vec<String>,
    pub second_factor: bool,
    pub disabled: bool,
}

impl From<&User> for UserSummary {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            name: u.name.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            unit: u.unit_name.clone(),
            unit_kind: u.unit_kind.clone(),
            roles: u.roles.split(',').map(str::to_owned).collect(),
            second_factor: u.totp_secret.is_some(),
            disabled: u.disabled,
        }
    }
}

pub(crate) fn user_record(unit_id: &str, unit_kind: &str) -> RecordAccess {
    RecordAccess::new(RecordKind::User, Classification::Internal)
        .owned_by(unit_id.to_owned(), UnitKind::parse(unit_kind).unwrap_or(UnitKind::Administration))
}

/// Stores a new account; a taken login name is the caller's field error.
pub(crate) async fn insert_account(tx: &mut comity_store::Tx, new: &NewUser<'_>) -> Result<()> {
    accounts::insert_user(tx, new).await.map_err(|e| match e {
        comity_store::StoreError::Conflict(_) => {
            AppError::field("name", format!("a user named '{}' already exists", new.name))
        }
        other => other.into(),
    })
}

/// Login names are short, lowercase and safe in URLs and authenticator apps.
pub fn valid_login_name(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

impl Comity {
    /// Finds the unit named by `spec`, creating a State office or Defence team on first use.
    pub(crate) async fn resolve_unit(&self, tx: &mut comity_store::Tx, spec: &str) -> Result<Unit> {
        let spec = spec.trim();
        if let Some(u) = accounts::unit_by_name(tx, spec).await? {
            return Ok(u);
        }
        let (name, kind, state) = if let Some(iso) = spec.strip_prefix("state:") {
            let iso = iso.trim().to_uppercase();
            let p = comity_store::partners::partner(tx, &iso)
                .await?
                .filter(|p| p.kind == "state")
                .ok_or_else(|| AppError::field("unit", format!("no State with code '{iso}' in the directory")))?;
            (format!("Focal point: {}", p.name), UnitKind::StateFocalPoint, Some(p.id))
        } else if let Some(team) = spec.strip_prefix("defence:") {
            let team = team.trim();
            if team.is_empty() {
                return Err(AppError::field("unit", "name the Defence team: defence:NAME"));
            }
            (format!("Defence: {team}"), UnitKind::DefenceTeam, None)
        } else {
            let names: Vec<_> = accounts::list_units(tx).await?.into_iter().map(|u| u.name).collect();
            return Err(AppError::field(
                "unit",
                format!("no unit named '{spec}'; use one of: {}, state:ISO3 or defence:TEAM", names.join(", ")),
            ));
        };
        if let Some(u) = accounts::unit_by_name(tx, &name).await? {
            return Ok(u);
        }
        let unit = Unit {
            id: comity_store::new_id(),
            name,
            kind: kind.code().into(),
            state_id: state,
            created_at: self.clock.now(),
        };
        accounts::insert_unit(tx, &unit).await?;
        Ok(unit)
    }

    /// Adds a user and returns them with a generated password, shown once.
    pub async fn add_user(&self, actor: &Actor, input: &UserInput) -> Result<(UserSummary, String)> {
        self.add_user_with_password(actor, input, generate_password()).await
    }

    /// Adds a user with a password chosen by the caller (the demo's known passwords).
    pub(crate) async fn add_user_with_password(
        &self,
        actor: &Actor,
        input: &UserInput,
        password: String,
    ) -> Result<(UserSummary, String)> {
        let mut errors = FieldErrors::new();
        let name = errors.required("name", &input.name, 64);
        if !name.is_empty() && !valid_login_name(&name) {
            errors.add("name", "use 2 to 64 lowercase letters, digits, '.', '_' or '-'");
        }
        let roles = match parse_roles(&input.roles) {
            Ok(r) if r.is_empty() => {
                errors.add("role", "at least one role is required");
                Vec::new()
            }
            Ok(r) => r,
            Err(e) => {
                errors.add("role", format!("must be one of: {}", e.allowed.join(", ")));
                Vec::new()
            }
        };
        if input.unit.trim().is_empty() {
            errors.add("unit", "is required");
        }
        let email = input.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email {
            if !e.contains('@') || e.len() > 254 {
                errors.add("email", "is not an e-mail address");
            }
        }
        errors.into_result()?;
        let hash = hash_password(&password)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let unit = self.resolve_unit(&mut tx, &input.unit).await?;
        if roles.contains(&Role::SystemAdmin) && unit.kind != UnitKind::Administration.code() {
            return Err(AppError::field("role", "system administrators belong to the Administration unit"));
        }
        actor.check(Action::Create, &user_record(&unit.id, &unit.kind))?;
        let id = comity_store::new_id();
        let role_codes = roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",");
        let display_name = input.display_name.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| name.clone());
        let new = NewUser {
            id: &id,
            name: &name,
            display_name: &display_name,
            email,
            unit_id: &unit.id,
            roles: &role_codes,
            password_hash: &hash,
            at: now,
        };
        insert_account(&mut tx, &new).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "user.create",
            Target::new(RecordKind::User, &id, Classification::Internal),
            serde_json::json!({ "name": name, "unit": unit.name, "roles": role_codes }),
        )
        .await?;
        let user = accounts::user_by_id(&mut tx, &id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok((UserSummary::from(&user), password))
    }

    /// Users the actor may see: everyone for system administrators, their unit otherwise.
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserSummary>> {
        let users = accounts::list_users(&mut self.db.read().await?, None).await?;
        Ok(users
            .iter()
            .filter(|u| actor.may(Action::Read, &user_record(&u.unit_id, &u.unit_kind)))
            .map(UserSummary::from)
            .collect())
    }

    async fn target_user(&self, tx: &mut comity_store::Tx, actor: &Actor, name: &str) -> Result<User> {
        let user = accounts::user_by_name(tx, name).await?.ok_or(AppError::NotFound)?;
        actor.check(Action::Update, &user_record(&user.unit_id, &user.unit_kind))?;
        Ok(user)
    }

    /// Disables (or re-enables) an account and ends its sessions.
    pub async fn set_user_disabled(&self, actor: &Actor, name: &str, disabled: bool) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let user = self.target_user(&mut tx, actor, name).await?;
        accounts::set_user_disabled(&mut tx, &user.id, disabled, now).await?;
        accounts::delete_user_sessions(&mut tx, &user.id).await?;
        let action = if disabled { "user.disable" } else { "user.enable" };
        trail::record(
            &mut tx,
            now,
            actor,
            action,
            Target::new(RecordKind::User, &user.id, Classification::Internal),
            serde_json::json!({ "name": user.name }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new generated password, ends the user's sessions, revokes their tokens and
    /// returns the password.
    pub async fn reset_password(&self, actor: &Actor, name: &str) -> Result<String> {
        let password = generate_password();
        let hash = hash_password(&password)?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let user = self.target_user(&mut tx, actor, name).await?;
        accounts::update_user_secret(&mut tx, &user.id, Some(&hash), None, now).await?;
        // A reset answers a suspected compromise: nothing issued before it keeps working.
        accounts::delete_user_sessions(&mut tx, &user.id).await?;
        let tokens = accounts::revoke_user_tokens(&mut tx, &user.id, now).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "user.reset_password",
            Target::new(RecordKind::User, &user.id, Classification::Internal),
            serde_json::json!({ "name": user.name, "tokens_revoked": tokens }),
        )
        .await?;
        tx.commit().await?;
        Ok(password)
    }

    /// Creates the standard organ units if they are missing.
    pub(crate) async fn ensure_standard_units(&self, tx: &mut comity_store::Tx) -> Result<()> {
        for (name, kind) in STANDARD_UNITS {
            if accounts::unit_by_name(tx, name).await?.is_none() {
                let unit = Unit {
                    id: comity_store::new_id(),
                    name: (*name).into(),
                    kind: kind.code().into(),
                    state_id: None,
                    created_at: self.clock.now(),
                };
                accounts::insert_unit(tx, &unit).await?;
            }
        }
        Ok(())
    }
}
