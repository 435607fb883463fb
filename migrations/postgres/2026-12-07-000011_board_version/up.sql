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

CREATE FUNCTION board_version_move_on() RETURNS trigger AS $$
BEGIN
    UPDATE board_version SET version = version + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER board_version_actions AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON actions
FOR EACH STATEMENT EXECUTE FUNCTION board_version_move_on();
CREATE TRIGGER board_version_action_themes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON action_themes
FOR EACH STATEMENT EXECUTE FUNCTION board_version_move_on();
CREATE TRIGGER board_version_action_history AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON action_history
FOR EACH STATEMENT EXECUTE FUNCTION board_version_move_on();
CREATE TRIGGER board_version_you_said AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON you_said
FOR EACH STATEMENT EXECUTE FUNCTION board_version_move_on();
