//! Phrases in free text that may mean a child is being harmed. A match shows
//! the person a gentle page about help straight away, and sends the response
//! to the safeguarding lead instead of young reviewers.
//!
//! Children mix languages ("abbu mujhe maarta hai, I'm scared"), so every
//! language's phrases are tried on every answer, whatever language the survey
//! was shown in. Text and phrases are both [`fold`]ed first, so the same words
//! match however a phone or keyboard typed them.

use std::sync::LazyLock;

use icu_normalizer::DecomposingNormalizerBorrowed;
use regex::{Regex, RegexBuilder};

/// Scripts a phrase may be written in. A phrase letter outside these is a
/// mistake in the file (and the lexicon would not know the script is read).
const SCRIPTS: &[&str] = &[
    "Latin",
    "Arabic",
    "Cyrillic",
    "Greek",
    "Devanagari",
    "Bengali",
    "Gurmukhi",
    "Gujarati",
    "Tamil",
    "Hebrew",
    "Han",
    "Thai",
    "Hangul",
    "Ethiopic",
];

/// Scripts whose writers often leave out spaces between words (Urdu's
/// non-joining letters look spaced without one), so phrases in them match
/// without word boundaries and with or without spaces.
const UNSPACED_SCRIPTS: &[&str] = &["Arabic"];

/// The safeguarding lexicon, compiled into one pattern.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pattern: Option<Regex>,
    size: usize,
    /// The languages that have a list of their own.
    languages: Vec<String>,
    /// Letters in a script no phrase is written in: text the lexicon cannot read.
    unreadable: Option<Regex>,
    /// Languages whose list no native-speaking practitioner has checked yet.
    unreviewed: Vec<String>,
}

impl Lexicon {
    /// One list, for any language. Each phrase matches case-insensitively,
    /// as whole words, with any run of spaces or punctuation between its
    /// words, with curly and straight apostrophes alike, and with accents and
    /// letter variants folded ([`fold`]). Phrases in Arabic script (Urdu)
    /// match without word boundaries: see [`UNSPACED_SCRIPTS`]. The list
    /// belongs to no language, so it suits theme keywords; the safeguarding
    /// lexicon is built with [`Lexicon::for_languages`].
    pub fn new<S: AsRef<str>>(phrases: &[S]) -> Result<Lexicon, regex::Error> {
        Lexicon::for_languages(&[("", phrases)])
    }

    /// A list for each language (code, phrases). Every list is matched
    /// against every text.
    pub fn for_languages<S: AsRef<str>>(lists: &[(&str, &[S])]) -> Result<Lexicon, regex::Error> {
        let mut alternatives: Vec<String> = Vec::new();
        let mut scripts: Vec<&str> = Vec::new();
        for phrase in lists.iter().flat_map(|(_, phrases)| phrases.iter()) {
            let phrase = phrase.as_ref();
            for script in phrase_scripts(phrase) {
                if !scripts.contains(&script) {
                    scripts.push(script);
                }
            }
            if let Some(alternative) = alternative(&fold(phrase)) {
                alternatives.push(alternative);
            }
        }
        let size = alternatives.len();
        let languages = lists.iter().map(|(code, _)| code.to_string()).filter(|c| !c.is_empty()).collect();
        let unreadable = if scripts.is_empty() {
            None
        } else {
            let known: String = scripts.iter().map(|s| format!(r"--\p{{{s}}}")).collect();
            Some(Regex::new(&format!(r"[\p{{L}}{known}]"))?)
        };
        if alternatives.is_empty() {
            return Ok(Lexicon { pattern: None, size, languages, unreadable, unreviewed: Vec::new() });
        }
        // A roomy lazy-DFA cache: with the default, hundreds of phrases make
        // the regex fall back to a far slower engine (see the timing test).
        let pattern = RegexBuilder::new(&format!("(?:{})", alternatives.join("|")))
            .size_limit(64 << 20)
            .dfa_size_limit(64 << 20)
            .build()?;
        Ok(Lexicon { pattern: Some(pattern), size, languages, unreadable, unreviewed: Vec::new() })
    }

