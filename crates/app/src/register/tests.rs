use chrono::TimeZone;

use super::*;

fn row(n: i64, title: &str) -> RegisterRow {
    RegisterRow {
        id: format!("req-{n:03}"),
        reference: format!("ICC-R-2025-{n:03}"),
        title: title.into(),
        purpose: "Assistance requested".into(),
        direction: "outgoing".into(),
        organ: "registry".into(),
        on_behalf_of: "chamber".into(),
        partner_id: "KEN".into(),
        situation: "Situation X".into(),
        status: "transmitted".into(),
        classification: "public".into(),
        owner_unit_id: "u-registry".into(),
        acting_for_unit_id: None,
        chamber_unit_id: None,
        transmitting_unit_id: "u-registry".into(),
        responsible_user_id: None,
        created_by: "user-1".into(),
        deadline: None,
        transmitted_on: None,
        kind: "primary".into(),
        urgency: "normal".into(),
        first_response_on: None,
        executed_on: None,
        imported_at: None,
        updated_at: Utc.timestamp_opt(1_700_000_000 + n, 0).single().expect("time"),
        change_seq: n,
        line_types: "a93_1_b_take_evidence".into(),
    }
}

fn all() -> RequestFilter {
    RequestFilter { limit: 50, ..RequestFilter::default() }
}

#[test]
fn words_are_letters_and_digits_in_lower_case_without_diacritics() {
    let words: Vec<String> = words_of("ICC-01/04 Côte d'Ivoire, ÉTAT").collect();
    assert_eq!(words, ["icc", "01", "04", "cote", "d", "ivoire", "etat"]);
}

#[test]
fn search_matches_every_word_as_a_prefix_and_follows_edits() {
    let r = Register::default();
    r.apply(vec![
        row(1, "Exhumation of the Kibera graves"),
        row(2, "Forensic reports of the Kibera graves"),
        row(3, "Banking records"),
    ]);
    let find = |words: &[&str]| {
        r.find(&Actor::operator(), &RequestFilter { words: words.iter().map(|w| (*w).into()).collect(), ..all() })
    };
    let found = find(&["kibera"]);
    let mut kibera = found.ids();
    kibera.sort();
    assert_eq!(kibera, ["req-001", "req-002"]);
    assert_eq!(find(&["exhum", "grave"]).ids(), ["req-001"], "prefixes, all words");
    assert_eq!(find(&["KIBÉRA", "forensic"]).ids(), ["req-002"], "case and accents do not matter");
    assert_eq!(find(&["icc", "2025", "003"]).ids(), ["req-003"], "the reference is searched too");
    assert_eq!(find(&["zanzibar"]).total, 0);

    // An edit replaces the words: the old title no longer matches, the new one does.
    r.apply(vec![RegisterRow { change_seq: 4, ..row(1, "Freezing of assets") }]);
    assert_eq!(find(&["exhumation"]).ids(), Vec::<&str>::new());
    assert_eq!(find(&["assets"]).ids(), ["req-001"]);
    // A late read of an older version does not undo it.
    r.apply(vec![RegisterRow { change_seq: 1, ..row(1, "Exhumation of the Kibera graves") }]);
    assert_eq!(find(&["assets"]).ids(), ["req-001"]);
    assert_eq!(r.seq(), 4);
}

#[test]
fn undated_requests_come_last_in_either_direction_and_pages_are_stable() {
    let r = Register::default();
    let d = |s: &str| Some(s.parse::<NaiveDate>().expect("date"));
    r.apply(vec![
        RegisterRow { deadline: d("2026-03-01"), ..row(1, "a") },
        RegisterRow { deadline: None, ..row(2, "b") },
        RegisterRow { deadline: d("2026-01-01"), ..row(3, "c") },
        RegisterRow { deadline: d("2026-01-01"), ..row(4, "d") },
        RegisterRow { deadline: None, ..row(5, "e") },
    ]);
    let by_deadline = |descending: bool, offset: i64, limit: i64| {
        r.find(&Actor::operator(), &RequestFilter { sort: RequestSort::Deadline, descending, offset, limit, ..all() })
    };
    assert_eq!(by_deadline(false, 0, 10).ids(), ["req-003", "req-004", "req-001", "req-002", "req-005"]);
    assert_eq!(by_deadline(true, 0, 10).ids(), ["req-001", "req-004", "req-003", "req-005", "req-002"]);
    let page = by_deadline(false, 2, 2);
    assert_eq!((page.ids(), page.total), (vec!["req-001", "req-002"], 5));
    assert_eq!(by_deadline(false, 10, 2).ids(), Vec::<&str>::new(), "past the end");
    let latest = r.find(&Actor::operator(), &RequestFilter { descending: true, limit: 2, ..all() });
    assert_eq!(latest.ids(), ["req-005", "req-004"], "most recently updated first");
}

