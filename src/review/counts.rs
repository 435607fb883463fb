//! The dashboard's raw counts, read from the daily and monthly tallies,
//! before any suppression: what the dashboard, the theme pages, the CSV
//! files and the "You said" page all start from.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::config::Settings;
use crate::db::DbConnection;
use crate::db::daily::first_of_month;
use crate::db::schema::{daily_choices, daily_responses, monthly_themes};
use crate::surveys::{AgeGroup, Audience, Measure, QuestionKind, Registry};

/// How many months the dashboard looks back, this one included.
pub const MONTHS: usize = 12;

/// The raw counts, before suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub months: Vec<NaiveDate>,
    /// The last day counted: the end of yesterday, in service.
    pub up_to: NaiveDate,
    /// theme id → [who answered, as [`Who::index`]] → count per month
    pub themes_by_who: BTreeMap<String, Vec<Vec<u64>>>,
    /// survey id → count per month
    pub surveys: BTreeMap<String, Vec<u64>>,
    /// [feel listened to, does not] per month
    pub listened: [Vec<u64>; 2],
    /// distribution link code → responses in the window
    pub links: BTreeMap<String, u64>,
    /// responses in the window that came through no link
    pub no_link: u64,
    /// Filled in by the dashboard page only (see `publish::measures`).
    pub loop_measures: crate::publish::measures::LoopMeasures,
}

/// The first days of the last [`MONTHS`] months, oldest first.
pub fn months_to(today: NaiveDate) -> Vec<NaiveDate> {
    let mut months = vec![first_of_month(today)];
    while months.len() < MONTHS {
        let first = months[0];
        let previous = first_of_month(first.pred_opt().expect("a day before the first of a month"));
        months.insert(0, previous);
    }
    months
}

/// The first day whose responses are not counted yet: today. Every count
/// staff see (the dashboard, a theme's page, the "You said" page, the CSV
/// files), the response export and the Youth Council's review queue stop at
/// the end of yesterday. A number that moved the moment a child pressed
/// "Send" would tell whoever watched it, standing beside that child, which
/// response was theirs; a day's responses join together at midnight.
/// (Safeguarding is the exception: the lead sees a flagged response at once.)
pub fn counted_until(settings: &Settings) -> NaiveDate {
    let today = chrono::Utc::now().date_naive();
    if settings.count_today { today.succ_opt().unwrap_or(today) } else { today }
}

/// Reads every count the dashboard shows, of responses sent before `until`,
/// from the daily counts ([`crate::db::daily`]), grouped by month here, and
/// the themes' monthly ones (themes are counted as the Youth Council reviews,
/// and its queue stops at `until` too).
pub fn counts(conn: &mut DbConnection, registry: &Registry, until: NaiveDate) -> QueryResult<Counts> {
    let up_to = until.pred_opt().unwrap_or(until);
    let months = months_to(up_to);
    let from = months[0];
    let index = |date: NaiveDate| months.iter().rposition(|m| *m <= date);

    let mut themes_by_who: BTreeMap<String, Vec<Vec<u64>>> =
        registry.themes.iter().map(|t| (t.id.clone(), vec![vec![0; MONTHS]; Who::ALL.len()])).collect();
    // By month: a few hundred rows a year, however many responses.
    let rows: Vec<(String, String, String, NaiveDate, i64)> = monthly_themes::table
        .filter(monthly_themes::month.ge(from))
        .select((
            monthly_themes::theme_id,
            monthly_themes::audience,
            monthly_themes::age_group,
            monthly_themes::month,
            monthly_themes::n,
        ))
        .load(conn)?;
    for (theme, audience, age_group, month, n) in rows {
        let (Some(counts), Some(who), Some(i)) =
            (themes_by_who.get_mut(&theme), Who::of(&audience, &age_group), index(month))
        else {
            continue;
        };
        counts[who.index()][i] = counts[who.index()][i].saturating_add_signed(n);
    }

    let mut surveys: BTreeMap<String, Vec<u64>> =
        registry.surveys().iter().map(|s| (s.id.clone(), vec![0; MONTHS])).collect();
    let mut links: BTreeMap<String, u64> = BTreeMap::new();
    let mut no_link = 0;
    let rows: Vec<(String, String, NaiveDate, i64)> = daily_responses::table
        .filter(daily_responses::day.ge(from))
        .filter(daily_responses::day.lt(until))
        .select((daily_responses::survey_id, daily_responses::via, daily_responses::day, daily_responses::n))
        .load(conn)?;
    for (survey, via, day, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        if let (Some(counts), Some(i)) = (surveys.get_mut(&survey), index(day)) {
            counts[i] += n;
        }
        if index(day).is_some() {
            if via.is_empty() { no_link += n } else { *links.entry(via).or_default() += n }
        }
    }

    // "Do you feel listened to?": the top two points of a scale, the happy
    // face, or a single choice's first option count as feeling listened to.
    let mut listened = [vec![0; MONTHS], vec![0; MONTHS]];
    for survey in registry.surveys() {
        let Some(question) = survey.questions().find(|q| q.measure == Some(Measure::FeelListenedTo)) else { continue };
        let yes: Vec<String> = match &question.kind {
            QuestionKind::Scale { .. } => vec!["4".into(), "5".into()],
            QuestionKind::Faces { .. } => vec!["3".into()],
            QuestionKind::Single { options } => options.first().map(|o| vec![o.id.clone()]).unwrap_or_default(),
            _ => continue,
        };
        let rows: Vec<(String, NaiveDate, i64)> = daily_choices::table
            .filter(daily_choices::survey_id.eq(&survey.id))
            .filter(daily_choices::question_id.eq(&question.id))
            .filter(daily_choices::choice.ne(crate::surveys::RATHER_NOT_SAY))
            .filter(daily_choices::day.ge(from))
            .filter(daily_choices::day.lt(until))
            .select((daily_choices::choice, daily_choices::day, daily_choices::n))
            .load(conn)?;
        for (choice, day, n) in rows {
            if let Some(i) = index(day) {
                let side = if yes.contains(&choice) { 0 } else { 1 };
                listened[side][i] += u64::try_from(n).unwrap_or(0);
            }
        }
    }

    Ok(Counts { months, up_to, themes_by_who, surveys, listened, links, no_link, loop_measures: Default::default() })
}

