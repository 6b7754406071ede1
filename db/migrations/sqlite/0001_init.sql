-- Instants are INTEGER Unix seconds (UTC by definition); calendar days and
-- months are TEXT in China Standard Time ('2019-08-01', '2019-08'); money is
-- TEXT holding a decimal ('3688.00'), never a REAL.

CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX accounts_email ON accounts (email);

CREATE TABLE apps (
    sdk_app_id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX apps_account ON apps (account_id);

CREATE TABLE packages (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id),
    order_id         TEXT    NOT NULL UNIQUE,
    plan             TEXT    NOT NULL CHECK (plan IN ('trial', 'starter', 'standard', 'enterprise', 'premium')),
    purchased_at     INTEGER NOT NULL,
    included_minutes INTEGER NOT NULL CHECK (included_minutes > 0),
    price            TEXT    NOT NULL,
    idempotency_key  TEXT,
    recorded_at      INTEGER NOT NULL
);
CREATE INDEX packages_account ON packages (account_id, purchased_at);
CREATE UNIQUE INDEX packages_idempotency ON packages (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- R4: an account gets exactly one trial.
CREATE UNIQUE INDEX packages_one_trial ON packages (account_id) WHERE plan = 'trial';

-- A session is one user's stay in one room (R6). Without a client session
-- id, the natural key (room, user, joined_at) identifies it.
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    sdk_app_id INTEGER NOT NULL REFERENCES apps (sdk_app_id),
    session_id TEXT,
    room_id    TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    joined_at  INTEGER NOT NULL,
    left_at    INTEGER NOT NULL CHECK (left_at > joined_at)
);
CREATE UNIQUE INDEX sessions_session_id ON sessions (sdk_app_id, session_id);
CREATE UNIQUE INDEX sessions_natural ON sessions (sdk_app_id, room_id, user_id, joined_at);
CREATE INDEX sessions_joined ON sessions (sdk_app_id, joined_at);

-- Seconds per CST day and application, kept in the same transaction as the
-- sessions they sum, so that a bill reads days, not sessions (R7).
CREATE TABLE usage_daily (
    account_id INTEGER NOT NULL,
    day        TEXT    NOT NULL,
    sdk_app_id INTEGER NOT NULL,
    seconds    INTEGER NOT NULL,
    sessions   INTEGER NOT NULL,
    PRIMARY KEY (account_id, day, sdk_app_id)
) WITHOUT ROWID;

-- Seconds per CST month and room, for the bill's per-room breakdown (R11).
CREATE TABLE usage_room_monthly (
    account_id INTEGER NOT NULL,
    month      TEXT    NOT NULL,
    sdk_app_id INTEGER NOT NULL,
    room_id    TEXT    NOT NULL,
    seconds    INTEGER NOT NULL,
    sessions   INTEGER NOT NULL,
    PRIMARY KEY (account_id, month, sdk_app_id, room_id)
) WITHOUT ROWID;

-- Users in a room right now (live join/leave); a leave moves the row to
-- sessions.
CREATE TABLE live_sessions (
    sdk_app_id INTEGER NOT NULL REFERENCES apps (sdk_app_id),
    room_id    TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    session_id TEXT    NOT NULL,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (sdk_app_id, room_id, user_id)
);
