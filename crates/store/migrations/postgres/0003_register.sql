-- The register of requests is listed, filtered, searched and sorted from memory (the
-- application's register index), which follows the table through a change sequence: every
-- insert or update of a request takes the next value of the counter 'request_changes', whose
-- row lock orders the commits. The indexes that served the list queries are no longer read,
-- and only slowed every write.
ALTER TABLE requests ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX requests_change ON requests (change_seq);

DROP INDEX requests_search;
DROP INDEX requests_status;
DROP INDEX requests_owner;
DROP INDEX requests_updated;
DROP INDEX requests_status_updated;
DROP INDEX requests_partner_updated;
DROP INDEX requests_responsible;
DROP INDEX request_lines_type;
DROP INDEX request_events_action;
