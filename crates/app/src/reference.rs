//! The reference data Comity ships: every State (UN members, observers and States Parties
//! that are not UN members) with its Rome Statute and APIC history, and the organisations
//! and networks the Court works with. Sources are in `crates/app/data/SOURCES.md` and in each
//! row's `source` column.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use comity_domain::partner::{Instrument, RegionalGroup, StatusEventKind};
use comity_store::{
    partners::{self as store, Partner, StatusEventRow},
    Tx,
};
use serde::Deserialize;

use crate::{AppError, Result};

const UN_STATES: &str = include_str!("../data/un_states.csv");
const STATES_PARTIES: &str = include_str!("../data/states_parties.csv");
const SIGNATORIES: &str = include_str!("../data/signatories_non_parties.csv");
const APIC: &str = include_str!("../data/apic_status.csv");
const ORGANISATIONS: &str = include_str!("../data/organisations.csv");

#[derive(Deserialize)]
struct StateRow {
    iso3: String,
    name: String,
    name_fr: String,
    un_status: String,
    un_regional_group: String,
}

#[derive(Deserialize)]
struct PartyRow {
    iso3: String,
    asp_regional_group: String,
    signature_date: String,
    deposit_date: String,
    deposit_kind: String,
    entry_into_force: String,
    withdrawal_notified: String,
    withdrawal_effective: String,
    source: String,
    notes: String,
}

#[derive(Deserialize)]
struct SignatoryRow {
    iso3: String,
    signature_date: String,
    source: String,
    notes: String,
}

#[derive(Deserialize)]
struct ApicRow {
    iso3: String,
    signature_date: String,
    deposit_date: String,
    source: String,
    notes: String,
    deposit_kind: String,
    entry_into_force: String,
}

#[derive(Deserialize)]
struct OrganisationRow {
    id: String,
    kind: String,
    name: String,
    name_fr: String,
    website: String,
    description: String,
}

fn rows<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<std::result::Result<Vec<T>, _>>()
        .map_err(|e| AppError::Internal(format!("shipped reference file {file} is malformed: {e}")))
}

fn date(file: &str, iso3: &str, s: &str) -> Result<Option<NaiveDate>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    // A year alone (some agreements) carries no day to record.
    if s.len() == 4 {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| AppError::Internal(format!("{file}: {iso3} has a malformed date '{s}'")))
}

fn deposit_kind(s: &str) -> StatusEventKind {
    match s {
        "accession" => StatusEventKind::Accession,
        "acceptance" => StatusEventKind::Acceptance,
        "approval" => StatusEventKind::Approval,
        "succession" => StatusEventKind::Succession,
        _ => StatusEventKind::Ratification,
    }
}

/// Counts of what was loaded, for progress output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loaded {
    pub states: usize,
    pub organisations: usize,
    pub status_events: usize,
}

struct Events<'a> {
    at: DateTime<Utc>,
    rows: Vec<StatusEventRow>,
    known: &'a HashMap<String, ()>,
}

impl Events<'_> {
    fn add(
        &mut self,
        iso3: &str,
        instrument: Instrument,
        kind: StatusEventKind,
        on: Option<NaiveDate>,
        source: &str,
        notes: &str,
    ) {
        if let Some(on) = on {
            if self.known.contains_key(iso3) {
                self.rows.push(StatusEventRow {
                    id: comity_store::new_id(),
                    partner_id: iso3.to_owned(),
                    instrument: instrument.code().into(),
                    kind: kind.code().into(),
                    on_date: on,
                    source: source.to_owned(),
                    notes: notes.to_owned(),
                    created_at: self.at,
                });
            }
        }
    }
}

