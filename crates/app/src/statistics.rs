//! Public aggregates: figures anyone allowed to see statistics may read, observers included.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use comity_domain::{
    access::{Action, Classification, RecordAccess, RecordKind},
    partner::{is_party_on, status_on, Instrument, StatusEventKind, TreatyStatus},
};
use comity_store::partners as store;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{Actor, Comity, Result};

/// How many States stood where towards the Rome Statute and the APIC on a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerStatistics {
    pub on: NaiveDate,
    pub states_parties: usize,
    /// States Parties per ASP regional group code.
    pub states_parties_by_region: BTreeMap<String, usize>,
    /// States that signed the Rome Statute without becoming (or remaining) party.
    pub signatories_not_party: usize,
    pub apic_parties: usize,
}

impl Comity {
    pub async fn partner_statistics(&self, actor: &Actor, on: NaiveDate) -> Result<PartnerStatistics> {
        actor.check(Action::Read, &RecordAccess::new(RecordKind::Statistics, Classification::Public))?;
        let mut c = self.db.read().await?;
        let filter = store::PartnerFilter {
            kind: Some("state".into()),
            classifications: vec!["public".into()],
            limit: 10_000,
            ..Default::default()
        };
        let (states, _) = store::list_partners(&mut c, &filter).await?;
        let ids: Vec<String> = states.iter().map(|s| s.id.clone()).collect();
        let rows = store::status_dates(&mut c, &ids).await?;
        let mut stats = PartnerStatistics {
            on,
            states_parties: 0,
            states_parties_by_region: BTreeMap::new(),
            signatories_not_party: 0,
            apic_parties: 0,
        };
        for s in &states {
            let events = crate::partners::events_of(&rows, &s.id);
            if is_party_on(&events, Instrument::RomeStatute, on) {
                stats.states_parties += 1;
                let region = s.regional_group.clone().unwrap_or_else(|| "none".into());
                *stats.states_parties_by_region.entry(region).or_default() += 1;
            } else if matches!(
                status_on(&events, Instrument::RomeStatute, on),
                TreatyStatus::Signatory | TreatyStatus::Withdrawn
            ) && events
                .iter()
                .any(|e| e.kind == StatusEventKind::Signature && e.instrument == Instrument::RomeStatute)
            {
                stats.signatories_not_party += 1;
            }
            if is_party_on(&events, Instrument::Apic, on) {
                stats.apic_parties += 1;
            }
        }
        Ok(stats)
    }
}
