//! The alert that tells safeguarding leads a flagged response arrived, beside
//! the queue it sends them to. The respondent stage's writer is handed
//! [`alert_hook`] at start (see `lib.rs`) and calls it in the transaction
//! that stores the responses, so an alert exists exactly when its response
//! does; the writer itself knows nothing of leads or email.

use std::sync::Arc;

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{staff, staff_roles};
use crate::mail::{Email, EmailAddress};
use crate::respond::store::ConcernAlert;
use crate::staff::roles::Role;

/// The writer's alert for the service at `base_url`: each lead is sent the
/// address of the safeguarding queue there.
pub fn alert_hook(base_url: &str) -> ConcernAlert {
    let queue_url = format!("{base_url}/staff/safeguarding");
    Arc::new(move |conn: &mut DbConnection, flagged: usize| alert_leads(conn, &queue_url, flagged))
}

/// The addresses of every active safeguarding lead.
fn lead_addresses(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    staff::table
        .inner_join(staff_roles::table)
        .filter(staff_roles::role.eq(Role::SafeguardingLead.as_str()))
        .filter(staff::active.eq(true))
        .select(staff::email)
        .load(conn)
}

/// Queues, for each of `flagged` responses just stored, an email to every
/// active safeguarding lead: that a response arrived and where to read it,
/// never what it says. Call it in the transaction that stores them.
fn alert_leads(conn: &mut DbConnection, queue_url: &str, flagged: usize) -> QueryResult<()> {
    if flagged == 0 {
        return Ok(());
    }
    let leads = lead_addresses(conn)?;
    for _ in 0..flagged {
        for lead in &leads {
            let Ok(to) = EmailAddress::parse(lead) else { continue };
            crate::mail::enqueue(conn, &alert_email(to, queue_url))?;
        }
    }
    Ok(())
}

/// The alert itself.
fn alert_email(to: EmailAddress, queue_url: &str) -> Email {
    Email::new(
        to,
        "A response needs a safeguarding lead",
        &[
            "A response has arrived with words that may mean a child is being harmed, \
             or written in a language or script the safeguarding word lists cannot read.",
            "It is kept from the Youth Council. Please read it in the safeguarding queue and record what you did.",
        ],
        Some(("Open the safeguarding queue", queue_url)),
    )
}
