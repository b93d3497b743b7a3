use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn step(on: &str, status: PersonStatus) -> StatusStep {
    StatusStep { effective_on: d(on), status }
}

#[test]
fn a_warrant_is_at_large_from_its_issue_until_the_arrest() {
    let steps =
        [step("2020-03-01", PersonStatus::ProvisionallyArrested), step("2020-04-10", PersonStatus::Surrendered)];
    let issued = d("2019-06-15");
    assert_eq!(status_on(issued, &steps, d("2019-06-14")), None);
    assert!(!at_large_on(WarrantKind::ArrestWarrant, issued, &steps, d("2019-06-14")));
    assert!(at_large_on(WarrantKind::ArrestWarrant, issued, &steps, d("2019-06-15")));
    assert!(at_large_on(WarrantKind::ArrestWarrant, issued, &steps, d("2020-02-29")));
    assert_eq!(status_on(issued, &steps, d("2020-03-01")), Some(PersonStatus::ProvisionallyArrested));
    assert_eq!(status_on(issued, &steps, d("2021-01-01")), Some(PersonStatus::Surrendered));
    assert!(!at_large_on(WarrantKind::Summons, issued, &[], d("2021-01-01")));
}

#[test]
fn a_step_recorded_late_takes_its_place_in_time() {
    // The arrest was entered after the surrender, dated before it.
    let steps = [step("2020-04-10", PersonStatus::Surrendered), step("2020-03-01", PersonStatus::Arrested)];
    assert_eq!(status_on(d("2019-01-01"), &steps, d("2020-03-15")), Some(PersonStatus::Arrested));
    assert_eq!(status_on(d("2019-01-01"), &steps, d("2020-05-01")), Some(PersonStatus::Surrendered));
}

#[test]
fn a_release_puts_the_person_at_large_again() {
    let steps = [step("2020-03-01", PersonStatus::ProvisionallyArrested), step("2020-05-05", PersonStatus::AtLarge)];
    assert!(at_large_on(WarrantKind::ArrestWarrant, d("2019-01-01"), &steps, d("2020-06-01")));
}

#[test]
fn transliterations_of_one_name_match() {
    assert!(names_may_match("Umar Hasan Ahmed El Bashir", "Omar Hassan Ahmad al-Bashir"));
    assert!(names_may_match("Omer el-Béchir", "Omar Hassan Ahmad Al Bashir"));
    assert!(names_may_match("Saif al-Islam Gaddafi", "Saif Al-Islam Qadhafi"));
    assert!(names_may_match("Joseph KONY", "Joseph Kony"));
    assert!(names_may_match("Mouammar Kadhafi", "Muammar Gaddafi"));
}

#[test]
fn different_people_do_not_match() {
    assert!(!names_may_match("Joseph Kony", "Vincent Otti"));
    assert!(!names_may_match("Ahmad Harun", "Ali Kushayb"));
    // One shared word is not enough.
    assert!(!names_may_match("Ahmad", "Ahmad Harun"));
    assert!(!names_may_match("Ahmad Musa", "Ahmad Harun"));
}

#[test]
fn the_assembly_clock_counts_the_reply_from_the_letter() {
    let referred = d("2024-10-24");
    assert_eq!(AssemblyStep::BureauMeeting.due_on(referred, None, 14), Some(d("2024-10-31")));
    assert_eq!(AssemblyStep::OpenLetter.due_on(referred, None, 14), Some(d("2024-11-07")));
    assert_eq!(AssemblyStep::StateReply.due_on(referred, None, 14), Some(d("2024-11-21")));
    assert_eq!(AssemblyStep::StateReply.due_on(referred, Some(d("2024-11-01")), 14), Some(d("2024-11-15")));
    assert_eq!(AssemblyStep::StateReply.due_on(referred, Some(d("2024-11-01")), 21), Some(d("2024-11-22")));
    assert_eq!(AssemblyStep::Plenary.due_on(referred, None, 14), None);
    assert!(step_overdue(StepStatus::Pending, Some(d("2024-11-15")), d("2024-11-16")));
    assert!(!step_overdue(StepStatus::Pending, Some(d("2024-11-15")), d("2024-11-15")));
    assert!(!step_overdue(StepStatus::Done, Some(d("2024-11-15")), d("2024-12-01")));
    assert!(!step_overdue(StepStatus::Pending, None, d("2030-01-01")));
}

fn any_status() -> impl Strategy<Value = PersonStatus> {
    proptest::sample::select(PersonStatus::ALL.to_vec())
}

proptest! {
    /// Whatever order the steps were recorded in, the status on a day is the one of the
    /// latest step on or before it (the last recorded among those of the same day).
    #[test]
    fn status_on_a_day_is_the_latest_step_before_it(
        offsets in proptest::collection::vec((0u64..400, any_status()), 0..12),
        probe in 0u64..450,
    ) {
        let issued = d("2020-01-01");
        let steps: Vec<StatusStep> = offsets
            .iter()
            .map(|(o, s)| StatusStep { effective_on: issued + chrono::Days::new(*o), status: *s })
            .collect();
        let on = issued + chrono::Days::new(probe);
        let expected = steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.effective_on <= on)
            .max_by_key(|(i, s)| (s.effective_on, *i))
            .map_or(PersonStatus::AtLarge, |(_, s)| s.status);
        prop_assert_eq!(status_on(issued, &steps, on), Some(expected));
        prop_assert_eq!(status_on(issued, &steps, issued - chrono::Days::new(1)), None);
    }

    /// A name always matches itself, however it is cased or accented.
    #[test]
    fn a_name_matches_itself(first in "[A-Za-z]{3,10}", last in "[A-Za-z]{3,10}") {
        let name = format!("{first} {last}");
        prop_assert!(names_may_match(&name, &name.to_uppercase()));
    }
}

proptest! {
    /// Whatever triage does, an alert is confirmed only from a draft, and once dismissed or
    /// closed nothing moves it again.
    #[test]
    fn alert_moves_never_reopen_an_alert(moves in proptest::collection::vec(proptest::sample::select(AlertMove::ALL.to_vec()), 0..10)) {
        let mut status = AlertStatus::Draft;
        let mut confirmed = 0;
        for m in moves {
            let before = status;
            match status.after(m) {
                Some(next) => {
                    prop_assert!(!matches!(before, AlertStatus::Dismissed | AlertStatus::Closed));
                    if next == AlertStatus::Confirmed {
                        prop_assert_eq!(before, AlertStatus::Draft);
                        confirmed += 1;
                    }
                    status = next;
                }
                None => prop_assert!(!before.moves().contains(&m)),
            }
        }
        prop_assert!(confirmed <= 1);
        if matches!(status, AlertStatus::Dismissed | AlertStatus::Closed) {
            prop_assert!(status.moves().is_empty());
        }
    }
}
