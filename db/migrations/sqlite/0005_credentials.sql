-- Credentials: web sessions found by a hash of their token, disabled users,
-- ending every session of a user, password reset links, and the settings
-- table that holds the per-database secret of anonymous CSRF tokens.

-- The old table kept each session's token, which is its cookie, in clear,
-- in the database and in every backup. Its sessions are dropped: everyone
-- signs in again. A session is now found by the SHA-256 of its token;
-- user_id is whose it is, so that all of a user's sessions can be ended.
DROP TABLE web_sessions;
CREATE TABLE web_sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER,
    data       BLOB    NOT NULL,
    expiry     INTEGER NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expiry);
CREATE INDEX web_sessions_user ON web_sessions (user_id) WHERE user_id IS NOT NULL;

-- A disabled user cannot sign in. session_epoch goes up each time all of a
-- user's sessions are ended (sign out everywhere, a new password, disabling);
-- a session remembers the epoch it began in and is refused after that.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;

-- One-time links an admin makes to let a user set a new password. Only a
-- SHA-256 of the link's token is kept; a link is used once, before expires_at.
CREATE TABLE password_resets (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT    NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- Values the servers on one database share, written once, such as the key
-- that signs anonymous visitors' CSRF tokens.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
