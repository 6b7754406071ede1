-- Issued bills are snapshots: once a month is over, its bill is stored at
-- the first read or by a monthly close and never changes again.

CREATE TABLE issued_bills (
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    month           TEXT    NOT NULL,
    issued_at       INTEGER NOT NULL, -- when the snapshot was stored
    -- The month's own overage as issued: later sessions of the month show
    -- up as late usage on the next open bill, measured against this.
    overage_minutes INTEGER NOT NULL,
    body            TEXT    NOT NULL, -- the bill as issued, JSON
    PRIMARY KEY (account_id, month)
) WITHOUT ROWID;

-- The late-usage lines each issued bill carries: overage that an earlier,
-- already issued month gained after its own bill was issued.
CREATE TABLE issued_late_usage (
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    month       TEXT    NOT NULL, -- the bill that carries the line
    from_month  TEXT    NOT NULL, -- the month the sessions belong to
    minutes     INTEGER NOT NULL,
    PRIMARY KEY (account_id, month, from_month)
) WITHOUT ROWID;

CREATE TRIGGER issued_bills_no_update BEFORE UPDATE ON issued_bills
BEGIN SELECT RAISE(ABORT, 'an issued bill never changes'); END;
CREATE TRIGGER issued_bills_no_delete BEFORE DELETE ON issued_bills
BEGIN SELECT RAISE(ABORT, 'an issued bill never changes'); END;
CREATE TRIGGER issued_late_usage_no_update BEFORE UPDATE ON issued_late_usage
BEGIN SELECT RAISE(ABORT, 'an issued bill never changes'); END;
CREATE TRIGGER issued_late_usage_no_delete BEFORE DELETE ON issued_late_usage
BEGIN SELECT RAISE(ABORT, 'an issued bill never changes'); END;
