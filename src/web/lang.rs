//! The language a page is shown in. The choice lives only in addresses
//! (`?lang=`), in forms' hidden `lang` field and in the respondent's sealed
//! draft: never in a cookie.

use actix_web::HttpRequest;
use actix_web::http::header;

use super::form::Form;
use crate::surveys::catalogue::ENGLISH;
use crate::surveys::{Catalogue, Words};

/// The language a page's address asks for (`?lang=ur`), if any. Whether the
/// service has it is for the catalogue to say; unknown ones show English.
pub fn query_lang(query: &str) -> Option<String> {
    let query = Form::parse(query.as_bytes()).ok()?;
    query.get("lang").filter(|l| !l.is_empty() && l.len() <= 16).map(str::to_owned)
}

/// The words of a language someone picked, if the service has it: marked
/// as chosen, so links and forms carry the choice on.
pub fn chosen<'a>(catalogue: &'a Catalogue, code: Option<&str>) -> Option<Words<'a>> {
    code.and_then(|code| catalogue.language(code)).map(|language| catalogue.words(&language.code).chosen())
}

/// The words for a page: the language its address asks for (the picker
/// always wins), else a posted form's hidden `lang` field, else the best
/// the browser asks for, else English.
pub fn words_for<'a>(catalogue: &'a Catalogue, req: &HttpRequest, form: Option<&Form>) -> Words<'a> {
    let asked = query_lang(req.query_string()).or_else(|| form.and_then(|f| f.get("lang")).map(str::to_owned));
    if let Some(words) = chosen(catalogue, asked.as_deref()) {
        return words;
    }
    let browser = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    match browser.and_then(|h| catalogue.from_accept_language(h)) {
        Some(language) => catalogue.words(&language.code),
        None => catalogue.words(ENGLISH),
    }
}
