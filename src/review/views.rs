//! Pages of the review and safeguarding queues.

use maud::{Markup, html};

use super::safeguarding::{Spell, UNUSUAL};
use super::store::{FlaggedItem, Note, ResponseSummary, StoredAnswer};
use crate::staff::session::SignedIn;
use crate::staff::views::page;
use crate::surveys::{AgeGroup, Audience, HOUSES, QuestionKind, RATHER_NOT_SAY, Registry, Survey};

/// "November 2026": reviewers see the month, not the day.
fn month(summary: &ResponseSummary) -> String {
    summary.submitted_on.format("%B %Y").to_string()
}

fn who_answered(summary: &ResponseSummary) -> String {
    let audience = Audience::ALL.into_iter().find(|a| a.as_str() == summary.audience).map(|a| a.label());
    let age = AgeGroup::parse(&summary.age_group).map(|a| a.label());
    match (audience, age) {
        (Some(a), Some(g)) if g != AgeGroup::Adult.label() => format!("{a}, aged {g}"),
        (Some(a), _) => a.to_owned(),
        _ => summary.audience.clone(),
    }
}

/// The words of a stored answer: the option's label, or the text.
fn answer_words(survey: Option<&Survey>, age: Option<AgeGroup>, answer: &StoredAnswer) -> (String, String) {
    let question = survey.and_then(|s| s.question(&answer.question_id));
    let age = age.unwrap_or(AgeGroup::Adult);
    let mut asked = question.map(|q| q.text.for_age(age).to_owned()).unwrap_or_else(|| answer.question_id.clone());
    if let Some(QuestionKind::ThreeHouses { houses }) = question.map(|q| &q.kind)
        && let Some(i) = HOUSES.iter().position(|h| *h == answer.part)
    {
        asked = format!("{asked} — {}", houses[i].for_age(age));
    }
    let said = match (&answer.free_text, &answer.choice) {
        (Some(text), _) => text.clone(),
        (None, Some(choice)) if choice == RATHER_NOT_SAY => "I'd rather not say".to_owned(),
        (None, Some(choice)) => question
            .and_then(|q| {
                q.kind.choices().into_iter().find(|(id, _)| id == choice).map(|(_, l)| l.for_age(age).to_owned())
            })
            .unwrap_or_else(|| choice.clone()),
        (None, None) => String::new(),
    };
    (asked, said)
}

/// The response in front of a reviewer.
pub struct ReviewItem<'a> {
    pub summary: &'a ResponseSummary,
    pub answers: &'a [StoredAnswer],
    /// (theme id, confirmed): suggested from keywords until a reviewer decides.
    pub themes: &'a [(String, bool)],
    /// The respondent said their words may be shared.
    pub may_quote: bool,
}

/// The Youth Council's queue: one response's written words at a time.
pub fn review(
    who: &SignedIn,
    registry: &Registry,
    next: Option<ReviewItem<'_>>,
    waiting: i64,
    notice: Option<&str>,
) -> Markup {
    page(
        "What young people wrote",
        Some(who),
        html! {
            h1 { "What people wrote" }
            @if let Some(n) = notice { div.panel.gentle role="status" { p { (n) } } }
            p.up-to { "Responses join this queue the day after they are sent, so that no one can tell which is new by watching it." }
            @match next {
                None => { p.lead { "Nothing is waiting to be read. Thank you!" } }
                Some(ReviewItem { summary, answers, themes, may_quote }) => {
                    p { (waiting) " waiting, oldest first. This one is from " strong { (who_answered(summary)) } ", " (month(summary)) "." }
                    @let survey = registry.survey(&summary.survey_id).map(|s| s.as_ref());
                    @let age = AgeGroup::parse(&summary.age_group);
                    form method="post" action={ "/staff/review/" (summary.id) } {
                        (who.csrf)
                        @for (i, answer) in answers.iter().filter(|a| a.free_text.is_some()).enumerate() {
                            @let (asked, said) = answer_words(survey, age, answer);
                            div.panel.receipt-like {
                                p.small { (asked) }
                                blockquote.written { (said) }
                                @if may_quote {
                                    label.check for={ "quote." (i) } {
                                        input type="checkbox" id={ "quote." (i) } name="quote" value={ (answer.question_id) ":" (answer.part) };
                                        " Quote these words (they said their words may be shared)"
                                    }
                                }
                            }
                        }
                        @if !may_quote { p.small { "They didn't say their words may be shared, so they can't be quoted." } }
                        fieldset {
                            legend { h2 { "Which themes is this about?" } }
                            p.hint { "Ticked ones were suggested from the words used. Untick any that don't fit, and tick any that do." }
                            @for theme in &registry.themes {
                                label.option for={ "theme." (theme.id) } {
                                    input type="checkbox" id={ "theme." (theme.id) } name="theme" value=(theme.id)
                                        checked[themes.iter().any(|(t, _)| *t == theme.id)];
                                    span { strong { (theme.name) } " – " (theme.description) }
                                }
                            }
                        }
                        div.buttons { button.button type="submit" { "Save and read the next one" } }
                    }
                }
            }
        },
    )
}

