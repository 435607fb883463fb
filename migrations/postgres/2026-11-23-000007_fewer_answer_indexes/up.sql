-- Every answer went into this index at a random place in its (question,
-- choice) run: twenty scattered pages to write for each response, which
-- was most of what a submission cost. Nothing reads answers by question
-- alone any more: the dashboard reads the daily counts, and a recount finds
-- a survey's responses first and then each one's answer by primary key.
DROP INDEX answers_by_question;
