//! "We did": what the partnership did about a "You said" statement, its
//! status, owner and dates; how it is checked (with `validator`), stored,
//! published and unpublished. Every publication is kept as a dated history
//! entry, so the public can see how an answer changed over time.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use validator::{Validate, ValidationError};

use crate::db::DbConnection;
use crate::db::schema::{action_history, action_themes, actions, you_said};
use crate::surveys::Registry;

/// Where an action stands, in the four words the design uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Will,
    Doing,
    Did,
    /// "We can't, because…": a reason is then required.
    Cant,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Will, Status::Doing, Status::Did, Status::Cant];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Will => "will",
            Status::Doing => "doing",
            Status::Did => "did",
            Status::Cant => "cant",
        }
    }

    pub fn parse(value: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The words shown to everyone, staff and public alike.
    pub fn label(self) -> &'static str {
        match self {
            Status::Will => "We will",
            Status::Doing => "We are doing it",
            Status::Did => "We did it",
            Status::Cant => "We can't, because\u{2026}",
        }
    }
}

/// Longest child-friendly "We did": a few short sentences.
pub const MAX_CHILD_TEXT: u64 = 400;
/// Longest detailed "We did".
pub const MAX_DETAILED_TEXT: u64 = 4000;
/// Longest reason for "we can't".
pub const MAX_REASON: u64 = 600;
/// Longest agency name.
pub const MAX_AGENCY: u64 = 120;

/// The staff form as typed, checked with `validator`. Each error's field is
/// the id of the input it belongs to, so the error summary links to it.
#[derive(Debug, Default, Validate)]
#[validate(schema(function = "reason_when_we_cant", skip_on_field_errors = false))]
pub struct ActionForm {
    pub you_said: String,
    pub themes: Vec<String>,
    #[validate(custom(function = "known_status"))]
    pub status: String,
    #[validate(length(max = MAX_REASON, message = "Write the reason in up to 600 characters."))]
    pub reason: String,
    #[validate(length(
        min = 1,
        max = MAX_CHILD_TEXT,
        message = "Write what we did in words a 9-year-old can read, in up to 400 characters."
    ))]
    pub child_text: String,
    #[validate(length(min = 1, max = MAX_DETAILED_TEXT, message = "Write the detailed version, in up to 4,000 characters."))]
    pub detailed_text: String,
    #[validate(length(min = 1, max = MAX_AGENCY, message = "Write which agency owns this, in up to 120 characters."))]
    pub agency: String,
    #[validate(custom(function = "optional_date", message = "Enter the due date as a real date, like 2027-03-31."))]
    pub due_on: String,
    #[validate(custom(
        function = "optional_date",
        message = "Enter the date it was done as a real date, like 2027-03-31."
    ))]
    pub done_on: String,
}

fn known_status(value: &str) -> Result<(), ValidationError> {
    match Status::parse(value) {
        Some(_) => Ok(()),
        None => Err(ValidationError::new("status").with_message(Cow::Borrowed("Choose where this stands."))),
    }
}

fn optional_date(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() || parse_date(value).is_some() { Ok(()) } else { Err(ValidationError::new("date")) }
}

fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

/// "We can't" needs a "because": the code names the field the error belongs to.
fn reason_when_we_cant(form: &ActionForm) -> Result<(), ValidationError> {
    if form.status == Status::Cant.as_str() && form.reason.trim().is_empty() {
        return Err(ValidationError::new("reason").with_message(Cow::Borrowed(
            "Say why we can't: \u{201c}We can't, because\u{2026}\u{201d} needs a reason.",
        )));
    }
    Ok(())
}

/// A checked action, ready to store.
#[derive(Debug, Clone)]
pub struct ValidAction {
    pub you_said_id: String,
    pub themes: Vec<String>,
    pub status: Status,
    pub reason: Option<String>,
    pub child_text: String,
    pub detailed_text: String,
    pub agency: String,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
}

