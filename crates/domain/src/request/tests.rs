//! Property tests of the request lifecycle and the move rules.

use super::*;
use proptest::prelude::*;

fn direction() -> impl Strategy<Value = Direction> {
    proptest::sample::select(Direction::ALL)
}

fn status() -> impl Strategy<Value = Status> {
    proptest::sample::select(Status::ALL)
}

fn a_move() -> impl Strategy<Value = Move> {
    proptest::sample::select(Move::ALL)
}

/// The states a request of this direction can ever be in, from its first state.
fn reachable(direction: Direction) -> Vec<Status> {
    let start = match direction {
        Direction::Outgoing => Status::Draft,
        Direction::Incoming => Status::Received,
    };
    let mut seen = vec![start];
    let mut i = 0;
    while i < seen.len() {
        for m in Move::ALL {
            for resume in std::iter::once(None).chain(seen.clone().into_iter().map(Some)) {
                if let Some(to) = target(direction, seen[i], *m, resume) {
                    if !seen.contains(&to) {
                        seen.push(to);
                    }
                }
            }
        }
        i += 1;
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// An invalid move names exactly the moves that would have been accepted.
    #[test]
    fn a_refused_move_lists_the_moves_that_are_open(d in direction(), from in status(), m in a_move()) {
        match next(d, from, m, None) {
            Ok(to) => prop_assert_eq!(Some(to), target(d, from, m, None)),
            Err(e) => {
                prop_assert!(!e.allowed.contains(&m));
                for allowed in &e.allowed {
                    prop_assert!(target(d, from, *allowed, None).is_some());
                }
                prop_assert_eq!(e.allowed, moves_from(d, from));
            }
        }
    }

    /// Nothing leaves a terminal state, and executed, withdrawn and answered are terminal.
    #[test]
    fn terminal_states_are_final(d in direction(), m in a_move()) {
        for s in [Status::Executed, Status::Withdrawn, Status::Answered] {
            prop_assert!(target(d, s, m, None).is_none());
        }
    }

    /// A request never goes back to draft once it has left the Court.
    #[test]
    fn a_sent_request_never_returns_to_draft(d in direction(), from in status(), m in a_move()) {
        if from.is_sent() {
            prop_assert_ne!(target(d, from, m, None), Some(Status::Draft));
        }
    }

    /// Only approval leads to transmission, and only transmission leaves the Court.
    #[test]
    fn only_an_approved_request_is_transmitted(from in status(), m in a_move()) {
        if let Some(to) = target(Direction::Outgoing, from, m, None) {
            if to.is_sent() && !from.is_sent() {
                prop_assert_eq!((from, m), (Status::Approved, Move::Transmit));
            }
        }
    }

    /// Each direction stays within its own states.
    #[test]
    fn directions_do_not_mix(d in direction(), from in status(), m in a_move()) {
        let own = reachable(d);
        if own.contains(&from) {
            if let Some(to) = target(d, from, m, None) {
                prop_assert!(own.contains(&to), "{d} {from} --{m}--> {to}");
            }
        }
    }

    /// Users who cannot write, and observers, never move a request.
    #[test]
    fn readers_never_move_requests(m in a_move(), d in direction(), owner_is_me in any::<bool>()) {
        let p = Principal {
            user_id: "u".into(),
            unit_id: "reg".into(),
            unit_kind: UnitKind::Registry,
            unit_state: None,
            roles: vec![Role::Viewer, Role::Auditor],
        };
        let parties = Parties {
            direction: d,
            on_behalf_of: OnBehalfOf::Registry,
            owner_unit: if owner_is_me { "reg".into() } else { "other".into() },
            acting_for_unit: None,
            partner_state: Some("ARG".into()),
        };
        prop_assert!(!may_move(&p, m, &parties));
    }

    /// A focal point answers for its own State only, and never drafts, approves or sends.
    #[test]
    fn focal_points_answer_for_their_own_state_only(m in a_move(), state in proptest::sample::select(&["ARG", "FRA"][..])) {
        let p = Principal {
            user_id: "fp".into(),
            unit_id: "fp-arg".into(),
            unit_kind: UnitKind::StateFocalPoint,
            unit_state: Some("ARG".into()),
            roles: vec![Role::Officer, Role::Approver],
        };
        let parties = Parties {
            direction: Direction::Outgoing,
            on_behalf_of: OnBehalfOf::Chamber,
            owner_unit: "reg".into(),
            acting_for_unit: Some("chambers".into()),
            partner_state: Some(state.into()),
        };
        let allowed = may_move(&p, m, &parties);
        prop_assert_eq!(allowed, state == "ARG" && m.is_partner_response());
    }

    /// Rule 176: only the OTP transmits its requests, only the Registry the others.
    #[test]
    fn the_right_organ_transmits(behalf in proptest::sample::select(OnBehalfOf::ALL), kind in proptest::sample::select(UnitKind::ALL)) {
        let p = Principal {
            user_id: "u".into(),
            unit_id: "x".into(),
            unit_kind: kind,
            unit_state: None,
            roles: vec![Role::Officer],
        };
        let parties = Parties {
            direction: Direction::Outgoing,
            on_behalf_of: behalf,
            owner_unit: "x".into(),
            acting_for_unit: None,
            partner_state: None,
        };
        let expected = match behalf {
            OnBehalfOf::Prosecution => kind == UnitKind::Otp,
            _ => kind == UnitKind::Registry,
        };
        prop_assert_eq!(may_move(&p, Move::Transmit, &parties), expected);
    }
}

#[test]
fn the_lifecycle_runs_from_draft_to_execution() {
    let d = Direction::Outgoing;
    let mut s = Status::Draft;
    for m in [
        Move::Approve,
        Move::Transmit,
        Move::Acknowledge,
        Move::StartExecution,
        Move::RecordPartialExecution,
        Move::RecordExecution,
    ] {
        s = next(d, s, m, None).expect("allowed");
    }
    assert_eq!(s, Status::Executed);
    assert!(is_terminal(d, s));
    let e = next(d, s, Move::Withdraw, None).expect_err("terminal");
    assert!(e.allowed.is_empty());
}

#[test]
fn a_consultation_returns_to_the_state_it_interrupted() {
    let d = Direction::Outgoing;
    let from = Status::InExecution;
    let to = next(d, from, Move::OpenConsultation, None).expect("allowed");
    let resume = interrupted_state(from, to);
    assert_eq!(resume, Some(Status::InExecution));
    assert_eq!(next(d, to, Move::ConcludeConsultation, resume), Ok(Status::InExecution));
}

#[test]
fn checklists_name_every_missing_point() {
    let empty = BTreeMap::new();
    let mut arrest = BTreeMap::new();
    arrest.insert("person_description".to_owned(), "A. B., born 1970".to_owned());
    let d = DraftContent {
        purpose: "",
        facts: " ",
        lines: vec![(LineType::ProvisionalArrest, &arrest), (LineType::TakeEvidence, &empty)],
    };
    let missing = missing_items(&d);
    let keys: Vec<_> = missing.iter().map(|m| (m.line, m.key)).collect();
    assert!(keys.contains(&(None, "purpose")));
    assert!(keys.contains(&(None, "facts")));
    assert!(!keys.contains(&(Some(0), "person_description")));
    assert!(keys.contains(&(Some(0), "surrender_request_to_follow")));
    assert!(keys.contains(&(Some(1), "assistance_sought")));
    let none = DraftContent { purpose: "p", facts: "f", lines: vec![] };
    assert_eq!(missing_items(&none), vec![MissingItem { line: None, key: "lines", provision: "art. 96(2)(a)" }]);
}

#[test]
fn rule_188_gives_sixty_days() {
    let d = NaiveDate::from_ymd_opt(2024, 1, 10).expect("date");
    assert_eq!(rule_188_due(d), NaiveDate::from_ymd_opt(2024, 3, 10).expect("date"));
}

#[test]
fn percentiles_use_the_nearest_rank() {
    assert_eq!(median_and_p90(&mut []), None);
    assert_eq!(median_and_p90(&mut [5]), Some((5.0, 5)));
    assert_eq!(median_and_p90(&mut [10, 1, 4, 3]), Some((3.5, 10)));
    let mut v: Vec<i64> = (1..=20).collect();
    assert_eq!(median_and_p90(&mut v), Some((10.5, 18)));
}

#[test]
fn footnote_7_exclusions() {
    let excluded: Vec<_> =
        LineType::ALL.iter().filter(|t| t.excluded_from_registry_total()).map(|t| t.code()).collect();
    assert_eq!(excluded, ["notification_judicial_documents", "mission_support", "agreement_related"]);
}
