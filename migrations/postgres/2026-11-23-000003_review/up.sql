-- The distribution link (school, youth group, setting) a response came through.
ALTER TABLE responses ADD COLUMN via TEXT;
-- The day a Youth Council reviewer finished with the response's free text (a date,
-- like the submission: no time of day is kept for a response).
ALTER TABLE responses ADD COLUMN reviewed_on DATE;

-- Themes a response is grouped under. `origin`: 'keyword' (suggested from
-- free text when it was sent) or 'reviewer'; `confirmed` once a reviewer
-- accepted it. Only confirmed themes count and are shown to respondents.
CREATE TABLE response_themes (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    theme_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL,
    PRIMARY KEY (response_id, theme_id)
);
CREATE INDEX response_themes_by_theme ON response_themes (theme_id, confirmed);

-- Written words a reviewer marked for quoting; only where the respondent
-- said their words may be shared.
CREATE TABLE shared_quotes (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    part TEXT NOT NULL,
    marked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (response_id, question_id, part)
);

-- What a safeguarding lead recorded about a flagged response.
CREATE TABLE safeguarding_notes (
    id TEXT PRIMARY KEY NOT NULL,
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    staff_id TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX safeguarding_notes_by_response ON safeguarding_notes (response_id);

-- A link per school, youth group or setting: /s/<survey link>?via=<code>.
CREATE TABLE distribution_links (
    code TEXT PRIMARY KEY NOT NULL,
    label TEXT NOT NULL,
    survey_link TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    active BOOLEAN NOT NULL
);

-- The Youth Council's "You said" for a theme.
CREATE TABLE you_said (
    id TEXT PRIMARY KEY NOT NULL,
    theme_id TEXT NOT NULL,
    statement TEXT NOT NULL,
    written_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX you_said_by_theme ON you_said (theme_id);
