-- Every table that holds a row per response, per answer or per day's count
-- keeps its rows in primary-key order and nothing else. A table with a rowid
-- numbers its rows as they arrive, so `ORDER BY rowid` on the suggested
-- themes would list the responses in the order they were sent, and on the
-- daily counts which group answered first each day. `responses` and
-- `answers` were made WITHOUT ROWID from the start; these are rebuilt the
-- same way (https://sqlite.org/withoutrowid.html). None of them is a parent
-- of a foreign key, so dropping the old table cascades to nothing.
--
-- A quote's `marked_at` goes: it was never read, and a time of day beside a
-- response is what the responses table itself refuses to keep.

CREATE TABLE response_themes_rebuilt (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    theme_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL,
    PRIMARY KEY (response_id, theme_id)
) WITHOUT ROWID;
INSERT INTO response_themes_rebuilt SELECT response_id, theme_id, origin, confirmed FROM response_themes;
DROP TABLE response_themes;
ALTER TABLE response_themes_rebuilt RENAME TO response_themes;
CREATE INDEX response_themes_by_theme ON response_themes (theme_id, confirmed);

CREATE TABLE shared_quotes_rebuilt (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    part TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id, part)
) WITHOUT ROWID;
INSERT INTO shared_quotes_rebuilt SELECT response_id, question_id, part FROM shared_quotes;
DROP TABLE shared_quotes;
ALTER TABLE shared_quotes_rebuilt RENAME TO shared_quotes;

CREATE TABLE daily_responses_rebuilt (
    day DATE NOT NULL,
    survey_id TEXT NOT NULL,
    audience TEXT NOT NULL,
    age_group TEXT NOT NULL,
    via TEXT NOT NULL,
    shard INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, survey_id, audience, age_group, via, shard)
) WITHOUT ROWID;
INSERT INTO daily_responses_rebuilt SELECT day, survey_id, audience, age_group, via, shard, n FROM daily_responses;
DROP TABLE daily_responses;
ALTER TABLE daily_responses_rebuilt RENAME TO daily_responses;

CREATE TABLE daily_themes_rebuilt (
    day DATE NOT NULL,
    theme_id TEXT NOT NULL,
    audience TEXT NOT NULL,
    age_group TEXT NOT NULL,
    shard INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, theme_id, audience, age_group, shard)
) WITHOUT ROWID;
INSERT INTO daily_themes_rebuilt SELECT day, theme_id, audience, age_group, shard, n FROM daily_themes;
DROP TABLE daily_themes;
ALTER TABLE daily_themes_rebuilt RENAME TO daily_themes;
CREATE INDEX daily_themes_by_theme ON daily_themes (theme_id, day);

CREATE TABLE daily_choices_rebuilt (
    day DATE NOT NULL,
    survey_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    choice TEXT NOT NULL,
    shard INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, survey_id, question_id, choice, shard)
) WITHOUT ROWID;
INSERT INTO daily_choices_rebuilt SELECT day, survey_id, question_id, choice, shard, n FROM daily_choices;
DROP TABLE daily_choices;
ALTER TABLE daily_choices_rebuilt RENAME TO daily_choices;

CREATE TABLE monthly_themes_rebuilt (
    month DATE NOT NULL,
    theme_id TEXT NOT NULL,
    audience TEXT NOT NULL,
    age_group TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, theme_id, audience, age_group)
) WITHOUT ROWID;
INSERT INTO monthly_themes_rebuilt SELECT month, theme_id, audience, age_group, n FROM monthly_themes;
DROP TABLE monthly_themes;
ALTER TABLE monthly_themes_rebuilt RENAME TO monthly_themes;
