//! Warrants and the persons they name, reported journeys, the actions taken with States, and
//! the non-compliance procedure: the rules that decide who is at large on a date, what an
//! alert's grading means, when a name is probably the same person, and when an Assembly step
//! is late.

use chrono::{Days, NaiveDate};

use crate::vocabulary;

vocabulary! {
    /// A warrant of arrest (art. 58(1)) or a summons to appear (art. 58(7)).
    WarrantKind {
        ArrestWarrant => "arrest_warrant",
        Summons => "summons",
    }
}

vocabulary! {
    /// Where the person named in a warrant stands.
    PersonStatus {
        AtLarge => "at_large",
        ProvisionallyArrested => "provisionally_arrested",
        Arrested => "arrested",
        Surrendered => "surrendered",
        InCustody => "in_custody",
        AppearedVoluntarily => "appeared_voluntarily",
        Deceased => "deceased",
        Withdrawn => "withdrawn",
    }
}

impl PersonStatus {
    /// Whether the warrant still waits for an arrest (paragraph 40 of the report counts these).
    pub fn is_at_large(self) -> bool {
        self == PersonStatus::AtLarge
    }

    /// Whether nothing further can follow: the warrant has done its work or lapsed.
    pub fn is_final(self) -> bool {
        matches!(self, PersonStatus::Deceased | PersonStatus::Withdrawn)
    }
}

/// One dated step of a warrant's history: what happened and the day it took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusStep {
    pub effective_on: NaiveDate,
    pub status: PersonStatus,
}

/// The status a warrant had at the end of `on`, or none if it was not yet issued. Steps are in
/// the order they were recorded; a step recorded later for the same day wins, and a step
/// recorded late with an earlier date takes its place in time.
pub fn status_on(issued_on: NaiveDate, steps: &[StatusStep], on: NaiveDate) -> Option<PersonStatus> {
    if issued_on > on {
        return None;
    }
    let mut current: Option<(NaiveDate, PersonStatus)> = None;
    for s in steps.iter().filter(|s| s.effective_on <= on) {
        if current.is_none_or(|(d, _)| s.effective_on >= d) {
            current = Some((s.effective_on, s.status));
        }
    }
    Some(current.map_or(PersonStatus::AtLarge, |(_, s)| s))
}

/// Whether an arrest warrant left its person at large on `on`. Summonses never do: their
/// person is asked to appear, not sought.
pub fn at_large_on(kind: WarrantKind, issued_on: NaiveDate, steps: &[StatusStep], on: NaiveDate) -> bool {
    kind == WarrantKind::ArrestWarrant && status_on(issued_on, steps, on).is_some_and(PersonStatus::is_at_large)
}

vocabulary! {
    /// What a State's own law allows for arrest and surrender to the Court, until the
    /// legislation database says more.
    SurrenderLaw {
        Implemented => "implemented",
        Partial => "partial",
        NoLaw => "none",
        Unknown => "unknown",
    }
}

vocabulary! {
    /// How a travel report reached the Court.
    AlertIntake {
        Form => "form",
        Api => "api",
        Mailbox => "mailbox",
    }
}

vocabulary! {
    /// An alert's progress: drafts wait for triage; a confirmed alert is acted on.
    AlertStatus {
        Draft => "draft",
        Confirmed => "confirmed",
        Dismissed => "dismissed",
        Closed => "closed",
    }
}

vocabulary! {
    /// What triage can do with an alert.
    AlertMove {
        Confirm => "confirm",
        Dismiss => "dismiss",
        Close => "close",
    }
}

impl AlertStatus {
    /// The moves open from this status: a draft is confirmed or dismissed; a confirmed alert
    /// is closed with its outcome, or dismissed if it proves false; the rest is history.
    pub fn moves(self) -> &'static [AlertMove] {
        match self {
            AlertStatus::Draft => &[AlertMove::Confirm, AlertMove::Dismiss],
            AlertStatus::Confirmed => &[AlertMove::Close, AlertMove::Dismiss],
            AlertStatus::Dismissed | AlertStatus::Closed => &[],
        }
    }

    /// Where a move leads, if it is open from here.
    pub fn after(self, m: AlertMove) -> Option<AlertStatus> {
        self.moves().contains(&m).then_some(match m {
            AlertMove::Confirm => AlertStatus::Confirmed,
            AlertMove::Dismiss => AlertStatus::Dismissed,
            AlertMove::Close => AlertStatus::Closed,
        })
    }
}

vocabulary! {
    /// The reliability of the source (the admiralty grading used by police services).
    SourceReliability {
        A => "A",
        B => "B",
        C => "C",
        D => "D",
        E => "E",
        F => "F",
    }
}

vocabulary! {
    /// The credibility of the information itself, from confirmed (1) to cannot be judged (6).
    InformationCredibility {
        Confirmed => "1",
        ProbablyTrue => "2",
        PossiblyTrue => "3",
        DoubtfullyTrue => "4",
        Improbable => "5",
        CannotBeJudged => "6",
    }
}

/// Days left before the expected arrival; negative once it has passed.
pub fn days_to_arrival(expected_from: NaiveDate, today: NaiveDate) -> i64 {
    (expected_from - today).num_days()
}

