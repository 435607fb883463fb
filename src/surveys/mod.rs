//! Survey definitions: files in `surveys/`, loaded and checked at start, held
//! in memory for the life of the process.

pub mod catalogue;
pub mod load;
pub mod model;
pub mod partnership;
mod report;
pub mod suggest;
pub mod themes;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::anonymise::flag::Lexicon;
pub use catalogue::{Catalogue, Key, Words};
pub use model::*;
pub use partnership::{Partnership, SupportContact};
pub use report::SurveyError;
use report::{Report, parse_toml};
pub use themes::Theme;

const PARTNERSHIP: &str = "partnership.toml";
const THEMES: &str = "themes.toml";
const SAFEGUARDING: &str = "safeguarding.toml";

/// Every survey, theme, contact and lexicon phrase the service knows.
#[derive(Debug)]
pub struct Registry {
    pub partnership: Partnership,
    pub themes: Vec<Theme>,
    pub lexicon: Lexicon,
    /// Suggests themes for free text from the themes' keywords.
    pub suggester: suggest::ThemeSuggester,
    /// The interface's words in every language, from `lang/`.
    pub catalogue: Catalogue,
    surveys: Vec<Arc<Survey>>,
}

impl Registry {
    /// Loads the folder: its three settings files and every other `*.toml`
    /// as a survey. All errors are returned together.
    pub fn load(dir: &Path) -> Result<Registry, Vec<SurveyError>> {
        let files = survey_files(dir).map_err(|e| vec![e])?;
        Registry::load_with(dir, &files)
    }

