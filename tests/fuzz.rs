//! Thousands of generated bad survey posts: random bytes, bytes that are
//! not UTF-8, huge and empty values, repeated and unknown fields, altered
//! sealed drafts, and every `nav` value on every kind of step. Each must get
//! a calm page in the usual layout with a 4xx status, never an empty body
//! or a 5xx, and nothing may be stored.
//!
//! The cases come from a seeded generator, printed at the start: a failure
//! is replayed with `FUZZ_SEED=<seed>`. `FUZZ_CASES` sets how many random
//! cases follow the sweep of every `nav` on every step (default 800, on
//! each database).

mod support;

use listening_loop::limits::PUBLIC_FORM;
use listening_loop::respond::page_limits::PageLimits;
use listening_loop::surveys::{AgeGroup, Registry};
use listening_loop::web::form::Form;
use support::served::JourneyPage;
use support::{TestApp, form_body, shipped_surveys};

/// splitmix64: small, fast, and the same sequence for the same seed everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// Text of `n` characters from a mix that tries every part of the reader.
    fn text(&mut self, n: usize) -> String {
        const PIECES: &[&str] = &[
            "a",
            " ",
            "&",
            "=",
            "+",
            "%",
            "%2",
            "%zz",
            "%00",
            "\u{1}",
            "\n",
            "\r\n",
            "ż",
            "ب",
            "क",
            "😀",
            "@",
            ".",
            ")",
            "(",
            "07700 900123",
            "http://x.com/",
            "snap: a_1",
            "M5 4WT",
            "\u{200B}",
            "\u{202E}",
            "'",
            "\"",
            "<script>",
            "[removed]",
        ];
        (0..n).map(|_| *self.pick(PIECES)).collect()
    }
}

/// Every `nav` value a page offers anywhere, and some no page offers.
const NAVS: &[Option<&str>] = &[
    Some("next"),
    Some("back"),
    Some("continue"),
    Some("skip-section"),
    Some("submit"),
    Some("change:0"),
    Some("change:1"),
    Some("change:3"),
    Some("change:99"),
    Some("change:18446744073709551616"),
    Some("change:-1"),
    Some("change:"),
    Some("change:x"),
    Some(""),
    Some("NEXT"),
    Some("submit "),
    Some("💥"),
    None,
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Question,
    Note,
    Check,
}

/// One page of a real journey: its draft, what it offers, and its kind.
struct Step {
    link: String,
    page: JourneyPage,
    kind: Kind,
    /// The step's index in its journey (the check page's is the last).
    index: usize,
}

impl Step {
    fn state(&self) -> &str {
        self.page.state.as_deref().unwrap()
    }

    /// Whether the journey would act on this `nav` here; everything else
    /// is refused as not fitting the page.
    fn accepts(&self, nav: Option<&str>) -> bool {
        let nav = nav.unwrap_or("next");
        match self.kind {
            Kind::Question => matches!(nav, "next" | "back"),
            Kind::Note => matches!(nav, "continue" | "skip-section" | "back"),
            Kind::Check => {
                matches!(nav, "submit" | "back")
                    || nav.strip_prefix("change:").and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| n < self.index)
            }
        }
    }

    /// The fields a person would post here: real answers.
    fn honest_fields(&self) -> Vec<(String, String)> {
        let mut fields = Vec::new();
        for (name, values) in &self.page.radios {
            fields.push((name.clone(), values[0].clone()));
        }
        for (name, values) in &self.page.boxes {
            fields.push((name.clone(), values[0].clone()));
        }
        for name in &self.page.textareas {
            fields.push((name.clone(), "more clubs".into()));
        }
        fields
    }
}

