//! `partnership.toml`: who runs this, who reads the answers, and where help is.

use serde::Deserialize;
use toml::Spanned;

use super::model::Audience;
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
    /// Help for children and young people (`[[support]]`): on every page
    /// that does not know who is reading, since a child may be.
    pub support: Vec<SupportContact>,
    /// Help for parents and carers (`[[support_parents_carers]]`); empty in
    /// a file from before there was one, and then they see the children's.
    pub support_parents_carers: Vec<SupportContact>,
    /// Help for people who work with children (`[[support_practitioners]]`),
    /// likewise.
    pub support_practitioners: Vec<SupportContact>,
    /// The local children's services' front door (`[front_door]`), for
    /// everyone; `None` until the partnership fills it in.
    pub front_door: Option<SupportContact>,
    /// Who answers out of hours (`[out_of_hours]`), likewise.
    pub out_of_hours: Option<SupportContact>,
}

impl Partnership {
    /// The help for whoever is reading (`None`: not known, so a child's), the
    /// local contacts among it. 999 stays last.
    pub fn support_for(&self, audience: Option<Audience>) -> Vec<&SupportContact> {
        let national = match audience {
            Some(Audience::ParentCarer) if !self.support_parents_carers.is_empty() => &self.support_parents_carers,
            Some(Audience::Practitioner) if !self.support_practitioners.is_empty() => &self.support_practitioners,
            _ => &self.support,
        };
        let emergency = |c: &&SupportContact| c.href == "tel:999";
        let mut all: Vec<&SupportContact> = national.iter().filter(|c| !emergency(c)).collect();
        all.extend(self.front_door.iter().chain(&self.out_of_hours));
        all.extend(national.iter().filter(emergency));
        all
    }

    /// What must be filled in before the service goes live, in words for
    /// the person who runs it: the local numbers no one may guess.
    pub fn not_ready(&self) -> Vec<String> {
        let mut missing = Vec::new();
        if self.front_door.is_none() {
            missing.push(
                "partnership.toml has no [front_door]: the local children's services number that children, parents and \
                 practitioners call when they are worried about a child"
                    .to_owned(),
            );
        }
        if self.support_parents_carers.is_empty() {
            missing.push(
                "partnership.toml has no [[support_parents_carers]]: parents and carers are shown the children's helplines"
                    .to_owned(),
            );
        }
        if self.support_practitioners.is_empty() {
            missing.push(
                "partnership.toml has no [[support_practitioners]]: practitioners are shown the children's helplines"
                    .to_owned(),
            );
        }
        if self.out_of_hours.is_none() {
            missing.push(
                "partnership.toml has no [out_of_hours]: who answers in the evenings, at weekends and on bank holidays"
                    .to_owned(),
            );
        }
        missing
    }
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
    support_parents_carers: Option<Spanned<Vec<Spanned<SupportContact>>>>,
    support_practitioners: Option<Spanned<Vec<Spanned<SupportContact>>>>,
    front_door: Option<Spanned<SupportContact>>,
    out_of_hours: Option<Spanned<SupportContact>>,
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
    for (list, name, example) in [
        (Some(&raw.support), "support", "Childline, Shout, 999"),
        (raw.support_parents_carers.as_ref(), "support_parents_carers", "the NSPCC helpline, 999"),
        (raw.support_practitioners.as_ref(), "support_practitioners", "the NSPCC helpline, 999"),
    ] {
        let Some(list) = list else { continue };
        if list.get_ref().is_empty() {
            report.error(list.span().start, format!("list at least one [[{name}]] contact ({example}…)"));
        }
        if !list.get_ref().iter().any(|c| c.get_ref().href == "tel:999") {
            report.error(list.span().start, format!("[[{name}]] must keep 999 (href = \"tel:999\")"));
        }
    }
    let every = raw
        .support
        .get_ref()
        .iter()
        .chain(raw.support_parents_carers.iter().flat_map(|l| l.get_ref()))
        .chain(raw.support_practitioners.iter().flat_map(|l| l.get_ref()))
        .chain(raw.front_door.iter())
        .chain(raw.out_of_hours.iter());
    for contact in every {
        let href = &contact.get_ref().href;
        let digits = href.strip_prefix("tel:").map(|n| n.chars().filter(char::is_ascii_digit).count());
        if !["tel:", "sms:", "https://"].iter().any(|p| href.starts_with(p)) {
            report
                .error(contact.span().start, format!("support href \"{href}\" must start with tel:, sms: or https://"));
        } else if digits == Some(0) || href.contains("--") {
            report.error(contact.span().start, format!("support href \"{href}\" is not a real number yet"));
        }
    }
    let contacts = |list: Option<Spanned<Vec<Spanned<SupportContact>>>>| -> Vec<SupportContact> {
        list.map(Spanned::into_inner).unwrap_or_default().into_iter().map(Spanned::into_inner).collect()
    };
    Some(Partnership {
        name: raw.name,
        place: raw.place,
        youth_council: raw.youth_council,
        services: raw.services,
        exit_url: raw.exit_url.into_inner(),
        safety_advice_url: raw.safety_advice_url.into_inner(),
        support: contacts(Some(raw.support)),
        support_parents_carers: contacts(raw.support_parents_carers),
        support_practitioners: contacts(raw.support_practitioners),
        front_door: raw.front_door.map(Spanned::into_inner),
        out_of_hours: raw.out_of_hours.map(Spanned::into_inner),
    })
}