/// Says where the counts stop, on every page that shows them.
pub fn up_to_note(up_to: NaiveDate) -> maud::Markup {
    maud::html! {
        p.up-to {
            "Responses sent up to the end of " (up_to.format("%-d %B %Y")) ". "
            "A day's responses are added together at midnight, so that no one can pick out a new response by watching a number change."
        }
    }
}

/// "Mar 2026"
pub fn month_label(month: NaiveDate) -> String {
    month.format("%b %Y").to_string()
}

/// Who answered, as the dashboard breaks it down: children and young people
/// by age group, then parents and carers, then practitioners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    Age5To7,
    Age8To11,
    Age12To15,
    Age16To17,
    ParentsCarers,
    Practitioners,
}

impl Who {
    pub const ALL: [Who; 6] =
        [Who::Age5To7, Who::Age8To11, Who::Age12To15, Who::Age16To17, Who::ParentsCarers, Who::Practitioners];

    /// The group a stored response belongs to; `None` for a combination the
    /// surveys cannot produce (a child's survey answered as an adult).
    pub fn of(audience: &str, age_group: &str) -> Option<Who> {
        match (Audience::parse(audience)?, AgeGroup::parse(age_group)?) {
            (Audience::ChildYoungPerson, AgeGroup::FiveToSeven) => Some(Who::Age5To7),
            (Audience::ChildYoungPerson, AgeGroup::EightToEleven) => Some(Who::Age8To11),
            (Audience::ChildYoungPerson, AgeGroup::TwelveToFifteen) => Some(Who::Age12To15),
            (Audience::ChildYoungPerson, AgeGroup::SixteenToSeventeen) => Some(Who::Age16To17),
            (Audience::ChildYoungPerson, AgeGroup::Adult) => None,
            (Audience::ParentCarer, _) => Some(Who::ParentsCarers),
            (Audience::Practitioner, _) => Some(Who::Practitioners),
        }
    }

    /// Its place in [`Who::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// A column heading: "Aged 8 to 11", "Parents and carers".
    pub fn label(self) -> &'static str {
        match self {
            Who::Age5To7 => "Aged 5 to 7",
            Who::Age8To11 => "Aged 8 to 11",
            Who::Age12To15 => "Aged 12 to 15",
            Who::Age16To17 => "Aged 16 or 17",
            Who::ParentsCarers => Audience::ParentCarer.label(),
            Who::Practitioners => Audience::Practitioner.label(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_group_has_a_column() {
        for age in AgeGroup::ALL {
            let expected = age != AgeGroup::Adult;
            assert_eq!(Who::of("child_young_person", age.as_str()).is_some(), expected, "{age:?}");
        }
        assert_eq!(Who::of("parent_carer", "adult"), Some(Who::ParentsCarers));
        assert_eq!(Who::of("practitioner", "adult"), Some(Who::Practitioners));
        assert_eq!(Who::of("somebody", "adult"), None);
        for (at, who) in Who::ALL.iter().enumerate() {
            assert_eq!(who.index(), at);
        }
    }
}
