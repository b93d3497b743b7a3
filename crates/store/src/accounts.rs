//! Units, users, sessions, API tokens and login throttling.

use chrono::{DateTime, Utc};

use crate::{Executor, Result, Sql};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub state_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_unit(ex: &mut impl Executor, u: &Unit) -> Result<()> {
    Sql::new("INSERT INTO units (id, name, kind, state_id, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&u.id)
        .bind(&u.name)
        .bind(&u.kind)
        .bind(u.state_id.clone())
        .bind(u.created_at)
        .execute(ex)
        .await
        .map(|_| ())
}

pub async fn unit_by_name(ex: &mut impl Executor, name: &str) -> Result<Option<Unit>> {
    Sql::new("SELECT * FROM units WHERE name = $1").bind(name).fetch_optional(ex).await
}

pub async fn unit_by_id(ex: &mut impl Executor, id: &str) -> Result<Option<Unit>> {
    Sql::new("SELECT * FROM units WHERE id = $1").bind(id).fetch_optional(ex).await
}

/// The oldest unit of a kind (for the organs, there is one).
pub async fn first_unit_of_kind(ex: &mut impl Executor, kind: &str) -> Result<Option<Unit>> {
    Sql::new("SELECT * FROM units WHERE kind = $1 ORDER BY created_at, id LIMIT 1").bind(kind).fetch_optional(ex).await
}

pub async fn list_units(ex: &mut impl Executor) -> Result<Vec<Unit>> {
    Sql::new("SELECT * FROM units ORDER BY name").fetch_all(ex).await
}

/// A user with their unit, as the policy needs them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub email: Option<String>,
    pub unit_id: String,
    pub unit_name: String,
    pub unit_kind: String,
    pub unit_state: Option<String>,
    /// Comma-separated role codes.
    pub roles: String,
    #[serde(skip)]
    pub password_hash: String,
    #[serde(skip)]
    pub totp_secret: Option<String>,
    #[serde(skip)]
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! user_columns {
    () => {
        "u.id, u.name, u.display_name, u.email, u.unit_id, n.name AS unit_name, n.kind AS unit_kind, \
         n.state_id AS unit_state, u.roles, u.password_hash, u.totp_secret, u.totp_last_step, u.disabled, u.version, \
         u.created_at, u.updated_at"
    };
}

const USER_SELECT: &str = concat!("SELECT ", user_columns!(), " FROM users u JOIN units n ON n.id = u.unit_id");

pub struct NewUser<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub unit_id: &'a str,
    pub roles: &'a str,
    pub password_hash: &'a str,
    pub at: DateTime<Utc>,
}

pub async fn insert_user(ex: &mut impl Executor, u: &NewUser<'_>) -> Result<()> {
    Sql::new(
        "INSERT INTO users (id, name, display_name, email, unit_id, roles, password_hash, totp_secret, disabled, \
         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, FALSE, 1, $8, $8)",
    )
    .bind(u.id)
    .bind(u.name)
    .bind(u.display_name)
    .bind(u.email)
    .bind(u.unit_id)
    .bind(u.roles)
    .bind(u.password_hash)
    .bind(u.at)
    .execute(ex)
    .await
    .map(|_| ())
}

pub async fn user_by_name(ex: &mut impl Executor, name: &str) -> Result<Option<User>> {
    let mut sql = Sql::new(USER_SELECT);
    sql.push(" WHERE u.name = ").push_bind(name);
    sql.fetch_optional(ex).await
}

pub async fn user_by_id(ex: &mut impl Executor, id: &str) -> Result<Option<User>> {
    let mut sql = Sql::new(USER_SELECT);
    sql.push(" WHERE u.id = ").push_bind(id);
    sql.fetch_optional(ex).await
}

pub async fn list_users(ex: &mut impl Executor, unit_id: Option<&str>) -> Result<Vec<User>> {
    let mut sql = Sql::new(USER_SELECT);
    if let Some(unit) = unit_id {
        sql.push(" WHERE u.unit_id = ").push_bind(unit);
    }
    sql.push(" ORDER BY u.name");
    sql.fetch_all(ex).await
}

pub async fn count_users(ex: &mut impl Executor) -> Result<i64> {
    let (n,): (i64,) = Sql::new("SELECT COUNT(*) FROM users").fetch_one(ex).await?;
    Ok(n)
}

