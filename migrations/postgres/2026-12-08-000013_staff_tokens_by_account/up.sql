-- Asking for a password reset withdraws the account's earlier links first,
-- found by account and purpose. Without this index that read every link
-- ever issued, and the same for an address with no account, whose request
-- must cost the same (see `staff::store::issue_no_token`).
CREATE INDEX staff_tokens_by_account ON staff_tokens (staff_id, purpose);
