//! The message catalogue: every word of the interface that a respondent or
//! the public reads, one file a language in `surveys/lang/<code>.toml`.
//!
//! The files sit in the surveys folder, not in the code, for the same reason
//! the surveys do: a partnership (or a translator working with it) fixes a
//! word without a release, and `surveys check` and start-up catch mistakes
//! with the file and line. English is complete by rule: every [`Key`] the
//! code uses must be in `en.toml`, and no file may name a key the code does
//! not know (usually a typo). Other languages may miss keys; what is missing
//! shows in English, marked `lang="en"` so screen readers say it right, and,
//! when translations are strict (tests and debug builds), visibly marked
//! `⟦en⟧` with a `data-missing-translation` attribute so nobody ships it
//! unnoticed.
//!
//! A message that counts something (`{count} characters`) may be written once
//! per plural form, as CLDR names them for the language (`one`, `few`,
//! `many`, `other`, …): `too-long.one = "…"`, `too-long.few = "…"`. The
//! number picks the form by the language's CLDR rules (Polish 2, 3, 4, 22
//! are `few`; 5, 12, 25 are `many`). `other` is always required; a form the
//! language does not have is refused, so a typo cannot hide.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, LazyLock};

use icu_plurals::{PluralCategory, PluralRules};
use maud::{Markup, html};
use serde::Deserialize;
use toml::Spanned;

use super::model::Text;
use super::report::{Report, SurveyError, parse_toml};

macro_rules! keys {
    ($($variant:ident = $key:literal,)*) => {
        /// A message the code shows. Each must be in `lang/en.toml`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key { $($variant),* }

        impl Key {
            /// Every key the code uses.
            pub const ALL: &'static [Key] = &[$(Key::$variant),*];

            /// `group.name`, as written in the catalogue files.
            pub fn as_str(self) -> &'static str {
                match self { $(Key::$variant => $key),* }
            }
        }
    };
}

