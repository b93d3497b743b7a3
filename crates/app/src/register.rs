//! The register index: every request's list fields held in memory, so that a page of the
//! request list (filtered, searched, sorted, counted, and limited to what the reader may see)
//! costs a pass over compact entries instead of a query plan per combination of filters.
//!
//! The database stays the only source of truth. The index follows it through the change
//! sequence (`requests.change_seq`): before answering, it reads whatever changed since the
//! highest change it has applied, whoever wrote it (this server, another instance, the
//! command line). Visibility is decided by the access policy itself, once per distinct
//! audience (classification, units and people a request is shared with), not by an SQL twin of
//! it; the page's rows are then read from the database and the policy checked again on them.

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
    /// The partner, once the request has been sent (or received): it learns of it then.
    pub partner_once_sent: Option<String>,
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
            partner_once_sent: r.transmitted_on.map(|_| r.partner_id.clone()),
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
        if let Some(state) = &self.partner_once_sent {
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

/// What a list filters on, kept apart from the rest so that a pass over every request
/// reads as little memory as possible.
struct Entry {
    /// The first bytes of the id, so that most ties in a sort are broken without reading it.
    id_prefix: u128,
    direction: Sym,
    organ: Sym,
    on_behalf_of: Sym,
    partner: Sym,
    situation: Sym,
    status: Sym,
    open: bool,
    responsible: Option<Sym>,
    line_types: Box<[Sym]>,
    audience: u32,
    deadline: Option<NaiveDate>,
    transmitted_on: Option<NaiveDate>,
    updated_at: DateTime<Utc>,
}

/// What only the page, the sort on text or an edit needs.
struct Cold {
    id: Box<str>,
    reference: Box<str>,
    title: Box<str>,
    change_seq: i64,
    /// The distinct words of its reference, title and purpose (ids in `Index::postings`).
    words: Box<[Sym]>,
}

#[derive(Default)]
struct Index {
    /// The highest change applied; negative until the first load.
    seq: i64,
    entries: Vec<Entry>,
    cold: Vec<Cold>,
    by_id: HashMap<Box<str>, u32>,
    symbols: Symbols,
    /// Each distinct audience once, with what the policy is asked about it.
    audiences: Vec<RecordAccess>,
    audience_ids: HashMap<Audience, u32>,
    /// Every word, for prefix searches, with the entries that contain it (ascending).
    vocabulary: BTreeMap<Box<str>, Sym>,
    postings: Vec<Vec<u32>>,
    /// The entries with each partner, status and line type (ascending), so that a list
    /// filtered on one of them visits only those.
    facets: HashMap<(Facet, Sym), Vec<u32>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Facet {
    Partner,
    Status,
    LineType,
}

impl Entry {
    fn facets(&self) -> impl Iterator<Item = (Facet, Sym)> + '_ {
        [(Facet::Partner, self.partner), (Facet::Status, self.status)]
            .into_iter()
            .chain(self.line_types.iter().map(|t| (Facet::LineType, *t)))
    }
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

/// One page of ids the reader may see, in order, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub ids: Vec<String>,
    pub total: i64,
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
        let mut line_types: Vec<Sym> =
            row.line_types.split(',').filter(|t| !t.is_empty()).map(|t| s.intern(t)).collect();
        line_types.sort_unstable();
        line_types.dedup();
        let entry = Entry {
            id_prefix: id_prefix(&row.id),
            direction: s.intern(&row.direction),
            organ: s.intern(&row.organ),
            on_behalf_of: s.intern(&row.on_behalf_of),
            partner: s.intern(&row.partner_id),
            situation: s.intern(&row.situation),
            status: s.intern(&row.status),
            open: Status::parse(&row.status).is_none_or(Status::is_open),
            responsible: row.responsible_user_id.as_deref().map(|u| s.intern(u)),
            line_types: line_types.into(),
            audience,
            deadline: row.deadline,
            transmitted_on: row.transmitted_on,
            updated_at: row.updated_at,
        };
        let cold = Cold {
            id: row.id.as_str().into(),
            reference: row.reference.as_str().into(),
            title: row.title.as_str().into(),
            change_seq: row.change_seq,
            words: Box::default(),
        };
        let slot = match self.by_id.get(row.id.as_str()) {
            Some(&slot) => {
                if self.cold[slot as usize].change_seq > row.change_seq {
                    return; // an older read of a request already newer here
                }
                let old = std::mem::take(&mut self.cold[slot as usize].words);
                for w in old.iter() {
                    remove_sorted(&mut self.postings[*w as usize], slot);
                }
                for facet in self.entries[slot as usize].facets() {
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
        let facets: Vec<(Facet, Sym)> = self.entries[slot as usize].facets().collect();
        for facet in facets {
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
        let none = Found { ids: Vec::new(), total: 0 };
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
        let key = self.date_key(f);
        let order = |a: &Candidate, b: &Candidate| {
            let o = match &key {
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
        for slot in self.candidates(partner, line_type, &statuses, matched_words.as_deref()) {
            let slot = slot as usize;
            let e = &self.entries[slot];
            let keep = direction.is_none_or(|d| e.direction == d)
                && organ.is_none_or(|o| e.organ == o)
                && on_behalf_of.is_none_or(|o| e.on_behalf_of == o)
                && partner.is_none_or(|p| e.partner == p)
                && situation.is_none_or(|s| e.situation == s)
                && responsible.is_none_or(|u| e.responsible == Some(u))
                && line_type.is_none_or(|t| e.line_types.contains(&t))
                && (statuses.is_empty() || statuses.contains(&e.status))
                && f.overdue_on.is_none_or(|d| e.open && e.deadline.is_some_and(|dl| dl < d))
                && f.due_between.is_none_or(|(a, b)| e.open && e.deadline.is_some_and(|dl| a <= dl && dl <= b))
                && f.from.is_none_or(|d| e.transmitted_on.is_some_and(|t| t >= d))
                && f.to.is_none_or(|d| e.transmitted_on.is_some_and(|t| t <= d))
                && matched_words.as_ref().is_none_or(|bits| bits[slot / 64] & (1 << (slot % 64)) != 0);
            if keep && may_read(e.audience) {
                total += 1;
                best.offer((key.as_ref().map_or(0, |k| k(e)), e.id_prefix, slot as u32));
            }
        }
        let page = best.into_sorted();
        let ids = page.iter().skip(offset).map(|c| self.cold[c.2 as usize].id.to_string()).collect();
        Found { ids, total }
    }

    /// The entries a list need look at: those of its most selective partner, line type,
    /// statuses or words, or every entry. Each candidate is still checked on every filter.
    fn candidates<'a>(
        &'a self,
        partner: Option<Sym>,
        line_type: Option<Sym>,
        statuses: &'a [Sym],
        words: Option<&'a [u64]>,
    ) -> Box<dyn Iterator<Item = u32> + 'a> {
        let list = |facet: Facet, sym: Sym| self.facets.get(&(facet, sym)).map_or(&[][..], Vec::as_slice);
        let mut best: (usize, Box<dyn Iterator<Item = u32> + 'a>) =
            (self.entries.len(), Box::new(0..self.entries.len() as u32));
        let mut consider = |n: usize, it: Box<dyn Iterator<Item = u32> + 'a>| {
            if n < best.0 {
                best = (n, it);
            }
        };
        if let Some(p) = partner {
            let l = list(Facet::Partner, p);
            consider(l.len(), Box::new(l.iter().copied()));
        }
        if let Some(t) = line_type {
            let l = list(Facet::LineType, t);
            consider(l.len(), Box::new(l.iter().copied()));
        }
        if !statuses.is_empty() {
            let n = statuses.iter().map(|s| list(Facet::Status, *s).len()).sum();
            consider(n, Box::new(statuses.iter().flat_map(move |s| list(Facet::Status, *s).iter().copied())));
        }
        if let Some(bits) = words {
            let n = bits.iter().map(|b| b.count_ones() as usize).sum();
            let set = bits
                .iter()
                .enumerate()
                .flat_map(|(i, &b)| (0..64u32).filter(move |j| b & (1 << j) != 0).map(move |j| i as u32 * 64 + j));
            consider(n, Box::new(set));
        }
        best.1
    }

    /// For the sorts on a date or a time, the entry's key as an integer; requests without
    /// the date come last whichever the direction.
    fn date_key(&self, f: &RequestFilter) -> Option<SortKey> {
        let undated = if f.descending { i64::MIN } else { i64::MAX };
        let day = move |d: Option<NaiveDate>| d.map_or(undated, |d| i64::from(d.num_days_from_ce()));
        match f.sort {
            RequestSort::Updated => Some(Box::new(|e: &Entry| e.updated_at.timestamp_micros())),
            RequestSort::Deadline => Some(Box::new(move |e: &Entry| day(e.deadline))),
            RequestSort::Transmitted => Some(Box::new(move |e: &Entry| day(e.transmitted_on))),
            RequestSort::Reference | RequestSort::Title | RequestSort::Status => None,
        }
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

/// An entry's sort key as an integer.
type SortKey = Box<dyn Fn(&Entry) -> i64>;

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
