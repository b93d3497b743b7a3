//! The formal request letter: a note verbale the transmitting organ signs and sends, drafted
//! in the addressee's declared language where Comity has a template (English and French, the
//! Court's working languages) and flagged for translation otherwise (art. 87(2)). It is built
//! as a small DOCX package so the Registry or the OTP can still edit it before signature.
//! Everything here is pure: the date comes in, the bytes go out.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use chrono::{Datelike, NaiveDate};
use comity_domain::partner::{parse_language, Channel};
use comity_domain::request::{LineType, OnBehalfOf, Organ, Urgency};
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::AppError;

/// One line of the request as the letter shows it: its type and the drafter's checklist answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterLine {
    pub line_type: LineType,
    pub content: BTreeMap<String, String>,
}

/// What the letter says. The caller gathers it from the request, the addressee and its
/// communication profile in force on the letter's date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterInput {
    pub reference: String,
    pub date: NaiveDate,
    /// The addressee's name in the letter's language.
    pub addressee_name: String,
    pub receiving_authority: Option<String>,
    /// A `partner::Channel` code; anything else is printed as given.
    pub channel: Option<String>,
    pub organ: Organ,
    pub on_behalf_of: OnBehalfOf,
    pub title: String,
    pub purpose: String,
    pub facts: String,
    pub legal_basis: String,
    pub situation: String,
    pub case_name: String,
    pub urgency: Urgency,
    pub deadline: Option<NaiveDate>,
    pub decision_reference: String,
    pub lines: Vec<LetterLine>,
    pub confidential: bool,
}

/// The languages Comity has a letter template for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LetterLanguage {
    English,
    French,
}

impl LetterLanguage {
    pub const ALL: &'static [LetterLanguage] = &[LetterLanguage::English, LetterLanguage::French];

    /// The ISO 639-1 code, as States declare their languages.
    pub fn code(self) -> &'static str {
        match self {
            LetterLanguage::English => "en",
            LetterLanguage::French => "fr",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match parse_language(code)?.as_str() {
            "en" => Some(LetterLanguage::English),
            "fr" => Some(LetterLanguage::French),
            _ => None,
        }
    }
}

/// A composed letter, ready to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// "en" or "fr".
    pub language: String,
    /// The addressee's preferred declared language when Comity has no template for any of
    /// the languages it declared: the letter must be translated before it goes out.
    pub translation_needed: Option<String>,
    pub filename: String,
    pub docx: Vec<u8>,
}

/// Writing into memory only fails if the zip writer itself refuses an entry.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("could not assemble the letter document: {0}")]
    Package(#[from] ZipError),
}