/// What the lead's queue says when many flagged responses arrived at once.
pub struct VolumeNotice {
    pub spell: Spell,
    /// The alert window's length in words ("10 minutes").
    pub window: String,
    /// `FLAGGED_SENDS_PER_HOUR`.
    pub per_address_hourly: u32,
}

/// Calm words for a lead facing a flood: how many, that some may not be
/// real, and that none was dropped.
fn volume_notice(notice: &VolumeNotice) -> Markup {
    let VolumeNotice { spell, window, per_address_hourly } = notice;
    let time = |t: &chrono::NaiveDateTime| t.format("%-d %B %Y, %H:%M UTC").to_string();
    html! {
        div.notice #unusual-volume role="status" {
            h2 { "Many flagged responses arrived at once" }
            p {
                (spell.count) " flagged responses "
                @match &spell.until {
                    Some(until) => { "arrived between " (time(&spell.from)) " and " (time(until)) }
                    None => { "have arrived since " (time(&spell.from)) ", and more may still be arriving" }
                }
                ". That is far more than usual: more than " (UNUSUAL) " in one alert window (" (window) ")."
            }
            p {
                "Some may be from one person, or from a script."
                @if spell.over_limit > 0 {
                    " " (spell.over_limit) " of them came from a network address that sent more than "
                    (per_address_hourly) " in an hour (it may also be a class on one school network)."
                }
            }
            p { strong { "Every one is still in the queue below to read." } " Nothing has been hidden or removed, so open each in the usual way." }
        }
    }
}

/// The lead's list: no words, only that something is waiting.
pub fn safeguarding_list(who: &SignedIn, items: &[FlaggedItem], volume: Option<&VolumeNotice>) -> Markup {
    page(
        "Safeguarding queue",
        Some(who),
        html! {
            h1 { "Safeguarding queue" }
            @if let Some(notice) = volume { (volume_notice(notice)) }
            p { "Responses whose words may mean a child is being harmed. The Youth Council never sees these. Opening one is recorded in the audit log." }
            @if items.is_empty() { p.lead { "Nothing here." } } @else {
                table {
                    thead { tr { th scope="col" { "Sent" } th scope="col" { "From" } th scope="col" { "Recorded" } th scope="col" { span.visually-hidden { "Open" } } } }
                    tbody {
                        @for item in items {
                            tr {
                                td { (item.summary.submitted_on.format("%-d %B %Y")) }
                                td { (who_answered(&item.summary)) }
                                td { @if item.notes == 0 { strong { "Nothing yet" } } @else { (item.notes) " note" @if item.notes > 1 { "s" } } }
                                td { a href={ "/staff/safeguarding/" (item.summary.id) } { "Open" span.visually-hidden { " the response sent " (item.summary.submitted_on) } } }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// One flagged response: a content warning first; the words only when asked.
pub fn safeguarding_item(
    who: &SignedIn,
    registry: &Registry,
    summary: &ResponseSummary,
    shown: Option<&[StoredAnswer]>,
    notes: &[Note],
    error: Option<&str>,
) -> Markup {
    let survey = registry.survey(&summary.survey_id).map(|s| s.as_ref());
    let age = AgeGroup::parse(&summary.age_group);
    page(
        "Flagged response",
        Some(who),
        html! {
            p { a href="/staff/safeguarding" { "Back to the queue" } }
            h1 { "A response sent " (summary.submitted_on.format("%-d %B %Y")) }
            p { "From " (who_answered(summary)) "." }
            @match shown {
                None => {
                    div.panel.gentle {
                        h2 { "Content warning" }
                        p { "This may describe a child being hurt, left without what they need, or thinking about harming themselves. Take a moment before you read it." }
                        p { a.button href={ "/staff/safeguarding/" (summary.id) "?show=1" } { "Show what they said" } }
                    }
                }
                Some(answers) => {
                    h2 { "What they said" }
                    dl.summary {
                        @for answer in answers {
                            @let (asked, said) = answer_words(survey, age, answer);
                            div { dt { (asked) } dd.written { (said) } }
                        }
                    }
                }
            }
            h2 { "What was done" }
            @if notes.is_empty() { p { "Nothing recorded yet." } }
            @for n in notes { div.panel { p.small { (n.at.format("%-d %B %Y %H:%M")) " UTC, " (n.staff_email) } p.written { (n.note) } } }
            form method="post" action={ "/staff/safeguarding/" (summary.id) "/notes" } novalidate {
                (who.csrf)
                div.question.has-error[error.is_some()] {
                    label.question-label for="note" { strong { "Record that you read it, and what you did" } }
                    @if let Some(e) = error { p.error-message #note-error { (e) } }
                    textarea #note name="note" rows="4" {}
                }
                div.buttons { button.button type="submit" { "Save" } }
            }
        },
    )
}

/// Whether the respondent said their words may be quoted.
pub fn may_quote(survey: Option<&Survey>, answers: &[StoredAnswer]) -> bool {
    let Some(share) =
        survey.and_then(|s| s.questions().find(|q| q.measure == Some(crate::surveys::Measure::ShareWords)))
    else {
        return false;
    };
    answers.iter().any(|a| a.question_id == share.id && a.choice.as_deref() == Some("yes"))
}