/// Walks each link and age group answering everything, keeping every page.
async fn record_steps(app: &TestApp) -> Vec<Step> {
    let mut steps = Vec::new();
    for (link, age) in [
        ("young-people", "5-7"),
        ("young-people", "8-11"),
        ("young-people", "12-15"),
        ("parents-carers", "adult"),
        ("practitioners", "adult"),
    ] {
        let mut body = app.post(&format!("/s/{link}/start"), &[("age", age)]).await.body;
        for index in 0..100 {
            let page = JourneyPage::parse(&body);
            let kind = if page.is_check_page() {
                Kind::Check
            } else if page.buttons.iter().any(|b| b == "continue") {
                Kind::Note
            } else {
                Kind::Question
            };
            let (form, _) = page.answer_everything();
            steps.push(Step { link: link.into(), page, kind, index });
            if kind == Kind::Check {
                break;
            }
            let next = app.post(&format!("/s/{link}"), &pairs(&form)).await;
            assert_eq!(next.status, 200, "walking {link} {age}");
            body = next.body;
        }
    }
    assert!(steps.iter().any(|s| s.kind == Kind::Note) && steps.iter().any(|s| s.kind == Kind::Check));
    steps
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// One generated post and why it must be refused.
struct Case {
    path: String,
    body: Vec<u8>,
    why: String,
}

/// What makes a post from a real page certainly unusable, whatever else
/// it holds.
#[derive(Clone, Copy, Debug)]
enum Spoiler {
    UnknownField,
    AlteredState,
    NotUtf8,
    TooLarge,
    TooManyFields,
    /// An answer the question does not accept, on a question page moving on.
    BadAnswer,
}

const SPOILERS: &[Spoiler] = &[
    Spoiler::UnknownField,
    Spoiler::AlteredState,
    Spoiler::NotUtf8,
    Spoiler::TooLarge,
    Spoiler::TooManyFields,
    Spoiler::BadAnswer,
];

struct Generator<'a> {
    rng: Rng,
    steps: &'a [Step],
    limits: &'a PageLimits,
    registry: &'a Registry,
}

