// The tables both backends share (see migrations/). Only types that diesel's
// MultiConnection supports on SQLite and PostgreSQL alike.

diesel::table! {
    responses (id) {
        id -> Text,
        survey_id -> Text,
        survey_version -> Text,
        audience -> Text,
        age_group -> Text,
        language -> Text,
        submitted_on -> Date,
        concern -> Bool,
        receipt_hash -> Text,
        submission_hash -> Text,
    }
}

diesel::table! {
    answers (response_id, question_id, part) {
        response_id -> Text,
        question_id -> Text,
        part -> Text,
        choice -> Nullable<Text>,
        free_text -> Nullable<Text>,
    }
}

diesel::joinable!(answers -> responses (response_id));
diesel::allow_tables_to_appear_in_same_query!(responses, answers);