/// Loads the shipped reference data into an empty directory, inside `tx`.
pub async fn load(tx: &mut Tx, at: DateTime<Utc>, mut progress: impl FnMut(&str)) -> Result<Loaded> {
    let states: Vec<StateRow> = rows("un_states.csv", UN_STATES)?;
    let parties: Vec<PartyRow> = rows("states_parties.csv", STATES_PARTIES)?;
    let asp_group: HashMap<&str, &str> =
        parties.iter().map(|p| (p.iso3.as_str(), p.asp_regional_group.as_str())).collect();
    let mut known = HashMap::new();
    progress("States");
    for s in &states {
        let group = asp_group
            .get(s.iso3.as_str())
            .and_then(|g| RegionalGroup::from_label(g))
            .or_else(|| RegionalGroup::parse(&s.un_regional_group));
        let p = Partner {
            id: s.iso3.clone(),
            kind: "state".into(),
            name: s.name.clone(),
            name_fr: Some(s.name_fr.clone()).filter(|n| !n.is_empty()),
            iso3: Some(s.iso3.clone()),
            regional_group: group.map(|g| g.code().to_owned()),
            un_status: Some(s.un_status.clone()),
            parent_id: None,
            website: None,
            description: String::new(),
            classification: "public".into(),
            version: 1,
            created_at: at,
            updated_at: at,
        };
        store::insert_partner(tx, &p).await?;
        known.insert(s.iso3.clone(), ());
    }
    let mut ev = Events { at, rows: Vec::new(), known: &known };
    const F: &str = "states_parties.csv";
    for p in &parties {
        let rs = Instrument::RomeStatute;
        let (src, notes) = (p.source.as_str(), p.notes.as_str());
        ev.add(&p.iso3, rs, StatusEventKind::Signature, date(F, &p.iso3, &p.signature_date)?, src, notes);
        ev.add(&p.iso3, rs, deposit_kind(&p.deposit_kind), date(F, &p.iso3, &p.deposit_date)?, src, notes);
        ev.add(&p.iso3, rs, StatusEventKind::EntryIntoForce, date(F, &p.iso3, &p.entry_into_force)?, src, notes);
        ev.add(&p.iso3, rs, StatusEventKind::WithdrawalNotified, date(F, &p.iso3, &p.withdrawal_notified)?, src, notes);
        ev.add(
            &p.iso3,
            rs,
            StatusEventKind::WithdrawalEffective,
            date(F, &p.iso3, &p.withdrawal_effective)?,
            src,
            notes,
        );
    }
    for s in rows::<SignatoryRow>("signatories_non_parties.csv", SIGNATORIES)? {
        let on = date("signatories_non_parties.csv", &s.iso3, &s.signature_date)?;
        ev.add(&s.iso3, Instrument::RomeStatute, StatusEventKind::Signature, on, &s.source, &s.notes);
    }
    const A: &str = "apic_status.csv";
    for a in rows::<ApicRow>(A, APIC)? {
        let (src, notes) = (a.source.as_str(), a.notes.as_str());
        ev.add(&a.iso3, Instrument::Apic, StatusEventKind::Signature, date(A, &a.iso3, &a.signature_date)?, src, notes);
        ev.add(
            &a.iso3,
            Instrument::Apic,
            deposit_kind(&a.deposit_kind),
            date(A, &a.iso3, &a.deposit_date)?,
            src,
            notes,
        );
        ev.add(
            &a.iso3,
            Instrument::Apic,
            StatusEventKind::EntryIntoForce,
            date(A, &a.iso3, &a.entry_into_force)?,
            src,
            notes,
        );
    }
    progress("treaty history");
    for e in &ev.rows {
        store::insert_status_event(tx, e).await?;
    }
    progress("organisations and networks");
    let orgs: Vec<OrganisationRow> = rows("organisations.csv", ORGANISATIONS)?;
    for o in &orgs {
        let p = Partner {
            id: o.id.clone(),
            kind: o.kind.clone(),
            name: o.name.clone(),
            name_fr: Some(o.name_fr.clone()).filter(|n| !n.is_empty()),
            iso3: None,
            regional_group: None,
            un_status: None,
            parent_id: None,
            website: Some(o.website.clone()).filter(|w| !w.is_empty()),
            description: o.description.clone(),
            classification: "public".into(),
            version: 1,
            created_at: at,
            updated_at: at,
        };
        store::insert_partner(tx, &p).await?;
    }
    Ok(Loaded { states: states.len(), organisations: orgs.len(), status_events: ev.rows.len() })
}
