-- Sign-in, roles, customer API tokens and the audit trail.

-- Sales staff work on demo accounts only.
ALTER TABLE accounts ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('customer', 'support', 'sales', 'admin')),
    -- A customer is bound to exactly one account; staff to none.
    account_id    INTEGER REFERENCES accounts (id),
    created_at    INTEGER NOT NULL,
    CHECK ((role = 'customer') = (account_id IS NOT NULL))
);
CREATE INDEX users_account ON users (account_id);

-- Server-side sessions of the console (github.com/alexedwards/scs).
CREATE TABLE web_sessions (
    token  TEXT    PRIMARY KEY,
    data   BLOB    NOT NULL,
    expiry INTEGER NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expiry);

-- A customer's API tokens: only a SHA-256 of each is kept; the token itself
-- is shown once, when it is created.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    created_by   INTEGER REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

-- Who did what, when, to which account. Append-only.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            INTEGER NOT NULL,
    actor_user_id INTEGER,
    actor         TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    account_id    INTEGER,
    detail        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_account ON audit_log (account_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
