-- The language a person signed up in (a catalogue code: 'en', 'ur', 'pl'),
-- so their confirmation and every change notice are in that language.
-- Everyone who signed up before languages existed did so in English.
ALTER TABLE subscribers ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