impl Generator<'_> {
    /// A post from `step` with `nav`, made unusable if the nav alone does
    /// not make it so, with noise on top that never makes it usable.
    fn post_from_step(&mut self, step: &Step, nav: Option<&str>) -> Case {
        let mut state = step.state().to_owned();
        let mut fields: Vec<(String, String)> =
            if step.kind == Kind::Question && self.rng.chance(70) { step.honest_fields() } else { Vec::new() };
        self.noise(step, &mut fields);
        // With no `nav` of its own, a `nav` in the noise is the one read.
        let read_nav = nav.or_else(|| fields.iter().find(|(name, _)| name == "nav").map(|(_, v)| v.as_str()));
        let mut raw_tail: Vec<u8> = Vec::new();
        let mut why = format!("{:?} step {} of {}, nav {read_nav:?}", step.kind, step.index, step.link);
        if step.accepts(read_nav) {
            let mut spoiler = *self.rng.pick(SPOILERS);
            if matches!(spoiler, Spoiler::BadAnswer) && (step.kind != Kind::Question || read_nav == Some("back")) {
                spoiler = Spoiler::UnknownField;
            }
            why.push_str(&format!(", spoiled by {spoiler:?}"));
            let cap = self.limits.for_link(&step.link).unwrap();
            match spoiler {
                Spoiler::UnknownField => {
                    let name = format!("answer.no-such-{}", self.rng.below(1000));
                    let value = self.rng.text(5);
                    fields.push((name, value));
                }
                Spoiler::AlteredState => state = self.alter(&state),
                Spoiler::NotUtf8 => raw_tail = b"&answer.x=\xff\xfe".to_vec(),
                Spoiler::TooLarge => {
                    let big = "a".repeat(cap.bytes + self.rng.below(1000));
                    fields.push(("answer.big".into(), big));
                }
                Spoiler::TooManyFields => {
                    fields.extend((0..cap.fields).map(|i| (format!("answer.many{i}"), String::new())));
                }
                Spoiler::BadAnswer => {
                    // The only value of its field: the one read.
                    let bad = self.bad_answer(step);
                    fields.retain(|(name, _)| *name != bad.0);
                    fields.push(bad);
                }
            }
        }
        let mut form: Vec<(String, String)> = vec![("state".into(), state)];
        if let Some(nav) = nav {
            form.push(("nav".into(), nav.into()));
        }
        // The draft and the button come first: a repeated `state` or `nav`
        // in the noise is never the one read.
        form.extend(fields);
        let mut body = form_body(&form).into_bytes();
        body.extend_from_slice(&raw_tail);
        Case { path: format!("/s/{}", step.link), body, why }
    }

    /// An answer a question page refuses: an option it does not offer, two
    /// choices where one is allowed, or text over 2,000 characters.
    fn bad_answer(&mut self, step: &Step) -> (String, String) {
        if let Some((name, _)) = step.page.radios.iter().next()
            && self.rng.chance(50)
        {
            return (name.clone(), format!("not-an-option-{}", self.rng.below(100)));
        }
        if let Some((name, _)) = step.page.boxes.iter().next()
            && self.rng.chance(50)
        {
            return (name.clone(), "rather-not-say-and-more".into());
        }
        if let Some(name) = step.page.textareas.first() {
            let n = 2001 + self.rng.below(3000);
            return (name.clone(), self.rng.text(n).chars().chain(std::iter::repeat('a')).take(n).collect());
        }
        match step.page.radios.iter().next().or(step.page.boxes.iter().next()) {
            Some((name, _)) => (name.clone(), "99".into()),
            None => ("answer.no-such-question".into(), "1".into()),
        }
    }

    /// A sealed draft it is not: altered, cut short, empty, another
    /// link's, or not base64 at all.
    fn alter(&mut self, state: &str) -> String {
        let mut bytes = state.as_bytes().to_vec();
        match self.rng.below(6) {
            0 => {
                let at = 1 + self.rng.below(bytes.len() - 2);
                bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            }
            1 => bytes.truncate(self.rng.below(bytes.len())),
            2 => bytes.clear(),
            3 => {
                let other = self.steps.iter().find(|s| s.state() != state).unwrap();
                bytes = other.state().as_bytes().to_vec();
                // Another journey's draft is usable on its own link: post
                // it altered all the same.
                let at = bytes.len() / 2;
                bytes[at] = if bytes[at] == b'z' { b'y' } else { b'z' };
            }
            4 => bytes = self.rng.text(40).into_bytes(),
            _ => bytes.reverse(),
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Repeated fields, empty and long values, unknown-looking names that
    /// the page does ask, all after the real fields.
    fn noise(&mut self, step: &Step, fields: &mut Vec<(String, String)>) {
        for _ in 0..self.rng.below(4) {
            match self.rng.below(5) {
                0 if !fields.is_empty() => {
                    let again = fields[self.rng.below(fields.len())].clone();
                    fields.push(again);
                }
                1 if !fields.is_empty() => {
                    let at = self.rng.below(fields.len());
                    fields[at].1.clear();
                }
                2 => fields.push(("state".into(), self.rng.text(20))),
                3 => fields.push(("nav".into(), (*self.rng.pick(NAVS)).unwrap_or("next").into())),
                _ => {
                    if let Some(name) = step.page.textareas.first() {
                        let n = self.rng.below(2000);
                        fields.push((name.clone(), self.rng.text(n)));
                    }
                }
            }
        }
    }

    /// A post of random bytes, or random text, to a survey link.
    fn random_post(&mut self) -> Case {
        let link = self.rng.pick(&["young-people", "parents-carers", "practitioners", "no-such-survey"]).to_string();
        let n = self.rng.below(3000);
        let (body, why) = match self.rng.below(4) {
            0 => (self.rng.bytes(n), "random bytes"),
            1 => (self.rng.text(n / 4).into_bytes(), "random text"),
            2 => (form_body(&[("state", self.rng.text(n / 4)), ("nav", "submit".into())]).into_bytes(), "no draft"),
            _ => (Vec::new(), "an empty body"),
        };
        Case { path: format!("/s/{link}"), body, why: why.into() }
    }

    /// A post to a start page that chooses no age group the link has.
    fn bad_start(&mut self) -> Case {
        let link = *self.rng.pick(&["young-people", "parents-carers", "practitioners", "no-such-survey"]);
        let ages = ["5-7", "8-11", "12-15", "16-17", "adult", "", "8-12", "ADULT", "9999999999", "%FF"];
        loop {
            let n = self.rng.below(600);
            let body = match self.rng.below(5) {
                0 => self.rng.bytes(n),
                1 => {
                    let (age, lang) = (*self.rng.pick(&ages), *self.rng.pick(&["en", "ur", "xx", ""]));
                    form_body(&[("age", age), ("lang", lang)]).into_bytes()
                }
                2 => format!("age={}&lang=%FF", self.rng.pick(&ages)).into_bytes(),
                3 => vec![b'a'; PUBLIC_FORM.bytes + 1 + n],
                _ => form_body(&[("via", self.rng.text(n)), ("age", self.rng.text(3))]).into_bytes(),
            };
            // Keep only bodies that really choose no age group this link has.
            let usable = Form::parse(&body)
                .ok()
                .and_then(|f| f.get("age").and_then(AgeGroup::parse))
                .is_some_and(|age| body.len() <= PUBLIC_FORM.bytes && self.registry.for_age(link, age).is_some());
            if !usable {
                return Case { path: format!("/s/{link}/start"), body, why: "a start with no usable age".into() };
            }
        }
    }
}

#[tokio::test]
async fn thousands_of_bad_posts_get_calm_pages_and_store_nothing() {
    let seed: u64 = match std::env::var("FUZZ_SEED") {
        Ok(s) => s.parse().expect("FUZZ_SEED is a number"),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    };
    let random_cases: usize = std::env::var("FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(800);
    eprintln!("fuzz seed {seed} (replay with FUZZ_SEED={seed})");
    let registry = Registry::load(&shipped_surveys()).unwrap();
    let limits = PageLimits::for_registry(&registry);
    for db in support::databases() {
        // All the posts come from one address; the per-address limit is
        // not what is tested here.
        let app = support::spawn_app_configured(db, |s| s.respondent_posts_per_minute = 0).await;
        eprintln!("-- on {}", app.backend_name());
        let steps = record_steps(&app).await;
        let mut generator = Generator { rng: Rng(seed), steps: &steps, limits: &limits, registry: &registry };
        let mut cases = Vec::new();
        for step in &steps {
            for nav in NAVS {
                cases.push(generator.post_from_step(step, *nav));
            }
        }
        for _ in 0..random_cases {
            let case = match generator.rng.below(10) {
                0..=5 => {
                    let step = &steps[generator.rng.below(steps.len())];
                    let nav = *generator.rng.pick(NAVS);
                    generator.post_from_step(step, nav)
                }
                6 | 7 => generator.random_post(),
                _ => generator.bad_start(),
            };
            cases.push(case);
        }
        let started = std::time::Instant::now();
        let (responses, answers) = (app.count("responses"), app.count("answers"));
        let mut statuses = std::collections::BTreeMap::new();
        for (n, case) in cases.iter().enumerate() {
            let page = app.post_raw(&case.path, case.body.clone()).await;
            let whence = || {
                let shown: String = String::from_utf8_lossy(&case.body).chars().take(300).collect();
                format!("seed {seed}, case {n}: {} ({} bytes to {}): {shown:?}", case.why, case.body.len(), case.path)
            };
            assert!((400..500).contains(&page.status), "{} gave {}\n{}", whence(), page.status, page.h1());
            let html = page.headers.get("content-type").is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
            assert!(html, "{}: not a page", whence());
            assert!(page.body.contains("data-leave") && page.body.contains("<h1"), "{}: not a calm page", whence());
            *statuses.entry(page.status).or_insert(0) += 1;
        }
        eprintln!("{} posts in {:?}: {statuses:?}", cases.len(), started.elapsed());
        assert_eq!((app.count("responses"), app.count("answers")), (responses, answers), "seed {seed}: stored");
        assert_eq!(app.get("/healthz").await.status, 200);
    }
}
