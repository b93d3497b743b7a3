//! The partner directory: States, organisations and networks, their treaty status, focal
//! points and effective-dated communication profiles.

use chrono::NaiveDate;
use comity_domain::{
    access::{Action, Classification, RecordAccess, RecordKind, UnitKind},
    partner::{
        parse_language, profile_effective_from, status_on, Channel, Instrument, Mandate, PartnerKind, RegionalGroup,
        StatusEvent, StatusEventKind, TreatyStatus,
    },
    validation::FieldErrors,
};
use comity_store::{
    partners::{self as store, CommunicationProfile, FocalPoint, Partner, PartnerFilter, PartnerSort, StatusDate},
    Executor,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    trail::{self, Target},
    Actor, AppError, Comity, Page, Paging, Result,
};

/// A partner in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerSummary {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub name_fr: Option<String>,
    pub iso3: Option<String>,
    pub regional_group: Option<String>,
    pub un_status: Option<String>,
    /// Rome Statute status on `status_on`.
    pub rome_statute: String,
    /// APIC status on `status_on`.
    pub apic: String,
    pub status_on: NaiveDate,
    pub classification: String,
}

/// One dated step of a State's treaty history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusEventView {
    pub instrument: String,
    pub kind: String,
    pub on: NaiveDate,
    pub source: String,
    pub notes: String,
}

/// A partner with its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerDetail {
    #[serde(flatten)]
    pub summary: PartnerSummary,
    pub website: Option<String>,
    pub description: String,
    pub version: i64,
    pub rome_statute_dates: TreatyDates,
    pub apic_dates: TreatyDates,
    pub history: Vec<StatusEventView>,
    /// The communication profile in force today, if any.
    pub current_profile: Option<ProfileView>,
}

/// The key dates of a State under one treaty.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TreatyDates {
    pub signature: Option<NaiveDate>,
    pub deposit: Option<NaiveDate>,
    pub deposit_kind: Option<String>,
    pub entry_into_force: Option<NaiveDate>,
    pub withdrawal_notified: Option<NaiveDate>,
    pub withdrawal_effective: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FocalPointView {
    pub id: String,
    pub partner_id: String,
    pub name: String,
    pub title: String,
    pub authority: String,
    pub mandates: Vec<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub languages: Vec<String>,
    pub mandate_from: NaiveDate,
    pub mandate_to: Option<NaiveDate>,
    /// Whether the mandate covers today.
    pub active: bool,
    pub classification: String,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileView {
    pub id: String,
    pub partner_id: String,
    pub channel: String,
    pub receiving_authority: String,
    pub languages: Vec<String>,
    pub interpol_for_urgent: bool,
    pub notified_on: NaiveDate,
    pub agreed_effective_on: Option<NaiveDate>,
    /// The agreed date, or 45 days after notice (rule 180).
    pub effective_from: NaiveDate,
    /// Whether this profile is the one in force today.
    pub in_force: bool,
    pub notes: String,
    pub classification: String,
}

/// Directory query, as received from a client (strings are validated here).
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerQuery {
    /// state, organisation, network, ngo or company.
    pub kind: Option<String>,
    /// ASP regional group code.
    pub region: Option<String>,
    /// Only States bound by the Rome Statute on this date (YYYY-MM-DD).
    pub party_on: Option<String>,
    /// Only States not bound by the Rome Statute on this date (YYYY-MM-DD).
    pub non_party_on: Option<String>,
    /// Search in names and ISO codes.
    pub q: Option<String>,
    /// name, iso3, kind or regional_group.
    pub sort: Option<String>,
    /// asc or desc.
    pub order: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Input for a focal point.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct FocalPointInput {
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub authority: String,
    pub mandates: Vec<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub languages: Vec<String>,
    pub mandate_from: String,
    pub mandate_to: Option<String>,
    /// Defaults to internal.
    pub classification: Option<String>,
    /// Required when updating: the version you read.
    pub version: Option<i64>,
}

/// Input for a communication profile.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ProfileInput {
    pub channel: String,
    pub receiving_authority: String,
    pub languages: Vec<String>,
    #[serde(default)]
    pub interpol_for_urgent: bool,
    /// When the State notified the change (YYYY-MM-DD).
    pub notified_on: String,
    /// The date agreed with the Court, if any; otherwise 45 days after notice.
    pub agreed_effective_on: Option<String>,
    #[serde(default)]
    pub notes: String,
    /// Defaults to internal.
    pub classification: Option<String>,
}

/// Language codes from a list, each checked; at least one is required.
fn parse_languages(e: &mut FieldErrors, list: &[String]) -> Vec<String> {
    let mut languages = Vec::new();
    for l in list {
        match parse_language(l) {
            Some(l) => languages.push(l),
            None => e.add("languages", format!("'{l}' is not a two-letter language code")),
        }
    }
    if list.is_empty() {
        e.add("languages", "at least one language is required");
    }
    languages
}

/// Directory entries are public, internal (the default) or confidential; the narrower
/// classifications are for case records.
fn directory_classification(e: &mut FieldErrors, value: Option<&str>) -> Option<Classification> {
    let c = value.filter(|c| !c.is_empty()).map_or(Some(Classification::Internal), |c| e.code("classification", c));
    if c.is_some_and(|c| c >= Classification::ExParte) {
        e.add("classification", "directory entries are public, internal or confidential");
        return None;
    }
    c
}

pub fn parse_date(errors: &mut FieldErrors, field: &str, value: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, "must be a date written YYYY-MM-DD");
            None
        }
    }
}

