//! Distribution links: one per school, youth group or setting, so the
//! dashboard can say how many answered through each (suppressed like every
//! other number). The code goes in the survey link: `/s/young-people?via=CODE`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use maud::html;

use crate::db::DbError;
use crate::db::audit;
use crate::db::schema::distribution_links as dl;
use crate::staff::session::{SignedIn, StaffPost};
use crate::staff::views::{error_summary, page};
use crate::web::AppState;
use crate::web::{AppError, change_then_see_other, in_transaction, see_other};

type State = web::Data<AppState>;

#[derive(Queryable)]
struct Link {
    code: String,
    label: String,
    survey_link: String,
    created_at: NaiveDateTime,
    active: bool,
}

/// A short, readable code from the label: `St Mary's Primary` → `st-marys-primary-k7q`.
pub fn code_for(label: &str) -> String {
    let mut slug = String::new();
    for c in label.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if (c.is_whitespace() || c == '-') && !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.chars().take(24).collect();
    let mut bytes = [0u8; 3];
    crate::random::random_bytes(&mut bytes);
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let suffix: String = bytes.iter().map(|b| LETTERS[*b as usize % LETTERS.len()] as char).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() { suffix } else { format!("{slug}-{suffix}") }
}

async fn links_page(
    state: &AppState,
    me: &SignedIn,
    errors: &[(&str, String)],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let db = state.db.clone();
    let links: Vec<Link> = web::block(move || -> Result<_, AppError> {
        let mut conn = db.get()?;
        dl::table.order(dl::created_at.desc()).load(&mut conn).map_err(|e| DbError::from(e).into())
    })
    .await??;
    let base = &state.settings.base_url;
    let survey_links = state.registry.links();
    let markup = page(
        "Distribution links",
        Some(me),
        html! {
            h1 { "Distribution links" }
            p { "Give each school, youth group or setting its own link. The dashboard then shows how many answered through each – never who." }
            (error_summary(errors))
            @if links.is_empty() { p { "No links yet." } } @else {
                table {
                    thead { tr { th scope="col" { "For" } th scope="col" { "Link to hand out" } th scope="col" { "Status" } } }
                    tbody {
                        @for l in &links {
                            tr {
                                td { (l.label) br; span.small { "made " (l.created_at.format("%-d %B %Y")) } }
                                td { code { (base) "/s/" (l.survey_link) "?via=" (l.code) } }
                                td {
                                    @if l.active {
                                        "Open"
                                        form method="post" action={ "/staff/links/" (l.code) "/close" } {
                                            (me.csrf)
                                            button.link-button type="submit" { "Close" span.visually-hidden { " the link for " (l.label) } }
                                        }
                                    } @else { "Closed" }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Make a link" }
            form method="post" action="/staff/links" novalidate {
                (me.csrf)
                div.question {
                    label.question-label for="label" { strong { "Who is it for?" } }
                    p.hint #label-hint { "For example \u{201c}St Mary's Primary, Year 5\u{201d}. Only staff see this." }
                    input.text #label name="label" type="text" aria-describedby="label-hint";
                }
                div.question {
                    fieldset {
                        legend { strong { "Which survey?" } }
                        @for (i, (link, audience)) in survey_links.iter().enumerate() {
                            label.option for={ "survey" @if i > 0 { "." (i) } } {
                                input type="radio" name="survey" id={ "survey" @if i > 0 { "." (i) } } value=(link) checked[i == 0];
                                span { (audience.label()) " (" (link) ")" }
                            }
                        }
                    }
                }
                div.buttons { button.button type="submit" { "Make the link" } }
            }
        },
    );
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(markup.into_string()))
}

/// `GET /staff/links`
pub async fn list(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    links_page(&state, &SignedIn::of(&req)?, &[], StatusCode::OK).await
}

/// `POST /staff/links`
pub async fn create(state: State, StaffPost { me, form }: StaffPost) -> Result<HttpResponse, AppError> {
    let label = form.get("label").unwrap_or_default().trim().to_owned();
    let survey = form.get("survey").unwrap_or_default().to_owned();
    let mut errors = Vec::new();
    if label.is_empty() || label.chars().count() > 100 {
        errors.push(("label", "Say who the link is for, in up to 100 characters.".to_owned()));
    }
    if state.registry.by_link(&survey).is_empty() {
        errors.push(("survey", "Choose a survey.".to_owned()));
    }
    if !errors.is_empty() {
        return links_page(&state, &me, &errors, StatusCode::BAD_REQUEST).await;
    }
    let code = code_for(&label);
    let actor = me.actor();
    in_transaction(&state.db, move |conn| {
        diesel::insert_into(dl::table)
            .values((
                dl::code.eq(&code),
                dl::label.eq(&label),
                dl::survey_link.eq(&survey),
                dl::created_at.eq(Utc::now().naive_utc()),
                dl::active.eq(true),
            ))
            .execute(conn)?;
        audit::record(conn, &actor, "made a distribution link", Some(("link", &code)), Some(&label))
    })
    .await?;
    Ok(see_other("/staff/links"))
}

/// `POST /staff/links/{code}/close`
pub async fn close(
    state: State,
    StaffPost { me, .. }: StaffPost,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (actor, code) = (me.actor(), code.into_inner());
    change_then_see_other(&state.db, "/staff/links", move |conn| {
        let n = diesel::update(dl::table.filter(dl::code.eq(&code))).set(dl::active.eq(false)).execute(conn)?;
        if n == 1 {
            audit::record(conn, &actor, "closed a distribution link", Some(("link", &code)), None)?;
        }
        Ok(n == 1)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_readable_and_unguessable_enough() {
        let code = code_for("St Mary's Primary, Year 5!");
        assert!(code.starts_with("st-marys-primary-year-5-"), "{code}");
        assert_eq!(code.len(), "st-marys-primary-year-5-".len() + 3);
        assert_ne!(code_for("Youth club"), code_for("Youth club"));
        assert_eq!(code_for("???").len(), 3);
    }
}
