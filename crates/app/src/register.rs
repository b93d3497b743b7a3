//! The register index: every request's list fields held in memory, so that a page of the
//! request list (filtered, searched, sorted, counted, and limited to what the reader may see)
//! costs a pass over compact entries instead of a query plan per combination of filters.
//!
//! The database stays the only source of truth. The index follows it through the change
//! sequence (`requests.change_seq`): before answering, it reads whatever changed since the
//! highest change it has applied, whoever wrote it (this server, another instance, the
//! command line). Visibility is decided by the access policy itself, once per distinct
//! audience (classification, units and people a request is shared with), not by an SQL twin of
//! it. The page's rows come from the index too, as of the change it has just caught up with.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use comity_domain::{
    access::{Action, RecordAccess, RecordKind},
    request::Status,
};
use comity_store::{requests::RegisterRow, Executor};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use crate::{requests::classification_of, Actor, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestSort {
    #[default]
    Updated,
    Reference,
    Deadline,
    Transmitted,
    Title,
    Status,
}

/// What a list asks of the register.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub direction: Option<String>,
    pub organ: Option<String>,
    pub on_behalf_of: Option<String>,
    pub partner_id: Option<String>,
    pub line_type: Option<String>,
    pub statuses: Vec<String>,
    /// Open requests whose deadline is before this date.
    pub overdue_on: Option<NaiveDate>,
    /// Open requests whose deadline falls between these dates (inclusive).
    pub due_between: Option<(NaiveDate, NaiveDate)>,
    pub situation: Option<String>,
    /// Transmitted (or received) on or after / on or before.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub responsible_user_id: Option<String>,
    /// Words that must all appear, as prefixes of words, in the reference, title or purpose.
    pub words: Vec<String>,
    pub sort: RequestSort,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// Who may read a request: everything the access policy decides on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Audience {
    pub classification: String,
    pub owner_unit: String,
    pub acting_for_unit: Option<String>,
    pub chamber_unit: Option<String>,
    pub transmitting_unit: String,
    pub for_defence: bool,
    /// The partner, once it knows of the request: sent (or received), or shared with it
    /// for comment as a draft.
    pub partner_informed: Option<String>,
    pub created_by: String,
    pub responsible_user: Option<String>,
}

/// The audience of a request as any of its row types carries it (the request, its list row,
/// its register row): they name the fields the same way.
macro_rules! audience_of {
    ($row:expr) => {{
        let r = $row;
        $crate::register::Audience {
            classification: r.classification.clone(),
            owner_unit: r.owner_unit_id.clone(),
            acting_for_unit: r.acting_for_unit_id.clone(),
            chamber_unit: r.chamber_unit_id.clone(),
            transmitting_unit: r.transmitting_unit_id.clone(),
            for_defence: r.on_behalf_of == comity_domain::request::OnBehalfOf::Defence.code(),
            partner_informed: comity_domain::request::known_to_partner(&r.status, r.transmitted_on.is_some())
                .then(|| r.partner_id.clone()),
            created_by: r.created_by.clone(),
            responsible_user: r.responsible_user_id.clone(),
        }
    }};
}
pub(crate) use audience_of;

impl Audience {
    pub fn access(&self, kind: RecordKind) -> RecordAccess {
        let mut a = RecordAccess::new(kind, classification_of(&self.classification))
            .shared_with(
                [self.acting_for_unit.clone(), self.chamber_unit.clone(), Some(self.transmitting_unit.clone())]
                    .into_iter()
                    .flatten(),
            )
            .for_defence(self.for_defence);
        a.owner_unit = Some(self.owner_unit.clone());
        if let Some(state) = &self.partner_informed {
            a = a.about_state(state.clone());
        }
        a.named_users = [Some(self.created_by.clone()), self.responsible_user.clone()].into_iter().flatten().collect();
        a
    }
}

/// Splits text into the words the register indexes and searches: letters and digits, lower
/// case, without diacritics, so that "Côte" finds "cote" and `ICC-01/04` is `icc`, `01`, `04`.
pub fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect())
}

