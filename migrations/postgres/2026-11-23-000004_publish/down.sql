DROP TABLE subscribers;
DROP TABLE action_history;
DROP TABLE action_themes;
DROP TABLE actions;