/// The fields in the order the form shows them, for a stable error summary.
const FIELD_ORDER: [&str; 9] =
    ["you_said", "themes", "status", "reason", "child_text", "detailed_text", "agency", "due_on", "done_on"];

impl ActionForm {
    /// Reads the posted form, trimming text.
    pub fn from_form(form: &crate::web::form::Form) -> ActionForm {
        let text = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
        ActionForm {
            you_said: text("you_said"),
            themes: form.all("theme").into_iter().map(str::to_owned).collect(),
            status: text("status"),
            reason: text("reason"),
            child_text: text("child_text"),
            detailed_text: text("detailed_text"),
            agency: text("agency"),
            due_on: text("due_on"),
            done_on: text("done_on"),
        }
    }

    /// Checks the form against `validator`'s rules, the themes we have, and
    /// the "You said" statements that exist (`theme_of_statement` gives a
    /// statement's theme). Errors are (field id, message), in form order.
    pub fn check(
        &self,
        registry: &Registry,
        theme_of_statement: Option<&str>,
    ) -> Result<ValidAction, Vec<(&'static str, String)>> {
        let mut errors: Vec<(&'static str, String)> = Vec::new();
        if let Err(found) = self.validate() {
            for (field, list) in found.field_errors() {
                for e in list {
                    // Schema-level errors name their field in the code.
                    let field = if field == "__all__" { e.code.as_ref() } else { field.as_ref() };
                    let Some(field) = FIELD_ORDER.iter().find(|f| **f == field) else { continue };
                    let message = e.message.as_deref().unwrap_or("Check this answer.").to_owned();
                    errors.push((field, message));
                }
            }
        }
        if theme_of_statement.is_none() {
            errors.push(("you_said", "Choose the \u{201c}You said\u{201d} this answers.".to_owned()));
        }
        if self.themes.iter().any(|t| registry.theme(t).is_none()) {
            errors.push(("themes", "Choose themes from the list.".to_owned()));
        }
        if !errors.is_empty() {
            errors.sort_by_key(|(f, _)| FIELD_ORDER.iter().position(|o| o == f));
            return Err(errors);
        }
        let mut themes: Vec<String> = theme_of_statement.map(str::to_owned).into_iter().collect();
        for t in &self.themes {
            if !themes.contains(t) {
                themes.push(t.clone());
            }
        }
        let status = Status::parse(&self.status).unwrap_or(Status::Will);
        Ok(ValidAction {
            you_said_id: self.you_said.clone(),
            themes,
            status,
            reason: (status == Status::Cant).then(|| self.reason.clone()),
            child_text: self.child_text.clone(),
            detailed_text: self.detailed_text.clone(),
            agency: self.agency.clone(),
            due_on: parse_date(&self.due_on),
            done_on: parse_date(&self.done_on),
        })
    }
}

/// An action as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = actions)]
pub struct ActionRow {
    pub id: String,
    pub you_said_id: String,
    pub status: String,
    pub reason: Option<String>,
    pub child_text: String,
    pub detailed_text: String,
    pub agency: String,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub state: String,
    pub first_published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ActionRow {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Will)
    }

    pub fn is_published(&self) -> bool {
        self.state == PUBLISHED
    }

    /// The form filled in with what is stored, for editing.
    pub fn to_form(&self, themes: &[String]) -> ActionForm {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        ActionForm {
            you_said: self.you_said_id.clone(),
            themes: themes.to_vec(),
            status: self.status.clone(),
            reason: self.reason.clone().unwrap_or_default(),
            child_text: self.child_text.clone(),
            detailed_text: self.detailed_text.clone(),
            agency: self.agency.clone(),
            due_on: date(self.due_on),
            done_on: date(self.done_on),
        }
    }
}

/// One publication, as the public saw it that day.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = action_history)]
pub struct HistoryRow {
    pub id: String,
    pub action_id: String,
    pub published_at: NaiveDateTime,
    /// `published` (the first time) or `updated`.
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
    pub child_text: String,
    pub detailed_text: String,
}

pub const DRAFT: &str = "draft";
pub const PUBLISHED: &str = "published";

