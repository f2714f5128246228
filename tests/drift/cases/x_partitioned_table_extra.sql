-- kind: extra partitioned table
-- expect: table usage_events removed
-- expect: table usage_events_2026_01 removed
-- expect: table usage_events_default removed
CREATE TABLE usage_events (
    user_id uuid NOT NULL REFERENCES users (id),
    happened_on date NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (id, happened_on)
) PARTITION BY RANGE (happened_on);
CREATE TABLE usage_events_2026_01 PARTITION OF usage_events FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE usage_events_default PARTITION OF usage_events DEFAULT;
CREATE INDEX usage_events_user_idx ON usage_events (user_id);