impl From<LetterError> for AppError {
    fn from(e: LetterError) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// The template for the addressee's declared languages (two-letter codes in order of
/// preference): the first that is English or French. When none is, English, and the first
/// declared language is returned as the one the letter must be translated into. A State that
/// declared nothing gets English without a flag (art. 87(2) leaves the working languages).
pub fn choose_language(declared_languages: &[String]) -> (LetterLanguage, Option<String>) {
    let codes: Vec<String> = declared_languages
        .iter()
        .map(|c| parse_language(c).unwrap_or_else(|| c.trim().to_lowercase()))
        .filter(|c| !c.is_empty())
        .collect();
    match codes.iter().find_map(|c| LetterLanguage::from_code(c)) {
        Some(language) => (language, None),
        None => (LetterLanguage::English, codes.into_iter().next()),
    }
}

/// Picks the template from the addressee's declared languages (see [`choose_language`]) and
/// composes the letter in it.
pub fn compose(input: &LetterInput, declared_languages: &[String]) -> Result<Letter, LetterError> {
    let (language, translation_needed) = choose_language(declared_languages);
    let letter = compose_in(input, language)?;
    Ok(Letter { translation_needed, ..letter })
}

/// Composes the letter in a language the drafter chose, whatever the addressee declared.
pub fn compose_in(input: &LetterInput, language: LetterLanguage) -> Result<Letter, LetterError> {
    let document = document_xml(input, language);
    let docx = package(input, language, &document)?;
    Ok(Letter {
        language: language.code().to_owned(),
        translation_needed: None,
        filename: filename(&input.reference, language),
        docx,
    })
}

/// `REF-letter-en.docx`, with anything a file system or a Content-Disposition header might
/// choke on replaced.
pub fn filename(reference: &str, language: LetterLanguage) -> String {
    let safe: String = reference
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    // A leading dot would hide the file on Unix systems.
    let safe = safe.trim_start_matches('.');
    let stem = if safe.is_empty() { "request" } else { safe };
    format!("{stem}-letter-{}.docx", language.code())
}

/// The title of a line type as the letter and the web UI show it, with its provision.
pub fn line_type_title(line_type: LineType, language: LetterLanguage) -> &'static str {
    use LetterLanguage::{English as En, French as Fr};
    use LineType::*;
    match (line_type, language) {
        (IdentifyLocate, En) => "Identification and location of persons or items (art. 93(1)(a))",
        (IdentifyLocate, Fr) => "Identification et localisation de personnes ou de biens (art. 93(1)(a))",
        (TakeEvidence, En) => "Taking of evidence, including testimony under oath, and production of evidence (art. 93(1)(b))",
        (TakeEvidence, Fr) => {
            "Rassemblement d'éléments de preuve, y compris les dépositions faites sous serment, et production d'éléments de preuve (art. 93(1)(b))"
        }
        (QuestionSuspect, En) => "Questioning of a person being investigated or prosecuted (art. 93(1)(c))",
        (QuestionSuspect, Fr) => "Interrogatoire d'une personne faisant l'objet d'une enquête ou de poursuites (art. 93(1)(c))",
        (ServiceOfDocuments, En) => "Service of documents, including judicial documents (art. 93(1)(d))",
        (ServiceOfDocuments, Fr) => "Signification de documents, y compris les pièces de procédure (art. 93(1)(d))",
        (VoluntaryAppearance, En) => {
            "Facilitating the voluntary appearance of persons as witnesses or experts before the Court (art. 93(1)(e))"
        }
        (VoluntaryAppearance, Fr) => {
            "Facilitation de la comparution volontaire de personnes devant la Cour en qualité de témoins ou d'experts (art. 93(1)(e))"
        }
        (TemporaryTransfer, En) => "Temporary transfer of persons (art. 93(1)(f) and 93(7))",
        (TemporaryTransfer, Fr) => "Transfèrement temporaire de personnes (art. 93(1)(f) et 93(7))",
        (ExamineSites, En) => {
            "Examination of places or sites, including the exhumation and examination of grave sites (art. 93(1)(g))"
        }
        (ExamineSites, Fr) => {
            "Examen de localités ou de sites, notamment l'exhumation et l'examen de cadavres enterrés dans des fosses communes (art. 93(1)(g))"
        }
        (SearchSeizure, En) => "Execution of searches and seizures (art. 93(1)(h))",
        (SearchSeizure, Fr) => "Exécution de perquisitions et de saisies (art. 93(1)(h))",
        (RecordsDocuments, En) => "Provision of records and documents, including official records and documents (art. 93(1)(i))",
        (RecordsDocuments, Fr) => {
            "Transmission de dossiers et de documents, y compris les dossiers et documents officiels (art. 93(1)(i))"
        }
        (ProtectVictimsWitnesses, En) => "Protection of victims and witnesses and preservation of evidence (art. 93(1)(j))",
        (ProtectVictimsWitnesses, Fr) => {
            "Protection des victimes et des témoins et préservation des éléments de preuve (art. 93(1)(j))"
        }
        (AssetsTraceFreezeSeize, En) => {
            "Identification, tracing and freezing or seizure of proceeds, property, assets and instrumentalities of crimes (art. 93(1)(k))"
        }
        (AssetsTraceFreezeSeize, Fr) => {
            "Identification, localisation, gel ou saisie du produit des crimes, des biens, des avoirs et des instruments liés aux crimes (art. 93(1)(k))"
        }
        (OtherAssistance, En) => "Other assistance not prohibited by the law of the requested State (art. 93(1)(l))",
        (OtherAssistance, Fr) => "Autre forme d'assistance non interdite par la législation de l'État requis (art. 93(1)(l))",
        (ArrestSurrender, En) => "Arrest and surrender (art. 89(1) and 91)",
        (ArrestSurrender, Fr) => "Arrestation et remise (art. 89(1) et 91)",
        (ProvisionalArrest, En) => "Provisional arrest (art. 92)",
        (ProvisionalArrest, Fr) => "Arrestation provisoire (art. 92)",
        (Transit, En) => "Transit of a person being surrendered to the Court (art. 89(3))",
        (Transit, Fr) => "Transit d'une personne remise à la Cour (art. 89(3))",
        (NotificationJudicialDocuments, En) => "Notification of judicial documents (art. 93(1)(d))",
        (NotificationJudicialDocuments, Fr) => "Notification d'actes judiciaires (art. 93(1)(d))",
        (MissionSupport, En) => "Support for a mission of the Court on the territory of the State (art. 99(4))",
        (MissionSupport, Fr) => "Appui à une mission de la Cour sur le territoire de l'État (art. 99(4))",
        (InformationFromOrganisation, En) => "Information or documents from an intergovernmental organisation (art. 87(6))",
        (InformationFromOrganisation, Fr) => {
            "Renseignements ou documents d'une organisation intergouvernementale (art. 87(6))"
        }
        (Article98Waiver, En) => "Waiver of immunity by a third State (art. 98(1))",
        (Article98Waiver, Fr) => "Levée de l'immunité par un État tiers (art. 98(1))",
        (Article98Consent, En) => "Consent of the sending State under an international agreement (art. 98(2))",
        (Article98Consent, Fr) => "Consentement de l'État d'envoi en vertu d'un accord international (art. 98(2))",
        (Enforcement, En) => "Enforcement of a sentence of imprisonment (art. 103)",
        (Enforcement, Fr) => "Exécution d'une peine d'emprisonnement (art. 103)",
        (FinesForfeiture, En) => "Enforcement of fines and forfeiture measures (art. 109)",
        (FinesForfeiture, Fr) => "Exécution des peines d'amende et des mesures de confiscation (art. 109)",
        (AgreementRelated, En) => "Request under an ad hoc arrangement or agreement (art. 87(5)(a))",
        (AgreementRelated, Fr) => "Demande au titre d'un arrangement ad hoc ou d'un accord (art. 87(5)(a))",
        (AssistanceToState, En) => "Assistance by the Court to a State (art. 93(10))",
        (AssistanceToState, Fr) => "Assistance de la Cour à un État (art. 93(10))",
    }
}

/// The articles of the Statute a line type rests on, cited in the letter's legal basis.
pub fn line_type_articles(line_type: LineType) -> &'static [&'static str] {
    use LineType::*;
    match line_type {
        IdentifyLocate => &["93(1)(a)"],
        TakeEvidence => &["93(1)(b)"],
        QuestionSuspect => &["93(1)(c)"],
        ServiceOfDocuments | NotificationJudicialDocuments => &["93(1)(d)"],
        VoluntaryAppearance => &["93(1)(e)"],
        TemporaryTransfer => &["93(1)(f)", "93(7)"],
        ExamineSites => &["93(1)(g)"],
        SearchSeizure => &["93(1)(h)"],
        RecordsDocuments => &["93(1)(i)"],
        ProtectVictimsWitnesses => &["93(1)(j)"],
        AssetsTraceFreezeSeize => &["93(1)(k)"],
        OtherAssistance => &["93(1)(l)"],
        ArrestSurrender => &["89(1)", "91"],
        ProvisionalArrest => &["92"],
        Transit => &["89(3)"],
        MissionSupport => &["99(4)"],
        InformationFromOrganisation => &["87(6)"],
        Article98Waiver => &["98(1)"],
        Article98Consent => &["98(2)"],
        Enforcement => &["103"],
        FinesForfeiture => &["109"],
        AgreementRelated => &["87(5)(a)"],
        AssistanceToState => &["93(10)"],
    }
}

/// The label of a checklist key (see `LineType::checklist`) in the letter's language. A key
/// the table does not know is shown as it is rather than dropped, so no answer goes missing.
pub fn checklist_label(key: &str, language: LetterLanguage) -> &str {
    let (en, fr) = match key {
        "assistance_sought" => ("Assistance sought", "Assistance demandée"),
        "persons_places" => ("Persons and places concerned", "Personnes et lieux concernés"),
        "procedure" => ("Procedure to be followed", "Procédure à suivre"),
        "person_description" => ("Description of the person sought", "Signalement de la personne recherchée"),
        "probable_location" => ("Probable location of the person", "Localisation probable de la personne"),
        "warrant_reference" => ("Warrant of arrest", "Mandat d'arrêt"),
        "national_requirements" => (
            "Documents and information required by national law for surrender",
            "Documents et renseignements exigés par la législation nationale pour la remise",
        ),
        "crimes_and_facts" => ("Crimes and facts alleged", "Crimes et faits allégués"),
        "surrender_request_to_follow" => {
            ("Statement that a request for surrender will follow", "Déclaration qu'une demande de remise suivra")
        }
        "documents_to_serve" => ("Documents to be served", "Documents à signifier"),
        "mission_dates" => ("Dates of the mission", "Dates de la mission"),
        "third_state" => ("Third State concerned", "État tiers concerné"),
        "decision_reference" => ("Decision of the Court", "Décision de la Cour"),
        "assets" => ("Property and assets concerned", "Biens et avoirs concernés"),
        "agreement_reference" => ("Arrangement or agreement", "Arrangement ou accord"),
        _ => return key,
    };
    match language {
        LetterLanguage::English => en,
        LetterLanguage::French => fr,
    }
}

