//! Staff handlers: parse, act in one transaction (with its audit line and
//! any mail), render.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::Markup;

use super::StaffState;
use super::password;
use super::roles::Role;
use super::session::{FormToken, SignedIn, StaffPost, signed_in};
use super::store::{self, SignInTry, TokenProblem, TokenPurpose};
use super::views::{self, InviteForm, QueuedMail};
use crate::db::audit::{self, Actor};
use crate::db::{DbConnection, DbError};
use crate::limits::STAFF_FORM;
use crate::mail::{self, Email, EmailAddress};
use crate::web::form::Form;
use crate::web::throttle::client_key;
use crate::web::{AppError, html, in_transaction, pad_to_same_time, see_other};

type State = web::Data<StaffState>;

fn link(state: &StaffState, path: &str) -> String {
    format!("{}{}", state.settings.base_url, path)
}

/// `GET /staff`
pub async fn home(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let not_ready = state.registry.partnership.not_ready();
    Ok(html(StatusCode::OK, views::home(&SignedIn::of(&req)?, &state.routes, &not_ready)))
}

/// `GET /staff/sign-in`
pub async fn sign_in_form(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    if signed_in(&state, &req).await?.is_some() {
        return Ok(see_other("/staff"));
    }
    let (csrf, cookie) = state.sessions.form_token(&req);
    let mut res = html(StatusCode::OK, views::sign_in(&csrf, "", None));
    if let Some(c) = cookie {
        res.add_cookie(&c).map_err(AppError::internal)?;
    }
    Ok(res)
}

