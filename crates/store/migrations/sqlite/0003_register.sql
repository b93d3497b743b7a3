-- The register of requests is listed, filtered, searched and sorted from memory (the
-- application's register index), which follows the table through a change sequence: every
-- insert or update of a request takes the next value of the counter 'request_changes'. The
-- indexes and the full-text table that served the list queries are no longer read, and only
-- slowed every write.
ALTER TABLE requests ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX requests_change ON requests (change_seq);

DROP TRIGGER requests_fts_insert;
DROP TRIGGER requests_fts_update;
DROP TABLE requests_fts;

DROP INDEX requests_status;
DROP INDEX requests_owner;
DROP INDEX requests_updated;
DROP INDEX requests_status_updated;
DROP INDEX requests_partner_updated;
DROP INDEX requests_responsible;
DROP INDEX request_lines_type;
DROP INDEX request_events_action;