/// A date written out as the letter's language writes it: "1 December 2026", "1er décembre 2026".
pub fn written_date(date: NaiveDate, language: LetterLanguage) -> String {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    // month0 is always below 12.
    let month = date.month0() as usize;
    match language {
        LetterLanguage::English => format!("{} {} {}", date.day(), EN[month], date.year()),
        LetterLanguage::French => {
            let day = if date.day() == 1 { "1er".to_owned() } else { date.day().to_string() };
            format!("{day} {} {}", FR[month], date.year())
        }
    }
}

/// The fixed wording of one template.
struct Words {
    court: &'static str,
    note_verbale: &'static str,
    confidential: &'static str,
    our_reference: &'static str,
    to: &'static str,
    receiving_authority: &'static str,
    channel: &'static str,
    subject: &'static str,
    request_for_cooperation: &'static str,
    legal_basis: &'static str,
    situation_and_case: &'static str,
    situation: &'static str,
    case: &'static str,
    purpose: &'static str,
    facts: &'static str,
    assistance: &'static str,
    time_limit: &'static str,
    decision: &'static str,
    confidentiality: &'static str,
    /// French sets a (no-break) space before the colon.
    colon: &'static str,
}

const ENGLISH: Words = Words {
    court: "INTERNATIONAL CRIMINAL COURT",
    note_verbale: "NOTE VERBALE",
    confidential: "CONFIDENTIAL",
    our_reference: "Our reference",
    to: "To",
    receiving_authority: "Receiving authority",
    channel: "Channel of transmission",
    subject: "Subject",
    request_for_cooperation: "Request for cooperation",
    legal_basis: "Legal basis",
    situation_and_case: "Situation and case",
    situation: "Situation",
    case: "Case",
    purpose: "Purpose of the request (art. 96(2)(a))",
    facts: "Summary of the facts (art. 96(2)(c))",
    assistance: "Assistance requested",
    time_limit: "Time limit and urgency",
    decision: "Authority for the request",
    confidentiality: "Confidentiality (art. 87(3))",
    colon: ": ",
};

const FRENCH: Words = Words {
    court: "COUR PÉNALE INTERNATIONALE",
    note_verbale: "NOTE VERBALE",
    confidential: "CONFIDENTIEL",
    our_reference: "Notre référence",
    to: "Destinataire",
    receiving_authority: "Autorité de réception",
    channel: "Voie de transmission",
    subject: "Objet",
    request_for_cooperation: "Demande de coopération",
    legal_basis: "Fondement juridique",
    situation_and_case: "Situation et affaire",
    situation: "Situation",
    case: "Affaire",
    purpose: "Objet de la demande (art. 96(2)(a))",
    facts: "Exposé succinct des faits (art. 96(2)(c))",
    assistance: "Mesures d'assistance demandées",
    time_limit: "Délai et urgence",
    decision: "Décision autorisant la demande",
    confidentiality: "Confidentialité (art. 87(3))",
    colon: "\u{a0}: ",
};

fn words(language: LetterLanguage) -> &'static Words {
    match language {
        LetterLanguage::English => &ENGLISH,
        LetterLanguage::French => &FRENCH,
    }
}

/// The organ as the subject of the opening and closing formulas.
fn organ_subject(organ: Organ, language: LetterLanguage) -> &'static str {
    match (organ, language) {
        (Organ::Registry, LetterLanguage::English) => "The Registry",
        (Organ::Otp, LetterLanguage::English) => "The Office of the Prosecutor",
        (Organ::Registry, LetterLanguage::French) => "Le Greffe",
        (Organ::Otp, LetterLanguage::French) => "Le Bureau du Procureur",
    }
}

fn organ_heading(organ: Organ, language: LetterLanguage) -> &'static str {
    match (organ, language) {
        (Organ::Registry, LetterLanguage::English) => "Registry",
        (Organ::Otp, LetterLanguage::English) => "Office of the Prosecutor",
        (Organ::Registry, LetterLanguage::French) => "Greffe",
        (Organ::Otp, LetterLanguage::French) => "Bureau du Procureur",
    }
}

/// ", acting on behalf of the Chamber," when the organ transmits for someone else (rule 176);
/// nothing when it sends its own request.
fn on_behalf_clause(organ: Organ, on_behalf_of: OnBehalfOf, language: LetterLanguage) -> &'static str {
    use LetterLanguage::{English as En, French as Fr};
    match (organ, on_behalf_of) {
        (Organ::Registry, OnBehalfOf::Registry) | (Organ::Otp, OnBehalfOf::Prosecution) => return "",
        _ => {}
    }
    match (on_behalf_of, language) {
        (OnBehalfOf::Chamber, En) => ", acting on behalf of the Chamber,",
        (OnBehalfOf::Defence, En) => ", acting on behalf of the Defence,",
        (OnBehalfOf::Victims, En) => ", acting on behalf of the victims participating in the proceedings,",
        (OnBehalfOf::Registry, En) => ", acting on behalf of the Registry,",
        (OnBehalfOf::Prosecution, En) => ", acting on behalf of the Prosecution,",
        (OnBehalfOf::Chamber, Fr) => ", agissant pour le compte de la Chambre,",
        (OnBehalfOf::Defence, Fr) => ", agissant pour le compte de la Défense,",
        (OnBehalfOf::Victims, Fr) => ", agissant pour le compte des victimes participant à la procédure,",
        (OnBehalfOf::Registry, Fr) => ", agissant pour le compte du Greffe,",
        (OnBehalfOf::Prosecution, Fr) => ", agissant pour le compte de l'Accusation,",
    }
}

