-- GET /api/pems/sync-status (SyncStatusRepository::summary) reads five narrow columns of every
-- queue row in its range, and the range is mostly settled rows that nobody changes any more. A
-- covering index lets it read them from the index alone (an index-only scan, once autovacuum has
-- marked the settled pages all-visible) instead of deforming every wide heap row past its
-- payload: a date range reads only its slice, no filter or one organization reads the whole
-- index, which is a sixth of the table's size.
CREATE INDEX idx_writequeue_status_summary ON pfa_write_queue (created_at)
    INCLUDE (organization_id, status, failure_class, completed_at);
