DROP TABLE outbox;
DROP TRIGGER audit_log_no_change ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE audit_log;
DROP TABLE staff_tokens;
DROP TABLE staff_roles;
DROP TABLE staff;
