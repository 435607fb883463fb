//! The sub-group's handlers: write, publish, update, and (admins only)
//! unpublish a "We did". Each change happens in one transaction with its
//! audit line and the emails to subscribers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use super::cache::BoardCache;
use super::store::{self, ActionForm, FullAction, Publication};
use super::subscriptions::{self, Links};
use super::views;
use crate::db::audit;
use crate::staff::session::{SignedIn, StaffPost};
use crate::web::AppState;
use crate::web::{AppError, change_then_see_other, html, in_read_transaction, in_transaction, see_other};

type State = web::Data<AppState>;
type Cache = web::Data<BoardCache>;

/// `GET /staff/actions`
pub async fn list(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    let (statements, all) =
        in_read_transaction(&state.db, |conn| Ok((store::statements(conn)?, store::all(conn)?))).await?;
    Ok(html(StatusCode::OK, views::list(&me, &state.registry, &statements, &all)))
}

/// The form page, with what was typed and any problems.
async fn form_page(
    state: &AppState,
    me: &SignedIn,
    action: Option<FullAction>,
    typed: ActionForm,
    errors: &[(&str, String)],
) -> Result<HttpResponse, AppError> {
    let statements = in_read_transaction(&state.db, store::statements).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok(html(status, views::form(me, &state.registry, &statements, action.as_ref(), &typed, errors)))
}

/// `GET /staff/actions/new` (`?you_said=<id>` picks the statement).
pub async fn new_form(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    let you_said = req.query_string().strip_prefix("you_said=").unwrap_or_default().to_owned();
    form_page(&state, &me, None, ActionForm { you_said, ..ActionForm::default() }, &[]).await
}

/// `GET /staff/actions/{id}`
pub async fn edit_form(state: State, req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    let id = id.into_inner();
    let Some(action) = in_read_transaction(&state.db, move |conn| store::find(conn, &id)).await? else {
        return Err(AppError::NotFound);
    };
    let typed = action.row.to_form(&action.themes);
    form_page(&state, &me, Some(action), typed, &[]).await
}

/// `POST /staff/actions`
pub async fn create(state: State, cache: Cache, post: StaffPost) -> Result<HttpResponse, AppError> {
    save_and_maybe_publish(state, cache, post, None).await
}

/// `POST /staff/actions/{id}`
pub async fn save(
    state: State,
    cache: Cache,
    post: StaffPost,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    save_and_maybe_publish(state, cache, post, Some(id.into_inner())).await
}

/// Checks the form; stores it; publishes it when asked (a published action
/// is always republished: every change to it is a public, dated update).
async fn save_and_maybe_publish(
    state: State,
    cache: Cache,
    StaffPost { me, form }: StaffPost,
    id: Option<String>,
) -> Result<HttpResponse, AppError> {
    let typed = ActionForm::from_form(&form);
    let (statement, lookup) = (typed.you_said.clone(), id.clone());
    let (theme, existing) = in_read_transaction(&state.db, move |conn| {
        let existing = match &lookup {
            Some(id) => store::find(conn, id)?,
            None => None,
        };
        Ok((store::theme_of_statement(conn, &statement)?, existing))
    })
    .await?;
    if id.is_some() && existing.is_none() {
        return Err(AppError::NotFound);
    }
    let valid = match typed.check(&state.registry, theme.as_deref()) {
        Ok(valid) => valid,
        Err(errors) => return form_page(&state, &me, existing, typed, &errors).await,
    };
    let publish = form.get("intent") == Some("publish") || existing.as_ref().is_some_and(|a| a.row.is_published());
    let (links, registry) = (Links::of(&state), state.registry.clone());
    let actor = me.actor();
    let id = in_transaction(&state.db, move |conn| {
        let now = Utc::now().naive_utc();
        let id = store::save(conn, id.as_deref(), &valid, now)?;
        if publish {
            let kind = store::publish(conn, &id, now)?;
            let first = kind == Publication::First;
            let sent = subscriptions::notify(conn, &links, &registry, &valid.themes, &valid.child_text, first)?;
            let what =
                if first { "published a \u{201c}We did\u{201d}" } else { "updated a published \u{201c}We did\u{201d}" };
            let detail = format!("status: {}; emails queued: {sent}", valid.status.as_str());
            audit::record(conn, &actor, what, Some(("action", &id)), Some(&detail))?;
        } else {
            audit::record(conn, &actor, "saved a \u{201c}We did\u{201d} draft", Some(("action", &id)), None)?;
        }
        Ok(id)
    })
    .await?;
    // The board and its feed show it at once here (other instances within
    // a second: see `cache`).
    cache.changed();
    Ok(see_other(&format!("/staff/actions/{id}")))
}

/// `POST /staff/actions/{id}/unpublish` — admins only (see `staff::access`), audited.
pub async fn unpublish(
    state: State,
    cache: Cache,
    StaffPost { me, .. }: StaffPost,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (actor, then) = (me.actor(), format!("/staff/actions/{id}"));
    let done = change_then_see_other(&state.db, &then, move |conn| {
        if !store::unpublish(conn, &id, Utc::now().naive_utc())? {
            return Ok(false);
        }
        audit::record(conn, &actor, "unpublished a \u{201c}We did\u{201d}", Some(("action", &id)), None)?;
        Ok(true)
    })
    .await?;
    cache.changed();
    Ok(done)
}
