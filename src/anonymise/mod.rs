//! What happens to answers between the form and the disk: contact details
//! scrubbed out of free text, and possible harm flagged for the safeguarding lead.

pub mod flag;
pub mod retention;
pub mod scrub;
pub mod suppress;
