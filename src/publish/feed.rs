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

/// Escapes text for XML content and attribute values, leaving out the
/// characters a feed reader would refuse the whole feed for.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if !fit_for_xml(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether `c` may stand in an XML 1.0 document: its `Char` production
/// allows tab, the newlines, and every character from U+0020 up except the
/// surrogates (never in a Rust string) and the non-characters U+FFFE and
/// U+FFFF. Text pasted from elsewhere can hold any of the rest (U+FFFE
/// is a byte-order mark read the wrong way round). The other control
/// characters (DEL and U+0080 to U+009F), which XML allows but nobody can
/// see, are left out too.
fn fit_for_xml(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        '\u{FFFE}' | '\u{FFFF}' => false,
        c => !c.is_control(),
    }
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
        assert_eq!(escape("x\u{FFFE}\u{FFFF}\u{1}\u{B}\u{C}\u{7F}\u{85}y\tz\r"), "xy\tz\r");
        let kept = "Breakfast 🍎🥣 for everyone: ناشتہ سب کے لیے — żółć \u{FFFD} \u{E000} \u{10FFFF} \u{D7FF}";
        assert_eq!(escape(kept), kept, "everything XML allows is kept as it is");
    }

    /// The same rule as XML 1.0's `Char` production, but for the controls
    /// it allows and that are left out all the same.
    #[test]
    fn only_what_xml_forbids_and_invisible_controls_are_left_out() {
        let xml_char =
            |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let invisible = ('\u{7F}'..='\u{9F}').contains(&c);
            assert_eq!(fit_for_xml(c), xml_char(c) && !invisible, "U+{:04X}", c as u32);
        }
    }
}
