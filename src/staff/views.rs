//! Staff pages: plain, quick, keyboard-friendly. No "Leave this page" here:
//! staff use work laptops; respondents never see these pages.

use maud::{DOCTYPE, Markup, html};

use super::access::{Access, StaffRoutes};
use super::roles::Role;
use super::session::{FormToken, SignedIn};
use super::store::StaffRow;
use crate::db::audit::Entry;
use crate::web::assets;

/// The staff layout.
pub fn page(title: &str, who: Option<&SignedIn>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" dir="ltr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta name="robots" content="noindex, nofollow";
                title { (title) " – Listening Loop staff" }
                link rel="stylesheet" href=(assets::url("app.css"));
                script src=(assets::url("app.js")) defer {}
            }
            body.staff {
                a.skip-link href="#main" { "Skip to main content" }
                header.top {
                    a.brand href="/staff" { "Listening Loop staff" }
                    @if let Some(who) = who {
                        form.inline method="post" action="/staff/sign-out" {
                            (who.csrf)
                            span.small { (who.name) " " }
                            button.link-button type="submit" { "Sign out" }
                        }
                    }
                }
                main #main tabindex="-1" { (content) }
            }
        }
    }
}

/// A problem with the form, shown above it.
pub fn error_summary(errors: &[(&str, String)]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 #error-summary-title { "There is a problem" }
                ul { @for (field, message) in errors { li { a href={ "#" (field) } { (message) } } } }
            }
        }
    }
}

fn text_field(id: &str, label: &str, kind: &str, value: &str, autocomplete: &str, error: Option<&str>) -> Markup {
    html! {
        div.question.has-error[error.is_some()] {
            label.question-label for=(id) { strong { (label) } }
            @if let Some(e) = error { p.error-message id={ (id) "-error" } { span.visually-hidden { "Error: " } (e) } }
            input.text #(id) name=(id) type=(kind) value=(value) autocomplete=(autocomplete) spellcheck="false"
                aria-describedby=[error.map(|_| format!("{id}-error"))];
        }
    }
}

pub fn sign_in(csrf: &FormToken, email: &str, error: Option<&str>) -> Markup {
    page(
        "Sign in",
        None,
        html! {
            h1 { "Sign in" }
            @if let Some(e) = error { (error_summary(&[("email", e.to_owned())])) }
            form method="post" action="/staff/sign-in" novalidate {
                (csrf)
                (text_field("email", "Email address", "email", email, "username", error))
                (text_field("password", "Password", "password", "", "current-password", None))
                div.buttons { button.button type="submit" { "Sign in" } }
            }
            p { a href="/staff/reset" { "Forgotten your password?" } }
        },
    )
}

/// What the home page offers, in its order, each shown only to those the
/// page's declaration lets in.
const HOME_LINKS: [(&str, &str); 11] = [
    ("/staff/password", "Change your password"),
    ("/staff/accounts", "Staff accounts"),
    ("/staff/audit", "Audit log"),
    ("/staff/outbox", "Mail outbox"),
    ("/staff/dashboard", "Dashboard: what people are telling us"),
    ("/staff/links", "Distribution links"),
    ("/staff/exports", "Exports"),
    ("/staff/you-said", "You said: what young people told us"),
    ("/staff/actions", "We did: answer and publish"),
    ("/staff/review", "Read what people wrote"),
    ("/staff/safeguarding", "Safeguarding queue"),
];

/// The staff home page. An admin also sees what must be filled in before
/// the service goes live (`not_ready`), until it is.
pub fn home(who: &SignedIn, routes: &StaffRoutes, not_ready: &[String]) -> Markup {
    let links: Vec<(&str, &str)> = HOME_LINKS
        .into_iter()
        .filter(|(path, _)| {
            routes
                .declared(&actix_web::http::Method::GET, path)
                .is_some_and(|r| r.access != Access::Public && r.access.allows(&who.roles))
        })
        .collect();
    page(
        "Home",
        Some(who),
        html! {
            h1 { "Hello, " (who.name) }
            @if who.has(Role::Admin) && !not_ready.is_empty() {
                div.panel.gentle role="status" {
                    h2 { "Not ready to go live" }
                    p { "Children and parents would not be shown your local help. Fill this in, in surveys/partnership.toml, before anyone answers (never a guessed number):" }
                    ul { @for line in not_ready { li { (line) } } }
                }
            }
            @if who.roles.is_empty() {
                p { "Your account has no roles yet. Ask an admin to give you one." }
            } @else {
                p { "You are signed in as:" }
                ul { @for role in &who.roles { li { strong { (role.label()) } " – " (role.description()) } } }
            }
            h2 { "What you can do" }
            ul.choices-list { @for (path, name) in links { li { a.big-link href=(path) { (name) } } } }
        },
    )
}

