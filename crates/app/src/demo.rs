//! The demonstration workspace: the real reference data plus clearly labelled illustrative
//! users, focal points and communication profiles, so every screen has something to show.
//! Nothing here describes real people or real channels.

use comity_store::accounts;

use crate::{
    partners::{FocalPointInput, ProfileInput},
    users::UserInput,
    Actor, AppError, AuthMethod, Comity, Result,
};

/// The settings key marking a database as a demonstration workspace.
pub const DEMO_MARK: &str = "workspace.demo";

/// Label carried by every illustrative record.
pub const ILLUSTRATIVE: &str = "Illustrative";

/// A demo login, printed when the demo starts.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub name: String,
    pub password: String,
    pub unit: String,
    pub roles: String,
}

const USERS: &[(&str, &str, &str, &str)] = &[
    ("registry.officer", "Registry cooperation officer", "Registry", "officer"),
    ("registry.approver", "Registry head of cooperation", "Registry", "approver,unit_admin"),
    ("otp.officer", "OTP cooperation officer", "Office of the Prosecutor", "officer"),
    ("chambers.staff", "Chambers legal officer", "Chambers", "viewer"),
    ("presidency.staff", "Presidency legal adviser", "Presidency", "officer"),
    ("vws.officer", "Witness protection officer", "Victims and Witnesses Section", "officer"),
    ("defence.counsel", "Counsel, Defence team A", "defence:Team A", "officer"),
    ("fp.argentina", "Focal point, Argentina", "state:ARG", "officer"),
    ("fp.france", "Focal point, France", "state:FRA", "officer"),
    ("fp.kenya", "Focal point, Kenya", "state:KEN", "officer"),
    ("asp.observer", "Assembly facilitator", "Assembly observers", "viewer"),
    ("auditor", "Internal auditor", "Administration", "auditor"),
];

struct DemoFocalPoint {
    state: &'static str,
    name: &'static str,
    title: &'static str,
    authority: &'static str,
    mandates: &'static [&'static str],
    languages: &'static [&'static str],
    classification: &'static str,
}

const FOCAL_POINTS: &[DemoFocalPoint] = &[
    DemoFocalPoint {
        state: "ARG",
        name: "A. Example",
        title: "Director of International Cooperation",
        authority: "Ministry of Foreign Affairs (illustrative)",
        mandates: &["central_authority", "arrest"],
        languages: &["es", "en"],
        classification: "internal",
    },
    DemoFocalPoint {
        state: "ARG",
        name: "B. Example",
        title: "Financial investigations liaison",
        authority: "Financial Intelligence Unit (illustrative)",
        mandates: &["financial_investigations"],
        languages: &["es"],
        classification: "confidential",
    },
    DemoFocalPoint {
        state: "FRA",
        name: "C. Exemple",
        title: "Chargé de mission, entraide pénale",
        authority: "Ministère de la Justice (illustratif)",
        mandates: &["central_authority", "operational"],
        languages: &["fr"],
        classification: "internal",
    },
    DemoFocalPoint {
        state: "KEN",
        name: "D. Example",
        title: "Head of mutual legal assistance",
        authority: "Office of the Attorney General (illustrative)",
        mandates: &["central_authority"],
        languages: &["en", "sw"],
        classification: "internal",
    },
    DemoFocalPoint {
        state: "NLD",
        name: "E. Example",
        title: "Host State liaison",
        authority: "Ministry of Foreign Affairs (illustrative)",
        mandates: &["operational", "witness_protection"],
        languages: &["nl", "en"],
        classification: "internal",
    },
    DemoFocalPoint {
        state: "UGA",
        name: "F. Example",
        title: "Non-cooperation focal point",
        authority: "Ministry of Justice (illustrative)",
        mandates: &["non_cooperation"],
        languages: &["en"],
        classification: "public",
    },
];