#[test]
fn filters_combine_and_unknown_values_match_nothing() {
    let r = Register::default();
    let d = |s: &str| Some(s.parse::<NaiveDate>().expect("date"));
    r.apply(vec![
        RegisterRow { deadline: d("2026-01-10"), ..row(1, "open, overdue") },
        RegisterRow { deadline: d("2026-01-10"), status: "executed".into(), ..row(2, "closed") },
        RegisterRow { deadline: d("2026-02-10"), partner_id: "UGA".into(), ..row(3, "open, not yet due") },
        RegisterRow { transmitted_on: d("2025-06-01"), line_types: "transit,arrest_surrender".into(), ..row(4, "x") },
    ]);
    let find = |f: RequestFilter| r.find(&Actor::operator(), &f);
    let overdue = find(RequestFilter { overdue_on: d("2026-02-01"), ..all() });
    assert_eq!(overdue.ids(), ["req-001"], "closed requests are never overdue");
    let due = find(RequestFilter { due_between: Some((d("2026-02-01").unwrap(), d("2026-02-28").unwrap())), ..all() });
    assert_eq!(due.ids(), ["req-003"]);
    assert_eq!(find(RequestFilter { partner_id: Some("UGA".into()), ..all() }).ids(), ["req-003"]);
    assert_eq!(find(RequestFilter { partner_id: Some("FRA".into()), ..all() }).total, 0, "a partner with none");
    assert_eq!(find(RequestFilter { line_type: Some("transit".into()), ..all() }).ids(), ["req-004"]);
    let year = find(RequestFilter { from: d("2025-01-01"), to: d("2025-12-31"), ..all() });
    assert_eq!(year.ids(), ["req-004"], "a period leaves out what was never sent");
    let statuses = find(RequestFilter { statuses: vec!["executed".into(), "refused".into()], ..all() });
    assert_eq!(statuses.ids(), ["req-002"]);
    assert_eq!(find(RequestFilter { statuses: vec!["refused".into()], ..all() }).total, 0);
}

#[test]
fn the_policy_decides_what_is_counted() {
    let r = Register::default();
    r.apply(vec![
        row(1, "public"),
        RegisterRow { classification: "sealed".into(), ..row(2, "sealed, drafted by someone else") },
    ]);
    // The operator is no one named on the sealed request: it is neither listed nor counted.
    let found = r.find(&Actor::operator(), &all());
    assert_eq!((found.ids(), found.total), (vec!["req-001"], 1));
}

#[test]
fn the_best_candidates_are_those_a_full_sort_puts_first() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for k in [0, 1, 7, 50, 300, 2_000] {
        let all: Vec<Candidate> =
            (0..3_000u32).map(|slot| ((next() % 500) as i64, u128::from(next() % 3), slot)).collect();
        let order = |a: &Candidate, b: &Candidate| a.cmp(b).reverse();
        let mut best = Best::new(k, order);
        all.iter().for_each(|c| best.offer(*c));
        let mut sorted = all.clone();
        sorted.sort_by(order);
        sorted.truncate(k);
        assert_eq!(best.into_sorted(), sorted, "k = {k}");
    }
}

