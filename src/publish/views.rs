//! The sub-group's pages: the "You said" statements with their answers,
//! and the form to write, publish and update a "We did".

use maud::{Markup, html};

use super::long_date;
use super::store::{ActionForm, FullAction, MAX_CHILD_TEXT, Status};
use crate::staff::roles::Role;
use crate::staff::session::SignedIn;
use crate::staff::views::{error_summary, page};
use crate::surveys::Registry;

/// A "You said" statement: (id, theme id, words).
pub type Statement = (String, String, String);

fn theme_name<'a>(registry: &'a Registry, id: &'a str) -> &'a str {
    registry.theme(id).map(|t| t.name.as_str()).unwrap_or(id)
}

fn state_label(a: &FullAction) -> &'static str {
    match (a.row.is_published(), a.row.first_published_at.is_some()) {
        (true, _) => "Published",
        (false, true) => "Unpublished (draft)",
        (false, false) => "Draft",
    }
}

/// `GET /staff/actions`
pub fn list(me: &SignedIn, registry: &Registry, statements: &[Statement], actions: &[FullAction]) -> Markup {
    page(
        "We did",
        Some(me),
        html! {
            h1 { "We did: answer what young people said" }
            p { "Every theme young people raise gets an answer, even when the answer is \u{201c}We can't, because\u{2026}\u{201d}. Write it in words a 9-year-old understands, and in a fuller version for adults." }
            p { a href="/you-said-we-did" { "See the public board" } }
            @if statements.is_empty() {
                p { "The Youth Council hasn't written any \u{201c}You said\u{201d} statements yet." }
            }
            @for (id, theme, words) in statements {
                section.panel {
                    h2 { (theme_name(registry, theme)) }
                    blockquote.written { "You said: " (words) }
                    @let answers: Vec<&FullAction> = actions.iter().filter(|a| a.row.you_said_id == *id).collect();
                    @if answers.is_empty() { p { strong { "Not answered yet." } } }
                    ul.plain {
                        @for a in answers {
                            li {
                                a href={ "/staff/actions/" (a.row.id) } { (a.row.child_text) }
                                " – " (a.row.status().label()) " – " strong { (state_label(a)) }
                            }
                        }
                    }
                    p { a.button.secondary href={ "/staff/actions/new?you_said=" (id) } { "Write what we did" span.visually-hidden { " about " (theme_name(registry, theme)) } } }
                }
            }
        },
    )
}

fn field_error<'a>(errors: &'a [(&str, String)], field: &str) -> Option<&'a str> {
    errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
}

fn error_line(id: &str, error: Option<&str>) -> Markup {
    html! { @if let Some(e) = error { p.error-message id={ (id) "-error" } { span.visually-hidden { "Error: " } (e) } } }
}

fn described(id: &str, hint: bool, error: Option<&str>) -> String {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{id}-hint"));
    }
    if error.is_some() {
        ids.push(format!("{id}-error"));
    }
    ids.join(" ")
}

fn text_area(id: &str, label: &str, hint: &str, value: &str, rows: u32, errors: &[(&str, String)]) -> Markup {
    let error = field_error(errors, id);
    html! {
        div.question.has-error[error.is_some()] {
            label.question-label for=(id) { strong { (label) } }
            p.hint id={ (id) "-hint" } { (hint) }
            (error_line(id, error))
            textarea id=(id) name=(id) rows=(rows) aria-describedby=(described(id, true, error)) { (value) }
        }
    }
}

fn input(id: &str, label: &str, kind: &str, value: &str, errors: &[(&str, String)]) -> Markup {
    let error = field_error(errors, id);
    html! {
        div.question.has-error[error.is_some()] {
            label.question-label for=(id) { strong { (label) } }
            (error_line(id, error))
            input.text id=(id) name=(id) type=(kind) value=(value) aria-describedby=[error.map(|_| format!("{id}-error"))];
        }
    }
}

