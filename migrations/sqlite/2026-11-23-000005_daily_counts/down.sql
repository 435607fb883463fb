DROP TABLE pending_tasks;
DROP TABLE daily_choices;
DROP TABLE daily_themes;
DROP TABLE daily_responses;
