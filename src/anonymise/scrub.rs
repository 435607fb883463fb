//! Scrubbing of children's free text before it is stored.
//!
//! Listening Loop is anonymous *by construction*: every free-text answer a
//! child types goes through [`scrub`] before anything else touches it, and the
//! storage layer only accepts a [`ScrubbedText`], which nothing but [`scrub`]
//! can make. The raw text therefore never reaches the disk or the logs, and a
//! forgotten call to the scrubber is a compile error rather than a leak.
//!
//! # What is removed
//!
//! Each of the following becomes a single `[removed]` ([`REMOVED`]);
//! removals that overlap or touch are merged into one:
//!
//! * **Email addresses**, including `+tags`, dots and subdomains, addresses
//!   with no top-level domain (`sam@gmail`), and the ways children disguise
//!   them: `sam at gmail dot com`, `sam(at)gmail.com`, `sam[at]example[dot]com`,
//!   `sam @ gmail . com`, `sam dot jones at outlook dot com`; the Polish
//!   `sam małpa gmail kropka com` and Urdu `sam ایٹ gmail ڈاٹ com` alike, a
//!   full-width `＠`, and addresses written partly in Urdu letters.
//! * **Links**: anything starting `http://`, `https://` or `www.`; and bare
//!   hosts such as `example.com/whatever`, `snapchat.com/add/name`,
//!   `tiktok.com/@name` or `discord.gg/abc`, with their paths and query strings.
//! * **UK phone numbers** in any common grouping: mobiles (`07700 900123`,
//!   `0770-090-0123`, `+44 (0)7700 900123`, `0044 7700900123`), landlines
//!   (`(0161) 603 4322`, `020 7946 0018`, `01632 960001`), numbers spelled out
//!   digit by digit (`0 7 7 0 0 …`), numbers written in Arabic-Indic, Devanagari,
//!   Bengali or full-width digits, other international numbers written with a
//!   leading `+` or `00`, a mobile missing its first `0` (`7700 900123`), and
//!   in general any run of 10–13 digits starting with `0` (single spaces,
//!   dashes, dots or brackets between groups). Invisible characters between
//!   digits (zero-width spaces and joiners, direction marks from right-to-left
//!   text) do not hide a number: `۰۷۷۰۰ ۹۰۰۱۲۳`, `٠٧٧٠٠ ٩٠٠١٢٣`.
//! * **Polish phone numbers**: with `+48` or `0048` like any international
//!   number, and without: mobiles `600 123 456`, `600-123-456`, `600123456`,
//!   landlines `(22) 123 45 67`, `22 123 45 67`.
//! * **Full UK postcodes** in any case, with or without the space (`M5 4WT`,
//!   `sw1a1aa`, `GIR 0AA`). The letters must be a real postcode area.
//! * **Social handles**: `@name`, `@name.with.dots`, `@name_1`; and the handle
//!   after a platform word: `snap: coolkid_09` becomes `snap: [removed]`, also
//!   `sc:`, `insta:`, `ig:`, `tiktok:`, `discord: name#1234`,
//!   `my snap is coolkid_09`, the Polish `mój snap to coolkid_09`, and after
//!   a platform named in Urdu script: `میرا سنیپ coolkid_09 ہے`.
//!
//! Surrounding whitespace is trimmed and line endings become `\n`. Everything
//! else is kept exactly, so the rest of the answer still says what the child
//! meant: ages, years, times, dates, money, scores, counts, room numbers,
//! `999`, `111`, short helplines such as Childline's `0800 1111` (8 digits, so
//! below the 10-digit threshold: it is public and not the child's own number),
//! grades (`B2`, `A1`), roads (`M6`, `M60`), `e.g.`, `i.e.`, `Mr.Smith`, and
//! sentences typed without a space after the full stop (`Tesco.She's tired`,
//! `school.it was ok`).
//!
//! # Known limits
//!
//! The scrubber is a set of careful patterns, not an understanding of
//! language; it errs towards removal where the two goals collide.
//!
//! * **Bare hosts vs. missing spaces.** Without a scheme, `www.` or a path, a
//!   host only counts when its last label is a top-level domain that is not
//!   also an everyday word or chat slang (`com`, `net`, `org`, `uk`, `io`,
//!   `gg`, …). Hosts ending in `it`, `in`, `me`, `us`, `to`, `be`, `app`, `fr`,
//!   `ai`, … need a path (`youtu.be/abc`) or a scheme/`www.`: that is what keeps
//!   `school.it was ok` intact, at the price of leaving a bare `sunny.me` or
//!   `character.ai` in place. The reverse risk remains for the words that are
//!   in the short list: `clubs.Net ball` (no space after the full stop) loses
//!   `clubs.Net`.
//! * **Handles after a platform word** with a colon are removed when they
//!   look like a handle (digits, `_`, `.`, `#`, a leading `@`), or when a
//!   single plain word ends the clause (`ig: jojo`). A plain word followed by
//!   more words (`insta: sunnydays add me`) is kept, so that answers such as
//!   `tiktok: funny videos` survive. Without a colon, only `my snap is …` with
//!   a handle-looking token is caught; `add me on snap sunnydays` is not.
//! * **`@word` is always a handle**: `I'm @home` becomes `I'm [removed]`;
//!   times such as `@5pm` and `@ 5` are kept.
//! * **Spelled-out emails with the word "at"** and a real full stop are only
//!   removed whole for well-known mail providers (`sam at gmail.com`); for
//!   other domains the link goes but the name before "at" stays
//!   (`sam at [removed]`), so that `we were at bbc.co.uk` keeps "we were at".
//! * **Postcodes**: a district followed by an ordinal in a real area, such as
//!   `B2 3rd`, is indistinguishable from a postcode and is removed.
//!   Outward codes on their own (`M5`, `SW1A`) are never removed.
//! * **Numbers**: a run whose first two groups have one or two digits
//!   (`01 10 2024 15 30`, `07 08 09 10 11`) is read as a date or a count and
//!   kept, so a number typed as `07 70 09 00 12 3` would be kept too; ten or
//!   more spaced single digits starting with 0 (`0 1 2 3 4 5 6 7 8 9`) are
//!   removed as a spelled-out number. A decimal such as `0.1234567890` is
//!   removed. Nine digits grouped like a Polish number are removed even in
//!   an English answer (`400 123 456`), unless they end in six zeros
//!   (`500 000 000` is an amount); nine digits in one run count only when they
//!   start like a Polish mobile (4–8), so `123456789` stays. Numbers written with words (`oh seven seven…`) are not
//!   detected.
//! * Names, school names, street addresses and other free-form identifying
//!   details are **not** detected; that needs human moderation.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// What every removed contact detail or link is replaced with.
pub const REMOVED: &str = "[removed]";

/// Text that has been through the scrubber. The field is private: the only way to make one is `scrub`, so unscrubbed text cannot be stored by mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrubbedText(String);

impl ScrubbedText {
    /// The scrubbed text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The scrubbed text, as an owned `String`.
    pub fn into_inner(self) -> String {
        self.0
    }

    /// Whether nothing is left (blank input).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Replaces contact details and links in `raw` with `[removed]`; trims surrounding whitespace; normalises line endings to \n. Everything else is kept exactly.
#[must_use]
pub fn scrub(raw: &str) -> ScrubbedText {
    let normalised = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text = normalised.trim();

    let mut spans = Vec::new();
    find_at_sign_tokens(text, &mut spans);
    find_spelled_out_emails(text, &mut spans);
    find_urls(text, &mut spans);
    find_phone_numbers(text, &mut spans);
    find_postcodes(text, &mut spans);
    find_platform_handles(text, &mut spans);

    ScrubbedText(replace_spans(text, spans))
}

/// Replaces every span with [`REMOVED`], merging spans that overlap or touch.
fn replace_spans(text: &str, mut spans: Vec<Range<usize>>) -> String {
    spans.retain(|span| !span.is_empty());
    if spans.is_empty() {
        return text.to_owned();
    }
    spans.sort_unstable_by_key(|span| (span.start, span.end));

    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        if let Some(last) = merged.last_mut()
            && span.start <= last.end
        {
            last.end = last.end.max(span.end);
        } else {
            merged.push(span);
        }
    }

    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for span in merged {
        out.push_str(&text[copied..span.start]);
        out.push_str(REMOVED);
        copied = span.end;
    }
    out.push_str(&text[copied..]);
    out
}

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("scrubber patterns are valid")
}

