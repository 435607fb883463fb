-- The themes' counts by month as well as by day, kept in the same
-- transaction as the daily ones. The dashboard shows months: read by day, a
-- year of counts is tens of thousands of rows once most themes come up most
-- days, and it grew with the responses; by month it is a few hundred.
-- `month` is the month's first day.
CREATE TABLE monthly_themes (
    month DATE NOT NULL,
    theme_id TEXT NOT NULL,
    audience TEXT NOT NULL,
    age_group TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, theme_id, audience, age_group)
);
INSERT INTO monthly_themes (month, theme_id, audience, age_group, n)
    SELECT CAST(date_trunc('month', day) AS DATE), theme_id, audience, age_group, SUM(n)
    FROM daily_themes GROUP BY CAST(date_trunc('month', day) AS DATE), theme_id, audience, age_group;

-- A theme's first day with a response, found among a few rows.
CREATE INDEX daily_themes_by_theme ON daily_themes (theme_id, day);
