//! Proving who someone is: passwords (argon2id), sessions, TOTP second factors, API tokens
//! and login throttling.
//!
//! Secrets are stored only as hashes: passwords with argon2id, and session and API tokens
//! with SHA-256 (they are long random values, so a fast hash is enough and keeps every API
//! call cheap).

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use comity_domain::access::{Action, Classification, RecordAccess, RecordKind};
use comity_store::accounts::{self, ApiToken, Session, User};
use rand::{distributions::Alphanumeric, Rng, RngCore};
use sha2::{Digest, Sha256};

use crate::{
    trail::{self, Target},
    Actor, AppError, AuthMethod, Comity, Result,
};

/// Minimum length of a password chosen by a person.
pub const MIN_PASSWORD_LEN: usize = 12;

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// A random password for a new account or a reset, shown once.
pub fn generate_password() -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect()
}

/// A long random secret, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Prefix that makes Comity tokens recognisable in logs and secret scanners.
pub const TOKEN_PREFIX: &str = "cmt_";

/// What a login attempt achieved.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The raw session token for the cookie; only its hash is stored.
    pub session_token: String,
    pub csrf_token: String,
    pub user: User,
    /// The session is not usable until this is cleared.
    pub pending: Option<Pending>,
}

/// A step the user must still take before the session is fully signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Enter the current TOTP code.
    VerifyTotp,
    /// Their role requires a second factor and they have none yet: enrol one.
    EnrolTotp,
}

/// A live session, resolved from its cookie.
#[derive(Debug, Clone)]
pub struct SessionState {
    pub actor: Actor,
    pub user: User,
    pub csrf_token: String,
    pub id_hash: String,
    pub pending: Option<Pending>,
    pub expires_at: DateTime<Utc>,
}

/// A freshly made token; the secret is shown once and never stored.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub token: String,
    pub record: ApiToken,
}

/// Token scopes.
pub const SCOPES: &[&str] = &["read", "write"];

// A hash used to spend the same time on unknown accounts as on known ones.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7XLDcXKUpEqnEJgmGvs2ZQ2XZg4gxpCw6nC3yAb5NRg";

impl Comity {
    fn throttle_keys(name: &str, addr: &str) -> (String, String) {
        (format!("account:{}", name.to_lowercase()), format!("address:{addr}"))
    }

    async fn ensure_not_throttled(&self, keys: &(String, String)) -> Result<()> {
        let now = self.clock.now();
        let since = now - self.settings.throttle_window;
        let mut c = self.db.read().await?;
        let by_account = accounts::count_login_failures(&mut c, &keys.0, since).await?;
        let by_address = accounts::count_login_failures(&mut c, &keys.1, since).await?;
        if by_account >= self.settings.max_failures_per_account || by_address >= self.settings.max_failures_per_address
        {
            return Err(AppError::Throttled { retry_after_secs: self.settings.throttle_window.num_seconds() as u64 });
        }
        Ok(())
    }