/// State, channel, receiving authority, languages, INTERPOL for urgent requests, notified on.
type DemoProfile = (&'static str, &'static str, &'static str, &'static [&'static str], bool, &'static str);

const PROFILES: &[DemoProfile] = &[
    ("ARG", "diplomatic", "Embassy of Argentina in The Hague (illustrative)", &["es"], true, "2016-03-01"),
    (
        "ARG",
        "central_authority",
        "Directorate of International Cooperation (illustrative)",
        &["es", "en"],
        true,
        "2024-05-02",
    ),
    ("FRA", "ministry", "Ministère de la Justice, bureau de l'entraide (illustratif)", &["fr"], false, "2019-01-15"),
    ("KEN", "central_authority", "Office of the Attorney General (illustrative)", &["en"], true, "2020-06-01"),
    ("NLD", "ministry", "Ministry of Foreign Affairs (illustrative)", &["nl", "en", "fr"], false, "2018-02-01"),
];

fn demo_password(name: &str) -> String {
    format!("demo-{name}")
}

impl Comity {
    pub async fn is_demo(&self) -> Result<bool> {
        Ok(accounts::setting(&mut self.db.read().await?, DEMO_MARK).await?.as_deref() == Some("true"))
    }

    /// Fills a prepared database with the illustrative dataset, once. Refuses a database
    /// that already holds real accounts, so a demo can never be mixed into production data.
    pub async fn populate_demo(&self) -> Result<Vec<DemoLogin>> {
        if self.is_demo().await? {
            return self.demo_logins().await;
        }
        if accounts::count_users(&mut self.db.read().await?).await? > 1 {
            return Err(AppError::Conflict(
                "this database already holds accounts; the demo runs on its own database (for example sqlite://comity-demo.db)".into(),
            ));
        }
        let operator = Actor::operator();
        for (name, display, unit, roles) in USERS {
            let input = UserInput {
                name: (*name).into(),
                display_name: Some(format!("{display} ({ILLUSTRATIVE})")),
                email: Some(format!("{name}@demo.invalid")),
                roles: (*roles).into(),
                unit: (*unit).into(),
            };
            self.add_user_with_password(&operator, &input, demo_password(name)).await?;
        }
        // The directory is kept by the Registry: its officer records the contacts, so the
        // confidential ones stay within the Registry and the State concerned.
        let keeper =
            accounts::user_by_name(&mut self.db.read().await?, "registry.officer").await?.ok_or(AppError::NotFound)?;
        let registry = Actor::from_user(&keeper, AuthMethod::Operator)?;
        for f in FOCAL_POINTS {
            let input = FocalPointInput {
                name: format!("{} ({ILLUSTRATIVE})", f.name),
                title: f.title.into(),
                authority: f.authority.into(),
                mandates: f.mandates.iter().map(|m| (*m).into()).collect(),
                email: Some(format!("focal.point.{}@demo.invalid", f.state.to_lowercase())),
                phone: Some("+00 000 000 000".into()),
                languages: f.languages.iter().map(|l| (*l).into()).collect(),
                mandate_from: "2023-01-01".into(),
                mandate_to: None,
                classification: Some(f.classification.into()),
                version: None,
            };
            self.add_focal_point(&registry, f.state, &input).await?;
        }
        for (state, channel, authority, languages, interpol, notified) in PROFILES {
            let input = ProfileInput {
                channel: (*channel).into(),
                receiving_authority: (*authority).into(),
                languages: languages.iter().map(|l| (*l).into()).collect(),
                interpol_for_urgent: *interpol,
                notified_on: (*notified).into(),
                agreed_effective_on: None,
                notes: format!("{ILLUSTRATIVE} profile for the demonstration workspace."),
                classification: Some("internal".into()),
            };
            self.add_communication_profile(&registry, state, &input).await?;
        }
        let mut tx = self.db.write().await?;
        accounts::set_setting(&mut tx, DEMO_MARK, "true", self.clock.now()).await?;
        tx.commit().await?;
        self.demo_logins().await
    }

    /// The demo accounts as stored, with their units' names.
    async fn demo_logins(&self) -> Result<Vec<DemoLogin>> {
        let mut c = self.db.read().await?;
        let mut logins = Vec::new();
        for (name, _, _, roles) in USERS {
            if let Some(u) = accounts::user_by_name(&mut c, name).await? {
                logins.push(DemoLogin {
                    name: u.name,
                    password: demo_password(name),
                    unit: u.unit_name,
                    roles: (*roles).into(),
                });
            }
        }
        Ok(logins)
    }
}
