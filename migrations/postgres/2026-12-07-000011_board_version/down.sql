DROP TRIGGER board_version_actions ON actions;
DROP TRIGGER board_version_action_themes ON action_themes;
DROP TRIGGER board_version_action_history ON action_history;
DROP TRIGGER board_version_you_said ON you_said;
DROP FUNCTION board_version_move_on();
DROP TABLE board_version;
