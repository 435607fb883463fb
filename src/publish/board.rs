//! The public "You said, We did" board: no sign-in, no JavaScript, phone
//! first, and a clean A4 poster when printed (`static/board.css`).
//! Child-friendly words by default; the detailed version is one tap away
//! (a `<details>`, or `?view=detailed` to open them all).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};

use super::cache::{BoardCache, Shown};
use super::store::{self, FullAction, Status};
use super::{lang_field, picker, status_label, theme_name, words_for};
use crate::surveys::{Key, Registry, Words};
use crate::web::AppError;
use crate::web::AppState;

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

/// The board a request asks for: everything its page depends on, and only
/// what the service has (a language or theme it does not know is not one).
fn shown(w: &Words<'_>, q: &Query) -> Shown {
    Shown::Board { language: w.code().to_owned(), chosen: w.is_chosen(), theme: q.theme.clone(), detailed: q.detailed }
}

/// How many different boards there are (languages, each chosen or not,
/// times every theme or all of them, times short or detailed), and the
/// feed: the most pages the cache keeps.
pub fn pages(registry: &Registry) -> usize {
    registry.catalogue.languages().len() * 2 * (registry.themes.len() + 1) * 2 + 1
}

/// The cache of the board and the feed, sized for `registry`.
pub fn cache(registry: &Registry) -> BoardCache {
    BoardCache::new(pages(registry), super::cache::CHECK_EVERY)
}

/// `GET /you-said-we-did` (`?lang=` picks the language). Drawn once per
/// published version and kept ([`super::cache`]).
pub async fn board(state: State, cache: web::Data<BoardCache>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let q = query(&req, &state.registry);
    let w = words_for(&state.registry, &req, None);
    let filter = q.theme.clone().map(|t| vec![t]);
    let poster = format!("{}/you-said-we-did", state.settings.base_url);
    let body = cache
        .page(
            &state.db,
            shown(&w, &q),
            move |conn| store::published(conn, filter.as_deref()),
            |entries| view(w, &state.registry, &entries, &q, &poster).into_string(),
        )
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8")).body(body))
}

// ---- What people read: the words are in the catalogue (`[board]`). ----

fn link(theme: Option<&str>, detailed: bool) -> String {
    match (theme, detailed) {
        (None, false) => "/you-said-we-did".to_owned(),
        (None, true) => "/you-said-we-did?view=detailed".to_owned(),
        (Some(t), false) => format!("/you-said-we-did?theme={t}"),
        (Some(t), true) => format!("/you-said-we-did?theme={t}&view=detailed"),
    }
}

fn view(w: Words<'_>, registry: &Registry, entries: &[FullAction], q: &Query, poster: &str) -> Markup {
    let (theme, detailed) = (q.theme.as_deref(), q.detailed);
    let mut kept: Vec<(&str, &str)> = theme.map(|t| ("theme", t)).into_iter().collect();
    if detailed {
        kept.push(("view", "detailed"));
    }
    // Theme names are written by staff in English: marked so on other pages.
    let english = (!w.is_english()).then_some("en");
    super::public_page(
        w,
        registry,
        &w.s(Key::BoardName),
        false,
        html! {
            (picker(&w, registry, "/you-said-we-did", &kept))
            h1 { (w.t(Key::BoardName)) }
            p.lead { (w.t(Key::BoardLead)) }
            @if !w.is_english() { p { (w.t(Key::BoardInEnglish)) } }
            form.board-filter method="get" action="/you-said-we-did" {
                label.question-label for="theme" { strong { (w.t(Key::BoardFilter)) } }
                select #theme name="theme" {
                    option value="" selected[theme.is_none()] { (w.s(Key::BoardEverything)) }
                    @for t in &registry.themes { option value=(t.id) lang=[english] selected[theme == Some(t.id.as_str())] { (t.name) } }
                }
                @if detailed { input type="hidden" name="view" value="detailed"; }
                (lang_field(&w))
                " "
                button.button.secondary type="submit" { (w.t(Key::BoardShow)) }
            }
            p.board-view {
                @if detailed { a href=(w.href(&link(theme, false))) { (w.t(Key::BoardShowShort)) } }
                @else { a href=(w.href(&link(theme, true))) { (w.t(Key::BoardShowDetailed)) } }
            }
            @if entries.is_empty() {
                p {
                    @if let Some(t) = theme { (w.fill(Key::BoardEmptyTheme, &[("theme", theme_name(&w, registry, t))])) }
                    @else { (w.t(Key::BoardEmpty)) }
                }
            }
            @for a in entries { (entry(&w, registry, a, detailed)) }
            div.board-more {
                p { a href=(w.href("/subscribe")) { (w.t(Key::BoardSubscribe)) } }
                p { a href=(w.href("/track")) { (w.t(Key::BoardTrack)) } }
                p { a href="/you-said-we-did/feed.atom" { (w.t(Key::BoardFeed)) } }
            }
            // Printed, the poster says where to read more.
            p.board-poster { (w.fill(Key::BoardPoster, &[("address", html! { bdi { (poster) } })])) }
        },
    )
}

