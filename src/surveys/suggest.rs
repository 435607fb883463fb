//! Themes suggested for free text when it is sent, from each theme's
//! keywords in `themes.toml`. Only a suggestion: a Youth Council reviewer
//! accepts, removes or adds themes before anything counts.

use super::Theme;
use crate::anonymise::flag::{Lexicon, fold};

/// Matches free text against every theme's keywords.
#[derive(Debug)]
pub struct ThemeSuggester {
    themes: Vec<(String, Lexicon)>,
}

impl ThemeSuggester {
    /// Keywords match like safeguarding phrases, folded the same way: whole
    /// words, any case, any spacing or punctuation between words, with or
    /// without Polish diacritics, Arabic or Urdu letter variants alike, and
    /// Urdu-script keywords with or without spaces. Every language's keywords
    /// are tried on every answer.
    pub fn new(themes: &[Theme]) -> Result<ThemeSuggester, regex::Error> {
        let themes = themes
            .iter()
            .map(|t| {
                let words: Vec<&str> = t.all_keywords().collect();
                Lexicon::new(&words).map(|l| (t.id.clone(), l))
            })
            .collect::<Result<_, _>>()?;
        Ok(ThemeSuggester { themes })
    }

    /// The ids of the themes whose keywords occur in `text`, in file order.
    pub fn suggest(&self, text: &str) -> Vec<String> {
        let folded = fold(text);
        self.themes.iter().filter(|(_, words)| words.matches_folded(&folded)).map(|(id, _)| id.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(id: &str, keywords: &[&str]) -> Theme {
        Theme {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            lang: Default::default(),
        }
    }

    #[test]
    fn suggests_every_theme_whose_words_appear() {
        let s = ThemeSuggester::new(&[
            theme("food", &["hungry", "no lunch"]),
            theme("school", &["teacher", "homework"]),
            theme("home", &["cold house"]),
        ])
        .unwrap();
        assert_eq!(s.suggest("I'm HUNGRY and my teacher shouts"), vec!["food", "school"]);
        assert_eq!(s.suggest("no-lunch money again"), vec!["food"]);
        assert!(s.suggest("homeworks are fine, hungrier than ever").is_empty(), "whole words only");
    }

    /// (text, the theme it must suggest) with the shipped keywords.
    const OTHER_LANGUAGES: &[(&str, &str)] = &[
        ("ہمیں اسکول میں اچھا کھانا چاہیے", "food-and-drink"),
        ("ہميں اسکول ميں اچها کهانا چاهيے", "food-and-drink"),
        ("مجھے بھوک لگتی ہے", "food-and-drink"),
        ("میرے استاد اچھے ہیں", "school-and-learning"),
        ("ہمارے گھر میں بہت ٹھنڈ ہوتی ہے", "somewhere-safe-and-warm"),
        ("mujhe school pasand hai", "school-and-learning"),
        ("Jestem głodny w szkole", "food-and-drink"),
        ("jestem glodny", "food-and-drink"),
        ("Nauczyciele nie słuchają", "school-and-learning"),
        ("W mieszkaniu jest zimno i wilgoć", "somewhere-safe-and-warm"),
        ("Potrzebuję nowych butów", "clothes-and-keeping-clean"),
        ("Chcę, żeby dorośli mnie słuchali", "being-listened-to"),
    ];

    #[test]
    fn suggests_themes_in_urdu_and_polish() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys");
        let registry = crate::surveys::Registry::load(&dir).expect("the shipped surveys load");
        let missed: Vec<String> = OTHER_LANGUAGES
            .iter()
            .filter(|(text, theme)| !registry.suggester.suggest(text).iter().any(|t| t == theme))
            .map(|(text, theme)| format!("{theme}: {text} -> {:?}", registry.suggester.suggest(text)))
            .collect();
        assert!(missed.is_empty(), "\n{}", missed.join("\n"));
    }

    /// Every theme's keywords on 100 KB of near misses (a keyword one letter
    /// short, runs of the punctuation allowed between words, marks that
    /// folding drops): linear, so well under a second even in a debug build.
    #[test]
    fn adversarial_text_is_checked_in_linear_time() {
        use std::time::Duration;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys");
        let registry = crate::surveys::Registry::load(&dir).expect("the shipped surveys load");
        let long = |unit: &str| unit.repeat(100_000 / unit.len() + 1);
        let cases = [
            long("hungr "),
            long("teache "),
            long("no lunc "),
            long("-- "),
            long("a\u{0301}"),
            long("کھان "),
            long("głodn "),
            long("a"),
        ];
        assert!(!registry.suggester.suggest("hungry").is_empty());
        let mut slowest = Duration::ZERO;
        for text in &cases {
            let started = crate::anonymise::WorkTimer::start();
            let _ = registry.suggester.suggest(text);
            slowest = slowest.max(started.elapsed());
        }
        eprintln!("theme keywords: slowest {slowest:?}");
        assert!(slowest < Duration::from_millis(200), "{slowest:?}");
    }
}
