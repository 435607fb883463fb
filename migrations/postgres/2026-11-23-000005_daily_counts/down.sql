DROP INDEX responses_by_survey_id;
DROP TABLE pending_tasks;
DROP TABLE daily_choices;
DROP TABLE daily_themes;
DROP TABLE daily_responses;