/// One published action: You said, We did, status, agency and dates, the
/// detailed version one tap away, and its dated history. Shared with `/track`.
/// The statements and the agency are as staff wrote them, in English.
pub fn entry(w: &Words<'_>, registry: &Registry, a: &FullAction, detailed: bool) -> Markup {
    let row = &a.row;
    let status = row.status();
    // What staff wrote sits in the page's direction, each run marked as
    // English (and so isolated, left to right) on a page in another language.
    let names: Vec<&str> = a.themes.iter().filter_map(|t| registry.theme(t)).map(|t| t.name.as_str()).collect();
    html! {
        article.entry {
            p.entry-themes { (w.english(&names.join(" · "))) }
            h2 { (w.t(Key::BoardYouSaid)) }
            p.you-said { (w.english(&a.you_said)) }
            h3 { (w.t(Key::BoardWeDid)) }
            p.we-did { (w.english(&row.child_text)) }
            p.status {
                strong { (status_label(w, status)) }
                @if status == Status::Cant { @if let Some(r) = &row.reason { " " (w.english(r)) } }
            }
            dl.entry-facts {
                dt { (w.t(Key::BoardWho)) } dd { (w.english(&row.agency)) }
                @if let Some(d) = row.due_on { dt { (w.t(Key::BoardBy)) } dd { (w.long_date(d)) } }
                @if let Some(d) = row.done_on { dt { (w.t(Key::BoardDone)) } dd { (w.long_date(d)) } }
                @if let Some(first) = row.first_published_at { dt { (w.t(Key::BoardFirstShared)) } dd { (w.long_date(first.date())) } }
                @if let (true, Some(latest)) = (a.history.len() > 1, a.history.first()) { dt { (w.t(Key::BoardLastChanged)) } dd { (w.long_date(latest.published_at.date())) } }
            }
            details.entry-detail open[detailed] {
                summary { (w.t(Key::BoardReadDetailed)) }
                p { (w.english(&row.detailed_text)) }
                @if a.history.len() > 1 {
                    h4 { (w.t(Key::BoardWhatChanged)) }
                    ul.entry-history {
                        @for h in &a.history {
                            li {
                                strong { (w.long_date(h.published_at.date())) } ": "
                                @if h.kind == "updated" { (w.t(Key::BoardHistoryUpdated)) } @else { (w.t(Key::BoardHistoryFirst)) }
                                " – "
                                @if let Some(s) = Status::parse(&h.status) { (status_label(w, s)) }
                                ". " (w.english(&h.child_text))
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn the_boards_an_address_can_ask_for_are_only_those_the_service_has() {
        let registry =
            Registry::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/surveys"))).expect("surveys");
        let mut langs: Vec<String> = registry.catalogue.languages().iter().map(|l| l.code.clone()).collect();
        let mut themes: Vec<String> = registry.themes.iter().map(|t| t.id.clone()).collect();
        // What an attacker adds: languages and themes the service lacks, odd
        // spellings, repeats, and other parameters.
        langs.extend(["xx", "EN", "ur-PK", "", "%75r", "en&lang=pl"].map(str::to_owned));
        themes.extend(["nope", "FOOD-AND-DRINK", "", "food-and-drink%00"].map(str::to_owned));
        let mut seen = HashSet::new();
        let mut asked = 0;
        for lang in &langs {
            for theme in &themes {
                for view in ["", "detailed", "short", "detailed&view=detailed"] {
                    for browser in ["", "ur", "pl", "zz;q=0.9, pl;q=0.5"] {
                        let uri = format!("/you-said-we-did?lang={lang}&theme={theme}&view={view}&x={asked}");
                        let req = TestRequest::get().uri(&uri).insert_header(("accept-language", browser));
                        let req = req.to_http_request();
                        let w = words_for(&registry, &req, None);
                        seen.insert(shown(&w, &query(&req, &registry)));
                        asked += 1;
                    }
                }
            }
        }
        assert!(asked > 2_000);
        // Every board there is, and nothing else: the feed is the one more page.
        assert_eq!(seen.len(), pages(&registry) - 1, "{} boards from {asked} addresses", seen.len());
    }
}
