CREATE INDEX answers_by_question ON answers (question_id, choice);
