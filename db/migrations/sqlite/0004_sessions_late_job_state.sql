-- Sub-second stays and late usage.
--
-- A stay shorter than a second is a valid session (R6: entering a room
-- counts) stored as 0 seconds, so left_at may equal joined_at. SQLite cannot
-- change a CHECK constraint in place: the table is rebuilt.
--
-- late_carrier marks a session recorded after the bill of a month it lies
-- in was stored (a snapshot): it names the bill that carries its late-usage
-- line, the first month after the newest stored bill at the time it was
-- recorded. NULL for every other session.
CREATE TABLE sessions_new (
    id           INTEGER PRIMARY KEY,
    sdk_app_id   INTEGER NOT NULL REFERENCES apps (sdk_app_id),
    session_id   TEXT,
    room_id      TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    joined_at    INTEGER NOT NULL,
    left_at      INTEGER NOT NULL CHECK (left_at >= joined_at),
    late_carrier TEXT
);
INSERT INTO sessions_new (id, sdk_app_id, session_id, room_id, user_id, joined_at, left_at)
    SELECT id, sdk_app_id, session_id, room_id, user_id, joined_at, left_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE UNIQUE INDEX sessions_session_id ON sessions (sdk_app_id, session_id);
CREATE UNIQUE INDEX sessions_natural ON sessions (sdk_app_id, room_id, user_id, joined_at);
CREATE INDEX sessions_joined ON sessions (sdk_app_id, joined_at);
CREATE INDEX sessions_late ON sessions (late_carrier, sdk_app_id) WHERE late_carrier IS NOT NULL;

-- What the server's background jobs have done, for the jobs to pick up
-- where they stopped (the monthly close: the month through which every
-- account's bills are stored). The jobs themselves run in River's tables.
CREATE TABLE job_state (
    name       TEXT    PRIMARY KEY,
    state      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