/// The channel in words; a code Comity does not know is shown as recorded.
fn channel_words(code: &str, language: LetterLanguage) -> String {
    use LetterLanguage::{English as En, French as Fr};
    let words = match (Channel::parse(code.trim()), language) {
        (Some(Channel::Diplomatic), En) => "Diplomatic channel (art. 87(1)(a))",
        (Some(Channel::Diplomatic), Fr) => "Voie diplomatique (art. 87(1)(a))",
        (Some(Channel::Ministry), En) => "Ministry designated by the State (art. 87(1)(a))",
        (Some(Channel::Ministry), Fr) => "Ministère désigné par l'État (art. 87(1)(a))",
        (Some(Channel::CentralAuthority), En) => "Designated central authority (art. 87(1)(a))",
        (Some(Channel::CentralAuthority), Fr) => "Autorité centrale désignée (art. 87(1)(a))",
        (Some(Channel::Interpol), En) => "INTERPOL (art. 87(1)(b))",
        (Some(Channel::Interpol), Fr) => "INTERPOL (art. 87(1)(b))",
        (Some(Channel::RegionalOrganisation), En) => "Competent regional organisation (art. 87(1)(b))",
        (Some(Channel::RegionalOrganisation), Fr) => "Organisation régionale compétente (art. 87(1)(b))",
        (Some(Channel::Direct), En) => "Direct transmission to the competent authority",
        (Some(Channel::Direct), Fr) => "Transmission directe à l'autorité compétente",
        (None, _) => return code.trim().to_owned(),
    };
    words.to_owned()
}

/// "87, 93(1)(a) and 91": article 87 first, then each line's articles once, in line order;
/// with how many there are, for the plural.
fn articles(lines: &[LetterLine], language: LetterLanguage) -> (String, usize) {
    let mut cited: Vec<&str> = vec!["87"];
    for line in lines {
        for article in line_type_articles(line.line_type) {
            if !cited.contains(article) {
                cited.push(article);
            }
        }
    }
    let and = match language {
        LetterLanguage::English => " and ",
        LetterLanguage::French => " et ",
    };
    let list = match cited.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{}{and}{last}", rest.join(", ")),
        _ => cited.join(""),
    };
    (list, cited.len())
}

fn legal_basis_sentence(lines: &[LetterLine], language: LetterLanguage) -> String {
    let (list, count) = articles(lines, language);
    match (language, count > 1) {
        (LetterLanguage::English, plural) => format!(
            "This request is made under Part 9 of the Rome Statute of the International Criminal Court, \
             in particular {} {list}.",
            if plural { "articles" } else { "article" }
        ),
        (LetterLanguage::French, plural) => format!(
            "La présente demande est formulée en vertu du chapitre IX du Statut de Rome de la Cour pénale \
             internationale, notamment de {} {list}.",
            if plural { "ses articles" } else { "son article" }
        ),
    }
}

fn opening(input: &LetterInput, language: LetterLanguage) -> String {
    let organ = organ_subject(input.organ, language);
    let behalf = on_behalf_clause(input.organ, input.on_behalf_of, language);
    // The addressee is named in the heading; the formulas refer to it without repeating the
    // name, so no article or elision has to be guessed for a State's or organisation's name.
    match language {
        LetterLanguage::English => format!(
            "{organ} of the International Criminal Court presents its compliments to the competent \
             authorities of the addressee and{behalf} has the honour to transmit to them the following \
             request for cooperation."
        ),
        LetterLanguage::French => format!(
            "{organ} de la Cour pénale internationale présente ses compliments aux autorités compétentes \
             de l'État ou de l'organisation destinataire et{behalf} a l'honneur de leur transmettre la \
             demande de coopération suivante."
        ),
    }
}

fn closing(input: &LetterInput, language: LetterLanguage) -> String {
    let organ = organ_subject(input.organ, language);
    match language {
        LetterLanguage::English => format!(
            "{organ} of the International Criminal Court avails itself of this opportunity to renew to \
             the competent authorities of the addressee the assurances of its highest consideration."
        ),
        LetterLanguage::French => format!(
            "{organ} de la Cour pénale internationale saisit cette occasion pour renouveler aux autorités \
             compétentes de l'État ou de l'organisation destinataire les assurances de sa très haute \
             considération."
        ),
    }
}

fn time_limit_sentences(input: &LetterInput, language: LetterLanguage) -> Vec<String> {
    let urgent = input.urgency == Urgency::Urgent;
    let deadline = input.deadline.map(|d| written_date(d, language));
    let (urgency, by_deadline) = match (language, deadline) {
        (LetterLanguage::English, Some(d)) => (
            "This request is urgent.",
            format!("The Court would be grateful to receive the assistance requested by {d}."),
        ),
        (LetterLanguage::English, None) => (
            "This request is urgent.",
            format!(
                "The Court would be grateful for the execution of this request {}.",
                if urgent { "as soon as possible" } else { "without undue delay" }
            ),
        ),
        (LetterLanguage::French, Some(d)) => (
            "La présente demande est urgente.",
            format!("La Cour serait reconnaissante de recevoir l'assistance demandée au plus tard le {d}."),
        ),
        (LetterLanguage::French, None) => (
            "La présente demande est urgente.",
            format!(
                "La Cour serait reconnaissante que la présente demande soit exécutée {}.",
                if urgent { "dans les plus brefs délais" } else { "sans retard injustifié" }
            ),
        ),
    };
    let mut sentences = Vec::new();
    if urgent {
        sentences.push(urgency.to_owned());
    }
    sentences.push(by_deadline);
    sentences
}

fn decision_sentence(decision: &str, language: LetterLanguage) -> String {
    match language {
        LetterLanguage::English => format!("This request is made pursuant to the following decision: {decision}."),
        LetterLanguage::French => {
            format!("La présente demande est présentée en application de la décision suivante\u{a0}: {decision}.")
        }
    }
}

fn confidentiality_sentence(language: LetterLanguage) -> &'static str {
    match language {
        LetterLanguage::English => {
            "In accordance with article 87(3) of the Rome Statute, the requested State is asked to keep this \
             request and any documents supporting it confidential, except to the extent that their disclosure \
             is necessary for its execution."
        }
        LetterLanguage::French => {
            "Conformément à l'article 87(3) du Statut de Rome, l'État requis est prié de respecter le caractère \
             confidentiel de la présente demande et des pièces justificatives y afférentes, sauf dans la mesure \
             où leur divulgation est nécessaire pour y donner suite."
        }
    }
}

