//! Invitations of States' focal points. A Registry or OTP officer, or the office's own
//! administrator, invites by e-mail; the link activates the account once, before it expires;
//! the new user then sets up a second factor at the first sign-in, as everyone outside the
//! Court must.

use chrono::{DateTime, Duration, Utc};
use comity_domain::{
    access::{Action, Classification, RecordKind, Role, UnitKind},
    validation::FieldErrors,
};
use comity_store::accounts::{self, Invitation, NewUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    actor::parse_roles,
    auth::{hash_password, random_token, sha256_hex, MIN_PASSWORD_LEN},
    mail::Outgoing,
    trail::{self, Target},
    users::{insert_account, user_record, valid_login_name, UserSummary},
    Actor, AppError, Comity, Result,
};

/// How long an activation link works.
pub const INVITATION_DAYS: i64 = 7;

/// Whom to invite: a focal point of one State's office.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct InvitationInput {
    /// Their login name: lowercase letters, digits, '.', '_' or '-'.
    pub name: String,
    pub display_name: Option<String>,
    pub email: String,
    /// The office: `state:ISO3`.
    pub unit: String,
    /// viewer, officer, or unit_admin (the office's administrator), comma-separated.
    pub roles: String,
}

/// An invitation sent (or, without e-mail, ready to hand over).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitationIssued {
    pub id: String,
    pub name: String,
    pub email: String,
    pub unit: String,
    pub expires_at: DateTime<Utc>,
    /// Whether the link went out by e-mail.
    pub emailed: bool,
    /// The activation path, only when it could not be e-mailed: hand it over yourself.
    pub activation_path: Option<String>,
}

/// What the activation page shows before the password is chosen.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationPreview {
    pub name: String,
    pub display_name: String,
    pub unit: String,
    pub expires_at: DateTime<Utc>,
}

/// Registry and OTP officers reach out to States' focal points.
fn court_officer(actor: &Actor) -> bool {
    matches!(actor.principal.unit_kind, UnitKind::Registry | UnitKind::Otp)
        && actor.principal.roles.iter().any(|r| matches!(r, Role::Officer | Role::Approver | Role::UnitAdmin))
}

/// Whether the actor may invite focal points of this State (for the pages' forms; `invite`
/// decides on the office itself).
pub fn may_invite_to(actor: &Actor, state_id: &str) -> bool {
    let p = &actor.principal;
    court_officer(actor)
        || p.roles.contains(&Role::SystemAdmin)
        || (p.unit_kind == UnitKind::StateFocalPoint
            && p.unit_state.as_deref() == Some(state_id)
            && p.roles.contains(&Role::UnitAdmin))
}

