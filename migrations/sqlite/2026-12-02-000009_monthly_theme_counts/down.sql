DROP INDEX daily_themes_by_theme;
DROP TABLE monthly_themes;