/// `POST /staff/sign-in`
///
/// A try is counted against the account before its password is checked
/// (`store::count_signin_try`): five, then a 15-minute wait for every try,
/// the right password too, from any address. The per-client limit stops one
/// address guessing across accounts. No database connection is held while
/// the password is checked.
///
/// Every try costs the same until it turns out right: one commit (the count
/// and its audit line, or the audit line alone for an address with no
/// account or a waiting account), then one argon2 check (of a dummy hash
/// when there is no usable one). A waiting account therefore answers as
/// slowly as a wrong password, and both as an address with no account, which
/// never waits: timing does not tell which addresses have accounts.
pub async fn sign_in(state: State, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, AppError> {
    let form = Form::read(&req, payload, STAFF_FORM).await?;
    let csrf = state.sessions.check_form_token(&req, form.get("csrf").unwrap_or_default())?;
    let client = format!("sign-in {}", client_key(&req));
    if !state.signin_throttle.allows(&client) {
        return Err(AppError::TooMany);
    }
    let typed = form.get("email").unwrap_or_default().trim().to_owned();
    let password = form.get("password").unwrap_or_default().to_owned();
    let email = EmailAddress::parse(&typed).ok();
    let db = state.db.clone();
    let found = web::block(move || -> Result<SignInTry, AppError> {
        let mut conn = db.get()?;
        let now = chrono::Utc::now().naive_utc();
        crate::db::write_transaction(&mut conn, |conn| {
            let found = match &email {
                Some(email) => store::count_signin_try(conn, email, now)?,
                None => SignInTry::NoAccount,
            };
            record_signin_try(conn, &found)?;
            Ok(found)
        })
        .map_err(|e| DbError::from(e).into())
    })
    .await??;
    let usable = match found {
        SignInTry::Counted { row, .. } if row.active && row.password_hash.is_some() => Some(row),
        _ => None,
    };
    let stored = usable.as_ref().and_then(|row| row.password_hash.clone());
    let right = password::verify_in_turn(stored, password).await?;
    if let Some(row) = usable.filter(|_| right) {
        let (id, epoch) = (row.id.clone(), row.session_epoch);
        in_transaction(&state.db, move |conn| {
            store::clear_failed_signins(conn, &row.id)?;
            audit::record(conn, &Actor::staff(&row.id, &row.email), "signed in", None, None)
        })
        .await?;
        let mut res = see_other("/staff");
        res.add_cookie(&state.sessions.issue(&id, epoch)).map_err(AppError::internal)?;
        return Ok(res);
    }
    state.signin_throttle.hit(&client);
    let message = format!(
        "The email address or password is not right. Check them and try again. After {} tries that are not \
         right, the account waits {} minutes, or until you set a new password.",
        store::SIGNIN_TRIES,
        store::SIGNIN_WAIT.num_minutes()
    );
    Ok(html(StatusCode::UNAUTHORIZED, views::sign_in(&csrf, &typed, Some(&message))))
}

/// The audit line of a sign-in try, written with its count, before the
/// password is checked; a try that turns out right adds "signed in". A try
/// whose outcome is already known says so.
fn record_signin_try(conn: &mut DbConnection, found: &SignInTry) -> diesel::QueryResult<()> {
    let nobody = &Actor::NOBODY;
    match found {
        SignInTry::NoAccount => audit::record(conn, nobody, "failed sign-in", None, Some("no such account")),
        SignInTry::Waiting { row } => {
            let why = format!("{} tries in {} minutes", store::SIGNIN_TRIES, store::SIGNIN_WAIT.num_minutes());
            audit::record(conn, nobody, "refused sign-in", Some(("staff", &row.id)), Some(&why))
        }
        SignInTry::Counted { row, .. } if !row.active => {
            audit::record(conn, nobody, "failed sign-in", Some(("staff", &row.id)), Some("deactivated"))
        }
        SignInTry::Counted { row, .. } if row.password_hash.is_none() => {
            audit::record(conn, nobody, "failed sign-in", Some(("staff", &row.id)), Some("no password set yet"))
        }
        SignInTry::Counted { row, tries } => {
            let count = format!("{tries} of {}", store::SIGNIN_TRIES);
            audit::record(conn, nobody, "sign-in try", Some(("staff", &row.id)), Some(&count))
        }
    }
}

/// `POST /staff/sign-out`
pub async fn sign_out(state: State, StaffPost { me, .. }: StaffPost) -> Result<HttpResponse, AppError> {
    let (id, actor) = (me.id.clone(), me.actor());
    in_transaction(&state.db, move |conn| {
        store::end_sessions(conn, &id)?;
        audit::record(conn, &actor, "signed out", None, None)
    })
    .await?;
    let mut res = see_other("/staff/sign-in");
    res.add_removal_cookie(&state.sessions.removal()).map_err(AppError::internal)?;
    Ok(res)
}

fn link_problem(problem: TokenProblem) -> (StatusCode, &'static str) {
    match problem {
        TokenProblem::Unknown => (StatusCode::NOT_FOUND, "We don't recognise this link. Check you copied all of it."),
        TokenProblem::Expired => (StatusCode::GONE, "This link has expired."),
        TokenProblem::Used => (StatusCode::GONE, "This link has already been used. Each link works once."),
    }
}

fn purpose_of(req: &HttpRequest) -> TokenPurpose {
    if req.path().starts_with("/staff/accept/") { TokenPurpose::Invite } else { TokenPurpose::Reset }
}

fn set_password_view(req: &HttpRequest, csrf: &FormToken, error: Option<&str>) -> Markup {
    let heading = match purpose_of(req) {
        TokenPurpose::Invite => "Set your password",
        TokenPurpose::Reset => "Choose a new password",
    };
    views::set_password(req.path(), heading, csrf, error)
}

/// `GET /staff/accept/{token}` and `GET /staff/reset/{token}`
pub async fn link_form(state: State, req: HttpRequest, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let purpose = purpose_of(&req);
    let raw = token.into_inner();
    let db = state.db.clone();
    let checked = web::block(move || -> Result<_, AppError> {
        let mut conn = db.get()?;
        store::check_token(&mut conn, &raw, purpose).map_err(|e| DbError::from(e).into())
    })
    .await??;
    if let Err(problem) = checked {
        let (status, message) = link_problem(problem);
        return Ok(html(status, views::dead_link(message)));
    }
    let (csrf, cookie) = state.sessions.form_token(&req);
    let mut res = html(StatusCode::OK, set_password_view(&req, &csrf, None));
    if let Some(c) = cookie {
        res.add_cookie(&c).map_err(AppError::internal)?;
    }
    Ok(res)
}

/// `POST /staff/accept/{token}` and `POST /staff/reset/{token}`
pub async fn link_set_password(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = Form::read(&req, payload, STAFF_FORM).await?;
    let csrf = state.sessions.check_form_token(&req, form.get("csrf").unwrap_or_default())?;
    let new_password = form.get("password").unwrap_or_default().to_owned();
    if let Err(message) = password::check_new(&new_password) {
        return Ok(html(StatusCode::BAD_REQUEST, set_password_view(&req, &csrf, Some(&message))));
    }
    let purpose = purpose_of(&req);
    let raw = token.into_inner();
    let hash = password::hash_in_turn(new_password).await?;
    let done = in_transaction(&state.db, move |conn| {
        let id = match store::use_token(conn, &raw, purpose)? {
            Ok(id) => id,
            Err(problem) => return Ok(Err(problem)),
        };
        store::set_password(conn, &id, &hash)?;
        let row = store::find_by_id(conn, &id)?.ok_or(diesel::result::Error::NotFound)?;
        let action = match purpose {
            TokenPurpose::Invite => "accepted invite and set password",
            TokenPurpose::Reset => "reset password",
        };
        audit::record(conn, &Actor::staff(&row.id, &row.email), action, None, None)?;
        Ok(Ok((row.id, row.session_epoch, row.active)))
    })
    .await?;
    match done {
        Err(problem) => {
            let (status, message) = link_problem(problem);
            Ok(html(status, views::dead_link(message)))
        }
        Ok((_, _, false)) => Ok(html(
            StatusCode::FORBIDDEN,
            views::dead_link("This account has been deactivated. Ask an admin if you need it back."),
        )),
        Ok((id, epoch, true)) => {
            let mut res = see_other("/staff");
            res.add_cookie(&state.sessions.issue(&id, epoch)).map_err(AppError::internal)?;
            Ok(res)
        }
    }
}

/// `GET /staff/reset`
pub async fn reset_request_form(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let (csrf, cookie) = state.sessions.form_token(&req);
    let mut res = html(StatusCode::OK, views::reset_request(&csrf, false, None));
    if let Some(c) = cookie {
        res.add_cookie(&c).map_err(AppError::internal)?;
    }
    Ok(res)
}

/// `POST /staff/reset` — the same answer whether or not the account exists.
///
/// And the same work, so that how long it takes does not tell either: the
/// same statements in one commit, with a link made (stored only for an
/// account that may have one), the email written (queued only for that
/// account) and one audit line, which says why nothing was sent when nothing
/// was. What storing them costs is hidden under
/// [`crate::limits::SAME_TIME`].
pub async fn reset_request(state: State, req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, AppError> {
    let started = std::time::Instant::now();
    let form = Form::read(&req, payload, STAFF_FORM).await?;
    let csrf = state.sessions.check_form_token(&req, form.get("csrf").unwrap_or_default())?;
    let client = format!("reset {}", client_key(&req));
    if !state.signin_throttle.hit(&client) {
        return Err(AppError::TooMany);
    }
    let email = match EmailAddress::parse(form.get("email").unwrap_or_default()) {
        Ok(e) => e,
        Err(e) => return Ok(html(StatusCode::BAD_REQUEST, views::reset_request(&csrf, false, Some(&e.to_string())))),
    };
    let reset_base = link(&state, "/staff/reset/");
    in_transaction(&state.db, move |conn| {
        let row = store::find_by_email(conn, &email)?;
        let not_sent = match &row {
            None => Some("no such account"),
            Some(row) if !row.active => Some("deactivated"),
            Some(row) if row.password_hash.is_none() => Some("no password set yet"),
            Some(_) => None,
        };
        let token = match (&row, not_sent) {
            (Some(row), None) => store::issue_token(conn, &row.id, TokenPurpose::Reset)?,
            _ => store::issue_no_token(conn, TokenPurpose::Reset)?,
        };
        let url = format!("{reset_base}{token}");
        let message = Email::new(
            email,
            "Set a new Listening Loop password",
            &[
                "Someone (hopefully you) asked to reset the password for your Listening Loop staff account.",
                "The link below works once, for one hour. If you didn't ask, you can ignore this email: your password hasn't changed.",
            ],
            Some(("Choose a new password", &url)),
        );
        match not_sent {
            None => mail::enqueue(conn, &message)?,
            Some(_) => mail::enqueue_nothing(conn, &message)?,
        }
        let object = row.as_ref().map(|row| ("staff", row.id.as_str()));
        let detail = not_sent.map(|why| format!("nothing sent: {why}"));
        audit::record(conn, &Actor::NOBODY, "password reset requested", object, detail.as_deref())
    })
    .await?;
    pad_to_same_time(started).await;
    Ok(html(StatusCode::OK, views::reset_request(&csrf, true, None)))
}

/// `GET /staff/password`
pub async fn password_form(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let changed = req.query_string() == "changed=1";
    Ok(html(StatusCode::OK, views::change_password(&SignedIn::of(&req)?, &[], changed)))
}

/// `POST /staff/password`
pub async fn change_password(state: State, StaffPost { me, form }: StaffPost) -> Result<HttpResponse, AppError> {
    let current = form.get("current").unwrap_or_default().to_owned();
    let new_password = form.get("password").unwrap_or_default().to_owned();
    if let Err(message) = password::check_new(&new_password) {
        return Ok(html(StatusCode::BAD_REQUEST, views::change_password(&me, &[("password", message)], false)));
    }
    let (id, actor) = (me.id.clone(), me.actor());
    let db = state.db.clone();
    let find = id.clone();
    let stored = web::block(move || -> Result<Option<String>, AppError> {
        let mut conn = db.get()?;
        let row = store::find_by_id(&mut conn, &find).map_err(DbError::from)?.ok_or(AppError::Forbidden)?;
        Ok(row.password_hash)
    })
    .await??;
    let changed = if password::verify_in_turn(stored, current).await? {
        let hash = password::hash_in_turn(new_password).await?;
        in_transaction(&state.db, move |conn| {
            store::set_password(conn, &id, &hash)?;
            audit::record(conn, &actor, "changed password", None, None)?;
            store::find_by_id(conn, &id).map(|r| r.map(|r| r.session_epoch))
        })
        .await?
    } else {
        None
    };
    let Some(epoch) = changed else {
        let errors = [("current", "Your current password is not right.".to_owned())];
        return Ok(html(StatusCode::BAD_REQUEST, views::change_password(&me, &errors, false)));
    };
    // This device stays signed in with a fresh cookie; every other one is out.
    let mut res = see_other("/staff/password?changed=1");
    res.add_cookie(&state.sessions.issue(&me.id, epoch)).map_err(AppError::internal)?;
    Ok(res)
}

async fn accounts_page(
    state: &StaffState,
    me: &SignedIn,
    invite: &InviteForm,
    errors: &[(&str, String)],
    notice: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let db = state.db.clone();
    let accounts = web::block(move || -> Result<_, AppError> {
        let mut conn = db.get()?;
        store::list(&mut conn).map_err(|e| DbError::from(e).into())
    })
    .await??;
    Ok(html(status, views::accounts(me, &accounts, invite, errors, notice)))
}

/// `GET /staff/accounts`
pub async fn accounts(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    accounts_page(&state, &me, &InviteForm::default(), &[], None, StatusCode::OK).await
}

fn roles_from(form: &Form) -> Result<Vec<Role>, AppError> {
    form.all("role")
        .into_iter()
        .map(|r| Role::parse(r).ok_or_else(|| AppError::BadRequest("That role doesn't exist.".into())))
        .collect()
}

/// `POST /staff/accounts/invite`
pub async fn invite(state: State, StaffPost { me, form }: StaffPost) -> Result<HttpResponse, AppError> {
    let invite = InviteForm {
        email: form.get("email").unwrap_or_default().trim().to_owned(),
        name: form.get("name").unwrap_or_default().trim().to_owned(),
        roles: roles_from(&form)?,
    };
    let mut errors = Vec::new();
    let email = EmailAddress::parse(&invite.email).map_err(|e| errors.push(("email", e.to_string()))).ok();
    if invite.name.is_empty() || invite.name.chars().count() > 100 {
        errors.push(("name", "Enter their name, up to 100 characters.".to_owned()));
    }
    if invite.roles.is_empty() {
        errors.push(("role", "Choose at least one role.".to_owned()));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return accounts_page(&state, &me, &invite, &errors, None, StatusCode::BAD_REQUEST).await;
    };
    let (name, roles) = (invite.name.clone(), invite.roles.clone());
    let (actor, inviter) = (me.actor(), me.email.clone());
    let accept_base = link(&state, "/staff/accept/");
    let partnership = state.registry.partnership.name.clone();
    let created = in_transaction(&state.db, move |conn| {
        let Some(id) = store::create(conn, &email, &name, &roles)? else { return Ok(false) };
        let token = store::issue_token(conn, &id, TokenPurpose::Invite)?;
        let url = format!("{accept_base}{token}");
        let roles_words: Vec<&str> = roles.iter().map(|r| r.label()).collect();
        let intro =
            format!("{inviter} has invited you to Listening Loop for {partnership}, as: {}.", roles_words.join(", "));
        mail::enqueue(
            conn,
            &Email::new(
                email,
                "You're invited to Listening Loop",
                &[
                    &format!("Hello {name},"),
                    &intro,
                    "Use the link below to set your password. It works once, for 7 days.",
                ],
                Some(("Set your password", &url)),
            ),
        )?;
        let detail = format!("roles: {}", roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "));
        audit::record(conn, &actor, "invited", Some(("staff", &id)), Some(&detail))?;
        Ok(true)
    })
    .await?;
    if !created {
        let errors = [("email", "That email address already has an account.".to_owned())];
        return accounts_page(&state, &me, &invite, &errors, None, StatusCode::BAD_REQUEST).await;
    }
    let notice = format!("Invite sent to {}.", invite.email);
    accounts_page(&state, &me, &InviteForm::default(), &[], Some(&notice), StatusCode::OK).await
}

const LAST_ADMIN: &str = "Someone must stay an admin. Make another person an admin first.";
const LAST_LEAD: &str = "Someone must stay a safeguarding lead, or alerts about children who may be in danger \
                         would reach nobody. Make another person a safeguarding lead first.";

/// Why account `id` losing the roles `losing` now would leave nobody in a
/// role someone must hold, if it would. Call after [`store::lock_roles`],
/// in the transaction that makes the change.
fn last_holder(conn: &mut DbConnection, id: &str, losing: &[Role]) -> diesel::QueryResult<Option<&'static str>> {
    for (role, message) in [(Role::Admin, LAST_ADMIN), (Role::SafeguardingLead, LAST_LEAD)] {
        if losing.contains(&role) && !store::someone_else_holds(conn, id, role)? {
            return Ok(Some(message));
        }
    }
    Ok(None)
}

/// `POST /staff/accounts/{id}/roles`
pub async fn set_roles(
    state: State,
    StaffPost { me, form }: StaffPost,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let roles = roles_from(&form)?;
    let id = id.into_inner();
    let actor = me.actor();
    let outcome = in_transaction(&state.db, move |conn| {
        store::lock_roles(conn)?;
        let Some(row) = store::find_by_id(conn, &id)? else {
            return Ok(Err("That account doesn't exist."));
        };
        // Someone must stay an admin even if this account is not one now
        // (an admin taking their own role away, say), as before; a lead is
        // lost only if this account is one, so a partnership that has none
        // yet can still change roles.
        let mut losing = Vec::new();
        if !roles.contains(&Role::Admin) {
            losing.push(Role::Admin);
        }
        if row.active
            && !roles.contains(&Role::SafeguardingLead)
            && store::roles_of(conn, &id)?.contains(&Role::SafeguardingLead)
        {
            losing.push(Role::SafeguardingLead);
        }
        if let Some(message) = last_holder(conn, &id, &losing)? {
            return Ok(Err(message));
        }
        store::set_roles(conn, &id, &roles)?;
        let detail = format!("roles: {}", roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "));
        audit::record(conn, &actor, "changed roles", Some(("staff", &id)), Some(&detail))?;
        Ok(Ok(()))
    })
    .await?;
    match outcome {
        Ok(()) => Ok(see_other("/staff/accounts")),
        Err(message) => {
            let errors = [("role", message.to_owned())];
            accounts_page(&state, &me, &InviteForm::default(), &errors, None, StatusCode::BAD_REQUEST).await
        }
    }
}

/// `POST /staff/accounts/{id}/deactivate` and `…/reactivate`
pub async fn set_active(
    state: State,
    StaffPost { me, .. }: StaffPost,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let active = req.path().ends_with("/reactivate");
    let id = id.into_inner();
    if id == me.id {
        let errors = [("role", "You can't deactivate your own account.".to_owned())];
        return accounts_page(&state, &me, &InviteForm::default(), &errors, None, StatusCode::BAD_REQUEST).await;
    }
    let actor = me.actor();
    let outcome = in_transaction(&state.db, move |conn| {
        store::lock_roles(conn)?;
        let Some(row) = store::find_by_id(conn, &id)? else { return Ok(None) };
        if !active && row.active {
            // Another admin deactivating this one at the same moment as
            // this one deactivates them must not leave nobody.
            let roles = store::roles_of(conn, &id)?;
            if let Some(message) = last_holder(conn, &id, &roles)? {
                return Ok(Some(Err(message)));
            }
        }
        store::set_active(conn, &id, active)?;
        let action = if active { "reactivated" } else { "deactivated" };
        audit::record(conn, &actor, action, Some(("staff", &id)), None)?;
        Ok(Some(Ok(())))
    })
    .await?;
    match outcome {
        None => Err(AppError::NotFound),
        Some(Ok(())) => Ok(see_other("/staff/accounts")),
        Some(Err(message)) => {
            let errors = [("role", message.to_owned())];
            accounts_page(&state, &me, &InviteForm::default(), &errors, None, StatusCode::BAD_REQUEST).await
        }
    }
}

/// `GET /staff/audit?page=N`
pub async fn audit_log(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let me = SignedIn::of(&req)?;
    const PER_PAGE: i64 = 100;
    let query = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let page_number = query.get("page").and_then(|p| p.parse::<i64>().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let db = state.db.clone();
    let mut entries = web::block(move || -> Result<_, AppError> {
        let mut conn = db.get()?;
        audit::newest(&mut conn, (page_number - 1) * PER_PAGE, PER_PAGE + 1).map_err(|e| DbError::from(e).into())
    })
    .await??;
    let more = entries.len() as i64 > PER_PAGE;
    entries.truncate(PER_PAGE as usize);
    Ok(html(StatusCode::OK, views::audit(&me, &entries, page_number, more)))
}

/// Shows enough of an address to recognise it, not enough to harvest it.
fn mask(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => format!("{}…@{domain}", local.chars().next().unwrap_or('?')),
        None => "…".to_owned(),
    }
}

/// `GET /staff/outbox`
pub async fn outbox(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    use crate::db::schema::outbox;
    use diesel::prelude::*;
    let me = SignedIn::of(&req)?;
    let db = state.db.clone();
    let (waiting, sent) = web::block(move || -> Result<_, AppError> {
        let mut conn = db.get()?;
        let rows: Vec<(String, String, i32, chrono::NaiveDateTime, Option<String>)> = outbox::table
            .filter(outbox::sent_at.is_null())
            .order(outbox::created_at)
            .select((
                outbox::to_address,
                outbox::subject,
                outbox::attempts,
                outbox::next_attempt_at,
                outbox::last_error,
            ))
            .limit(500)
            .load(&mut conn)
            .map_err(DbError::from)?;
        let sent: i64 =
            outbox::table.filter(outbox::sent_at.is_not_null()).count().get_result(&mut conn).map_err(DbError::from)?;
        Ok((rows, sent))
    })
    .await??;
    let waiting: Vec<QueuedMail> = waiting
        .into_iter()
        .map(|(to, subject, attempts, next_attempt_at, last_error)| QueuedMail {
            to: mask(&to),
            subject,
            attempts,
            next_attempt_at,
            last_error,
        })
        .collect();
    Ok(html(StatusCode::OK, views::outbox(&me, &waiting, sent)))
}