/// The body of `word/document.xml`, one paragraph per line so a snapshot reads as the letter.
fn document_xml(input: &LetterInput, language: LetterLanguage) -> String {
    let w = words(language);
    let mut body = Body::default();
    if input.confidential {
        body.title(w.confidential);
    }
    body.title(w.court);
    body.title(organ_heading(input.organ, language));
    body.title(w.note_verbale);
    body.field(w.our_reference, &input.reference, w.colon);
    let place = match language {
        LetterLanguage::English => format!("The Hague, {}", written_date(input.date, language)),
        LetterLanguage::French => format!("La Haye, le {}", written_date(input.date, language)),
    };
    body.text(&place);
    body.field(w.to, &input.addressee_name, w.colon);
    if let Some(authority) = input.receiving_authority.as_deref().filter(|a| !a.trim().is_empty()) {
        body.field(w.receiving_authority, authority, w.colon);
    }
    if let Some(channel) = input.channel.as_deref().filter(|c| !c.trim().is_empty()) {
        body.field(w.channel, &channel_words(channel, language), w.colon);
    }
    let subject = if input.title.trim().is_empty() {
        w.request_for_cooperation.to_owned()
    } else {
        format!("{} — {}", w.request_for_cooperation, input.title.trim())
    };
    body.field(w.subject, &subject, w.colon);
    body.text(&opening(input, language));

    body.heading(w.legal_basis);
    body.text(&legal_basis_sentence(&input.lines, language));
    body.text(&input.legal_basis);

    if !input.situation.trim().is_empty() || !input.case_name.trim().is_empty() {
        body.heading(w.situation_and_case);
        body.field(w.situation, &input.situation, w.colon);
        body.field(w.case, &input.case_name, w.colon);
    }
    if !input.purpose.trim().is_empty() {
        body.heading(w.purpose);
        body.text(&input.purpose);
    }
    if !input.facts.trim().is_empty() {
        body.heading(w.facts);
        body.text(&input.facts);
    }

    if !input.lines.is_empty() {
        body.heading(w.assistance);
    }
    for (n, line) in input.lines.iter().enumerate() {
        body.subheading(&format!("{}. {}", n + 1, line_type_title(line.line_type, language)));
        let checklist = line.line_type.checklist();
        for item in checklist {
            if let Some(value) = line.content.get(item.key) {
                body.field(checklist_label(item.key, language), value, w.colon);
            }
        }
        // Answers kept under keys outside the checklist are still part of what was asked.
        for (key, value) in &line.content {
            if !checklist.iter().any(|i| i.key == key) {
                body.field(checklist_label(key, language), value, w.colon);
            }
        }
    }

    body.heading(w.time_limit);
    for sentence in time_limit_sentences(input, language) {
        body.text(&sentence);
    }
    if !input.decision_reference.trim().is_empty() {
        body.heading(w.decision);
        body.text(&decision_sentence(input.decision_reference.trim(), language));
    }
    if input.confidential {
        body.heading(w.confidentiality);
        body.text(confidentiality_sentence(language));
    }
    body.text(&closing(input, language));

    let header_reference =
        if input.confidential { "<w:headerReference w:type=\"default\" r:id=\"rIdHeader\"/>" } else { "" };
    format!(
        "{XML_DECLARATION}<w:document xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:body>\n{}\
         <w:sectPr>{header_reference}<w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
         <w:pgMar w:top=\"1417\" w:right=\"1417\" w:bottom=\"1417\" w:left=\"1417\" \
         w:header=\"708\" w:footer=\"708\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>\n",
        body.xml
    )
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PACKAGE_RELS_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// Paragraphs of WordprocessingML. Every piece of text goes through [`escape`], so what a
/// drafter typed can never break out of its run.
#[derive(Default)]
struct Body {
    xml: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
}

impl Body {
    fn paragraph(&mut self, align: Align, keep_next: bool, space_before: bool, runs: &[(&str, bool)]) {
        self.xml.push_str("<w:p>");
        if align == Align::Center || keep_next || space_before {
            // Child order is fixed by the schema: keepNext, spacing, jc.
            self.xml.push_str("<w:pPr>");
            if keep_next {
                self.xml.push_str("<w:keepNext/>");
            }
            if space_before {
                self.xml.push_str("<w:spacing w:before=\"240\"/>");
            }
            if align == Align::Center {
                self.xml.push_str("<w:jc w:val=\"center\"/>");
            }
            self.xml.push_str("</w:pPr>");
        }
        for (text, bold) in runs {
            run(&mut self.xml, text, *bold);
        }
        self.xml.push_str("</w:p>\n");
    }

    /// A centred bold line of the letterhead.
    fn title(&mut self, text: &str) {
        self.paragraph(Align::Center, false, false, &[(text, true)]);
    }

    fn heading(&mut self, text: &str) {
        self.paragraph(Align::Left, true, true, &[(text, true)]);
    }

    fn subheading(&mut self, text: &str) {
        self.paragraph(Align::Left, true, false, &[(text, true)]);
    }

    /// Free text, one paragraph per line the drafter typed; blank text adds nothing.
    fn text(&mut self, text: &str) {
        for line in clean(text).lines().map(str::trim_end).filter(|l| !l.trim().is_empty()) {
            self.paragraph(Align::Left, false, false, &[(line, false)]);
        }
    }

    /// "Label: value", the label bold; a blank value adds nothing.
    fn field(&mut self, label: &str, value: &str, colon: &str) {
        let value = clean(value);
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let label = format!("{label}{colon}");
        self.paragraph(Align::Left, false, false, &[(&label, true), (value, false)]);
    }
}

/// One run; line breaks and tabs in the text become their WordprocessingML elements.
fn run(xml: &mut String, text: &str, bold: bool) {
    xml.push_str("<w:r>");
    if bold {
        xml.push_str("<w:rPr><w:b/></w:rPr>");
    }
    for (i, line) in clean(text).split('\n').enumerate() {
        if i > 0 {
            xml.push_str("<w:br/>");
        }
        for (j, part) in line.split('\t').enumerate() {
            if j > 0 {
                xml.push_str("<w:tab/>");
            }
            if !part.is_empty() {
                xml.push_str("<w:t xml:space=\"preserve\">");
                xml.push_str(&escape(part));
                xml.push_str("</w:t>");
            }
        }
    }
    xml.push_str("</w:r>");
}

/// Normalises line ends and drops the control characters XML 1.0 cannot carry at all, even
/// escaped, so pasted text cannot make the document unreadable.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| matches!(c, '\n' | '\t') || (c >= ' ' && !matches!(c, '\u{fffe}' | '\u{ffff}')))
        .collect()
}

