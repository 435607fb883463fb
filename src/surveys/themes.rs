//! `themes.toml`: what answers are grouped into.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use toml::Spanned;

use super::catalogue::Catalogue;
use super::report::{Report, parse_toml, valid_id};
use super::{check_language, check_words};

/// A theme young people's answers are grouped into.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub id: String,
    /// Child-friendly, shown publicly.
    pub name: String,
    /// For staff.
    pub description: String,
    /// Words and phrases in free text that suggest this theme.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Keywords in other languages, by language code (`[themes.lang.ur]`).
    /// Every language's keywords are tried on every answer.
    #[serde(default)]
    pub lang: BTreeMap<String, ThemeWords>,
}

impl Theme {
    /// The theme's keywords in every language.
    pub fn all_keywords(&self) -> impl Iterator<Item = &str> {
        self.keywords.iter().chain(self.lang.values().flat_map(|w| w.keywords.iter())).map(String::as_str)
    }
}

/// A theme's keywords in one more language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeWords {
    pub keywords: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThemes {
    themes: Vec<Spanned<Theme>>,
}

pub(crate) fn load_themes(report: &mut Report<'_>, catalogue: &Catalogue) -> Option<Vec<Theme>> {
    let raw: RawThemes = parse_toml(report)?;
    let mut seen = HashSet::new();
    for theme in &raw.themes {
        let id = &theme.get_ref().id;
        if !valid_id(id) {
            report
                .error(theme.span().start, format!("theme id \"{id}\" must be lower-case letters, digits and dashes"));
        } else if !seen.insert(id.clone()) {
            report.error(theme.span().start, format!("theme id \"{id}\" is used twice"));
        }
        for code in theme.get_ref().lang.keys() {
            check_language(report, catalogue, code, theme.span().start);
        }
        for word in theme.get_ref().all_keywords() {
            check_words(report, word, theme.span().start);
        }
    }
    Some(raw.themes.into_iter().map(Spanned::into_inner).collect())
}
