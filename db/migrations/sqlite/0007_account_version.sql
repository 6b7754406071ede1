-- An account's version goes up in the same transaction as every write that
-- changes what its pages show (sessions, packages, applications): a page
-- kept rendered under the version it was made from is never
-- shown after such a write, on any server, and a write to one account
-- leaves the others' pages kept.
ALTER TABLE accounts ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