keys! {
    LayoutSkip = "layout.skip",
    LayoutLeave = "layout.leave",
    LayoutBrand = "layout.brand",
    LayoutHelp = "layout.help",
    LayoutHelpHeading = "layout.help-heading",
    LayoutRunBy = "layout.run-by",
    LayoutTitle = "layout.title",
    LayoutErrorTitle = "layout.error-title",
    LayoutLanguages = "layout.languages",
    LayoutListen = "layout.listen",
    LayoutListenMore = "layout.listen-more",
    HomeTitle = "home.title",
    HomeLead = "home.lead",
    AudienceChildren = "audience.child_young_person",
    AudienceParents = "audience.parent_carer",
    AudiencePractitioners = "audience.practitioner",
    Age5To7 = "age.5-7",
    Age8To11 = "age.8-11",
    Age12To15 = "age.12-15",
    Age16To17 = "age.16-17",
    AgeAdult = "age.adult",
    HelpTitle = "help.title",
    HelpLead = "help.lead",
    HelpDanger = "help.danger",
    HelpPeople = "help.people",
    HelpParentsCarers = "help.parents-carers",
    HelpPractitioners = "help.practitioners",
    HelpStayingSafe = "help.staying-safe",
    HelpLeave = "help.leave",
    HelpPrivateLink = "help.private-link",
    LandingBefore = "landing.before",
    LandingNoName = "landing.no-name",
    LandingWontKnow = "landing.wont-know",
    LandingSkipAny = "landing.skip-any",
    LandingMinutes = "landing.minutes",
    LandingKept = "landing.kept",
    LandingWhoReads = "landing.who-reads",
    LandingReadersChildren = "landing.readers-children",
    LandingReadersAdults = "landing.readers-adults",
    LandingUseThem = "landing.use-them",
    LandingCantContact = "landing.cant-contact",
    LandingHelpNow = "landing.help-now",
    LandingHelpNowLink = "landing.help-now-link",
    LandingPrivateHeading = "landing.private-heading",
    LandingPrivate = "landing.private",
    LandingPrivateLink = "landing.private-link",
    LandingHowOld = "landing.how-old",
    LandingWhichGroup = "landing.which-group",
    LandingAgeHint = "landing.age-hint",
    LandingStart = "landing.start",
    BoardName = "board.name",
    ProblemChooseAge = "problem.choose-age",
    ProblemUnrecognised = "problem.unrecognised",
    ProblemRatherNotSayAlone = "problem.rather-not-say-alone",
    ProblemTooLong = "problem.too-long",
    ProblemPrefix = "problem.prefix",
    ProblemSummary = "problem.summary",
    StepNoteChoice = "step.note-choice",
    StepAnswerThese = "step.answer-these",
    StepSkipPart = "step.skip-part",
    StepAllOptional = "step.all-optional",
    StepSaveAndCheck = "step.save-and-check",
    StepContinue = "step.continue",
    StepBack = "step.back",
    StepStop = "step.stop",
    StepQuestionOf = "step.question-of",
    StepPageOf = "step.page-of",
    StepNoNames = "step.no-names",
    StepChooseAll = "step.choose-all",
    StepOr = "step.or",
    StepRatherNotSay = "step.rather-not-say",
    CheckTitle = "check.title",
    CheckLead = "check.lead",
    CheckSkipped = "check.skipped",
    CheckAnswerIt = "check.answer-it",
    CheckChange = "check.change",
    CheckChangeHidden = "check.change-hidden",
    CheckNotAnswered = "check.not-answered",
    CheckRemoved = "check.removed",
    CheckSend = "check.send",
    NoticeHelpNow = "notice.help-now",
    NoticePageMismatch = "notice.page-mismatch",
    NoticeUpdated = "notice.updated",
    NoticeNotSent = "notice.not-sent",
    ThanksToldTitle = "thanks.told-title",
    ThanksHard = "thanks.hard",
    ThanksCantContact = "thanks.cant-contact",
    ThanksPeopleNow = "thanks.people-now",
    ThanksTitle = "thanks.title",
    ThanksAlready = "thanks.already",
    ThanksGot = "thanks.got",
    ThanksReceiptIs = "thanks.receipt-is",
    ThanksReceiptKeep = "thanks.receipt-keep",
    ThanksTrack = "thanks.track",
    ThanksNext = "thanks.next",
    ThanksNextChildren = "thanks.next-children",
    ThanksNextAdults = "thanks.next-adults",
    ThanksDecide = "thanks.decide",
    ThanksTell = "thanks.tell",
    ThanksTalk = "thanks.talk",
    ThanksHearHeading = "thanks.hear-heading",
    ThanksHearText = "thanks.hear-text",
    ThanksHearLink = "thanks.hear-link",
    StoppedTitle = "stopped.title",
    StoppedLead = "stopped.lead",
    StoppedAgain = "stopped.again",
    StoppedAgainLink = "stopped.again-link",
    ErrorNotFoundHeading = "error.not-found-heading",
    ErrorNotFound = "error.not-found",
    ErrorBadRequestHeading = "error.bad-request-heading",
    ErrorUnreadableRequest = "error.unreadable-request",
    ErrorUnfinished = "error.unfinished",
    ErrorBadCharacters = "error.bad-characters",
    ErrorUnreadableDraft = "error.unreadable-draft",
    ErrorExpiredDraft = "error.expired-draft",
    ErrorAlreadySent = "error.already-sent",
    ErrorTooLargeHeading = "error.too-large-heading",
    ErrorTooLarge = "error.too-large",
    ErrorForbiddenHeading = "error.forbidden-heading",
    ErrorForbidden = "error.forbidden",
    ErrorTooManyHeading = "error.too-many-heading",
    ErrorTooMany = "error.too-many",
    ErrorOurSideHeading = "error.our-side-heading",
    ErrorOurSide = "error.our-side",
    ErrorGoToStart = "error.go-to-start",
    Faces1 = "faces.1",
    Faces2 = "faces.2",
    Faces3 = "faces.3",
    HouseWorries = "houses.worries",
    HouseGood = "houses.good",
    HouseWishes = "houses.wishes",
    Agree1 = "scale-agree.1",
    Agree2 = "scale-agree.2",
    Agree3 = "scale-agree.3",
    Agree4 = "scale-agree.4",
    Agree5 = "scale-agree.5",
    Often1 = "scale-often.1",
    Often2 = "scale-often.2",
    Often3 = "scale-often.3",
    Often4 = "scale-often.4",
    Often5 = "scale-often.5",
    Confident1 = "scale-confident.1",
    Confident2 = "scale-confident.2",
    Confident3 = "scale-confident.3",
    Confident4 = "scale-confident.4",
    Confident5 = "scale-confident.5",
    Helpful1 = "scale-helpful.1",
    Helpful2 = "scale-helpful.2",
    Helpful3 = "scale-helpful.3",
    Helpful4 = "scale-helpful.4",
    Helpful5 = "scale-helpful.5",
    True1 = "scale-true.1",
    True2 = "scale-true.2",
    True3 = "scale-true.3",
    True4 = "scale-true.4",
    True5 = "scale-true.5",
    BoardLead = "board.lead",
    BoardInEnglish = "board.in-english",
    BoardFilter = "board.filter",
    BoardEverything = "board.everything",
    BoardShow = "board.show",
    BoardShowShort = "board.show-short",
    BoardShowDetailed = "board.show-detailed",
    BoardEmpty = "board.empty",
    BoardEmptyTheme = "board.empty-theme",
    BoardSubscribe = "board.subscribe",
    BoardTrack = "board.track",
    BoardFeed = "board.feed",
    BoardPoster = "board.poster",
    BoardYouSaid = "board.you-said",
    BoardWeDid = "board.we-did",
    BoardWho = "board.who",
    BoardBy = "board.by",
    BoardDone = "board.done",
    BoardFirstShared = "board.first-shared",
    BoardLastChanged = "board.last-changed",
    BoardReadDetailed = "board.read-detailed",
    BoardWhatChanged = "board.what-changed",
    BoardHistoryFirst = "board.history-first",
    BoardHistoryUpdated = "board.history-updated",
    StatusWill = "status.will",
    StatusDoing = "status.doing",
    StatusDid = "status.did",
    StatusCant = "status.cant",
    DateLong = "date.long",
    Month1 = "month.1",
    Month2 = "month.2",
    Month3 = "month.3",
    Month4 = "month.4",
    Month5 = "month.5",
    Month6 = "month.6",
    Month7 = "month.7",
    Month8 = "month.8",
    Month9 = "month.9",
    Month10 = "month.10",
    Month11 = "month.11",
    Month12 = "month.12",
    TrackTitle = "track.title",
    TrackHeading = "track.heading",
    TrackHint = "track.hint",
    TrackShowMe = "track.show-me",
    TrackNeverAnswers = "track.never-answers",
    TrackSeeAll = "track.see-all",
    TrackUnknownTitle = "track.unknown-title",
    TrackUnknownCheck = "track.unknown-check",
    TrackUnknownOk = "track.unknown-ok",
    TrackTryAgain = "track.try-again",
    TrackResultTitle = "track.result-title",
    TrackStillReading = "track.still-reading",
    TrackStillReadingMore = "track.still-reading-more",
    TrackGrouped = "track.grouped",
    TrackDid = "track.did",
    TrackNothingYet = "track.nothing-yet",
    TrackCodeEmpty = "track.code-empty",
    TrackCodeShape = "track.code-shape",
    TrackCodeWord = "track.code-word",
    TrackCodeNumber = "track.code-number",
    SubscribeTitle = "subscribe.title",
    SubscribeLead = "subscribe.lead",
    SubscribeApart = "subscribe.apart",
    SubscribeEmail = "subscribe.email",
    SubscribeTheme = "subscribe.theme",
    SubscribeFirstEmail = "subscribe.first-email",
    SubscribeSignUp = "subscribe.sign-up",
    SubscribeSeeSoFar = "subscribe.see-so-far",
    SubscribeEmailEmpty = "subscribe.email-empty",
    SubscribeEmailShape = "subscribe.email-shape",
    SubscribeThemeUnknown = "subscribe.theme-unknown",
    SubscribeCheckTitle = "subscribe.check-title",
    SubscribeCheckSent = "subscribe.check-sent",
    SubscribeCheckSpam = "subscribe.check-spam",
    SubscribeConfirmTitle = "subscribe.confirm-title",
    SubscribeConfirm = "subscribe.confirm",
    SubscribeYes = "subscribe.yes",
    SubscribeDoneTitle = "subscribe.done-title",
    SubscribeDone = "subscribe.done",
    SubscribeDeadTitle = "subscribe.dead-title",
    SubscribeDead = "subscribe.dead",
    SubscribeAgain = "subscribe.again",
    SubscribeStopTitle = "subscribe.stop-title",
    SubscribeStop = "subscribe.stop",
    SubscribeStoppedTitle = "subscribe.stopped-title",
    SubscribeStopped = "subscribe.stopped",
    SubscribeStillSee = "subscribe.still-see",
    EmailHello = "email.hello",
    EmailConfirmSubject = "email.confirm-subject",
    EmailConfirmAsked = "email.confirm-asked",
    EmailConfirmNothing = "email.confirm-nothing",
    EmailNewSubject = "email.new-subject",
    EmailChangedSubject = "email.changed-subject",
    EmailNew = "email.new",
    EmailChanged = "email.changed",
    EmailWeDid = "email.we-did",
    EmailInEnglish = "email.in-english",
    EmailThanks = "email.thanks",
    EmailSee = "email.see",
    EmailStop = "email.stop",
}

