//! `partnership.toml`: who runs this, who reads the answers, and where help is.

use serde::Deserialize;
use toml::Spanned;

use super::report::{Report, parse_toml};

/// The partnership running this service.
#[derive(Debug, Clone)]
pub struct Partnership {
    pub name: String,
    pub place: String,
    pub youth_council: String,
    pub services: String,
    pub exit_url: String,
    pub safety_advice_url: String,
    pub support: Vec<SupportContact>,
}

/// A place to get help, shown on every respondent page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportContact {
    pub name: String,
    pub detail: String,
    pub href: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPartnership {
    name: String,
    place: String,
    youth_council: String,
    services: String,
    exit_url: Spanned<String>,
    safety_advice_url: Spanned<String>,
    support: Spanned<Vec<Spanned<SupportContact>>>,
}

pub(crate) fn load_partnership(report: &mut Report<'_>) -> Option<Partnership> {
    let raw: RawPartnership = parse_toml(report)?;
    for url in [&raw.exit_url, &raw.safety_advice_url] {
        // Plain http only to this machine, so the browser tests can leave to a
        // page of their own; anywhere else it must be https.
        let on_this_machine = ["http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/"]
            .iter()
            .any(|p| url.get_ref().starts_with(p));
        if !url.get_ref().starts_with("https://") && !on_this_machine {
            report.error(url.span().start, format!("\"{}\" must be an https:// address", url.get_ref()));
        }
    }
    if raw.support.get_ref().is_empty() {
        report.error(raw.support.span().start, "list at least one [[support]] contact (Childline, Shout, 999…)");
    }
    for contact in raw.support.get_ref() {
        let href = &contact.get_ref().href;
        if !["tel:", "sms:", "https://"].iter().any(|p| href.starts_with(p)) {
            report
                .error(contact.span().start, format!("support href \"{href}\" must start with tel:, sms: or https://"));
        }
    }
    Some(Partnership {
        name: raw.name,
        place: raw.place,
        youth_council: raw.youth_council,
        services: raw.services,
        exit_url: raw.exit_url.into_inner(),
        safety_advice_url: raw.safety_advice_url.into_inner(),
        support: raw.support.into_inner().into_iter().map(Spanned::into_inner).collect(),
    })
}
