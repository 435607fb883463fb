//! Help that fits who is reading: children see the children's helplines,
//! parents and carers the NSPCC's adult line, practitioners theirs; `/help`
//! has all of them; and until the local front door and out-of-hours numbers
//! are filled in, an admin's home page says the service is not ready.

mod support;

use listening_loop::staff::roles::Role;
use support::staff::{Staff, make_staff};
use support::{TestDb, spawn_app};

const CHILDLINE: &str = "0800 1111";
const NSPCC: &str = "0808 800 5000";

/// The help at the foot of a page.
fn footer(page: &support::Page) -> String {
    page.select_text("footer .support").join(" ")
}

#[tokio::test]
async fn each_audience_is_shown_its_own_help() {
    let app = spawn_app(TestDb::Sqlite).await;
    let children = app.post("/s/young-people/start", &[("age", "12-15")]).await;
    let parents = app.post("/s/parents-carers/start", &[("age", "adult")]).await;
    let practitioners = app.post("/s/practitioners/start", &[("age", "adult")]).await;
    for page in [&children, &parents, &practitioners] {
        assert_eq!(page.status, 200, "{}", page.body);
    }
    let (children, parents, practitioners) = (footer(&children), footer(&parents), footer(&practitioners));
    assert!(children.contains(CHILDLINE) && !children.contains(NSPCC), "{children}");
    assert!(parents.contains(NSPCC) && parents.contains("116 123") && !parents.contains(CHILDLINE), "{parents}");
    assert!(practitioners.contains(NSPCC) && !practitioners.contains(CHILDLINE), "{practitioners}");
    for footer in [&children, &parents, &practitioners] {
        assert!(footer.trim_end().ends_with("call 999."), "999 comes last: {footer}");
    }
    // The landing and "stopped" pages of a link know who it is for too.
    let landing = footer(&app.get("/s/parents-carers").await);
    assert!(landing.contains(NSPCC) && !landing.contains(CHILDLINE), "{landing}");
    let stopped = footer(&app.get("/s/parents-carers/stopped").await);
    assert!(stopped.contains(NSPCC), "{stopped}");
    // A page that cannot know who is reading shows a child's help. The home
    // page, which children open, leads to children's and parents' surveys
    // only: nothing written for professionals is one tap from it.
    let home = app.get("/").await;
    assert!(footer(&home).contains(CHILDLINE));
    let links = home.select_text("main a.big-link");
    assert_eq!(links, ["Children and young people", "Parents and carers"], "{}", home.body);
    assert!(!home.body.contains("/s/practitioners"));

    let help = app.get("/help").await;
    let headings = help.select_text("main h2");
    for heading in ["People you can talk to", "If you're a parent or carer", "If you work with children"] {
        assert!(headings.iter().any(|h| h == heading), "{heading}: {headings:?}");
    }
    let main = help.select_text("main").join(" ");
    assert!(main.contains(CHILDLINE) && main.contains(NSPCC), "{main}");
}

#[tokio::test]
async fn an_admin_is_told_the_local_help_is_missing_and_nobody_else_is() {
    let app = spawn_app(TestDb::Sqlite).await;
    make_staff(&app, "admin@example.org", &[Role::Admin]);
    make_staff(&app, "publisher@example.org", &[Role::Publisher]);
    let admin = Staff::sign_in(&app, "admin@example.org").await.get("/staff").await;
    let notice = admin.select_text("main .panel").join(" ");
    assert!(notice.contains("Not ready to go live"), "{}", admin.body);
    assert!(notice.contains("[front_door]") && notice.contains("[out_of_hours]"), "{notice}");
    let publisher = Staff::sign_in(&app, "publisher@example.org").await.get("/staff").await;
    assert!(!publisher.body.contains("Not ready to go live"));
}
