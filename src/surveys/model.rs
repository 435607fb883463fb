//! A survey as the rest of the service sees it: loaded, checked, and
//! impossible to get wrong in the ways `surveys check` looks for.

use std::path::PathBuf;

/// The code of the language every other one falls back to.
pub const ENGLISH: &str = "en";

/// Who a survey is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    ChildYoungPerson,
    ParentCarer,
    Practitioner,
}

impl Audience {
    pub const ALL: [Audience; 3] = [Audience::ChildYoungPerson, Audience::ParentCarer, Audience::Practitioner];

    /// The stored and configured form.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::ChildYoungPerson => "child_young_person",
            Audience::ParentCarer => "parent_carer",
            Audience::Practitioner => "practitioner",
        }
    }

    pub fn parse(value: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.as_str() == value)
    }

    /// Who this is, in a few plain words, for links on the home page.
    pub fn label(self) -> &'static str {
        match self {
            Audience::ChildYoungPerson => "Children and young people",
            Audience::ParentCarer => "Parents and carers",
            Audience::Practitioner => "People who work with children",
        }
    }
}

/// An age *group*, never an age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeGroup {
    FiveToSeven,
    EightToEleven,
    TwelveToFifteen,
    SixteenToSeventeen,
    Adult,
}

impl AgeGroup {
    pub const ALL: [AgeGroup; 5] = [
        AgeGroup::FiveToSeven,
        AgeGroup::EightToEleven,
        AgeGroup::TwelveToFifteen,
        AgeGroup::SixteenToSeventeen,
        AgeGroup::Adult,
    ];

    /// The stored and configured form, e.g. `8-11`.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeGroup::FiveToSeven => "5-7",
            AgeGroup::EightToEleven => "8-11",
            AgeGroup::TwelveToFifteen => "12-15",
            AgeGroup::SixteenToSeventeen => "16-17",
            AgeGroup::Adult => "adult",
        }
    }

    pub fn parse(value: &str) -> Option<AgeGroup> {
        AgeGroup::ALL.into_iter().find(|a| a.as_str() == value)
    }

    /// How the group is offered to a child: "8 to 11".
    pub fn label(self) -> &'static str {
        match self {
            AgeGroup::FiveToSeven => "5 to 7",
            AgeGroup::EightToEleven => "8 to 11",
            AgeGroup::TwelveToFifteen => "12 to 15",
            AgeGroup::SixteenToSeventeen => "16 or 17",
            AgeGroup::Adult => "18 or over",
        }
    }

    pub fn is_child(self) -> bool {
        self != AgeGroup::Adult
    }

    /// Under-12s see one question a page; everyone else a short section.
    pub fn one_question_per_page(self) -> bool {
        matches!(self, AgeGroup::FiveToSeven | AgeGroup::EightToEleven)
    }
}

/// Words that may change with the reader's age group. Checked at load, so
/// every age group of the survey has a wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub(crate) default: Option<String>,
    pub(crate) by_age: Vec<(AgeGroup, String)>,
    /// Language code → the same words in that language (no deeper nesting).
    pub(crate) translations: Vec<(String, Text)>,
}

impl Text {
    pub fn plain(text: impl Into<String>) -> Text {
        Text { default: Some(text.into()), by_age: Vec::new(), translations: Vec::new() }
    }

    /// The wording in a language for an age group; `None` when that
    /// language has none for the group (the page then shows English).
    /// English (`en`) is always there.
    pub fn in_lang(&self, lang: &str, age: AgeGroup) -> Option<&str> {
        if lang == ENGLISH {
            return Some(self.for_age(age));
        }
        let (_, translated) = self.translations.iter().find(|(code, _)| code == lang)?;
        translated.covers(age).then(|| translated.for_age(age))
    }

    /// The wording for an age group.
    pub fn for_age(&self, age: AgeGroup) -> &str {
        self.by_age
            .iter()
            .find(|(group, _)| *group == age)
            .map(|(_, text)| text.as_str())
            .or(self.default.as_deref())
            .unwrap_or_default()
    }

    pub(crate) fn covers(&self, age: AgeGroup) -> bool {
        self.default.is_some() || self.by_age.iter().any(|(group, _)| *group == age)
    }
}

/// One survey file.
#[derive(Debug)]
pub struct Survey {
    pub id: String,
    pub link: String,
    pub audience: Audience,
    pub age_groups: Vec<AgeGroup>,
    pub title: Text,
    pub intro: Option<Text>,
    pub sections: Vec<Section>,
    /// First 12 hex digits of the SHA-256 of the file's bytes.
    pub version: String,
    pub path: PathBuf,
}