pub(crate) fn events_of(rows: &[StatusDate], partner_id: &str) -> Vec<StatusEvent> {
    rows.iter()
        .filter(|r| r.partner_id == partner_id)
        .filter_map(|r| {
            Some(StatusEvent {
                instrument: Instrument::parse(&r.instrument)?,
                kind: StatusEventKind::parse(&r.kind)?,
                on: r.on_date,
            })
        })
        .collect()
}

fn treaty_dates(events: &[StatusEvent], instrument: Instrument) -> TreatyDates {
    let mut d = TreatyDates::default();
    for e in events.iter().filter(|e| e.instrument == instrument) {
        match e.kind {
            StatusEventKind::Signature => d.signature = Some(e.on),
            StatusEventKind::EntryIntoForce => d.entry_into_force = Some(e.on),
            StatusEventKind::WithdrawalNotified => d.withdrawal_notified = Some(e.on),
            StatusEventKind::WithdrawalEffective => d.withdrawal_effective = Some(e.on),
            deposit => {
                d.deposit = Some(e.on);
                d.deposit_kind = Some(deposit.code().to_owned());
            }
        }
    }
    d
}

fn summary(p: &Partner, events: &[StatusEvent], on: NaiveDate) -> PartnerSummary {
    let status = |i| {
        if p.kind == PartnerKind::State.code() {
            status_on(events, i, on).code().to_owned()
        } else {
            TreatyStatus::NotParty.code().to_owned()
        }
    };
    PartnerSummary {
        id: p.id.clone(),
        kind: p.kind.clone(),
        name: p.name.clone(),
        name_fr: p.name_fr.clone(),
        iso3: p.iso3.clone(),
        regional_group: p.regional_group.clone(),
        un_status: p.un_status.clone(),
        rome_statute: status(Instrument::RomeStatute),
        apic: status(Instrument::Apic),
        status_on: on,
        classification: p.classification.clone(),
    }
}

/// The items of a stored comma-separated list (mandates, languages).
pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

pub(crate) fn classification_of(s: &str) -> Classification {
    // Stored values were validated on the way in; an unknown one is treated as the strictest.
    Classification::parse(s).unwrap_or(Classification::Sealed)
}

/// The directory is kept by the Registry: its unit owns every directory record, so
/// confidential entries are visible to the Registry and to the State concerned.
pub(crate) fn partner_access(p: &Partner, keeper: &str) -> RecordAccess {
    let r = RecordAccess::new(RecordKind::Partner, classification_of(&p.classification))
        .owned_by(keeper.to_owned(), UnitKind::Registry);
    if p.kind == PartnerKind::State.code() {
        r.about_state(p.id.clone())
    } else {
        r
    }
}

fn child_access(kind: RecordKind, classification: &str, partner: &Partner, keeper: &str) -> RecordAccess {
    let r = RecordAccess::new(kind, classification_of(classification)).owned_by(keeper.to_owned(), UnitKind::Registry);
    if partner.kind == PartnerKind::State.code() {
        r.about_state(partner.id.clone())
    } else {
        r
    }
}

