//! The public "You said, We did" board: no sign-in, no JavaScript, phone
//! first, and a clean A4 poster when printed (`static/board.css`).
//! Child-friendly words by default; the detailed version is one tap away
//! (a `<details>`, or `?view=detailed` to open them all).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};

use super::actions::{self, FullAction, Status};
use super::long_date;
use crate::AppState;
use crate::surveys::Registry;
use crate::web::{AppError, html as respond_html, in_transaction};

type State = web::Data<AppState>;

/// What the query string asks for: `?theme=<id>` and `?view=detailed`.
struct Query {
    theme: Option<String>,
    detailed: bool,
}

fn query(req: &HttpRequest, registry: &Registry) -> Query {
    let mut q = Query { theme: None, detailed: false };
    for pair in req.query_string().split('&') {
        match pair.split_once('=') {
            Some(("theme", t)) if registry.theme(t).is_some() => q.theme = Some(t.to_owned()),
            Some(("view", "detailed")) => q.detailed = true,
            _ => {}
        }
    }
    q
}

/// `GET /you-said-we-did`
pub async fn board(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let q = query(&req, &state.registry);
    let filter = q.theme.clone().map(|t| vec![t]);
    let entries = in_transaction(&state.db, move |conn| actions::published(conn, filter.as_deref())).await?;
    Ok(respond_html(StatusCode::OK, view(&state.registry, &entries, q.theme.as_deref(), q.detailed)))
}

// ---- What people read. All the English of the board is below. ----

fn link(theme: Option<&str>, detailed: bool) -> String {
    match (theme, detailed) {
        (None, false) => "/you-said-we-did".to_owned(),
        (None, true) => "/you-said-we-did?view=detailed".to_owned(),
        (Some(t), false) => format!("/you-said-we-did?theme={t}"),
        (Some(t), true) => format!("/you-said-we-did?theme={t}&view=detailed"),
    }
}

fn view(registry: &Registry, entries: &[FullAction], theme: Option<&str>, detailed: bool) -> Markup {
    let theme_name = theme.and_then(|t| registry.theme(t)).map(|t| t.name.as_str());
    super::public_page(
        registry,
        "You said, We did",
        false,
        html! {
            h1 { "You said, We did" }
            p.lead { "Young people told us what matters to them. Here is what the partnership did about it." }
            form.board-filter method="get" action="/you-said-we-did" {
                label.question-label for="theme" { strong { "Show answers about" } }
                select #theme name="theme" {
                    option value="" selected[theme.is_none()] { "Everything" }
                    @for t in &registry.themes { option value=(t.id) selected[theme == Some(t.id.as_str())] { (t.name) } }
                }
                @if detailed { input type="hidden" name="view" value="detailed"; }
                " "
                button.button.secondary type="submit" { "Show" }
            }
            p.board-view {
                @if detailed { a href=(link(theme, false)) { "Show the short versions" } }
                @else { a href=(link(theme, true)) { "Show the detailed versions" } }
            }
            @if entries.is_empty() {
                p { @if let Some(name) = theme_name { "Nothing has been published about " (name) " yet." } @else { "Nothing has been published yet." } " Please come back soon." }
            }
            @for a in entries { (entry(registry, a, detailed)) }
            div.board-more {
                p { a href="/subscribe" { "Email me when something changes" } }
                p { a href="/track" { "Have a receipt code? See what happened to your answers" } }
                p { a href="/you-said-we-did/feed.atom" { "Follow in a feed reader (Atom)" } }
            }
        },
    )
}

/// One published action: You said, We did, status, agency and dates, the
/// detailed version one tap away, and its dated history. Shared with `/track`.
pub fn entry(registry: &Registry, a: &FullAction, detailed: bool) -> Markup {
    let row = &a.row;
    let status = row.status();
    let names: Vec<&str> = a.themes.iter().filter_map(|t| registry.theme(t)).map(|t| t.name.as_str()).collect();
    html! {
        article.entry {
            p.entry-themes { (names.join(" · ")) }
            h2 { "You said" }
            p.you-said { (a.you_said) }
            h3 { "We did" }
            p.we-did { (row.child_text) }
            p.status { strong { (status.label()) } @if status == Status::Cant { @if let Some(r) = &row.reason { " " (r) } } }
            dl.entry-facts {
                dt { "Who is doing it" } dd { (row.agency) }
                @if let Some(d) = row.due_on { dt { "By" } dd { (long_date(d)) } }
                @if let Some(d) = row.done_on { dt { "Done" } dd { (long_date(d)) } }
                @if let Some(first) = row.first_published_at { dt { "First shared" } dd { (long_date(first.date())) } }
                @if let (true, Some(latest)) = (a.history.len() > 1, a.history.first()) { dt { "Last changed" } dd { (long_date(latest.published_at.date())) } }
            }
            details.entry-detail open[detailed] {
                summary { "Read the detailed version" }
                p { (row.detailed_text) }
                @if a.history.len() > 1 {
                    h4 { "What changed" }
                    ul.entry-history {
                        @for h in &a.history {
                            li {
                                strong { (long_date(h.published_at.date())) } ": "
                                @if h.kind == "updated" { "updated – " } @else { "first shared – " }
                                (Status::parse(&h.status).map(Status::label).unwrap_or_default())
                                ". " (h.child_text)
                            }
                        }
                    }
                }
            }
        }
    }
}
