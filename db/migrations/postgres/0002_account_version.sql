-- SQLite's 0007: an account's version goes up in the same transaction as
-- every write that changes what its pages show.
ALTER TABLE accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
