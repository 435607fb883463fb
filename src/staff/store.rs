//! Staff accounts, roles and single-use links in the database.

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::roles::Role;
use crate::db::DbConnection;
use crate::db::schema::{staff, staff_roles, staff_tokens};
use crate::mail::EmailAddress;

/// A staff account as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff)]
pub struct StaffRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub active: bool,
    pub session_epoch: i32,
    pub failed_signins: i32,
    pub last_failed_signin_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// What a single-use link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Invite,
    Reset,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Invite => "invite",
            TokenPurpose::Reset => "reset",
        }
    }

    /// How long a link works.
    pub fn lifetime(self) -> TimeDelta {
        match self {
            TokenPurpose::Invite => TimeDelta::days(7),
            TokenPurpose::Reset => TimeDelta::hours(1),
        }
    }
}

/// Why a link did not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Expired,
    Used,
}

pub fn find_by_email(conn: &mut DbConnection, email: &EmailAddress) -> QueryResult<Option<StaffRow>> {
    staff::table.filter(staff::email.eq(email.as_str())).select(StaffRow::as_select()).first(conn).optional()
}

pub fn find_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<StaffRow>> {
    staff::table.filter(staff::id.eq(id)).select(StaffRow::as_select()).first(conn).optional()
}

pub fn roles_of(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<Role>> {
    let names: Vec<String> =
        staff_roles::table.filter(staff_roles::staff_id.eq(id)).select(staff_roles::role).load(conn)?;
    let mut roles: Vec<Role> = names.iter().filter_map(|n| Role::parse(n)).collect();
    roles.sort();
    Ok(roles)
}

/// Every account with its roles, by email.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<(StaffRow, Vec<Role>)>> {
    let rows: Vec<StaffRow> = staff::table.order(staff::email).select(StaffRow::as_select()).load(conn)?;
    rows.into_iter()
        .map(|row| {
            let roles = roles_of(conn, &row.id)?;
            Ok((row, roles))
        })
        .collect()
}

/// A new account with no password yet. `None` when the email is taken.
pub fn create(
    conn: &mut DbConnection,
    email: &EmailAddress,
    name: &str,
    roles: &[Role],
) -> QueryResult<Option<String>> {
    if find_by_email(conn, email)?.is_some() {
        return Ok(None);
    }
    let id = crate::random::random_id();
    diesel::insert_into(staff::table)
        .values((
            staff::id.eq(&id),
            staff::email.eq(email.as_str()),
            staff::display_name.eq(name),
            staff::active.eq(true),
            staff::session_epoch.eq(0),
            staff::failed_signins.eq(0),
            staff::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    set_roles(conn, &id, roles)?;
    Ok(Some(id))
}

/// Makes this transaction's changes to roles and active accounts wait for
/// any other's to commit, and this transaction's reads see them. Call first
/// in a transaction that checks someone stays in a role (an admin, a
/// safeguarding lead) and then changes who is. SQLite's write transaction
/// already holds the database's one write lock. PostgreSQL's transactions
/// read committed data, so two admins removing two different leads at once
/// would each still see the other lead and both succeed: every such change
/// takes this table lock first, which only another such change (or an
/// invite, writing roles) waits for; reads and sign-ins do not.
pub fn lock_roles(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(_) => Ok(()),
        DbConnection::Postgresql(pg) => pg.batch_execute("LOCK TABLE staff_roles IN SHARE ROW EXCLUSIVE MODE"),
    }
}

/// Whether an active account other than `id` holds `role`. For the lead,
/// this is who the safeguarding alert is sent to.
pub fn someone_else_holds(conn: &mut DbConnection, id: &str, role: Role) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        staff_roles::table
            .inner_join(staff::table)
            .filter(staff_roles::role.eq(role.as_str()))
            .filter(staff::active.eq(true))
            .filter(staff::id.ne(id)),
    ))
    .get_result(conn)
}

/// Replaces the roles, and ends the account's sessions.
pub fn set_roles(conn: &mut DbConnection, id: &str, roles: &[Role]) -> QueryResult<()> {
    diesel::delete(staff_roles::table.filter(staff_roles::staff_id.eq(id))).execute(conn)?;
    for role in roles {
        diesel::insert_into(staff_roles::table)
            .values((staff_roles::staff_id.eq(id), staff_roles::role.eq(role.as_str())))
            .execute(conn)?;
    }
    end_sessions(conn, id)
}