    /// Whether any phrase, in any language, occurs in `text`.
    pub fn matches(&self, text: &str) -> bool {
        self.matches_folded(&fold(text))
    }

    /// [`Lexicon::matches`] on text already [`fold`]ed: several lists tried
    /// on one text fold it once.
    pub fn matches_folded(&self, folded: &str) -> bool {
        self.pattern.as_ref().is_some_and(|p| p.is_match(folded))
    }

    /// Whether `text`, written in a journey in language `lang`, is beyond
    /// what the lexicon can read, so finding no phrase in it proves nothing:
    /// it has letters
    /// in a script none of the phrases is written in (Bengali, Cyrillic, …),
    /// or `lang` has no list of its own. Such text goes to an adult first.
    pub fn cannot_read(&self, text: &str, lang: &str) -> bool {
        let has_letters = text.chars().any(char::is_alphabetic);
        let unknown_script = self.unreadable.as_ref().is_some_and(|u| u.is_match(text));
        has_letters && (unknown_script || !self.languages.iter().any(|l| l == lang))
    }

    /// Records which languages' lists are a first version, not yet checked
    /// by native-speaking safeguarding practitioners.
    pub fn unreviewed(mut self, languages: Vec<String>) -> Lexicon {
        self.unreviewed = languages;
        self
    }

    /// The languages whose lists are not yet reviewed (`reviewed = false`).
    pub fn unreviewed_languages(&self) -> &[String] {
        &self.unreviewed
    }

    /// How many phrases it holds.
    pub fn len(&self) -> usize {
        self.size
    }

    pub fn is_empty(&self) -> bool {
        self.size == 0
    }
}

/// The regex for one folded phrase, or `None` if it is blank.
fn alternative(phrase: &str) -> Option<String> {
    let words: Vec<String> =
        phrase.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()).map(regex::escape).collect();
    if words.is_empty() {
        return None;
    }
    let unspaced = phrase_scripts(phrase).iter().any(|s| UNSPACED_SCRIPTS.contains(s));
    // ASCII word boundaries: folded Latin text is plain ASCII letters (accents
    // and Polish diacritics are gone), and unlike Unicode ones they leave the
    // fast regex engines usable on text with Urdu in it.
    Some(if unspaced { words.join(r"[\s\p{P}]*") } else { format!(r"(?-u:\b){}(?-u:\b)", words.join(r"[\s\p{P}]+")) })
}

/// The scripts of the letters in `phrase`, as named in [`SCRIPTS`].
pub fn phrase_scripts(phrase: &str) -> Vec<&'static str> {
    static EACH: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
        SCRIPTS.iter().map(|s| (*s, Regex::new(&format!(r"^\p{{{s}}}$")).expect("script names are valid"))).collect()
    });
    let mut found = Vec::new();
    for c in phrase.chars().filter(|c| c.is_alphabetic()) {
        let mut buf = [0u8; 4];
        let c = c.encode_utf8(&mut buf);
        if let Some((name, _)) = EACH.iter().find(|(_, re)| re.is_match(c))
            && !found.contains(name)
        {
            found.push(*name);
        }
    }
    found
}

/// Whether every letter of `phrase` is in one of [`SCRIPTS`].
pub fn in_known_scripts(phrase: &str) -> bool {
    let letters = phrase.chars().filter(|c| c.is_alphabetic()).count();
    let known = phrase.chars().filter(|c| c.is_alphabetic()).filter(|c| !phrase_scripts(&c.to_string()).is_empty());
    known.count() == letters
}