// ---------------------------------------------------------------------------
// Word lists
// ---------------------------------------------------------------------------

/// Top-level domains that end a host even without a scheme, `www.` or a path.
/// None of them is an everyday English word or common chat slang, so a
/// sentence typed without a space after the full stop does not trip them.
const BARE_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "uk", "co", "io", "tv", "gg", "ly", "info", "biz", "xyz", "ie",
    "eu", "de", "nl", "pl", "pk", "ru", "cn", "jp", "au", "ca", "nz", "za", "ng", "ke", "gh", "bd", "lk", "ro", "ch",
    "fi", "gr", "tr", "ua", "ae", "mx", "cz", "hu", "sk", "lt", "lv", "ee", "ws", "cc",
];

/// Real top-level domains that are also words or slang (`school.it was ok`,
/// `tell.me`, `the app.It helps`): they only count after a scheme or `www.`,
/// or when a path follows (`youtu.be/abc`, `sunnydays.me/blog`).
const PATH_ONLY_TLDS: &[&str] = &[
    "it", "in", "is", "me", "my", "us", "to", "so", "no", "be", "am", "as", "at", "do", "go", "id", "im", "la", "ma",
    "pa", "ad", "ai", "fm", "fr", "es", "pt", "se", "dk", "br", "sh", "gl", "app", "dev", "pro", "online", "site",
    "shop", "store", "club", "live", "fun", "top", "one", "art", "blog", "news", "page", "link", "tech", "games",
    "world", "cloud", "email", "chat", "social", "space", "website", "studio", "design", "media", "family", "life",
    "love", "lol", "mobi", "name",
];

/// Mail providers: after the word "at", a domain starting with one of these
/// is an address even with a plain full stop (`sam at yahoo.co.uk`).
const MAIL_PROVIDERS: &[&str] = &[
    "gmail",
    "googlemail",
    "hotmail",
    "outlook",
    "yahoo",
    "ymail",
    "icloud",
    "aol",
    "btinternet",
    "protonmail",
    "proton",
    "msn",
    "gmx",
    "yandex",
    "zoho",
];

/// Providers whose name alone, with no ending, gives away an address
/// (`sam at gmail`). Not "outlook" or "yahoo": "looking at the outlook".
const UNMISTAKABLE_PROVIDERS: &[&str] =
    &["gmail", "googlemail", "hotmail", "icloud", "ymail", "btinternet", "protonmail"];

/// Words that cannot be the domain in `X at Y dot Z` (`look at the dot com`).
const NOT_A_DOMAIN: &[&str] = &["the", "a", "an", "my", "your", "his", "her", "our", "their", "this", "that"];

/// Words that are an answer, not a handle, after `snap:` and friends.
const NOT_A_HANDLE: &[&str] = &[
    "i",
    "im",
    "it",
    "its",
    "a",
    "an",
    "the",
    "my",
    "me",
    "mine",
    "we",
    "you",
    "they",
    "he",
    "she",
    "yes",
    "yeah",
    "yep",
    "no",
    "nah",
    "nope",
    "not",
    "never",
    "always",
    "sometimes",
    "often",
    "rarely",
    "most",
    "mostly",
    "every",
    "everyday",
    "all",
    "some",
    "lots",
    "loads",
    "none",
    "nothing",
    "good",
    "bad",
    "fun",
    "ok",
    "okay",
    "fine",
    "boring",
    "daily",
    "weekly",
    "only",
    "just",
    "maybe",
    "dont",
    "cant",
    "hours",
    "mins",
    "minutes",
    "friends",
    "family",
    "videos",
    "games",
    "gaming",
    "chatting",
    "use",
    "used",
    "using",
    "because",
    "cos",
    "like",
    "love",
    "hate",
    "too",
    "also",
    "and",
    "or",
    "but",
    "with",
    "on",
    "in",
    "at",
    "for",
    "to",
    "of",
    "na",
    "private",
    "blocked",
    "deleted",
    "banned",
];

/// UK postcode areas (the letters at the start of a postcode).
const POSTCODE_AREAS: &[&str] = &[
    "AB", "AL", "B", "BA", "BB", "BD", "BF", "BH", "BL", "BN", "BR", "BS", "BT", "BX", "CA", "CB", "CF", "CH", "CM",
    "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EH", "EN", "EX",
    "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE",
    "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG",
    "NN", "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG",
    "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW",
    "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
];

fn in_list(list: &[&str], word: &str) -> bool {
    list.iter().any(|entry| entry.eq_ignore_ascii_case(word))
}

/// Whether `label` ends a link: any known TLD when a path follows, only the
/// word-free ones ([`BARE_TLDS`]) otherwise.
fn tld_counts(label: &str, has_path: bool) -> bool {
    label.len() >= 2
        && label.chars().all(|c| c.is_ascii_alphabetic())
        && (in_list(BARE_TLDS, label) || (has_path && in_list(PATH_ONLY_TLDS, label)))
}

fn is_known_tld(label: &str) -> bool {
    tld_counts(label, true)
}

fn is_bare_tld(label: &str) -> bool {
    tld_counts(label, false)
}

/// `5pm`, `3:30`, `10am`, `12`, `2nd`: after an `@` these are times, not handles.
static TIME_LIKE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?i)^(?:\d{1,2}(?:[:.]\d{2})?(?:am|pm|ish)?|\d{1,4}|\d+(?:st|nd|rd|th))$"));

/// `2hrs`, `10mins`, `5x`: amounts, not handles.
static QUANTITY: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)^\d+[a-z]{1,5}$"));

/// Whether `token` could be [`TIME_LIKE`] or a [`QUANTITY`], both of which
/// start with a digit: most tokens are neither, and this costs no search.
fn starts_with_digit(token: &str) -> bool {
    token.chars().next().is_some_and(char::is_numeric)
}

// ---------------------------------------------------------------------------
// Emails and @handles
// ---------------------------------------------------------------------------

/// Anything with an `@` glued to the word after it: `sam@gmail.com`,
/// `sam@gmail`, `@sunny.days`, `@name_1`. With a word before the `@` it is an
/// email (the whole thing goes), without one it is a handle.
static AT_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| compile(r"[\p{L}\p{N}_.+%-]*[@\x{FF20}][\p{L}\p{N}_](?:[\p{L}\p{N}_.-]*[\p{L}\p{N}_])?"));

fn find_at_sign_tokens(text: &str, spans: &mut Vec<Range<usize>>) {
    for m in AT_TOKEN.find_iter(text) {
        let token = m.as_str();
        let after_at = token.split_once(['@', '\u{FF20}']).map_or("", |(_, after)| after);
        // "meet @5pm", "me@5": a time, not a handle.
        if starts_with_digit(after_at) && TIME_LIKE.is_match(after_at) {
            continue;
        }
        spans.push(m.range());
    }
}