/// Sets fields of a user if `version` is still current; returns false on a stale version.
pub async fn update_user_secret(
    ex: &mut impl Executor,
    id: &str,
    password_hash: Option<&str>,
    totp_secret: Option<Option<&str>>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let mut sql = Sql::new("UPDATE users SET version = version + 1, updated_at = ");
    sql.push_bind(at);
    if let Some(h) = password_hash {
        sql.push(", password_hash = ").push_bind(h);
    }
    if let Some(t) = totp_secret {
        sql.push(", totp_secret = ").push_bind(t);
    }
    sql.push(" WHERE id = ").push_bind(id);
    Ok(sql.execute(ex).await? == 1)
}

/// Records a TOTP time step as used; false when it (or a later one) was used already, which
/// makes each code good for one sign-in only, even under concurrent attempts.
pub async fn claim_totp_step(ex: &mut impl Executor, user_id: &str, step: i64) -> Result<bool> {
    Ok(Sql::new(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(user_id)
    .execute(ex)
    .await?
        == 1)
}

/// Sets the last used TOTP step outright (when a new secret is enrolled).
pub async fn set_totp_step(ex: &mut impl Executor, user_id: &str, step: i64) -> Result<()> {
    Sql::new("UPDATE users SET totp_last_step = $1 WHERE id = $2")
        .bind(step)
        .bind(user_id)
        .execute(ex)
        .await
        .map(|_| ())
}

/// Revokes every live token of a user (after a password reset).
pub async fn revoke_user_tokens(ex: &mut impl Executor, user_id: &str, at: DateTime<Utc>) -> Result<u64> {
    Sql::new("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(user_id)
        .execute(ex)
        .await
}

pub async fn set_user_disabled(ex: &mut impl Executor, id: &str, disabled: bool, at: DateTime<Utc>) -> Result<bool> {
    Ok(Sql::new("UPDATE users SET disabled = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(disabled)
        .bind(at)
        .bind(id)
        .execute(ex)
        .await?
        == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub id_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub second_factor_done: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_session(ex: &mut impl Executor, s: &Session) -> Result<()> {
    Sql::new(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, second_factor_done, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&s.id_hash)
    .bind(&s.user_id)
    .bind(&s.csrf_token)
    .bind(s.second_factor_done)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .execute(ex)
    .await
    .map(|_| ())
}

pub async fn session(ex: &mut impl Executor, id_hash: &str) -> Result<Option<Session>> {
    Sql::new("SELECT * FROM sessions WHERE id_hash = $1").bind(id_hash).fetch_optional(ex).await
}

pub async fn touch_session(
    ex: &mut impl Executor,
    id_hash: &str,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    Sql::new("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3")
        .bind(last_seen_at)
        .bind(expires_at)
        .bind(id_hash)
        .execute(ex)
        .await
        .map(|_| ())
}

pub async fn complete_second_factor(ex: &mut impl Executor, id_hash: &str) -> Result<()> {
    Sql::new("UPDATE sessions SET second_factor_done = TRUE WHERE id_hash = $1")
        .bind(id_hash)
        .execute(ex)
        .await
        .map(|_| ())
}

pub async fn delete_session(ex: &mut impl Executor, id_hash: &str) -> Result<()> {
    Sql::new("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(ex).await.map(|_| ())
}

/// Ends every session of a user (password reset, account disabled).
pub async fn delete_user_sessions(ex: &mut impl Executor, user_id: &str) -> Result<u64> {
    Sql::new("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(ex).await
}

pub async fn delete_expired_sessions(ex: &mut impl Executor, now: DateTime<Utc>) -> Result<u64> {
    Sql::new("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(ex).await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub label: String,
    #[serde(skip)]
    pub token_hash: String,
    /// Comma-separated scopes.
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn insert_token(ex: &mut impl Executor, t: &ApiToken) -> Result<()> {
    Sql::new(
        "INSERT INTO api_tokens (id, user_id, label, token_hash, scopes, created_at, expires_at, revoked_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL)",
    )
    .bind(&t.id)
    .bind(&t.user_id)
    .bind(&t.label)
    .bind(&t.token_hash)
    .bind(&t.scopes)
    .bind(t.created_at)
    .bind(t.expires_at)
    .execute(ex)
    .await
    .map(|_| ())
}

/// The holder of a token and what the token grants, in one statement: every API request
/// asks this.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenHolder {
    #[sqlx(flatten)]
    pub user: User,
    /// Comma-separated scopes.
    pub token_scopes: String,
    pub token_expires_at: DateTime<Utc>,
    pub token_revoked_at: Option<DateTime<Utc>>,
}

pub async fn token_holder(ex: &mut impl Executor, token_hash: &str) -> Result<Option<TokenHolder>> {
    Sql::new(concat!(
        "SELECT ",
        user_columns!(),
        ", t.scopes AS token_scopes, t.expires_at AS token_expires_at, t.revoked_at AS token_revoked_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN units n ON n.id = u.unit_id WHERE t.token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(ex)
    .await
}

pub async fn list_tokens(ex: &mut impl Executor, user_id: Option<&str>) -> Result<Vec<ApiToken>> {
    let mut sql = Sql::new("SELECT * FROM api_tokens");
    if let Some(u) = user_id {
        sql.push(" WHERE user_id = ").push_bind(u);
    }
    sql.push(" ORDER BY created_at DESC");
    sql.fetch_all(ex).await
}

pub async fn token_by_id(ex: &mut impl Executor, id: &str) -> Result<Option<ApiToken>> {
    Sql::new("SELECT * FROM api_tokens WHERE id = $1").bind(id).fetch_optional(ex).await
}

pub async fn revoke_token(ex: &mut impl Executor, id: &str, at: DateTime<Utc>) -> Result<bool> {
    Ok(Sql::new("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(ex)
        .await?
        == 1)
}

pub async fn record_login_failure(ex: &mut impl Executor, key: &str, at: DateTime<Utc>) -> Result<()> {
    Sql::new("INSERT INTO login_failures (id, throttle_key, at) VALUES ($1, $2, $3)")
        .bind(crate::new_id())
        .bind(key)
        .bind(at)
        .execute(ex)
        .await
        .map(|_| ())
}

pub async fn count_login_failures(ex: &mut impl Executor, key: &str, since: DateTime<Utc>) -> Result<i64> {
    let (n,): (i64,) = Sql::new("SELECT COUNT(*) FROM login_failures WHERE throttle_key = $1 AND at > $2")
        .bind(key)
        .bind(since)
        .fetch_one(ex)
        .await?;
    Ok(n)
}

pub async fn clear_login_failures(ex: &mut impl Executor, key: &str) -> Result<()> {
    Sql::new("DELETE FROM login_failures WHERE throttle_key = $1").bind(key).execute(ex).await.map(|_| ())
}

pub async fn setting(ex: &mut impl Executor, key: &str) -> Result<Option<String>> {
    let row: Option<(String,)> =
        Sql::new("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(ex).await?;
    Ok(row.map(|r| r.0))
}

pub async fn set_setting(ex: &mut impl Executor, key: &str, value: &str, at: DateTime<Utc>) -> Result<()> {
    Sql::new(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(at)
    .execute(ex)
    .await
    .map(|_| ())
}

/// An invitation to activate an account, as stored (the link itself only as its hash).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Invitation {
    pub id: String,
    pub token_hash: String,
    pub name: String,
    pub display_name: String,
    pub email: String,
    pub unit_id: String,
    pub roles: String,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub async fn insert_invitation(ex: &mut impl Executor, i: &Invitation) -> Result<()> {
    Sql::new(
        "INSERT INTO invitations (id, token_hash, name, display_name, email, unit_id, roles, invited_by, created_at, \
         expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&i.id)
    .bind(&i.token_hash)
    .bind(&i.name)
    .bind(&i.display_name)
    .bind(&i.email)
    .bind(&i.unit_id)
    .bind(&i.roles)
    .bind(&i.invited_by)
    .bind(i.created_at)
    .bind(i.expires_at)
    .bind(i.used_at)
    .execute(ex)
    .await
    .map(|_| ())
}

pub async fn invitation_by_hash(ex: &mut impl Executor, token_hash: &str) -> Result<Option<Invitation>> {
    Sql::new("SELECT * FROM invitations WHERE token_hash = $1").bind(token_hash).fetch_optional(ex).await
}

/// Whether an unused, unexpired invitation already reserves this login name.
pub async fn name_is_invited(ex: &mut impl Executor, name: &str, now: DateTime<Utc>) -> Result<bool> {
    let (n,): (i64,) =
        Sql::new("SELECT COUNT(*) FROM invitations WHERE name = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(name)
            .bind(now)
            .fetch_one(ex)
            .await?;
    Ok(n > 0)
}

/// Marks an invitation used; false if it already was (a second use loses).
pub async fn use_invitation(ex: &mut impl Executor, id: &str, at: DateTime<Utc>) -> Result<bool> {
    Ok(Sql::new("UPDATE invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(ex)
        .await?
        == 1)
}

/// Withdraws an invitation that could not be delivered.
pub async fn delete_invitation(ex: &mut impl Executor, id: &str) -> Result<()> {
    Sql::new("DELETE FROM invitations WHERE id = $1 AND used_at IS NULL").bind(id).execute(ex).await.map(|_| ())
}