/// Text in the form phrases are matched in, the same for the lexicon, the
/// theme keywords and the text they are tried on:
///
/// * compatibility forms unfolded (NFKD): Arabic presentation forms copied
///   from a PDF, full-width letters, ligatures;
/// * every combining mark dropped: Polish written with or without its
///   diacritics matches the same ("boję się" = "boje sie"), and Urdu's
///   optional vowel signs, hamza and madda (آ = ا, ۓ = ے) do too;
/// * invisible characters dropped: zero-width joiners and non-joiners,
///   direction marks, soft hyphens, the Arabic stretching tatweel;
/// * lower case, with `ł` as `l`;
/// * Arabic letter variants as the Urdu ones, since Arabic keyboards are
///   common: ي ى → ی, ك → ک, and every "he" (ه ھ ة ۃ) → ہ;
/// * curly apostrophes and backticks as `'`.
pub fn fold(text: &str) -> String {
    static NFKD: DecomposingNormalizerBorrowed<'static> = DecomposingNormalizerBorrowed::new_nfkd();
    // Every combining mark, of any script, in one pass over the text (what
    // NFKD splits accents into). Lower-casing after this makes no new marks:
    // the one letter whose lower case has one (İ) is already split by NFKD.
    static MARKS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\p{M}+").expect("valid"));
    let decomposed = NFKD.normalize(text);
    let unmarked = MARKS.replace_all(&decomposed, "");
    let mut out = String::with_capacity(unmarked.len());
    for c in unmarked.chars() {
        match c {
            // Combining marks went above; these are the Quranic annotation
            // signs around them that are not marks, and invisible characters.
            '\u{06D6}'..='\u{06ED}'
            | '\u{00AD}'
            | '\u{0640}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}' => {}
            'ł' | 'Ł' => out.push('l'),
            '\u{064A}' | '\u{0649}' | '\u{06D0}' => out.push('\u{06CC}'),
            '\u{0643}' => out.push('\u{06A9}'),
            '\u{0647}' | '\u{06BE}' | '\u{0629}' | '\u{06C3}' | '\u{06D5}' => out.push('\u{06C1}'),
            '\u{2019}' | '\u{2018}' | '`' | '\u{02BC}' => out.push('\''),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::new(&["hits me", "scared to go home", "no food", "don't feel safe"]).unwrap()
    }

    #[test]
    fn finds_phrases_in_any_case_and_spacing() {
        let l = lexicon();
        for text in [
            "my dad HITS  ME when he's angry",
            "I'm scared to go home after school",
            "there is no food in the house",
            "there's no-food most days",
            "I don\u{2019}t feel safe",
            "Hits me.",
        ] {
            assert!(l.matches(text), "{text}");
        }
    }

    #[test]
    fn leaves_ordinary_sentences_alone() {
        let l = lexicon();
        for text in [
            "he hits the ball really far",
            "no foodbank near us",
            "I'm not scared to go to school",
            "I love going home",
            "",
        ] {
            assert!(!l.matches(text), "{text}");
        }
    }

    #[test]
    fn an_empty_lexicon_matches_nothing() {
        let l = Lexicon::new::<&str>(&[]).unwrap();
        assert!(l.is_empty());
        assert!(!l.matches("hits me"));
    }

    /// The shipped lists, as the service loads them.
    fn shipped() -> Lexicon {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys");
        crate::surveys::Registry::load(&dir).expect("the shipped surveys load").lexicon
    }

    /// (text, why it must match): the ways children write in Urdu and Polish.
    const OTHER_LANGUAGES: &[(&str, &str)] = &[
        ("ابو مجھے مارتا ہے", "Urdu script"),
        ("ابو مجھے مارتا ہے", "Urdu with a non-breaking space"),
        ("ابو مجھےمارتا ہے", "Urdu without the space after a non-joining letter"),
        ("ابو مجهے مارتا هے", "Arabic he (ه) for Urdu ہ"),
        ("ابو مجھے مارتا ھے", "do-chashmi he for gol he"),
        ("ابو مجھ\u{200C}ے مار\u{200D}تا ہے", "zero-width non-joiner and joiner"),
        ("ابو مجھے مـــارتا ہے", "tatweel stretching"),
        ("میں خود کو نقصان پہنچاتی ہوں", "self-harm, Urdu"),
        ("میں خود کشی کرنا چاہتا ہوں", "suicide, Urdu with a space"),
        ("مىں خودکشى کرنا چاهتا هوں", "suicide, Arabic ى and ه"),
        ("میں گھر جانے سے ڈرتا ہوں", "scared to go home, Urdu"),
        ("گھر میں کھانا نہیں ہوتا", "no food at home, Urdu"),
        ("گهر ميں کهانا نهيں هوتا", "no food, Arabic letters throughout"),
        ("ﻣﺠﮭﮯ ﻣﺎﺭﺗﺎ", "Arabic presentation forms (copied from a PDF)"),
        ("abbu mujhe maarta hai", "Roman Urdu"),
        ("Abu MUJHE MARTA h", "Roman Urdu, other spelling and case"),
        ("mujhe ghar jane se dar lagta hai", "Roman Urdu, scared of home"),
        ("main khudkushi karna chahti hoon", "Roman Urdu, suicide"),
        ("bije mnie tata", "Polish"),
        ("Tata mnie bije", "Polish, other word order"),
        ("boję się wracać do domu", "Polish with diacritics"),
        ("boje sie wracac do domu", "Polish without diacritics"),
        ("BOJĘ SIĘ WRACAĆ DO DOMU", "Polish in capitals"),
        ("boje\u{0328} sie\u{0328} wracac\u{0301} do domu", "Polish diacritics as combining marks"),
        ("nie ma co jeść w domu", "Polish, no food"),
        ("chcę się zabić", "Polish, suicide"),
        ("chce sie zabic", "Polish without diacritics, suicide"),
        ("tnę się", "Polish, self-harm"),
        ("zamyka mnie w pokoju", "Polish, locked in"),
        ("dotyka mnie wujek", "Polish, touched"),
        ("ojczym bije mamę", "Polish, domestic abuse"),
        ("my dad mujhe maarta hai and I'm scared", "mixed English and Roman Urdu"),
    ];

    #[test]
    fn finds_urdu_and_polish_however_they_are_typed() {
        let l = shipped();
        let missed: Vec<_> =
            OTHER_LANGUAGES.iter().filter(|(text, _)| !l.matches(text)).map(|(t, why)| format!("{why}: {t}")).collect();
        assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
    }

    #[test]
    fn leaves_ordinary_urdu_and_polish_alone() {
        let l = shipped();
        for text in [
            "مجھے اسکول پسند ہے لیکن کبھی کبھی میں اداس ہوتا ہوں۔",
            "ہمیں اسکول میں اچھا کھانا چاہیے",
            "میں اپنی امی سے بہت پیار کرتا ہوں",
            "mujhe school pasand hai",
            "Lubię szkołę, ale nauczyciele są czasem surowi.",
            "Mój brat ma 5 lat, a ja 12.",
            "Chodzę na basen 3 razy w tygodniu",
            "Tata gra ze mną w piłkę",
            "Chciałbym więcej zajęć po szkole",
        ] {
            assert!(!l.matches(text), "{text}");
        }
    }

    #[test]
    fn every_language_applies_to_every_answer() {
        let l = Lexicon::for_languages(&[("en", &["hits me"][..]), ("pl", &["bije mnie"][..])]).unwrap();
        assert!(l.matches("bije mnie"));
        assert!(l.matches("he hits me"));
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn folds_letter_variants_diacritics_and_invisible_characters() {
        for (a, b) in [
            ("ي ك ه ى", "ی ک ہ ی"),
            ("آ", "ا"),
            ("ۓ", "ے"),
            ("Żółć Łódź", "zolc lodz"),
            ("don\u{2019}t", "don't"),
            ("a\u{200C}b\u{200F}c\u{FEFF}", "abc"),
            ("ｆｕｌｌ", "full"),
        ] {
            assert_eq!(fold(a), fold(b), "{a} / {b}");
        }
        assert_eq!(fold("Boję Się"), "boje sie");
    }

    #[test]
    fn text_in_a_script_no_list_is_written_in_cannot_be_read() {
        let l = Lexicon::for_languages(&[("en", &["hits me"][..]), ("ur", &["مجھے مارتا"][..])]).unwrap();
        assert!(!l.cannot_read("I like school", "en"));
        assert!(!l.cannot_read("مجھے اسکول پسند ہے", "ur"));
        assert!(!l.cannot_read("I love football ⚽😀 12 3", "en"));
        assert!(l.cannot_read("আমার বাবা আমাকে মারে", "en"), "Bengali");
        assert!(l.cannot_read("мне страшно", "ur"), "Cyrillic");
        assert!(l.cannot_read("I like school", "so"), "a language with no list of its own");
        assert!(!l.cannot_read("", "so"), "nothing to read");
    }

    /// Hundreds of phrases with Unicode classes overflow the regex's default
    /// lazy-DFA cache and fall back to an engine a thousand times slower: a
    /// long answer then took half a second to check.
    #[test]
    fn long_answers_are_checked_quickly() {
        let l = shipped();
        let mut text = String::new();
        while text.chars().count() < 2_000 {
            text.push_str(
                "مجھے اسکول پسند ہے لیکن کبھی کبھی میں اداس ہوتا ہوں۔ Lubię szkołę, ale nauczyciele są surowi. ",
            );
        }
        // The first call builds the regex caches.
        assert!(!l.matches(&text));
        let started = std::time::Instant::now();
        for _ in 0..10 {
            assert!(!l.matches(&text));
        }
        let each = started.elapsed() / 10;
        eprintln!("checked {} chars in {each:?}", text.chars().count());
        assert!(each < std::time::Duration::from_millis(100), "{each:?} for one answer");
        text.push_str(" tata bije mnie");
        assert!(l.matches(&text));
    }

    #[test]
    fn knows_the_scripts_of_phrases() {
        assert_eq!(phrase_scripts("bije mnie"), vec!["Latin"]);
        assert_eq!(phrase_scripts("ابو مجھے"), vec!["Arabic"]);
        assert!(in_known_scripts("ہے and is"));
        assert!(!in_known_scripts("ᚠᚢᚦ"), "runes");
    }

    /// The shipped lexicon on 100 KB built to defeat it: near misses of its
    /// phrases, one word short or one letter off, which keep a matcher
    /// hoping; runs of the spaces and punctuation allowed between words;
    /// combining marks and invisible characters that folding drops; text in
    /// scripts no list is written in. Each must be checked in well under a
    /// second in a debug build, as a linear pass is.
    #[test]
    fn adversarial_text_is_checked_in_linear_time() {
        use std::time::Duration;
        let l = shipped();
        let long = |prefix: &str, unit: &str| {
            let mut text = prefix.to_owned();
            while text.len() < 100_000 {
                text.push_str(unit);
            }
            text
        };
        let cases = [
            long("", "kill mysel "),
            long("", "scared to go hom "),
            long("", "hits "),
            long("", "scared to go "),
            long("", "scared to "),
            long("", "no "),
            long("", "don't feel "),
            long("no", " "),
            long("no", "!"),
            long("no", "-_-"),
            long("", "a\u{0301}"),
            long("", "\u{0301}"),
            long("", "\u{200B}"),
            long("", "ـ"),
            long("", "ﻣﺠﮭﮯ "),
            long("", "ابو مجھے مار "),
            long("", "مجھے"),
            long("", "abbu mujhe maart "),
            long("", "tata mnie bi "),
            long("", "boję się wraca "),
            long("", "আমার "),
            long("", "мне "),
            long("", "😀"),
            long("", "ｆｕｌｌ"),
            long("", "a"),
            long("", "'"),
        ];
        // The first call builds the patterns and warms the caches.
        assert!(l.matches("he hits me"));
        let bound = Duration::from_millis(200);
        let mut slowest = (Duration::ZERO, String::new());
        for text in &cases {
            let started = super::super::WorkTimer::start();
            let _ = l.matches(text);
            let _ = l.cannot_read(text, "en");
            let elapsed = started.elapsed();
            if elapsed > slowest.0 {
                slowest = (elapsed, text.chars().take(20).collect());
            }
        }
        eprintln!("lexicon: slowest {:?} on {:?}…", slowest.0, slowest.1);
        assert!(slowest.0 < bound, "{:?} on {:?}…", slowest.0, slowest.1);
    }
}
