-- The abuse limits every instance shares (docs/operations.md#abuse-limits).
--
-- Request counters: per key (`c|{partition}|{client_id}` a client at the token endpoint,
-- `x|{address}` an address at the anonymous-token endpoint) and one-minute UTC window. Each
-- instance adds what it counted locally every few hundred milliseconds and adopts the total.
-- Windows long over are purged.
CREATE TABLE rate_counters (
    counter_key  text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         bigint      NOT NULL,
    CONSTRAINT rate_counters_pkey PRIMARY KEY (counter_key, window_start)
);
CREATE INDEX rate_counters_by_window ON rate_counters (window_start);

-- The login back-off: per account (`a|…`), name without an account (`n|…`) and source address
-- (`i|…`); `attempts` counts failures and attempts being checked, `locked_until` the lock the
-- last one set. An attempt is counted under the rows' locks.
CREATE TABLE login_attempts (
    backoff_key  text        NOT NULL,
    attempts     integer     NOT NULL,
    last_at      timestamptz NOT NULL,
    locked_until timestamptz,
    CONSTRAINT login_attempts_pkey PRIMARY KEY (backoff_key)
);
CREATE INDEX login_attempts_by_last ON login_attempts (last_at);
