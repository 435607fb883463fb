ALTER TABLE subscribers DROP COLUMN language;
