//! "You said": the Youth Council's short statement for a theme, in young
//! people's words, with the (suppressed) number of responses behind it and
//! the quotes young people agreed to share. The publishing sub-group answers
//! each one with "We did".

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use maud::html;

use crate::db::audit;
use crate::db::schema::{answers, response_themes, responses, shared_quotes, you_said};
use crate::db::{DbConnection, DbError};
use crate::publish::cache::BoardCache;
use crate::staff::roles::Role;
use crate::staff::session::{SignedIn, StaffPost};
use crate::staff::views::{error_summary, page};
use crate::surveys::{AgeGroup, Audience};
use crate::web::AppState;
use crate::web::{AppError, in_transaction, see_other};

type State = web::Data<AppState>;

/// The longest statement: a sentence or two a 9-year-old can read.
pub const MAX_STATEMENT: usize = 300;

/// A quote young people agreed to share, with who said it in broad terms.
pub struct Quote {
    pub words: String,
    /// "young person, 12 to 15"
    pub attribution: String,
}

/// A theme's current statement.
#[derive(Queryable)]
pub struct Statement {
    pub statement: String,
    pub updated_at: NaiveDateTime,
}

/// The shared quotes grouped under a theme (confirmed by a reviewer), never
/// from flagged responses.
pub fn quotes_for(conn: &mut DbConnection, theme: &str) -> QueryResult<Vec<Quote>> {
    let confirmed = response_themes::table
        .filter(response_themes::theme_id.eq(theme))
        .filter(response_themes::confirmed.eq(true))
        .select(response_themes::response_id);
    let rows: Vec<(Option<String>, String, String)> = shared_quotes::table
        .inner_join(responses::table)
        .inner_join(
            answers::table.on(answers::response_id
                .eq(shared_quotes::response_id)
                .and(answers::question_id.eq(shared_quotes::question_id))
                .and(answers::part.eq(shared_quotes::part))),
        )
        .filter(shared_quotes::response_id.eq_any(confirmed))
        .filter(responses::concern.eq(false))
        .select((answers::free_text, responses::audience, responses::age_group))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(words, audience, age)| {
            let words = words?;
            let who = match Audience::ALL.into_iter().find(|a| a.as_str() == audience) {
                Some(Audience::ChildYoungPerson) => "young person",
                Some(Audience::ParentCarer) => "parent or carer",
                Some(Audience::Practitioner) => "practitioner",
                None => "someone",
            };
            let attribution = match AgeGroup::parse(&age).filter(|a| a.is_child()) {
                Some(age) => format!("{who}, {}", age.label()),
                None => who.to_owned(),
            };
            Some(Quote { words, attribution })
        })
        .collect())
}

pub fn current(conn: &mut DbConnection, theme: &str) -> QueryResult<Option<Statement>> {
    you_said::table
        .filter(you_said::theme_id.eq(theme))
        .order(you_said::updated_at.desc())
        .select((you_said::statement, you_said::updated_at))
        .first(conn)
        .optional()
}

