//! Staff in tests: accounts made straight in the database, a signed-in
//! browser with its own cookies, and the steps of the review queue.

use listening_loop::staff::roles::Role;
use listening_loop::staff::{password, store};

use super::{Page, TestApp};

/// Every test account's password.
pub const PASSWORD: &str = "a long enough staff password";

/// Makes an active account with [`PASSWORD`], straight in the database; its id.
pub fn make_staff(app: &TestApp, email: &str, roles: &[Role]) -> String {
    let mut conn = app.db.get().unwrap();
    let email = listening_loop::mail::EmailAddress::parse(email).unwrap();
    let id = store::create(&mut conn, &email, "Test person", roles).unwrap().expect("a new account");
    store::set_password(&mut conn, &id, &password::hash(PASSWORD)).unwrap();
    id
}

/// A young person (16–17) who writes `text` in every box and says yes to
/// sharing it. Returns the receipt code from the thank-you page.
pub async fn answer_with(app: &TestApp, text: &str) -> String {
    answer_as(app, "16-17", text).await
}

/// A young person of `age` ("12-15") who writes `text` in every box, says yes to sharing it and
/// gives the first answer to "Do you feel listened to?". Returns the receipt code.
pub async fn answer_as(app: &TestApp, age: &str, text: &str) -> String {
    let mut page = app.post("/s/young-people/start", &[("age", age)]).await;
    for _ in 0..40 {
        let buttons = page.buttons();
        let mut form = vec![("state".to_owned(), page.state())];
        if buttons.iter().any(|b| b == "submit") {
            form.push(("nav".into(), "submit".into()));
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let thanks = app.post("/s/young-people", &pairs).await;
            return thanks.receipt().unwrap_or_else(|| panic!("{}: {}", thanks.status, thanks.body));
        }
        form.push(("nav".into(), if buttons.iter().any(|b| b == "continue") { "continue" } else { "next" }.into()));
        for (kind, name, value, _) in page.inputs() {
            if kind == "textarea" {
                form.push((name, text.to_owned()));
            } else if kind == "radio" {
                let share = name == "answer.share-words" && value == "yes";
                let first_listened = name == "answer.feel-listened-to" && !form.iter().any(|(n, _)| *n == name);
                if share || first_listened {
                    form.push((name, value));
                }
            }
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        page = app.post("/s/young-people", &pairs).await;
        assert_eq!(page.status, 200, "{}", page.body);
    }
    panic!("never reached the check page");
}

/// A browser with its own cookies, on the staff pages.
pub struct Staff {
    pub client: reqwest::Client,
    pub base: String,
}

impl Staff {
    /// A browser nobody has signed in on.
    pub fn new(app: &TestApp) -> Staff {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Staff { client, base: app.address.clone() }
    }

    /// A browser signed in as `email`, an account [`make_staff`] made.
    pub async fn sign_in(app: &TestApp, email: &str) -> Staff {
        let staff = Staff::new(app);
        let res = staff.sign_in_with(email, PASSWORD).await;
        assert_eq!(res.status, 303);
        staff
    }

    /// Fills in the sign-in form; the page that answers.
    pub async fn sign_in_with(&self, email: &str, password: &str) -> Page {
        let csrf = self.csrf_on("/staff/sign-in").await;
        self.post("/staff/sign-in", &[("csrf", &csrf), ("email", email), ("password", password)]).await
    }

    /// The form token on the page at `path`.
    pub async fn csrf_on(&self, path: &str) -> String {
        let page = self.get(path).await;
        csrf_of(&page).unwrap_or_else(|| panic!("no csrf field on {path}: {}", page.status))
    }

    pub async fn get(&self, path: &str) -> Page {
        let res = self.client.get(format!("{}{path}", self.base)).send().await.unwrap();
        super::page(res).await
    }

    pub async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(super::form_body(pairs))
            .send()
            .await
            .unwrap();
        super::page(res).await
    }
}

/// The form token on a page.
pub fn csrf(page: &Page) -> String {
    csrf_of(page).expect("a form token")
}

fn csrf_of(page: &Page) -> Option<String> {
    let selector = scraper::Selector::parse("input[name=csrf]").unwrap();
    page.html().select(&selector).next().and_then(|e| e.value().attr("value").map(str::to_owned))
}

/// The rows of the theme × month table on a dashboard page, as text cells.
pub fn theme_rows(dashboard: &Page) -> Vec<Vec<String>> {
    table_rows(dashboard, "Responses about each theme, by month").expect("the theme table")
}

/// The body rows of the table whose caption contains `caption`, as text.
pub fn table_rows(page: &Page, caption: &str) -> Option<Vec<Vec<String>>> {
    let html = page.html();
    let caption = html
        .select(&scraper::Selector::parse("caption").unwrap())
        .find(|c| c.text().collect::<String>().contains(caption))?;
    let table = scraper::ElementRef::wrap(caption.parent().unwrap()).unwrap();
    Some(
        table
            .select(&scraper::Selector::parse("tbody tr").unwrap())
            .map(|tr| tr.text().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect())
            .collect(),
    )
}

/// Where the review queue's form for the response it shows posts to.
pub fn review_action(page: &Page) -> String {
    page.html()
        .select(&scraper::Selector::parse("form[action^='/staff/review/']").unwrap())
        .next()
        .expect("a response to review")
        .value()
        .attr("action")
        .unwrap()
        .to_owned()
}

pub async fn review_next(youth: &Staff, page: &Page, theme: &str) -> Page {
    youth.post(&review_action(page), &[("csrf", &csrf(page)), ("theme", theme)]).await
}