    async fn record_failure(&self, keys: &(String, String), name: &str) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        accounts::record_login_failure(&mut tx, &keys.0, now).await?;
        accounts::record_login_failure(&mut tx, &keys.1, now).await?;
        trail::record(
            &mut tx,
            now,
            &Actor::anonymous(name),
            "auth.login_failed",
            Target::new(RecordKind::User, name, Classification::Internal),
            serde_json::json!({ "address": keys.1.trim_start_matches("address:") }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a password and opens a session. Failures are counted per account and per
    /// address; past the limit every attempt is refused until the window passes.
    pub async fn login(&self, name: &str, password: &str, addr: &str) -> Result<LoginOutcome> {
        let name = name.trim();
        let keys = Self::throttle_keys(name, addr);
        self.ensure_not_throttled(&keys).await?;
        let user = accounts::user_by_name(&mut self.db.read().await?, name).await?;
        let ok = match &user {
            Some(u) => verify_password(password, &u.password_hash) && !u.disabled,
            None => {
                let _ = verify_password(password, DUMMY_HASH);
                false
            }
        };
        let user = match (ok, user) {
            (true, Some(u)) => u,
            _ => {
                self.record_failure(&keys, name).await?;
                return Err(AppError::BadCredentials);
            }
        };
        let actor = Actor::from_user(&user, AuthMethod::Session)?;
        let pending = if user.totp_secret.is_some() {
            Some(Pending::VerifyTotp)
        } else if self.second_factor_required(&actor) {
            Some(Pending::EnrolTotp)
        } else {
            None
        };
        let now = self.clock.now();
        let session_token = random_token();
        let csrf_token = random_token();
        let session = Session {
            id_hash: sha256_hex(&session_token),
            user_id: user.id.clone(),
            csrf_token: csrf_token.clone(),
            second_factor_done: pending.is_none(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + self.settings.session_idle,
        };
        let mut tx = self.db.write().await?;
        accounts::insert_session(&mut tx, &session).await?;
        accounts::clear_login_failures(&mut tx, &keys.0).await?;
        trail::record(
            &mut tx,
            now,
            &actor,
            "auth.login",
            Target::new(RecordKind::User, &user.id, Classification::Internal),
            serde_json::json!({ "address": addr, "second_factor_pending": pending.is_some() }),
        )
        .await?;
        tx.commit().await?;
        Ok(LoginOutcome { session_token, csrf_token, user, pending })
    }

    /// Resolves a session cookie; expired or unknown sessions are `Unauthenticated`.
    /// Activity extends the idle timeout, at most once a minute to spare writes.
    pub async fn session(&self, raw: &str) -> Result<SessionState> {
        let id_hash = sha256_hex(raw);
        let now = self.clock.now();
        let mut c = self.db.read().await?;
        let s = accounts::session(&mut c, &id_hash).await?.ok_or(AppError::Unauthenticated)?;
        if s.expires_at <= now || s.created_at + self.settings.session_max <= now {
            drop(c);
            let mut tx = self.db.write().await?;
            accounts::delete_session(&mut tx, &id_hash).await?;
            tx.commit().await?;
            return Err(AppError::Unauthenticated);
        }
        let user = accounts::user_by_id(&mut c, &s.user_id).await?.ok_or(AppError::Unauthenticated)?;
        drop(c);
        if user.disabled {
            return Err(AppError::Unauthenticated);
        }
        let mut expires_at = s.expires_at;
        if now - s.last_seen_at > Duration::seconds(60) {
            expires_at = (now + self.settings.session_idle).min(s.created_at + self.settings.session_max);
            let mut tx = self.db.write().await?;
            accounts::touch_session(&mut tx, &id_hash, now, expires_at).await?;
            tx.commit().await?;
        }
        let actor = Actor::from_user(&user, AuthMethod::Session)?;
        let pending = if s.second_factor_done {
            None
        } else if user.totp_secret.is_some() {
            Some(Pending::VerifyTotp)
        } else {
            Some(Pending::EnrolTotp)
        };
        Ok(SessionState { actor, user, csrf_token: s.csrf_token, id_hash, pending, expires_at })
    }

    pub async fn logout(&self, s: &SessionState) -> Result<()> {
        let mut tx = self.db.write().await?;
        accounts::delete_session(&mut tx, &s.id_hash).await?;
        trail::record(
            &mut tx,
            self.clock.now(),
            &s.actor,
            "auth.logout",
            Target::new(RecordKind::User, &s.user.id, Classification::Internal),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks the TOTP code of a session waiting for its second factor. Wrong codes count
    /// towards the same throttle as wrong passwords.
    pub async fn verify_second_factor(&self, s: &SessionState, code: &str, addr: &str) -> Result<()> {
        let keys = Self::throttle_keys(&s.user.name, addr);
        self.ensure_not_throttled(&keys).await?;
        let secret = s.user.totp_secret.as_deref().ok_or(AppError::Conflict("no second factor enrolled".into()))?;
        let Some(step) = totp_step(secret, code, self.clock.now())? else {
            self.record_failure(&keys, &s.user.name).await?;
            return Err(AppError::field("code", "the code is wrong or has expired"));
        };
        let mut tx = self.db.write().await?;
        if !accounts::claim_totp_step(&mut tx, &s.user.id, step).await? {
            drop(tx);
            self.record_failure(&keys, &s.user.name).await?;
            return Err(AppError::field("code", "this code was already used; wait for the next one"));
        }
        accounts::complete_second_factor(&mut tx, &s.id_hash).await?;
        accounts::clear_login_failures(&mut tx, &keys.0).await?;
        trail::record(
            &mut tx,
            self.clock.now(),
            &s.actor,
            "auth.second_factor",
            Target::new(RecordKind::User, &s.user.id, Classification::Internal),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enrols a TOTP secret after the user proved they can produce its codes, and marks the
    /// current session as having passed the second factor.
    pub async fn enrol_second_factor(&self, s: &SessionState, secret: &str, code: &str) -> Result<()> {
        // A session still owing the enrolled factor may not replace it: a password alone
        // would then stand in for the second factor.
        if s.pending == Some(Pending::VerifyTotp) {
            return Err(AppError::SecondFactorRequired);
        }
        // The secret comes back from the enrolment form: a malformed one is bad input, not a fault.
        if totp(secret, None).is_err() {
            return Err(AppError::field("secret", "is not a valid secret; reload the page to get a new one"));
        }
        let Some(step) = totp_step(secret, code, self.clock.now())? else {
            return Err(AppError::field("code", "the code does not match the new secret; check the device clock"));
        };
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        accounts::update_user_secret(&mut tx, &s.user.id, None, Some(Some(secret)), now).await?;
        // A new secret starts a new sequence of steps.
        accounts::set_totp_step(&mut tx, &s.user.id, step).await?;
        accounts::complete_second_factor(&mut tx, &s.id_hash).await?;
        trail::record(
            &mut tx,
            now,
            &s.actor,
            "auth.second_factor_enrolled",
            Target::new(RecordKind::User, &s.user.id, Classification::Internal),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes an API token for a user. The operator may make one for anyone; a user for
    /// themselves; administrators as the policy allows.
    pub async fn create_token(
        &self,
        actor: &Actor,
        user_name: &str,
        label: &str,
        scopes: &[String],
        ttl: Option<Duration>,
    ) -> Result<NewToken> {
        let mut errors = comity_domain::validation::FieldErrors::new();
        let label = errors.required("label", label, 100);
        for s in scopes {
            if !SCOPES.contains(&s.as_str()) {
                errors.add("scopes", format!("unknown scope '{s}'; expected read or write"));
            }
        }
        if scopes.is_empty() {
            errors.add("scopes", "at least one scope is required (read, write)");
        }
        if let Some(t) = ttl {
            if t <= Duration::zero() || t > Duration::days(366) {
                errors.add("expires_in_days", "must be between 1 and 366 days");
            }
        }
        errors.into_result()?;
        let user = accounts::user_by_name(&mut self.db.read().await?, user_name)
            .await?
            .ok_or_else(|| AppError::field("user", format!("no user named '{user_name}'")))?;
        let record = RecordAccess::new(RecordKind::ApiToken, Classification::Internal).owned_by(
            user.unit_id.clone(),
            comity_domain::access::UnitKind::parse(&user.unit_kind)
                .unwrap_or(comity_domain::access::UnitKind::Administration),
        );
        if actor.principal.user_id != user.id {
            actor.check(Action::Create, &record)?;
        }
        let now = self.clock.now();
        let token = format!("{TOKEN_PREFIX}{}", random_token());
        let rec = ApiToken {
            id: comity_store::new_id(),
            user_id: user.id.clone(),
            label,
            token_hash: sha256_hex(&token),
            scopes: scopes.join(","),
            created_at: now,
            expires_at: now + ttl.unwrap_or(self.settings.token_ttl),
            revoked_at: None,
            last_used_at: None,
        };
        let mut tx = self.db.write().await?;
        accounts::insert_token(&mut tx, &rec).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "token.create",
            Target::new(RecordKind::ApiToken, &rec.id, Classification::Internal),
            serde_json::json!({ "user": user.name, "scopes": rec.scopes, "expires_at": rec.expires_at }),
        )
        .await?;
        tx.commit().await?;
        Ok(NewToken { token, record: rec })
    }

    /// Whether the actor must use a second factor: everyone outside the Court (a State's focal
    /// points), and the holders of the roles the settings name.
    pub fn second_factor_required(&self, actor: &Actor) -> bool {
        actor.principal.unit_kind == comity_domain::access::UnitKind::StateFocalPoint
            || actor.principal.roles.iter().any(|r| self.settings.totp_required_roles.contains(r))
    }

    /// Resolves a bearer token without argon2: one indexed lookup by its SHA-256, with its user.
    pub async fn token_actor(&self, raw: &str) -> Result<Actor> {
        if !raw.starts_with(TOKEN_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let mut c = self.db.read().await?;
        let t = accounts::token_holder(&mut c, &sha256_hex(raw)).await?.ok_or(AppError::Unauthenticated)?;
        if t.token_revoked_at.is_some() || t.token_expires_at <= self.clock.now() || t.user.disabled {
            return Err(AppError::Unauthenticated);
        }
        let write = t.token_scopes.split(',').any(|s| s == "write");
        Actor::from_user(&t.user, AuthMethod::Token { write })
    }

    /// Tokens of one user, or of everyone for the operator and system administrators.
    pub async fn list_tokens(&self, actor: &Actor, user_name: Option<&str>) -> Result<Vec<(ApiToken, String)>> {
        let mut c = self.db.read().await?;
        let users = accounts::list_users(&mut c, None).await?;
        let user_id = match user_name {
            Some(n) => Some(
                users
                    .iter()
                    .find(|u| u.name == n)
                    .map(|u| u.id.clone())
                    .ok_or_else(|| AppError::field("user", format!("no user named '{n}'")))?,
            ),
            None => None,
        };
        let tokens = accounts::list_tokens(&mut c, user_id.as_deref()).await?;
        Ok(tokens
            .into_iter()
            .filter_map(|t| {
                let owner = users.iter().find(|u| u.id == t.user_id)?;
                let record = token_record(owner);
                (owner.id == actor.principal.user_id || actor.may(Action::Read, &record))
                    .then(|| (t, owner.name.clone()))
            })
            .collect())
    }

    pub async fn revoke_token(&self, actor: &Actor, id: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        let t = accounts::token_by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let owner = accounts::user_by_id(&mut tx, &t.user_id).await?.ok_or(AppError::NotFound)?;
        if owner.id != actor.principal.user_id {
            actor.check(Action::Update, &token_record(&owner))?;
        }
        if !accounts::revoke_token(&mut tx, id, self.clock.now()).await? {
            return Err(AppError::Conflict("the token is already revoked".into()));
        }
        trail::record(
            &mut tx,
            self.clock.now(),
            actor,
            "token.revoke",
            Target::new(RecordKind::ApiToken, id, Classification::Internal),
            serde_json::json!({ "user": owner.name }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn token_record(owner: &User) -> RecordAccess {
    let kind = comity_domain::access::UnitKind::parse(&owner.unit_kind)
        .unwrap_or(comity_domain::access::UnitKind::Administration);
    RecordAccess::new(RecordKind::ApiToken, Classification::Internal).owned_by(owner.unit_id.clone(), kind)
}

/// A new TOTP secret (base32) and the otpauth URL an authenticator app reads.
pub fn new_totp_secret(account: &str) -> Result<(String, String)> {
    let secret = totp_rs::Secret::generate_secret().to_encoded().to_string();
    let url = totp_url(&secret, account)?;
    Ok((secret, url))
}

/// The otpauth URL for a secret, to show it again when an enrolment form is re-displayed.
pub fn totp_url(secret: &str, account: &str) -> Result<String> {
    Ok(totp(secret, Some(account))?.get_url())
}

fn totp(secret: &str, account: Option<&str>) -> Result<totp_rs::TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|e| AppError::Internal(format!("stored TOTP secret is invalid: {e:?}")))?;
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Comity".to_owned()),
        account.unwrap_or("user").to_owned(),
    )
    .map_err(|e| AppError::Internal(format!("TOTP setup: {e}")))
}

/// The 30-second time step whose code `code` is, allowing one step of clock drift either
/// way; `None` when the code matches none of them.
pub fn totp_step(secret: &str, code: &str, now: DateTime<Utc>) -> Result<Option<i64>> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret, None)?;
    let current = now.timestamp().max(0) / 30;
    Ok([current - 1, current, current + 1]
        .into_iter()
        .filter(|s| *s >= 0)
        .find(|s| totp.generate((*s * 30) as u64).as_bytes() == code.as_bytes()))
}

/// Whether `code` is valid for `secret` at `now` (one step of drift allowed).
pub fn totp_matches(secret: &str, code: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(totp_step(secret, code, now)?.is_some())
}

/// The current code for a secret (tests and the CLI use it).
pub fn totp_code(secret: &str, now: DateTime<Utc>) -> Result<String> {
    Ok(totp(secret, None)?.generate(now.timestamp().max(0) as u64))
}

impl Comity {
    /// Deletes sessions past their expiry; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let mut tx = self.db.write().await?;
        let n = accounts::delete_expired_sessions(&mut tx, self.clock.now()).await?;
        tx.commit().await?;
        Ok(n)
    }
}
