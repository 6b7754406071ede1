-- SQLite's 0011: a month's busiest rooms and its count of rooms, kept
-- beside the sums. See the SQLite migration.
CREATE TABLE usage_top_rooms (
    account_id BIGINT NOT NULL,
    month      TEXT   NOT NULL,
    sdk_app_id BIGINT NOT NULL,
    room_id    TEXT   COLLATE "C" NOT NULL,
    seconds    BIGINT NOT NULL,
    sessions   BIGINT NOT NULL,
    PRIMARY KEY (account_id, month, sdk_app_id, room_id)
);

CREATE TABLE usage_monthly_rooms (
    account_id BIGINT NOT NULL,
    month      TEXT   NOT NULL,
    rooms      BIGINT NOT NULL,
    PRIMARY KEY (account_id, month)
);

INSERT INTO usage_top_rooms (account_id, month, sdk_app_id, room_id, seconds, sessions)
SELECT account_id, month, sdk_app_id, room_id, seconds, sessions FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY account_id, month ORDER BY seconds DESC, sdk_app_id, room_id) AS rank
    FROM usage_room_monthly) AS ranked
WHERE rank <= 20;

INSERT INTO usage_monthly_rooms (account_id, month, rooms)
SELECT account_id, month, COUNT(*) FROM usage_room_monthly GROUP BY account_id, month;
