DROP INDEX staff_tokens_by_account;