/// Adding an entry to a partner the actor can see is refused for lack of powers (403), even
/// when the new entry's classification would hide it from them: the entry is no one's secret
/// yet, and a 404 would wrongly say the partner does not exist.
/// A record its author may not create is refused, not hidden: they asked to make it.
pub(crate) fn refused_creation(e: AppError) -> AppError {
    match e {
        AppError::NotFound => AppError::Forbidden,
        other => other,
    }
}

fn focal_point_view(f: &FocalPoint, today: NaiveDate) -> FocalPointView {
    FocalPointView {
        id: f.id.clone(),
        partner_id: f.partner_id.clone(),
        name: f.name.clone(),
        title: f.title.clone(),
        authority: f.authority.clone(),
        mandates: split_list(&f.mandates),
        email: f.email.clone(),
        phone: f.phone.clone(),
        languages: split_list(&f.languages),
        mandate_from: f.mandate_from,
        mandate_to: f.mandate_to,
        active: f.mandate_from <= today && f.mandate_to.is_none_or(|t| t >= today),
        classification: f.classification.clone(),
        version: f.version,
    }
}

/// The profile in force on `on`: the latest whose effective date has come.
pub(crate) fn in_force(profiles: &[CommunicationProfile], on: NaiveDate) -> Option<&CommunicationProfile> {
    profiles.iter().filter(|p| p.effective_from <= on).max_by_key(|p| (p.effective_from, p.created_at))
}

fn in_force_id(profiles: &[CommunicationProfile], on: NaiveDate) -> Option<&str> {
    in_force(profiles, on).map(|p| p.id.as_str())
}

fn profile_view(p: &CommunicationProfile, current: Option<&str>) -> ProfileView {
    ProfileView {
        id: p.id.clone(),
        partner_id: p.partner_id.clone(),
        channel: p.channel.clone(),
        receiving_authority: p.receiving_authority.clone(),
        languages: split_list(&p.languages),
        interpol_for_urgent: p.interpol_for_urgent,
        notified_on: p.notified_on,
        agreed_effective_on: p.agreed_effective_on,
        effective_from: p.effective_from,
        in_force: current == Some(p.id.as_str()),
        notes: p.notes.clone(),
        classification: p.classification.clone(),
    }
}

impl PartnerQuery {
    fn to_filter(&self, actor: &Actor) -> Result<(PartnerFilter, Paging, Option<NaiveDate>)> {
        let mut errors = FieldErrors::new();
        let kind = self.kind.as_deref().filter(|k| !k.is_empty()).and_then(|k| errors.code::<PartnerKind>("kind", k));
        let region =
            self.region.as_deref().filter(|k| !k.is_empty()).and_then(|r| errors.code::<RegionalGroup>("region", r));
        let party_on =
            self.party_on.as_deref().filter(|d| !d.is_empty()).and_then(|d| parse_date(&mut errors, "party_on", d));
        let non_party_on = self
            .non_party_on
            .as_deref()
            .filter(|d| !d.is_empty())
            .and_then(|d| parse_date(&mut errors, "non_party_on", d));
        let sort = match self.sort.as_deref().unwrap_or("name") {
            "" | "name" => PartnerSort::Name,
            "iso3" => PartnerSort::Iso3,
            "kind" => PartnerSort::Kind,
            "regional_group" => PartnerSort::RegionalGroup,
            _ => {
                errors.add("sort", "must be one of: name, iso3, kind, regional_group");
                PartnerSort::Name
            }
        };
        let descending = match self.order.as_deref().unwrap_or("asc") {
            "" | "asc" => false,
            "desc" => true,
            _ => {
                errors.add("order", "must be asc or desc");
                false
            }
        };
        if let Some(pp) = self.per_page {
            if !(1..=Paging::MAX_PER_PAGE).contains(&pp) {
                errors.add("per_page", format!("must be between 1 and {}", Paging::MAX_PER_PAGE));
            }
        }
        if self.page.is_some_and(|p| p < 1) {
            errors.add("page", "must be 1 or more");
        }
        if self.q.as_deref().is_some_and(|q| q.chars().count() > 100) {
            errors.add("q", "must be at most 100 characters");
        }
        errors.into_result()?;
        let paging = Paging::new(self.page, self.per_page);
        // Ask the database only for classifications the actor could ever see in a list; the
        // policy still rules on every row.
        let classifications = [Classification::Public, Classification::Internal, Classification::Confidential]
            .into_iter()
            .filter(|c| {
                let probe = RecordAccess::new(RecordKind::Partner, *c);
                actor.may(Action::Read, &probe)
            })
            .map(|c| c.code().to_owned())
            .collect::<Vec<_>>();
        let filter = PartnerFilter {
            kind: kind.map(|k| k.code().to_owned()),
            regional_group: region.map(|r| r.code().to_owned()),
            party_on,
            non_party_on,
            search: self.q.clone(),
            classifications: if classifications.is_empty() { vec!["-".into()] } else { classifications },
            sort,
            descending,
            offset: paging.offset(),
            limit: paging.per_page,
        };
        Ok((filter, paging, party_on.or(non_party_on)))
    }
}

