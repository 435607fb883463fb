-- Responses stored since the up migration have no receipt hash of their
-- own; their id (the first half of it) stands in, so the table can be
-- rebuilt with the column NOT NULL and UNIQUE again. Their receipt codes
-- do not work after this.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE responses_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    audience TEXT NOT NULL,
    age_group TEXT NOT NULL,
    language TEXT NOT NULL,
    submitted_on DATE NOT NULL,
    concern BOOLEAN NOT NULL DEFAULT 0,
    receipt_hash TEXT NOT NULL UNIQUE,
    submission_hash TEXT NOT NULL UNIQUE,
    via TEXT,
    reviewed_on DATE
) WITHOUT ROWID;
INSERT INTO responses_rebuilt (id, survey_id, survey_version, audience, age_group, language, submitted_on,
                               concern, receipt_hash, submission_hash, via, reviewed_on)
    SELECT id, survey_id, survey_version, audience, age_group, language, submitted_on,
           concern, COALESCE(legacy_receipt_hash, 'since-v8-' || id), submission_hash, via, reviewed_on
    FROM responses;
DROP TABLE responses;
ALTER TABLE responses_rebuilt RENAME TO responses;
CREATE INDEX responses_by_survey_date ON responses (survey_id, submitted_on);
CREATE INDEX responses_by_survey_id ON responses (survey_id, id);
COMMIT;
PRAGMA foreign_keys = ON;
