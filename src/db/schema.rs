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
        legacy_receipt_hash -> Nullable<Text>,
        submission_hash -> Text,
        via -> Nullable<Text>,
        reviewed_on -> Nullable<Date>,
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

diesel::table! {
    staff (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Nullable<Text>,
        active -> Bool,
        session_epoch -> Integer,
        failed_signins -> Integer,
        last_failed_signin_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    staff_roles (staff_id, role) {
        staff_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    staff_tokens (token_hash) {
        token_hash -> Text,
        staff_id -> Text,
        purpose -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_email -> Nullable<Text>,
        action -> Text,
        object_type -> Nullable<Text>,
        object_id -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        to_address -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        list_unsubscribe -> Nullable<Text>,
    }
}

diesel::joinable!(staff_roles -> staff (staff_id));
diesel::joinable!(staff_tokens -> staff (staff_id));
diesel::allow_tables_to_appear_in_same_query!(staff, staff_roles, staff_tokens, audit_log, outbox);

diesel::table! {
    response_themes (response_id, theme_id) {
        response_id -> Text,
        theme_id -> Text,
        origin -> Text,
        confirmed -> Bool,
    }
}

diesel::table! {
    shared_quotes (response_id, question_id, part) {
        response_id -> Text,
        question_id -> Text,
        part -> Text,
    }
}

diesel::table! {
    safeguarding_notes (id) {
        id -> Text,
        response_id -> Text,
        at -> Timestamp,
        staff_id -> Text,
        note -> Text,
    }
}

diesel::table! {
    distribution_links (code) {
        code -> Text,
        label -> Text,
        survey_link -> Text,
        created_at -> Timestamp,
        active -> Bool,
    }
}

diesel::table! {
    you_said (id) {
        id -> Text,
        theme_id -> Text,
        statement -> Text,
        written_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(response_themes -> responses (response_id));
diesel::joinable!(shared_quotes -> responses (response_id));
diesel::joinable!(safeguarding_notes -> responses (response_id));
diesel::allow_tables_to_appear_in_same_query!(
    responses,
    response_themes,
    shared_quotes,
    safeguarding_notes,
    answers,
    distribution_links,
    you_said,
    staff
);

// The dashboard groups by a day and a column of a joined table.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    responses::submitted_on,
    responses::audience,
    responses::age_group,
    response_themes::theme_id,
    answers::choice,
);

diesel::table! {
    daily_responses (day, survey_id, audience, age_group, via, shard) {
        day -> Date,
        survey_id -> Text,
        audience -> Text,
        age_group -> Text,
        via -> Text,
        shard -> Integer,
        n -> BigInt,
    }
}

diesel::table! {
    daily_themes (day, theme_id, audience, age_group, shard) {
        day -> Date,
        theme_id -> Text,
        audience -> Text,
        age_group -> Text,
        shard -> Integer,
        n -> BigInt,
    }
}

diesel::table! {
    monthly_themes (month, theme_id, audience, age_group) {
        month -> Date,
        theme_id -> Text,
        audience -> Text,
        age_group -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    daily_choices (day, survey_id, question_id, choice, shard) {
        day -> Date,
        survey_id -> Text,
        question_id -> Text,
        choice -> Text,
        shard -> Integer,
        n -> BigInt,
    }
}

diesel::table! {
    pending_tasks (task) {
        task -> Text,
    }
}

diesel::table! {
    actions (id) {
        id -> Text,
        you_said_id -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        child_text -> Text,
        detailed_text -> Text,
        agency -> Text,
        due_on -> Nullable<Date>,
        done_on -> Nullable<Date>,
        state -> Text,
        first_published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    action_themes (action_id, theme_id) {
        action_id -> Text,
        theme_id -> Text,
    }
}

diesel::table! {
    action_history (id) {
        id -> Text,
        action_id -> Text,
        published_at -> Timestamp,
        kind -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        child_text -> Text,
        detailed_text -> Text,
    }
}

// One row, moved on by triggers with every change the public board shows.
diesel::table! {
    board_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    subscribers (id) {
        id -> Text,
        email -> Text,
        theme_id -> Nullable<Text>,
        confirm_hash -> Nullable<Text>,
        unsubscribe_hash -> Text,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        language -> Text,
    }
}

diesel::joinable!(actions -> you_said (you_said_id));
diesel::joinable!(action_themes -> actions (action_id));
diesel::joinable!(action_history -> actions (action_id));
diesel::allow_tables_to_appear_in_same_query!(actions, action_themes, action_history, you_said);

diesel::table! {
    alert_digest (id) {
        id -> Integer,
        window_from -> Nullable<Timestamp>,
        window_ends -> Nullable<Timestamp>,
        window_count -> Integer,
        gathered -> Integer,
        over_limit -> Integer,
        busy_from -> Nullable<Timestamp>,
        busy_until -> Nullable<Timestamp>,
        busy_count -> Integer,
        busy_over_limit -> Integer,
    }
}