type Sym = u32;

/// Strings stored once: statuses, partners, units, people, situations, line types, words.
#[derive(Default)]
struct Symbols {
    ids: HashMap<Box<str>, Sym>,
    names: Vec<Box<str>>,
}

impl Symbols {
    fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as Sym;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    fn get(&self, s: &str) -> Option<Sym> {
        self.ids.get(s).copied()
    }

    fn name(&self, id: Sym) -> &str {
        &self.names[id as usize]
    }
}

/// What a list filters and sorts on, kept apart from the rest so that a pass over every
/// request reads as little memory as possible (56 bytes an entry).
struct Entry {
    direction: Sym,
    organ: Sym,
    on_behalf_of: Sym,
    partner: Sym,
    situation: Sym,
    status: Sym,
    /// `NOBODY` when no one is.
    responsible: Sym,
    audience: u32,
    deadline: Option<NaiveDate>,
    transmitted_on: Option<NaiveDate>,
    updated_micros: i64,
    open: bool,
}

const NOBODY: Sym = Sym::MAX;

/// What only the page, a line-type filter, the sort on text or an edit needs.
struct Cold {
    id: Box<str>,
    reference: Box<str>,
    title: Box<str>,
    kind: Sym,
    urgency: Sym,
    classification: Sym,
    first_response_on: Option<NaiveDate>,
    executed_on: Option<NaiveDate>,
    imported: bool,
    /// In the order of the lines.
    line_types: Box<[Sym]>,
    change_seq: i64,
    /// The distinct words of its reference, title and purpose (ids in `Index::postings`).
    words: Box<[Sym]>,
}

/// A request as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub direction: String,
    pub organ: String,
    pub on_behalf_of: String,
    pub kind: String,
    pub partner_id: String,
    pub situation: String,
    pub urgency: String,
    pub status: String,
    pub classification: String,
    pub deadline: Option<NaiveDate>,
    pub transmitted_on: Option<NaiveDate>,
    pub first_response_on: Option<NaiveDate>,
    pub executed_on: Option<NaiveDate>,
    pub imported: bool,
    pub updated_at: DateTime<Utc>,
    pub line_types: Vec<String>,
}

#[derive(Default)]
struct Index {
    /// The highest change applied; negative until the first load.
    seq: i64,
    entries: Vec<Entry>,
    /// The first bytes of each entry's id, so that most ties in a sort are broken without
    /// reading the id.
    id_prefixes: Vec<u128>,
    cold: Vec<Cold>,
    by_id: HashMap<Box<str>, u32>,
    symbols: Symbols,
    /// Each distinct audience once, with what the policy is asked about it.
    audiences: Vec<RecordAccess>,
    audience_ids: HashMap<Audience, u32>,
    /// Every word, for prefix searches, with the entries that contain it (ascending).
    vocabulary: BTreeMap<Box<str>, Sym>,
    postings: Vec<Vec<u32>>,
    /// The entries with each partner, status, line type and year of transmission
    /// (ascending), so that a list filtered on one of them visits only those.
    facets: HashMap<(Facet, Sym), Vec<u32>>,
    /// The statuses seen that count as open (for the overdue and due-soon lists).
    open_statuses: Vec<Sym>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Facet {
    Partner,
    Status,
    LineType,
    /// The year as the number.
    TransmittedIn,
}

/// The facets an entry is listed under; each line type once.
fn facets_of(e: &Entry, c: &Cold) -> Vec<(Facet, Sym)> {
    let mut types = c.line_types.to_vec();
    types.sort_unstable();
    types.dedup();
    [(Facet::Partner, e.partner), (Facet::Status, e.status)]
        .into_iter()
        .chain(e.transmitted_on.map(|d| (Facet::TransmittedIn, d.year() as Sym)))
        .chain(types.into_iter().map(|t| (Facet::LineType, t)))
        .collect()
}

/// Adds `slot` to an ascending list; during a load slots only grow, so it is a push.
fn insert_sorted(list: &mut Vec<u32>, slot: u32) {
    match list.last() {
        Some(&last) if last >= slot => {
            if let Err(at) = list.binary_search(&slot) {
                list.insert(at, slot);
            }
        }
        _ => list.push(slot),
    }
}

fn remove_sorted(list: &mut Vec<u32>, slot: u32) {
    if let Ok(at) = list.binary_search(&slot) {
        list.remove(at);
    }
}

/// The register index. Cheap to share: one per application.
pub struct Register {
    index: RwLock<Index>,
    /// Held while the first load runs, so concurrent first readers wait for one load.
    loading: tokio::sync::Mutex<()>,
    /// The policy's answers per reader (keyed by everything it decides a read on) and
    /// audience. Audiences are only ever added, so an answer stays right; there are a few
    /// thousand audiences for a hundred thousand requests, and as many answers to reuse.
    decisions: Mutex<HashMap<String, Arc<[AtomicU8]>>>,
}

/// Readers whose answers are kept; past that the cache starts again.
const DECISIONS_KEPT: usize = 512;

impl Default for Register {
    fn default() -> Self {
        Self {
            index: RwLock::new(Index { seq: -1, ..Index::default() }),
            loading: tokio::sync::Mutex::new(()),
            decisions: Mutex::default(),
        }
    }
}

/// One page of the requests the reader may see, in order, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub rows: Vec<Listed>,
    pub total: i64,
}