/// The month names, January first.
const MONTHS: [Key; 12] = [
    Key::Month1,
    Key::Month2,
    Key::Month3,
    Key::Month4,
    Key::Month5,
    Key::Month6,
    Key::Month7,
    Key::Month8,
    Key::Month9,
    Key::Month10,
    Key::Month11,
    Key::Month12,
];

pub use super::model::ENGLISH;

/// Where the catalogue files live, inside the surveys folder.
pub const LANG_DIR: &str = "lang";

/// What a missing translation shows when translations are strict.
pub const MISSING_MARK: &str = "⟦en⟧";

/// One language's file.
#[derive(Debug)]
pub struct Language {
    /// The file's name: `en`, `ur`, `pl`.
    pub code: String,
    /// The language's name in itself, for the picker: "اردو", "Polski".
    pub name: String,
    /// Written right to left.
    pub rtl: bool,
    /// Which plural form a number takes in this language.
    plurals: Arc<PluralRules>,
    messages: HashMap<String, Message>,
}

/// One message as written: a single text, or a text for each plural form.
#[derive(Debug, Clone)]
enum Message {
    Plain(String),
    /// `other` is every language's catch-all; `forms` are the rest by CLDR category.
    Plural {
        other: String,
        forms: Vec<(PluralCategory, String)>,
    },
}

impl Message {
    /// The text where no number is given, and the one whose
    /// `{placeholders}` every form must keep: the only text, or `other`.
    fn other(&self) -> &str {
        match self {
            Message::Plain(text) | Message::Plural { other: text, .. } => text,
        }
    }

    /// The text for `count`, by the rules of the language it is written in.
    fn for_count(&self, count: usize, rules: &PluralRules) -> &str {
        match self {
            Message::Plain(text) => text,
            Message::Plural { other, forms } => {
                let category = rules.category_for(count);
                forms.iter().find(|(c, _)| *c == category).map_or(other, |(_, text)| text)
            }
        }
    }
}

/// Every language the service speaks, English first.
#[derive(Debug)]
pub struct Catalogue {
    languages: Vec<Language>,
    /// Show a missing translation visibly (tests, debug builds).
    pub strict: bool,
}

/// The English shipped with the code, used when a surveys folder has no
/// `lang/` folder of its own and by pages drawn without a language (staff).
static BUILT_IN: LazyLock<Catalogue> = LazyLock::new(|| {
    let source = include_str!("../../surveys/lang/en.toml");
    let path = Path::new("surveys/lang/en.toml");
    let mut report = Report::new(path, source);
    let english = load_language(&mut report, ENGLISH, None);
    let english = english.unwrap_or_else(|| panic!("the built-in English catalogue loads: {:?}", report.errors));
    assert!(report.errors.is_empty(), "the built-in English catalogue is complete: {:?}", report.errors);
    Catalogue { languages: vec![english], strict: false }
});

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    name: String,
    dir: String,
}

