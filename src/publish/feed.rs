//! `/you-said-we-did/feed.atom`: an Atom feed (RFC 4287) with one entry for
//! each publication of an action, the first and every update. Written by
//! hand rather than with maud, whose HTML output (`<link>` without a slash)
//! is not XML; every piece of text goes through [`escape`].

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::NaiveDateTime;

use super::cache::{BoardCache, Shown};
use super::store::{self, FullAction, Status};
use crate::surveys::Registry;
use crate::web::AppError;
use crate::web::AppState;

type State = web::Data<AppState>;

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn rfc3339(time: NaiveDateTime) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `GET /you-said-we-did/feed.atom`: drawn once per published version and
/// kept, like the board ([`super::cache`]).
pub async fn feed(state: State, cache: web::Data<BoardCache>) -> Result<HttpResponse, AppError> {
    let body = cache
        .page(
            &state.db,
            Shown::Feed,
            |conn| store::published(conn, None),
            |published| atom(&state.registry, &state.settings.base_url, &published),
        )
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")).body(body))
}

/// The feed document.
pub fn atom(registry: &Registry, base_url: &str, published: &[FullAction]) -> String {
    let board = format!("{base_url}/you-said-we-did");
    let mut entries: Vec<(&FullAction, &store::HistoryRow)> =
        published.iter().flat_map(|a| a.history.iter().map(move |h| (a, h))).collect();
    entries.sort_by(|a, b| b.1.published_at.cmp(&a.1.published_at).then_with(|| a.1.id.cmp(&b.1.id)));
    let updated = entries.first().map(|(_, h)| h.published_at).unwrap_or_default();
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    xml.push_str(&format!(
        "  <title>{}</title>\n",
        escape(&format!("You said, We did – {}", registry.partnership.name))
    ));
    xml.push_str(&format!("  <id>{}</id>\n", escape(&format!("{board}/feed.atom"))));
    xml.push_str(&format!("  <link rel=\"self\" href=\"{}\"/>\n", escape(&format!("{board}/feed.atom"))));
    xml.push_str(&format!("  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&board)));
    xml.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
    xml.push_str(&format!("  <author><name>{}</name></author>\n", escape(&registry.partnership.name)));
    for (action, h) in entries {
        let names: Vec<&str> =
            action.themes.iter().filter_map(|t| registry.theme(t)).map(|t| t.name.as_str()).collect();
        let status = Status::parse(&h.status).map(Status::label).unwrap_or_default();
        let verb = if h.kind == "updated" { "Updated" } else { "New" };
        let mut summary = format!("You said: {}\nWe did: {}\n{status}", action.you_said, h.child_text);
        if let Some(reason) = &h.reason {
            summary.push_str(&format!(" {reason}"));
        }
        summary.push_str(&format!("\nWho: {}", action.row.agency));
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <title>{}</title>\n", escape(&format!("{verb}: {} – {status}", names.join(", ")))));
        xml.push_str(&format!("    <id>urn:listening-loop:publication:{}</id>\n", escape(&h.id)));
        xml.push_str(&format!("    <link href=\"{}\"/>\n", escape(&board)));
        xml.push_str(&format!("    <updated>{}</updated>\n", rfc3339(h.published_at)));
        for name in &names {
            xml.push_str(&format!("    <category term=\"{}\"/>\n", escape(name)));
        }
        xml.push_str(&format!("    <summary>{}</summary>\n", escape(&summary)));
        xml.push_str(&format!("    <content type=\"text\">{}</content>\n", escape(&h.detailed_text)));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_cannot_break_the_feed() {
        assert_eq!(escape("<b>\"Tom & Jerry's\"</b>"), "&lt;b&gt;&quot;Tom &amp; Jerry&apos;s&quot;&lt;/b&gt;");
        assert_eq!(escape("a\u{0}b\u{1b}c\nd"), "abc\nd");
    }
}
