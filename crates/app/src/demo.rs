//! The demonstration workspace: the real reference data plus clearly labelled illustrative
//! users, focal points, communication profiles and requests for cooperation, so every screen
//! has something to show. Nothing here describes real people, real cases or real channels.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use comity_domain::request::LineType;
use comity_store::accounts;

use crate::{
    documents::DocumentUpload,
    import::{ImportLine, ImportRecord, ImportStep},
    partners::{FocalPointInput, ProfileInput},
    requests::{LineInput, LinkedPerson, RequestInput, RequestPatch, TransitionInput},
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
    ("otp.approver", "OTP head of cooperation", "Office of the Prosecutor", "approver"),
    ("chambers.staff", "Chambers legal officer", "Chambers", "viewer"),
    ("presidency.staff", "Presidency legal adviser", "Presidency", "officer"),
    ("vws.officer", "Witness protection officer", "Victims and Witnesses Section", "officer"),
    ("defence.counsel", "Lead counsel, Defence team A", "defence:Team A", "officer,approver"),
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
        DemoRequests::new(self).await?.populate().await?;
        self.populate_demo_warrants(&registry).await?;
        let mut tx = self.db.write().await?;
        accounts::set_setting(&mut tx, DEMO_MARK, "true", self.clock.now()).await?;
        tx.commit().await?;
        self.demo_logins().await
    }

    /// Two warrants (one under seal), a confirmed travel alert and a finding referred to the
    /// Assembly, all illustrative, so the warrant, alert and non-compliance pages have work.
    async fn populate_demo_warrants(&self, registry: &Actor) -> Result<()> {
        use crate::{
            alerts::AlertInput,
            compliance::FindingInput,
            warrants::{PersonInput, WarrantInput},
        };
        let today = self.today();
        let ago = |days: u64| today.checked_sub_days(chrono::Days::new(days)).unwrap_or(today).to_string();
        let ahead = |days: u64| today.checked_add_days(chrono::Days::new(days)).unwrap_or(today).to_string();
        let warrant = |reference: &str, name: &str, aliases: &[&str], sealed: bool, issued: String| WarrantInput {
            reference: reference.into(),
            person: Some(PersonInput {
                name: format!("{name} ({ILLUSTRATIVE})"),
                aliases: aliases.iter().map(|a| (*a).into()).collect(),
                born_on: None,
                nationality: None,
            }),
            situation: format!("Situation A ({ILLUSTRATIVE})"),
            case_name: format!("The Prosecutor v. {name}"),
            chamber: "Pre-Trial Chamber I".into(),
            issued_on: issued,
            crimes: "Crimes against humanity (art. 7(1)(a) and (k))".into(),
            facts: format!("{ILLUSTRATIVE} facts for the demonstration workspace."),
            under_seal: sealed,
            named_units: if sealed { vec!["Office of the Prosecutor".into()] } else { Vec::new() },
            ..WarrantInput::default()
        };
        let public = self
            .issue_warrant(
                registry,
                &warrant("ICC-DEMO-01/26-1", "Mahmoud Al-Rashid", &["Mahmud el-Rachid"], false, ago(400)),
            )
            .await?;
        self.issue_warrant(registry, &warrant("ICC-DEMO-01/26-2-US", "Person B", &[], true, ago(60))).await?;
        let otp = accounts::user_by_name(&mut self.db.read().await?, "otp.officer").await?.ok_or(AppError::NotFound)?;
        let otp = Actor::from_user(&otp, AuthMethod::Operator)?;
        let alert = self
            .report_travel(
                &otp,
                &AlertInput {
                    person_id: Some(public.person.id.clone()),
                    destinations: vec!["KEN".into()],
                    expected_from: Some(ahead(9)),
                    expected_to: Some(ahead(11)),
                    source: format!("Embassy contact ({ILLUSTRATIVE})"),
                    source_reliability: Some("B".into()),
                    information_credibility: Some("2".into()),
                    summary: format!("{ILLUSTRATIVE}: expected at a regional conference."),
                    ..AlertInput::default()
                },
                comity_domain::warrant::AlertIntake::Form,
            )
            .await?;
        self.move_alert(
            &otp,
            &alert.summary.id,
            &crate::alerts::AlertMove { action: "confirm".into(), version: Some(alert.version), ..Default::default() },
        )
        .await?;
        self.report_travel(
            &otp,
            &AlertInput {
                reported_name: "Mahmud Rashid".into(),
                destinations: vec!["FRA".into()],
                expected_from: Some(ahead(30)),
                source: format!("Public report ({ILLUSTRATIVE})"),
                ..AlertInput::default()
            },
            comity_domain::warrant::AlertIntake::Form,
        )
        .await?;
        let presidency =
            accounts::user_by_name(&mut self.db.read().await?, "presidency.staff").await?.ok_or(AppError::NotFound)?;
        let presidency = Actor::from_user(&presidency, AuthMethod::Operator)?;
        self.record_finding(
            &presidency,
            &FindingInput {
                partner_id: "KEN".into(),
                decided_on: ago(40),
                chamber: "Pre-Trial Chamber I".into(),
                decision_reference: "ICC-DEMO-01/26-9".into(),
                warrant_id: Some(public.summary.id.clone()),
                summary: format!("{ILLUSTRATIVE} finding for the demonstration workspace."),
                ..FindingInput::default()
            },
        )
        .await?;
        Ok(())
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

const SITUATION: &str = "Situation in the Republic of Examplia (illustrative)";
const CASE: &str = "The Prosecutor v. A. Sample (illustrative)";
const DECISION: &str = "ICC-00/00-000 (illustrative decision)";

/// Reference of the one request carried over from an older register (the overdue one).
const IMPORTED_REFERENCE: &str = "REG-DEMO-0001";

/// Illustrative requests, entered through the same use cases as real ones by the demo users
/// (drafting, approving, transmitting and recording the answers), with their history spread
/// over the past months by effective dates. The application's clock is the real one, so
/// every date is counted back from today and none lies in the future.
struct DemoRequests<'a> {
    app: &'a Comity,
    today: NaiveDate,
    actors: BTreeMap<&'static str, Actor>,
}

