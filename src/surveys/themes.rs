//! `themes.toml`: what answers are grouped into.

use std::collections::HashSet;

use serde::Deserialize;
use toml::Spanned;

use super::load::{Report, parse_toml, valid_id};

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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThemes {
    themes: Vec<Spanned<Theme>>,
}

pub(crate) fn load_themes(report: &mut Report<'_>) -> Option<Vec<Theme>> {
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
    }
    Some(raw.themes.into_iter().map(Spanned::into_inner).collect())
}
