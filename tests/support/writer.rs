//! What a test hands the group-commit writer directly, without the web
//! pages in front of it.

use listening_loop::respond::store::{NewAnswer, NewSubmission, WriterKeys};

/// The writer's keys, with receipt codes made under `receipt_key`.
pub fn writer_keys(receipt_key: [u8; 32]) -> WriterKeys {
    WriterKeys {
        receipt_key,
        on_concern: listening_loop::review::safeguarding::alert_hook("http://127.0.0.1"),
        measured: Default::default(),
        shard: 0,
    }
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
