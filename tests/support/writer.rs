//! What a test hands the group-commit writer directly, without the web
//! pages in front of it.

use listening_loop::respond::store::{NewAnswer, NewSubmission, WriterKeys};
use listening_loop::review::safeguarding::LeadAlerts;

/// The writer's keys, with receipt codes made under `receipt_key`.
pub fn writer_keys(receipt_key: [u8; 32]) -> WriterKeys {
    WriterKeys { receipt_key, on_concern: alerts().hook(), measured: Default::default(), shard: 0 }
}

/// The leads' alerts as the service makes them by default, for a service at
/// `http://127.0.0.1`.
pub fn alerts() -> LeadAlerts {
    use listening_loop::config::{DEFAULT_ALERT_DIGEST_MINUTES, DEFAULT_FLAGGED_SENDS_PER_HOUR};
    let window = std::time::Duration::from_secs(60 * u64::from(DEFAULT_ALERT_DIGEST_MINUTES));
    LeadAlerts::new("http://127.0.0.1", window, DEFAULT_FLAGGED_SENDS_PER_HOUR)
}

/// A parent's submission from the journey `token`, one answer per
/// `(question, part, choice)`.
pub fn submission(token: [u8; 16], answers: &[(&str, &str, &str)]) -> NewSubmission {
    NewSubmission {
        token,
        survey_id: "parents-carers".into(),
        survey_version: "test".into(),
        audience: "parent_carer".into(),
        age_group: "adult".into(),
        language: "en".into(),
        concern: false,
        over_flagged_limit: false,
        suggested_themes: vec!["food-and-drink".into()],
        via: None,
        answers: answers
            .iter()
            .map(|(q, part, choice)| NewAnswer {
                question_id: (*q).into(),
                part: (*part).into(),
                choice: Some((*choice).into()),
                free_text: None,
            })
            .collect(),
    }
}
