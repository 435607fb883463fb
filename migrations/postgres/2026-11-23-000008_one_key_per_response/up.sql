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
ALTER TABLE responses RENAME COLUMN receipt_hash TO legacy_receipt_hash;
ALTER TABLE responses ALTER COLUMN legacy_receipt_hash DROP NOT NULL;
ALTER TABLE responses DROP CONSTRAINT responses_receipt_hash_key;
ALTER TABLE responses DROP CONSTRAINT responses_submission_hash_key;
DROP INDEX responses_by_survey_date;
CREATE UNIQUE INDEX responses_by_legacy_receipt ON responses (legacy_receipt_hash)
    WHERE legacy_receipt_hash IS NOT NULL;
CREATE INDEX responses_by_legacy_submission ON responses (submission_hash)
    WHERE legacy_receipt_hash IS NOT NULL;
