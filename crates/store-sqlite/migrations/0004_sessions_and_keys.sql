-- A password change ends the account's browser sessions and revokes its grants in the same
-- transaction (docs/flows/authorization-code.md); these find them without scanning every row.
CREATE INDEX grants_by_subject ON grants (partition_id, subject_id);
CREATE INDEX browser_sessions_by_subject ON browser_sessions (partition_id, subject_id);
