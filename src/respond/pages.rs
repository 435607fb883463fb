//! Handlers of the respondent journey: parse, call the journey, render.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::Respondents;
use super::journey::{Journey, Nav, Next};
use super::state::Draft;
use super::store::Outcome;
use super::views::{self, StepPage};
use crate::limits::PUBLIC_FORM;
use crate::surveys::{AgeGroup, Audience, Key, Survey, Words};
use crate::web::form::Form;
use crate::web::{AppError, html};

type State = web::Data<Respondents>;

const UNREADABLE_DRAFT: Key = Key::ErrorUnreadableDraft;
const EXPIRED_DRAFT: Key = Key::ErrorExpiredDraft;
const ALREADY_SENT: Key = Key::ErrorAlreadySent;
/// How long a journey's pages can be used: long enough for a lesson with breaks.
const DRAFT_HOURS: i64 = 12;
const HELP_NOW: Key = Key::NoticeHelpNow;
const PAGE_MISMATCH: Key = Key::NoticePageMismatch;

/// The words for a page (see [`crate::web::lang::words_for`]).
fn words_for<'a>(state: &'a Respondents, req: &HttpRequest) -> Words<'a> {
    crate::web::lang::words_for(&state.registry.catalogue, req, None)
}

/// `GET /`: the ways in for children and young people and for parents and
/// carers. It is a page children open, so nothing written for professionals
/// is one tap away from it: practitioners are sent their own link
/// (`/s/practitioners`, say) by the partnership.
pub async fn home(state: State, req: HttpRequest) -> HttpResponse {
    let registry = &state.registry;
    let w = words_for(&state, &req);
    let links: Vec<_> = registry.links().into_iter().filter(|(_, a)| *a != Audience::Practitioner).collect();
    html(StatusCode::OK, views::home(w, &registry.catalogue, &registry.partnership, &links))
}

/// `GET /help`
pub async fn help(state: State, req: HttpRequest) -> HttpResponse {
    html(StatusCode::OK, views::help(words_for(&state, &req), &state.registry.partnership))
}

/// `GET /s/{link}` — the link may carry the age group: `?age=8-11`.
pub async fn landing(state: State, link: web::Path<String>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let surveys: Vec<&Survey> = state.registry.by_link(&link).into_iter().map(|s| s.as_ref()).collect();
    if surveys.is_empty() {
        return Err(AppError::NotFound);
    }
    let query = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let age = query.get("age").and_then(AgeGroup::parse);
    let via = query.get("via").filter(|v| !v.is_empty() && v.len() <= 64);
    let registry = &state.registry;
    let w = words_for(&state, &req);
    let retention_days = state.retention_days;
    let landing = views::Landing { surveys: &surveys, chosen_age: age, link: &link, via, error: false, retention_days };
    Ok(html(StatusCode::OK, views::landing(w, registry, &landing)))
}

/// `GET /s/{link}/stopped`
pub async fn stopped(state: State, link: web::Path<String>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let Some(audience) = state.registry.by_link(&link).first().map(|s| s.audience) else {
        return Err(AppError::NotFound);
    };
    Ok(html(StatusCode::OK, views::stopped(words_for(&state, &req), &state.registry.partnership, &link, audience)))
}

/// `POST /s/{link}/start` — the age group chosen; the first page.
pub async fn start(
    state: State,
    link: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    throttle(&state, &req)?;
    let surveys: Vec<&Survey> = state.registry.by_link(&link).into_iter().map(|s| s.as_ref()).collect();
    if surveys.is_empty() {
        return Err(AppError::NotFound);
    }
    let form = Form::read(&req, payload, PUBLIC_FORM).await?;
    let registry = &state.registry;
    // The landing page's form names its language; an unknown one is English.
    let lang = form.get("lang").and_then(|l| registry.catalogue.language(l)).map_or("en", |l| l.code.as_str());
    let w = registry.catalogue.words(lang).chosen();
    let age = form.get("age").and_then(AgeGroup::parse);
    let Some((survey, age)) = age.and_then(|age| registry.for_age(&link, age).map(|s| (s, age))) else {
        let (via, retention_days) = (form.get("via"), state.retention_days);
        let landing =
            views::Landing { surveys: &surveys, chosen_age: None, link: &link, via, error: true, retention_days };
        let page = views::landing(w, registry, &landing);
        return Ok(html(StatusCode::BAD_REQUEST, page));
    };
    let via = known_link(&state, &link, form.get("via")).await?;
    let mut token = [0u8; 16];
    crate::random::random_bytes(&mut token);
    let draft = Draft {
        survey: survey.id.clone(),
        version: survey.version.clone(),
        age: age.as_str().to_owned(),
        lang: lang.to_owned(),
        token: hex::encode(token),
        at: 0,
        reviewing: false,
        skipped: Default::default(),
        answers: Default::default(),
        via,
        started_hour: chrono::Utc::now().timestamp() / 3600,
    };
    let journey = Journey::new(survey, age);
    Ok(render(&state, &journey, &draft, StatusCode::OK, Vec::new(), None, None))
}