impl Catalogue {
    /// The English catalogue built into the service.
    pub fn built_in() -> &'static Catalogue {
        &BUILT_IN
    }

    /// Reads `dir/lang/*.toml`. Without that folder, the built-in English.
    pub fn load(dir: &Path) -> Result<Catalogue, Vec<SurveyError>> {
        let (catalogue, errors) = Catalogue::load_checked(dir);
        if errors.is_empty() { Ok(catalogue) } else { Err(errors) }
    }

    /// Reads `dir/lang/*.toml` as well as it can, with every mistake found,
    /// so surveys can still be checked against it in the same run.
    pub fn load_checked(dir: &Path) -> (Catalogue, Vec<SurveyError>) {
        let folder = dir.join(LANG_DIR);
        if !folder.is_dir() {
            return (Catalogue::english_only(), Vec::new());
        }
        let mut errors = Vec::new();
        let mut paths: Vec<_> = match std::fs::read_dir(&folder) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect(),
            Err(e) => {
                errors.push(SurveyError { path: folder, line: 0, message: format!("cannot read: {e}") });
                return (Catalogue::english_only(), errors);
            }
        };
        paths.sort();
        let english_path = folder.join("en.toml");
        let english = match read_language(&english_path, ENGLISH, None, &mut errors) {
            Some(english) => english,
            None => {
                if !english_path.exists() {
                    errors.push(SurveyError {
                        path: english_path.clone(),
                        line: 0,
                        message: "the English catalogue is missing; every other language falls back to it".into(),
                    });
                }
                BUILT_IN.languages[0].clone_language()
            }
        };
        let mut languages = vec![];
        for path in paths.iter().filter(|p| **p != english_path) {
            let code = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            if !valid_code(&code) {
                errors.push(SurveyError {
                    path: path.clone(),
                    line: 0,
                    message: format!("\"{code}\" is not a language code: name the file like ur.toml or pt-br.toml"),
                });
                continue;
            }
            if let Some(language) = read_language(path, &code, Some(&english), &mut errors) {
                languages.push(language);
            }
        }
        languages.insert(0, english);
        (Catalogue { languages, strict: false }, errors)
    }

    /// The built-in English and nothing else.
    pub fn english_only() -> Catalogue {
        Catalogue { languages: vec![BUILT_IN.languages[0].clone_language()], strict: false }
    }

    /// Adds an empty language (every message falls back to English).
    #[cfg(test)]
    pub(crate) fn add_for_tests(&mut self, code: &str) {
        let plurals = Arc::new(plural_rules(code).unwrap());
        let messages = HashMap::new();
        self.languages.push(Language { code: code.into(), name: code.into(), rtl: false, plurals, messages });
    }

    /// Every language, English first.
    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    /// The language with this code, if the service has it.
    pub fn language(&self, code: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.code == code)
    }

    /// The words of one language (English when `code` is unknown).
    pub fn words(&self, code: &str) -> Words<'_> {
        let english = &self.languages[0];
        Words { lang: self.language(code).unwrap_or(english), english, strict: self.strict, chosen: false }
    }

    /// The best language for an `Accept-Language` header, if the service
    /// has one of those asked for.
    pub fn from_accept_language(&self, header: &str) -> Option<&Language> {
        let mut asked: Vec<(f32, usize, String)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut bits = part.split(';');
                let tag = bits.next()?.trim().to_ascii_lowercase().replace('_', "-");
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
                    .unwrap_or(1.0);
                (!tag.is_empty() && tag != "*" && q > 0.0).then_some((q, i, tag))
            })
            .collect();
        asked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        asked.iter().find_map(|(_, _, tag)| {
            self.language(tag).or_else(|| self.language(tag.split('-').next().unwrap_or_default()))
        })
    }

    /// A label with a wording in every language that has one, for the
    /// survey's built-in labels (named scales, faces, houses).
    pub fn text(&self, key: Key) -> Text {
        let mut text = Text::plain(self.languages[0].message(key, None).unwrap_or_default());
        for language in &self.languages[1..] {
            if let Some(said) = language.message(key, None) {
                text.translations.push((language.code.clone(), Text::plain(said)));
            }
        }
        text
    }

    /// Keys each language lacks (English never lacks one).
    pub fn gaps(&self) -> Vec<(&str, Vec<Key>)> {
        self.languages[1..]
            .iter()
            .map(|l| (l.code.as_str(), Key::ALL.iter().copied().filter(|k| l.message(*k, None).is_none()).collect()))
            .collect()
    }
}

impl Language {
    /// A message's text: the form for `count` if it counts something.
    fn message(&self, key: Key, count: Option<usize>) -> Option<&str> {
        let message = self.messages.get(key.as_str())?;
        Some(match count {
            Some(count) => message.for_count(count, &self.plurals),
            None => message.other(),
        })
    }

    fn clone_language(&self) -> Language {
        Language {
            code: self.code.clone(),
            name: self.name.clone(),
            rtl: self.rtl,
            plurals: self.plurals.clone(),
            messages: self.messages.clone(),
        }
    }

    /// `rtl` or `ltr`, for the `dir` attribute.
    pub fn dir(&self) -> &'static str {
        if self.rtl { "rtl" } else { "ltr" }
    }
}

/// CLDR's cardinal plural rules for a language code (`pl`, `pt-br`); a
/// language CLDR does not know gets the root rules, where every number is `other`.
fn plural_rules(code: &str) -> Result<PluralRules, String> {
    let language = icu_locale_core::LanguageIdentifier::try_from_str(code).map_err(|e| e.to_string())?;
    PluralRules::try_new_cardinal((&language).into()).map_err(|e| e.to_string())
}

/// The CLDR names of a language's plural forms, for error messages.
fn form_names(rules: &PluralRules) -> String {
    rules.categories().map(category_name).collect::<Vec<_>>().join(", ")
}

fn category_name(category: PluralCategory) -> &'static str {
    match category {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

fn valid_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

fn read_language(
    path: &Path,
    code: &str,
    english: Option<&Language>,
    errors: &mut Vec<SurveyError>,
) -> Option<Language> {
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(e) => {
            if path.exists() {
                errors.push(SurveyError { path: path.to_path_buf(), line: 0, message: format!("cannot read: {e}") });
            }
            return None;
        }
    };
    let mut report = Report::new(path, &source);
    let language = load_language(&mut report, code, english);
    errors.append(&mut report.errors);
    language
}