async fn render(
    state: &AppState,
    me: &SignedIn,
    errors: &[(&str, String)],
    typed: Option<(&str, &str)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let registry = state.registry.clone();
    let until = super::counts::counted_until(&state.settings);
    let db = state.db.clone();
    let (counts, per_theme) = web::block(move || -> Result<_, AppError> {
        let mut conn = db.get()?;
        let counts = super::counts::counts(&mut conn, &registry, until).map_err(DbError::from)?;
        let mut per_theme = Vec::new();
        for theme in &registry.themes {
            let quotes = quotes_for(&mut conn, &theme.id).map_err(DbError::from)?;
            let statement = current(&mut conn, &theme.id).map_err(DbError::from)?;
            per_theme.push((theme.id.clone(), quotes, statement));
        }
        Ok((counts, per_theme))
    })
    .await??;
    let threshold = u64::from(state.settings.suppress_below);
    // The same suppressed totals the dashboard shows, so nothing new can be
    // worked out by putting the two pages side by side.
    let totals = super::dashboard::theme_totals(&state.registry, &counts, threshold);
    let may_write = me.has(Role::YouthReviewer);
    let markup = page(
        "You said",
        Some(me),
        html! {
            h1 { "You said" }
            p { "For each theme that matters, the Youth Council writes one or two sentences in young people's words: what young people told us. The sub-group answers each one with what the partnership did." }
            (super::counts::up_to_note(counts.up_to))
            (error_summary(errors))
            @for (i, theme) in state.registry.themes.iter().enumerate() {
                @let (_, quotes, statement) = &per_theme[i];
                section.panel {
                    h2 { (theme.name) }
                    p.small { "Responses about this in the last 12 months: " strong { (totals[i].label(threshold)) } }
                    @if let Some(s) = statement {
                        blockquote.written { "You said: " (s.statement) }
                        p.small { "Written " (s.updated_at.format("%-d %B %Y")) }
                    }
                    @if !quotes.is_empty() {
                        h3 { "Words young people agreed to share" }
                        ul.plain { @for q in quotes { li { "\u{201c}" (q.words) "\u{201d} – " (q.attribution) } } }
                    }
                    @if may_write {
                        form method="post" action="/staff/you-said" novalidate {
                            (me.csrf)
                            input type="hidden" name="theme" value=(theme.id);
                            @let id = format!("statement-{}", theme.id);
                            @let value = typed.filter(|(t, _)| *t == theme.id).map(|(_, v)| v.to_owned())
                                .or_else(|| statement.as_ref().map(|s| s.statement.clone())).unwrap_or_default();
                            label.question-label for=(id) { strong { @if statement.is_some() { "Change what young people said" } @else { "Write what young people said" } } }
                            p.hint { "Plain words a 9-year-old can read, up to " (MAX_STATEMENT) " characters. For example: You said you don't always get enough to eat at home or school." }
                            textarea id=(id) name="statement" rows="3" maxlength=(MAX_STATEMENT) { (value) }
                            div.buttons { button.button type="submit" { "Save" span.visually-hidden { " what young people said about " (theme.name) } } }
                        }
                    }
                }
            }
        },
    );
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(markup.into_string()))
}

/// `GET /staff/you-said`
pub async fn list(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    render(&state, &SignedIn::of(&req)?, &[], None, StatusCode::OK).await
}

/// `POST /staff/you-said` — a Youth Council member writes or changes a theme's statement.
pub async fn save(
    state: State,
    board: web::Data<BoardCache>,
    StaffPost { me, form }: StaffPost,
) -> Result<HttpResponse, AppError> {
    let theme = form.get("theme").unwrap_or_default().to_owned();
    if state.registry.theme(&theme).is_none() {
        return Err(AppError::BadRequest("That theme doesn't exist.".into()));
    }
    let statement = form.get("statement").unwrap_or_default().trim().to_owned();
    if statement.is_empty() || statement.chars().count() > MAX_STATEMENT {
        let field = format!("statement-{theme}");
        let errors = [(field.as_str(), format!("Write what young people said, in up to {MAX_STATEMENT} characters."))];
        return render(&state, &me, &errors, Some((&theme, &statement)), StatusCode::BAD_REQUEST).await;
    }
    let (actor, author) = (me.actor(), me.id.clone());
    in_transaction(&state.db, move |conn| {
        let now = Utc::now().naive_utc();
        let existing: Option<String> =
            you_said::table.filter(you_said::theme_id.eq(&theme)).select(you_said::id).first(conn).optional()?;
        match existing {
            Some(id) => {
                diesel::update(you_said::table.filter(you_said::id.eq(&id)))
                    .set((
                        you_said::statement.eq(&statement),
                        you_said::written_by.eq(&author),
                        you_said::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(you_said::table)
                    .values((
                        you_said::id.eq(crate::random::random_id()),
                        you_said::theme_id.eq(&theme),
                        you_said::statement.eq(&statement),
                        you_said::written_by.eq(&author),
                        you_said::created_at.eq(now),
                        you_said::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
        audit::record(conn, &actor, "wrote \u{201c}You said\u{201d}", Some(("theme", &theme)), Some(&statement))
    })
    .await?;
    // A published "We did" shows the statement it answers.
    board.changed();
    Ok(see_other("/staff/you-said"))
}