/// Set a password from an invite or reset link.
pub fn set_password(action: &str, heading: &str, csrf: &FormToken, error: Option<&str>) -> Markup {
    page(
        heading,
        None,
        html! {
            h1 { (heading) }
            @if let Some(e) = error { (error_summary(&[("password", e.to_owned())])) }
            form method="post" action=(action) novalidate {
                (csrf)
                div.question.has-error[error.is_some()] {
                    label.question-label for="password" { strong { "New password" } }
                    p.hint #password-hint { "At least 12 characters. Three random words together work well. You can paste it, or use a password manager." }
                    @if let Some(e) = error { p.error-message #password-error { span.visually-hidden { "Error: " } (e) } }
                    input.text #password name="password" type="password" autocomplete="new-password"
                        aria-describedby={ "password-hint" @if error.is_some() { " password-error" } };
                }
                div.buttons { button.button type="submit" { "Set password and sign in" } }
            }
        },
    )
}

/// A link that no longer works.
pub fn dead_link(message: &str) -> Markup {
    page(
        "This link doesn't work",
        None,
        html! {
            h1 { "This link doesn't work" }
            p { (message) }
            p { a href="/staff/reset" { "Ask for a new password link" } " or ask an admin for a new invite." }
        },
    )
}

pub fn reset_request(csrf: &FormToken, sent: bool, error: Option<&str>) -> Markup {
    page(
        "Reset your password",
        None,
        html! {
            h1 { "Reset your password" }
            @if sent {
                div.panel.gentle { p { "If that address has an account, we've sent it a link to set a new password. The link works for one hour." } }
            }
            @if let Some(e) = error { (error_summary(&[("email", e.to_owned())])) }
            form method="post" action="/staff/reset" novalidate {
                (csrf)
                (text_field("email", "Email address", "email", "", "username", error))
                div.buttons { button.button type="submit" { "Send me a link" } }
            }
            p { a href="/staff/sign-in" { "Back to sign in" } }
        },
    )
}

pub fn change_password(who: &SignedIn, errors: &[(&str, String)], done: bool) -> Markup {
    let error_for = |f: &str| errors.iter().find(|(id, _)| *id == f).map(|(_, m)| m.as_str());
    page(
        "Change your password",
        Some(who),
        html! {
            h1 { "Change your password" }
            @if done { div.panel.gentle { p { "Your password has been changed. Other devices have been signed out." } } }
            (error_summary(errors))
            form method="post" action="/staff/password" novalidate {
                (who.csrf)
                (text_field("current", "Current password", "password", "", "current-password", error_for("current")))
                (text_field("password", "New password (at least 12 characters)", "password", "", "new-password", error_for("password")))
                div.buttons { button.button type="submit" { "Change password" } }
            }
        },
    )
}

/// Invite form values kept after an error.
#[derive(Default)]
pub struct InviteForm {
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
}

pub fn accounts(
    who: &SignedIn,
    accounts: &[(StaffRow, Vec<Role>)],
    invite: &InviteForm,
    errors: &[(&str, String)],
    notice: Option<&str>,
) -> Markup {
    let error_for = |f: &str| errors.iter().find(|(id, _)| *id == f).map(|(_, m)| m.as_str());
    page(
        "Staff accounts",
        Some(who),
        html! {
            h1 { "Staff accounts" }
            @if let Some(n) = notice { div.panel.gentle role="status" { p { (n) } } }
            (error_summary(errors))
            table.accounts {
                caption.visually-hidden { "Staff accounts" }
                thead { tr { th scope="col" { "Person" } th scope="col" { "Roles" } th scope="col" { "Status" } } }
                tbody {
                    @for (row, roles) in accounts {
                        tr {
                            td { strong { (row.display_name) } br; (row.email) }
                            td {
                                form method="post" action={ "/staff/accounts/" (row.id) "/roles" } {
                                    (who.csrf)
                                    fieldset {
                                        legend.visually-hidden { "Roles for " (row.display_name) }
                                        @for role in Role::ALL {
                                            label.check {
                                                input type="checkbox" name="role" value=(role.as_str()) checked[roles.contains(&role)];
                                                " " (role.label())
                                            }
                                        }
                                    }
                                    button.link-button type="submit" { "Save roles" span.visually-hidden { " for " (row.display_name) } }
                                }
                            }
                            td {
                                @if !row.active { "Deactivated" }
                                @else if row.password_hash.is_none() { "Invited" }
                                @else { "Active" }
                                @if row.id != who.id {
                                    form method="post" action={ "/staff/accounts/" (row.id) "/" (if row.active { "deactivate" } else { "reactivate" }) } {
                                        (who.csrf)
                                        button.link-button type="submit" {
                                            (if row.active { "Deactivate" } else { "Reactivate" })
                                            span.visually-hidden { " " (row.display_name) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 #invite { "Invite someone" }
            p { "They get an email with a link to set their password. The link works for 7 days, once." }
            form method="post" action="/staff/accounts/invite" novalidate {
                (who.csrf)
                (text_field("email", "Email address", "email", &invite.email, "off", error_for("email")))
                (text_field("name", "Name", "text", &invite.name, "off", error_for("name")))
                div.question.has-error[error_for("role").is_some()] {
                    fieldset {
                        legend { strong { "Roles" } }
                        @if let Some(e) = error_for("role") { p.error-message #role-error { (e) } }
                        @for (i, role) in Role::ALL.iter().enumerate() {
                            label.option for={ "role" @if i > 0 { "." (i) } } {
                                input type="checkbox" name="role" id={ "role" @if i > 0 { "." (i) } } value=(role.as_str()) checked[invite.roles.contains(role)];
                                span { strong { (role.label()) } " – " (role.description()) }
                            }
                        }
                    }
                }
                div.buttons { button.button type="submit" { "Send invite" } }
            }
        },
    )
}

pub fn audit(who: &SignedIn, entries: &[Entry], page_number: i64, more: bool) -> Markup {
    page(
        "Audit log",
        Some(who),
        html! {
            h1 { "Audit log" }
            p { "Everything staff did that touches responses, accounts or publishing. Newest first. Times are UTC." }
            table {
                thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "To what" } } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (e.at.format("%Y-%m-%d %H:%M:%S")) }
                            td { (e.actor_email.as_deref().unwrap_or("—")) }
                            td { (e.action) @if let Some(d) = &e.detail { br; span.small { (d) } } }
                            td { @if let (Some(t), Some(id)) = (&e.object_type, &e.object_id) { (t) " " code { (id) } } }
                        }
                    }
                }
            }
            p {
                @if page_number > 1 { a href={ "/staff/audit?page=" (page_number - 1) } { "Newer" } " " }
                @if more { a href={ "/staff/audit?page=" (page_number + 1) } { "Older" } }
            }
        },
    )
}

/// One message in the outbox, as the admin sees it (no body: it may hold a link).
pub struct QueuedMail {
    pub to: String,
    pub subject: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::NaiveDateTime,
    pub last_error: Option<String>,
}

pub fn outbox(who: &SignedIn, waiting: &[QueuedMail], sent_recently: i64) -> Markup {
    page(
        "Mail outbox",
        Some(who),
        html! {
            h1 { "Mail outbox" }
            p { (sent_recently) " sent in the last 7 days. " (waiting.len()) " waiting." }
            @if waiting.is_empty() { p { "Nothing is waiting to be sent." } } @else {
                table {
                    thead { tr { th scope="col" { "To" } th scope="col" { "Subject" } th scope="col" { "Tries" } th scope="col" { "Next try (UTC)" } th scope="col" { "Last error" } } }
                    tbody {
                        @for m in waiting {
                            tr {
                                td { (m.to) } td { (m.subject) } td { (m.attempts) }
                                td { (m.next_attempt_at.format("%Y-%m-%d %H:%M")) }
                                td { (m.last_error.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        },
    )
}
