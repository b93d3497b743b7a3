//! Property tests: the confidentiality promises hold for every generated user and record.

use super::*;
use proptest::prelude::*;

const UNITS: &[(&str, UnitKind, Option<&str>)] = &[
    ("reg", UnitKind::Registry, None),
    ("otp", UnitKind::Otp, None),
    ("chambers", UnitKind::Chambers, None),
    ("pres", UnitKind::Presidency, None),
    ("vws", UnitKind::VictimsWitnesses, None),
    ("def-a", UnitKind::DefenceTeam, None),
    ("def-b", UnitKind::DefenceTeam, None),
    ("fp-arg", UnitKind::StateFocalPoint, Some("ARG")),
    ("fp-fra", UnitKind::StateFocalPoint, Some("FRA")),
    ("asp", UnitKind::AssemblyObserver, None),
    ("admin", UnitKind::Administration, None),
];
const USERS: &[&str] = &["u1", "u2", "u3", "u4"];
const STATES: &[&str] = &["ARG", "FRA", "KEN"];

fn unit() -> impl Strategy<Value = (&'static str, UnitKind, Option<&'static str>)> {
    proptest::sample::select(UNITS)
}

fn principal() -> impl Strategy<Value = Principal> {
    (proptest::sample::select(USERS), unit(), proptest::sample::subsequence(Role::ALL.to_vec(), 0..=Role::ALL.len()))
        .prop_map(|(user, (unit, kind, state), roles)| Principal {
            user_id: user.into(),
            unit_id: unit.into(),
            unit_kind: kind,
            unit_state: state.map(Into::into),
            roles,
        })
}

fn record() -> impl Strategy<Value = RecordAccess> {
    (
        proptest::sample::select(RecordKind::ALL),
        proptest::sample::select(Classification::ALL),
        proptest::option::of(unit()),
        proptest::option::of(proptest::sample::select(STATES)),
        proptest::sample::subsequence(UNITS.iter().map(|u| u.0).collect::<Vec<_>>(), 0..4),
        proptest::sample::subsequence(USERS.to_vec(), 0..3),
        any::<bool>(),
    )
        .prop_map(|(kind, classification, owner, state, units, users, for_defence)| RecordAccess {
            kind,
            classification,
            owner_unit: owner.map(|o| o.0.to_owned()),
            owner_unit_kind: owner.map(|o| o.1),
            state: state.map(Into::into),
            named_units: units.into_iter().map(Into::into).collect(),
            named_users: users.into_iter().map(Into::into).collect(),
            for_defence,
        })
}

fn action() -> impl Strategy<Value = Action> {
    proptest::sample::select(Action::ALL)
}

fn principal_in(kinds: &'static [UnitKind]) -> impl Strategy<Value = Principal> {
    let units: Vec<_> = UNITS.iter().filter(|u| kinds.contains(&u.1)).copied().collect();
    (principal(), proptest::sample::select(units)).prop_map(|(mut p, (unit, kind, state))| {
        p.unit_id = unit.into();
        p.unit_kind = kind;
        p.unit_state = state.map(Into::into);
        p
    })
}

fn record_with(classes: &'static [Classification]) -> impl Strategy<Value = RecordAccess> {
    (record(), proptest::sample::select(classes)).prop_map(|(mut r, c)| {
        r.classification = c;
        r
    })
}

fn write_action() -> impl Strategy<Value = Action> {
    proptest::sample::select(&[Action::Create, Action::Update, Action::Delete][..])
}