#[test]
fn a_changed_status_partner_or_line_type_moves_the_request_between_filters() {
    let r = Register::default();
    r.apply(vec![row(1, "a"), row(2, "b")]);
    let find =
        |f: RequestFilter| -> Vec<String> { r.find(&Actor::operator(), &f).rows.into_iter().map(|r| r.id).collect() };
    let d = |s: &str| Some(s.parse::<NaiveDate>().expect("date"));
    r.apply(vec![RegisterRow { transmitted_on: d("2024-12-30"), change_seq: 3, ..row(2, "b") }]);
    r.apply(vec![RegisterRow {
        status: "executed".into(),
        partner_id: "UGA".into(),
        line_types: "transit".into(),
        change_seq: 4,
        ..row(1, "a")
    }]);
    let year = |y: i32| RequestFilter {
        from: NaiveDate::from_ymd_opt(y, 1, 1),
        to: NaiveDate::from_ymd_opt(y, 12, 31),
        ..all()
    };
    assert_eq!(find(year(2024)), ["req-002"]);
    r.apply(vec![RegisterRow { transmitted_on: d("2025-01-02"), change_seq: 5, ..row(2, "b") }]);
    assert_eq!(find(year(2024)), Vec::<String>::new(), "a corrected date leaves the old year");
    assert_eq!(find(year(2025)), ["req-002"]);
    let span = RequestFilter { from: d("2024-06-01"), to: d("2025-01-01"), ..all() };
    assert_eq!(find(span), Vec::<String>::new(), "the years' lists are still checked on the dates");
    assert_eq!(find(RequestFilter { statuses: vec!["transmitted".into()], ..all() }), ["req-002"]);
    assert_eq!(find(RequestFilter { statuses: vec!["executed".into()], ..all() }), ["req-001"]);
    assert_eq!(find(RequestFilter { partner_id: Some("KEN".into()), ..all() }), ["req-002"]);
    assert_eq!(find(RequestFilter { partner_id: Some("UGA".into()), ..all() }), ["req-001"]);
    assert_eq!(find(RequestFilter { line_type: Some("a93_1_b_take_evidence".into()), ..all() }), ["req-002"]);
    assert_eq!(find(RequestFilter { line_type: Some("transit".into()), ..all() }), ["req-001"]);
    let both = find(RequestFilter {
        statuses: vec!["executed".into(), "transmitted".into()],
        partner_id: Some("UGA".into()),
        ..all()
    });
    assert_eq!(both, ["req-001"], "the smallest list is visited, every filter still applies");
}

#[test]
fn a_page_row_carries_what_the_list_shows() {
    let r = Register::default();
    let d = |s: &str| Some(s.parse::<NaiveDate>().expect("date"));
    r.apply(vec![RegisterRow {
        line_types: "transit,a93_1_b_take_evidence,transit".into(),
        deadline: d("2026-01-10"),
        executed_on: d("2026-01-05"),
        imported_at: Some(Utc.timestamp_opt(1_600_000_000, 0).single().expect("time")),
        urgency: "urgent".into(),
        ..row(7, "Transit of a witness")
    }]);
    let found = r.find(&Actor::operator(), &all());
    assert_eq!(found.total, 1);
    let listed = &found.rows[0];
    assert_eq!(
        (listed.id.as_str(), listed.reference.as_str(), listed.title.as_str(), listed.urgency.as_str()),
        ("req-007", "ICC-R-2025-007", "Transit of a witness", "urgent")
    );
    assert_eq!(listed.line_types, ["transit", "a93_1_b_take_evidence", "transit"], "in the order of the lines");
    assert_eq!((listed.deadline, listed.executed_on, listed.imported), (d("2026-01-10"), d("2026-01-05"), true));
    assert_eq!(listed.updated_at, row(7, "").updated_at);
    let types = |t: &str| r.find(&Actor::operator(), &RequestFilter { line_type: Some(t.into()), ..all() }).total;
    assert_eq!((types("transit"), types("a93_1_b_take_evidence"), types("mission_support")), (1, 1, 0));
}

#[test]
fn the_filtering_fields_stay_compact() {
    // A pass over every request reads these; growing them slows every unfiltered list.
    assert!(std::mem::size_of::<Entry>() <= 56, "{} bytes", std::mem::size_of::<Entry>());
}