/// The distribution link code, if it names an active link for this survey.
/// An unknown or closed code is dropped quietly: a child with an old poster
/// can still answer.
async fn known_link(state: &Respondents, link: &str, code: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty() && c.len() <= 64) else { return Ok(None) };
    let (db, link, code) = (state.db.clone(), link.to_owned(), code.to_owned());
    web::block(move || -> Result<Option<String>, AppError> {
        use crate::db::schema::distribution_links as dl;
        use diesel::prelude::*;
        let mut conn = db.get()?;
        let found: Option<String> = crate::db::unique_row(
            dl::table
                .filter(dl::code.eq(&code))
                .filter(dl::survey_link.eq(&link))
                .filter(dl::active.eq(true))
                .select(dl::code),
            &mut conn,
        )
        .map_err(crate::db::DbError::from)?;
        Ok(found)
    })
    .await?
}

/// Whether the journey with this token was sent already.
///
/// On SQLite this is a read of one row by its key, which never waits for the
/// writer (the log lets readers and the writer run together), so it runs here
/// on the worker when a pooled connection is free at once: handing it to a
/// blocking thread and back cost more than the read, on every page of every
/// survey. Otherwise, and always on PostgreSQL, whose reads cross a socket,
/// it waits on a blocking thread.
async fn journey_sent(state: &Respondents, token: [u8; 16]) -> Result<bool, AppError> {
    use super::store::already_sent;
    use crate::db::{Backend, DbError};
    let key = state.receipt_key;
    if state.db.backend == Backend::Sqlite
        && let Some(mut conn) = state.db.pool.try_get()
    {
        return already_sent(&mut conn, &key, &token).map_err(|e| DbError::from(e).into());
    }
    let db = state.db.clone();
    web::block(move || -> Result<bool, AppError> {
        let mut conn = db.get()?;
        already_sent(&mut conn, &key, &token).map_err(|e| DbError::from(e).into())
    })
    .await?
}

/// Refuses a client posting far faster than a class of children could.
fn throttle(state: &Respondents, req: &HttpRequest) -> Result<(), AppError> {
    match &state.throttle {
        Some(limit) if !limit.hit(&crate::web::throttle::client_key(req)) => Err(AppError::TooMany),
        _ => Ok(()),
    }
}

/// Whether a flagged send may set off an alert of its own. Over the limit it
/// is stored, queued and thanked with the same help all the same: refusing
/// it could turn away a child telling someone for the first time, on a
/// school network shared with whoever used the limit up, and a script gets
/// nothing from it but a line in the leads' next digest.
fn flagged_send_allowed(state: &Respondents, req: &HttpRequest) -> bool {
    match &state.flagged_throttle {
        Some(limit) => limit.hit(&crate::web::throttle::client_key(req)),
        None => true,
    }
}

fn render(
    state: &Respondents,
    journey: &Journey<'_>,
    draft: &Draft,
    status: StatusCode,
    errors: Vec<super::journey::FieldError>,
    typed: Option<&Form>,
    notice: Option<Key>,
) -> HttpResponse {
    let page = StepPage {
        words: state.registry.catalogue.words(&draft.lang).chosen(),
        partnership: &state.registry.partnership,
        journey,
        draft,
        sealed: state.seal.seal(draft),
        errors,
        typed,
        notice,
    };
    html(status, views::step(&page))
}