impl Survey {
    /// Every question, in order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }

    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// What this survey lacks in a language, named for `surveys check`
    /// (each shows in English instead). Empty when fully translated.
    pub fn untranslated(&self, lang: &str) -> Vec<String> {
        let mut missing = Vec::new();
        let mut look = |text: &Text, ages: &[AgeGroup], what: String| {
            if ages.iter().any(|age| text.in_lang(lang, *age).is_none()) {
                missing.push(what);
            }
        };
        look(&self.title, &self.age_groups, "title".into());
        if let Some(intro) = &self.intro {
            look(intro, &self.age_groups, "intro".into());
        }
        for section in &self.sections {
            look(&section.title, &self.age_groups, format!("section \"{}\": title", section.id));
            if let Some(note) = &section.content_note {
                look(note, &self.age_groups, format!("section \"{}\": content_note", section.id));
            }
            for question in &section.questions {
                let ages: Vec<AgeGroup> = self.age_groups.iter().copied().filter(|a| question.asked_of(*a)).collect();
                let name = format!("question \"{}\"", question.id);
                look(&question.text, &ages, format!("{name}: text"));
                if let Some(hint) = &question.hint {
                    look(hint, &ages, format!("{name}: hint"));
                }
                for (id, label) in question.kind.choices() {
                    look(label, &ages, format!("{name}: option \"{id}\""));
                }
                if let QuestionKind::ThreeHouses { houses } = &question.kind {
                    for (i, house) in houses.iter().enumerate() {
                        look(house, &ages, format!("{name}: house \"{}\"", HOUSES[i]));
                    }
                }
            }
        }
        missing
    }
}

#[derive(Debug)]
pub struct Section {
    pub id: String,
    pub title: Text,
    pub content_note: Option<Text>,
    pub questions: Vec<Question>,
}

impl Section {
    /// The questions this age group is asked.
    pub fn questions_for(&self, age: AgeGroup) -> impl Iterator<Item = &Question> {
        self.questions.iter().filter(move |q| q.asked_of(age))
    }
}

#[derive(Debug)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub text: Text,
    pub hint: Option<Text>,
    pub themes: Vec<String>,
    /// `None`: asked of every age group of the survey.
    pub age_groups: Option<Vec<AgeGroup>>,
    pub measure: Option<Measure>,
    /// Answers that mean "offer help now" (`help_if`), as stored.
    pub help: Option<HelpIf>,
}

impl Question {
    pub fn asked_of(&self, age: AgeGroup) -> bool {
        self.age_groups.as_ref().is_none_or(|groups| groups.contains(&age))
    }

    /// Whether choosing `choice` means help is offered at once (`help_if`).
    pub fn offers_help(&self, choice: &str) -> bool {
        self.help.as_ref().is_some_and(|h| h.answers.iter().any(|a| a == choice))
    }

    /// Whether choosing `choice` also sends the response to the
    /// safeguarding lead instead of young reviewers (`help_reaches_lead`).
    pub fn alerts_lead(&self, choice: &str) -> bool {
        self.help.as_ref().is_some_and(|h| h.reaches_lead) && self.offers_help(choice)
    }
}

/// A closed question's answers that mean the person may not be safe: a
/// child who answers "Never" to "I feel safe at home", or taps the saddest
/// face, is shown the same gentle help as one who writes about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpIf {
    /// Stored values: a face or a point of a scale (`"1"` is the saddest face
    /// or the lowest point), or option ids.
    pub answers: Vec<String>,
    /// The response also goes to the safeguarding lead, as a flagged one
    /// does, and never to young reviewers.
    pub reaches_lead: bool,
}

/// What a question asks for, with everything needed to show it.
#[derive(Debug)]
pub enum QuestionKind {
    /// Three faces, saddest first; stored as `1`–`3`.
    Faces {
        labels: [Text; 3],
    },
    /// Five points, lowest first; stored as `1`–`5`.
    Scale {
        labels: [Text; 5],
    },
    Single {
        options: Vec<Choice>,
    },
    Multiple {
        options: Vec<Choice>,
    },
    Text,
    /// Signs of Safety's three houses: worries, good things, wishes.
    ThreeHouses {
        houses: [Text; 3],
    },
}

impl QuestionKind {
    /// The ids a choice question accepts, in order: `1`…`n` for faces and scales.
    pub fn choices(&self) -> Vec<(String, &Text)> {
        match self {
            QuestionKind::Faces { labels } => {
                labels.iter().enumerate().map(|(i, l)| ((i + 1).to_string(), l)).collect()
            }
            QuestionKind::Scale { labels } => {
                labels.iter().enumerate().map(|(i, l)| ((i + 1).to_string(), l)).collect()
            }
            QuestionKind::Single { options } | QuestionKind::Multiple { options } => {
                options.iter().map(|o| (o.id.clone(), &o.label)).collect()
            }
            QuestionKind::Text | QuestionKind::ThreeHouses { .. } => Vec::new(),
        }
    }

    /// Free text kinds have no "I'd rather not say": leaving the box empty says it.
    pub fn offers_rather_not_say(&self) -> bool {
        !matches!(self, QuestionKind::Text | QuestionKind::ThreeHouses { .. })
    }
}

/// The three houses, in the order they are shown and stored.
pub const HOUSES: [&str; 3] = ["worries", "good", "wishes"];

/// The stored choice for "I'd rather not say".
pub const RATHER_NOT_SAY: &str = "rather-not-say";

#[derive(Debug)]
pub struct Choice {
    pub id: String,
    pub label: Text,
}

/// Questions the partnership measures itself by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// "Do you feel listened to?" — one in every survey.
    FeelListenedTo,
    /// Whether the person's written words may be quoted (never with a name).
    ShareWords,
}