impl Comity {
    /// Invites a focal point. Registry and OTP officers invite into any State's office; an
    /// office's administrators invite their own colleagues.
    pub async fn invite(&self, actor: &Actor, input: &InvitationInput) -> Result<InvitationIssued> {
        let mut e = FieldErrors::new();
        let name = e.required("name", &input.name, 64);
        if !name.is_empty() && !valid_login_name(&name) {
            e.add("name", "use 2 to 64 lowercase letters, digits, '.', '_' or '-'");
        }
        let email = input.email.trim().to_owned();
        if email.is_empty() {
            e.add("email", "is required: the activation link is sent there");
        } else if !email.contains('@') || email.len() > 254 {
            e.add("email", "is not an e-mail address");
        }
        match parse_roles(&input.roles) {
            Ok(r) if r.is_empty() => e.add("roles", "at least one role is required"),
            Ok(r) if r.iter().any(|r| !matches!(r, Role::Viewer | Role::Officer | Role::UnitAdmin)) => {
                e.add("roles", "a focal point may be viewer, officer or unit_admin")
            }
            Ok(_) => {}
            Err(err) => e.add("roles", format!("must be among: {}", err.allowed.join(", "))),
        }
        if !input.unit.trim().starts_with("state:") {
            e.add("unit", "invitations are for a State's focal-point office: state:ISO3");
        }
        e.into_result()?;
        let roles =
            parse_roles(&input.roles).unwrap_or_default().iter().map(|r| r.code()).collect::<Vec<_>>().join(",");
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let unit = self.resolve_unit(&mut tx, &input.unit).await?;
        if !court_officer(actor) {
            actor.check(Action::Create, &user_record(&unit.id, &unit.kind))?;
        }
        if accounts::user_by_name(&mut tx, &name).await?.is_some()
            || accounts::name_is_invited(&mut tx, &name, now).await?
        {
            return Err(AppError::field("name", format!("'{name}' is already taken or invited")));
        }
        let token = random_token();
        let invitation = Invitation {
            id: comity_store::new_id(),
            token_hash: sha256_hex(&token),
            name: name.clone(),
            display_name: input
                .display_name
                .clone()
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| name.clone()),
            email: email.clone(),
            unit_id: unit.id.clone(),
            roles,
            invited_by: actor.audit_id().to_owned(),
            created_at: now,
            expires_at: now + Duration::days(INVITATION_DAYS),
            used_at: None,
        };
        accounts::insert_invitation(&mut tx, &invitation).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "invitation.create",
            Target::new(RecordKind::User, &invitation.id, Classification::Internal),
            serde_json::json!({ "name": name, "unit": unit.name, "roles": invitation.roles, "email": email }),
        )
        .await?;
        tx.commit().await?;
        let path = format!("/activate/{token}");
        // The e-mail goes out after the commit, so a slow mail server never holds the
        // database's write lock; if it cannot be sent, the invitation is withdrawn again.
        let mailer = self.mailer()?;
        let emailed = match (&self.settings.public_url, mailer.is_enabled()) {
            (Some(base), true) => {
                let mail = Outgoing {
                    to: email.clone(),
                    subject: "Comity: your invitation".into(),
                    body: format!(
                        "You are invited to Comity, the cooperation desk of the Court, as a focal point of {}.\n\n\
                         Activate your account (the link works once, until {} UTC):\n{}{path}\n\n\
                         You will choose a password, then set up a second factor (an authenticator app) at \
                         your first sign-in.\n",
                        unit.name,
                        invitation.expires_at.format("%Y-%m-%d %H:%M"),
                        base.trim_end_matches('/'),
                    ),
                    message_id: crate::reminders::message_id(&invitation.id, mailer.sender_domain().as_deref()),
                    date: now,
                };
                let sent = match mailer.prepare(&mail).await {
                    Ok(prepared) => prepared.deliver().await,
                    Err(e) => Err(e),
                };
                if let Err(e) = sent {
                    let mut tx = self.db.write().await?;
                    accounts::delete_invitation(&mut tx, &invitation.id).await?;
                    tx.commit().await?;
                    return Err(AppError::Unavailable(format!("the invitation could not be e-mailed: {e}")));
                }
                true
            }
            _ => false,
        };
        Ok(InvitationIssued {
            id: invitation.id,
            name,
            email,
            unit: unit.name,
            expires_at: invitation.expires_at,
            emailed,
            activation_path: (!emailed).then_some(path),
        })
    }

    /// The invitation an activation link stands for, if it may still be used.
    async fn usable_invitation(&self, ex: &mut impl comity_store::Executor, token: &str) -> Result<Invitation> {
        let i = accounts::invitation_by_hash(ex, &sha256_hex(token.trim())).await?.ok_or(AppError::NotFound)?;
        if i.used_at.is_some() {
            return Err(AppError::Conflict(
                "this invitation has already been used: sign in, or ask for a new one".into(),
            ));
        }
        if i.expires_at <= self.clock.now() {
            return Err(AppError::Conflict("this invitation has expired: ask the Court for a new one".into()));
        }
        Ok(i)
    }

    pub async fn invitation_preview(&self, token: &str) -> Result<InvitationPreview> {
        let mut c = self.db.read().await?;
        let i = self.usable_invitation(&mut c, token).await?;
        let unit = accounts::list_units(&mut c).await?.into_iter().find(|u| u.id == i.unit_id).map(|u| u.name);
        Ok(InvitationPreview {
            name: i.name,
            display_name: i.display_name,
            unit: unit.unwrap_or_default(),
            expires_at: i.expires_at,
        })
    }

    /// Activates the invited account with the password its holder chose. The link is then
    /// spent; the second factor is set up at the first sign-in.
    pub async fn activate(&self, token: &str, password: &str, confirm: &str) -> Result<UserSummary> {
        let mut e = FieldErrors::new();
        if password.chars().count() < MIN_PASSWORD_LEN {
            e.add("password", format!("must be at least {MIN_PASSWORD_LEN} characters"));
        } else if password != confirm {
            e.add("confirm", "does not match the password");
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let i = self.usable_invitation(&mut tx, token).await?;
        e.into_result()?;
        if !accounts::use_invitation(&mut tx, &i.id, now).await? {
            return Err(AppError::Conflict("this invitation has already been used".into()));
        }
        let id = comity_store::new_id();
        let hash = hash_password(password)?;
        let new = NewUser {
            id: &id,
            name: &i.name,
            display_name: &i.display_name,
            email: Some(&i.email),
            unit_id: &i.unit_id,
            roles: &i.roles,
            password_hash: &hash,
            at: now,
        };
        insert_account(&mut tx, &new).await?;
        let user = accounts::user_by_id(&mut tx, &id).await?.ok_or(AppError::NotFound)?;
        let actor = Actor::from_user(&user, crate::AuthMethod::Session)?;
        trail::record(
            &mut tx,
            now,
            &actor,
            "invitation.accept",
            Target::new(RecordKind::User, &id, Classification::Internal),
            serde_json::json!({ "invitation": i.id, "invited_by": i.invited_by }),
        )
        .await?;
        tx.commit().await?;
        Ok(UserSummary::from(&user))
    }
}
