-- Anonymous by construction: no IP, no user agent, no exact time, no name.
-- A response has a random id and the date it was sent.
CREATE TABLE responses (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    audience TEXT NOT NULL,
    age_group TEXT NOT NULL,
    language TEXT NOT NULL,
    submitted_on DATE NOT NULL,
    -- Free text matched the safeguarding lexicon: only the safeguarding lead sees it.
    concern BOOLEAN NOT NULL DEFAULT FALSE,
    -- SHA-256 of the receipt code, so a copy of the database hands out no codes.
    receipt_hash TEXT NOT NULL UNIQUE,
    -- SHA-256 of the journey's submission token: a second tap stores nothing new.
    submission_hash TEXT NOT NULL UNIQUE
);

CREATE INDEX responses_by_survey_date ON responses (survey_id, submitted_on);

-- One row per answer, so a survey of any length needs no schema change.
-- part: '' for most kinds; the option id for `multiple`; the house for `three_houses`.
CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    part TEXT NOT NULL,
    choice TEXT,
    free_text TEXT,
    PRIMARY KEY (response_id, question_id, part)
);

CREATE INDEX answers_by_question ON answers (question_id, choice);