/// A name reduced to what survives transliteration: lower case without accents, particles
/// (al-, el-, bin, ...) dropped, and each word folded to its consonant skeleton, so that
/// "Omar Hassan Ahmad al-Bashir", "Umar Hasan Ahmed El Bashir" and "Omer el-Béchir" meet.
pub fn name_key(name: &str) -> Vec<String> {
    let folded: String = name.chars().map(fold_char).collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(strip_particle)
        .filter(|w| !w.is_empty() && !PARTICLES.contains(w))
        .map(skeleton)
        .filter(|w| !w.is_empty())
        .collect()
}

/// Particles that transliterations write joined, apart or not at all.
const PARTICLES: &[&str] = &["al", "el", "ul", "ibn", "bin", "ben", "bint", "abu", "de", "du", "da", "van", "von"];

fn strip_particle(w: &str) -> &str {
    for p in ["al", "el"] {
        // "albashir" is how "al-Bashir" arrives when the hyphen was lost.
        if let Some(rest) = w.strip_prefix(p) {
            if rest.chars().count() >= 4 {
                return rest;
            }
        }
    }
    w
}

fn fold_char(c: char) -> char {
    let lower = c.to_lowercase().next().unwrap_or(c);
    match lower {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        'ý' | 'ÿ' => 'y',
        'ḥ' => 'h',
        'ṣ' | 'š' | 'ş' => 's',
        'ṭ' => 't',
        'ḍ' => 'd',
        'ẓ' | 'ž' => 'z',
        'ʿ' | 'ʾ' | '\'' | '’' => '\u{0}',
        other => other,
    }
}

/// The consonants of a word, with the spellings transliterations disagree on made one.
fn skeleton(word: &str) -> String {
    let w = word
        .replace('\u{0}', "")
        .replace("kh", "k")
        .replace("gh", "g")
        .replace("sh", "s")
        .replace("ch", "s")
        .replace("dj", "j")
        .replace("ph", "f")
        .replace("th", "t")
        .replace("dh", "d")
        .replace("ou", "u");
    let mut out = String::new();
    let mut last = None;
    for c in w.chars() {
        let c = match c {
            'q' | 'c' | 'g' => 'k',
            'v' => 'f',
            'y' => 'i',
            'w' => 'u',
            other => other,
        };
        if matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'h') {
            // Vowels and a soft h are where transliterations differ most; keep only a
            // leading vowel's presence.
            if out.is_empty() && last.is_none() {
                out.push('_');
            }
            last = Some(c);
            continue;
        }
        if last != Some(c) {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// How far a reported name agrees with a known one: the share of the shorter name's words
/// found in the other, as a whole percentage.
pub fn name_agreement(a: &[String], b: &[String]) -> u8 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0;
    }
    let found = short.iter().filter(|w| long.contains(w)).count();
    u8::try_from(found * 100 / short.len()).unwrap_or(100)
}

/// A reported name is worth an officer's look when every word of the shorter name, and at
/// least two words, appear in the other.
pub fn names_may_match(reported: &str, known: &str) -> bool {
    let (a, b) = (name_key(reported), name_key(known));
    a.len().min(b.len()) >= 2 && name_agreement(&a, &b) == 100
}

vocabulary! {
    /// An action taken with a State or an organisation.
    DemarcheKind {
        NoteVerbale => "note_verbale",
        Meeting => "meeting",
        Call => "call",
        Letter => "letter",
    }
}

vocabulary! {
    /// The Statute provision a Chamber's finding of non-compliance rests on.
    FindingBasis {
        Art87_7 => "art_87_7",
        Art87_5b => "art_87_5_b",
    }
}

vocabulary! {
    /// Where a finding is referred.
    Referral {
        Assembly => "assembly",
        SecurityCouncil => "security_council",
        NotReferred => "not_referred",
    }
}

vocabulary! {
    /// The steps of the Assembly's procedure on non-cooperation (ICC-ASP/10/Res.5, annex).
    AssemblyStep {
        GoodOffices => "good_offices",
        BureauMeeting => "bureau_meeting",
        OpenLetter => "open_letter",
        StateReply => "state_reply",
        PublicMeeting => "public_meeting",
        Plenary => "plenary",
    }
}

vocabulary! {
    StepStatus {
        Pending => "pending",
        Done => "done",
        Skipped => "skipped",
    }
}

/// Days the State is given to reply to the President's open letter, unless configured.
pub const OPEN_LETTER_REPLY_DAYS: u64 = 14;

impl AssemblyStep {
    /// When the step is due, counted from the referral; the State's reply counts from the day
    /// the open letter went out, once it has. The plenary waits for the Assembly's session,
    /// which the officer dates.
    pub fn due_on(
        self,
        referred_on: NaiveDate,
        letter_sent_on: Option<NaiveDate>,
        reply_days: u64,
    ) -> Option<NaiveDate> {
        let after = |from: NaiveDate, days: u64| from.checked_add_days(Days::new(days));
        match self {
            AssemblyStep::BureauMeeting => after(referred_on, 7),
            AssemblyStep::GoodOffices | AssemblyStep::OpenLetter => after(referred_on, 14),
            AssemblyStep::StateReply => after(letter_sent_on.or(after(referred_on, 14))?, reply_days),
            AssemblyStep::PublicMeeting => after(after(letter_sent_on.or(after(referred_on, 14))?, reply_days)?, 30),
            AssemblyStep::Plenary => None,
        }
    }
}

/// A step is overdue when it is still pending after its due day.
pub fn step_overdue(status: StepStatus, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    status == StepStatus::Pending && due_on.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests;
