-- A new response's id is now the first half of its receipt code's keyed
-- hash (see `ReceiptCode::response_id`): the receipt finds it by primary key,
-- and a second "Send" of the same journey finds it at the same id. That
-- takes two unique indexes off every submission, the receipt hash and the
-- submission hash, each written at a random place. The survey-and-date
-- index goes too: a recount and the export find a survey's responses by
-- `responses_by_survey_id`. The id is still random to anyone without the
-- key, so stored order still says nothing about who answered first.
--
-- Responses stored before this keep their random ids and their receipt
-- hashes, now `legacy_receipt_hash`, in small partial indexes that new
-- responses never enter: old receipt codes keep working.
--
-- SQLite cannot drop a UNIQUE column constraint, so the table is rebuilt
-- (https://sqlite.org/lang_altertable.html#otheralter), with foreign keys
-- off so that dropping the old table does not cascade to the answers.
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
    -- Only for responses stored before this migration: their receipt's keyed hash.
    legacy_receipt_hash TEXT,
    -- SHA-256 of the journey's submission token: tells a second "Send" of
    -- the same journey from a different journey whose code came out the same.
    submission_hash TEXT NOT NULL,
    via TEXT,
    reviewed_on DATE
) WITHOUT ROWID;
INSERT INTO responses_rebuilt (id, survey_id, survey_version, audience, age_group, language, submitted_on,
                               concern, legacy_receipt_hash, submission_hash, via, reviewed_on)
    SELECT id, survey_id, survey_version, audience, age_group, language, submitted_on,
           concern, receipt_hash, submission_hash, via, reviewed_on
    FROM responses;
DROP TABLE responses;
ALTER TABLE responses_rebuilt RENAME TO responses;
CREATE INDEX responses_by_survey_id ON responses (survey_id, id);
CREATE UNIQUE INDEX responses_by_legacy_receipt ON responses (legacy_receipt_hash)
    WHERE legacy_receipt_hash IS NOT NULL;
CREATE INDEX responses_by_legacy_submission ON responses (submission_hash)
    WHERE legacy_receipt_hash IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
