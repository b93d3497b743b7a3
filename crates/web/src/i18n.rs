//! English, French, Spanish and Arabic (right to left) throughout, with Project Fluent. Every label a page shows
//! comes from `locales/*.ftl`; a key missing from a language falls back to English, and a
//! test proves every file defines the same keys.

use std::{collections::HashMap, sync::Arc};

use axum::http::HeaderMap;
use fluent_bundle::{concurrent::FluentBundle, FluentArgs, FluentResource, FluentValue};

/// The cookie that remembers a chosen language.
pub const LANG_COOKIE: &str = "comity_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
    Es,
    Ar,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Ar => "ar",
        }
    }

    pub const ALL: [Lang; 4] = [Lang::En, Lang::Fr, Lang::Es, Lang::Ar];

    /// The writing direction of pages in the language.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::En | Lang::Fr | Lang::Es => "ltr",
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Es => "Español",
            Lang::Ar => "العربية",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("en") => Some(Lang::En),
            Some("fr") => Some(Lang::Fr),
            Some("es") => Some(Lang::Es),
            Some("ar") => Some(Lang::Ar),
            _ => None,
        }
    }

    /// The language chosen by cookie, else the first supported one the browser asks for.
    pub fn from_headers(h: &HeaderMap) -> Self {
        if let Some(l) = crate::auth::cookie(h, LANG_COOKIE).and_then(|v| Lang::parse(&v)) {
            return l;
        }
        h.get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').find_map(|part| Lang::parse(part.split(';').next().unwrap_or(""))))
            .unwrap_or_default()
    }
}

const SOURCES: [(Lang, &str); 4] = [
    (Lang::En, include_str!("../locales/en.ftl")),
    (Lang::Fr, include_str!("../locales/fr.ftl")),
    (Lang::Es, include_str!("../locales/es.ftl")),
    (Lang::Ar, include_str!("../locales/ar.ftl")),
];

pub struct I18n {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
}

impl I18n {
    /// The one loaded instance, parsed on first use.
    pub fn shared() -> Arc<I18n> {
        static SHARED: std::sync::OnceLock<Arc<I18n>> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| Arc::new(I18n::load())).clone()
    }

    fn load() -> Self {
        let mut bundles = HashMap::new();
        for (lang, src) in SOURCES {
            // The files are compiled in and checked by tests; a parse error is a build defect,
            // so keep whatever parsed rather than refusing to start.
            let res = FluentResource::try_new(src.to_owned()).unwrap_or_else(|(res, _)| res);
            let langid = lang.code().parse().unwrap_or_default();
            let mut b = FluentBundle::new_concurrent(vec![langid]);
            // Values set into right-to-left text (a date, a reference) are isolated so that
            // their digits and hyphens keep their order; left-to-right pages need no marks.
            b.set_use_isolating(lang.dir() == "rtl");
            let _ = b.add_resource(res);
            bundles.insert(lang, b);
        }
        Self { bundles }
    }

    pub fn get(&self, lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        for l in [lang, Lang::En] {
            if let Some(b) = self.bundles.get(&l) {
                if let Some(pattern) = b.get_message(key).and_then(|m| m.value()) {
                    let mut errors = Vec::new();
                    return b.format_pattern(pattern, args, &mut errors).into_owned();
                }
            }
        }
        key.to_owned()
    }

    /// Every message id defined for a language (for the parity test).
    #[cfg(test)]
    pub fn keys(lang: Lang) -> std::collections::BTreeSet<String> {
        let src = SOURCES.iter().find(|(l, _)| *l == lang).map(|(_, s)| *s).unwrap_or_default();
        src.lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && !l.starts_with('.'))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
            .collect()
    }
}

/// The translator handed to templates.
#[derive(Clone)]
pub struct Tr {
    pub lang: Lang,
    i18n: Arc<I18n>,
}

impl Tr {
    pub fn new(lang: Lang, i18n: Arc<I18n>) -> Self {
        Self { lang, i18n }
    }

    /// A name in the reader's language: the French one where there is one.
    pub fn name(&self, en: &str, fr: Option<&str>) -> String {
        match (self.lang, fr) {
            (Lang::Fr, Some(fr)) if !fr.is_empty() => fr.to_owned(),
            _ => en.to_owned(),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.i18n.get(self.lang, key, None)
    }

    /// A message with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        let value = value.to_string();
        // Numbers go in as numbers so that messages can choose their plural form.
        let value = match value.parse::<i64>() {
            Ok(n) => FluentValue::from(n),
            Err(_) => FluentValue::from(value),
        };
        args.set(name.to_owned(), value);
        self.i18n.get(self.lang, key, Some(&args))
    }

    /// Translates a vocabulary code shown to people, e.g. `status-party`.
    pub fn code(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}-{}", code.replace('_', "-"));
        let s = self.t(&key);
        if s == key {
            code.replace('_', " ")
        } else {
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_defines_the_same_messages() {
        let en = I18n::keys(Lang::En);
        assert!(en.len() > 50, "suspiciously few messages: {}", en.len());
        for lang in [Lang::Fr, Lang::Es, Lang::Ar] {
            let other = I18n::keys(lang);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{} lacks {missing:?}; has extra {extra:?}", lang.code());
        }
    }

    /// A message defined twice keeps its first text silently; say so instead.
    #[test]
    fn no_message_is_defined_twice() {
        for (lang, src) in SOURCES {
            let mut seen = std::collections::BTreeSet::new();
            for line in src.lines().filter(|l| !l.starts_with([' ', '#', '.'])) {
                if let Some((key, _)) = line.split_once(" =") {
                    assert!(seen.insert(key.trim()), "{}: '{}' is defined twice", lang.code(), key.trim());
                }
            }
        }
    }

    #[test]
    fn every_file_parses_cleanly() {
        for (lang, src) in SOURCES {
            assert!(FluentResource::try_new(src.to_owned()).is_ok(), "{} does not parse", lang.code());
        }
    }

    #[test]
    fn the_browser_language_is_used_until_a_choice_is_made() {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::ACCEPT_LANGUAGE, "de-DE,fr;q=0.8,en;q=0.5".parse().expect("header"));
        assert_eq!(Lang::from_headers(&h), Lang::Fr);
        h.insert(axum::http::header::COOKIE, "comity_lang=en".parse().expect("header"));
        assert_eq!(Lang::from_headers(&h), Lang::En);
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::ACCEPT_LANGUAGE, "es-AR,es;q=0.9".parse().expect("header"));
        assert_eq!(Lang::from_headers(&h), Lang::Es, "Spanish is offered too");
    }
}
