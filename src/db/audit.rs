//! The audit log: who did what to which object, when. Append-only — the
//! database refuses updates and deletes (see the migration's triggers).

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::audit_log;

/// Who did it: a staff member (both their id and email address are
/// logged), or nobody. Owned, so a handler can move it into the closure
/// that writes the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    id: Option<String>,
    email: Option<String>,
}

impl Actor {
    /// The command line, or someone not signed in.
    pub const NOBODY: Actor = Actor { id: None, email: None };

    /// A staff member. Signed-in handlers take `SignedIn::actor` (staff);
    /// this is for signing in, and setting a password from a link, before
    /// there is a session.
    pub fn staff(id: impl Into<String>, email: impl Into<String>) -> Actor {
        Actor { id: Some(id.into()), email: Some(email.into()) }
    }
}

/// One line of the log.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub detail: Option<String>,
}

/// Adds a line. `object` is (type, id), e.g. ("staff", id).
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    object: Option<(&str, &str)>,
    detail: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(crate::random::random_id()),
            audit_log::at.eq(Utc::now().naive_utc()),
            audit_log::actor_id.eq(actor.id.as_deref()),
            audit_log::actor_email.eq(actor.email.as_deref()),
            audit_log::action.eq(action),
            audit_log::object_type.eq(object.map(|o| o.0)),
            audit_log::object_id.eq(object.map(|o| o.1)),
            audit_log::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest lines first, `limit` of them from `offset`.
pub fn newest(conn: &mut DbConnection, offset: i64, limit: i64) -> QueryResult<Vec<Entry>> {
    audit_log::table
        .order((audit_log::at.desc(), audit_log::id))
        .offset(offset)
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)
}