/// Stores a new password hash, clears failed sign-ins, ends other sessions.
pub fn set_password(conn: &mut DbConnection, id: &str, password_hash: &str) -> QueryResult<()> {
    diesel::update(staff::table.filter(staff::id.eq(id)))
        .set((staff::password_hash.eq(password_hash), staff::failed_signins.eq(0)))
        .execute(conn)?;
    end_sessions(conn, id)
}

pub fn set_active(conn: &mut DbConnection, id: &str, active: bool) -> QueryResult<()> {
    diesel::update(staff::table.filter(staff::id.eq(id))).set(staff::active.eq(active)).execute(conn)?;
    end_sessions(conn, id)
}

/// Every session cookie issued before now stops working.
pub fn end_sessions(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::update(staff::table.filter(staff::id.eq(id)))
        .set(staff::session_epoch.eq(staff::session_epoch + 1))
        .execute(conn)?;
    Ok(())
}

/// Sign-in tries an account may use before it waits: each try is counted
/// before its password is checked, and the right password gives them back.
pub const SIGNIN_TRIES: i32 = 5;
/// How long an account that used its tries waits, from the last of them.
pub const SIGNIN_WAIT: TimeDelta = TimeDelta::minutes(15);

/// What counting a sign-in try found.
#[derive(Debug)]
pub enum SignInTry {
    /// No account has that address.
    NoAccount,
    /// The try is counted; the password may be checked. `tries` is how many
    /// are counted now, this one included.
    Counted { row: StaffRow, tries: i32 },
    /// The account used its tries less than [`SIGNIN_WAIT`] ago: this try is
    /// refused whatever the password.
    Waiting { row: StaffRow },
}

/// Counts a sign-in try for `email` at `now`, before any password is checked.
/// Call inside a write transaction. Tries older than [`SIGNIN_WAIT`] are
/// forgotten first; then one conditional update takes a try only while
/// fewer than [`SIGNIN_TRIES`] are counted. However many requests arrive at
/// once, on however many instances, the database hands out that many: on
/// PostgreSQL a second update of the row waits for the first to commit and
/// checks the condition again; on SQLite the write transaction runs alone.
pub fn count_signin_try(conn: &mut DbConnection, email: &EmailAddress, now: NaiveDateTime) -> QueryResult<SignInTry> {
    let this_account = staff::table.filter(staff::email.eq(email.as_str()));
    diesel::update(
        this_account
            .filter(staff::failed_signins.gt(0))
            .filter(staff::last_failed_signin_at.is_null().or(staff::last_failed_signin_at.lt(now - SIGNIN_WAIT))),
    )
    .set(staff::failed_signins.eq(0))
    .execute(conn)?;
    let counted = diesel::update(this_account.filter(staff::failed_signins.lt(SIGNIN_TRIES)))
        .set((staff::failed_signins.eq(staff::failed_signins + 1), staff::last_failed_signin_at.eq(now)))
        .execute(conn)?;
    // The row is ours until commit (the update above locked it, or the
    // transaction holds SQLite's write lock), so this reads our own count.
    Ok(match (find_by_email(conn, email)?, counted) {
        (None, _) => SignInTry::NoAccount,
        (Some(row), 0) => SignInTry::Waiting { row },
        (Some(row), _) => {
            let tries = row.failed_signins;
            SignInTry::Counted { row, tries }
        }
    })
}

pub fn clear_failed_signins(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::update(staff::table.filter(staff::id.eq(id))).set(staff::failed_signins.eq(0)).execute(conn)?;
    Ok(())
}

fn token_hash(raw: &str) -> String {
    hex::encode(Sha256::digest([b"listening-loop staff link v1\0".as_slice(), raw.as_bytes()].concat()))
}

/// A new single-use link token; only its hash is stored. Earlier unused
/// links of the same purpose stop working.
pub fn issue_token(conn: &mut DbConnection, staff_id: &str, purpose: TokenPurpose) -> QueryResult<String> {
    issue(conn, staff_id, purpose, true)
}