    /// Loads the settings files from `dir` and the surveys named in `files`
    /// (which may live elsewhere, e.g. a draft being checked).
    pub fn load_with(dir: &Path, files: &[PathBuf]) -> Result<Registry, Vec<SurveyError>> {
        let mut errors = Vec::new();
        let partnership = read(&dir.join(PARTNERSHIP), &mut errors, partnership::load_partnership);
        // Surveys, themes and lexicon are checked against the catalogue even
        // when it has mistakes, so one run shows every mistake.
        let (catalogue, mut found) = Catalogue::load_checked(dir);
        let themes = read(&dir.join(THEMES), &mut errors, |r| themes::load_themes(r, &catalogue));
        let lexicon = read(&dir.join(SAFEGUARDING), &mut errors, |r| load_lexicon(r, &catalogue));
        errors.append(&mut found);
        let theme_ids: HashSet<String> = themes.iter().flatten().map(|t| t.id.clone()).collect();
        let cx = load::Context { themes: &theme_ids, catalogue: &catalogue };

        let mut surveys: Vec<Arc<Survey>> = Vec::new();
        for path in files {
            match std::fs::read_to_string(path) {
                Ok(source) => match load::load_survey(path, &source, &cx) {
                    Ok(survey) => surveys.push(Arc::new(survey)),
                    Err(mut found) => errors.append(&mut found),
                },
                Err(e) => errors.push(unreadable(path, &e)),
            }
        }
        check_across_files(&surveys, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        match (partnership, themes, lexicon) {
            (Some(partnership), Some(themes), Some(lexicon)) => {
                let suggester = suggest::ThemeSuggester::new(&themes).map_err(|e| {
                    vec![SurveyError {
                        path: dir.join(THEMES),
                        line: 0,
                        message: format!("keywords could not be compiled: {e}"),
                    }]
                })?;
                Ok(Registry { partnership, themes, lexicon, suggester, catalogue, surveys })
            }
            _ => Err(errors),
        }
    }

    pub fn surveys(&self) -> &[Arc<Survey>] {
        &self.surveys
    }

    pub fn survey(&self, id: &str) -> Option<&Arc<Survey>> {
        self.surveys.iter().find(|s| s.id == id)
    }

    /// The surveys behind one public link, youngest age group first.
    pub fn by_link(&self, link: &str) -> Vec<&Arc<Survey>> {
        let mut found: Vec<_> = self.surveys.iter().filter(|s| s.link == link).collect();
        found.sort_by_key(|s| s.age_groups.first().copied());
        found
    }

    /// The survey a link gives an age group.
    pub fn for_age(&self, link: &str, age: AgeGroup) -> Option<&Arc<Survey>> {
        self.surveys.iter().find(|s| s.link == link && s.age_groups.contains(&age))
    }

    /// Every public link once, in audience order, with its audience.
    pub fn links(&self) -> Vec<(&str, Audience)> {
        let mut links: Vec<(&str, Audience)> = Vec::new();
        for audience in Audience::ALL {
            for survey in self.surveys.iter().filter(|s| s.audience == audience) {
                if !links.iter().any(|(l, _)| *l == survey.link) {
                    links.push((&survey.link, audience));
                }
            }
        }
        links
    }

    pub fn theme(&self, id: &str) -> Option<&Theme> {
        self.themes.iter().find(|t| t.id == id)
    }

    /// Survey id → the question that carries the "feel listened to"
    /// measure: the answers the dashboard counts by day (`db::daily`).
    pub fn measured_questions(&self) -> HashMap<String, String> {
        self.surveys
            .iter()
            .filter_map(|s| {
                let question = s.questions().find(|q| q.measure == Some(Measure::FeelListenedTo))?;
                Some((s.id.clone(), question.id.clone()))
            })
            .collect()
    }
}

/// Every survey file in `dir`, sorted: `*.toml` but the three settings files.
pub fn survey_files(dir: &Path) -> Result<Vec<PathBuf>, SurveyError> {
    let entries = std::fs::read_dir(dir).map_err(|e| unreadable(dir, &e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            ![PARTNERSHIP, THEMES, SAFEGUARDING].contains(&name)
        })
        .collect();
    files.sort();
    Ok(files)
}

fn read<T>(path: &Path, errors: &mut Vec<SurveyError>, parse: impl FnOnce(&mut Report<'_>) -> Option<T>) -> Option<T> {
    match std::fs::read_to_string(path) {
        Ok(source) => {
            let mut report = Report::new(path, &source);
            let value = parse(&mut report);
            let ok = report.errors.is_empty();
            errors.append(&mut report.errors);
            value.filter(|_| ok)
        }
        Err(e) => {
            errors.push(unreadable(path, &e));
            None
        }
    }
}

fn unreadable(path: &Path, e: &std::io::Error) -> SurveyError {
    SurveyError { path: path.to_path_buf(), line: 0, message: format!("cannot read: {e}") }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    lang: toml::Spanned<BTreeMap<String, toml::Spanned<RawPhrases>>>,
}

/// One language's list in `safeguarding.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhrases {
    /// `false` until native-speaking safeguarding practitioners have checked it.
    #[serde(default = "reviewed_by_default")]
    reviewed: bool,
    phrases: Vec<toml::Spanned<String>>,
}

fn reviewed_by_default() -> bool {
    true
}

fn load_lexicon(report: &mut Report<'_>, catalogue: &Catalogue) -> Option<Lexicon> {
    let raw: RawLexicon = parse_toml(report)?;
    if raw.lang.get_ref().is_empty() {
        report.error(raw.lang.span().start, "list the phrases of at least one language, under [lang.en]");
    }
    let mut lists: Vec<(&str, Vec<&str>)> = Vec::new();
    for (code, list) in raw.lang.get_ref() {
        let at = list.span().start;
        check_language(report, catalogue, code, at);
        if list.get_ref().phrases.is_empty() {
            report.error(at, format!("[lang.{code}] lists no phrases"));
        }
        for phrase in &list.get_ref().phrases {
            check_words(report, phrase.get_ref(), phrase.span().start);
        }
        lists.push((code, list.get_ref().phrases.iter().map(|p| p.get_ref().as_str()).collect()));
    }
    let lists: Vec<(&str, &[&str])> = lists.iter().map(|(code, phrases)| (*code, phrases.as_slice())).collect();
    let unreviewed =
        raw.lang.get_ref().iter().filter(|(_, list)| !list.get_ref().reviewed).map(|(code, _)| code.clone()).collect();
    match Lexicon::for_languages(&lists) {
        Ok(lexicon) => Some(lexicon.unreviewed(unreviewed)),
        Err(e) => {
            report.error(raw.lang.span().start, format!("the phrases could not be compiled: {e}"));
            None
        }
    }
}

/// A `[lang.CODE]` block must name a language the service speaks.
pub(crate) fn check_language(report: &mut Report<'_>, catalogue: &Catalogue, code: &str, at: usize) {
    if catalogue.language(code).is_none() {
        let known: Vec<&str> = catalogue.languages().iter().map(|l| l.code.as_str()).collect();
        report.error(at, format!("[lang.{code}]: no such language; the service speaks {}", known.join(", ")));
    }
}

/// A safeguarding phrase or theme keyword must have words, in a script the
/// lexicon knows (so it can tell which answers it cannot read).
pub(crate) fn check_words(report: &mut Report<'_>, text: &str, at: usize) {
    if text.trim().is_empty() {
        report.error(at, "a blank phrase; remove it");
    } else if !crate::anonymise::flag::in_known_scripts(text) {
        report.error(at, format!("\"{text}\" has letters in a script the lexicon does not know"));
    }
}

fn check_across_files(surveys: &[Arc<Survey>], errors: &mut Vec<SurveyError>) {
    let mut ids: HashMap<&str, &Path> = HashMap::new();
    let mut served: HashMap<(&str, AgeGroup), &Path> = HashMap::new();
    let mut audiences: HashMap<&str, Audience> = HashMap::new();
    for survey in surveys {
        let here = survey.path.as_path();
        if let Some(other) = ids.insert(&survey.id, here) {
            errors.push(SurveyError {
                path: here.to_path_buf(),
                line: 1,
                message: format!("survey id \"{}\" is also used by {}", survey.id, other.display()),
            });
        }
        if let Some(other) = audiences.insert(&survey.link, survey.audience).filter(|a| *a != survey.audience) {
            errors.push(SurveyError {
                path: here.to_path_buf(),
                line: 1,
                message: format!(
                    "link \"{}\" is used for {} elsewhere; one link serves one audience",
                    survey.link,
                    other.as_str()
                ),
            });
        }
        for age in &survey.age_groups {
            if let Some(other) = served.insert((&survey.link, *age), here) {
                errors.push(SurveyError {
                    path: here.to_path_buf(),
                    line: 1,
                    message: format!(
                        "link \"{}\" already serves age group {} from {}",
                        survey.link,
                        age.as_str(),
                        other.display()
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon_errors(source: &str) -> (Option<Lexicon>, Vec<(usize, String)>) {
        let mut catalogue = Catalogue::english_only();
        catalogue.add_for_tests("ur");
        let path = Path::new("safeguarding.toml");
        let mut report = Report::new(path, source);
        let lexicon = load_lexicon(&mut report, &catalogue);
        (lexicon, report.errors.into_iter().map(|e| (e.line, e.message)).collect())
    }

    #[test]
    fn reads_a_list_per_language_and_marks_unreviewed_ones() {
        let (lexicon, errors) = lexicon_errors(
            "[lang.en]\nphrases = [\"hits me\"]\n\n[lang.ur]\nreviewed = false\nphrases = [\"مجھے مارتا\"]\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let lexicon = lexicon.unwrap();
        assert_eq!(lexicon.len(), 2);
        assert!(lexicon.matches("ابو مجھے مارتا ہے"));
        assert_eq!(lexicon.unreviewed_languages(), ["ur".to_owned()]);
        assert!(!lexicon.cannot_read("hello", "ur"));
        assert!(lexicon.cannot_read("hello", "pl"), "Polish has no list in this file");
    }

    #[test]
    fn mistakes_are_reported_on_their_lines() {
        let (_, errors) = lexicon_errors(
            "[lang.en]\nphrases = [\n  \"hits me\",\n  \"  \",\n  \"ᚠᚢᚦ\",\n]\n\n[lang.urd]\nphrases = [\"x y\"]\n\n[lang.ur]\nphrases = []\n",
        );
        let expect = [
            (4, "a blank phrase"),
            (5, "a script the lexicon does not know"),
            (8, "[lang.urd]: no such language; the service speaks en, ur"),
            (11, "[lang.ur] lists no phrases"),
        ];
        for (line, words) in expect {
            assert!(errors.iter().any(|(l, m)| *l == line && m.contains(words)), "line {line}: {words}\n{errors:?}");
        }
        assert_eq!(errors.len(), expect.len(), "{errors:?}");
    }

    #[test]
    fn the_old_single_list_is_refused_with_a_line() {
        let (lexicon, errors) = lexicon_errors("phrases = [\"hits me\"]\n");
        assert!(lexicon.is_none());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, 1);
    }
}