impl Found {
    pub fn ids(&self) -> Vec<&str> {
        self.rows.iter().map(|r| r.id.as_str()).collect()
    }
}

impl Register {
    fn seq(&self) -> i64 {
        self.index.read().unwrap_or_else(|e| e.into_inner()).seq
    }

    /// Applies the changes committed since the last call. The first call loads everything.
    pub async fn catch_up(&self, ex: &mut impl Executor) -> Result<()> {
        if self.seq() < 0 {
            let _first = self.loading.lock().await;
            if self.seq() < 0 {
                let rows = comity_store::requests::register_changes(ex, -1).await?;
                self.apply(rows);
            }
            return Ok(());
        }
        let rows = comity_store::requests::register_changes(ex, self.seq()).await?;
        if !rows.is_empty() {
            self.apply(rows);
        }
        Ok(())
    }

    /// Applies changes read from the database; after the first load the index counts as
    /// loaded even when there was nothing to load.
    fn apply(&self, rows: Vec<RegisterRow>) {
        let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
        let newest = rows.last().map_or(0, |r| r.change_seq);
        for row in rows {
            index.upsert(row);
        }
        index.seq = index.seq.max(newest);
    }

    /// One request as a list shows it, whoever asks: the caller has checked access.
    pub fn listed(&self, id: &str) -> Option<Listed> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index.by_id.get(id).map(|slot| index.listed(*slot as usize))
    }

    /// The page of `f` that `actor` may see, and the number of requests it may see in all.
    pub fn find(&self, actor: &Actor, f: &RequestFilter) -> Found {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        let decisions = self.decisions_for(format!("{:?}", actor.principal), index.audiences.len());
        index.find(actor, f, &decisions)
    }

    /// The reader's answers so far, with room for every audience known now. Shared by the
    /// reader's concurrent lists, which fill it in together.
    fn decisions_for(&self, reader: String, audiences: usize) -> Arc<[AtomicU8]> {
        let mut kept = self.decisions.lock().unwrap_or_else(|e| e.into_inner());
        let old = kept.get(&reader).cloned();
        if let Some(d) = &old {
            if d.len() >= audiences {
                return d.clone();
            }
        }
        let grown: Arc<[AtomicU8]> = (0..audiences)
            .map(|i| AtomicU8::new(old.as_ref().and_then(|o| o.get(i)).map_or(UNDECIDED, |a| a.load(Relaxed))))
            .collect();
        if kept.len() >= DECISIONS_KEPT {
            kept.clear();
        }
        kept.insert(reader, grown.clone());
        grown
    }
}

const UNDECIDED: u8 = 0;
const HIDDEN: u8 = 1;
const VISIBLE: u8 = 2;