/// Reads one catalogue file. `english` is `None` for English itself, which
/// must hold every key; other languages may miss keys, but must use the
/// same `{placeholders}` as English in each message they have.
fn load_language(report: &mut Report<'_>, code: &str, english: Option<&Language>) -> Option<Language> {
    let groups: BTreeMap<String, Spanned<toml::Value>> = parse_toml(report)?;
    let plurals = match plural_rules(code) {
        Ok(rules) => rules,
        Err(e) => {
            report.error(0, format!("no plural rules for \"{code}\": {e}"));
            return None;
        }
    };
    let known: HashMap<&str, Key> = Key::ALL.iter().map(|k| (k.as_str(), *k)).collect();
    let mut about = None;
    let mut messages = HashMap::new();
    for (group, value) in &groups {
        let at = value.span().start;
        if group == "language" {
            match value.get_ref().clone().try_into::<RawLanguage>() {
                Ok(raw) => about = Some((raw, at)),
                Err(e) => report.error(at, format!("[language]: {}", e.message().trim())),
            }
            continue;
        }
        let Some(table) = value.get_ref().as_table() else {
            report.error(at, format!("`{group}` should be a [{group}] table of messages"));
            continue;
        };
        for (name, said) in table {
            let key = format!("{group}.{name}");
            let line_of = |report: &Report<'_>, form: Option<&str>| {
                let source = report.source();
                let found = form.and_then(|form| find_key(source, at, &format!("{name}.{form}")));
                report.line_at(found.or_else(|| find_key(source, at, name)).unwrap_or(at))
            };
            if !known.contains_key(key.as_str()) {
                let line = line_of(report, None);
                report.push(line, format!("\"{key}\" is not a message the service uses (a typo?)"));
                continue;
            }
            let Some(message) = read_message(report, &key, said, &plurals, line_of) else {
                continue;
            };
            // English's own forms are held to its `other`.
            let original = match english {
                Some(english) => english.messages.get(&key).map(|m| m.other().to_owned()),
                None => Some(message.other().to_owned()),
            };
            for (form, text) in forms_of(&message) {
                if let Some(original) = &original
                    && placeholders(original) != placeholders(text)
                {
                    let line = line_of(report, form);
                    let which = form.map(|f| format!(" (form `{f}`)")).unwrap_or_default();
                    report.push(
                        line,
                        format!(
                            "\"{key}\"{which} must use the same {{placeholders}} as English: {}",
                            placeholders(original).join(", ")
                        ),
                    );
                }
            }
            messages.insert(key, message);
        }
    }
    let Some((about, about_at)) = about else {
        report.error(0, "add a [language] table with `name` (in the language itself) and `dir` (\"ltr\" or \"rtl\")");
        return None;
    };
    let rtl = match about.dir.as_str() {
        "ltr" => false,
        "rtl" => true,
        other => {
            report.error(about_at, format!("[language]: dir \"{other}\" must be \"ltr\" or \"rtl\""));
            false
        }
    };
    if about.name.trim().is_empty() {
        report.error(about_at, "[language]: `name` is the language's name in itself, e.g. \"Polski\"");
    }
    if english.is_none() {
        for key in Key::ALL.iter().filter(|k| !messages.contains_key(k.as_str())) {
            report.error(0, format!("\"{}\" is missing: English must have every message", key.as_str()));
        }
    }
    Some(Language { code: code.to_owned(), name: about.name, rtl, plurals: Arc::new(plurals), messages })
}

