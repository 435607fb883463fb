//! Nothing stored says who answered first: forty responses sent one after
//! another, then every order the database keeps of them compared with the
//! order they were sent in. On SQLite no table holding a row per response,
//! answer or day's count has a rowid; on PostgreSQL the writer's hourly mix
//! leaves neither `ctid` nor `xmin` in sending order (and before the mix,
//! `xmin` is, which shows the measure can see an order when there is one).
//! No column of a response, answer or theme row, nor the order a plain
//! read returns them in, follows the sending order beyond chance.

mod support;

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::Text;
use listening_loop::db::Backend;
use listening_loop::respond::receipt::ReceiptCode;
use support::journey::{Answering, send, walk_to_check};
use support::{TestApp, on_each_database};

const RESPONSES: usize = 40;

/// Far beyond chance for forty: under no order at all, Spearman's rho has a
/// standard deviation of 1/√39 ≈ 0.16, so this is four of them (p < 10⁻⁴);
/// arrival order gives 1.
const BEYOND_CHANCE: f64 = 0.65;

#[derive(QueryableByName)]
struct Keyed {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    key: String,
}

#[tokio::test]
async fn no_stored_order_follows_the_order_responses_were_sent_in() {
    on_each_database(|app| async move {
        let sent = send_one_by_one(&app).await;
        let rank: HashMap<&str, usize> = sent.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let mut conn = app.db.get().unwrap();

        if app.db.backend == Backend::Postgres {
            // Before the mix, each response is its own transaction and sits
            // after the last: both orders are there to be seen.
            for (name, sql) in [("xmin", xmin_of("responses", "id")), ("ctid", ctid_of("responses", "id"))] {
                let before = correlation(&rank, &keyed(&mut conn, &sql));
                assert!(before > 0.9, "before the mix, {name} follows the sending order: rho {before}");
            }
            assert!(!listening_loop::anonymise::mix::commit_times_kept(&mut conn).unwrap(), "commit times are kept");
            app.writer.mix_now().await;
        }

        let mut orders: Vec<(String, Vec<Keyed>)> = Vec::new();
        // The order a plain read returns rows in.
        for (table, id) in [("responses", "id"), ("answers", "response_id"), ("response_themes", "response_id")] {
            let rows = keyed(&mut conn, &format!("SELECT {id} AS id, '' AS key FROM {table}"));
            let in_order = rows.into_iter().enumerate().map(|(i, r)| Keyed { id: r.id, key: format!("{i:08}") });
            orders.push((format!("{table}: as read"), in_order.collect()));
        }
        // Every column of the response, answer and theme rows.
        for (table, id) in [("responses", "id"), ("answers", "response_id"), ("response_themes", "response_id")] {
            for column in columns(&mut conn, app.db.backend, table) {
                let sql = format!("SELECT {id} AS id, COALESCE(CAST({column} AS TEXT), '') AS key FROM {table}");
                orders.push((format!("{table}.{column}"), keyed(&mut conn, &sql)));
            }
        }
        match app.db.backend {
            Backend::Sqlite => {
                for table in support::RESPONDENT_TABLES {
                    let rowid = diesel::sql_query(format!("SELECT rowid FROM {table}")).execute(&mut conn);
                    assert!(rowid.is_err(), "{table} has a rowid, which numbers its rows as they come");
                }
            }
            Backend::Postgres => {
                for (table, id) in [("responses", "id"), ("answers", "response_id"), ("response_themes", "response_id")]
                {
                    orders.push((format!("{table}.ctid"), keyed(&mut conn, &ctid_of(table, id))));
                    orders.push((format!("{table}.xmin"), keyed(&mut conn, &xmin_of(table, id))));
                }
            }
        }

        assert!(orders.len() >= 10, "{} orders looked at", orders.len());
        for (name, rows) in &orders {
            let rho = correlation(&rank, rows);
            eprintln!("{name}: rho {rho:+.2}");
            assert!(rho.abs() < BEYOND_CHANCE, "{name} follows the sending order: rho {rho}");
        }
    })
    .await;
}

/// Sends [`RESPONSES`] responses one after another (each its own batch),
/// with words that suggest a theme; their ids, in sending order.
async fn send_one_by_one(app: &TestApp) -> Vec<String> {
    let key = app.settings.secret.receipt_key();
    let mut ids = Vec::new();
    for _ in 0..RESPONSES {
        let (check, _) =
            walk_to_check(app, "parents-carers", "adult", Answering::Writing("no food in the house")).await;
        let thanks = send(app, "parents-carers", &check).await;
        let code = thanks.receipt().expect("a receipt code");
        ids.push(ReceiptCode::parse(&code).expect("a receipt code").response_id(&key));
    }
    ids
}

/// Each row's place in the table's file, (page, item), sortable as text.
fn ctid_of(table: &str, id: &str) -> String {
    format!(
        "SELECT {id} AS id, lpad(split_part(trim(both '()' from ctid::text), ',', 1), 10, '0') || ':' || \
         lpad(split_part(trim(both '()' from ctid::text), ',', 2), 6, '0') AS key FROM {table}"
    )
}

/// The transaction that wrote each row, sortable as text.
fn xmin_of(table: &str, id: &str) -> String {
    format!("SELECT {id} AS id, lpad(xmin::text, 12, '0') AS key FROM {table}")
}

fn keyed(conn: &mut listening_loop::db::DbConnection, sql: &str) -> Vec<Keyed> {
    diesel::sql_query(sql).load(conn).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn columns(conn: &mut listening_loop::db::DbConnection, backend: Backend, table: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let sql = match backend {
        Backend::Sqlite => format!("SELECT name FROM pragma_table_info('{table}')"),
        Backend::Postgres => {
            format!("SELECT column_name::text AS name FROM information_schema.columns WHERE table_name = '{table}'")
        }
    };
    diesel::sql_query(sql).load::<Column>(conn).unwrap().into_iter().map(|c| c.name).collect()
}

/// Spearman's rank correlation between the sending order and the order of
/// `rows` by key, with tied keys given their average rank. A response with
/// several rows (answers, themes) stands at its first. All keys equal: 0.
fn correlation(sent: &HashMap<&str, usize>, rows: &[Keyed]) -> f64 {
    let mut first: HashMap<&str, &str> = HashMap::new();
    for row in rows {
        let key = first.entry(row.id.as_str()).or_insert(row.key.as_str());
        if row.key.as_str() < *key {
            *key = row.key.as_str();
        }
    }
    let mut pairs: Vec<(&str, f64)> =
        first.iter().filter_map(|(id, key)| sent.get(id).map(|&i| (*key, i as f64))).collect();
    assert!(pairs.len() >= RESPONSES / 2, "{} of the responses have rows here", pairs.len());
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut ranks = vec![0.0; pairs.len()];
    let mut i = 0;
    while i < pairs.len() {
        let j = (i..pairs.len()).find(|&j| pairs[j].0 != pairs[i].0).unwrap_or(pairs.len());
        let average = (i + j - 1) as f64 / 2.0;
        ranks[i..j].iter_mut().for_each(|r| *r = average);
        i = j;
    }
    let sent_ranks: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    pearson(&ranks, &sent_ranks)
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let (va, vb): (f64, f64) = (a.iter().map(|x| (x - ma).powi(2)).sum(), b.iter().map(|y| (y - mb).powi(2)).sum());
    if va == 0.0 || vb == 0.0 { 0.0 } else { cov / (va * vb).sqrt() }
}