impl Index {
    fn upsert(&mut self, row: RegisterRow) {
        let audience = audience_of!(&row);
        let audience = match self.audience_ids.get(&audience) {
            Some(&id) => id,
            None => {
                let id = self.audiences.len() as u32;
                self.audiences.push(audience.access(RecordKind::Request));
                self.audience_ids.insert(audience, id);
                id
            }
        };
        let s = &mut self.symbols;
        let open = Status::parse(&row.status).is_none_or(Status::is_open);
        let entry = Entry {
            direction: s.intern(&row.direction),
            organ: s.intern(&row.organ),
            on_behalf_of: s.intern(&row.on_behalf_of),
            partner: s.intern(&row.partner_id),
            situation: s.intern(&row.situation),
            status: s.intern(&row.status),
            responsible: row.responsible_user_id.as_deref().map_or(NOBODY, |u| s.intern(u)),
            audience,
            deadline: row.deadline,
            transmitted_on: row.transmitted_on,
            updated_micros: row.updated_at.timestamp_micros(),
            open,
        };
        let cold = Cold {
            id: row.id.as_str().into(),
            reference: row.reference.as_str().into(),
            title: row.title.as_str().into(),
            kind: s.intern(&row.kind),
            urgency: s.intern(&row.urgency),
            classification: s.intern(&row.classification),
            first_response_on: row.first_response_on,
            executed_on: row.executed_on,
            imported: row.imported_at.is_some(),
            line_types: row.line_types.split(',').filter(|t| !t.is_empty()).map(|t| s.intern(t)).collect(),
            change_seq: row.change_seq,
            words: Box::default(),
        };
        if open && !self.open_statuses.contains(&entry.status) {
            self.open_statuses.push(entry.status);
        }
        let slot = match self.by_id.get(row.id.as_str()) {
            Some(&slot) => {
                if self.cold[slot as usize].change_seq > row.change_seq {
                    return; // an older read of a request already newer here
                }
                let old = std::mem::take(&mut self.cold[slot as usize].words);
                for w in old.iter() {
                    remove_sorted(&mut self.postings[*w as usize], slot);
                }
                for facet in facets_of(&self.entries[slot as usize], &self.cold[slot as usize]) {
                    if let Some(list) = self.facets.get_mut(&facet) {
                        remove_sorted(list, slot);
                    }
                }
                self.entries[slot as usize] = entry;
                self.cold[slot as usize] = cold;
                slot
            }
            None => {
                let slot = self.entries.len() as u32;
                self.entries.push(entry);
                self.id_prefixes.push(id_prefix(&row.id));
                self.cold.push(cold);
                self.by_id.insert(row.id.into(), slot);
                slot
            }
        };
        let mut words: Vec<Sym> = Vec::new();
        for text in [&row.reference, &row.title, &row.purpose] {
            for w in words_of(text) {
                let id = match self.vocabulary.get(w.as_str()) {
                    Some(&id) => id,
                    None => {
                        let id = self.postings.len() as Sym;
                        self.postings.push(Vec::new());
                        self.vocabulary.insert(w.into(), id);
                        id
                    }
                };
                words.push(id);
            }
        }
        words.sort_unstable();
        words.dedup();
        for w in &words {
            insert_sorted(&mut self.postings[*w as usize], slot);
        }
        for facet in facets_of(&self.entries[slot as usize], &self.cold[slot as usize]) {
            insert_sorted(self.facets.entry(facet).or_default(), slot);
        }
        self.cold[slot as usize].words = words.into();
    }