/// An action with what it answers and its public history (newest first).
#[derive(Debug, Clone)]
pub struct FullAction {
    pub row: ActionRow,
    pub themes: Vec<String>,
    /// The "You said" statement it answers.
    pub you_said: String,
    pub history: Vec<HistoryRow>,
}

/// Every "You said" statement: (id, theme, statement).
pub fn statements(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    you_said::table
        .order(you_said::created_at)
        .select((you_said::id, you_said::theme_id, you_said::statement))
        .load(conn)
}

/// The theme of a "You said" statement, if it exists.
pub fn theme_of_statement(conn: &mut DbConnection, id: &str) -> QueryResult<Option<String>> {
    you_said::table.filter(you_said::id.eq(id)).select(you_said::theme_id).first(conn).optional()
}

fn themes_of(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    action_themes::table
        .filter(action_themes::action_id.eq_any(ids))
        .order((action_themes::action_id, action_themes::theme_id))
        .select((action_themes::action_id, action_themes::theme_id))
        .load(conn)
}

fn complete(conn: &mut DbConnection, rows: Vec<ActionRow>) -> QueryResult<Vec<FullAction>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let themes = themes_of(conn, &ids)?;
    let history: Vec<HistoryRow> = action_history::table
        .filter(action_history::action_id.eq_any(&ids))
        .order((action_history::published_at.desc(), action_history::id))
        .select(HistoryRow::as_select())
        .load(conn)?;
    let said_ids: Vec<String> = rows.iter().map(|r| r.you_said_id.clone()).collect();
    let said: Vec<(String, String)> = you_said::table
        .filter(you_said::id.eq_any(&said_ids))
        .select((you_said::id, you_said::statement))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| FullAction {
            themes: themes.iter().filter(|(a, _)| *a == row.id).map(|(_, t)| t.clone()).collect(),
            you_said: said.iter().find(|(id, _)| *id == row.you_said_id).map(|(_, s)| s.clone()).unwrap_or_default(),
            history: history.iter().filter(|h| h.action_id == row.id).cloned().collect(),
            row,
        })
        .collect())
}

/// Every action, drafts included, for staff: newest change first.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<FullAction>> {
    let rows = actions::table.order(actions::updated_at.desc()).select(ActionRow::as_select()).load(conn)?;
    complete(conn, rows)
}

/// One action, for staff.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<FullAction>> {
    let rows = actions::table.filter(actions::id.eq(id)).select(ActionRow::as_select()).load(conn)?;
    Ok(complete(conn, rows)?.into_iter().next())
}

/// Published actions, newest publication first; only those answering one of
/// `themes` when given.
pub fn published(conn: &mut DbConnection, themes: Option<&[String]>) -> QueryResult<Vec<FullAction>> {
    let mut query = actions::table.filter(actions::state.eq(PUBLISHED)).into_boxed();
    if let Some(themes) = themes {
        let answering = action_themes::table
            .filter(action_themes::theme_id.eq_any(themes.to_vec()))
            .select(action_themes::action_id);
        query = query.filter(actions::id.eq_any(answering));
    }
    let rows = query.order(actions::updated_at.desc()).select(ActionRow::as_select()).load(conn)?;
    complete(conn, rows)
}

/// Stores a new action (as a draft) or changes one; returns its id.
pub fn save(conn: &mut DbConnection, id: Option<&str>, a: &ValidAction, now: NaiveDateTime) -> QueryResult<String> {
    let fields = (
        actions::you_said_id.eq(&a.you_said_id),
        actions::status.eq(a.status.as_str()),
        actions::reason.eq(a.reason.as_deref()),
        actions::child_text.eq(&a.child_text),
        actions::detailed_text.eq(&a.detailed_text),
        actions::agency.eq(&a.agency),
        actions::due_on.eq(a.due_on),
        actions::done_on.eq(a.done_on),
        actions::updated_at.eq(now),
    );
    let id = match id {
        Some(id) => {
            diesel::update(actions::table.filter(actions::id.eq(id))).set(fields).execute(conn)?;
            id.to_owned()
        }
        None => {
            let id = crate::random::random_id();
            diesel::insert_into(actions::table)
                .values((fields, actions::id.eq(&id), actions::state.eq(DRAFT), actions::created_at.eq(now)))
                .execute(conn)?;
            id
        }
    };
    diesel::delete(action_themes::table.filter(action_themes::action_id.eq(&id))).execute(conn)?;
    for theme in &a.themes {
        diesel::insert_into(action_themes::table)
            .values((action_themes::action_id.eq(&id), action_themes::theme_id.eq(theme)))
            .execute(conn)?;
    }
    Ok(id)
}