impl Comity {
    /// The Registry unit, which keeps the directory (looked up once).
    pub(crate) async fn directory_keeper(&self) -> Result<String> {
        let id = self
            .directory_keeper
            .get_or_try_init(|| async {
                let mut c = self.db.read().await?;
                comity_store::accounts::first_unit_of_kind(&mut c, UnitKind::Registry.code())
                    .await?
                    .map(|u| u.id)
                    .ok_or_else(|| {
                        AppError::Internal("the Registry unit is missing: the database was not prepared".into())
                    })
            })
            .await?;
        Ok(id.clone())
    }

    /// The directory, filtered, sorted and paged. Treaty statuses are given on the
    /// `party_on` date when one is asked for, and today otherwise.
    pub async fn list_partners(&self, actor: &Actor, q: &PartnerQuery) -> Result<Page<PartnerSummary>> {
        let keeper = self.directory_keeper().await?;
        // Observers and others who may read no partner at all get a clean refusal.
        if !actor.may(Action::Read, &RecordAccess::new(RecordKind::Partner, Classification::Public)) {
            return Err(AppError::NotFound);
        }
        let (filter, paging, on) = q.to_filter(actor)?;
        let on = on.unwrap_or_else(|| self.today());
        let mut c = self.db.read().await?;
        let (rows, total) = store::list_partners(&mut c, &filter).await?;
        let ids: Vec<String> = rows.iter().map(|p| p.id.clone()).collect();
        let events = store::status_dates(&mut c, &ids).await?;
        let items = rows
            .iter()
            .filter(|p| actor.may(Action::Read, &partner_access(p, &keeper)))
            .map(|p| summary(p, &events_of(&events, &p.id), on))
            .collect();
        Ok(Page { items, page: paging.page, per_page: paging.per_page, total })
    }

    pub(crate) async fn visible_partner(
        &self,
        ex: &mut impl Executor,
        actor: &Actor,
        id: &str,
        keeper: &str,
    ) -> Result<Partner> {
        let p = store::partner(ex, id).await?.ok_or(AppError::NotFound)?;
        actor.check(Action::Read, &partner_access(&p, keeper))?;
        Ok(p)
    }

    /// A partner's profile page: treaty status and history, and the profile in force.
    pub async fn partner(&self, actor: &Actor, id: &str) -> Result<PartnerDetail> {
        let keeper = self.directory_keeper().await?;
        let today = self.today();
        let mut c = self.db.read().await?;
        let p = self.visible_partner(&mut c, actor, &id.to_uppercase(), &keeper).await?;
        let rows = store::status_events(&mut c, std::slice::from_ref(&p.id)).await?;
        let dates: Vec<StatusDate> = rows.iter().map(StatusDate::from).collect();
        let events = events_of(&dates, &p.id);
        let profiles: Vec<_> = store::profiles(&mut c, &p.id)
            .await?
            .into_iter()
            .filter(|pr| {
                actor
                    .may(Action::Read, &child_access(RecordKind::CommunicationProfile, &pr.classification, &p, &keeper))
            })
            .collect();
        let current = in_force_id(&profiles, today);
        let current_profile =
            profiles.iter().find(|pr| Some(pr.id.as_str()) == current).map(|pr| profile_view(pr, current));
        Ok(PartnerDetail {
            summary: summary(&p, &events, today),
            website: p.website.clone(),
            description: p.description.clone(),
            version: p.version,
            rome_statute_dates: treaty_dates(&events, Instrument::RomeStatute),
            apic_dates: treaty_dates(&events, Instrument::Apic),
            history: rows
                .iter()
                .map(|r| StatusEventView {
                    instrument: r.instrument.clone(),
                    kind: r.kind.clone(),
                    on: r.on_date,
                    source: r.source.clone(),
                    notes: r.notes.clone(),
                })
                .collect(),
            current_profile,
        })
    }

