//! Reads survey files and checks them, naming the file and line of every
//! mistake, so a broken survey stops the service before a child sees it.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::catalogue::{Catalogue, Key};
use super::model::*;
use super::report::{Report, SurveyError, parse_toml, valid_id};

/// Text as written: a string, or a table of age group → string.
#[derive(Debug, Clone)]
pub(crate) enum RawText {
    Plain(String),
    ByAge(BTreeMap<String, String>),
}

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = RawText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, or a table of age group = string (with an optional `default`)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawText, E> {
                Ok(RawText::Plain(v.to_owned()))
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<RawText, M::Error> {
                let mut by_age = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, String>()? {
                    by_age.insert(key, value);
                }
                Ok(RawText::ByAge(by_age))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSurvey {
    id: Spanned<String>,
    link: Spanned<String>,
    audience: Spanned<String>,
    age_groups: Spanned<Vec<String>>,
    title: Spanned<RawText>,
    intro: Option<Spanned<RawText>>,
    lang: Option<Translations<RawSurveyWords>>,
    sections: Spanned<Vec<Spanned<RawSection>>>,
}

/// `[lang.ur]`, `[sections.lang.ur]`, `[sections.questions.lang.ur]`: the
/// words of one survey, section or question in another language.
type Translations<T> = BTreeMap<String, Spanned<T>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSurveyWords {
    title: Option<Spanned<RawText>>,
    intro: Option<Spanned<RawText>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSectionWords {
    title: Option<Spanned<RawText>>,
    content_note: Option<Spanned<RawText>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestionWords {
    text: Option<Spanned<RawText>>,
    hint: Option<Spanned<RawText>>,
    labels: Option<Spanned<Vec<RawText>>>,
    /// Option id → label.
    options: Option<Spanned<BTreeMap<String, RawText>>>,
    houses: Option<Spanned<RawHouses>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: Spanned<String>,
    title: Spanned<RawText>,
    content_note: Option<Spanned<RawText>>,
    lang: Option<Translations<RawSectionWords>>,
    questions: Spanned<Vec<Spanned<RawQuestion>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    kind: Spanned<String>,
    text: Spanned<RawText>,
    hint: Option<Spanned<RawText>>,
    themes: Option<Spanned<Vec<String>>>,
    age_groups: Option<Spanned<Vec<String>>>,
    measure: Option<Spanned<String>>,
    help_if: Option<Spanned<Vec<String>>>,
    help_reaches_lead: Option<Spanned<bool>>,
    options: Option<Spanned<Vec<RawOption>>>,
    scale: Option<Spanned<String>>,
    labels: Option<Spanned<Vec<RawText>>>,
    houses: Option<Spanned<RawHouses>>,
    lang: Option<Translations<RawQuestionWords>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    id: String,
    label: RawText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHouses {
    worries: Option<RawText>,
    good: Option<RawText>,
    wishes: Option<RawText>,
}

const NAMED_SCALES: [(&str, [Key; 5]); 5] = [
    ("agree", [Key::Agree1, Key::Agree2, Key::Agree3, Key::Agree4, Key::Agree5]),
    ("often", [Key::Often1, Key::Often2, Key::Often3, Key::Often4, Key::Often5]),
    ("confident", [Key::Confident1, Key::Confident2, Key::Confident3, Key::Confident4, Key::Confident5]),
    ("helpful", [Key::Helpful1, Key::Helpful2, Key::Helpful3, Key::Helpful4, Key::Helpful5]),
    ("true", [Key::True1, Key::True2, Key::True3, Key::True4, Key::True5]),
];

const FACES: [Key; 3] = [Key::Faces1, Key::Faces2, Key::Faces3];
const HOUSE_WORDS: [Key; 3] = [Key::HouseWorries, Key::HouseGood, Key::HouseWishes];

/// What a survey is checked against besides itself.
pub struct Context<'a> {
    /// The ids from `themes.toml`.
    pub themes: &'a HashSet<String>,
    /// The languages of `lang/`, for built-in labels and translations.
    pub catalogue: &'a Catalogue,
}

/// Reads and checks one survey file. `themes` are the ids from `themes.toml`.
pub fn load_survey(path: &Path, source: &str, cx: &Context<'_>) -> Result<Survey, Vec<SurveyError>> {
    let mut report = Report::new(path, source);
    let Some(raw) = parse_toml::<RawSurvey>(&mut report) else {
        return Err(report.errors);
    };
    let survey = check_survey(&mut report, raw, cx);
    match survey {
        Some(mut survey) if report.errors.is_empty() => {
            survey.version = hex::encode(&Sha256::digest(source.as_bytes())[..6]);
            survey.path = path.to_path_buf();
            Ok(survey)
        }
        _ => Err(report.errors),
    }
}

fn check_survey(r: &mut Report<'_>, raw: RawSurvey, cx: &Context<'_>) -> Option<Survey> {
    check_id(r, &raw.id, "survey id");
    check_id(r, &raw.link, "link");
    let audience = Audience::parse(raw.audience.get_ref());
    if audience.is_none() {
        r.error(
            raw.audience.span().start,
            format!(
                "audience \"{}\" is not one of child_young_person, parent_carer, practitioner",
                raw.audience.get_ref()
            ),
        );
    }
    let ages = check_age_groups(r, &raw.age_groups, None);
    if let Some(audience) = audience {
        let children = audience == Audience::ChildYoungPerson;
        if ages.iter().any(|a| a.is_child() != children) {
            let expected = if children { "5-7, 8-11, 12-15 or 16-17" } else { "adult" };
            r.error(raw.age_groups.span().start, format!("age groups for {} must be {expected}", audience.as_str()));
        }
    }
    if ages.is_empty() {
        r.error(raw.age_groups.span().start, "age_groups must name at least one age group");
    }

    let mut title = check_text(r, &raw.title, &ages, "title");
    let mut intro = raw.intro.as_ref().map(|t| check_text(r, t, &ages, "intro"));
    for (code, words) in languages(r, raw.lang.as_ref(), cx.catalogue, "") {
        let words = words.get_ref();
        translate(r, &mut title, code, words.title.as_ref(), &ages, "title");
        match (&mut intro, &words.intro) {
            (Some(intro), given) => translate(r, intro, code, given.as_ref(), &ages, "intro"),
            (None, Some(given)) => r.error(given.span().start, format!("[lang.{code}] has an intro, English has none")),
            (None, None) => {}
        }
    }

    let mut section_ids = HashSet::new();
    let mut question_ids = HashSet::new();
    let mut sections = Vec::new();
    let mut listened = Vec::new();
    let mut share = Vec::new();
    let section_count = raw.sections.get_ref().len();
    if section_count == 0 {
        r.error(raw.sections.span().start, "a survey needs at least one section");
    }
    for (index, raw_section) in raw.sections.into_inner().into_iter().enumerate() {
        let at = raw_section.span().start;
        let raw_section = raw_section.into_inner();
        let id = raw_section.id.get_ref().clone();
        check_id(r, &raw_section.id, "section id");
        if !section_ids.insert(id.clone()) {
            r.error(raw_section.id.span().start, format!("section id \"{id}\" is used twice"));
        }
        let mut title = check_text(r, &raw_section.title, &ages, "section title");
        let mut content_note = raw_section.content_note.as_ref().map(|t| check_text(r, t, &ages, "content_note"));
        let where_ = format!("section \"{id}\": ");
        for (code, words) in languages(r, raw_section.lang.as_ref(), cx.catalogue, &where_) {
            let words = words.get_ref();
            translate(r, &mut title, code, words.title.as_ref(), &ages, &format!("{where_}title"));
            match (&mut content_note, &words.content_note) {
                (Some(note), given) => {
                    translate(r, note, code, given.as_ref(), &ages, &format!("{where_}content_note"))
                }
                (None, Some(given)) => {
                    r.error(given.span().start, format!("{where_}[lang.{code}] has a content_note, English has none"))
                }
                (None, None) => {}
            }
        }
        if raw_section.questions.get_ref().is_empty() {
            r.error(at, format!("section \"{id}\" has no questions"));
        }
        let mut questions = Vec::new();
        for raw_question in raw_section.questions.into_inner() {
            let q_at = raw_question.span().start;
            let raw_question = raw_question.into_inner();
            let qid = raw_question.id.get_ref().clone();
            if !question_ids.insert(qid.clone()) {
                r.error(raw_question.id.span().start, format!("question id \"{qid}\" is used twice"));
            }
            if let Some(question) = check_question(r, raw_question, &ages, cx) {
                match question.measure {
                    Some(Measure::FeelListenedTo) => listened.push((q_at, index)),
                    Some(Measure::ShareWords) => share.push(q_at),
                    None => {}
                }
                questions.push(question);
            }
        }
        sections.push(Section { id, title, content_note, questions });
    }
    match listened.as_slice() {
        [] => r.error(0, "every survey needs one question with measure = \"feel_listened_to\" in its last section"),
        [(_, section)] if section + 1 != section_count => {
            r.error(listened[0].0, "the feel_listened_to question must be in the last section");
        }
        [_] => {}
        [_, (second, _), ..] => r.error(*second, "only one question may have measure = \"feel_listened_to\""),
    }
    if let [_, second, ..] = share.as_slice() {
        r.error(*second, "only one question may have measure = \"share_words\"");
    }
    for age in &ages {
        if !sections.iter().any(|s| s.questions_for(*age).next().is_some()) {
            r.error(0, format!("no question is asked of age group {}", age.as_str()));
        }
    }
    Some(Survey {
        id: raw.id.into_inner(),
        link: raw.link.into_inner(),
        audience: audience?,
        age_groups: ages,
        title,
        intro,
        sections,
        version: String::new(),
        path: PathBuf::new(),
    })
}

fn check_question(
    r: &mut Report<'_>,
    mut raw: RawQuestion,
    survey_ages: &[AgeGroup],
    cx: &Context<'_>,
) -> Option<Question> {
    let themes = cx.themes;
    let lang = raw.lang.take();
    let qid = raw.id.get_ref().clone();
    let at = raw.id.span().start;
    check_id(r, &raw.id, "question id");
    let name = format!("question \"{qid}\"");
    let ages = match &raw.age_groups {
        Some(groups) => {
            let own = check_age_groups(r, groups, Some(survey_ages));
            if own.is_empty() {
                r.error(
                    groups.span().start,
                    format!("{name}: age_groups must name at least one of the survey's groups"),
                );
            }
            own
        }
        None => survey_ages.to_vec(),
    };
    let text = check_text(r, &raw.text, &ages, &format!("{name}: text"));
    let hint = raw.hint.as_ref().map(|t| check_text(r, t, &ages, &format!("{name}: hint")));
    let mut theme_ids = Vec::new();
    if let Some(list) = &raw.themes {
        for theme in list.get_ref() {
            if themes.contains(theme) {
                theme_ids.push(theme.clone());
            } else {
                r.error(list.span().start, format!("{name}: theme \"{theme}\" is not in themes.toml"));
            }
        }
    }
    let kind_name = raw.kind.get_ref().as_str();
    let kind_at = raw.kind.span().start;
    let unexpected = |r: &mut Report<'_>, key: &str, present: bool| {
        if present {
            r.error(at, format!("{name}: `{key}` does not go with kind = \"{kind_name}\""));
        }
    };
    let kind = match kind_name {
        "faces" => {
            unexpected(r, "options", raw.options.is_some());
            unexpected(r, "scale", raw.scale.is_some());
            unexpected(r, "houses", raw.houses.is_some());
            let labels = fixed_labels::<3>(r, &raw.labels, &FACES, &ages, &name, cx.catalogue)?;
            QuestionKind::Faces { labels }
        }
        "scale" => {
            unexpected(r, "options", raw.options.is_some());
            unexpected(r, "houses", raw.houses.is_some());
            let defaults = match (&raw.scale, &raw.labels) {
                (Some(_), Some(labels)) => {
                    r.error(labels.span().start, format!("{name}: give `scale` or `labels`, not both"));
                    return None;
                }
                (Some(scale), None) => match NAMED_SCALES.iter().find(|(n, _)| n == scale.get_ref()) {
                    Some((_, labels)) => labels,
                    None => {
                        let names: Vec<_> = NAMED_SCALES.iter().map(|(n, _)| *n).collect();
                        r.error(
                            scale.span().start,
                            format!("{name}: scale \"{}\" is not one of {}", scale.get_ref(), names.join(", ")),
                        );
                        return None;
                    }
                },
                (None, Some(_)) => &NAMED_SCALES[0].1,
                (None, None) => {
                    r.error(
                        at,
                        format!(
                            "{name}: a scale needs `scale` (agree, often, confident, helpful, true) or five `labels`"
                        ),
                    );
                    return None;
                }
            };
            let labels = fixed_labels::<5>(r, &raw.labels, defaults, &ages, &name, cx.catalogue)?;
            QuestionKind::Scale { labels }
        }
        "single" | "multiple" => {
            unexpected(r, "scale", raw.scale.is_some());
            unexpected(r, "labels", raw.labels.is_some());
            unexpected(r, "houses", raw.houses.is_some());
            let Some(options) = &raw.options else {
                r.error(at, format!("{name}: kind = \"{kind_name}\" needs `options`"));
                return None;
            };
            let options = check_options(r, options, &ages, &name);
            if kind_name == "single" { QuestionKind::Single { options } } else { QuestionKind::Multiple { options } }
        }
        "text" => {
            for (key, present) in [
                ("options", raw.options.is_some()),
                ("scale", raw.scale.is_some()),
                ("labels", raw.labels.is_some()),
                ("houses", raw.houses.is_some()),
            ] {
                unexpected(r, key, present);
            }
            QuestionKind::Text
        }
        "three_houses" => {
            for (key, present) in
                [("options", raw.options.is_some()), ("scale", raw.scale.is_some()), ("labels", raw.labels.is_some())]
            {
                unexpected(r, key, present);
            }
            let given = raw.houses.as_ref().map(|h| {
                let h = h.get_ref();
                [h.worries.clone(), h.good.clone(), h.wishes.clone()]
            });
            let houses_at = raw.houses.as_ref().map(|h| h.span().start).unwrap_or(at);
            let houses = std::array::from_fn(|i| match given.as_ref().and_then(|g| g[i].clone()) {
                Some(raw_text) => {
                    check_text(r, &Spanned::new(houses_at..houses_at, raw_text), &ages, &format!("{name}: house"))
                }
                None => cx.catalogue.text(HOUSE_WORDS[i]),
            });
            QuestionKind::ThreeHouses { houses }
        }
        other => {
            r.error(
                kind_at,
                format!("{name}: kind \"{other}\" is not one of faces, scale, single, multiple, text, three_houses"),
            );
            return None;
        }
    };
    let measure = match raw.measure.as_ref().map(|m| (m.get_ref().as_str(), m.span().start)) {
        None => None,
        Some(("feel_listened_to", m_at)) => {
            if !matches!(kind, QuestionKind::Faces { .. } | QuestionKind::Scale { .. } | QuestionKind::Single { .. }) {
                r.error(m_at, format!("{name}: the feel_listened_to question must be faces, scale or single"));
            }
            Some(Measure::FeelListenedTo)
        }
        Some(("share_words", m_at)) => {
            let ok = matches!(&kind, QuestionKind::Single { options }
                if options.len() == 2 && options.iter().any(|o| o.id == "yes") && options.iter().any(|o| o.id == "no"));
            if !ok {
                r.error(
                    m_at,
                    format!("{name}: the share_words question must be single with options \"yes\" and \"no\""),
                );
            }
            Some(Measure::ShareWords)
        }
        Some((other, m_at)) => {
            r.error(m_at, format!("{name}: measure \"{other}\" is not one of feel_listened_to, share_words"));
            None
        }
    };
    let help = check_help(r, &raw.help_if, &raw.help_reaches_lead, &kind, &name);
    let mut question = Question {
        id: qid,
        kind,
        text,
        hint,
        themes: theme_ids,
        age_groups: raw.age_groups.map(|_| ages.clone()),
        measure,
        help,
    };
    let where_ = format!("{name}: ");
    for (code, words) in languages(r, lang.as_ref(), cx.catalogue, &where_) {
        translate_question(r, &mut question, code, words, &ages, &name);
    }
    Some(question)
}

/// The languages a `lang` table names, each checked against `lang/`.
fn languages<'t, T>(
    r: &mut Report<'_>,
    given: Option<&'t Translations<T>>,
    catalogue: &Catalogue,
    where_: &str,
) -> Vec<(&'t str, &'t Spanned<T>)> {
    let mut found = Vec::new();
    for (code, words) in given.into_iter().flatten() {
        if code == super::catalogue::ENGLISH {
            r.error(words.span().start, format!("{where_}[lang.en]: English is the main text, not a translation"));
        } else if catalogue.language(code).is_none() {
            r.error(words.span().start, format!("{where_}language \"{code}\" has no file lang/{code}.toml"));
        } else {
            found.push((code.as_str(), words));
        }
    }
    found
}

/// Checks one wording in another language and adds it to `text`.
fn translate(
    r: &mut Report<'_>,
    text: &mut Text,
    code: &str,
    given: Option<&Spanned<RawText>>,
    ages: &[AgeGroup],
    what: &str,
) {
    if let Some(given) = given {
        let translated = check_text(r, given, ages, &format!("{what} [lang.{code}]"));
        set_translation(text, code, translated);
    }
}

fn set_translation(text: &mut Text, code: &str, translated: Text) {
    text.translations.retain(|(c, _)| c != code);
    text.translations.push((code.to_owned(), translated));
}

fn translate_question(
    r: &mut Report<'_>,
    question: &mut Question,
    code: &str,
    words: &Spanned<RawQuestionWords>,
    ages: &[AgeGroup],
    name: &str,
) {
    let at = words.span().start;
    let words = words.get_ref();
    translate(r, &mut question.text, code, words.text.as_ref(), ages, &format!("{name}: text"));
    match (&mut question.hint, &words.hint) {
        (Some(hint), given) => translate(r, hint, code, given.as_ref(), ages, &format!("{name}: hint")),
        (None, Some(given)) => {
            r.error(given.span().start, format!("{name}: [lang.{code}] has a hint, English has none"))
        }
        (None, None) => {}
    }
    let not_for = |r: &mut Report<'_>, key: &str, present: bool| {
        if present {
            r.error(at, format!("{name}: [lang.{code}] `{key}` does not go with this kind of question"));
        }
    };
    match &mut question.kind {
        QuestionKind::Faces { labels } => {
            not_for(r, "options", words.options.is_some());
            not_for(r, "houses", words.houses.is_some());
            translate_labels(r, labels, code, words.labels.as_ref(), ages, name);
        }
        QuestionKind::Scale { labels } => {
            not_for(r, "options", words.options.is_some());
            not_for(r, "houses", words.houses.is_some());
            translate_labels(r, labels, code, words.labels.as_ref(), ages, name);
        }
        QuestionKind::Single { options } | QuestionKind::Multiple { options } => {
            not_for(r, "labels", words.labels.is_some());
            not_for(r, "houses", words.houses.is_some());
            let Some(given) = &words.options else { return };
            for (id, label) in given.get_ref() {
                let what = format!("{name}: option \"{id}\"");
                match options.iter_mut().find(|o| o.id == *id) {
                    Some(option) => {
                        let spanned = Spanned::new(given.span(), label.clone());
                        translate(r, &mut option.label, code, Some(&spanned), ages, &what);
                    }
                    None => r.error(given.span().start, format!("{what} [lang.{code}] is not one of the options")),
                }
            }
        }
        QuestionKind::Text => {
            not_for(r, "options", words.options.is_some());
            not_for(r, "labels", words.labels.is_some());
            not_for(r, "houses", words.houses.is_some());
        }
        QuestionKind::ThreeHouses { houses } => {
            not_for(r, "options", words.options.is_some());
            not_for(r, "labels", words.labels.is_some());
            let Some(given) = &words.houses else { return };
            let h = given.get_ref();
            for (i, raw) in [&h.worries, &h.good, &h.wishes].into_iter().enumerate() {
                if let Some(raw) = raw {
                    let spanned = Spanned::new(given.span(), raw.clone());
                    translate(r, &mut houses[i], code, Some(&spanned), ages, &format!("{name}: house"));
                }
            }
        }
    }
}

fn translate_labels<const N: usize>(
    r: &mut Report<'_>,
    labels: &mut [Text; N],
    code: &str,
    given: Option<&Spanned<Vec<RawText>>>,
    ages: &[AgeGroup],
    name: &str,
) {
    let Some(given) = given else { return };
    if given.get_ref().len() != N {
        r.error(given.span().start, format!("{name}: [lang.{code}] `labels` needs exactly {N}, lowest first"));
        return;
    }
    for (label, raw) in labels.iter_mut().zip(given.get_ref()) {
        let spanned = Spanned::new(given.span(), raw.clone());
        translate(r, label, code, Some(&spanned), ages, &format!("{name}: label"));
    }
}

fn fixed_labels<const N: usize>(
    r: &mut Report<'_>,
    given: &Option<Spanned<Vec<RawText>>>,
    defaults: &[Key; N],
    ages: &[AgeGroup],
    name: &str,
    catalogue: &Catalogue,
) -> Option<[Text; N]> {
    match given {
        None => Some(defaults.map(|key| catalogue.text(key))),
        Some(labels) if labels.get_ref().len() != N => {
            r.error(labels.span().start, format!("{name}: `labels` needs exactly {N}, lowest first"));
            None
        }
        Some(labels) => {
            let at = labels.span();
            let checked: Vec<Text> = labels
                .get_ref()
                .iter()
                .map(|l| check_text(r, &Spanned::new(at.clone(), l.clone()), ages, &format!("{name}: label")))
                .collect();
            checked.try_into().ok()
        }
    }
}

/// `help_if`: stored values the question's answers can take; and
/// `help_reaches_lead`, which means nothing without it.
fn check_help(
    r: &mut Report<'_>,
    help_if: &Option<Spanned<Vec<String>>>,
    reaches_lead: &Option<Spanned<bool>>,
    kind: &QuestionKind,
    name: &str,
) -> Option<HelpIf> {
    let Some(help_if) = help_if else {
        if let Some(lead) = reaches_lead {
            r.error(lead.span().start, format!("{name}: `help_reaches_lead` needs `help_if`"));
        }
        return None;
    };
    let at = help_if.span().start;
    let valid: Vec<String> = match kind {
        QuestionKind::Faces { .. } => (1..=3).map(|n| n.to_string()).collect(),
        QuestionKind::Scale { .. } => (1..=5).map(|n| n.to_string()).collect(),
        QuestionKind::Single { options } | QuestionKind::Multiple { options } => {
            options.iter().map(|o| o.id.clone()).collect()
        }
        QuestionKind::Text | QuestionKind::ThreeHouses { .. } => {
            r.error(at, format!("{name}: `help_if` is for questions with answers to choose; written answers are read by the safeguarding lexicon"));
            return None;
        }
    };
    if help_if.get_ref().is_empty() {
        r.error(at, format!("{name}: `help_if` names no answer"));
    }
    for answer in help_if.get_ref() {
        if !valid.contains(answer) {
            r.error(at, format!("{name}: help_if \"{answer}\" is not one of its answers ({})", valid.join(", ")));
        }
    }
    Some(HelpIf {
        answers: help_if.get_ref().clone(),
        reaches_lead: reaches_lead.as_ref().is_some_and(|lead| *lead.get_ref()),
    })
}

fn check_options(r: &mut Report<'_>, options: &Spanned<Vec<RawOption>>, ages: &[AgeGroup], name: &str) -> Vec<Choice> {
    let at = options.span();
    if options.get_ref().len() < 2 {
        r.error(at.start, format!("{name}: needs at least two options"));
    }
    let mut seen = HashSet::new();
    let mut choices = Vec::new();
    for option in options.get_ref() {
        if !valid_id(&option.id) {
            r.error(
                at.start,
                format!("{name}: option id \"{}\" must be lower-case letters, digits and dashes", option.id),
            );
        } else if option.id == RATHER_NOT_SAY {
            r.error(at.start, format!("{name}: \"{RATHER_NOT_SAY}\" is added to every question by itself; remove it"));
        } else if !seen.insert(option.id.clone()) {
            r.error(at.start, format!("{name}: option id \"{}\" is used twice", option.id));
        }
        let label = check_text(
            r,
            &Spanned::new(at.clone(), option.label.clone()),
            ages,
            &format!("{name}: option \"{}\"", option.id),
        );
        choices.push(Choice { id: option.id.clone(), label });
    }
    choices
}

fn check_id(r: &mut Report<'_>, id: &Spanned<String>, what: &str) {
    if !valid_id(id.get_ref()) {
        r.error(
            id.span().start,
            format!(
                "{what} \"{}\" must be lower-case letters, digits and dashes, starting with a letter",
                id.get_ref()
            ),
        );
    }
}

fn check_age_groups(r: &mut Report<'_>, groups: &Spanned<Vec<String>>, within: Option<&[AgeGroup]>) -> Vec<AgeGroup> {
    let mut ages = Vec::new();
    for value in groups.get_ref() {
        match AgeGroup::parse(value) {
            None => r.error(
                groups.span().start,
                format!("age group \"{value}\" is not one of 5-7, 8-11, 12-15, 16-17, adult"),
            ),
            Some(age) if within.is_some_and(|w| !w.contains(&age)) => {
                r.error(groups.span().start, format!("age group \"{value}\" is not one of the survey's age groups"))
            }
            Some(age) if ages.contains(&age) => {
                r.error(groups.span().start, format!("age group \"{value}\" is listed twice"))
            }
            Some(age) => ages.push(age),
        }
    }
    ages.sort();
    ages
}

/// Checks a wording covers every age group and names only known ones.
fn check_text(r: &mut Report<'_>, raw: &Spanned<RawText>, ages: &[AgeGroup], what: &str) -> Text {
    let at = raw.span().start;
    match raw.get_ref() {
        RawText::Plain(text) => {
            if text.trim().is_empty() {
                r.error(at, format!("{what} is empty"));
            }
            Text::plain(text.trim())
        }
        RawText::ByAge(table) => {
            let mut text = Text { default: None, by_age: Vec::new(), translations: Vec::new() };
            for (key, value) in table {
                if value.trim().is_empty() {
                    r.error(at, format!("{what}: the wording for \"{key}\" is empty"));
                }
                if key == "default" {
                    text.default = Some(value.trim().to_owned());
                    continue;
                }
                match AgeGroup::parse(key) {
                    Some(age) if ages.contains(&age) => text.by_age.push((age, value.trim().to_owned())),
                    Some(_) => r.error(at, format!("{what}: \"{key}\" is not one of the age groups this is asked of")),
                    None => r.error(at, format!("{what}: \"{key}\" is not an age group or `default`")),
                }
            }
            for age in ages {
                if !text.covers(*age) {
                    r.error(at, format!("{what}: no wording for age group {} (add it, or a `default`)", age.as_str()));
                }
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SURVEY: &str = r#"
id = "s"
link = "s"
audience = "child_young_person"
age_groups = ["8-11", "12-15"]
title = "Title"

[lang.ur]
title = "عنوان"

[[sections]]
id = "one"
title = "One"

[[sections.questions]]
id = "q"
kind = "single"
measure = "feel_listened_to"
text = { default = "Question", "8-11" = "Simple question" }
options = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" }]

[sections.questions.lang.ur]
text = { "8-11" = "آسان سوال" }
hint = "اشارہ"

[sections.questions.lang.ur.options]
yes = "ہاں"
maybe = "شاید"
"#;

    fn load(source: &str) -> Result<Survey, Vec<SurveyError>> {
        let mut catalogue = Catalogue::english_only();
        catalogue.add_for_tests("ur");
        let themes = HashSet::new();
        load_survey(Path::new("s.toml"), source, &Context { themes: &themes, catalogue: &catalogue })
    }

    #[test]
    fn a_translation_is_checked_like_the_english() {
        let errors: Vec<String> = load(SURVEY).unwrap_err().iter().map(ToString::to_string).collect();
        for wanted in [
            "s.toml:23: question \"q\": text [lang.ur]: no wording for age group 12-15 (add it, or a `default`)",
            "question \"q\": [lang.ur] has a hint, English has none",
            "question \"q\": option \"maybe\" [lang.ur] is not one of the options",
        ] {
            assert!(errors.iter().any(|e| e.contains(wanted)), "{wanted:?} in {errors:#?}");
        }
        let unknown = SURVEY.replace("[lang.ur]", "[lang.xx]");
        let errors: Vec<String> = load(&unknown).unwrap_err().iter().map(ToString::to_string).collect();
        assert!(errors.iter().any(|e| e.contains("s.toml:8: language \"xx\" has no file lang/xx.toml")), "{errors:#?}");
    }

    #[test]
    fn a_translated_survey_speaks_each_language_and_falls_back_to_english() {
        let fixed = SURVEY
            .replace(r#"text = { "8-11" = "آسان سوال" }"#, r#"text = { default = "سوال", "8-11" = "آسان سوال" }"#)
            .replace("hint = \"اشارہ\"\n", "")
            .replace("maybe = \"شاید\"\n", "");
        let survey = load(&fixed).unwrap();
        let question = survey.question("q").unwrap();
        assert_eq!(question.text.in_lang("ur", AgeGroup::EightToEleven), Some("آسان سوال"));
        assert_eq!(question.text.in_lang("ur", AgeGroup::TwelveToFifteen), Some("سوال"));
        assert_eq!(question.text.in_lang("en", AgeGroup::EightToEleven), Some("Simple question"));
        let labels: Vec<Option<&str>> =
            question.kind.choices().iter().map(|(_, l)| l.in_lang("ur", AgeGroup::EightToEleven)).collect();
        assert_eq!(labels, [Some("ہاں"), None], "\"no\" has no Urdu: it shows in English");
        assert_eq!(survey.untranslated("ur"), ["section \"one\": title", "question \"q\": option \"no\""]);
        assert_eq!(survey.untranslated("en"), Vec::<String>::new());
    }
}