/// Escapes the five XML special characters, for text and attribute values alike.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn language_tag(language: LetterLanguage) -> &'static str {
    match language {
        LetterLanguage::English => "en-GB",
        LetterLanguage::French => "fr-FR",
    }
}

fn styles_xml(language: LetterLanguage) -> String {
    format!(
        "{XML_DECLARATION}<w:styles xmlns:w=\"{W_NS}\"><w:docDefaults><w:rPrDefault><w:rPr>\
         <w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"Times New Roman\" \
         w:cs=\"Times New Roman\"/><w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/><w:lang w:val=\"{lang}\"/>\
         </w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"120\"/><w:jc w:val=\"both\"/>\
         </w:pPr></w:pPrDefault></w:docDefaults><w:style w:type=\"paragraph\" w:default=\"1\" \
         w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style></w:styles>\n",
        lang = language_tag(language)
    )
}

/// Repeats the confidentiality marking on every page.
fn header_xml(language: LetterLanguage) -> String {
    format!(
        "{XML_DECLARATION}<w:hdr xmlns:w=\"{W_NS}\"><w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>\
         <w:r><w:rPr><w:b/></w:rPr><w:t>{}</w:t></w:r></w:p></w:hdr>\n",
        words(language).confidential
    )
}

fn content_types_xml(confidential: bool) -> String {
    let header = if confidential {
        "<Override PartName=\"/word/header1.xml\" \
         ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/>"
    } else {
        ""
    };
    format!(
        "{XML_DECLARATION}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/word/document.xml\" \
         ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
         <Override PartName=\"/word/styles.xml\" \
         ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>{header}\
         <Override PartName=\"/docProps/core.xml\" \
         ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/></Types>\n"
    )
}

fn package_rels_xml() -> String {
    format!(
        "{XML_DECLARATION}<Relationships xmlns=\"{PACKAGE_RELS_NS}\">\
         <Relationship Id=\"rId1\" Type=\"{R_NS}/officeDocument\" Target=\"word/document.xml\"/>\
         <Relationship Id=\"rId2\" \
         Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" \
         Target=\"docProps/core.xml\"/></Relationships>\n"
    )
}

fn document_rels_xml(confidential: bool) -> String {
    let header = if confidential {
        format!("<Relationship Id=\"rIdHeader\" Type=\"{R_NS}/header\" Target=\"header1.xml\"/>")
    } else {
        String::new()
    };
    format!(
        "{XML_DECLARATION}<Relationships xmlns=\"{PACKAGE_RELS_NS}\">\
         <Relationship Id=\"rIdStyles\" Type=\"{R_NS}/styles\" Target=\"styles.xml\"/>{header}</Relationships>\n"
    )
}

/// The document properties carry the reference only, not the title: the properties travel
/// with the file and are easily overlooked when a confidential letter is shared.
fn core_xml(input: &LetterInput, language: LetterLanguage) -> String {
    let w = words(language);
    format!(
        "{XML_DECLARATION}<cp:coreProperties \
         xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>{title}</dc:title>\
         <dc:identifier>{reference}</dc:identifier><dc:creator>{creator}</dc:creator>\
         <dc:language>{lang}</dc:language>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{date}T00:00:00Z</dcterms:created></cp:coreProperties>\n",
        title = escape(&clean(&format!("{} {}", w.request_for_cooperation, input.reference.trim()))),
        reference = escape(&clean(input.reference.trim())),
        creator = escape(organ_heading(input.organ, language)),
        lang = language_tag(language),
        date = input.date.format("%Y-%m-%d"),
    )
}

/// The ZIP timestamp of every part: the letter's date, so the same input gives the same bytes.
fn zip_time(date: NaiveDate) -> zip::DateTime {
    u16::try_from(date.year())
        .ok()
        .and_then(|y| zip::DateTime::from_date_and_time(y, date.month() as u8, date.day() as u8, 0, 0, 0).ok())
        .unwrap_or_default()
}

