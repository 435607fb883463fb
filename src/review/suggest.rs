//! Themes suggested for free text when it is sent, from each theme's
//! keywords in `themes.toml`. Only a suggestion: a Youth Council reviewer
//! accepts, removes or adds themes before anything counts.

use crate::anonymise::flag::Lexicon;
use crate::surveys::Theme;

/// Matches free text against every theme's keywords.
#[derive(Debug)]
pub struct ThemeSuggester {
    themes: Vec<(String, Lexicon)>,
}

impl ThemeSuggester {
    /// Keywords match like safeguarding phrases: whole words, any case, any
    /// spacing or punctuation between words.
    pub fn new(themes: &[Theme]) -> Result<ThemeSuggester, regex::Error> {
        let themes =
            themes.iter().map(|t| Lexicon::new(&t.keywords).map(|l| (t.id.clone(), l))).collect::<Result<_, _>>()?;
        Ok(ThemeSuggester { themes })
    }

    /// The ids of the themes whose keywords occur in `text`, in file order.
    pub fn suggest(&self, text: &str) -> Vec<String> {
        self.themes.iter().filter(|(_, words)| words.matches(text)).map(|(id, _)| id.clone()).collect()
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
}
