-- A month's busiest rooms and its count of rooms, kept beside the sums in
-- the same transaction as the sessions, so that a bill of 10⁵ rooms reads
-- 20 rows and one count instead of sorting and counting every room of the
-- month. A room's sums only grow (sessions are never taken back), so the
-- busiest rooms stay exact: a room can only enter them by a batch of its
-- own, which the insert sees.
CREATE TABLE usage_top_rooms (
    account_id INTEGER NOT NULL,
    month      TEXT    NOT NULL,
    sdk_app_id INTEGER NOT NULL,
    room_id    TEXT    NOT NULL,
    seconds    INTEGER NOT NULL,
    sessions   INTEGER NOT NULL,
    PRIMARY KEY (account_id, month, sdk_app_id, room_id)
) WITHOUT ROWID;

CREATE TABLE usage_monthly_rooms (
    account_id INTEGER NOT NULL,
    month      TEXT    NOT NULL,
    rooms      INTEGER NOT NULL,
    PRIMARY KEY (account_id, month)
) WITHOUT ROWID;

INSERT INTO usage_top_rooms (account_id, month, sdk_app_id, room_id, seconds, sessions)
SELECT account_id, month, sdk_app_id, room_id, seconds, sessions FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY account_id, month ORDER BY seconds DESC, sdk_app_id, room_id) AS rank
    FROM usage_room_monthly)
WHERE rank <= 20;

INSERT INTO usage_monthly_rooms (account_id, month, rooms)
SELECT account_id, month, COUNT(*) FROM usage_room_monthly GROUP BY account_id, month;
