//! A published "We did" for tests of the public pages: a young person
//! answers, a reviewer groups it under food, the Youth Council writes
//! "You said" and a publisher publishes the answer.

use listening_loop::staff::roles::Role;

use super::TestApp;
use super::staff::{Staff, answer_with, csrf, make_staff, review_next};

/// What the publisher writes (in English, as staff do).
pub const STATEMENT: &str = "You said you don't always get enough to eat at school.";
pub const WE_DID: &str = "We will start breakfast clubs and give out fruit every day.";
pub const DETAILED: &str = "From March, every primary school in the partnership runs a free breakfast club.";
pub const AGENCY: &str = "Schools and catering";
/// Its due date, 31 March 2027.
pub const DUE_ON: &str = "2027-03-31";

/// Publishes one "We did" about food (due 31 March 2027) and returns the
/// receipt code of an answer grouped under food.
pub async fn publish_about_food(app: &TestApp) -> String {
    make_staff(app, "youth@example.org", &[Role::YouthReviewer]);
    make_staff(app, "publisher@example.org", &[Role::Publisher]);
    let code = answer_with(app, "we need more food at lunch, I am always hungry").await;
    let youth = Staff::sign_in(app, "youth@example.org").await;
    let queue = youth.get("/staff/review").await;
    review_next(&youth, &queue, "food-and-drink").await;
    let token = csrf(&youth.get("/staff/you-said").await);
    let saved =
        youth.post("/staff/you-said", &[("csrf", &token), ("theme", "food-and-drink"), ("statement", STATEMENT)]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let publisher = Staff::sign_in(app, "publisher@example.org").await;
    let list = publisher.get("/staff/actions").await;
    let marker = "/staff/actions/new?you_said=";
    let start = list.body.find(marker).expect("a statement to answer") + marker.len();
    let statement: String = list.body[start..].chars().take_while(|c| *c != '"').collect();
    let token = csrf(&publisher.get(&format!("{marker}{statement}")).await);
    let published = publisher
        .post(
            "/staff/actions",
            &[
                ("csrf", &token),
                ("you_said", &statement),
                ("status", "will"),
                ("reason", ""),
                ("child_text", WE_DID),
                ("detailed_text", DETAILED),
                ("agency", AGENCY),
                ("due_on", DUE_ON),
                ("done_on", ""),
                ("intent", "publish"),
            ],
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    code
}