    /// The partner's focal points the actor may see. A read that discloses confidential ones
    /// is audited in the same transaction as the read, with one entry naming every
    /// confidential contact disclosed.
    pub async fn focal_points(&self, actor: &Actor, partner_id: &str) -> Result<Vec<FocalPointView>> {
        let keeper = self.directory_keeper().await?;
        let today = self.today();
        let partner_id = partner_id.to_uppercase();
        // Only an actor who could see a confidential contact here pays for a write
        // transaction; everyone else reads on a pooled connection.
        {
            let mut c = self.db.read().await?;
            let p = self.visible_partner(&mut c, actor, &partner_id, &keeper).await?;
            let confidential = child_access(RecordKind::FocalPoint, Classification::Confidential.code(), &p, &keeper);
            if !actor.may(Action::Read, &confidential) {
                let all = store::focal_points(&mut c, &p.id).await?;
                return Ok(self
                    .visible_focal_points(actor, &p, all, &keeper)
                    .iter()
                    .map(|f| focal_point_view(f, today))
                    .collect());
            }
        }
        let mut tx = self.db.write().await?;
        let p = self.visible_partner(&mut tx, actor, &partner_id, &keeper).await?;
        let all = store::focal_points(&mut tx, &p.id).await?;
        let visible = self.visible_focal_points(actor, &p, all, &keeper);
        let disclosed: Vec<&str> = visible
            .iter()
            .filter(|f| classification_of(&f.classification).read_is_audited())
            .map(|f| f.id.as_str())
            .collect();
        if !disclosed.is_empty() {
            let ids = disclosed.join(",");
            trail::record(
                &mut tx,
                self.clock.now(),
                actor,
                "focal_point.read",
                Target::new(RecordKind::FocalPoint, &ids, Classification::Confidential),
                serde_json::json!({ "partner": p.id, "focal_points": disclosed }),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(visible.iter().map(|f| focal_point_view(f, today)).collect())
    }

    fn visible_focal_points(&self, actor: &Actor, p: &Partner, all: Vec<FocalPoint>, keeper: &str) -> Vec<FocalPoint> {
        all.into_iter()
            .filter(|f| actor.may(Action::Read, &child_access(RecordKind::FocalPoint, &f.classification, p, keeper)))
            .collect()
    }

    /// Every communication profile of the partner the actor may see, latest first.
    pub async fn communication_profiles(&self, actor: &Actor, partner_id: &str) -> Result<Vec<ProfileView>> {
        let keeper = self.directory_keeper().await?;
        let today = self.today();
        let mut c = self.db.read().await?;
        let p = self.visible_partner(&mut c, actor, &partner_id.to_uppercase(), &keeper).await?;
        let profiles: Vec<_> = store::profiles(&mut c, &p.id)
            .await?
            .into_iter()
            .filter(|pr| {
                actor
                    .may(Action::Read, &child_access(RecordKind::CommunicationProfile, &pr.classification, &p, &keeper))
            })
            .collect();
        let current = in_force_id(&profiles, today);
        Ok(profiles.iter().map(|pr| profile_view(pr, current)).collect())
    }

    fn validate_focal_point(&self, input: &FocalPointInput) -> Result<FocalPoint> {
        let mut e = FieldErrors::new();
        let name = e.required("name", &input.name, 200);
        if input.title.chars().count() > 200 {
            e.add("title", "must be at most 200 characters");
        }
        if input.authority.chars().count() > 300 {
            e.add("authority", "must be at most 300 characters");
        }
        let mut mandates = Vec::new();
        for m in &input.mandates {
            if let Some(m) = e.code::<Mandate>("mandates", m) {
                mandates.push(m.code());
            }
        }
        if input.mandates.is_empty() {
            e.add("mandates", "at least one mandate is required");
        }
        let languages = parse_languages(&mut e, &input.languages);
        let email = input.email.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if email.as_deref().is_some_and(|m| !m.contains('@') || m.len() > 254) {
            e.add("email", "is not an e-mail address");
        }
        let phone = input.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if phone.as_deref().is_some_and(|p| p.len() > 40) {
            e.add("phone", "must be at most 40 characters");
        }
        let from = parse_date(&mut e, "mandate_from", &input.mandate_from);
        let to = input
            .mandate_to
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|t| parse_date(&mut e, "mandate_to", t));
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                e.add("mandate_to", "must not be before mandate_from");
            }
        }
        let classification = directory_classification(&mut e, input.classification.as_deref());
        e.into_result()?;
        let now = self.clock.now();
        Ok(FocalPoint {
            id: comity_store::new_id(),
            partner_id: String::new(),
            name,
            title: input.title.trim().to_owned(),
            authority: input.authority.trim().to_owned(),
            mandates: mandates.join(","),
            email,
            phone,
            languages: languages.join(","),
            mandate_from: from.unwrap_or_default(),
            mandate_to: to,
            classification: classification.unwrap_or(Classification::Internal).code().to_owned(),
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// Adds a focal point to a partner.
    pub async fn add_focal_point(
        &self,
        actor: &Actor,
        partner_id: &str,
        input: &FocalPointInput,
    ) -> Result<FocalPointView> {
        let keeper = self.directory_keeper().await?;
        let mut f = self.validate_focal_point(input)?;
        let mut tx = self.db.write().await?;
        let p = self.visible_partner(&mut tx, actor, &partner_id.to_uppercase(), &keeper).await?;
        actor
            .check(Action::Create, &child_access(RecordKind::FocalPoint, &f.classification, &p, &keeper))
            .map_err(refused_creation)?;
        f.partner_id = p.id.clone();
        store::insert_focal_point(&mut tx, &f).await?;
        trail::record(
            &mut tx,
            f.created_at,
            actor,
            "focal_point.create",
            Target::new(RecordKind::FocalPoint, &f.id, classification_of(&f.classification)),
            serde_json::json!({ "partner": p.id, "name": f.name, "mandates": f.mandates }),
        )
        .await?;
        tx.commit().await?;
        Ok(focal_point_view(&f, self.today()))
    }

    /// Replaces a focal point's details, refusing a stale version.
    pub async fn update_focal_point(
        &self,
        actor: &Actor,
        partner_id: &str,
        id: &str,
        input: &FocalPointInput,
    ) -> Result<FocalPointView> {
        let keeper = self.directory_keeper().await?;
        let Some(expected) = input.version else {
            return Err(AppError::field("version", "is required: send the version you read"));
        };
        let new = self.validate_focal_point(input)?;
        let mut tx = self.db.write().await?;
        let p = self.visible_partner(&mut tx, actor, &partner_id.to_uppercase(), &keeper).await?;
        let old = store::focal_point(&mut tx, id).await?.filter(|f| f.partner_id == p.id).ok_or(AppError::NotFound)?;
        actor.check(Action::Read, &child_access(RecordKind::FocalPoint, &old.classification, &p, &keeper))?;
        actor.check(Action::Update, &child_access(RecordKind::FocalPoint, &old.classification, &p, &keeper))?;
        actor.check(Action::Update, &child_access(RecordKind::FocalPoint, &new.classification, &p, &keeper))?;
        let updated = FocalPoint {
            id: old.id.clone(),
            partner_id: p.id.clone(),
            created_at: old.created_at,
            version: expected + 1,
            ..new
        };
        if !store::update_focal_point(&mut tx, &updated, expected).await? {
            return Err(AppError::StaleVersion { current: old.version });
        }
        trail::record(
            &mut tx,
            updated.updated_at,
            actor,
            "focal_point.update",
            Target::new(RecordKind::FocalPoint, &updated.id, classification_of(&updated.classification)),
            serde_json::json!({ "partner": p.id, "version": updated.version }),
        )
        .await?;
        tx.commit().await?;
        Ok(focal_point_view(&updated, self.today()))
    }

    /// Records a communication profile notified by a partner. It takes effect on the agreed
    /// date, or 45 days after notice (rule 180); earlier profiles stay as history.
    pub async fn add_communication_profile(
        &self,
        actor: &Actor,
        partner_id: &str,
        input: &ProfileInput,
    ) -> Result<ProfileView> {
        let keeper = self.directory_keeper().await?;
        let checked = check_profile(input)?;
        let mut tx = self.db.write().await?;
        let p = self.visible_partner(&mut tx, actor, &partner_id.to_uppercase(), &keeper).await?;
        let profile = self.insert_profile_in(&mut tx, actor, &p, &keeper, checked).await?;
        let all = store::profiles(&mut tx, &p.id).await?;
        tx.commit().await?;
        let current = in_force_id(&all, self.today());
        Ok(profile_view(&profile, current))
    }

    /// Writes a checked profile for `p` in the caller's transaction, if the actor may.
    pub(crate) async fn insert_profile_in(
        &self,
        tx: &mut comity_store::Tx,
        actor: &Actor,
        p: &Partner,
        keeper: &str,
        checked: CheckedProfile,
    ) -> Result<CommunicationProfile> {
        let CheckedProfile { channel, authority, languages, notified, agreed, classification, interpol, notes } =
            checked;
        actor
            .check(Action::Create, &child_access(RecordKind::CommunicationProfile, classification.code(), p, keeper))
            .map_err(refused_creation)?;
        let now = self.clock.now();
        let profile = CommunicationProfile {
            id: comity_store::new_id(),
            partner_id: p.id.clone(),
            channel: channel.code().into(),
            receiving_authority: authority,
            languages: languages.join(","),
            interpol_for_urgent: interpol,
            notified_on: notified,
            agreed_effective_on: agreed,
            effective_from: profile_effective_from(notified, agreed),
            notes,
            classification: classification.code().into(),
            created_by: actor.audit_id().to_owned(),
            created_at: now,
        };
        store::insert_profile(tx, &profile).await?;
        trail::record(
            tx,
            now,
            actor,
            "communication_profile.create",
            Target::new(RecordKind::CommunicationProfile, &profile.id, classification),
            serde_json::json!({ "partner": p.id, "channel": profile.channel, "effective_from": profile.effective_from }),
        )
        .await?;
        Ok(profile)
    }
}

/// A communication profile's fields, checked.
pub(crate) struct CheckedProfile {
    channel: Channel,
    authority: String,
    languages: Vec<String>,
    notified: NaiveDate,
    agreed: Option<NaiveDate>,
    classification: Classification,
    interpol: bool,
    notes: String,
}

pub(crate) fn check_profile(input: &ProfileInput) -> Result<CheckedProfile> {
    let mut e = FieldErrors::new();
    let channel = e.code::<Channel>("channel", &input.channel);
    let authority = e.required("receiving_authority", &input.receiving_authority, 300);
    let languages = parse_languages(&mut e, &input.languages);
    let notified = parse_date(&mut e, "notified_on", &input.notified_on);
    let agreed = input
        .agreed_effective_on
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|d| parse_date(&mut e, "agreed_effective_on", d));
    if input.notes.chars().count() > 2000 {
        e.add("notes", "must be at most 2000 characters");
    }
    let classification = directory_classification(&mut e, input.classification.as_deref());
    e.into_result()?;
    let (Some(channel), Some(notified), Some(classification)) = (channel, notified, classification) else {
        return Err(AppError::Internal("validated profile fields missing".into()));
    };
    Ok(CheckedProfile {
        channel,
        authority,
        languages,
        notified,
        agreed,
        classification,
        interpol: input.interpol_for_urgent,
        notes: input.notes.trim().to_owned(),
    })
}

impl Comity {
    /// Whether the actor may add or change directory entries about this partner (to offer
    /// the editing controls; every write is checked again when it is made).
    pub async fn may_edit_directory(&self, actor: &Actor, partner_id: &str) -> Result<bool> {
        let keeper = self.directory_keeper().await?;
        let mut c = self.db.read().await?;
        let p = self.visible_partner(&mut c, actor, &partner_id.to_uppercase(), &keeper).await?;
        Ok(actor
            .may(Action::Create, &child_access(RecordKind::FocalPoint, Classification::Internal.code(), &p, &keeper)))
    }

    /// One focal point, for its edit form.
    pub async fn focal_point(&self, actor: &Actor, partner_id: &str, id: &str) -> Result<FocalPointView> {
        self.focal_points(actor, partner_id).await?.into_iter().find(|f| f.id == id).ok_or(AppError::NotFound)
    }
}
