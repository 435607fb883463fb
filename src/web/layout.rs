//! The one page layout. Every public page has the "Leave this page" control
//! and a way to help one tap away, in the page's language and direction.

use maud::{DOCTYPE, Markup, html};

use super::assets;
use crate::surveys::catalogue::Language;
use crate::surveys::{Audience, Catalogue, Key, Partnership, SupportContact, Words};

/// What the layout needs to know about a page.
pub struct Page<'a> {
    /// The `<title>`: plain and neutral, as it shows in tabs and history.
    pub title: &'a str,
    pub partnership: &'a Partnership,
    /// The page shows a problem with what was sent (prefixes the title).
    pub has_error: bool,
    /// The page's language: its own words, `lang` and `dir`.
    pub words: Words<'a>,
    /// Who the page is for, when it knows: the help at its foot is theirs.
    pub audience: Option<Audience>,
}

impl<'a> Page<'a> {
    /// A page in English (the built-in words); see [`Page::in_words`].
    pub fn new(title: &'a str, partnership: &'a Partnership) -> Page<'a> {
        Page { title, partnership, has_error: false, words: Catalogue::built_in().words("en"), audience: None }
    }

    pub fn with_error(mut self, has_error: bool) -> Page<'a> {
        self.has_error = has_error;
        self
    }

    /// The page in the language of `words`.
    pub fn in_words(mut self, words: Words<'a>) -> Page<'a> {
        self.words = words;
        self
    }

    /// A page for children and young people, parents and carers, or
    /// practitioners: its foot shows their help. Without it, a child's.
    pub fn for_audience(mut self, audience: Audience) -> Page<'a> {
        self.audience = Some(audience);
        self
    }
}

/// Wraps a page's content in the layout.
pub fn page(page: &Page<'_>, content: Markup) -> Markup {
    let w = page.words;
    let key = if page.has_error { Key::LayoutErrorTitle } else { Key::LayoutTitle };
    let title = w.s_with(key, &[("title", page.title)]);
    html! {
        (DOCTYPE)
        // The words for app.js (the Listen button) travel on the root, so the
        // script stays one cached file for every language.
        html lang=(w.code()) dir=(w.dir()) data-listen=(w.s(Key::LayoutListen)) data-listen-more=(w.s(Key::LayoutListenMore)) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta name="robots" content="noindex, nofollow";
                title { (title) }
                link rel="stylesheet" href=(assets::url("app.css"));
                script src=(assets::url("app.js")) defer {}
            }
            body {
                a.skip-link href="#main" { (w.t(Key::LayoutSkip)) }
                div.leave {
                    // Without JavaScript this is a plain link; app.js makes it
                    // blank the screen first and replace this page in history.
                    a.leave-button href=(page.partnership.exit_url) rel="noreferrer" data-leave {
                        (w.t(Key::LayoutLeave))
                    }
                }
                header.top {
                    a.brand href=(w.href("/")) { (w.t(Key::LayoutBrand)) }
                    a.help-link href=(w.href("/help")) { (w.t(Key::LayoutHelp)) }
                }
                main #main tabindex="-1" { (content) }
                footer.bottom {
                    (support_list_in(&w, &page.partnership.support_for(page.audience), &w.s(Key::LayoutHelpHeading)))
                    p.small { (w.fill(Key::LayoutRunBy, &[("name", w.english(&page.partnership.name))])) }
                }
            }
        }
    }
}

/// Help contacts under a heading in the page's language, as tappable
/// links. The contacts come from `partnership.toml`
/// ([`Partnership::support_for`]), in English, and are marked so.
pub fn support_list_in(w: &Words<'_>, contacts: &[&SupportContact], heading: &str) -> Markup {
    html! {
        section.support aria-label=(heading) {
            h2 { (heading) }
            ul {
                @for contact in contacts {
                    li {
                        a href=(contact.href) { strong { (w.english(&contact.name)) } }
                        " " span { (w.english(&contact.detail)) }
                    }
                }
            }
        }
    }
}

/// Links to the same page in each of `languages`, each written in its own
/// language and marked with it. `query` is the rest of the page's query.
/// Plain links: no script, no cookie; the choice rides in the address.
pub fn language_picker(w: &Words<'_>, languages: &[&Language], path: &str, query: &[(&str, &str)]) -> Markup {
    if languages.len() < 2 {
        return html! {};
    }
    html! {
        nav.languages aria-label=(w.s(Key::LayoutLanguages)) {
            ul {
                @for language in languages {
                    @let pairs: Vec<(&str, &str)> = query.iter().copied().chain([("lang", language.code.as_str())]).collect();
                    @let href = format!("{path}?{}", encode_query(&pairs));
                    li {
                        @if language.code == w.code() {
                            a href=(href) lang=(language.code) hreflang=(language.code) aria-current="true" { (language.name) }
                        } @else {
                            a href=(href) lang=(language.code) hreflang=(language.code) { (language.name) }
                        }
                    }
                }
            }
        }
    }
}

fn encode_query(pairs: &[(&str, &str)]) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    // Everything but the unreserved characters, so `8-11` stays readable.
    const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    let pairs =
        pairs.iter().map(|(k, v)| format!("{}={}", utf8_percent_encode(k, QUERY), utf8_percent_encode(v, QUERY)));
    pairs.collect::<Vec<_>>().join("&")
}
