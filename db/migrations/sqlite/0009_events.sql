-- Events (the outbox): written in the same transaction as the change that
-- causes them, so that none is lost and none tells of a change that rolled
-- back. seq orders an account's events: every writer of events holds the
-- account's lock, so seq grows in commit order per account. dedup_key makes
-- the events that fire once (a threshold per package, a month's first
-- overage, a bill) fire once: a second insert with the same key is ignored.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    type       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    data       TEXT    NOT NULL,
    dedup_key  TEXT,
    UNIQUE (account_id, dedup_key)
);
CREATE INDEX events_account ON events (account_id, seq);

-- What the periodic look for expiring and expired packages needs, one row
-- per package written with it: its expiry instant (R3) and whether its
-- package.expiring and package.expired have been decided. Packages that
-- had expired before this table existed are marked decided: their history
-- makes no events.
CREATE TABLE package_alerts (
    package_id    INTEGER PRIMARY KEY REFERENCES packages (id),
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    expires_at    INTEGER NOT NULL,
    expiring_done INTEGER NOT NULL DEFAULT 0,
    expired_done  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX package_alerts_expired ON package_alerts (expired_done, expires_at);
CREATE INDEX package_alerts_expiring ON package_alerts (expiring_done, expires_at);
INSERT INTO package_alerts (package_id, account_id, expires_at, expiring_done, expired_done)
SELECT id, account_id, until, until <= CAST(strftime('%s', 'now') AS INTEGER), until <= CAST(strftime('%s', 'now') AS INTEGER)
FROM (SELECT id, account_id,
             CAST(strftime('%s', date(purchased_at + 28800, 'unixepoch', 'start of month', '+13 months')) AS INTEGER) - 28800 AS until
      FROM packages);

-- An account's alert settings; without a row the defaults hold
-- (low_balance_pct "20", expiring_days 30). low_balance_pct is the
-- thresholds, comma-separated, descending; empty turns them off.
CREATE TABLE alert_settings (
    account_id      INTEGER PRIMARY KEY REFERENCES accounts (id),
    low_balance_pct TEXT    NOT NULL,
    expiring_days   INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- How far each user has read an account's notifications (its events).
CREATE TABLE notification_reads (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    seen_seq   INTEGER NOT NULL,
    PRIMARY KEY (user_id, account_id)
);

-- Webhooks: where an account's events are posted. events is the types
-- subscribed to, comma-separated; empty means every type. The secret signs
-- the deliveries (Standard Webhooks), so it is kept as it was issued.
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    url        TEXT    NOT NULL,
    events     TEXT    NOT NULL,
    secret     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_id);

-- One delivery per webhook and event, written with the event. state is
-- pending (due at next_attempt_at), queued (a job is on its way),
-- delivered or failed; attempts counts the attempts made, round_start the
-- attempts made before the last retry asked for by hand.
CREATE TABLE webhook_deliveries (
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL REFERENCES events (id),
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'queued', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    round_start     INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);

-- The delivery log: one row per attempt. response is at most the first
-- 1 KB of the answer's body.
CREATE TABLE webhook_attempts (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL,
    attempt         INTEGER NOT NULL,
    status_code     INTEGER,
    error           TEXT,
    response        TEXT    NOT NULL DEFAULT '',
    at              INTEGER NOT NULL,
    next_attempt_at INTEGER
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
