-- "We did": what the partnership did about a "You said" statement.
-- `status`: 'will', 'doing', 'did' or 'cant' (then `reason` says why).
-- `state`: 'draft' or 'published'; an admin's unpublish puts it back to 'draft'.
CREATE TABLE actions (
    id TEXT PRIMARY KEY NOT NULL,
    you_said_id TEXT NOT NULL REFERENCES you_said (id),
    status TEXT NOT NULL,
    reason TEXT,
    child_text TEXT NOT NULL,
    detailed_text TEXT NOT NULL,
    agency TEXT NOT NULL,
    due_on DATE,
    done_on DATE,
    state TEXT NOT NULL,
    first_published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX actions_by_state ON actions (state);

-- The themes an action answers (the statement's own theme, and maybe more).
CREATE TABLE action_themes (
    action_id TEXT NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    theme_id TEXT NOT NULL,
    PRIMARY KEY (action_id, theme_id)
);
CREATE INDEX action_themes_by_theme ON action_themes (theme_id);

-- Each publication of an action, as the public saw it that day: the first
-- ('published') and every later one ('updated'). Shown on the board and in the feed.
CREATE TABLE action_history (
    id TEXT PRIMARY KEY NOT NULL,
    action_id TEXT NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    published_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    child_text TEXT NOT NULL,
    detailed_text TEXT NOT NULL
);
CREATE INDEX action_history_by_action ON action_history (action_id, published_at);

-- People who asked to be emailed when something changes. Deliberately no
-- link to any response. Only hashes of the links are kept: the confirmation
-- link is single use; the unsubscribe link is a keyed hash of the id.
CREATE TABLE subscribers (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    theme_id TEXT,
    confirm_hash TEXT UNIQUE,
    unsubscribe_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP
);

-- RFC 8058 one-click unsubscribe: the URL for a message's List-Unsubscribe
-- header (subscriber mail only).
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;
