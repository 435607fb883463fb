//! Counts that do not move in front of you: what young people send today
//! is in no number, queue or export until the day is over, so that no one
//! watching a page can tell which response is the one just sent.

mod support;

use diesel::prelude::*;
use listening_loop::review::counts;
use listening_loop::staff::roles::Role;
use listening_loop::surveys::Registry;
use support::staff::{Staff, answer_with, make_staff};

/// More than the dashboard's suppression threshold (5), so a count would show.
const SENT: usize = 6;

#[tokio::test]
async fn todays_responses_wait_for_midnight_everywhere_staff_look() {
    for db in support::databases() {
        let app = support::spawn_app_configured(db, |settings| settings.count_today = false).await;
        eprintln!("-- on {}", app.backend_name());
        for _ in 0..SENT {
            answer_with(&app, "I would like better food at school").await;
        }
        make_staff(&app, "admin@example.org", &[Role::Admin, Role::YouthReviewer]);
        let staff = Staff::sign_in(&app, "admin@example.org").await;
        let registry = Registry::load(&support::shipped_surveys()).unwrap();
        // The survey 16–17 year olds answer at /s/young-people.
        let survey = "what-we-need".to_owned();
        assert!(registry.survey(&survey).is_some());
        let export = format!("/staff/exports/responses/{survey}.csv");
        let today = chrono::Utc::now().date_naive();
        let yesterday = today.pred_opt().unwrap();

        // Today: nothing, anywhere.
        let until = counts::counted_until(&app.settings);
        assert_eq!(until, today);
        let mut conn = app.db.get().unwrap();
        let counted = counts::counts(&mut conn, &registry, until).unwrap();
        assert_eq!(counted.up_to, yesterday);
        assert_eq!(counted.surveys[&survey].iter().sum::<u64>(), 0, "today's responses are counted");
        let tomorrow = counts::counts(&mut conn, &registry, today.succ_opt().unwrap()).unwrap();
        assert_eq!(tomorrow.surveys[&survey].iter().sum::<u64>(), SENT as u64, "they are stored and tallied");
        let dashboard = staff.get("/staff/dashboard").await;
        let up_to = format!("Responses sent up to the end of {}", yesterday.format("%-d %B %Y"));
        assert!(dashboard.body.contains(&up_to), "the dashboard says where its counts stop");
        let theme = staff.get("/staff/dashboard/themes/food-and-drink").await;
        assert!(theme.body.contains(&up_to), "and so does a theme's page");
        let review = staff.get("/staff/review").await;
        assert!(review.body.contains("Nothing is waiting to be read"), "today's responses are in the queue");
        let csv = staff.get(&export).await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.body.lines().count(), 1, "today's responses are exported:\n{}", csv.body);

        // After midnight (the day they were sent, moved back one): all of them.
        for sql in [
            format!("UPDATE responses SET submitted_on = '{yesterday}'"),
            format!("UPDATE daily_responses SET day = '{yesterday}'"),
            format!("UPDATE daily_choices SET day = '{yesterday}'"),
        ] {
            diesel::sql_query(sql).execute(&mut conn).unwrap();
        }
        let counted = counts::counts(&mut conn, &registry, until).unwrap();
        assert_eq!(counted.surveys[&survey].iter().sum::<u64>(), SENT as u64);
        let review = staff.get("/staff/review").await;
        assert!(review.body.contains(&format!("{SENT} waiting")), "yesterday's are in the queue");
        let csv = staff.get(&export).await;
        assert_eq!(csv.body.lines().count(), 1 + SENT, "and in the export");
    }
}