/// Emails with spaces or words in place of `@` and `.`:
/// `sam at gmail dot com`, `sam(at)gmail.com`, `sam @ gmail . com`.
static SPELLED_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?xi)
        (?P<local>
            [\p{L}\p{N}_+-][\p{L}\p{N}_.+-]*
            (?: [\ \t]+ dot [\ \t]+ [\p{L}\p{N}_+-][\p{L}\p{N}_.+-]* )*
        )
        (?P<at>
            [\ \t]* [@\x{FF20}] [\ \t]*
          | [\ \t]* [(\[{<] [\ \t]* (?: at | małpa | malpa | ایٹ ) [\ \t]* [)\]}>] [\ \t]*
          | [\ \t]+ (?: at | małpa | malpa | ایٹ ) [\ \t]+
        )
        (?P<domain>
            [a-z0-9][a-z0-9-]*
            (?:
                (?: [\ \t]* \. [\ \t]*
                  | [\ \t]* [(\[{<] [\ \t]* (?: dot | kropka | ڈاٹ ) [\ \t]* [)\]}>] [\ \t]*
                  | [\ \t]+ (?: dot | kropka | ڈاٹ ) [\ \t]+
                )
                [a-z0-9][a-z0-9-]*
            )*
        )",
    )
});

/// One separator inside [`SPELLED_EMAIL`]'s domain.
static DOMAIN_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?xi)
            [\ \t]* \. [\ \t]*
          | [\ \t]* [(\[{<] [\ \t]* (?: dot | kropka | ڈاٹ ) [\ \t]* [)\]}>] [\ \t]*
          | [\ \t]+ (?: dot | kropka | ڈاٹ ) [\ \t]+",
    )
});

#[derive(Clone, Copy, PartialEq, Eq)]
enum DomainSeparator {
    /// `gmail.com`
    Dot,
    /// `gmail . com`
    SpacedDot,
    /// `gmail dot com`, `gmail(dot)com`
    Word,
}

fn find_spelled_out_emails(text: &str, spans: &mut Vec<Range<usize>>) {
    let mut pos = 0;
    while pos < text.len() {
        let Some(caps) = SPELLED_EMAIL.captures_at(text, pos) else {
            break;
        };
        let (Some(local), Some(at), Some(domain)) = (caps.name("local"), caps.name("at"), caps.name("domain")) else {
            break;
        };
        match spelled_email_domain_len(at.as_str(), domain.as_str()) {
            Some(len) => {
                spans.push(local.start()..domain.start() + len);
                pos = domain.start() + len;
            }
            // Retry from just after the rejected word: in "looking at sam at
            // gmail dot com" the real address starts inside the rejected match.
            None => pos = local.end(),
        }
    }
}

