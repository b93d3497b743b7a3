//! Partners of the Court (States, organisations, networks) and the treaty and channel rules
//! that decide how a request reaches them.

use chrono::{Days, NaiveDate};

use crate::vocabulary;

vocabulary! {
    PartnerKind {
        State => "state",
        Organisation => "organisation",
        Network => "network",
        Ngo => "ngo",
        Company => "company",
    }
}

vocabulary! {
    /// The Assembly of States Parties' regional groups (they follow the UN's).
    RegionalGroup {
        African => "african",
        AsiaPacific => "asia_pacific",
        EasternEuropean => "eastern_european",
        LatinAmericanCaribbean => "latin_american_caribbean",
        WesternEuropeanOther => "western_european_other",
    }
}

impl RegionalGroup {
    /// Reads the group names used in the shipped reference data.
    pub fn from_label(label: &str) -> Option<Self> {
        match label {
            "African" => Some(Self::African),
            "Asia-Pacific" => Some(Self::AsiaPacific),
            "Eastern European" => Some(Self::EasternEuropean),
            "Latin American and Caribbean" => Some(Self::LatinAmericanCaribbean),
            "Western European and Other" => Some(Self::WesternEuropeanOther),
            _ => None,
        }
    }
}

vocabulary! {
    /// The treaties whose status the directory tracks.
    Instrument {
        RomeStatute => "rome_statute",
        Apic => "apic",
    }
}

vocabulary! {
    /// Steps in a State's relation to a treaty, each dated.
    StatusEventKind {
        Signature => "signature",
        Ratification => "ratification",
        Accession => "accession",
        Acceptance => "acceptance",
        Approval => "approval",
        Succession => "succession",
        EntryIntoForce => "entry_into_force",
        WithdrawalNotified => "withdrawal_notified",
        WithdrawalEffective => "withdrawal_effective",
    }
}

/// One dated step in a State's treaty history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusEvent {
    pub instrument: Instrument,
    pub kind: StatusEventKind,
    pub on: NaiveDate,
}

vocabulary! {
    /// Where a State stands towards a treaty on a given date.
    TreatyStatus {
        NotParty => "not_party",
        Signatory => "signatory",
        Deposited => "deposited",
        Party => "party",
        Withdrawing => "withdrawing",
        Withdrawn => "withdrawn",
    }
}

/// The status under `instrument` on `date`, from the dated history.
///
/// A State is a party from entry into force until its withdrawal takes effect (art. 127); in
/// between deposit and entry into force it has deposited but is not yet bound.
pub fn status_on(events: &[StatusEvent], instrument: Instrument, date: NaiveDate) -> TreatyStatus {
    let happened =
        |kind: StatusEventKind| events.iter().any(|e| e.instrument == instrument && e.kind == kind && e.on <= date);
    if happened(StatusEventKind::WithdrawalEffective) {
        return TreatyStatus::Withdrawn;
    }
    if happened(StatusEventKind::EntryIntoForce) {
        return if happened(StatusEventKind::WithdrawalNotified) {
            TreatyStatus::Withdrawing
        } else {
            TreatyStatus::Party
        };
    }
    let deposited = [
        StatusEventKind::Ratification,
        StatusEventKind::Accession,
        StatusEventKind::Acceptance,
        StatusEventKind::Approval,
        StatusEventKind::Succession,
    ]
    .into_iter()
    .any(happened);
    if deposited {
        TreatyStatus::Deposited
    } else if happened(StatusEventKind::Signature) {
        TreatyStatus::Signatory
    } else {
        TreatyStatus::NotParty
    }
}

/// Whether the State is bound by the treaty on `date` (a withdrawing State still is).
pub fn is_party_on(events: &[StatusEvent], instrument: Instrument, date: NaiveDate) -> bool {
    matches!(status_on(events, instrument, date), TreatyStatus::Party | TreatyStatus::Withdrawing)
}

vocabulary! {
    /// What a focal point or authority is designated for.
    Mandate {
        CentralAuthority => "central_authority",
        Operational => "operational",
        FinancialInvestigations => "financial_investigations",
        Arrest => "arrest",
        NonCooperation => "non_cooperation",
        WitnessProtection => "witness_protection",
    }
}

vocabulary! {
    /// The channel a State designated for requests (art. 87(1)(a), rule 176-177).
    Channel {
        Diplomatic => "diplomatic",
        Ministry => "ministry",
        CentralAuthority => "central_authority",
        Interpol => "interpol",
        RegionalOrganisation => "regional_organisation",
        Direct => "direct",
    }
}

/// Days after notice that a change of channel or language takes effect (rule 180).
pub const RULE_180_NOTICE_DAYS: u64 = 45;

/// The date a communication profile takes effect: the agreed date, or 45 days after notice.
pub fn profile_effective_from(notified_on: NaiveDate, agreed_on: Option<NaiveDate>) -> NaiveDate {
    agreed_on.unwrap_or_else(|| notified_on.checked_add_days(Days::new(RULE_180_NOTICE_DAYS)).unwrap_or(NaiveDate::MAX))
}

/// A language code as declared by a State: lowercase ISO 639-1, two letters.
pub fn parse_language(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_lowercase();
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn burundi() -> Vec<StatusEvent> {
        let e = |kind, on: &str| StatusEvent { instrument: Instrument::RomeStatute, kind, on: d(on) };
        vec![
            e(StatusEventKind::Signature, "1999-01-13"),
            e(StatusEventKind::Ratification, "2004-09-21"),
            e(StatusEventKind::EntryIntoForce, "2004-12-01"),
            e(StatusEventKind::WithdrawalNotified, "2016-10-27"),
            e(StatusEventKind::WithdrawalEffective, "2017-10-27"),
        ]
    }

    #[test]
    fn status_follows_the_dated_history() {
        let ev = burundi();
        let at = |s| status_on(&ev, Instrument::RomeStatute, d(s));
        assert_eq!(at("1998-12-31"), TreatyStatus::NotParty);
        assert_eq!(at("2000-01-01"), TreatyStatus::Signatory);
        assert_eq!(at("2004-10-01"), TreatyStatus::Deposited);
        assert_eq!(at("2010-01-01"), TreatyStatus::Party);
        assert_eq!(at("2017-09-01"), TreatyStatus::Withdrawing);
        assert!(is_party_on(&ev, Instrument::RomeStatute, d("2017-09-01")));
        assert_eq!(at("2017-10-27"), TreatyStatus::Withdrawn);
        assert!(!is_party_on(&ev, Instrument::RomeStatute, d("2017-10-27")));
        assert_eq!(status_on(&ev, Instrument::Apic, d("2010-01-01")), TreatyStatus::NotParty);
    }

    #[test]
    fn a_channel_change_takes_effect_on_the_agreed_date_or_45_days_after_notice() {
        assert_eq!(profile_effective_from(d("2024-01-01"), None), d("2024-02-15"));
        assert_eq!(profile_effective_from(d("2024-01-01"), Some(d("2024-01-10"))), d("2024-01-10"));
    }

    #[test]
    fn languages_are_two_letter_codes() {
        assert_eq!(parse_language(" FR "), Some("fr".into()));
        assert_eq!(parse_language("fra"), None);
        assert_eq!(parse_language("f1"), None);
    }
}
