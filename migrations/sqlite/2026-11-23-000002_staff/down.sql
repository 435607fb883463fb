DROP TABLE outbox;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
DROP TABLE staff_tokens;
DROP TABLE staff_roles;
DROP TABLE staff;