/// How much of `domain` makes an email with the `at` before it, if any.
fn spelled_email_domain_len(at: &str, domain: &str) -> Option<usize> {
    // "@", "(at)", "[at]" are deliberate; the bare word "at" is ordinary English.
    let deliberate = at.contains(['@', '\u{FF20}', '(', '[', '{', '<']);

    let mut labels: Vec<Range<usize>> = Vec::new();
    let mut separators: Vec<DomainSeparator> = Vec::new();
    let mut label_start = 0;
    for sep in DOMAIN_SEPARATOR.find_iter(domain) {
        labels.push(label_start..sep.start());
        let s = sep.as_str();
        separators.push(if !s.contains('.') {
            DomainSeparator::Word
        } else if s.trim() == s {
            DomainSeparator::Dot
        } else {
            DomainSeparator::SpacedDot
        });
        label_start = sep.end();
    }
    labels.push(label_start..domain.len());

    let first = &domain[labels[0].clone()];
    let provider = in_list(MAIL_PROVIDERS, first);
    let unmistakable = in_list(UNMISTAKABLE_PROVIDERS, first);

    for k in (1..=labels.len()).rev() {
        let used = &separators[..k - 1];
        let last = labels[k - 1].clone();
        let tld = &domain[last.clone()];
        let any_dot = used.iter().any(|s| *s != DomainSeparator::Word);
        let any_spaced_dot = used.contains(&DomainSeparator::SpacedDot);
        // A spaced full stop (" . it was") or a plain one after the word "at"
        // ("at home.it was") is too common in sentences: insist on a TLD
        // that is not a word.
        let tld_ok =
            k >= 2 && if any_spaced_dot || (!deliberate && any_dot) { is_bare_tld(tld) } else { is_known_tld(tld) };
        let accept = if deliberate {
            tld_ok || (k == 1 && provider)
        } else if provider {
            tld_ok || (k == 1 && unmistakable)
        } else {
            // "sam at school dot com": only with the word "dot" throughout.
            tld_ok && !any_dot && !in_list(NOT_A_DOMAIN, first)
        };
        if accept {
            return Some(last.end);
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

// Word boundaries in these patterns are ASCII ones, `(?-u:\b)`, as in the
// safeguarding lexicon: with Unicode ones the regex engine gives up its
// fast search on any text with a letter outside ASCII (all Urdu) and falls
// back to one many times slower. The one difference: a letter of another
// script glued to the front or back now counts as a boundary, which errs
// towards removal.

static URL_WITH_SCHEME: LazyLock<Regex> = LazyLock::new(|| compile(r#"(?i)(?-u:\b)(?:https?|ftps?)://[^\s<>"]+"#));

/// The word boundary keeps "awww.so cute" out.
static URL_WWW: LazyLock<Regex> = LazyLock::new(|| compile(r#"(?i)(?-u:\b)www\d{0,3}\.[\p{L}\p{N}][^\s<>"]*"#));

/// A dotted run of labels, then maybe a port and a path or query.
static BARE_HOST: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r#"(?x)
        (?P<host>
            [\p{L}\p{N}_](?:[\p{L}\p{N}_-]*[\p{L}\p{N}_])?
            (?: \. [\p{L}\p{N}_](?:[\p{L}\p{N}_-]*[\p{L}\p{N}_])? )+
        )
        (?P<rest> (?: :\d{1,5} )? [/?\#] [^\s<>"]* )?"#,
    )
});

fn find_urls(text: &str, spans: &mut Vec<Range<usize>>) {
    for m in URL_WITH_SCHEME.find_iter(text).chain(URL_WWW.find_iter(text)) {
        spans.push(m.start()..trim_url_end(text, m.start(), m.end()));
    }
    for caps in BARE_HOST.captures_iter(text) {
        if let Some(span) = bare_host_span(text, &caps) {
            spans.push(span);
        }
    }
}

/// A bare host (no scheme, no `www.`) is a link when its last label is a
/// top-level domain. The trade-off against sentences typed without a space
/// after the full stop ("school.it was ok", "Tesco.She's tired"):
///
/// * the label before the TLD must contain a letter (not "3.30pm"), and the
///   TLD must be letters only, at least two of them (not "e.g.", "i.e.");
/// * with no path after it, the TLD must be in [`BARE_TLDS`], which leaves
///   out every TLD that is also a word or slang ("it", "me", "in", "so",
///   "app", "fr"...); those count only with a path ("youtu.be/abc").
///
/// Where the last label fails, shorter prefixes are tried, so "example.com.She
/// said" still loses "example.com".
fn bare_host_span(text: &str, caps: &regex::Captures<'_>) -> Option<Range<usize>> {
    let host = caps.name("host")?;
    let rest_end = caps.name("rest").map(|rest| trim_url_end(text, host.end(), rest.end()));
    // A path is "/" plus at least one character ("in/" alone is not a path).
    let has_path = rest_end.is_some_and(|end| end > host.end() + 1);

    let labels: Vec<&str> = host.as_str().split('.').collect();
    for k in (2..=labels.len()).rev() {
        let tld = labels[k - 1];
        let name = labels[k - 2];
        let full = k == labels.len();
        let plausible = name.chars().any(char::is_alphabetic) && name.len() <= 63;
        if plausible && tld_counts(tld, full && has_path) {
            let end = if full {
                rest_end.unwrap_or(host.end())
            } else {
                host.start() + labels[..k].iter().map(|l| l.len()).sum::<usize>() + (k - 1)
            };
            return Some(host.start()..end);
        }
    }
    None
}

/// Drops sentence punctuation after a link, and closing brackets that were
/// not opened inside it: "(see example.com/a_(b))." keeps "a_(b)".
///
/// The brackets are counted once, and each one stripped is taken off the
/// count, so a link followed by a long run of `)` costs its length, not its
/// length squared.
fn trim_url_end(text: &str, start: usize, mut end: usize) -> usize {
    const PAIRS: [(u8, u8); 3] = [(b'(', b')'), (b'[', b']'), (b'{', b'}')];
    // For each kind of bracket: closing ones in the span less opening ones.
    let mut unopened = [0isize; 3];
    for b in text[start..end].bytes() {
        for (kind, (open, close)) in PAIRS.iter().enumerate() {
            unopened[kind] += isize::from(b == *close) - isize::from(b == *open);
        }
    }
    while let Some(last) = text[start..end].chars().next_back() {
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '*' | '>' | '\u{2019}' | '\u{201D}' => true,
            ')' | ']' | '}' => {
                let kind = match last {
                    ')' => 0,
                    ']' => 1,
                    _ => 2,
                };
                let strip = unopened[kind] > 0;
                unopened[kind] -= isize::from(strip);
                strip
            }
            _ => false,
        };
        if !strip {
            break;
        }
        end -= last.len_utf8();
    }
    end
}

// ---------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------

/// Digits (ASCII, Arabic-Indic, Extended Arabic-Indic as used for Urdu,
/// Devanagari, Bengali, full-width) in groups joined by one space, dash or dot,
/// or by brackets: "07700 900123", "(0161) 603 4322", "+44 (0)7700 900123".
/// A non-breaking space counts as a space, and invisible characters (zero-width
/// spaces and joiners, direction marks, which right-to-left text and copying
/// often slip between digits) are looked through, so they cannot hide a number.
static PHONE_CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    let d = r"[0-9\x{660}-\x{669}\x{6F0}-\x{6F9}\x{966}-\x{96F}\x{9E6}-\x{9EF}\x{FF10}-\x{FF19}]";
    let hidden = r"[\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069}\x{FEFF}]*";
    let sep = r"[ .\-\x{A0}\x{202F}\x{2010}\x{2011}]";
    compile(&format!(r"(?:\+|\(\+?)?{d}+(?:{hidden}(?:\){sep}?\(?|{sep}\(?|\()?{hidden}{d}+)*"))
});

/// The most digit groups one phone number may be written in
/// ("0 7 7 0 0 9 0 0 1 2 3" is eleven; "+44 (0) 7700 ..." up to fifteen).
const MAX_PHONE_GROUPS: usize = 15;

/// The fewest and the most digits one phone number has: [`phone_quality`]
/// and [`polish_shape`] accept nothing shorter or longer.
const MIN_PHONE_DIGITS: usize = 8;
const MAX_PHONE_DIGITS: usize = 15;

fn digit_value(c: char) -> Option<char> {
    let zero = match c {
        '0'..='9' => return Some(c),
        '\u{660}'..='\u{669}' => 0x660,
        '\u{6F0}'..='\u{6F9}' => 0x6F0,
        '\u{966}'..='\u{96F}' => 0x966,
        '\u{9E6}'..='\u{9EF}' => 0x9E6,
        '\u{FF10}'..='\u{FF19}' => 0xFF10,
        _ => return None,
    };
    char::from_digit(u32::from(c) - zero, 10)
}

struct DigitGroup {
    start: usize,
    end: usize,
    digits: String,
}

fn find_phone_numbers(text: &str, spans: &mut Vec<Range<usize>>) {
    for candidate in PHONE_CANDIDATE.find_iter(text) {
        scan_phone_candidate(text, candidate.range(), spans);
    }
}

/// Finds phone numbers inside one run of digit groups. The run may hold more
/// than the number ("I'm 12 07700 900123"), so every window of consecutive
/// groups is tried, leftmost first, preferring a proper UK shape, then length.
fn scan_phone_candidate(text: &str, candidate: Range<usize>, spans: &mut Vec<Range<usize>>) {
    let mut groups: Vec<DigitGroup> = Vec::new();
    for (offset, c) in text[candidate.clone()].char_indices() {
        let Some(d) = digit_value(c) else { continue };
        let at = candidate.start + offset;
        match groups.last_mut() {
            Some(group) if group.end == at => {
                group.end += c.len_utf8();
                group.digits.push(d);
            }
            _ => groups.push(DigitGroup { start: at, end: at + c.len_utf8(), digits: d.to_string() }),
        }
    }

    let mut i = 0;
    let mut digits = String::with_capacity(MAX_PHONE_DIGITS);
    while i < groups.len() {
        let mut best: Option<(u8, usize)> = None;
        let last = groups.len().min(i + MAX_PHONE_GROUPS);
        let (_, plus) = phone_start(text, candidate.start, groups[i].start);
        // Each longer window adds its last group's digits; none can be a
        // number once past [`MAX_PHONE_DIGITS`], so a run of digits costs
        // its length, however it is grouped.
        digits.clear();
        for j in i + 1..=last {
            let window = &groups[i..j];
            if digits.len() + groups[j - 1].digits.len() > MAX_PHONE_DIGITS {
                break;
            }
            digits.push_str(&groups[j - 1].digits);
            if digits.len() < MIN_PHONE_DIGITS {
                continue;
            }
            let Some(quality) =
                phone_quality(&digits, plus).or_else(|| (!plus && polish_shape(window, &digits)).then_some(LOOSE))
            else {
                continue;
            };
            // "01.10.2024 09.30", "07 08 09 10 11": dates, times and counts.
            // UK numbers start with a group of 3-5 digits, unless spelled
            // out one digit at a time ("0 7 7 0 0 ...").
            if !plus
                && !digits.starts_with("44")
                && window.len() >= 2
                && window[0].digits.len() <= 2
                && window[1].digits.len() <= 2
                && window.iter().any(|g| g.digits.len() > 1)
            {
                continue;
            }
            if best.is_none_or(|(q, _)| quality >= q) {
                best = Some((quality, j));
            }
        }
        match best {
            Some((_, j)) => {
                spans.push(phone_span(text, candidate.start, &groups[i..j]));
                i = j;
            }
            None => i += 1,
        }
    }
}

/// A proper UK number: 0 and 9–10 more digits, or +44 and 9–10 digits.
const UK_SHAPE: u8 = 2;
/// Long enough to be someone's number, but not a clean UK shape.
const LOOSE: u8 = 1;

fn phone_quality(digits: &str, plus: bool) -> Option<u8> {
    let n = digits.len();
    let uk_national = |nsn: &str| {
        let nsn = nsn.strip_prefix('0').unwrap_or(nsn);
        ((9..=10).contains(&nsn.len()) && !nsn.starts_with('0')).then_some(UK_SHAPE)
    };
    if plus {
        return match digits.strip_prefix("44") {
            Some(nsn) => uk_national(nsn),
            None => (8..=15).contains(&n).then_some(LOOSE),
        };
    }
    if let Some(nsn) = digits.strip_prefix("0044") {
        return uk_national(nsn);
    }
    if digits.starts_with("00") {
        return (10..=15).contains(&n).then_some(LOOSE);
    }
    if digits.starts_with('0') {
        return match n {
            10..=11 => Some(UK_SHAPE),
            12..=13 => Some(LOOSE),
            _ => None,
        };
    }
    // "447700900123", "44 (0)7700 900123": +44 without its "+".
    if let Some(nsn) = digits.strip_prefix("44") {
        let nsn = nsn.strip_prefix('0').unwrap_or(nsn);
        if nsn.len() == 10 && matches!(nsn.as_bytes()[0], b'1' | b'2' | b'3' | b'7' | b'8') {
            return Some(UK_SHAPE);
        }
    }
    // A mobile without its leading 0: "7700 900123".
    if n == 10 && digits.starts_with('7') {
        return Some(LOOSE);
    }
    None
}

/// A Polish number written without its "+48" (or with "48" but no "+"):
/// nine digits, not starting with 0, whole or in the usual groupings. Mobiles
/// start with 4–8 and are written "600 123 456", "600-123-456" or
/// "600123456"; landlines "22 123 45 67", "(22) 123 45 67" or "22 1234567".
/// Nine digits ending in six zeros ("500 000 000") are an amount, not a number.
/// `digits` are the window's digits, run together.
fn polish_shape(window: &[DigitGroup], digits: &str) -> bool {
    let (window, digits) = if digits.len() == 11 && window[0].digits.len() == 2 && digits.starts_with("48") {
        (&window[1..], &digits[2..])
    } else {
        (window, digits)
    };
    if digits.len() != 9 || digits[3..].bytes().all(|b| b == b'0') {
        return false;
    }
    let mobile = matches!(digits.as_bytes()[0], b'4'..=b'8');
    let sized = |sizes: &[usize]| {
        window.len() == sizes.len() && window.iter().zip(sizes).all(|(group, size)| group.digits.len() == *size)
    };
    if sized(&[9]) || sized(&[3, 3, 3]) {
        mobile
    } else if sized(&[2, 3, 2, 2]) || sized(&[2, 7]) || sized(&[2, 3, 4]) {
        !digits.starts_with('0')
    } else {
        false
    }
}

/// Where a number starting at `group_start` begins, taking in a "+", "(+"
/// or "(" just before it; and whether it has a "+".
fn phone_start(text: &str, candidate_start: usize, group_start: usize) -> (usize, bool) {
    let before = &text[candidate_start..group_start];
    if before.ends_with("(+") {
        (group_start - 2, true)
    } else if before.ends_with('+') {
        (group_start - 1, true)
    } else if before.ends_with('(') {
        (group_start - 1, false)
    } else {
        (group_start, false)
    }
}

/// The span of a phone number. A "(" before it is part of the number only
/// when it closes inside ("(0161) 603 4322"); brackets around the whole
/// number are the sentence's own and stay: "(07700 900111)" -> "([removed])".
fn phone_span(text: &str, candidate_start: usize, window: &[DigitGroup]) -> Range<usize> {
    let (mut start, _) = phone_start(text, candidate_start, window[0].start);
    let end = window[window.len() - 1].end;
    let span = &text[start..end];
    if span.starts_with('(') && span.matches('(').count() > span.matches(')').count() {
        start += 1;
    }
    start..end
}

// ---------------------------------------------------------------------------
// Postcodes
// ---------------------------------------------------------------------------

/// Outward code (area, district) then inward code (sector digit, two unit
/// letters, never C I K M O V), optional space, any case.
static POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"(?i)(?-u:\b)(?:(?P<area>[A-Z]{1,2})\d[A-Z\d]?[ \t]?\d[ABD-HJLNP-UW-Z]{2}|GIR[ \t]?0AA)(?-u:\b)")
});

