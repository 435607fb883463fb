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

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::LazyLock;

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
    HelpStayingSafe = "help.staying-safe",
    HelpLeave = "help.leave",
    HelpPrivateLink = "help.private-link",
    LandingBefore = "landing.before",
    LandingNoName = "landing.no-name",
    LandingWontKnow = "landing.wont-know",
    LandingSkipAny = "landing.skip-any",
    LandingMinutes = "landing.minutes",
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
    messages: HashMap<String, String>,
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
        let messages = HashMap::new();
        self.languages.push(Language { code: code.into(), name: code.into(), rtl: false, messages });
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
        let mut text = Text::plain(self.languages[0].message(key).unwrap_or_default());
        for language in &self.languages[1..] {
            if let Some(said) = language.message(key) {
                text.translations.push((language.code.clone(), Text::plain(said)));
            }
        }
        text
    }

    /// Keys each language lacks (English never lacks one).
    pub fn gaps(&self) -> Vec<(&str, Vec<Key>)> {
        self.languages[1..]
            .iter()
            .map(|l| (l.code.as_str(), Key::ALL.iter().copied().filter(|k| l.message(*k).is_none()).collect()))
            .collect()
    }
}

impl Language {
    fn message(&self, key: Key) -> Option<&str> {
        self.messages.get(key.as_str()).map(String::as_str)
    }

    fn clone_language(&self) -> Language {
        Language { code: self.code.clone(), name: self.name.clone(), rtl: self.rtl, messages: self.messages.clone() }
    }

    /// `rtl` or `ltr`, for the `dir` attribute.
    pub fn dir(&self) -> &'static str {
        if self.rtl { "rtl" } else { "ltr" }
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
            let line_of = |report: &Report<'_>| report.line_at(find_key(report.source(), at, name));
            if !known.contains_key(key.as_str()) {
                let line = line_of(report);
                report.push(line, format!("\"{key}\" is not a message the service uses (a typo?)"));
                continue;
            }
            let Some(said) = said.as_str().map(str::trim).filter(|s| !s.is_empty()) else {
                let line = line_of(report);
                report.push(line, format!("\"{key}\" must be a non-empty string"));
                continue;
            };
            if let Some(english) = english
                && let Some(original) = english.messages.get(&key)
                && placeholders(original) != placeholders(said)
            {
                let line = line_of(report);
                report.push(
                    line,
                    format!(
                        "\"{key}\" must use the same {{placeholders}} as English: {}",
                        placeholders(original).join(", ")
                    ),
                );
            }
            messages.insert(key, said.to_owned());
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
    Some(Language { code: code.to_owned(), name: about.name, rtl, messages })
}

/// Where `name = ` is written, at or after the table at `from`.
fn find_key(source: &str, from: usize, name: &str) -> usize {
    let rest = &source[from.min(source.len())..];
    let mut offset = from;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let bare = trimmed.strip_prefix('"').and_then(|t| t.strip_prefix(name)).and_then(|t| t.strip_prefix('"'));
        let key_end = bare.or_else(|| trimmed.strip_prefix(name));
        if key_end.is_some_and(|t| t.trim_start().starts_with('=')) {
            return offset;
        }
        offset += line.len();
    }
    from
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

    /// The message, and whether it is English standing in for a translation.
    fn said(&self, key: Key) -> (&'a str, bool) {
        match self.lang.message(key) {
            Some(said) => (said, false),
            None => (self.english.message(key).unwrap_or(key.as_str()), true),
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
        let (said, missing) = self.said(key);
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
        let (said, missing) = self.said(key);
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
            assert!(english.message(*key).is_some(), "{} is in en.toml", key.as_str());
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
        let urdu = Language { code: "ur".into(), name: "اردو".into(), rtl: true, messages: HashMap::new() };
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
        let catalogue = Catalogue::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys").as_path()).unwrap();
        assert_eq!(catalogue.words("en").long_date(date), "3 December 2026");
        assert_eq!(catalogue.words("pl").long_date(date), "3 grudnia 2026");
        assert_eq!(catalogue.words("ur").long_date(date), "3 دسمبر 2026");
        let may = chrono::NaiveDate::from_ymd_opt(2027, 5, 31).unwrap();
        assert_eq!(catalogue.words("pl").long_date(may), "31 maja 2027");
    }

    #[test]
    fn language_codes_look_like_codes() {
        assert!(valid_code("ur") && valid_code("pl") && valid_code("pt-br") && valid_code("yue"));
        assert!(!valid_code("Urdu") && !valid_code("u") && !valid_code("ur_PK") && !valid_code(""));
    }
}