/// Whether a publication is the first or an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    First,
    Update,
}

/// Publishes what is stored now, and keeps it as a dated history entry.
pub fn publish(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<Publication> {
    let row: ActionRow = actions::table.filter(actions::id.eq(id)).select(ActionRow::as_select()).first(conn)?;
    let kind = if row.first_published_at.is_some() { Publication::Update } else { Publication::First };
    diesel::update(actions::table.filter(actions::id.eq(id)))
        .set((
            actions::state.eq(PUBLISHED),
            actions::first_published_at.eq(row.first_published_at.unwrap_or(now)),
            actions::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::insert_into(action_history::table)
        .values((
            action_history::id.eq(crate::random::random_id()),
            action_history::action_id.eq(id),
            action_history::published_at.eq(now),
            action_history::kind.eq(if kind == Publication::First { "published" } else { "updated" }),
            action_history::status.eq(&row.status),
            action_history::reason.eq(&row.reason),
            action_history::child_text.eq(&row.child_text),
            action_history::detailed_text.eq(&row.detailed_text),
        ))
        .execute(conn)?;
    Ok(kind)
}

/// Takes an action off the board (admins only; the handler audits it). It
/// keeps its history, and publishing it again counts as an update.
pub fn unpublish(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(actions::table.filter(actions::id.eq(id)).filter(actions::state.eq(PUBLISHED)))
        .set((actions::state.eq(DRAFT), actions::updated_at.eq(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/surveys"))).expect("shipped surveys")
    }

    fn good() -> ActionForm {
        ActionForm {
            you_said: "s1".into(),
            themes: vec!["school-and-learning".into()],
            status: "will".into(),
            child_text: "We will put more food in the lunch hall.".into(),
            detailed_text: "From March, the catering contract adds a second hot option.".into(),
            agency: "Schools catering".into(),
            due_on: "2027-03-31".into(),
            ..ActionForm::default()
        }
    }

    #[test]
    fn a_good_form_becomes_an_action_with_the_statement_theme_first() {
        let a = good().check(&registry(), Some("food-and-drink")).unwrap();
        assert_eq!(a.themes, vec!["food-and-drink", "school-and-learning"]);
        assert_eq!(a.due_on, NaiveDate::from_ymd_opt(2027, 3, 31));
        assert_eq!(a.reason, None);
    }

    #[test]
    fn we_cant_needs_a_reason_linked_to_its_field() {
        let form = ActionForm { status: "cant".into(), ..good() };
        let errors = form.check(&registry(), Some("food-and-drink")).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "reason");
        assert!(errors[0].1.contains("needs a reason"));
        let form = ActionForm { status: "cant".into(), reason: "The budget is set by the council.".into(), ..good() };
        assert!(form.check(&registry(), Some("food-and-drink")).unwrap().reason.is_some());
    }

    #[test]
    fn every_problem_is_named_against_its_field_in_form_order() {
        let form = ActionForm {
            status: "maybe".into(),
            child_text: String::new(),
            agency: "x".repeat(121),
            due_on: "31/03/2027".into(),
            themes: vec!["no-such-theme".into()],
            ..good()
        };
        let errors = form.check(&registry(), None).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["you_said", "themes", "status", "child_text", "agency", "due_on"]);
        assert!(errors.iter().all(|(_, m)| !m.is_empty()));
    }
}