fn find_postcodes(text: &str, spans: &mut Vec<Range<usize>>) {
    for caps in POSTCODE.captures_iter(text) {
        let real_area = caps.name("area").is_none_or(|area| in_list(POSTCODE_AREAS, area.as_str()));
        if real_area && let Some(m) = caps.get(0) {
            spans.push(m.range());
        }
    }
}

// ---------------------------------------------------------------------------
// Handles after a platform word
// ---------------------------------------------------------------------------

/// "snap: coolkid_09", "discord: name#1234", "my snap is coolkid_09".
/// Only the handle is removed; the platform word stays.
static PLATFORM_HANDLE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?xi)
        (?-u:\b)(?: snap(?:chat)? | sc | insta(?:gram)? | ig | tik[\ \t]?tok | discord | twitter
            | roblox | xbox | psn | steam | twitch | youtube | yt | kik | telegram
            | facebook | fb | threads | bereal | gamertag | user[\ \t]?name )
        (?: [\ \t]+ (?: name | username | user | handle | id | tag | account | acc | code ) )?
        (?P<sep> [\ \t]* : | [\ \t]+ (?: is | to ) [\ \t]* :? )
        [\ \t]*
        (?P<token> @? [\p{L}\p{N}_] [\p{L}\p{N}_.\#-]* )",
    )
});

/// The same after a platform named in Urdu script, where the handle comes
/// before the verb: "میرا سنیپ coolkid_09 ہے", "انسٹا: sunny.days".
static URDU_PLATFORM_HANDLE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?x)
        (?: سنیپ (?:[\ \t]?چیٹ)? | سنیپچیٹ | انسٹا (?:گرام)? | ٹک[\ \t]?ٹاک | فیس[\ \t]?بک | ڈسکارڈ
          | ٹویٹر | روبلوکس | یوٹیوب | ٹیلیگرام | واٹس[\ \t]?ایپ )
        (?: [\ \t]+ (?: آئی[\ \t]?ڈی | یوزر[\ \t]?نیم | اکاؤنٹ | نام ) )?
        (?P<sep> [\ \t]* : | [\ \t]+ (?: is | پر | پہ )? )
        [\ \t]*
        (?P<token> @? [A-Za-z0-9_] [A-Za-z0-9_.\#-]* )",
    )
});

fn find_platform_handles(text: &str, spans: &mut Vec<Range<usize>>) {
    for caps in PLATFORM_HANDLE.captures_iter(text).chain(URDU_PLATFORM_HANDLE.captures_iter(text)) {
        let (Some(sep), Some(token)) = (caps.name("sep"), caps.name("token")) else {
            continue;
        };
        let kept = token.as_str().trim_end_matches(['.', '-', '#']);
        let span = token.start()..token.start() + kept.len();
        if handle_after_platform(kept, &text[span.end..], sep.as_str().contains(':')) {
            spans.push(span);
        }
    }
}