    /// Entries containing every word of `words` as a prefix of one of theirs, as a bit set.
    fn search(&self, words: &[String]) -> Vec<u64> {
        let n = self.entries.len();
        let mut all: Option<Vec<u64>> = None;
        for word in words {
            let mut bits = vec![0u64; n.div_ceil(64)];
            for w in words_of(word) {
                let range = self
                    .vocabulary
                    .range::<str, _>((std::ops::Bound::Included(w.as_str()), std::ops::Bound::Unbounded));
                for (_, &id) in range.take_while(|(k, _)| k.starts_with(w.as_str())) {
                    for &slot in &self.postings[id as usize] {
                        bits[slot as usize / 64] |= 1 << (slot % 64);
                    }
                }
            }
            all = Some(match all {
                None => bits,
                Some(mut acc) => {
                    acc.iter_mut().zip(&bits).for_each(|(a, b)| *a &= b);
                    acc
                }
            });
        }
        all.unwrap_or_else(|| vec![u64::MAX; n.div_ceil(64)])
    }

    fn find(&self, actor: &Actor, f: &RequestFilter, visible: &[AtomicU8]) -> Found {
        let none = Found { rows: Vec::new(), total: 0 };
        // A value the register has never seen matches nothing.
        let sym = |v: &Option<String>| -> Result<Option<Sym>, ()> {
            match v {
                None => Ok(None),
                Some(v) => self.symbols.get(v).map(Some).ok_or(()),
            }
        };
        let (Ok(direction), Ok(organ), Ok(on_behalf_of), Ok(partner), Ok(situation), Ok(responsible), Ok(line_type)) = (
            sym(&f.direction),
            sym(&f.organ),
            sym(&f.on_behalf_of),
            sym(&f.partner_id),
            sym(&f.situation),
            sym(&f.responsible_user_id),
            sym(&f.line_type),
        ) else {
            return none;
        };
        let statuses: Vec<Sym> = f.statuses.iter().filter_map(|s| self.symbols.get(s)).collect();
        if !f.statuses.is_empty() && statuses.is_empty() {
            return none;
        }
        let matched_words = (!f.words.is_empty()).then(|| self.search(&f.words));
        // The policy decides once per audience; most requests share one with many others.
        let may_read = |audience: u32| -> bool {
            let known = &visible[audience as usize];
            match known.load(Relaxed) {
                UNDECIDED => {
                    let yes = actor.may(Action::Read, &self.audiences[audience as usize]);
                    known.store(if yes { VISIBLE } else { HIDDEN }, Relaxed);
                    yes
                }
                answer => answer == VISIBLE,
            }
        };
        let offset = usize::try_from(f.offset.max(0)).unwrap_or(usize::MAX);
        let end = offset.saturating_add(usize::try_from(f.limit.max(0)).unwrap_or(0));
        // Dates and times sort on integers, then on the ids' first bytes; the text sorts, and
        // the rare tie of those bytes, read the entries.
        let key = DateKey::of_sort(f.sort);
        let undated = if f.descending { i64::MIN } else { i64::MAX };
        let order = |a: &Candidate, b: &Candidate| {
            let o = match key {
                Some(_) => (a.0, a.1)
                    .cmp(&(b.0, b.1))
                    .then_with(|| self.cold[a.2 as usize].id.cmp(&self.cold[b.2 as usize].id)),
                None => self.text_order(f.sort, a.2 as usize, b.2 as usize),
            };
            if f.descending {
                o.reverse()
            } else {
                o
            }
        };
        let mut best = Best::new(end, order);
        let mut total = 0i64;
        let candidates = self.candidates(partner, line_type, &statuses, f, matched_words.as_deref());
        candidates.for_each(|slot| {
            let e = &self.entries[slot];
            let keep = direction.is_none_or(|d| e.direction == d)
                && organ.is_none_or(|o| e.organ == o)
                && on_behalf_of.is_none_or(|o| e.on_behalf_of == o)
                && partner.is_none_or(|p| e.partner == p)
                && situation.is_none_or(|s| e.situation == s)
                && responsible.is_none_or(|u| e.responsible == u)
                && (statuses.is_empty() || statuses.contains(&e.status))
                && f.overdue_on.is_none_or(|d| e.open && e.deadline.is_some_and(|dl| dl < d))
                && f.due_between.is_none_or(|(a, b)| e.open && e.deadline.is_some_and(|dl| a <= dl && dl <= b))
                && f.from.is_none_or(|d| e.transmitted_on.is_some_and(|t| t >= d))
                && f.to.is_none_or(|d| e.transmitted_on.is_some_and(|t| t <= d))
                && matched_words.as_ref().is_none_or(|bits| bits[slot / 64] & (1 << (slot % 64)) != 0)
                && line_type.is_none_or(|t| self.cold[slot].line_types.contains(&t));
            if keep && may_read(e.audience) {
                total += 1;
                best.offer((key.map_or(0, |k| k.of(e, undated)), self.id_prefixes[slot], slot as u32));
            }
        });
        let page = best.into_sorted();
        let rows = page.iter().skip(offset).map(|c| self.listed(c.2 as usize)).collect();
        Found { rows, total }
    }

