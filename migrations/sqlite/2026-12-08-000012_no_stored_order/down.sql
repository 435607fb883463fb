-- The rebuilt tables keep their rows: a table WITHOUT ROWID reads and
-- writes exactly as one with. Only the quote's time comes back, as the
-- moment of the downgrade.
CREATE TABLE shared_quotes_old (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    part TEXT NOT NULL,
    marked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (response_id, question_id, part)
);
INSERT INTO shared_quotes_old SELECT response_id, question_id, part, CURRENT_TIMESTAMP FROM shared_quotes;
DROP TABLE shared_quotes;
ALTER TABLE shared_quotes_old RENAME TO shared_quotes;
