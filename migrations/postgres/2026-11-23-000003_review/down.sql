DROP TABLE you_said;
DROP TABLE distribution_links;
DROP TABLE safeguarding_notes;
DROP TABLE shared_quotes;
DROP TABLE response_themes;
ALTER TABLE responses DROP COLUMN reviewed_on;
ALTER TABLE responses DROP COLUMN via;
