ALTER TABLE outbox DROP COLUMN list_unsubscribe;
DROP TABLE subscribers;
DROP TABLE action_history;
DROP TABLE action_themes;
DROP TABLE actions;