/// The statements [`issue_token`] runs, for an address with no account that
/// may have a link, storing nothing: links are withdrawn for an id no
/// account has, and a token is made but not inserted. Asking for a link
/// then takes as long either way.
pub fn issue_no_token(conn: &mut DbConnection, purpose: TokenPurpose) -> QueryResult<String> {
    issue(conn, "", purpose, false)
}

/// Deletes links that ran out more than a day ago, used or not: nothing can
/// be done with them, and each request for a new link would otherwise have
/// more to look through. Run daily.
pub fn forget_spent_tokens(conn: &mut DbConnection) -> QueryResult<usize> {
    let cutoff = Utc::now().naive_utc() - chrono::TimeDelta::days(1);
    diesel::delete(staff_tokens::table.filter(staff_tokens::expires_at.lt(cutoff))).execute(conn)
}

/// One set of statements whether or not it stores the token: its row is
/// selected only when `store`.
fn issue(conn: &mut DbConnection, staff_id: &str, purpose: TokenPurpose, store: bool) -> QueryResult<String> {
    use diesel::sql_types::{Bool, Text, Timestamp};
    let now = Utc::now().naive_utc();
    diesel::update(
        staff_tokens::table
            .filter(staff_tokens::staff_id.eq(staff_id))
            .filter(staff_tokens::purpose.eq(purpose.as_str()))
            .filter(staff_tokens::used_at.is_null()),
    )
    .set(staff_tokens::used_at.eq(now))
    .execute(conn)?;
    let mut bytes = [0u8; 32];
    crate::random::random_bytes(&mut bytes);
    let raw = hex::encode(bytes);
    let row = diesel::select((
        token_hash(&raw).into_sql::<Text>(),
        staff_id.into_sql::<Text>(),
        purpose.as_str().into_sql::<Text>(),
        (now + purpose.lifetime()).into_sql::<Timestamp>(),
    ))
    .filter(store.into_sql::<Bool>());
    diesel::insert_into(staff_tokens::table)
        .values(row)
        .into_columns((
            staff_tokens::token_hash,
            staff_tokens::staff_id,
            staff_tokens::purpose,
            staff_tokens::expires_at,
        ))
        .execute(conn)?;
    Ok(raw)
}

/// The account a link is for, if the link still works (without using it).
pub fn check_token(
    conn: &mut DbConnection,
    raw: &str,
    purpose: TokenPurpose,
) -> QueryResult<Result<String, TokenProblem>> {
    let found: Option<(String, NaiveDateTime, Option<NaiveDateTime>)> = staff_tokens::table
        .filter(staff_tokens::token_hash.eq(token_hash(raw)))
        .filter(staff_tokens::purpose.eq(purpose.as_str()))
        .select((staff_tokens::staff_id, staff_tokens::expires_at, staff_tokens::used_at))
        .first(conn)
        .optional()?;
    Ok(match found {
        None => Err(TokenProblem::Unknown),
        Some((_, _, Some(_))) => Err(TokenProblem::Used),
        Some((_, expires, None)) if expires < Utc::now().naive_utc() => Err(TokenProblem::Expired),
        Some((id, _, None)) => Ok(id),
    })
}

/// Uses a link: it works once. Call inside the transaction that acts on it.
pub fn use_token(
    conn: &mut DbConnection,
    raw: &str,
    purpose: TokenPurpose,
) -> QueryResult<Result<String, TokenProblem>> {
    let id = match check_token(conn, raw, purpose)? {
        Ok(id) => id,
        Err(problem) => return Ok(Err(problem)),
    };
    let taken = diesel::update(
        staff_tokens::table
            .filter(staff_tokens::token_hash.eq(token_hash(raw)))
            .filter(staff_tokens::used_at.is_null()),
    )
    .set(staff_tokens::used_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    Ok(if taken == 1 { Ok(id) } else { Err(TokenProblem::Used) })
}

#[cfg(test)]
mod tests {
    use super::TokenPurpose;

    /// The file outbox deletes an email once it is as old as this; an
    /// invite or reset link that outlived it would sit there working.
    #[test]
    fn no_link_outlives_its_emails_file() {
        for purpose in [TokenPurpose::Invite, TokenPurpose::Reset] {
            assert!(purpose.lifetime() <= crate::mail::worker::KEEP_SENT, "{}", purpose.as_str());
        }
    }
}
