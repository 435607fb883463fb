DROP TABLE alert_digest;
