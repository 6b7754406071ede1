-- One CSV import at a time per account, across every server sharing the
-- database: a row is an import in progress, until it ends or expires_at
-- passes (a server that stopped in the middle of an import).
CREATE TABLE import_locks (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    holder     TEXT    NOT NULL, -- a random name of the request holding it
    expires_at INTEGER NOT NULL
);
