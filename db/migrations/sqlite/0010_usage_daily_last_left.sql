-- The latest end of the sessions a day's sum holds, so that the day in
-- progress is rated from its sum when none of them ends after the instant
-- rated (every stored session has, unless clocks disagree). NULL for the
-- sums written before this column: their day is rated from its sessions.
ALTER TABLE usage_daily ADD COLUMN last_left_at INTEGER;