fn package(input: &LetterInput, language: LetterLanguage, document: &str) -> Result<Vec<u8>, LetterError> {
    let mut parts: Vec<(&str, String)> = vec![
        // Readers expect the content types first.
        ("[Content_Types].xml", content_types_xml(input.confidential)),
        ("_rels/.rels", package_rels_xml()),
        ("word/document.xml", document.to_owned()),
        ("word/_rels/document.xml.rels", document_rels_xml(input.confidential)),
        ("word/styles.xml", styles_xml(language)),
        ("docProps/core.xml", core_xml(input, language)),
    ];
    if input.confidential {
        parts.push(("word/header1.xml", header_xml(language)));
    }
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip_time(input.date));
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        zip.start_file(name, options)?;
        zip.write_all(content.as_bytes()).map_err(ZipError::from)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn line(line_type: LineType, answers: &[(&str, &str)]) -> LetterLine {
        LetterLine { line_type, content: answers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect() }
    }

    fn input() -> LetterInput {
        LetterInput {
            reference: "ICC-RoC-2026/0042".into(),
            date: d("2026-11-28"),
            addressee_name: "Argentina".into(),
            receiving_authority: Some("Ministry of Foreign Affairs, Directorate of Legal Affairs".into()),
            channel: Some("diplomatic".into()),
            organ: Organ::Registry,
            on_behalf_of: OnBehalfOf::Chamber,
            title: "Location of a witness and service of a summons".into(),
            purpose: "To locate witness P-0123 and serve a summons to appear.".into(),
            facts: "The witness left the Court's seat in 2025.\nHis last known address is in Córdoba.".into(),
            legal_basis: "Decision ICC-01/99-123 of Pre-Trial Chamber II.".into(),
            situation: "Situation in the Republic of Utopia".into(),
            case_name: "The Prosecutor v. A. Example".into(),
            urgency: Urgency::Urgent,
            deadline: Some(d("2027-01-15")),
            decision_reference: "ICC-01/99-123".into(),
            lines: vec![
                line(
                    LineType::IdentifyLocate,
                    &[
                        ("assistance_sought", "Identify the current address of witness P-0123."),
                        ("persons_places", "Witness P-0123; Córdoba."),
                        ("procedure", "Any procedure under national law."),
                    ],
                ),
                line(
                    LineType::ServiceOfDocuments,
                    &[
                        ("assistance_sought", "Serve the attached summons."),
                        ("persons_places", "Witness P-0123."),
                        ("procedure", "Personal service against receipt."),
                        ("annex", "Summons of 20 November 2026"),
                    ],
                ),
            ],
            confidential: true,
        }
    }

    fn langs(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    fn part(docx: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(docx)).expect("the docx is a zip archive");
        let mut file = archive.by_name(name).expect("part present");
        let mut text = String::new();
        file.read_to_string(&mut text).expect("UTF-8 part");
        text
    }

    /// A small well-formedness check: balanced tags, quoted attributes, known entities, no
    /// stray `<` or `&`. The crate has no XML parser and the letter does not need one.
    fn well_formed(xml: &str) -> Result<(), String> {
        fn entities_ok(text: &str) -> Result<(), String> {
            if text.contains('<') {
                return Err(format!("raw '<' in {text:?}"));
            }
            let mut rest = text;
            while let Some(i) = rest.find('&') {
                let after = &rest[i + 1..];
                let end = after.find(';').ok_or_else(|| format!("unterminated entity in {text:?}"))?;
                let name = &after[..end];
                let numeric =
                    name.strip_prefix('#').is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
                if !numeric && !matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
                    return Err(format!("unknown entity &{name};"));
                }
                rest = &after[end + 1..];
            }
            Ok(())
        }
        let mut stack: Vec<String> = Vec::new();
        let mut roots = 0;
        let mut rest = xml;
        if let Some(after) = rest.strip_prefix("<?xml") {
            rest = &after[after.find("?>").ok_or("unterminated declaration")? + 2..];
        }
        while let Some(open) = rest.find('<') {
            let text = &rest[..open];
            if stack.is_empty() && !text.trim().is_empty() {
                return Err(format!("text outside the root: {text:?}"));
            }
            entities_ok(text)?;
            rest = &rest[open + 1..];
            if let Some(after) = rest.strip_prefix('/') {
                let end = after.find('>').ok_or("unterminated end tag")?;
                let name = after[..end].trim();
                if stack.pop().as_deref() != Some(name) {
                    return Err(format!("unexpected </{name}>"));
                }
                rest = &after[end + 1..];
                continue;
            }
            // Find the tag's end outside quoted attribute values.
            let mut quote = None;
            let mut end = None;
            for (i, c) in rest.char_indices() {
                match (quote, c) {
                    (None, '"' | '\'') => quote = Some(c),
                    (Some(q), c) if c == q => quote = None,
                    (None, '>') => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.ok_or("unterminated start tag")?;
            let tag = &rest[..end];
            rest = &rest[end + 1..];
            let (tag, empty) = match tag.strip_suffix('/') {
                Some(t) => (t, true),
                None => (tag, false),
            };
            let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
            let name = &tag[..name_end];
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '-' | '.')) {
                return Err(format!("bad element name {name:?}"));
            }
            let mut attrs = tag[name_end..].trim();
            let mut seen = Vec::new();
            while !attrs.is_empty() {
                let eq = attrs.find('=').ok_or_else(|| format!("attribute without value in <{name}>"))?;
                let attr = attrs[..eq].trim();
                if seen.contains(&attr) {
                    return Err(format!("duplicate attribute {attr} in <{name}>"));
                }
                seen.push(attr);
                let value = attrs[eq + 1..].trim_start();
                let q = value.chars().next().filter(|c| matches!(c, '"' | '\'')).ok_or("unquoted attribute")?;
                let close = value[1..].find(q).ok_or("unterminated attribute")?;
                entities_ok(&value[1..1 + close])?;
                attrs = value[close + 2..].trim_start();
            }
            if stack.is_empty() {
                roots += 1;
            }
            if !empty {
                stack.push(name.to_owned());
            }
        }
        if !rest.trim().is_empty() || !stack.is_empty() || roots != 1 {
            return Err(format!("unbalanced document: open {stack:?}, {roots} roots"));
        }
        Ok(())
    }

    fn unescape(text: &str) -> String {
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    }

    /// The letter as a reader sees it: one line per paragraph.
    fn plain_text(document: &str) -> String {
        let mut out = String::new();
        let mut rest = document;
        while let Some(i) = rest.find('<') {
            rest = &rest[i..];
            let end = rest.find('>').expect("tag end");
            let tag = &rest[..=end];
            rest = &rest[end + 1..];
            if tag.starts_with("<w:t>") || tag.starts_with("<w:t ") {
                let close = rest.find("</w:t>").expect("text end");
                out.push_str(&unescape(&rest[..close]));
                rest = &rest[close..];
            } else if tag == "</w:p>" || tag == "<w:br/>" {
                out.push('\n');
            } else if tag == "<w:tab/>" {
                out.push('\t');
            }
        }
        out
    }

    #[test]
    fn the_letter_is_a_readable_wordprocessing_package() {
        let letter = compose(&input(), &langs(&["en"])).expect("letter");
        assert_eq!(letter.language, "en");
        assert_eq!(letter.translation_needed, None);
        for name in [
            "[Content_Types].xml",
            "_rels/.rels",
            "word/document.xml",
            "word/_rels/document.xml.rels",
            "word/styles.xml",
            "docProps/core.xml",
            "word/header1.xml",
        ] {
            let xml = part(&letter.docx, name);
            well_formed(&xml).unwrap_or_else(|e| panic!("{name} is not well-formed: {e}"));
        }
        let text = plain_text(&part(&letter.docx, "word/document.xml"));
        for expected in [
            "ICC-RoC-2026/0042",
            "The Hague, 28 November 2026",
            "Registry",
            "To: Argentina",
            "Diplomatic channel (art. 87(1)(a))",
            "acting on behalf of the Chamber",
            "in particular articles 87, 93(1)(a) and 93(1)(d).",
            "1. Identification and location of persons or items (art. 93(1)(a))",
            "2. Service of documents, including judicial documents (art. 93(1)(d))",
            "Assistance sought: Serve the attached summons.",
            "annex: Summons of 20 November 2026",
            "This request is urgent.",
            "by 15 January 2027.",
            "ICC-01/99-123",
            "assurances of its highest consideration",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }

    #[test]
    fn french_is_chosen_when_declared_and_uses_french_labels() {
        let letter = compose(&input(), &langs(&["fr"])).expect("letter");
        assert_eq!(letter.language, "fr");
        assert_eq!(letter.filename, "ICC-RoC-2026_0042-letter-fr.docx");
        let text = plain_text(&part(&letter.docx, "word/document.xml"));
        for expected in [
            "COUR PÉNALE INTERNATIONALE",
            "Greffe",
            "La Haye, le 28 novembre 2026",
            "Identification et localisation de personnes ou de biens (art. 93(1)(a))",
            "Assistance demandée\u{a0}: Identify the current address",
            "Personnes et lieux concernés",
            "au plus tard le 15 janvier 2027",
            "CONFIDENTIEL",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert!(!text.contains("Assistance sought"));
    }

    #[test]
    fn another_declared_language_gives_english_flagged_for_translation() {
        let letter = compose(&input(), &langs(&["es"])).expect("letter");
        assert_eq!(letter.language, "en");
        assert_eq!(letter.translation_needed.as_deref(), Some("es"));
        assert_eq!(letter.filename, "ICC-RoC-2026_0042-letter-en.docx");
    }

    #[test]
    fn the_first_declared_language_with_a_template_wins() {
        let letter = compose(&input(), &langs(&["es", "fr"])).expect("letter");
        assert_eq!(letter.language, "fr");
        assert_eq!(letter.translation_needed, None);
        assert_eq!(choose_language(&langs(&[" FR ", "en"])), (LetterLanguage::French, None));
        assert_eq!(choose_language(&langs(&["ar", "ru"])), (LetterLanguage::English, Some("ar".to_owned())));
        assert_eq!(choose_language(&[]), (LetterLanguage::English, None));
    }

    #[test]
    fn user_text_is_escaped() {
        let mut i = input();
        i.title = "<&>\"' title".into();
        i.reference = "R<&>\"'".into();
        i.addressee_name = "</w:t></w:r></w:p><w:p>".into();
        i.facts = "a < b && c > d\r\nquote \"x\" 'y'\u{0}\u{1b}".into();
        i.lines[0].content.insert("procedure".into(), "<script>&amp;</script>".into());
        let letter = compose(&i, &langs(&["en"])).expect("letter");
        for name in ["word/document.xml", "docProps/core.xml"] {
            let xml = part(&letter.docx, name);
            well_formed(&xml).unwrap_or_else(|e| panic!("{name} is not well-formed: {e}"));
        }
        let xml = part(&letter.docx, "word/document.xml");
        assert!(xml.contains("&lt;&amp;&gt;&quot;&apos; title"));
        let text = plain_text(&xml);
        for expected in [
            "<&>\"' title",
            "Our reference: R<&>\"'",
            "To: </w:t></w:r></w:p><w:p>",
            "a < b && c > d\nquote \"x\" 'y'\n",
            "<script>&amp;</script>",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert_eq!(letter.filename, "R_____-letter-en.docx");
    }

    #[test]
    fn filenames_keep_only_safe_characters() {
        assert_eq!(filename("ICC-RoC-2026/0042", LetterLanguage::English), "ICC-RoC-2026_0042-letter-en.docx");
        assert_eq!(filename("../etc/passwd", LetterLanguage::French), "_etc_passwd-letter-fr.docx");
        assert_eq!(filename("Réf 1:2", LetterLanguage::English), "R_f_1_2-letter-en.docx");
        assert_eq!(filename("  ", LetterLanguage::English), "request-letter-en.docx");
    }

    #[test]
    fn every_line_type_has_a_title_and_articles_in_both_languages() {
        for &t in LineType::ALL {
            let en = line_type_title(t, LetterLanguage::English);
            let fr = line_type_title(t, LetterLanguage::French);
            assert!(!en.is_empty() && !fr.is_empty());
            assert!(!line_type_articles(t).is_empty(), "{t} cites no article");
            for article in line_type_articles(t) {
                let first = article.split('(').next().unwrap_or(article);
                assert!(en.contains(first) && fr.contains(first), "{t}: title does not cite art. {article}");
            }
            assert_ne!(en, fr, "{t} is not translated");
        }
    }

    #[test]
    fn every_checklist_key_has_a_label_in_both_languages() {
        for &t in LineType::ALL {
            for item in t.checklist() {
                let en = checklist_label(item.key, LetterLanguage::English);
                let fr = checklist_label(item.key, LetterLanguage::French);
                assert_ne!(en, item.key, "{} has no English label", item.key);
                assert_ne!(fr, item.key, "{} has no French label", item.key);
                assert_ne!(en, fr);
            }
        }
        assert_eq!(checklist_label("something_new", LetterLanguage::French), "something_new");
    }

    #[test]
    fn dates_are_written_out() {
        assert_eq!(written_date(d("2026-11-28"), LetterLanguage::English), "28 November 2026");
        assert_eq!(written_date(d("2026-11-28"), LetterLanguage::French), "28 novembre 2026");
        assert_eq!(written_date(d("2026-12-01"), LetterLanguage::English), "1 December 2026");
        assert_eq!(written_date(d("2027-08-01"), LetterLanguage::French), "1er août 2027");
    }

    #[test]
    fn only_confidential_letters_are_marked() {
        let mut i = input();
        i.confidential = false;
        let letter = compose(&i, &langs(&["en"])).expect("letter");
        let xml = part(&letter.docx, "word/document.xml");
        assert!(!plain_text(&xml).contains("CONFIDENTIAL"));
        assert!(!xml.contains("headerReference"));
        let mut archive = zip::ZipArchive::new(Cursor::new(&letter.docx)).expect("zip");
        assert!(archive.by_name("word/header1.xml").is_err());
        assert!(!part(&letter.docx, "[Content_Types].xml").contains("header1"));
    }

    #[test]
    fn the_organ_sending_its_own_request_acts_for_no_one() {
        let mut i = input();
        i.organ = Organ::Otp;
        i.on_behalf_of = OnBehalfOf::Prosecution;
        let text = plain_text(&document_xml(&i, LetterLanguage::French));
        assert!(text.contains("Bureau du Procureur"));
        assert!(text.contains("destinataire et a l'honneur de leur transmettre"));
        assert!(!text.contains("pour le compte"));
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let a = compose(&input(), &langs(&["en"])).expect("letter");
        let b = compose(&input(), &langs(&["en"])).expect("letter");
        assert_eq!(a.docx, b.docx);
    }

    #[test]
    fn english_document_snapshot() {
        insta::assert_snapshot!(document_xml(&input(), LetterLanguage::English));
    }

    #[test]
    fn french_letter_text_snapshot() {
        let mut i = input();
        i.addressee_name = "Argentine".into();
        i.on_behalf_of = OnBehalfOf::Victims;
        i.urgency = Urgency::Normal;
        i.deadline = None;
        i.lines.push(line(
            LineType::ArrestSurrender,
            &[
                ("person_description", "A. Example, born 1970."),
                ("probable_location", "Buenos Aires."),
                ("warrant_reference", "ICC-01/99-45"),
                ("national_requirements", "As listed in the annex."),
            ],
        ));
        insta::assert_snapshot!(plain_text(&document_xml(&i, LetterLanguage::French)));
    }
}
