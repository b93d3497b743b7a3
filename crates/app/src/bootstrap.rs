//! First start: the standard units, the shipped reference data and the first administrator.

use comity_domain::access::{Classification, RecordKind};
use comity_store::{accounts, partners};

use crate::{
    auth::{generate_password, hash_password},
    reference::{self, Loaded},
    trail::{self, Target},
    Actor, Comity, Result,
};

/// Login name of the administrator created on an empty database.
pub const FIRST_ADMIN: &str = "admin";

/// What the first start did.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub reference_data: Option<Loaded>,
    /// The generated password of the first administrator; shown once, never stored in clear.
    pub admin_password: Option<String>,
}

impl Comity {
    /// Makes a migrated database ready for use. Safe to run on every start: it only adds
    /// what is missing.
    pub async fn prepare(&self, mut progress: impl FnMut(&str)) -> Result<Prepared> {
        let mut out = Prepared::default();
        let now = self.clock.now();
        let operator = Actor::operator();
        let mut tx = self.db.write().await?;
        self.ensure_standard_units(&mut tx).await?;
        if partners::count_partners(&mut tx).await? == 0 {
            progress("loading reference data");
            let loaded = reference::load(&mut tx, now, &mut progress).await?;
            trail::record(
                &mut tx,
                now,
                &operator,
                "reference_data.load",
                Target::new(RecordKind::Partner, "*", Classification::Public),
                serde_json::json!({ "states": loaded.states, "organisations": loaded.organisations, "status_events": loaded.status_events }),
            )
            .await?;
            out.reference_data = Some(loaded);
        }
        if accounts::count_users(&mut tx).await? == 0 {
            let unit = accounts::unit_by_name(&mut tx, "Administration")
                .await?
                .ok_or_else(|| crate::AppError::Internal("the Administration unit is missing".into()))?;
            let password = generate_password();
            let id = comity_store::new_id();
            let hash = hash_password(&password)?;
            let admin = accounts::NewUser {
                id: &id,
                name: FIRST_ADMIN,
                display_name: "Administrator",
                email: None,
                unit_id: &unit.id,
                roles: "system_admin",
                password_hash: &hash,
                at: now,
            };
            accounts::insert_user(&mut tx, &admin).await?;
            trail::record(
                &mut tx,
                now,
                &operator,
                "user.create",
                Target::new(RecordKind::User, &id, Classification::Internal),
                serde_json::json!({ "name": FIRST_ADMIN, "first_start": true }),
            )
            .await?;
            out.admin_password = Some(password);
        }
        tx.commit().await?;
        Ok(out)
    }
}
