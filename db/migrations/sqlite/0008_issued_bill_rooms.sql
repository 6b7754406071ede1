-- The rooms of an issued bill: each room's seconds and sessions in the
-- month as they stood when the bill was stored, written in the same
-- transaction as the bill. The bill's body keeps only the rooms with the
-- most seconds (billing.TopRooms) and how many there are; the list, its
-- pages and the CSV read the rest here. Bills stored before this table
-- hold every room in their body and have no rows here.
CREATE TABLE issued_bill_rooms (
    account_id INTEGER NOT NULL,
    month      TEXT    NOT NULL,
    sdk_app_id INTEGER NOT NULL,
    room_id    TEXT    NOT NULL,
    seconds    INTEGER NOT NULL,
    sessions   INTEGER NOT NULL,
    PRIMARY KEY (account_id, month, sdk_app_id, room_id),
    FOREIGN KEY (account_id, month) REFERENCES issued_bills (account_id, month)
) WITHOUT ROWID;
CREATE TRIGGER issued_bill_rooms_no_update BEFORE UPDATE ON issued_bill_rooms
BEGIN SELECT RAISE(ABORT, 'an issued bill never changes'); END;
CREATE TRIGGER issued_bill_rooms_no_delete BEFORE DELETE ON issued_bill_rooms
BEGIN SELECT RAISE(ABORT, 'an issued bill never changes'); END;