/// `POST /s/{link}` — one page answered; the next page, or the receipt.
pub async fn answer(
    state: State,
    link: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    throttle(&state, &req)?;
    // A link no survey has can carry no draft: its post is refused as
    // unreadable below, after reading no more than a public form.
    let limits = state.page_limits.for_link(&link).unwrap_or(PUBLIC_FORM);
    let form = Form::read(&req, payload, limits).await?;
    let (draft, journey, token) = open_journey(&state, &link, &form)?;
    let nav = Nav::parse(form.get("nav"));
    // A page replayed from history after "Send" (a shared phone, the browser's
    // "resubmit") must not show the answers again. Sending again is fine: it
    // shows the same receipt and stores nothing new.
    if nav != Nav::Submit && journey_sent(&state, token).await? {
        return Err(AppError::Unusable(ALREADY_SENT));
    }
    let (draft, next) = journey.after_page(draft, &form, nav, &state.registry.lexicon);
    let (status, problems, notice) = match next {
        Next::Step { help } => (StatusCode::OK, vec![], help.then_some(HELP_NOW)),
        Next::Problems(problems) => (StatusCode::BAD_REQUEST, problems, None),
        Next::SurveyChanged => (StatusCode::OK, vec![], Some(Key::NoticeUpdated)),
        Next::Mismatch => (StatusCode::BAD_REQUEST, vec![], Some(PAGE_MISMATCH)),
        Next::Send => return submit(&state, &req, &journey, &draft, token).await,
        Next::NoSuchStep => return Err(AppError::Unusable(UNREADABLE_DRAFT)),
    };
    // What was typed is shown again only beside its problems.
    let typed = (!problems.is_empty()).then_some(&form);
    Ok(render(&state, &journey, &draft, status, problems, typed, notice))
}

/// The draft a page carries, the journey it belongs to and its token; a
/// draft that is altered, from another survey's link, or too old is refused.
fn open_journey<'a>(
    state: &'a Respondents,
    link: &str,
    form: &Form,
) -> Result<(Draft, Journey<'a>, [u8; 16]), AppError> {
    let draft =
        state.seal.open(form.get("state").unwrap_or_default()).map_err(|_| AppError::Unusable(UNREADABLE_DRAFT))?;
    let survey: &Survey =
        state.registry.survey(&draft.survey).filter(|s| s.link == link).ok_or(AppError::Unusable(UNREADABLE_DRAFT))?;
    let age = AgeGroup::parse(&draft.age)
        .filter(|a| survey.age_groups.contains(a))
        .ok_or(AppError::Unusable(UNREADABLE_DRAFT))?;
    if chrono::Utc::now().timestamp() / 3600 - draft.started_hour > DRAFT_HOURS {
        return Err(AppError::Unusable(EXPIRED_DRAFT));
    }
    let token: [u8; 16] =
        hex::decode(&draft.token).ok().and_then(|t| t.try_into().ok()).ok_or(AppError::Unusable(UNREADABLE_DRAFT))?;
    Ok((draft, Journey::new(survey, age), token))
}

/// Sends the checked answers to the writer: the receipt, or the check page
/// again with a calm notice if they could not be stored.
async fn submit(
    state: &Respondents,
    req: &HttpRequest,
    journey: &Journey<'_>,
    draft: &Draft,
    token: [u8; 16],
) -> Result<HttpResponse, AppError> {
    let (mut submission, concern) =
        journey.submission(draft, token, &state.registry.lexicon, &state.registry.suggester);
    submission.over_flagged_limit = submission.concern && !flagged_send_allowed(state, req);
    let audience = journey.survey.audience;
    let w = state.registry.catalogue.words(&draft.lang).chosen();
    let partnership = &state.registry.partnership;
    match state.writer.submit(submission).await {
        Ok(Outcome::Stored(code)) => {
            Ok(html(StatusCode::OK, views::thanks(w, partnership, Some(&code), concern, false, audience)))
        }
        Ok(Outcome::AlreadyStored(code)) => {
            Ok(html(StatusCode::OK, views::thanks(w, partnership, code.as_ref(), concern, true, audience)))
        }
        Err(e) => {
            crate::hour_log::warn(format_args!("a response could not be stored: {}", crate::cause::Chain(&e)));
            let notice = Some(Key::NoticeNotSent);
            Ok(render(state, journey, draft, StatusCode::SERVICE_UNAVAILABLE, vec![], None, notice))
        }
    }
}