/// The write/edit form. `action` is `None` for a new one.
pub fn form(
    me: &SignedIn,
    registry: &Registry,
    statements: &[Statement],
    action: Option<&FullAction>,
    typed: &ActionForm,
    errors: &[(&str, String)],
) -> Markup {
    let published = action.is_some_and(|a| a.row.is_published());
    let post_to = match action {
        Some(a) => format!("/staff/actions/{}", a.row.id),
        None => "/staff/actions".to_owned(),
    };
    let title = if action.is_some() { "Change what we did" } else { "Write what we did" };
    let statement_theme = statements.iter().find(|(id, ..)| *id == typed.you_said).map(|(_, t, _)| t.as_str());
    let you_said_error = field_error(errors, "you_said");
    let themes_error = field_error(errors, "themes");
    let status_error = field_error(errors, "status");
    page(
        title,
        Some(me),
        html! {
            p { a href="/staff/actions" { "Back to all answers" } }
            (error_summary(errors))
            h1 { (title) }
            @if let Some(a) = action {
                p { "This answer is " strong { (state_label(a)) } "."
                    @if let Some(first) = a.row.first_published_at { " First published " (long_date(first.date())) "." } }
            }
            form method="post" action=(post_to) novalidate {
                (me.csrf)
                div.question.has-error[you_said_error.is_some()] {
                    label.question-label for="you_said" { strong { "What young people said" } }
                    (error_line("you_said", you_said_error))
                    select #you_said name="you_said" aria-describedby=[you_said_error.map(|_| "you_said-error")] {
                        option value="" { "Choose a \u{201c}You said\u{201d}" }
                        @for (id, theme, words) in statements {
                            option value=(id) selected[*id == typed.you_said] { (theme_name(registry, theme)) ": " (words) }
                        }
                    }
                }
                fieldset.question.has-error[themes_error.is_some()] #themes aria-describedby={ "themes-hint" @if themes_error.is_some() { " themes-error" } } {
                    legend { strong { "Other themes this answers (optional)" } }
                    p.hint #themes-hint { "It always answers the theme of the \u{201c}You said\u{201d} it replies to." }
                    (error_line("themes", themes_error))
                    div.options {
                        @for t in &registry.themes {
                            @let checked = typed.themes.contains(&t.id) && Some(t.id.as_str()) != statement_theme;
                            label.option { input type="checkbox" name="theme" value=(t.id) checked[checked]; (t.name) }
                        }
                    }
                }
                fieldset.question.has-error[status_error.is_some()] #status aria-describedby=[status_error.map(|_| "status-error")] {
                    legend { strong { "Where it stands" } }
                    (error_line("status", status_error))
                    div.options {
                        @for s in Status::ALL {
                            label.option { input type="radio" name="status" value=(s.as_str()) checked[typed.status == s.as_str()]; (s.label()) }
                        }
                    }
                }
                (text_area("reason", "Because… (needed for \u{201c}We can't\u{201d})", "Say honestly why, in plain words.", &typed.reason, 3, errors))
                (text_area("child_text", "We did: for children and young people", &format!("Short sentences a 9-year-old understands, up to {MAX_CHILD_TEXT} characters. For example: We put more hot food in the lunch hall."), &typed.child_text, 3, errors))
                (text_area("detailed_text", "We did: the detailed version", "For parents, carers and professionals: what, who, when, and how we will know it worked.", &typed.detailed_text, 6, errors))
                (input("agency", "Which agency owns this", "text", &typed.agency, errors))
                (input("due_on", "Due date (optional)", "date", &typed.due_on, errors))
                (input("done_on", "Date done (optional)", "date", &typed.done_on, errors))
                div.buttons {
                    @if published {
                        button.button type="submit" name="intent" value="publish" { "Publish this update" }
                    } @else {
                        button.button type="submit" name="intent" value="publish" { "Publish" }
                        " "
                        button.button.secondary type="submit" name="intent" value="draft" { "Save as draft" }
                    }
                }
                @if published { p.small { "Publishing an update keeps the earlier version, dated, on the public board, and emails people who asked to hear about changes." } }
                @else { p.small { "Publishing puts it on the public board at once, and emails people who asked to hear about changes." } }
            }
            @if let Some(a) = action {
                @if !a.history.is_empty() {
                    h2 { "Published versions" }
                    ul.plain { @for h in &a.history { li { strong { (long_date(h.published_at.date())) } " – " (h.kind) " – " (Status::parse(&h.status).map(Status::label).unwrap_or_default()) ": " (h.child_text) } } }
                }
                @if published && me.has(Role::Admin) {
                    h2 { "Take it off the public board" }
                    p { "Only admins can do this, and it is written in the audit log. The answer goes back to being a draft." }
                    form method="post" action={ "/staff/actions/" (a.row.id) "/unpublish" } {
                        (me.csrf)
                        div.buttons { button.button.secondary type="submit" { "Unpublish" } }
                    }
                }
            }
        },
    )
}
