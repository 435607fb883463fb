-- Responses stored since the up migration have no receipt hash of their
-- own; their id stands in. Their receipt codes do not work after this.
DROP INDEX responses_by_legacy_submission;
DROP INDEX responses_by_legacy_receipt;
CREATE INDEX responses_by_survey_date ON responses (survey_id, submitted_on);
UPDATE responses SET legacy_receipt_hash = 'since-v8-' || id WHERE legacy_receipt_hash IS NULL;
ALTER TABLE responses ALTER COLUMN legacy_receipt_hash SET NOT NULL;
ALTER TABLE responses RENAME COLUMN legacy_receipt_hash TO receipt_hash;
ALTER TABLE responses ADD CONSTRAINT responses_receipt_hash_key UNIQUE (receipt_hash);
ALTER TABLE responses ADD CONSTRAINT responses_submission_hash_key UNIQUE (submission_hash);
