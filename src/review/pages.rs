//! Handlers of the review and safeguarding queues.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{safeguarding, store, views};
use crate::db::audit;
use crate::staff::session::{SignedIn, StaffPost};
use crate::web::AppState;
use crate::web::{AppError, change_then_see_other, html, in_read_transaction, in_transaction};

type State = web::Data<AppState>;

async fn review_page(state: &AppState, me: &SignedIn, notice: Option<&str>) -> Result<HttpResponse, AppError> {
    let until = super::counts::counted_until(&state.settings);
    let (next, waiting) = in_read_transaction(&state.db, move |conn| {
        let (next, waiting) = store::next_for_review(conn, until)?;
        let detail = match next {
            Some(summary) => {
                let answers = store::answers_of(conn, &summary.id)?;
                let themes = store::themes_of(conn, &summary.id)?;
                Some((summary, answers, themes))
            }
            None => None,
        };
        Ok((detail, waiting))
    })
    .await?;
    let registry = &state.registry;
    let view = next.as_ref().map(|(summary, answers, themes)| {
        let survey = registry.survey(&summary.survey_id).map(|s| s.as_ref());
        views::ReviewItem { summary, answers, themes, may_quote: views::may_quote(survey, answers) }
    });
    Ok(html(StatusCode::OK, views::review(me, registry, view, waiting, notice)))
}

/// `GET /staff/review`
pub async fn review(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    review_page(&state, &SignedIn::of(&req)?, None).await
}

/// `POST /staff/review/{id}` — the themes and quotes a reviewer chose.
pub async fn save_review(
    state: State,
    StaffPost { me, form }: StaffPost,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let mut themes: Vec<String> = form.all("theme").into_iter().map(str::to_owned).collect();
    themes.sort();
    themes.dedup();
    if themes.iter().any(|t| state.registry.theme(t).is_none()) {
        return Err(AppError::BadRequest("That theme doesn't exist.".into()));
    }
    let quotes: Vec<(String, String)> = form
        .all("quote")
        .into_iter()
        .filter_map(|q| q.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())))
        .collect();
    let id = id.into_inner();
    let registry = state.registry.clone();
    let actor = me.actor();
    let saved = in_transaction(&state.db, move |conn| {
        // Flagged responses do not exist as far as a reviewer is concerned.
        let Some(summary) = store::for_reviewer(conn, &id)? else { return Ok(false) };
        let answers = store::answers_of(conn, &id)?;
        let survey = registry.survey(&summary.survey_id).map(|s| s.as_ref());
        // Quotes only of written words, and only where the person agreed.
        let quotes: Vec<(String, String)> = if views::may_quote(survey, &answers) {
            quotes
                .into_iter()
                .filter(|(q, p)| answers.iter().any(|a| a.question_id == *q && a.part == *p && a.free_text.is_some()))
                .collect()
        } else {
            Vec::new()
        };
        store::record_review(conn, &id, &themes, &quotes)?;
        let detail = format!("themes: {}; quotes: {}", themes.join(", "), quotes.len());
        audit::record(conn, &actor, "reviewed a response", Some(("response", &id)), Some(&detail))?;
        Ok(true)
    })
    .await?;
    if !saved {
        return Err(AppError::NotFound);
    }
    review_page(&state, &me, Some("Saved. Here's the next one.")).await
}

/// `GET /staff/safeguarding`
pub async fn safeguarding(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    let (items, digest) =
        in_read_transaction(&state.db, |conn| Ok((store::flagged_list(conn)?, safeguarding::current(conn)?))).await?;
    let notice = digest.and_then(|d| safeguarding::unusual_volume(&d, chrono::Utc::now().naive_utc())).map(|spell| {
        views::VolumeNotice {
            spell,
            window: safeguarding::duration_words(state.settings.alert_digest),
            per_address_hourly: state.settings.flagged_sends_per_hour,
        }
    });
    Ok(html(StatusCode::OK, views::safeguarding_list(&me, &items, notice.as_ref())))
}

async fn item_page(
    state: &AppState,
    me: &SignedIn,
    id: String,
    show: bool,
    error: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let actor = me.actor();
    let found = in_transaction(&state.db, move |conn| {
        let Some(summary) = store::flagged(conn, &id)? else { return Ok(None) };
        let answers = if show { Some(store::answers_of(conn, &id)?) } else { None };
        let notes = store::notes_of(conn, &id)?;
        let action = if show { "read a flagged response" } else { "opened a flagged response (words hidden)" };
        audit::record(conn, &actor, action, Some(("response", &id)), None)?;
        Ok(Some((summary, answers, notes)))
    })
    .await?;
    let Some((summary, answers, notes)) = found else { return Err(AppError::NotFound) };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(html(status, views::safeguarding_item(me, &state.registry, &summary, answers.as_deref(), &notes, error)))
}

/// `GET /staff/safeguarding/{id}` (`?show=1` shows the words). Every view is audited.
pub async fn safeguarding_item(
    state: State,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    let show = req.query_string() == "show=1";
    item_page(&state, &me, id.into_inner(), show, None).await
}

/// `POST /staff/safeguarding/{id}/notes`
pub async fn add_note(
    state: State,
    StaffPost { me, form }: StaffPost,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let note = form.get("note").unwrap_or_default().trim().to_owned();
    let id = id.into_inner();
    if note.is_empty() || note.chars().count() > 4000 {
        let message = "Write what you did, in up to 4,000 characters.";
        return item_page(&state, &me, id, false, Some(message)).await;
    }
    let (actor, author, then) = (me.actor(), me.id.clone(), format!("/staff/safeguarding/{id}"));
    change_then_see_other(&state.db, &then, move |conn| {
        if store::flagged(conn, &id)?.is_none() {
            return Ok(false);
        }
        store::add_note(conn, &id, &author, &note)?;
        audit::record(conn, &actor, "recorded a safeguarding note", Some(("response", &id)), None)?;
        Ok(true)
    })
    .await
}