    /// Entry `slot` as a list shows it.
    fn listed(&self, slot: usize) -> Listed {
        let (e, c) = (&self.entries[slot], &self.cold[slot]);
        let name = |sym: Sym| self.symbols.name(sym).to_owned();
        Listed {
            id: c.id.to_string(),
            reference: c.reference.to_string(),
            title: c.title.to_string(),
            direction: name(e.direction),
            organ: name(e.organ),
            on_behalf_of: name(e.on_behalf_of),
            kind: name(c.kind),
            partner_id: name(e.partner),
            situation: name(e.situation),
            urgency: name(c.urgency),
            status: name(e.status),
            classification: name(c.classification),
            deadline: e.deadline,
            transmitted_on: e.transmitted_on,
            first_response_on: c.first_response_on,
            executed_on: c.executed_on,
            imported: c.imported,
            updated_at: DateTime::from_timestamp_micros(e.updated_micros).unwrap_or_default(),
            line_types: c.line_types.iter().map(|t| name(*t)).collect(),
        }
    }

    /// The entries a list need look at: those of its most selective partner, line type,
    /// statuses (the open ones for the overdue and due-soon lists), years of transmission or
    /// words, or every entry. Each candidate is still checked on every filter.
    fn candidates<'a>(
        &'a self,
        partner: Option<Sym>,
        line_type: Option<Sym>,
        statuses: &[Sym],
        f: &RequestFilter,
        words: Option<&'a [u64]>,
    ) -> Candidates<'a> {
        // Lists of disjoint facets (one status, one year each), visited one after the other.
        let lists = |facet: Facet, syms: &mut dyn Iterator<Item = Sym>| -> Candidates<'a> {
            Candidates::Lists(syms.filter_map(|s| self.facets.get(&(facet, s)).map(Vec::as_slice)).collect())
        };
        let mut options = vec![Candidates::All(self.entries.len())];
        if let Some(p) = partner {
            options.push(lists(Facet::Partner, &mut std::iter::once(p)));
        }
        if let Some(t) = line_type {
            options.push(lists(Facet::LineType, &mut std::iter::once(t)));
        }
        if !statuses.is_empty() {
            options.push(lists(Facet::Status, &mut statuses.iter().copied()));
        }
        if f.overdue_on.is_some() || f.due_between.is_some() {
            options.push(lists(Facet::Status, &mut self.open_statuses.iter().copied()));
        }
        if let (Some(from), Some(to)) = (f.from, f.to) {
            if from <= to && to.year() - from.year() < 50 {
                options.push(lists(Facet::TransmittedIn, &mut (from.year()..=to.year()).map(|y| y as Sym)));
            }
        }
        if let Some(bits) = words {
            options.push(Candidates::Bits(bits));
        }
        options.into_iter().min_by_key(Candidates::len).unwrap_or(Candidates::All(0))
    }

    /// The order of the sorts on text (reference, title, status), the id breaking ties.
    fn text_order(&self, sort: RequestSort, a: usize, b: usize) -> std::cmp::Ordering {
        let (ca, cb) = (&self.cold[a], &self.cold[b]);
        match sort {
            RequestSort::Reference => ca.reference.cmp(&cb.reference),
            RequestSort::Title => {
                ca.title.chars().flat_map(char::to_lowercase).cmp(cb.title.chars().flat_map(char::to_lowercase))
            }
            _ => self.symbols.name(self.entries[a].status).cmp(self.symbols.name(self.entries[b].status)),
        }
        .then_with(|| ca.id.cmp(&cb.id))
    }
}

