//! Staff accounts, roles, sessions, form tokens, mail and the security
//! baseline, over HTTP against the real app, on each database.

mod support;

use std::collections::BTreeSet;

use diesel::prelude::*;
use listening_loop::staff::access::Access;
use listening_loop::staff::roles::Role;
use listening_loop::staff::store;
use support::smtp::SmtpListener;
use support::staff::{PASSWORD, Staff, make_staff};
use support::{Page, TestApp, on_each_database, spawn_app_configured};

/// Who may use each staff route. A route added to the app but not here (or
/// here but not in the app) fails `every_staff_route_is_in_the_matrix`.
const MATRIX: &[(&str, &str, &str)] = &[
    ("GET", "/staff", "signed-in"),
    ("GET", "/staff/sign-in", "public"),
    ("POST", "/staff/sign-in", "public"),
    ("POST", "/staff/sign-out", "signed-in"),
    ("GET", "/staff/accept/{token}", "public"),
    ("POST", "/staff/accept/{token}", "public"),
    ("GET", "/staff/reset", "public"),
    ("POST", "/staff/reset", "public"),
    ("GET", "/staff/reset/{token}", "public"),
    ("POST", "/staff/reset/{token}", "public"),
    ("GET", "/staff/password", "signed-in"),
    ("POST", "/staff/password", "signed-in"),
    ("GET", "/staff/accounts", "admin"),
    ("POST", "/staff/accounts/invite", "admin"),
    ("POST", "/staff/accounts/{id}/roles", "admin"),
    ("POST", "/staff/accounts/{id}/deactivate", "admin"),
    ("POST", "/staff/accounts/{id}/reactivate", "admin"),
    ("GET", "/staff/audit", "admin"),
    ("GET", "/staff/outbox", "admin"),
    ("GET", "/staff/dashboard", "any-role"),
    ("GET", "/staff/dashboard/themes/{id}", "any-role"),
    ("GET", "/staff/links", "admin"),
    ("POST", "/staff/links", "admin"),
    ("POST", "/staff/links/{code}/close", "admin"),
    ("GET", "/staff/exports", "admin"),
    ("GET", "/staff/exports/themes.csv", "admin"),
    ("GET", "/staff/exports/themes-by-who.csv", "admin"),
    ("GET", "/staff/exports/themes-by-who-and-month.csv", "admin"),
    ("GET", "/staff/exports/responses/{survey}.csv", "admin"),
    ("GET", "/staff/you-said", "reviewer-publisher-admin"),
    ("POST", "/staff/you-said", "youth_reviewer"),
    ("GET", "/staff/actions", "publisher-admin"),
    ("POST", "/staff/actions", "publisher-admin"),
    ("GET", "/staff/actions/new", "publisher-admin"),
    ("GET", "/staff/actions/{id}", "publisher-admin"),
    ("POST", "/staff/actions/{id}", "publisher-admin"),
    ("POST", "/staff/actions/{id}/unpublish", "admin"),
    ("GET", "/staff/review", "youth_reviewer"),
    ("POST", "/staff/review/{id}", "youth_reviewer"),
    ("GET", "/staff/safeguarding", "safeguarding_lead"),
    ("GET", "/staff/safeguarding/{id}", "safeguarding_lead"),
    ("POST", "/staff/safeguarding/{id}/notes", "safeguarding_lead"),
];

fn allowed(who: &str, roles: &[Role]) -> bool {
    match who {
        "public" | "signed-in" => true,
        "admin" => roles.contains(&Role::Admin),
        "youth_reviewer" => roles.contains(&Role::YouthReviewer),
        "any-role" => !roles.is_empty(),
        "reviewer-publisher-admin" => {
            roles.iter().any(|r| [Role::YouthReviewer, Role::Publisher, Role::Admin].contains(r))
        }
        "safeguarding_lead" => roles.contains(&Role::SafeguardingLead),
        "publisher-admin" => roles.iter().any(|r| [Role::Publisher, Role::Admin].contains(r)),
        other => panic!("unknown access {other}"),
    }
}

/// A browser signed in as `email`, landing on the staff home page.
async fn signed_in(app: &TestApp, email: &str) -> Staff {
    let browser = Staff::new(app);
    let res = browser.sign_in_with(email, PASSWORD).await;
    assert_eq!(res.status, 303, "{email} signs in: {}", res.body);
    assert_eq!(location(&res), "/staff");
    browser
}