/// One message's value: a non-empty string, or a table of plural forms
/// with `other` among them, each a form the language has. Errors name the
/// line `line_of` finds for the message, or for one of its forms; a form in
/// error is left out, so the rest can still be checked.
fn read_message(
    report: &mut Report<'_>,
    key: &str,
    said: &toml::Value,
    rules: &PluralRules,
    line_of: impl Fn(&Report<'_>, Option<&str>) -> usize,
) -> Option<Message> {
    let text = |value: &toml::Value| value.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let Some(table) = said.as_table() else {
        let Some(said) = text(said) else {
            let line = line_of(report, None);
            report.push(line, format!("\"{key}\" must be a non-empty string, or a table of plural forms"));
            return None;
        };
        return Some(Message::Plain(said));
    };
    if !COUNTED.iter().any(|k| k.as_str() == key) {
        let line = line_of(report, None);
        report.push(line, format!("\"{key}\" counts nothing, so it takes one text, not plural forms"));
        return None;
    }
    let mut other = None;
    let mut forms = Vec::new();
    let mut written = Vec::new();
    for (form, said) in table {
        let line = line_of(report, Some(form));
        let category = PluralCategory::get_for_cldr_string(form);
        let Some(category) = category.filter(|c| rules.categories().any(|known| known == *c)) else {
            let problem =
                if category.is_some() { "is not a plural form of this language" } else { "is not a plural form" };
            report.push(line, format!("\"{key}.{form}\" {problem}: use {}", form_names(rules)));
            continue;
        };
        written.push(category);
        let Some(said) = text(said) else {
            report.push(line, format!("\"{key}.{form}\" must be a non-empty string"));
            continue;
        };
        match category {
            PluralCategory::Other => other = Some(said),
            _ => forms.push((category, said)),
        }
    }
    let Some(other) = other else {
        let line = line_of(report, None);
        report.push(line, format!("\"{key}\" has plural forms but no `other`, which every language needs"));
        return None;
    };
    // A whole number whose form is not written would be shown `other`,
    // which in some languages is only for fractions ("5 znaku").
    let unwritten: Vec<&str> =
        whole_number_forms(rules).into_iter().filter(|c| !written.contains(c)).map(category_name).collect();
    if !unwritten.is_empty() {
        let line = line_of(report, None);
        let forms = unwritten.join(", ");
        report.push(
            line,
            format!("\"{key}\" has plural forms but not {forms}, which whole numbers take in this language"),
        );
    }
    Some(Message::Plural { other, forms })
}

/// The messages that count something, and so may have plural forms.
const COUNTED: [Key; 3] = [Key::LandingMinutes, Key::LandingKept, Key::ProblemTooLong];

/// The plural forms whole numbers take in a language, found by asking its
/// rules about 0 to 1,000 and a million (where some languages, such as
/// French, have a form of their own).
fn whole_number_forms(rules: &PluralRules) -> Vec<PluralCategory> {
    let taken: Vec<PluralCategory> = (0..=1000usize).chain([1_000_000]).map(|n| rules.category_for(n)).collect();
    rules.categories().filter(|form| taken.contains(form)).collect()
}

/// A message's texts, each with the name of its plural form (`None` for a plain one).
fn forms_of(message: &Message) -> Vec<(Option<&'static str>, &str)> {
    match message {
        Message::Plain(text) => vec![(None, text.as_str())],
        Message::Plural { other, forms } => forms
            .iter()
            .map(|(category, text)| (Some(category_name(*category)), text.as_str()))
            .chain([(Some("other"), other.as_str())])
            .collect(),
    }
}

/// Where the key `name` is first written (`name = …`, or dotted as
/// `name.form = …`), at or after the table at `from`.
fn find_key(source: &str, from: usize, name: &str) -> Option<usize> {
    let rest = &source[from.min(source.len())..];
    let mut offset = from;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let bare = trimmed.strip_prefix('"').and_then(|t| t.strip_prefix(name)).and_then(|t| t.strip_prefix('"'));
        let key_end = bare.or_else(|| trimmed.strip_prefix(name)).map(str::trim_start);
        if key_end.is_some_and(|t| t.starts_with('=') || t.starts_with('.')) {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// The `{names}` a message fills in, sorted.
fn placeholders(message: &str) -> Vec<&str> {
    let mut found: Vec<&str> = message
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// The words of one page: its language, and English to fall back on.
#[derive(Debug, Clone, Copy)]
pub struct Words<'a> {
    pub lang: &'a Language,
    english: &'a Language,
    strict: bool,
    /// The person chose this language (in the address or the draft), so
    /// links carry it even when it is English: a browser asking for Urdu
    /// must not win over someone who picked English.
    chosen: bool,
}

impl<'a> Words<'a> {
    /// The language's code, for `lang` attributes and links.
    pub fn code(&self) -> &'a str {
        &self.lang.code
    }

    pub fn dir(&self) -> &'static str {
        self.lang.dir()
    }

    pub fn is_english(&self) -> bool {
        self.lang.code == ENGLISH
    }

    /// The same words, chosen by the person: links carry the language.
    pub fn chosen(mut self) -> Words<'a> {
        self.chosen = true;
        self
    }

    /// Whether the person chose the language (so links carry it).
    pub fn is_chosen(&self) -> bool {
        self.chosen
    }

    /// `path` in this language: `?lang=` is added for any but English, and
    /// for English too when the person chose it.
    pub fn href(&self, path: &str) -> String {
        if self.is_english() && !self.chosen {
            path.to_owned()
        } else {
            let joiner = if path.contains('?') { '&' } else { '?' };
            format!("{path}{joiner}lang={}", self.lang.code)
        }
    }

    /// The message (in its form for `count`, by the rules of the language
    /// it is in), and whether it is English standing in for a translation.
    fn said(&self, key: Key, count: Option<usize>) -> (&'a str, bool) {
        match self.lang.message(key, count) {
            Some(said) => (said, false),
            None => (self.english.message(key, count).unwrap_or(key.as_str()), true),
        }
    }

    /// A message as page content.
    pub fn t(&self, key: Key) -> Markup {
        self.fill(key, &[])
    }

    /// A message as plain text, for a title or an attribute.
    pub fn s(&self, key: Key) -> Cow<'a, str> {
        self.s_with(key, &[])
    }

    /// A message with its `{placeholders}` filled in, as plain text.
    pub fn s_with(&self, key: Key, args: &[(&str, &str)]) -> Cow<'a, str> {
        let (said, missing) = self.said(key, None);
        let mut out = String::new();
        for (text, arg) in pieces(said) {
            out.push_str(text);
            if let Some(name) = arg {
                out.push_str(args.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).unwrap_or_default());
            }
        }
        if missing && self.strict { Cow::Owned(format!("{MISSING_MARK} {out}")) } else { Cow::Owned(out) }
    }

    /// A message with its `{placeholders}` filled with markup (links,
    /// emphasis, names from configuration), so each language can put them
    /// where its word order needs them.
    pub fn fill(&self, key: Key, args: &[(&str, Markup)]) -> Markup {
        self.render(self.said(key, None), args)
    }

    /// A message that counts something: `count` picks the plural form and
    /// fills `{name}`; `args` fill the rest, as for [`Self::fill`].
    pub fn fill_counted(&self, key: Key, (name, count): (&str, usize), args: &[(&str, Markup)]) -> Markup {
        let mut all = vec![(name, html! { (count) })];
        all.extend(args.iter().map(|(n, value)| (*n, value.clone())));
        self.render(self.said(key, Some(count)), &all)
    }

    fn render(&self, (said, missing): (&str, bool), args: &[(&str, Markup)]) -> Markup {
        let body = html! {
            @for (text, arg) in pieces(said) {
                (text)
                @if let Some(name) = arg {
                    @if let Some((_, value)) = args.iter().find(|(n, _)| *n == name) { (value) }
                }
            }
        };
        if missing { self.stand_in(body) } else { body }
    }

    /// English standing in for a missing translation.
    fn stand_in(&self, body: Markup) -> Markup {
        html! {
            @if self.strict {
                span lang="en" dir="ltr" data-missing-translation { (MISSING_MARK) " " (body) }
            } @else {
                span lang="en" dir="ltr" { (body) }
            }
        }
    }

    /// Words from the partnership's configuration, written in English: on a
    /// page in another language they are marked as English, not as missing.
    pub fn english(&self, text: &str) -> Markup {
        html! {
            @if self.is_english() { (text) } @else { span lang="en" dir="ltr" { (text) } }
        }
    }

    /// A date in this language's words, e.g. "3 December 2026" or
    /// "3 grudnia 2026": the month names and the order are in the catalogue
    /// (`[month]`, `date.long`), so a language needs no code, nor a crate.
    pub fn long_date(&self, date: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let month = MONTHS[date.month0() as usize];
        let (day, year) = (date.day().to_string(), date.year().to_string());
        self.s_with(Key::DateLong, &[("day", &day), ("month", &self.s(month)), ("year", &year)]).into_owned()
    }

    /// A survey's wording in this language for `age`, English when the
    /// survey has none.
    pub fn text(&self, text: &Text, age: super::AgeGroup) -> Markup {
        match text.in_lang(self.code(), age) {
            Some(said) => html! { (said) },
            None => self.stand_in(html! { (text.for_age(age)) }),
        }
    }

    /// A survey's wording as plain text, for a title.
    pub fn text_plain(&self, text: &'a Text, age: super::AgeGroup) -> Cow<'a, str> {
        match text.in_lang(self.code(), age) {
            Some(said) => Cow::Borrowed(said),
            None if self.strict => Cow::Owned(format!("{MISSING_MARK} {}", text.for_age(age))),
            None => Cow::Borrowed(text.for_age(age)),
        }
    }
}

