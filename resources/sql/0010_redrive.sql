-- A redriven dead letter is never resent blindly: the worker first re-reads the record from PEMS
-- into the mirror, and the next claim rebases the change on it or raises a conflict.
ALTER TABLE pfa_write_queue ADD COLUMN refresh_first boolean NOT NULL DEFAULT false;