fn location(page: &Page) -> String {
    page.headers.get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

fn is_sign_in_redirect(page: &Page) -> bool {
    page.status == 303 && location(page) == "/staff/sign-in"
}

#[test]
fn every_staff_route_is_in_the_matrix() {
    let declared: BTreeSet<(String, String, String)> = listening_loop::staff_routes()
        .expect("every staff route is declared once, under /staff")
        .iter()
        .map(|r| {
            let access = match r.access {
                Access::Public => "public",
                Access::SignedIn => "signed-in",
                Access::Roles(&[Role::Admin]) => "admin",
                Access::Roles(&[Role::YouthReviewer]) => "youth_reviewer",
                Access::Roles(&[Role::YouthReviewer, Role::Publisher, Role::Admin]) => "reviewer-publisher-admin",
                Access::Roles(&[Role::YouthReviewer, Role::SafeguardingLead, Role::Publisher, Role::Admin]) => {
                    "any-role"
                }
                Access::Roles(&[Role::SafeguardingLead]) => "safeguarding_lead",
                Access::Roles(&[Role::Publisher, Role::Admin]) => "publisher-admin",
                Access::Roles(other) => panic!("add {other:?} to this test"),
            };
            (r.method.to_string(), r.path.to_owned(), access.to_owned())
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> =
        MATRIX.iter().map(|(m, p, a)| (m.to_string(), p.to_string(), a.to_string())).collect();
    assert_eq!(declared, expected, "the app's staff routes and this test's matrix differ");
}

#[tokio::test]
async fn the_route_role_matrix_holds_for_everyone() {
    on_each_database(|app| async move {
        let people: Vec<(&str, Vec<Role>)> = vec![
            ("youth@example.org", vec![Role::YouthReviewer]),
            ("lead@example.org", vec![Role::SafeguardingLead]),
            ("publisher@example.org", vec![Role::Publisher]),
            ("admin@example.org", vec![Role::Admin]),
        ];
        for (email, roles) in &people {
            make_staff(&app, email, roles);
        }
        let victim = make_staff(&app, "victim@example.org", &[Role::YouthReviewer]);
        let mut invites = 0;
        for (method, template, who) in MATRIX {
            let path = template
                .replace("{token}", "not-a-real-token")
                .replace("{id}", &victim)
                .replace("{code}", "no-such-link")
                .replace("{survey}", "what-we-need");
            // Anonymous.
            let anonymous = Staff::new(&app);
            let page = match *method {
                "GET" => anonymous.get(&path).await,
                _ => {
                    let csrf = anonymous.csrf_on("/staff/sign-in").await;
                    anonymous
                        .post(&path, &[("csrf", &csrf), ("email", "nobody@example.org"), ("password", "wrong")])
                        .await
                }
            };
            if *who == "public" {
                assert!(
                    !is_sign_in_redirect(&page) && page.status != 403 && page.status < 500,
                    "anonymous {method} {path}: {}",
                    page.status
                );
            } else {
                assert!(
                    is_sign_in_redirect(&page),
                    "anonymous {method} {path} gets the sign-in page, got {}",
                    page.status
                );
            }
            // Each role.
            for (email, roles) in &people {
                let browser = signed_in(&app, email).await;
                let page = match *method {
                    "GET" => browser.get(&path).await,
                    _ => {
                        // Pages used before signing in carry the form token; the rest, the session's.
                        let source = if *who == "public" { "/staff/reset" } else { "/staff" };
                        let csrf = browser.csrf_on(source).await;
                        invites += 1;
                        let invitee = format!("invitee{invites}@example.org");
                        let fields = [
                            ("csrf", csrf.as_str()),
                            ("email", invitee.as_str()),
                            ("name", "Invitee"),
                            ("role", "youth_reviewer"),
                            ("current", "not my password"),
                            ("password", "another long enough password"),
                        ];
                        browser.post(&path, &fields).await
                    }
                };
                let expect_allowed = allowed(who, roles);
                if expect_allowed && path == "/staff/sign-out" {
                    assert!(is_sign_in_redirect(&page), "{email} signs out");
                    assert!(is_sign_in_redirect(&browser.get("/staff").await), "and is signed out");
                } else if expect_allowed {
                    assert!(
                        !is_sign_in_redirect(&page) && page.status != 403 && page.status < 500,
                        "{email} {method} {path}: {}",
                        page.status
                    );
                } else {
                    assert_eq!(page.status, 403, "{email} {method} {path} is refused");
                    assert!(page.body.contains("You can't use this page"));
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_post_without_the_form_token_is_refused() {
    on_each_database(|app| async move {
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        let victim = make_staff(&app, "victim@example.org", &[Role::YouthReviewer]);
        let admin = signed_in(&app, "admin@example.org").await;
        for (method, template, _) in MATRIX.iter().filter(|(m, ..)| *m == "POST") {
            let path = template
                .replace("{token}", "not-a-real-token")
                .replace("{id}", &victim)
                .replace("{code}", "no-such-link")
                .replace("{survey}", "what-we-need");
            for fields in [vec![], vec![("csrf", "forged")]] {
                let mut all = fields.clone();
                all.extend([("email", "x@example.org"), ("name", "X"), ("role", "admin"), ("password", PASSWORD)]);
                let page = admin.post(&path, &all).await;
                assert_eq!(page.status, 403, "{method} {path} without a good token: {}", page.status);
            }
        }
        // Nothing changed: the victim is still an active youth reviewer and no invite went out.
        let mut conn = app.db.get().unwrap();
        let row = store::find_by_id(&mut conn, &victim).unwrap().unwrap();
        assert!(row.active);
        assert_eq!(store::roles_of(&mut conn, &victim).unwrap(), vec![Role::YouthReviewer]);
        assert_eq!(app.count("outbox"), 0);
        // And the admin's session still works.
        assert_eq!(admin.get("/staff/accounts").await.status, 200);
    })
    .await;
}

/// Every form token field on a page.
fn token_fields(page: &Page) -> Vec<String> {
    let selector = scraper::Selector::parse("input[name=csrf]").unwrap();
    page.html().select(&selector).map(|e| e.value().attr("value").unwrap().to_owned()).collect()
}

/// The token a field carries: it is `mask ‖ (mask XOR token)` in URL-safe base64.
fn unmasked(field: &str) -> String {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(field).expect("base64");
    let (mask, hidden) = bytes.split_at(bytes.len() / 2);
    String::from_utf8(mask.iter().zip(hidden).map(|(m, h)| m ^ h).collect()).expect("a hex token")
}

/// A field with one character changed.
fn tampered(field: &str) -> String {
    let mut chars: Vec<char> = field.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

/// Staff pages are compressed and show what others wrote beside the form
/// token, so the token is never in a page as it is (BREACH): each field
/// masks it afresh, and every masking of it is accepted.
#[tokio::test]
async fn form_tokens_are_masked_afresh_on_every_page_and_never_shown_as_they_are() {
    on_each_database(|app| async move {
        // Before signing in: the token is the form cookie's value.
        let browser = Staff::new(&app);
        let first = browser.get("/staff/sign-in").await;
        let cookie = first
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .find_map(|c| c.strip_prefix("ll_form=").map(|rest| rest.split(';').next().unwrap().to_owned()));
        let raw = cookie.expect("the form cookie");
        let second = browser.get("/staff/sign-in").await;
        let fields = [token_fields(&first), token_fields(&second)].concat();
        assert_eq!(fields.len(), 2);
        assert_ne!(fields[0], fields[1], "a fresh mask on each page");
        for (page, field) in [&first, &second].into_iter().zip(&fields) {
            assert!(!page.body.contains(&raw), "the raw token is not in the page");
            assert_eq!(unmasked(field), raw);
        }
        let sign_in = |csrf: String| {
            let browser = &browser;
            async move {
                browser
                    .post("/staff/sign-in", &[("csrf", &csrf), ("email", "admin@example.org"), ("password", PASSWORD)])
                    .await
                    .status
            }
        };
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        assert_eq!(sign_in(tampered(&fields[0])).await, 403);
        assert_eq!(sign_in(raw.clone()).await, 403, "only a masked token is taken");
        assert_eq!(sign_in(fields[0].clone()).await, 303);
        assert_eq!(sign_in(fields[1].clone()).await, 303, "the older page's field works too");

        // Signed in: the session's token, in every form on the page.
        let victim = make_staff(&app, "victim@example.org", &[Role::YouthReviewer]);
        let pages = [browser.get("/staff/accounts").await, browser.get("/staff/accounts").await];
        let fields: Vec<String> = pages.iter().flat_map(token_fields).collect();
        assert!(fields.len() >= 6, "the sign-out form and a form or more per account");
        let distinct: BTreeSet<&String> = fields.iter().collect();
        assert_eq!(distinct.len(), fields.len(), "every field masked afresh");
        let raw = unmasked(&fields[0]);
        assert_eq!(raw.len(), 32);
        for field in &fields {
            assert_eq!(unmasked(field), raw);
        }
        for page in &pages {
            assert!(!page.body.contains(&raw), "the session's raw token is not in the page");
        }
        let deactivate = format!("/staff/accounts/{victim}/deactivate");
        let reactivate = format!("/staff/accounts/{victim}/reactivate");
        assert_eq!(browser.post(&deactivate, &[("csrf", &tampered(&fields[1]))]).await.status, 403);
        assert_eq!(browser.post(&deactivate, &[("csrf", &raw)]).await.status, 403);
        assert!(store::find_by_id(&mut app.db.get().unwrap(), &victim).unwrap().unwrap().active, "nothing done");
        assert_eq!(browser.post(&deactivate, &[("csrf", &fields[1])]).await.status, 303);
        assert_eq!(browser.post(&reactivate, &[("csrf", fields.last().unwrap())]).await.status, 303);
        assert!(store::find_by_id(&mut app.db.get().unwrap(), &victim).unwrap().unwrap().active);
    })
    .await;
}

/// Without SMTP, an invite is a file in the data folder with a working
/// link in it: the file is the service's user's alone, and is deleted once
/// it is older than any link it can carry (a week).
#[tokio::test]
async fn the_file_outbox_keeps_emails_private_and_deletes_them_after_a_week() {
    for db in support::databases() {
        let week = std::time::Duration::from_secs(7 * 24 * 3600);
        let hour = std::time::Duration::from_secs(3600);
        // Left by an earlier run: one just over a week old, one just under.
        let data = tempfile::tempdir().unwrap();
        let outbox = data.path().join("outbox");
        std::fs::create_dir(&outbox).unwrap();
        for (name, age) in [("old.eml", week + hour), ("recent.eml", week - hour)] {
            let file = std::fs::File::create(outbox.join(name)).unwrap();
            file.set_modified(std::time::SystemTime::now() - age).unwrap();
        }
        let app = spawn_app_configured(db, |s| s.data_dir = data.path().to_owned()).await;
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        let admin = signed_in(&app, "admin@example.org").await;
        let csrf = admin.csrf_on("/staff/accounts").await;
        let invite = [("csrf", csrf.as_str()), ("email", "sam@example.org"), ("name", "Sam"), ("role", "publisher")];
        assert_eq!(admin.post("/staff/accounts/invite", &invite).await.status, 200);

        let mut names = Vec::new();
        for _ in 0..200 {
            names =
                std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
            if names.len() == 2 && !names.contains(&"old.eml".to_owned()) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(!names.contains(&"old.eml".to_owned()), "the week-old email is deleted: {names:?}");
        assert!(names.contains(&"recent.eml".to_owned()), "a newer one is kept: {names:?}");
        let invite = names.iter().find(|n| *n != "recent.eml").expect("the invite was written");
        let text = std::fs::read_to_string(outbox.join(invite)).unwrap();
        assert!(text.contains("To: sam@example.org"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!((mode(&outbox), mode(&outbox.join(invite))), (0o700, 0o600));
        }
    }
}

#[tokio::test]
async fn an_invite_arrives_by_smtp_and_its_link_sets_a_password() {
    for db in support::databases() {
        let mut smtp = SmtpListener::start().await;
        let url = smtp.url();
        let app = spawn_app_configured(db, move |s| s.smtp_url = Some(url)).await;
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        let admin = signed_in(&app, "admin@example.org").await;
        let csrf = admin.csrf_on("/staff/accounts").await;
        let sent = admin
            .post(
                "/staff/accounts/invite",
                &[
                    ("csrf", &csrf),
                    ("email", "Sam@Example.org"),
                    ("name", "Sam"),
                    ("role", "youth_reviewer"),
                    ("role", "publisher"),
                ],
            )
            .await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        assert!(sent.body.contains("Invite sent"));

        let mail = smtp.wait_for("sam@example.org", 10).await.expect("the invite arrives");
        let link = mail.link("http://127.0.0.1/staff/accept/").expect("a link in the invite");
        let path = link.trim_start_matches("http://127.0.0.1");
        assert!(mail.text().contains("Content-Type: text/html") && mail.text().contains("Content-Type: text/plain"));

        let sam = Staff::new(&app);
        let form = sam.get(path).await;
        assert_eq!(form.status, 200);
        let csrf = support::staff::csrf(&form);
        let short = sam.post(path, &[("csrf", &csrf), ("password", "short")]).await;
        assert_eq!(short.status, 400);
        assert!(short.body.contains("at least 12 characters"));
        let done = sam.post(path, &[("csrf", &csrf), ("password", "sam's long password")]).await;
        assert_eq!(done.status, 303);
        let home = sam.get("/staff").await;
        assert_eq!(home.status, 200);
        assert!(home.body.contains("Youth Council reviewer") && home.body.contains("Sub-group publisher"));
        assert!(!home.body.contains("Staff accounts"), "only what the roles may use");
        // The link works once.
        let again = Staff::new(&app).get(path).await;
        assert_eq!(again.status, 410);
        // Sam can sign in with the new password.
        let fresh = Staff::new(&app);
        assert_eq!(fresh.sign_in_with("sam@example.org", "sam's long password").await.status, 303);

        // With the mail server down, mail waits in the outbox…
        smtp.stop();
        let csrf = admin.csrf_on("/staff/accounts").await;
        admin
            .post(
                "/staff/accounts/invite",
                &[("csrf", &csrf), ("email", "kim@example.org"), ("name", "Kim"), ("role", "publisher")],
            )
            .await;
        let mut waited = false;
        for _ in 0..100 {
            let mut conn = app.db.get().unwrap();
            use listening_loop::db::schema::outbox;
            let tries: Vec<(i32, Option<String>)> = outbox::table
                .filter(outbox::to_address.eq("kim@example.org"))
                .filter(outbox::sent_at.is_null())
                .select((outbox::attempts, outbox::last_error))
                .load(&mut conn)
                .unwrap();
            if tries.iter().any(|(n, e)| *n >= 1 && e.is_some()) {
                waited = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(waited, "a failed send is recorded and the mail stays queued");
        let outbox_page = admin.get("/staff/outbox").await;
        assert!(outbox_page.body.contains("k…@example.org"), "admins see what is waiting");
        // …and is delivered once when it is back.
        smtp.restart().await;
        smtp.wait_for("kim@example.org", 15).await.expect("delivered after the restart");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let copies = smtp.received().iter().filter(|m| m.to.iter().any(|t| t == "kim@example.org")).count();
        assert_eq!(copies, 1);
    }
}

#[tokio::test]
async fn links_expire_and_work_once() {
    on_each_database(|app| async move {
        let id = make_staff(&app, "pat@example.org", &[Role::Publisher]);
        let (used, expired) = {
            let mut conn = app.db.get().unwrap();
            let used = store::issue_token(&mut conn, &id, store::TokenPurpose::Reset).unwrap();
            let expired = store::issue_token(&mut conn, &id, store::TokenPurpose::Invite).unwrap();
            use listening_loop::db::schema::staff_tokens;
            diesel::update(staff_tokens::table.filter(staff_tokens::purpose.eq("invite")))
                .set(staff_tokens::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1)))
                .execute(&mut conn)
                .unwrap();
            (used, expired)
        };
        let browser = Staff::new(&app);
        let path = format!("/staff/reset/{used}");
        let csrf = browser.csrf_on(&path).await;
        assert_eq!(browser.post(&path, &[("csrf", &csrf), ("password", "a brand new password")]).await.status, 303);
        let reused = Staff::new(&app);
        let page = reused.get(&path).await;
        assert_eq!(page.status, 410);
        assert!(page.body.contains("already been used"));
        let page = Staff::new(&app).get(&format!("/staff/accept/{expired}")).await;
        assert_eq!(page.status, 410);
        assert!(page.body.contains("expired"));
        // An invite link is no reset link.
        assert_eq!(Staff::new(&app).get(&format!("/staff/accept/{used}")).await.status, 404);

        // The daily round forgets a link a day after it ran out, used or
        // not, and keeps the rest.
        let mut conn = app.db.get().unwrap();
        use listening_loop::db::schema::staff_tokens;
        diesel::update(staff_tokens::table.filter(staff_tokens::purpose.eq("invite")))
            .set(staff_tokens::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::TimeDelta::days(2)))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(store::forget_spent_tokens(&mut conn).unwrap(), 1);
        assert_eq!(app.count("staff_tokens"), 1, "the used reset link, an hour from running out, stays");
    })
    .await;
}

#[tokio::test]
async fn sign_out_deactivation_and_role_changes_end_old_sessions() {
    on_each_database(|app| async move {
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        let id = make_staff(&app, "ali@example.org", &[Role::Publisher]);
        let admin = signed_in(&app, "admin@example.org").await;

        // Sign-out: a copy of the old cookie is refused afterwards.
        let ali = signed_in(&app, "ali@example.org").await;
        let cookie = ali.get("/staff").await;
        assert_eq!(cookie.status, 200);
        let stolen = ali.client.clone();
        let csrf = ali.csrf_on("/staff").await;
        assert!(is_sign_in_redirect(&ali.post("/staff/sign-out", &[("csrf", &csrf)]).await));
        let replay = Staff { client: stolen, base: app.address.clone() };
        assert!(is_sign_in_redirect(&replay.get("/staff").await));

        // Deactivation ends a live session at once, and sign-in fails.
        let ali = signed_in(&app, "ali@example.org").await;
        let csrf = admin.csrf_on("/staff/accounts").await;
        assert_eq!(admin.post(&format!("/staff/accounts/{id}/deactivate"), &[("csrf", &csrf)]).await.status, 303);
        assert!(is_sign_in_redirect(&ali.get("/staff").await));
        assert_eq!(Staff::new(&app).sign_in_with("ali@example.org", PASSWORD).await.status, 401);
        assert_eq!(admin.post(&format!("/staff/accounts/{id}/reactivate"), &[("csrf", &csrf)]).await.status, 303);

        // A role change ends it too.
        let ali = signed_in(&app, "ali@example.org").await;
        let csrf = admin.csrf_on("/staff/accounts").await;
        admin.post(&format!("/staff/accounts/{id}/roles"), &[("csrf", &csrf), ("role", "youth_reviewer")]).await;
        assert!(is_sign_in_redirect(&ali.get("/staff").await));

        // The last admin cannot remove their own admin role, nor deactivate themselves.
        let admin_id = store::find_by_email(
            &mut app.db.get().unwrap(),
            &listening_loop::mail::EmailAddress::parse("admin@example.org").unwrap(),
        )
        .unwrap()
        .unwrap()
        .id;
        let kept =
            admin.post(&format!("/staff/accounts/{admin_id}/roles"), &[("csrf", &csrf), ("role", "publisher")]).await;
        assert_eq!(kept.status, 400);
        assert!(kept.body.contains("Someone must stay an admin"));

        // Everything above is in the audit log, which only admins read.
        let log = admin.get("/staff/audit").await;
        for action in ["signed in", "signed out", "deactivated", "reactivated", "changed roles", "failed sign-in"] {
            assert!(log.body.contains(action), "the audit log records {action}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed() {
    on_each_database(|app| async move {
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        signed_in(&app, "admin@example.org").await;
        let mut conn = app.db.get().unwrap();
        assert!(app.count("audit_log") >= 1);
        assert!(diesel::sql_query("UPDATE audit_log SET action = 'nothing'").execute(&mut conn).is_err());
        assert!(diesel::sql_query("DELETE FROM audit_log").execute(&mut conn).is_err());
        assert!(app.count("audit_log") >= 1);
    })
    .await;
}

#[tokio::test]
async fn security_headers_are_on_every_kind_of_page() {
    on_each_database(|app| async move {
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        let admin = signed_in(&app, "admin@example.org").await;
        let pages = [
            app.get("/s/young-people").await,
            admin.get("/staff/accounts").await,
            Staff::new(&app).get("/staff/sign-in").await,
            app.get("/no-such-page").await,
            Staff::new(&app).get("/staff/nowhere").await,
        ];
        for page in pages {
            let h = &page.headers;
            let csp = h["content-security-policy"].to_str().unwrap();
            for part in ["default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"] {
                assert!(csp.contains(part), "{csp}");
            }
            assert!(!csp.contains("unsafe-inline"));
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert_eq!(h["referrer-policy"], "no-referrer");
            assert!(h["permissions-policy"].to_str().unwrap().contains("geolocation=()"));
            assert_eq!(h["cache-control"], "no-store");
        }
        let cookie = Staff::new(&app).get("/staff/sign-in").await;
        let set = cookie.headers["set-cookie"].to_str().unwrap();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    })
    .await;
}

#[tokio::test]
async fn changing_a_password_keeps_this_session_and_ends_the_others() {
    on_each_database(|app| async move {
        make_staff(&app, "pat@example.org", &[Role::Publisher]);
        let here = signed_in(&app, "pat@example.org").await;
        let elsewhere = signed_in(&app, "pat@example.org").await;
        let csrf = here.csrf_on("/staff/password").await;
        let new_password = "another long enough password";
        let wrong = here
            .post("/staff/password", &[("csrf", &csrf), ("current", "not my password"), ("password", new_password)])
            .await;
        assert_eq!(wrong.status, 400);
        assert!(wrong.body.contains("Your current password is not right"));
        let changed =
            here.post("/staff/password", &[("csrf", &csrf), ("current", PASSWORD), ("password", new_password)]).await;
        assert_eq!((changed.status, location(&changed).as_str()), (303, "/staff/password?changed=1"));
        assert_eq!(here.get("/staff").await.status, 200, "this device stays signed in");
        assert!(is_sign_in_redirect(&elsewhere.get("/staff").await), "every other one is out");
        assert_eq!(Staff::new(&app).sign_in_with("pat@example.org", PASSWORD).await.status, 401);
        assert_eq!(Staff::new(&app).sign_in_with("pat@example.org", new_password).await.status, 303);
    })
    .await;
}

/// Active accounts holding the safeguarding lead role: who the alert reaches.
fn active_leads(app: &TestApp) -> i64 {
    app.count_where("staff", "active AND id IN (SELECT staff_id FROM staff_roles WHERE role = 'safeguarding_lead')")
}

#[tokio::test]
async fn the_last_safeguarding_lead_cannot_be_deactivated_or_demoted() {
    on_each_database(|app| async move {
        make_staff(&app, "admin@example.org", &[Role::Admin]);
        let publisher = make_staff(&app, "pat@example.org", &[Role::Publisher]);
        let admin = signed_in(&app, "admin@example.org").await;
        // With no lead yet, other people's roles change as before.
        let csrf = admin.csrf_on("/staff/accounts").await;
        let changed = admin
            .post(&format!("/staff/accounts/{publisher}/roles"), &[("csrf", &csrf), ("role", "youth_reviewer")])
            .await;
        assert_eq!(changed.status, 303);

        let lead = make_staff(&app, "lee@example.org", &[Role::SafeguardingLead, Role::Publisher]);
        let csrf = admin.csrf_on("/staff/accounts").await;
        let deactivate = admin.post(&format!("/staff/accounts/{lead}/deactivate"), &[("csrf", &csrf)]).await;
        assert_eq!(deactivate.status, 400);
        assert!(deactivate.body.contains("Someone must stay a safeguarding lead"), "{}", deactivate.body);
        let demote =
            admin.post(&format!("/staff/accounts/{lead}/roles"), &[("csrf", &csrf), ("role", "publisher")]).await;
        assert_eq!(demote.status, 400);
        assert!(demote.body.contains("alerts about children who may be in danger would reach nobody"));
        assert_eq!(active_leads(&app), 1, "the lead is still there");
        assert!(store::roles_of(&mut app.db.get().unwrap(), &lead).unwrap().contains(&Role::SafeguardingLead));

        // A lead's other roles can still change.
        let kept = admin
            .post(&format!("/staff/accounts/{lead}/roles"), &[("csrf", &csrf), ("role", "safeguarding_lead")])
            .await;
        assert_eq!(kept.status, 303);
        // With a second lead, either may go.
        make_staff(&app, "lou@example.org", &[Role::SafeguardingLead]);
        let csrf = admin.csrf_on("/staff/accounts").await;
        assert_eq!(admin.post(&format!("/staff/accounts/{lead}/deactivate"), &[("csrf", &csrf)]).await.status, 303);
        assert_eq!(active_leads(&app), 1);
    })
    .await;
}

/// Holds the rows of `ids` in an open transaction until told to let go, so
/// two changes to them sent meanwhile run at the same time: each reads who
/// else is a lead before either has written. Returns once the rows are held.
fn hold_rows(app: &TestApp, ids: [&str; 2]) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (held, is_held) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let db = app.db.clone();
    let sql = format!("UPDATE staff SET display_name = display_name WHERE id IN ('{}', '{}')", ids[0], ids[1]);
    let holder = std::thread::spawn(move || {
        let mut conn = db.get().unwrap();
        conn.transaction(|c| {
            diesel::sql_query(&sql).execute(c)?;
            held.send(()).unwrap();
            let _ = released.recv();
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    });
    is_held.recv().expect("the rows are held");
    (release, holder)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_removing_the_last_two_leads_at_once_leave_one() {
    on_each_database(|app| async move {
        let admin_ids =
            [make_staff(&app, "ada@example.org", &[Role::Admin]), make_staff(&app, "bo@example.org", &[Role::Admin])];
        let leads = [
            make_staff(&app, "lee@example.org", &[Role::SafeguardingLead]),
            make_staff(&app, "lou@example.org", &[Role::SafeguardingLead]),
        ];
        let admins = [signed_in(&app, "ada@example.org").await, signed_in(&app, "bo@example.org").await];
        for (first, second) in [("deactivate", "deactivate"), ("roles", "roles"), ("deactivate", "roles")] {
            let tokens = [admins[0].csrf_on("/staff/accounts").await, admins[1].csrf_on("/staff/accounts").await];
            let remove = |n: usize, how: &'static str| {
                let path = format!("/staff/accounts/{}/{how}", leads[n]);
                let (admin, csrf) = (&admins[n], tokens[n].clone());
                async move { admin.post(&path, &[("csrf", &csrf), ("role", "publisher")]).await }
            };
            let (release, holder) = hold_rows(&app, [&leads[0], &leads[1]]);
            let (a, b, ()) = tokio::join!(remove(0, first), remove(1, second), async {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                release.send(()).unwrap();
            });
            holder.join().unwrap();
            let mut statuses = [a.status, b.status];
            statuses.sort();
            assert_eq!(statuses, [303, 400], "{first} and {second} at once: one of the two goes");
            let refused = if a.status == 400 { &a } else { &b };
            assert!(refused.body.contains("Someone must stay a safeguarding lead"), "{}", refused.body);
            assert_eq!(active_leads(&app), 1, "{first} and {second} at once leave one lead");
            // Both leads back for the next pair.
            let mut conn = app.db.get().unwrap();
            for id in &leads {
                store::set_active(&mut conn, id, true).unwrap();
                store::set_roles(&mut conn, id, &[Role::SafeguardingLead]).unwrap();
            }
        }

        // The same holds for admins deactivating each other at once.
        let tokens = [admins[0].csrf_on("/staff/accounts").await, admins[1].csrf_on("/staff/accounts").await];
        let (release, holder) = hold_rows(&app, [&admin_ids[0], &admin_ids[1]]);
        let paths = admin_ids.clone().map(|id| format!("/staff/accounts/{id}/deactivate"));
        let forms = [[("csrf", tokens[0].as_str())], [("csrf", tokens[1].as_str())]];
        let (a, b, ()) =
            tokio::join!(admins[0].post(&paths[1], &forms[0]), admins[1].post(&paths[0], &forms[1]), async {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                release.send(()).unwrap();
            });
        holder.join().unwrap();
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [303, 400], "admins deactivating each other at once: one of the two goes");
        let refused = if a.status == 400 { &a } else { &b };
        assert!(refused.body.contains("Someone must stay an admin"), "{}", refused.body);
        let admins_left = "active AND id IN (SELECT staff_id FROM staff_roles WHERE role = 'admin')";
        assert_eq!(app.count_where("staff", admins_left), 1);
    })
    .await;
}
