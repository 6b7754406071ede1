-- SQLite's 0010: the latest end of the sessions a day's sum holds (NULL
-- for sums written before it). See the SQLite migration.
ALTER TABLE usage_daily ADD COLUMN last_left_at BIGINT;
