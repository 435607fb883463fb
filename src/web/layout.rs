//! The one page layout. Every public page has the "Leave this page" control
//! and a way to help one tap away.

use maud::{DOCTYPE, Markup, html};

use super::assets;
use crate::surveys::Partnership;

/// What the layout needs to know about a page.
pub struct Page<'a> {
    /// The `<title>`: plain and neutral, as it shows in tabs and history.
    pub title: &'a str,
    pub partnership: &'a Partnership,
    /// The page shows a problem with what was sent (prefixes the title).
    pub has_error: bool,
}

impl<'a> Page<'a> {
    pub fn new(title: &'a str, partnership: &'a Partnership) -> Page<'a> {
        Page { title, partnership, has_error: false }
    }

    pub fn with_error(mut self, has_error: bool) -> Page<'a> {
        self.has_error = has_error;
        self
    }
}

/// Wraps a page's content in the layout.
pub fn page(page: &Page<'_>, content: Markup) -> Markup {
    let title = if page.has_error {
        format!("Error: {} – Listening Loop", page.title)
    } else {
        format!("{} – Listening Loop", page.title)
    };
    html! {
        (DOCTYPE)
        html lang="en" dir="ltr" {
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
                a.skip-link href="#main" { "Skip to main content" }
                div.leave {
                    // Without JavaScript this is a plain link; app.js makes it
                    // blank the screen first and replace this page in history.
                    a.leave-button href=(page.partnership.exit_url) rel="noreferrer" data-leave {
                        "Leave this page"
                    }
                }
                header.top {
                    a.brand href="/" { "Listening Loop" }
                    a.help-link href="/help" { "Get help now" }
                }
                main #main tabindex="-1" { (content) }
                footer.bottom {
                    (support_list(page.partnership, "If you need help now"))
                    p.small { "Run by " (page.partnership.name) "." }
                }
            }
        }
    }
}

/// The help contacts, as a list of tappable links.
pub fn support_list(partnership: &Partnership, heading: &str) -> Markup {
    html! {
        section.support aria-label=(heading) {
            h2 { (heading) }
            ul {
                @for contact in &partnership.support {
                    li {
                        a href=(contact.href) { strong { (contact.name) } }
                        " " span { (contact.detail) }
                    }
                }
            }
        }
    }
}
