-- SQLite's 0008: the rooms of an issued bill, as they stood when the bill
-- was stored, written in the same transaction. Bills stored before this
-- table hold every room in their body and have no rows here.
--
-- Room ids sort byte by byte (COLLATE "C"), as SQLite sorts them, so that
-- the room lists come in one order whatever the server's locale; the
-- running month's rooms get the same collation.
CREATE TABLE issued_bill_rooms (
    account_id BIGINT NOT NULL,
    month      TEXT   NOT NULL,
    sdk_app_id BIGINT NOT NULL,
    room_id    TEXT   COLLATE "C" NOT NULL,
    seconds    BIGINT NOT NULL,
    sessions   BIGINT NOT NULL,
    PRIMARY KEY (account_id, month, sdk_app_id, room_id),
    FOREIGN KEY (account_id, month) REFERENCES issued_bills (account_id, month)
);
CREATE TRIGGER issued_bill_rooms_no_change BEFORE UPDATE OR DELETE ON issued_bill_rooms
    FOR EACH ROW EXECUTE FUNCTION rtcbill_refuse('an issued bill never changes');
ALTER TABLE usage_room_monthly ALTER COLUMN room_id TYPE TEXT COLLATE "C";
