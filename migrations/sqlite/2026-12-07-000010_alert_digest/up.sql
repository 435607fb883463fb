-- The safeguarding leads' alerts, gathered: the first flagged response after
-- a quiet spell is mailed at once, and the ones after it are counted here, in
-- the transaction that stores them, until one digest at the window's end.
-- One row for the whole service, so every instance gathers into the same
-- counts. It holds counts only, never which response is which; every time
-- in it is a whole number of windows since 1970 (UTC), so it says no more
-- of when anything arrived than which window it fell in.
CREATE TABLE alert_digest (
    id INTEGER PRIMARY KEY,
    -- The window being gathered; both NULL when all is quiet.
    window_from TIMESTAMP,
    window_ends TIMESTAMP,
    -- Flagged responses in this window, mailed at once or gathered.
    window_count INTEGER NOT NULL DEFAULT 0,
    -- Waiting for the digest: within the per-address limit, and over it.
    gathered INTEGER NOT NULL DEFAULT 0,
    over_limit INTEGER NOT NULL DEFAULT 0,
    -- The last unusually busy spell (windows in a row that each had more
    -- than the queue's notice allows), kept a day for that notice.
    busy_from TIMESTAMP,
    busy_until TIMESTAMP,
    busy_count INTEGER NOT NULL DEFAULT 0,
    busy_over_limit INTEGER NOT NULL DEFAULT 0
);
INSERT INTO alert_digest (id) VALUES (1);
