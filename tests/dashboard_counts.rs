//! The dashboard reads the themes' monthly counts, and the loop measures
//! find each theme's first day from the daily ones: the sums come out the
//! same on both backends, however a theme's count is spread over days and
//! groups, and whatever reviews added and took away.

mod support;

use chrono::NaiveDate;
use listening_loop::db::daily;
use listening_loop::publish::measures;
use listening_loop::review::counts;
use listening_loop::review::counts::Who;
use listening_loop::surveys::Registry;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn theme_counts_add_up_by_month_and_by_theme() {
    support::on_each_database(|app| async move {
        let registry = Registry::load(&support::shipped_surveys()).unwrap();
        let mut conn = app.db.get().unwrap();
        let food = "food-and-drink";
        let clothes = "clothes-and-keeping-clean";
        // (day, theme, audience, age group, n), as reviews add them up.
        let added = [
            // Before the dashboard's twelve months: in the theme's total, not its months.
            (day(2025, 11, 30), food, "child_young_person", "8-11", 4),
            // One month, two days, two age groups and parents.
            (day(2026, 3, 1), food, "child_young_person", "8-11", 2),
            (day(2026, 3, 1), food, "child_young_person", "8-11", 5),
            (day(2026, 3, 31), food, "child_young_person", "12-15", 1),
            (day(2026, 3, 31), food, "parent_carer", "adult", 6),
            // A theme a review added and took away again: a day that nets to nothing.
            (day(2025, 10, 1), clothes, "child_young_person", "8-11", 1),
            (day(2025, 10, 1), clothes, "child_young_person", "8-11", -1),
            // The first day with any is not the first of its month.
            (day(2026, 12, 2), clothes, "child_young_person", "16-17", 3),
            (day(2026, 12, 1), clothes, "child_young_person", "16-17", 1),
            (day(2026, 12, 1), clothes, "child_young_person", "16-17", -1),
        ];
        for (d, theme, audience, age, n) in added {
            daily::add_theme(&mut conn, d, theme, audience, age, n).unwrap();
        }

        let counts = counts::counts(&mut conn, &registry, day(2026, 12, 2)).unwrap();
        assert_eq!(counts.months.first(), Some(&day(2026, 1, 1)));
        let march = counts.months.iter().position(|m| *m == day(2026, 3, 1)).unwrap();
        let december = counts.months.len() - 1;
        let food_counts = &counts.themes_by_who[food];
        let in_month = |who: Who, month: usize| food_counts[who.index()][month];
        assert_eq!(in_month(Who::Age8To11, march), 7, "added twice in one month");
        assert_eq!(in_month(Who::Age12To15, march), 1);
        assert_eq!(in_month(Who::ParentsCarers, march), 6);
        let all: u64 = food_counts.iter().flatten().sum();
        assert_eq!(all, 14, "November 2025 is outside the twelve months");
        let clothes_counts = &counts.themes_by_who[clothes];
        assert_eq!(clothes_counts[Who::Age16To17.index()][december], 3);
        assert_eq!(clothes_counts.iter().flatten().sum::<u64>(), 3);

        let loop_measures = measures::compute(&mut conn, &registry, 5).unwrap();
        let theme = |id: &str| loop_measures.themes.iter().find(|t| t.theme_id == id).unwrap().clone();
        let food_loop = theme(food);
        assert_eq!(food_loop.first_response, Some(day(2025, 11, 30)));
        assert!(food_loop.raised, "18 responses in all, over the threshold of 5");
        let clothes_loop = theme(clothes);
        assert_eq!(clothes_loop.first_response, Some(day(2026, 12, 2)), "days that net to nothing are no first day");
        assert!(!clothes_loop.raised, "3 responses, under the threshold");
        let untouched = theme("kept-safe");
        assert_eq!((untouched.first_response, untouched.raised), (None, false));
    })
    .await;
}
