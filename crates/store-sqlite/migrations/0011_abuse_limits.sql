-- The abuse limits (docs/operations.md#abuse-limits). A single SQLite process keeps them in
-- memory; these tables hold the same state for the shared store's interface, so both backends
-- implement it alike (times are integer microseconds, as everywhere in this schema).
CREATE TABLE rate_counters (
    counter_key  TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (counter_key, window_start)
);
CREATE INDEX rate_counters_by_window ON rate_counters (window_start);

CREATE TABLE login_attempts (
    backoff_key  TEXT    NOT NULL PRIMARY KEY,
    attempts     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    locked_until INTEGER
);
CREATE INDEX login_attempts_by_last ON login_attempts (last_at);