/// The sorts on a date or a time, whose keys are integers.
#[derive(Clone, Copy)]
enum DateKey {
    Updated,
    Deadline,
    Transmitted,
}

impl DateKey {
    fn of_sort(sort: RequestSort) -> Option<Self> {
        match sort {
            RequestSort::Updated => Some(Self::Updated),
            RequestSort::Deadline => Some(Self::Deadline),
            RequestSort::Transmitted => Some(Self::Transmitted),
            RequestSort::Reference | RequestSort::Title | RequestSort::Status => None,
        }
    }

    /// The entry's key; requests without the date take `undated`, so that they come last
    /// whichever the direction.
    fn of(self, e: &Entry, undated: i64) -> i64 {
        let day = |d: Option<NaiveDate>| d.map_or(undated, |d| i64::from(d.num_days_from_ce()));
        match self {
            Self::Updated => e.updated_micros,
            Self::Deadline => day(e.deadline),
            Self::Transmitted => day(e.transmitted_on),
        }
    }
}

/// The entries a list visits, in ascending order within each list.
enum Candidates<'a> {
    /// Every entry, of so many.
    All(usize),
    /// The entries of one facet, or of several disjoint ones.
    Lists(Vec<&'a [u32]>),
    /// The entries whose bit is set.
    Bits(&'a [u64]),
}

impl Candidates<'_> {
    fn len(&self) -> usize {
        match self {
            Self::All(n) => *n,
            Self::Lists(lists) => lists.iter().map(|l| l.len()).sum(),
            Self::Bits(bits) => bits.iter().map(|b| b.count_ones() as usize).sum(),
        }
    }

    /// Calls `visit` with each slot; a loop per kind, so that the check of each candidate
    /// is compiled into it rather than called through an iterator object.
    fn for_each(&self, mut visit: impl FnMut(usize)) {
        match self {
            Self::All(n) => (0..*n).for_each(visit),
            Self::Lists(lists) => lists.iter().flat_map(|l| l.iter()).for_each(|&slot| visit(slot as usize)),
            Self::Bits(bits) => {
                for (i, &word) in bits.iter().enumerate() {
                    let mut rest = word;
                    while rest != 0 {
                        visit(i * 64 + rest.trailing_zeros() as usize);
                        rest &= rest - 1;
                    }
                }
            }
        }
    }
}

/// A match as the sort sees it: its key (for the sorts on dates), its id's first bytes, its slot.
type Candidate = (i64, u128, u32);

/// The first `k` candidates in an order, kept without holding every match: candidates
/// collect in a buffer of twice that, which is cut back to the best `k` when full; past the
/// first cut, a candidate no better than the worst kept is dropped at once.
struct Best<F> {
    k: usize,
    kept: Vec<Candidate>,
    worst: Option<Candidate>,
    order: F,
}

impl<F: Fn(&Candidate, &Candidate) -> std::cmp::Ordering> Best<F> {
    fn new(k: usize, order: F) -> Self {
        Self { k, kept: Vec::new(), worst: None, order }
    }

    fn offer(&mut self, c: Candidate) {
        if self.k == 0 || self.worst.is_some_and(|w| (self.order)(&c, &w) != std::cmp::Ordering::Less) {
            return;
        }
        self.kept.push(c);
        if self.kept.len() >= self.k.saturating_mul(2).max(self.k + 64) {
            self.kept.select_nth_unstable_by(self.k - 1, &self.order);
            self.kept.truncate(self.k);
            // What select_nth left at k - 1 is the largest of those before it.
            self.worst = self.kept.last().copied();
        }
    }

    fn into_sorted(mut self) -> Vec<Candidate> {
        self.kept.sort_unstable_by(&self.order);
        self.kept.truncate(self.k);
        self.kept
    }
}

/// The first 16 bytes of an id, as a number that orders as the text does.
fn id_prefix(id: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = id.len().min(16);
    bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests;
