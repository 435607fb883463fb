-- Counts by day, kept up to date as responses arrive and reviewers confirm
-- themes, so the dashboard reads a few thousand rows rather than every
-- response. Only responses not flagged for safeguarding are counted: these
-- tables feed the Youth Council's dashboard. `shard` spreads one day's
-- count over several rows so writers on different instances do not queue
-- for one row lock; readers add the shards up. `via` is '' for no link.
CREATE TABLE daily_responses (
    day DATE NOT NULL,
    survey_id TEXT NOT NULL,
    audience TEXT NOT NULL,
    age_group TEXT NOT NULL,
    via TEXT NOT NULL,
    shard INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, survey_id, audience, age_group, via, shard)
);

CREATE TABLE daily_themes (
    day DATE NOT NULL,
    theme_id TEXT NOT NULL,
    audience TEXT NOT NULL,
    age_group TEXT NOT NULL,
    shard INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, theme_id, audience, age_group, shard)
);

-- Answers to the questions that carry a measure ("Do you feel listened to?").
CREATE TABLE daily_choices (
    day DATE NOT NULL,
    survey_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    choice TEXT NOT NULL,
    shard INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, survey_id, question_id, choice, shard)
);

-- Work the service does at its next start: here, counting the responses
-- already stored (which questions carry a measure is in the survey files,
-- not the database, so SQL alone cannot do it).
CREATE TABLE pending_tasks (
    task TEXT PRIMARY KEY
);
INSERT INTO pending_tasks (task) VALUES ('recount daily counts');

-- The response export pages through one survey's responses in id order
-- (keyset pagination): with this index each page is a short range scan,
-- where the (survey_id, submitted_on) index made every page read the whole
-- survey and sort it, so a million rows took hours.
CREATE INDEX responses_by_survey_id ON responses (survey_id, id);
