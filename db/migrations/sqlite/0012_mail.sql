-- E-mail: the language of an account's alerts and of a user's own mails,
-- sign-ups waiting for their address to be confirmed, and the queue of
-- mails with their log.

-- The language of the mails: the language of the sign-up, changeable (an
-- account's on its alert settings, a user's on /security). Accounts and
-- users made before it get the console's default, Chinese.
ALTER TABLE accounts ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh-CN';
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh-CN';

-- A sign-up whose address is not confirmed yet: nothing is opened until
-- its link is used. Only a SHA-256 of the link's token is kept; a new
-- sign-up with the same address replaces it, and using it deletes it.
CREATE TABLE signup_requests (
    token_hash    TEXT    PRIMARY KEY,
    email         TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    lang          TEXT    NOT NULL,
    plan          TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX signup_requests_email ON signup_requests (lower(email));
CREATE INDEX signup_requests_expiry ON signup_requests (expires_at);

-- The mail queue and its log, written in the transaction of the mail's
-- cause (an alert's event, a sign-up, a forgotten password). state is
-- pending (to be queued), queued (a job is on its way), sent or failed.
-- token is the secret of the link a credential mail carries, kept only
-- until the mail is sent or given up; expires_at is when that link stops
-- working, after which the mail is not sent.
CREATE TABLE mails (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('alert', 'signup_confirm', 'signup_exists', 'password_reset')),
    to_addr    TEXT    NOT NULL,
    lang       TEXT    NOT NULL,
    account_id INTEGER REFERENCES accounts (id),
    user_id    INTEGER REFERENCES users (id),
    event_id   TEXT    REFERENCES events (id),
    token      TEXT,
    expires_at INTEGER,
    state      TEXT    NOT NULL CHECK (state IN ('pending', 'queued', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);
CREATE INDEX mails_due ON mails (state, id);
CREATE INDEX mails_to ON mails (lower(to_addr), created_at);