/// A lifecycle move, to be completed with its own fields.
fn step(action: &str) -> TransitionInput {
    TransitionInput { action: action.into(), ..TransitionInput::default() }
}

/// A line answering the given checklist points only (drafts show what is still missing).
fn partial_line(t: LineType, answers: &[(&str, &str)]) -> LineInput {
    LineInput {
        line_type: t.code().into(),
        content: answers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        cost_allocation: None,
    }
}

/// A line answering its whole checklist: the given answers, and a pointer to the annex for
/// the rest.
fn line(t: LineType, answers: &[(&str, &str)]) -> LineInput {
    let mut l = partial_line(t, answers);
    for item in t.checklist() {
        l.content.entry(item.key.to_owned()).or_insert_with(|| {
            format!("{ILLUSTRATIVE}: as set out in the annex to this request ({}).", item.provision)
        });
    }
    l
}

fn protected(pseudonym: &str, role: &str) -> LinkedPerson {
    LinkedPerson { name: pseudonym.into(), role: role.into(), protected: true }
}

/// A small, valid one-page PDF carrying the given lines of text (ASCII, no parentheses).
fn annex_pdf(lines: &[&str]) -> Vec<u8> {
    let mut text = String::from("BT /F1 12 Tf 72 770 Td 16 TL\n");
    for l in lines {
        let safe: String = l.chars().filter(|c| c.is_ascii() && !matches!(c, '(' | ')' | '\\')).collect();
        text.push_str(&format!("({safe}) Tj T*\n"));
    }
    text.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{text}endstream", text.len()),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

impl<'a> DemoRequests<'a> {
    async fn new(app: &'a Comity) -> Result<Self> {
        let mut actors = BTreeMap::new();
        let mut c = app.db.read().await?;
        for (name, _, _, _) in USERS {
            let u = accounts::user_by_name(&mut c, name).await?.ok_or(AppError::NotFound)?;
            actors.insert(*name, Actor::from_user(&u, AuthMethod::Session)?);
        }
        Ok(Self { app, today: app.today(), actors })
    }

    fn who(&self, name: &str) -> Result<&Actor> {
        self.actors.get(name).ok_or_else(|| AppError::Internal(format!("demo user {name} is missing")))
    }

    fn ago(&self, days: u64) -> String {
        self.today.checked_sub_days(Days::new(days)).unwrap_or(self.today).to_string()
    }

    fn ahead(&self, days: u64) -> String {
        self.today.checked_add_days(Days::new(days)).unwrap_or(self.today).to_string()
    }

    /// A complete outgoing request, ready for approval.
    fn request(
        &self,
        on_behalf_of: &str,
        partner: &str,
        title: &str,
        purpose: &str,
        lines: Vec<LineInput>,
    ) -> RequestInput {
        RequestInput {
            on_behalf_of: on_behalf_of.into(),
            partner_id: partner.into(),
            title: format!("{title} ({ILLUSTRATIVE})"),
            purpose: format!("{ILLUSTRATIVE}: {purpose}"),
            facts: format!(
                "{ILLUSTRATIVE}: a concise statement of the essential facts of a fictitious case, written for the \
                 demonstration workspace."
            ),
            legal_basis: "Part 9 of the Rome Statute; art. 93(1) (illustrative)".into(),
            situation: SITUATION.into(),
            case_name: CASE.into(),
            deadline: Some(self.ahead(60)),
            decision_reference: DECISION.into(),
            lines,
            ..RequestInput::default()
        }
    }

    async fn create(&self, by: &str, input: &RequestInput) -> Result<String> {
        Ok(self.app.create_request(self.who(by)?, input).await?.id)
    }

    /// Makes a move as `by`, effective `days_ago` days before today.
    async fn make(&self, by: &str, id: &str, days_ago: u64, input: TransitionInput) -> Result<()> {
        let input = TransitionInput { effective_on: Some(self.ago(days_ago)), ..input };
        self.app.transition(self.who(by)?, id, &input).await?;
        Ok(())
    }

    /// Approval by `approver` and transmission by `sender`, on the given days.
    async fn send(&self, id: &str, approver: &str, approved: u64, sender: &str, sent: u64) -> Result<()> {
        self.make(approver, id, approved, step("approve")).await?;
        let note = format!("NV/DEMO/{}", &id[id.len().saturating_sub(6)..]);
        self.make(sender, id, sent, TransitionInput { note_verbale: Some(note), ..step("transmit") }).await
    }

    async fn populate(&self) -> Result<()> {
        use LineType as L;
        let officer = "registry.officer";
        let approver = "registry.approver";
        let fp_arg = "fp.argentina";

        // Drafts that do not yet answer their checklists: "what is missing" shows.
        let mut r = self.request(
            "chamber",
            "ARG",
            "Bank records of the accused",
            "to obtain the account records needed to trace payments",
            vec![partial_line(
                L::RecordsDocuments,
                &[("assistance_sought", "Statements of the accounts held by the accused.")],
            )],
        );
        r.facts = String::new();
        r.deadline = None;
        self.create(officer, &r).await?;

        let mut r = self.request(
            "registry",
            "NLD",
            "Protective measures for a witness",
            "to assess protective measures for a witness who will testify",
            vec![partial_line(
                L::ProtectVictimsWitnesses,
                &[("assistance_sought", "An assessment of protective measures for the witness.")],
            )],
        );
        r.facts = String::new();
        r.persons = vec![protected("Witness DEMO-017", "witness")];
        self.create("vws.officer", &r).await?;

        // Complete, awaiting the approver.
        let r = self.request(
            "chamber",
            "KEN",
            "Service of a summons to appear",
            "to serve a summons to appear on a person residing in the requested State",
            vec![line(L::ServiceOfDocuments, &[("assistance_sought", "Personal service of the summons.")])],
        );
        self.create(officer, &r).await?;

        // Approved, awaiting transmission, with its letter generated.
        let mut r = self.request(
            "registry",
            "FRA",
            "Support for a Registry field mission",
            "to obtain the support of the authorities for a Registry mission",
            vec![line(L::MissionSupport, &[("mission_dates", "Two weeks, dates to be agreed (illustrative).")])],
        );
        r.deadline = Some(self.ahead(40));
        let id = self.create(officer, &r).await?;
        self.make(approver, &id, 2, step("approve")).await?;
        self.app.generate_letter(self.who(officer)?, &id).await?;

        // Transmitted to Argentina, due this week, with an annex.
        let mut r = self.request(
            "chamber",
            "ARG",
            "Records of a commercial company",
            "to obtain the registration and ownership records of a company",
            vec![line(L::RecordsDocuments, &[("assistance_sought", "Certified copies of the company's records.")])],
        );
        r.deadline = Some(self.ahead(5));
        let id = self.create(officer, &r).await?;
        self.send(&id, approver, 14, officer, 12).await?;
        let pdf = annex_pdf(&[
            "ILLUSTRATIVE ANNEX - demonstration workspace",
            "Annex A: list of the company records sought",
            "This document describes no real person, company or case.",
        ]);
        let upload = DocumentUpload {
            filename: "Annex A - records sought (illustrative).pdf".into(),
            media_type: "application/pdf".into(),
            kind: Some("annex".into()),
            language: Some("en".into()),
            description: format!("{ILLUSTRATIVE} annex: the list of records sought"),
            bytes: pdf,
        };
        self.app.add_document(self.who(officer)?, &id, upload).await?;

        // A Defence request, ex parte, transmitted by the Registry and acknowledged by the
        // focal point a few days before it was recorded.
        let mut r = self.request(
            "defence",
            "ARG",
            "Interview of a Defence witness",
            "to take the statement of a witness the Defence intends to call",
            vec![line(L::TakeEvidence, &[("assistance_sought", "A voluntary interview of the witness.")])],
        );
        r.classification = Some("ex_parte".into());
        r.persons = vec![protected("Witness D-DEMO-003", "witness")];
        let id = self.create("defence.counsel", &r).await?;
        self.send(&id, "defence.counsel", 30, officer, 28).await?;
        let ack = TransitionInput { national_reference: Some("AR-DEMO-0003".into()), ..step("acknowledge") };
        self.make(fp_arg, &id, 24, ack).await?;

        // The Prosecutor's own request, in execution.
        let mut r = self.request(
            "prosecution",
            "KEN",
            "Location of a potential witness",
            "to identify and locate a person who may hold relevant information",
            vec![line(L::IdentifyLocate, &[("assistance_sought", "The current address of the person.")])],
        );
        r.deadline = Some(self.ahead(30));
        let id = self.create("otp.officer", &r).await?;
        self.send(&id, "otp.approver", 70, "otp.officer", 68).await?;
        self.make("otp.officer", &id, 60, step("acknowledge")).await?;
        self.make("otp.officer", &id, 45, step("start_execution")).await?;

        // Partly executed: one line done, one under way.
        let r = self.request(
            "chamber",
            "ARG",
            "Tracing and freezing of assets",
            "to trace and freeze assets for the eventual benefit of victims",
            vec![
                line(L::AssetsTraceFreezeSeize, &[("assistance_sought", "Tracing and freezing of bank assets.")]),
                line(L::RecordsDocuments, &[("assistance_sought", "Land registry extracts.")]),
            ],
        );
        let id = self.create(officer, &r).await?;
        self.send(&id, approver, 125, officer, 120).await?;
        let ack = TransitionInput { national_reference: Some("AR-DEMO-0001".into()), ..step("acknowledge") };
        self.make(fp_arg, &id, 110, ack).await?;
        self.make(fp_arg, &id, 90, step("start_execution")).await?;
        let outcomes = [("1", "executed"), ("2", "in_execution")].map(|(k, v)| (k.to_owned(), v.to_owned()));
        let partial =
            TransitionInput { line_outcomes: outcomes.into_iter().collect(), ..step("record_partial_execution") };
        self.make(fp_arg, &id, 30, partial).await?;

        // Executed, sixty days after transmission.
        let r = self.request(
            "chamber",
            "FRA",
            "Search of premises and seizure of documents",
            "to search business premises and seize the documents listed in the annex",
            vec![line(L::SearchSeizure, &[("assistance_sought", "Search and seizure of accounting documents.")])],
        );
        let id = self.create(officer, &r).await?;
        self.send(&id, approver, 160, officer, 155).await?;
        self.make(officer, &id, 150, step("acknowledge")).await?;
        self.make(officer, &id, 95, step("record_execution")).await?;

        // Refused on national security grounds.
        let r = self.request(
            "chamber",
            "KEN",
            "Production of security service records",
            "to obtain records held by a national security service",
            vec![line(L::RecordsDocuments, &[("assistance_sought", "Copies of the service's reports.")])],
        );
        let id = self.create(officer, &r).await?;
        self.send(&id, approver, 80, officer, 78).await?;
        let refuse = TransitionInput {
            reason: format!(
                "{ILLUSTRATIVE}: the requested State considers that disclosure would prejudice its national \
                 security (art. 93(4) and art. 72)."
            ),
            refusal_ground: Some("art_93_4_72".into()),
            ..step("refuse")
        };
        self.make(officer, &id, 40, refuse).await?;

        // Postponed under art. 94 for an agreed period.
        let r = self.request(
            "chamber",
            "ARG",
            "Hearing of a witness in national proceedings",
            "to hear a witness who also testifies in ongoing national proceedings",
            vec![line(L::TakeEvidence, &[("assistance_sought", "Hearing of the witness by video link.")])],
        );
        let id = self.create(officer, &r).await?;
        self.send(&id, approver, 70, officer, 66).await?;
        self.make(fp_arg, &id, 60, step("acknowledge")).await?;
        let postpone = TransitionInput {
            reason: format!(
                "{ILLUSTRATIVE}: immediate execution would interfere with an ongoing national investigation \
                 (art. 94(1))."
            ),
            postponement_ground: Some("art_94".into()),
            postponed_until: Some(self.ahead(45)),
            ..step("postpone")
        };
        self.make(fp_arg, &id, 20, postpone).await?;

        // In consultation under art. 97.
        let r = self.request(
            "chamber",
            "FRA",
            "Temporary transfer of a detained witness",
            "to transfer a detained person temporarily to testify before the Court",
            vec![line(L::TemporaryTransfer, &[("assistance_sought", "Temporary transfer for two days of testimony.")])],
        );
        let id = self.create(officer, &r).await?;
        self.send(&id, approver, 50, officer, 48).await?;
        let consult = TransitionInput {
            reason: format!("{ILLUSTRATIVE}: the requested State has identified a problem impeding execution."),
            consultation_type: Some("art_97".into()),
            ..step("open_consultation")
        };
        self.make(officer, &id, 35, consult).await?;

        // A provisional arrest, executed: the rule 188 clock runs. Its full surrender
        // request follows up.
        let mut r = self.request(
            "chamber",
            "ARG",
            "Provisional arrest of a suspect",
            "to arrest provisionally a person sought under a warrant of arrest",
            vec![line(
                L::ProvisionalArrest,
                &[
                    ("warrant_reference", DECISION),
                    ("surrender_request_to_follow", "The full request for surrender will follow under rule 188."),
                ],
            )],
        );
        r.urgency = Some("urgent".into());
        r.persons =
            vec![LinkedPerson { name: "A. Sample (illustrative)".into(), role: "suspect".into(), protected: false }];
        let parent = self.create(officer, &r).await?;
        self.send(&parent, approver, 38, officer, 37).await?;
        self.make(fp_arg, &parent, 30, step("record_execution")).await?;

        let mut r = self.request(
            "chamber",
            "ARG",
            "Arrest and surrender of a suspect, full request",
            "to obtain the surrender of the person provisionally arrested",
            vec![line(L::ArrestSurrender, &[("warrant_reference", DECISION)])],
        );
        r.kind = Some("follow_up".into());
        r.parent_id = Some(parent);
        r.urgency = Some("urgent".into());
        r.deadline = Some(self.ahead(25));
        let id = self.create(officer, &r).await?;
        self.send(&id, approver, 12, officer, 10).await?;

        // An incoming request from a State (art. 93(10)), under review.
        let r = RequestInput {
            direction: Some("incoming".into()),
            on_behalf_of: "registry".into(),
            partner_id: "KEN".into(),
            title: format!("Request from a State for material held by the Court ({ILLUSTRATIVE})"),
            purpose: format!("{ILLUSTRATIVE}: the State seeks transcripts for a national investigation."),
            facts: format!("{ILLUSTRATIVE}: a fictitious national investigation."),
            legal_basis: "art. 93(10); rule 194 (illustrative)".into(),
            deadline: Some(self.ahead(25)),
            received_on: Some(self.ago(15)),
            lines: vec![line(L::AssistanceToState, &[("assistance_sought", "Transcripts of public hearings.")])],
            ..RequestInput::default()
        };
        let id = self.create(officer, &r).await?;
        self.make(officer, &id, 11, step("start_review")).await?;

        // An older request carried over from the paper register: its deadline has passed.
        let record = ImportRecord {
            reference: IMPORTED_REFERENCE.into(),
            direction: Some("outgoing".into()),
            on_behalf_of: "chamber".into(),
            partner: "NLD".into(),
            title: format!("Examination of a site ({ILLUSTRATIVE})"),
            purpose: format!("{ILLUSTRATIVE}: to examine a site and record its condition."),
            facts: format!("{ILLUSTRATIVE}: a fictitious case."),
            situation: SITUATION.into(),
            case_name: CASE.into(),
            deadline: Some(self.ago(10)),
            drafted_on: Some(self.ago(105)),
            lines: vec![ImportLine {
                line_type: L::ExamineSites.code().into(),
                content: line(L::ExamineSites, &[]).content,
                cost_allocation: None,
            }],
            history: [("transmit", 100), ("acknowledge", 95), ("start_execution", 70)]
                .into_iter()
                .map(|(action, days)| ImportStep { action: action.into(), on: self.ago(days), ..ImportStep::default() })
                .collect(),
            ..ImportRecord::default()
        };
        let report = self.app.import_requests(self.who(approver)?, &[(1, record)], false, |_| {}).await?;
        if let Some(p) = report.problems.first() {
            return Err(AppError::Internal(format!("demo import: {}: {}", p.field, p.problem)));
        }
        let imported = {
            let mut c = self.app.db.read().await?;
            comity_store::requests::request_by_reference(&mut c, IMPORTED_REFERENCE).await?.ok_or(AppError::NotFound)?
        };
        let patch = RequestPatch {
            version: Some(imported.version),
            responsible_user: Some(officer.into()),
            ..RequestPatch::default()
        };
        self.app.update_request(self.who(officer)?, &imported.id, &patch).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::annex_pdf;

    /// The annex opens in a PDF reader: every cross-reference points at its object.
    #[test]
    fn the_annex_is_a_well_formed_pdf() {
        let pdf = annex_pdf(&["Illustrative (annex)", "second line"]);
        let text = String::from_utf8(pdf.clone()).expect("ASCII");
        assert!(text.starts_with("%PDF-1.4\n") && text.ends_with("%%EOF\n"));
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .expect("startxref")
            .parse()
            .expect("offset");
        assert!(text[start..].starts_with("xref\n0 6\n"));
        let entries: Vec<&str> = text[start..].lines().skip(3).take(5).collect();
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(e.len() + 1, 20, "xref entries are 20 bytes");
            let at: usize = e[..10].parse().expect("offset");
            assert!(text[at..].starts_with(&format!("{} 0 obj\n", i + 1)), "object {}", i + 1);
        }
        assert!(text.contains("(Illustrative annex) Tj"), "parentheses are dropped from the text");
    }
}