/// Whether `token` (followed by `after`) is a handle rather than an answer
/// such as "snap: most days" or "tiktok: 2hrs".
fn handle_after_platform(token: &str, after: &str, colon: bool) -> bool {
    let bare = token.trim_start_matches('@');
    if bare.is_empty()
        || after.starts_with(['\'', '\u{2019}'])
        || in_list(NOT_A_HANDLE, bare)
        || (starts_with_digit(bare) && (TIME_LIKE.is_match(bare) || QUANTITY.is_match(bare)))
    {
        return false;
    }
    let has_letter = bare.chars().any(char::is_alphabetic);
    let has_digit = bare.chars().any(char::is_numeric);
    if !has_letter && bare.chars().count() < 5 {
        return false;
    }
    let looks_like_handle = token.starts_with('@') || bare.contains(['_', '.', '#']) || (has_letter && has_digit);
    if !colon {
        // "my snap is ...": only clear handles ("my snap is private" stays).
        return has_letter && looks_like_handle;
    }
    if looks_like_handle {
        return true;
    }
    // A plain word: a handle only if it ends the clause ("ig: jojo"), so that
    // "tiktok: funny videos" stays.
    bare.chars().count() >= 2
        && after.trim_start_matches([' ', '\t']).chars().next().is_none_or(|c| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Contact details and links, and exactly what must be left.
    const REMOVALS: &[(&str, &str)] = &[
        // --- Mobile phones (Ofcom drama range 07700 900xxx) ---
        ("my number is 07700 900123 text me", "my number is [removed] text me"),
        ("call me on 07700900123", "call me on [removed]"),
        ("07700 900 123 is my mum's phone", "[removed] is my mum's phone"),
        ("my num 0770-090-0123", "my num [removed]"),
        ("text +44 7700 900123 after school", "text [removed] after school"),
        ("+44 (0)7700 900123 is my dads", "[removed] is my dads"),
        ("ring 0044 7700900123", "ring [removed]"),
        ("+447700900321", "[removed]"),
        ("whatsapp me 07700.900.789", "whatsapp me [removed]"),
        ("I'm 12 and my number is 07700900456", "I'm 12 and my number is [removed]"),
        ("im in year 7 07700 900654", "im in year 7 [removed]"),
        ("0 7 7 0 0 9 0 0 1 2 3 thats my number", "[removed] thats my number"),
        ("my number (07700 900111) dont tell", "my number ([removed]) dont tell"),
        ("میرا نمبر ۰۷۷۰۰۹۰۰۱۲۳ ہے", "میرا نمبر [removed] ہے"),
        // --- Landlines (01632 960xxx, 020 7946 0xxx, and the brief's examples) ---
        ("ring (0161) 603 4322", "ring [removed]"),
        ("our house phone is 0161 603 4322.", "our house phone is [removed]."),
        ("nan's number is 020 7946 0018", "nan's number is [removed]"),
        ("01632 960001 is the house", "[removed] is the house"),
        ("dads work is 0113 496 0999 ext 2", "dads work is [removed] ext 2"),
        ("dad's mobile 7700 900123", "dad's mobile [removed]"),
        // --- Emails ---
        ("email me at sam.j+school@gmail.com pls", "email me at [removed] pls"),
        ("my email is jo.bloggs@mail.example.co.uk", "my email is [removed]"),
        ("message me on jo_b99@example.com!", "message me on [removed]!"),
        ("it's sam@gmail", "it's [removed]"),
        ("sam at gmail dot com", "[removed]"),
        ("my email is sam(at)gmail.com", "my email is [removed]"),
        ("name @ gmail . com is my email", "[removed] is my email"),
        ("EMAIL: Sam.Jones AT hotmail DOT co DOT uk", "EMAIL: [removed]"),
        ("sam[at]example[dot]com", "[removed]"),
        ("sam dot jones at outlook dot com", "[removed]"),
        ("email sam at gmail.com or whatever", "email [removed] or whatever"),
        ("mums is jo at yahoo.co.uk", "mums is [removed]"),
        ("im looking at sam at example dot com", "im looking at [removed]"),
        // --- Links ---
        ("look at www.example.co.uk/page?x=1", "look at [removed]"),
        ("https://example.com/survey?id=5 is cool", "[removed] is cool"),
        ("go to example.com/whatever", "go to [removed]"),
        ("my site is example.co.uk.", "my site is [removed]."),
        ("add me snapchat.com/add/coolkid09", "add me [removed]"),
        ("my vids are on tiktok.com/@dancer_12", "my vids are on [removed]"),
        ("join discord.gg/abc123 tonight", "join [removed] tonight"),
        ("(see http://example.org/a_(b))", "(see [removed])"),
        ("check out bit.ly/3xYz", "check out [removed]"),
        ("my blog is sunnydays.me/blog", "my blog is [removed]"),
        ("youtu.be/dQw4w9WgXcQ lol", "[removed] lol"),
        ("WWW.EXAMPLE.COM", "[removed]"),
        ("go on example.com.It has games", "go on [removed].It has games"),
        // --- Postcodes ---
        ("I live near M5 4WT", "I live near [removed]"),
        ("my postcode is m54wt", "my postcode is [removed]"),
        ("SW1A 1AA is where the king lives", "[removed] is where the king lives"),
        ("sw1a1aa", "[removed]"),
        ("we moved to B33 8TH last year", "we moved to [removed] last year"),
        ("old house M1 1AE new house cr2 6xh", "old house [removed] new house [removed]"),
        ("DN55 1PT, EC1A 1BB and W1A 0AX", "[removed], [removed] and [removed]"),
        ("GIR 0AA", "[removed]"),
        // --- Handles ---
        ("my insta is @sunny.days", "my insta is [removed]"),
        ("follow @name_1 on tiktok", "follow [removed] on tiktok"),
        ("add me on snap: coolkid_09", "add me on snap: [removed]"),
        ("sc: name", "sc: [removed]"),
        ("insta: sunny.days", "insta: [removed]"),
        ("ig: jojo", "ig: [removed]"),
        ("tiktok: dancer_12 and discord: name#1234", "tiktok: [removed] and discord: [removed]"),
        ("my snap is coolkid_09", "my snap is [removed]"),
        ("Snapchat : @coolkid", "Snapchat : [removed]"),
        ("my roblox username is builder2012.", "my roblox username is [removed]."),
        // --- Several at once ---
        (
            "text 07700 900123 or email sam@example.com, I live at M5 4WT",
            "text [removed] or email [removed], I live at [removed]",
        ),
        ("my details:\nphone 07700 900123\nsnap: coolkid_09", "my details:\nphone [removed]\nsnap: [removed]"),
        // --- Urdu: Arabic-Indic and Urdu digits, in Urdu sentences ---
        ("میرا نمبر ۰۷۷۰۰ ۹۰۰۱۲۳ ہے", "میرا نمبر [removed] ہے"),
        ("امی کا نمبر ٠٧٧٠٠ ٩٠٠١٢٣ ہے", "امی کا نمبر [removed] ہے"),
        ("ابو کا نمبر ۰۳۰۰-۱۲۳۴۵۶۷", "ابو کا نمبر [removed]"),
        ("نانی کا نمبر +92 300 1234567", "نانی کا نمبر [removed]"),
        ("۰۷۷۰۰\u{200F}۹۰۰۱۲۳ پر کال کرو", "[removed] پر کال کرو"),
        ("call 07700\u{200B}900\u{200B}123", "call [removed]"),
        ("میری ای میل sam@gmail.com ہے", "میری ای میل [removed] ہے"),
        ("علی_۱۲@gmail.com میرا ہے", "[removed] میرا ہے"),
        ("sam ایٹ gmail ڈاٹ com", "[removed]"),
        ("sam＠gmail.com", "[removed]"),
        ("میری ویب سائٹ example.com/page ہے", "میری ویب سائٹ [removed] ہے"),
        ("میرا سنیپ coolkid_09 ہے", "میرا سنیپ [removed] ہے"),
        ("انسٹا: sunny.days", "انسٹا: [removed]"),
        ("ٹک ٹاک پر @dancer_12 ہوں", "ٹک ٹاک پر [removed] ہوں"),
        // --- Polish ---
        ("mój numer to +48 600 123 456", "mój numer to [removed]"),
        ("zadzwoń 600-123-456", "zadzwoń [removed]"),
        ("mój numer 600 123 456.", "mój numer [removed]."),
        ("pisz na 600123456", "pisz na [removed]"),
        ("tel. do mamy (22) 123 45 67", "tel. do mamy [removed]"),
        ("babcia 22 123 45 67", "babcia [removed]"),
        ("0048 600 123 456", "[removed]"),
        ("48 600 123 456 to mój", "[removed] to mój"),
        ("+48 600 123 456", "[removed]"),
        ("mam 12 lat, numer 512 345 678", "mam 12 lat, numer [removed]"),
        ("mój email to ola małpa gmail kropka com", "mój email to [removed]"),
        ("ola.nowak@wp.pl", "[removed]"),
        ("mój snap to coolkid_09", "mój snap to [removed]"),
        ("insta: zosia.k", "insta: [removed]"),
    ];

    /// Ordinary answers that must come out exactly as they went in.
    const UNCHANGED: &[&str] = &[
        "I'm 12 and in year 7",
        "I got 10/10 on my test",
        "we have 3 meals a day, sometimes 2",
        "it costs £20",
        "the trip was £1,000 which is too much",
        "at 3.30pm",
        "see you at 3.30pm",
        "school starts at 8:45 and ends at 15:30",
        "on 12/10/2024",
        "it was 12.10.24 when it happened",
        "on 01.10.2024 at 09.30 we had a fire drill",
        "Mum works at Tesco.She's tired",
        "e.g. more clubs",
        "i.e. the teachers should listen, etc.",
        "Mr.Smith is my favourite teacher",
        "Dr.Who is good",
        "I want to go to uni",
        "call 999 if you're in danger",
        "or ring 111 if you feel ill",
        // Childline: 8 digits, below the 10-digit threshold. Kept on purpose:
        // it is a public helpline, not the child's contact detail.
        "childline is 0800 1111",
        "Samaritans is 116 123",
        "I feel :( sometimes",
        "my brother is 5 and my sister is 16",
        "B+ in maths",
        "I got a B2 in my mock",
        "A1 grade",
        "the M60 is loud",
        "we went on the M6 motorway",
        "Year 10 is hard",
        "I'm in Y7 2nd set",
        "I play Minecraft and Roblox",
        // No space after the full stop, and "it" is a real TLD (Italy): kept,
        // because word-like TLDs only count with a path, www. or a scheme.
        "school.it was ok",
        "I like the app.It helps",
        "I was at school. it was ok",
        "I was at home all day",
        "I look at my phone a lot",
        "look at the dot com thing",
        "I go 3 or 4 times a week",
        "1 2 3 go!",
        "9 out of 10 people agree",
        "we were in room 101",
        "in 2024 I moved school",
        "we scored 2-1 and then 3-2",
        "ages 11-16",
        "I sleep at 10pm and wake at 7am",
        "meet @ 5 by the gate",
        "see you @5pm",
        "we're @ school all day",
        "I got 100% on the quiz!!!",
        "I lost my homework.docx file",
        "I have 2 dogs.They are called Max and Bella",
        "snapchat: most days",
        "tiktok: funny videos",
        "Roblox: it's fun",
        "I use snap 2 hours a day",
        "my snap is private",
        "awww.so cute",
        "I scored 1st in the race, 2nd last year",
        "I like:\n- art\n- PE",
        "I get 5.50 pocket money",
        "the U.K. is big",
        "Byłem w szkole.To było fajne",
        "we did levels 07 08 09 10 11",
        "I'm looking at the outlook for tomorrow",
        // Urdu and Polish with ages, counts, times and dates.
        "میں ۱۲ سال کا ہوں",
        "میری بہن ۵ سال کی ہے اور بھائی ۱۶ کا",
        "ہم ہفتے میں ۳ بار کھیلتے ہیں",
        "میں نے ٢٠٢٤ میں اسکول بدلا",
        "اسکول ۸ بجے شروع ہوتا ہے",
        "میرا سنیپ چیٹ پر زیادہ وقت گزرتا ہے",
        "Mam 12 lat i chodzę do 6 klasy",
        "Chodzę na basen 3 razy w tygodniu",
        "Wstaję o 6.30, lekcje od 8:00 do 14:35",
        "To było 12.10.2024 r.",
        "Mam 2-3 godziny lekcji dziennie",
        "Miasto ma 600 000 mieszkańców",
        "Kosztowało to 500 000 000 zł",
        "kod 123456789",
        "mój snap to prywatne",
        "I sent a snap to my mum",
        "Moja małpa w zoo jest śmieszna",
    ];

    #[test]
    fn removes_contact_details_and_links() {
        assert!(REMOVALS.len() >= 50, "only {} removal cases", REMOVALS.len());
        let mut failures = Vec::new();
        for (input, expected) in REMOVALS {
            let got = scrub(input);
            if got.as_str() != *expected {
                failures.push(format!("{input:?}\n   expected {expected:?}\n   got      {got:?}"));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn keeps_ordinary_sentences() {
        assert!(UNCHANGED.len() >= 40, "only {} unchanged cases", UNCHANGED.len());
        let mut failures = Vec::new();
        for input in UNCHANGED {
            let got = scrub(input);
            if got.as_str() != *input {
                failures.push(format!("{input:?}\n   got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    /// Stored answers may be scrubbed again on the way out: nothing may change.
    #[test]
    fn scrubbing_twice_changes_nothing() {
        let inputs = REMOVALS.iter().map(|(input, _)| *input).chain(UNCHANGED.iter().copied());
        for input in inputs {
            let once = scrub(input);
            assert_eq!(scrub(once.as_str()), once, "{input:?}");
        }
    }

    #[test]
    fn trims_surrounding_whitespace() {
        assert_eq!(scrub("  \t hello there \n\n ").as_str(), "hello there");
        assert_eq!(scrub("\n call 07700 900123  ").as_str(), "call [removed]");
    }

    #[test]
    fn normalises_line_endings() {
        assert_eq!(scrub("one\r\ntwo\rthree\nfour").as_str(), "one\ntwo\nthree\nfour");
        assert_eq!(scrub("phone:\r\n07700 900123\r\nbye").as_str(), "phone:\n[removed]\nbye");
    }

    #[test]
    fn empty_and_blank_input_give_empty_text() {
        assert!(scrub("").is_empty());
        assert!(scrub("   \r\n\t ").is_empty());
        assert_eq!(scrub("").into_inner(), String::new());
        assert!(!scrub("hi").is_empty());
    }

    #[test]
    fn unicode_passes_unchanged() {
        for input in [
            "مجھے اسکول پسند ہے لیکن کبھی کبھی میں اداس ہوتا ہوں۔",
            "Lubię szkołę, ale nauczyciele są czasem surowi. Żółć!",
            "I love football ⚽😀 and my dog 🐶❤️",
            "Mój brat ma 5 lat, a ja 12.",
            "ça va? naïve café",
        ] {
            assert_eq!(scrub(input).as_str(), input);
        }
    }

    #[test]
    fn accessors_give_the_scrubbed_text() {
        let scrubbed = scrub(" snap: coolkid_09 ");
        assert_eq!(scrubbed.as_str(), "snap: [removed]");
        assert_eq!(scrubbed.clone().into_inner(), "snap: [removed]");
        assert_eq!(scrubbed, scrub("snap: coolkid_09"));
        assert!(REMOVED == "[removed]");
    }

    #[test]
    fn long_input_scrubs_quickly() {
        let paragraph = "I like school but sometimes it is hard, we have 3 lessons before lunch \
            and my friend said text 07700 900123 or email sam@example.com or go to \
            example.com/page and I live near M5 4WT. ";
        let mut input = String::new();
        while input.len() < 2_000 {
            input.push_str(paragraph);
        }
        // The first call compiles the patterns and warms the regex caches.
        let _warm_up = scrub(&input);
        let started = std::time::Instant::now();
        let scrubbed = scrub(&input);
        let elapsed = started.elapsed();
        eprintln!("scrubbed {} chars in {elapsed:?}", input.chars().count());
        assert!(!scrubbed.as_str().contains("07700"));
        assert!(!scrubbed.as_str().contains("@"));
        assert!(!scrubbed.as_str().contains("4WT"));
        assert!(scrubbed.as_str().contains("we have 3 lessons before lunch"));
    }

    /// Adversarial input for each detector: long runs of what it looks
    /// for, and near misses of it, that would make a detector which scans
    /// back or rescans for every match take time in the square of the
    /// length. Each must scrub 100 KB in well under a second of processor
    /// time even in a debug build; quadratic work on 100 KB takes minutes.
    mod adversarial {
        use std::time::Duration;

        use super::super::*;
        use crate::anonymise::WorkTimer;

        /// About 100 KB of `unit`, after `prefix`, cut at a character boundary.
        fn long(prefix: &str, unit: &str) -> String {
            let mut text = prefix.to_owned();
            while text.len() < 100_000 {
                text.push_str(unit);
            }
            text
        }

        /// Generous: a linear pass over the densest 100 KB takes at most
        /// 150 ms of processor time in a debug build; the quadratic work
        /// this guards against took from seconds to minutes.
        const BOUND: Duration = Duration::from_millis(500);

        type Detector = fn(&str, &mut Vec<Range<usize>>);

        /// Runs `detect` on each input, once to warm up the patterns, then
        /// timed; fails naming the slowest input over [`BOUND`].
        fn each_quick(what: &str, detect: Detector, inputs: &[String]) {
            detect("warm up: sam@example.com 07700 900123 M5 4WT snap: x", &mut Vec::new());
            let mut slowest = (Duration::ZERO, String::new());
            for input in inputs {
                let started = WorkTimer::start();
                let mut spans = Vec::new();
                detect(input, &mut spans);
                let _ = replace_spans(input, spans);
                let elapsed = started.elapsed();
                if elapsed > slowest.0 {
                    slowest = (elapsed, input.chars().take(24).collect());
                }
            }
            eprintln!("{what}: slowest {:?} on {:?}…", slowest.0, slowest.1);
            assert!(slowest.0 < BOUND, "{what} took {:?} on {:?}…", slowest.0, slowest.1);
        }

        fn inputs(cases: &[(&str, &str)]) -> Vec<String> {
            cases.iter().map(|(prefix, unit)| long(prefix, unit)).collect()
        }

        #[test]
        fn at_signs() {
            let cases = inputs(&[
                ("", "@"),
                ("", "a@"),
                ("", "@a"),
                ("", "@a "),
                ("", "a@a."),
                ("", "@5"),
                ("", ".@"),
                ("", "＠"),
                ("a", "a"),
                ("", "a@b@c"),
                ("", "a.+%-"),
                ("@", "a.-"),
                ("", "@ "),
            ]);
            each_quick("at signs", find_at_sign_tokens, &cases);
        }

        #[test]
        fn spelled_out_emails() {
            let cases = inputs(&[
                ("", "a at "),
                ("", "a dot "),
                ("", "a at b dot "),
                ("", "a at b "),
                ("", "sam at gmail "),
                ("", "a(at)"),
                ("", "a [at] b [dot] "),
                ("", "a @ "),
                ("", "a @ b . "),
                ("a at b", " "),
                ("a at b", " ."),
                ("", "x ایٹ "),
                ("", "ola małpa "),
                ("", "look at the dot com "),
                ("", "a.b at c "),
                ("", "a-"),
            ]);
            each_quick("spelled-out emails", find_spelled_out_emails, &cases);
        }

        #[test]
        fn links() {
            let cases = inputs(&[
                // Every closing bracket stripped from the end was once
                // counted against the whole link again: minutes at 320 KB.
                ("see http://example.com/", ")"),
                ("see www.example.com/", "]"),
                ("example.com/", "}"),
                ("http://a/", ".)"),
                ("http://a/", "("),
                ("", "http://"),
                ("", "www."),
                ("", "a."),
                ("", "a.com/"),
                ("", "a.com "),
                ("a.b", "."),
                ("", "a-"),
                ("", "a.a-"),
                ("example.com:", "1"),
                ("", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z."),
                ("", "school.it "),
            ]);
            each_quick("links", find_urls, &cases);
        }

        #[test]
        fn phone_numbers() {
            let cases = inputs(&[
                ("", "1"),
                ("", "0"),
                ("", "1 "),
                ("", "0 "),
                ("", "0-"),
                ("", "(0)"),
                ("", "+"),
                ("", "+1 "),
                ("", "1\u{200B}"),
                ("", "\u{200B}"),
                ("1", "\u{200F}"),
                ("", "07700 900123 "),
                ("", "٠"),
                ("", "۰ "),
                ("", "1."),
                ("", "(+"),
                ("", "44 "),
                ("", "600 123 456 "),
                ("", "12 34 "),
                ("", "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 "),
                ("0", "1234567890"),
            ]);
            each_quick("phone numbers", find_phone_numbers, &cases);
        }

        #[test]
        fn postcodes() {
            let cases = inputs(&[
                ("", "M5 4WT "),
                ("", "M"),
                ("", "M5"),
                ("", "A1A"),
                ("", "M54"),
                ("", "GIR 0AA"),
                ("", "SW1A1AA"),
                ("", "B2 3rd "),
                ("", "ZZ9 9ZZ "),
            ]);
            each_quick("postcodes", find_postcodes, &cases);
        }

        #[test]
        fn handles_after_a_platform_word() {
            let cases = inputs(&[
                ("", "snap: "),
                ("", "snap "),
                ("", "ig: a "),
                ("", "my snap is "),
                ("snap: ", "a"),
                ("snap: ", "a."),
                ("", "snap: @"),
                ("", "snapchat user name is "),
                ("", "سنیپ "),
                ("سنیپ ", "a"),
                ("", "tiktok: most days "),
                ("", "discord: name#"),
            ]);
            each_quick("platform handles", find_platform_handles, &cases);
        }

        #[test]
        fn the_whole_scrubber() {
            fn whole(text: &str, _: &mut Vec<Range<usize>>) {
                let _ = scrub(text);
            }
            let cases = inputs(&[
                ("see http://example.com/", ")"),
                ("", "@a "),
                ("", "a at b dot "),
                ("", "07700 900123 "),
                ("", "M5 4WT "),
                ("", "snap: a_1 "),
                ("", "\r\n"),
                ("", " "),
                ("", "ابو مجھے مارتا ہے "),
                ("", "sam@example.com, 07700 900123, M5 4WT, example.com/a, snap: x_1. "),
            ]);
            each_quick("scrub", whole, &cases);
        }
    }
}

/// Properties of the scrubber over generated text: it never panics, keeps
/// what it does not remove in order, and never grows an answer past what
/// the survey pages' size limits allow for (`respond::page_limits`).
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::respond::journey::MAX_TEXT;

    /// Text built from what each detector looks for, near misses of it,
    /// and characters of every size.
    fn hostile_text(max_pieces: usize) -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("@"),
            Just("＠"),
            Just("a"),
            Just(" "),
            Just("."),
            Just(")"),
            Just("("),
            Just("]"),
            Just(":"),
            Just("/"),
            Just("\r\n"),
            Just("\n"),
            Just(" at "),
            Just(" dot "),
            Just("http://"),
            Just("www."),
            Just(".com"),
            Just("0"),
            Just("7"),
            Just("+44"),
            Just("07700 900123"),
            Just("600 123 456"),
            Just("M5 4WT"),
            Just("snap: "),
            Just("ig "),
            Just("\u{1}"),
            Just("\u{200B}"),
            Just("\u{202E}"),
            Just("ż"),
            Just("ب"),
            Just("۷"),
            Just("क"),
            Just("😀"),
            Just("[removed]"),
        ];
        proptest::collection::vec(piece, 0..max_pieces).prop_map(|pieces| pieces.concat())
    }

    /// The bytes `text` takes as a JSON string, as the sealed draft holds it.
    fn json_len(text: &str) -> usize {
        serde_json::to_string(text).map_or(0, |s| s.len())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn scrubbing_keeps_the_rest_in_order_and_stays_within_the_draft_limit(text in hostile_text(400)) {
            let scrubbed = scrub(&text);
            let out = scrubbed.as_str();
            // What is left, less the markers, is the input in order with
            // pieces taken out: a subsequence of its characters.
            let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
            let mut rest = normalised.trim().chars();
            for kept in out.split(REMOVED).flat_map(str::chars) {
                prop_assert!(rest.any(|c| c == kept), "{:?} is not from {:?}", out, text);
            }
            // The page limits assume each character of an answer takes at
            // most 6 bytes in the sealed draft, scrubbed or not.
            let chars = text.chars().count();
            if chars <= MAX_TEXT {
                prop_assert!(json_len(out) <= 6 * chars.max(2) + 2, "{} bytes from {} characters", json_len(out), chars);
            }
        }

        #[test]
        fn any_text_is_scrubbed_without_panicking(text in "\\PC{0,300}") {
            let _ = scrub(&text);
        }
    }
}
