-- A quote's `marked_at` goes: it was never read, and a time of day beside a
-- response is what the responses table itself refuses to keep. (On SQLite
-- this migration also takes the rowid off the tables that hold a row per
-- response or per day's count; PostgreSQL's own order of rows, `ctid` and
-- `xmin`, is hidden by the writer instead: see `anonymise::mix`.)
ALTER TABLE shared_quotes DROP COLUMN marked_at;