const NON_PUBLIC: &[Classification] =
    &[Classification::Internal, Classification::Confidential, Classification::ExParte, Classification::Sealed];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn a_state_never_sees_another_states_non_public_records(
        p in principal_in(&[UnitKind::StateFocalPoint]),
        mut r in record_with(NON_PUBLIC),
        other in proptest::sample::select(STATES),
        a in action(),
    ) {
        // No focal-point office in the fixtures belongs to Kenya.
        let other = if p.unit_state.as_deref() == Some(other) { "KEN" } else { other };
        r.state = Some(other.into());
        if r.owner_unit.as_deref() == Some(p.unit_id.as_str()) {
            r.owner_unit = Some("reg".into());
            r.owner_unit_kind = Some(UnitKind::Registry);
        }
        prop_assert_eq!(decide(&p, a, &r), Err(Denial::Hidden));
    }

    #[test]
    fn nobody_outside_the_named_people_sees_a_sealed_record(
        p in principal(),
        mut r in record_with(&[Classification::Sealed]),
        a in action(),
    ) {
        r.named_users.retain(|u| *u != p.user_id);
        prop_assert_eq!(decide(&p, a, &r), Err(Denial::Hidden));
    }

    #[test]
    fn the_otp_never_sees_a_defence_ex_parte_record(
        p in principal_in(&[UnitKind::Otp]),
        mut r in record_with(&[Classification::ExParte]),
        a in action(),
    ) {
        // Even when the OTP is named, or is (wrongly) recorded as owner.
        r.owner_unit_kind = Some(UnitKind::DefenceTeam);
        prop_assert_eq!(decide(&p, a, &r), Err(Denial::Hidden));
    }

    #[test]
    fn the_otp_never_sees_a_non_public_record_made_for_the_defence(
        p in principal_in(&[UnitKind::Otp]),
        mut r in record_with(NON_PUBLIC),
        a in action(),
    ) {
        // Even when the OTP is named, or is (wrongly) recorded as owner.
        r.for_defence = true;
        prop_assert_eq!(decide(&p, a, &r), Err(Denial::Hidden));
    }

    #[test]
    fn case_records_are_written_only_by_those_they_are_shared_with(
        p in principal(),
        mut r in record(),
        a in write_action(),
        kind in proptest::sample::select(&[RecordKind::Request, RecordKind::RequestDocument, RecordKind::Warrant, RecordKind::TravelAlert, RecordKind::Demarche, RecordKind::Finding][..]),
    ) {
        r.kind = kind;
        if decide(&p, a, &r).is_ok() {
            let own_state = p.unit_kind == UnitKind::StateFocalPoint && r.state.is_some() && r.state == p.unit_state;
            prop_assert!(
                r.owner_unit.as_deref() == Some(p.unit_id.as_str()) || r.named_units.contains(&p.unit_id) || own_state
            );
            prop_assert!(!p.has(Role::SystemAdmin) || p.roles.iter().any(|r| matches!(r, Role::Officer | Role::Approver | Role::UnitAdmin)));
        }
    }

    #[test]
    fn an_observer_sees_only_public_aggregates(
        p in principal_in(&[UnitKind::AssemblyObserver]),
        r in record(),
        a in action(),
    ) {
        if decide(&p, a, &r).is_ok() {
            prop_assert_eq!(r.classification, Classification::Public);
            prop_assert!(r.kind.is_aggregate());
            prop_assert_eq!(a, Action::Read);
        }
    }

    #[test]
    fn ex_parte_records_stay_with_their_named_units(
        p in principal(),
        mut r in record_with(&[Classification::ExParte]),
        a in action(),
    ) {
        r.named_units.retain(|u| *u != p.unit_id);
        if r.owner_unit.as_deref() == Some(p.unit_id.as_str()) {
            r.owner_unit = None;
        }
        if p.unit_state.is_some() && r.state == p.unit_state {
            r.state = None;
        }
        prop_assert_eq!(decide(&p, a, &r), Err(Denial::Hidden));
    }

    #[test]
    fn viewers_and_auditors_never_write(
        mut p in principal(),
        r in record(),
        a in write_action(),
        roles in proptest::sample::subsequence(vec![Role::Viewer, Role::Auditor], 0..=2),
    ) {
        p.roles = roles;
        prop_assert!(decide(&p, a, &r).is_err());
    }

    #[test]
    fn audit_entries_and_aggregates_are_never_written(
        p in principal(),
        mut r in record(),
        a in write_action(),
        kind in proptest::sample::select(&[RecordKind::AuditEntry, RecordKind::Statistics][..]),
    ) {
        r.kind = kind;
        prop_assert!(decide(&p, a, &r).is_err());
    }
}

fn registry_officer() -> Principal {
    Principal {
        user_id: "u1".into(),
        unit_id: "reg".into(),
        unit_kind: UnitKind::Registry,
        unit_state: None,
        roles: vec![Role::Officer],
    }
}

#[test]
fn a_registry_officer_edits_the_directory() {
    let r = RecordAccess::new(RecordKind::FocalPoint, Classification::Internal).about_state("ARG");
    assert_eq!(decide(&registry_officer(), Action::Update, &r), Ok(()));
}

#[test]
fn a_focal_point_reads_its_own_states_internal_contacts_but_cannot_edit_them() {
    let p = Principal {
        user_id: "u2".into(),
        unit_id: "fp-arg".into(),
        unit_kind: UnitKind::StateFocalPoint,
        unit_state: Some("ARG".into()),
        roles: vec![Role::Officer],
    };
    let own = RecordAccess::new(RecordKind::FocalPoint, Classification::Internal).about_state("ARG");
    assert_eq!(decide(&p, Action::Read, &own), Ok(()));
    assert_eq!(decide(&p, Action::Update, &own), Err(Denial::NotPermitted));
    let other = RecordAccess::new(RecordKind::FocalPoint, Classification::Internal).about_state("FRA");
    assert_eq!(decide(&p, Action::Read, &other), Err(Denial::Hidden));
}

#[test]
fn only_auditors_and_administrators_read_the_audit_trail() {
    let r = RecordAccess::new(RecordKind::AuditEntry, Classification::Internal);
    assert_eq!(decide(&registry_officer(), Action::Read, &r), Err(Denial::Hidden));
    let auditor = Principal { roles: vec![Role::Auditor], ..registry_officer() };
    assert_eq!(decide(&auditor, Action::Read, &r), Ok(()));
}
