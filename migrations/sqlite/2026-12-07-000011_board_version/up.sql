-- A number that moves on with every change to what the public board and
-- its feed show: the "We did" answers, their themes and history, and the
-- "You said" statements they answer. Each instance keeps those pages in
-- memory and reads this one row (at most once a second) to know when to
-- draw them again, so a change made on one instance reaches the boards of
-- the others. Triggers move it, in the transaction of the change itself, so
-- no way of changing those tables can forget to.
CREATE TABLE board_version (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO board_version (id, version) VALUES (1, 0);

CREATE TRIGGER board_version_action_insert AFTER INSERT ON actions
BEGIN UPDATE board_version SET version = version + 1; END;
CREATE TRIGGER board_version_action_update AFTER UPDATE ON actions
BEGIN UPDATE board_version SET version = version + 1; END;
CREATE TRIGGER board_version_action_delete AFTER DELETE ON actions
BEGIN UPDATE board_version SET version = version + 1; END;

CREATE TRIGGER board_version_theme_insert AFTER INSERT ON action_themes
BEGIN UPDATE board_version SET version = version + 1; END;
CREATE TRIGGER board_version_theme_update AFTER UPDATE ON action_themes
BEGIN UPDATE board_version SET version = version + 1; END;
CREATE TRIGGER board_version_theme_delete AFTER DELETE ON action_themes
BEGIN UPDATE board_version SET version = version + 1; END;

CREATE TRIGGER board_version_history_insert AFTER INSERT ON action_history
BEGIN UPDATE board_version SET version = version + 1; END;
CREATE TRIGGER board_version_history_update AFTER UPDATE ON action_history
BEGIN UPDATE board_version SET version = version + 1; END;
CREATE TRIGGER board_version_history_delete AFTER DELETE ON action_history
BEGIN UPDATE board_version SET version = version + 1; END;

CREATE TRIGGER board_version_you_said_insert AFTER INSERT ON you_said
BEGIN UPDATE board_version SET version = version + 1; END;
CREATE TRIGGER board_version_you_said_update AFTER UPDATE ON you_said
BEGIN UPDATE board_version SET version = version + 1; END;
CREATE TRIGGER board_version_you_said_delete AFTER DELETE ON you_said
BEGIN UPDATE board_version SET version = version + 1; END;