/// A message cut into text and the `{placeholder}` after it.
fn pieces(message: &str) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        match rest[open + 1..].find('}') {
            Some(len) if rest[open + 1..open + 1 + len].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                out.push((&rest[..open], Some(&rest[open + 1..open + 1 + len])));
                rest = &rest[open + 2 + len..];
            }
            _ => {
                out.push((&rest[..=open], None));
                rest = &rest[open + 1..];
            }
        }
    }
    out.push((rest, None));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_english_has_every_key() {
        let english = &Catalogue::built_in().languages[0];
        for key in Key::ALL {
            assert!(english.message(*key, None).is_some(), "{} is in en.toml", key.as_str());
        }
    }

    #[test]
    fn placeholders_are_found_and_filled() {
        assert_eq!(placeholders("Question {here} of {total}"), ["here", "total"]);
        assert_eq!(pieces("a {x} b"), [("a ", Some("x")), (" b", None)]);
        assert_eq!(pieces("{ not one }"), [("{", None), (" not one }", None)]);
    }

    #[test]
    fn a_missing_translation_is_english_marked_and_visible_only_when_strict() {
        let plurals = Arc::new(plural_rules("ur").unwrap());
        let urdu =
            Language { code: "ur".into(), name: "اردو".into(), rtl: true, plurals, messages: HashMap::new() };
        let english = &Catalogue::built_in().languages[0];
        let strict = Words { lang: &urdu, english, strict: true, chosen: false }.t(Key::LayoutLeave).into_string();
        assert!(strict.contains("data-missing-translation") && strict.contains(MISSING_MARK), "{strict}");
        assert!(strict.contains("lang=\"en\"") && strict.contains("Leave this page"));
        let quiet = Words { lang: &urdu, english, strict: false, chosen: false }.t(Key::LayoutLeave).into_string();
        assert_eq!(quiet, "<span lang=\"en\" dir=\"ltr\">Leave this page</span>");
    }

    #[test]
    fn accept_language_picks_the_best_language_the_service_has() {
        let mut catalogue = Catalogue::english_only();
        catalogue.add_for_tests("ur");
        catalogue.add_for_tests("pl");
        let best = |header: &str| catalogue.from_accept_language(header).map(|l| l.code.as_str());
        assert_eq!(best("ur-PK,ur;q=0.9,en-GB;q=0.8,en;q=0.7"), Some("ur"));
        assert_eq!(best("en-GB,en;q=0.9,pl;q=0.8"), Some("en"));
        assert_eq!(best("de-DE;q=1, pl;q=0.5, ur;q=0.7"), Some("ur"));
        assert_eq!(best("pl_PL"), Some("pl"));
        assert_eq!(best("fr, *;q=0.1"), None);
        assert_eq!(best("ur;q=0"), None);
    }

    #[test]
    fn dates_read_in_the_language_of_the_page() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let catalogue = shipped();
        assert_eq!(catalogue.words("en").long_date(date), "3 December 2026");
        assert_eq!(catalogue.words("pl").long_date(date), "3 grudnia 2026");
        assert_eq!(catalogue.words("ur").long_date(date), "3 دسمبر 2026");
        let may = chrono::NaiveDate::from_ymd_opt(2027, 5, 31).unwrap();
        assert_eq!(catalogue.words("pl").long_date(may), "31 maja 2027");
    }

    fn shipped() -> Catalogue {
        Catalogue::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys").as_path()).unwrap()
    }

    /// The too-long message for `count` characters in `code`.
    fn too_long(catalogue: &Catalogue, code: &str, count: usize) -> String {
        let max = [("max", html! { "2000" })];
        catalogue.words(code).fill_counted(Key::ProblemTooLong, ("count", count), &max).into_string()
    }

    #[test]
    fn a_count_picks_the_polish_plural_form() {
        let catalogue = shipped();
        let cases = [
            (1, "ma 1 znak."),
            (2, "ma 2 znaki."),
            (4, "ma 4 znaki."),
            (5, "ma 5 znaków."),
            (12, "ma 12 znaków."),
            (22, "ma 22 znaki."),
            (25, "ma 25 znaków."),
            (2001, "ma 2001 znaków."),
        ];
        for (count, wanted) in cases {
            let said = too_long(&catalogue, "pl", count);
            assert!(said.starts_with(&format!("Twoja odpowiedź {wanted} Skróć ją do 2000 znaków")), "{count}: {said}");
        }
        let minutes = |n| catalogue.words("pl").fill_counted(Key::LandingMinutes, ("minutes", n), &[]).into_string();
        assert_eq!(minutes(1), "To zajmie około 1 minuty.");
        assert_eq!(minutes(3), "To zajmie około 3 minut.");
        assert_eq!(minutes(5), "To zajmie około 5 minut.");
    }

    #[test]
    fn a_count_picks_the_urdu_and_english_plural_forms() {
        let catalogue = shipped();
        assert!(too_long(&catalogue, "ur", 1).starts_with("آپ کا جواب 1 حرف لمبا ہے۔"));
        assert!(too_long(&catalogue, "ur", 2).starts_with("آپ کا جواب 2 حروف لمبا ہے۔"));
        assert!(too_long(&catalogue, "ur", 2001).starts_with("آپ کا جواب 2001 حروف لمبا ہے۔"));
        let minutes = |n| catalogue.words("ur").fill_counted(Key::LandingMinutes, ("minutes", n), &[]).into_string();
        assert_eq!(minutes(1), "اس میں تقریباً 1 منٹ لگتا ہے۔");
        assert_eq!(minutes(2), "اس میں تقریباً 2 منٹ لگتے ہیں۔");
        assert!(too_long(&catalogue, "en", 1).starts_with("Your answer is 1 character long. Please make it 2000"));
        assert!(too_long(&catalogue, "en", 2).starts_with("Your answer is 2 characters long."));
        assert!(too_long(&catalogue, "en", 2001).starts_with("Your answer is 2001 characters long."));
        // Without a count, a message with forms says its `other`.
        assert_eq!(
            catalogue.languages[0].message(Key::LandingMinutes, None),
            Some("It takes about {minutes} minutes.")
        );
    }

    #[test]
    fn english_standing_in_takes_the_english_form() {
        let mut catalogue = Catalogue::english_only();
        catalogue.add_for_tests("pl");
        catalogue.strict = true;
        // 2 is `few` in Polish but `other` in English.
        let said = too_long(&catalogue, "pl", 2);
        assert!(said.contains("data-missing-translation") && said.contains("2 characters long"), "{said}");
        assert!(too_long(&catalogue, "pl", 1).contains("1 character long"));
    }

    /// Loads a catalogue file for `code` written as `source`, against the
    /// built-in English: the language, and each error as `line: message`.
    fn load_source(code: &str, source: &str) -> (Option<Language>, Vec<String>) {
        let path = Path::new("lang/test.toml");
        let mut report = Report::new(path, source);
        let english = &Catalogue::built_in().languages[0];
        let language = load_language(&mut report, code, Some(english));
        (language, report.errors.iter().map(|e| format!("{}: {}", e.line, e.message)).collect())
    }

    const POLISH_HEAD: &str = "[language]\nname = \"Polski\"\ndir = \"ltr\"\n\n[problem]\n";

    #[test]
    fn plural_forms_are_checked_with_file_and_line() {
        let source = format!(
            "{POLISH_HEAD}choose-age = \"Wybierz.\"\ntoo-long.one = \"{{count}} znak {{max}}\"\ntoo-long.few = \"{{count}} znaki {{max}}\"\n"
        );
        let (_, errors) = load_source("pl", &source);
        assert_eq!(errors, ["7: \"problem.too-long\" has plural forms but no `other`, which every language needs"]);

        let source = format!(
            "{POLISH_HEAD}too-long.one = \"{{count}} {{max}}\"\ntoo-long.several = \"{{count}} {{max}}\"\ntoo-long.two = \"{{count}} {{max}}\"\ntoo-long.other = \"{{count}}\"\n"
        );
        let (_, errors) = load_source("pl", &source);
        assert_eq!(
            errors,
            [
                "7: \"problem.too-long.several\" is not a plural form: use one, few, many, other",
                "8: \"problem.too-long.two\" is not a plural form of this language: use one, few, many, other",
                "6: \"problem.too-long\" has plural forms but not few, many, which whole numbers take in this language",
                "9: \"problem.too-long\" (form `other`) must use the same {placeholders} as English: count, max",
            ]
        );

        let source = format!("{POLISH_HEAD}too-long = {{ one = \"\", other = \"{{count}} {{max}}\" }}\n");
        let (_, errors) = load_source("pl", &source);
        assert_eq!(
            errors,
            [
                "6: \"problem.too-long.one\" must be a non-empty string",
                "6: \"problem.too-long\" has plural forms but not few, many, which whole numbers take in this language",
            ]
        );
    }

    #[test]
    fn plain_strings_and_plural_forms_load_side_by_side() {
        let source = format!(
            "{POLISH_HEAD}choose-age = \"Wybierz.\"\ntoo-long.one = \"{{count}} znak, {{max}}\"\ntoo-long.other = \"{{count}} znaku, {{max}}\"\n"
        );
        let (polish, errors) = load_source("pl", &source);
        // `surveys check` refuses it: 3 would be shown the form for fractions.
        assert_eq!(
            errors,
            ["7: \"problem.too-long\" has plural forms but not few, many, which whole numbers take in this language"]
        );
        let polish = polish.unwrap();
        assert_eq!(polish.message(Key::ProblemChooseAge, None), Some("Wybierz."));
        assert_eq!(polish.message(Key::ProblemChooseAge, Some(3)), Some("Wybierz."));
        assert_eq!(polish.message(Key::ProblemTooLong, Some(1)), Some("{count} znak, {max}"));
        // No `few` written: 3 takes `other`, as CLDR's fallback says.
        assert_eq!(polish.message(Key::ProblemTooLong, Some(3)), Some("{count} znaku, {max}"));
        assert_eq!(polish.message(Key::ProblemTooLong, None), Some("{count} znaku, {max}"));
    }

    #[test]
    fn only_a_message_that_counts_takes_plural_forms() {
        let source = format!("{POLISH_HEAD}choose-age.one = \"Wybierz.\"\nchoose-age.other = \"Wybierz.\"\n");
        let (_, errors) = load_source("pl", &source);
        assert_eq!(errors, ["6: \"problem.choose-age\" counts nothing, so it takes one text, not plural forms"]);
    }

    #[test]
    fn whole_numbers_take_these_forms() {
        let names =
            |code| whole_number_forms(&plural_rules(code).unwrap()).into_iter().map(category_name).collect::<Vec<_>>();
        assert_eq!(names("pl"), ["one", "few", "many"]);
        assert_eq!(names("ur"), ["one", "other"]);
        assert_eq!(names("en"), ["one", "other"]);
        assert_eq!(names("fr"), ["one", "many", "other"]);
        assert_eq!(names("ar"), ["zero", "one", "two", "few", "many", "other"]);
    }

    #[test]
    fn language_codes_look_like_codes() {
        assert!(valid_code("ur") && valid_code("pl") && valid_code("pt-br") && valid_code("yue"));
        assert!(!valid_code("Urdu") && !valid_code("u") && !valid_code("ur_PK") && !valid_code(""));
    }
}
