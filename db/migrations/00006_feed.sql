-- The gig feed: positions that become visible in commit order, a NOTIFY per event, and saved gig
-- alerts whose digests page through the feed.

-- +goose Up

-- Commit order = position order. An identity value is taken when a row is inserted but becomes
-- visible only at commit, so two concurrent transactions could commit out of numbering order and a
-- reader that already moved past the later one would skip the earlier one for ever. Taking a
-- transaction-scoped advisory lock before the position is drawn serializes appends from that point
-- until commit: the next append draws its number only after the previous transaction has committed
-- (and is visible — PostgreSQL releases locks after it marks the transaction committed) or rolled
-- back. Any snapshot that sees position n therefore sees every committed position below n. The
-- trigger is statement-level BEFORE, so it runs before the column default draws the number, for
-- every writer of the table, not only the Go code.
-- +goose StatementBegin
CREATE FUNCTION feed_serialize_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(TG_ARGV[0]::bigint);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- NOTIFY wakes the server instances; the payload is only the position, the data is read from the
-- table. Notifications are delivered at commit, so a woken reader always finds the row.
-- +goose StatementBegin
CREATE FUNCTION feed_notify_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], NEW.id::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Lock keys: one per event log ("gigfeed1", "ordfeed1" as bigints are arbitrary but fixed).
CREATE TRIGGER gig_events_serialize BEFORE INSERT ON gig_events
    FOR EACH STATEMENT EXECUTE FUNCTION feed_serialize_append('7470210001');
CREATE TRIGGER gig_events_notify AFTER INSERT ON gig_events
    FOR EACH ROW EXECUTE FUNCTION feed_notify_append('gig_events');
CREATE TRIGGER order_events_serialize BEFORE INSERT ON order_events
    FOR EACH STATEMENT EXECUTE FUNCTION feed_serialize_append('7470210002');
CREATE TRIGGER order_events_notify AFTER INSERT ON order_events
    FOR EACH ROW EXECUTE FUNCTION feed_notify_append('order_events');

CREATE TABLE gig_alerts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    -- The GigFilter as given (normalised by the API); the digest compiles it to SQL.
    filter     jsonb       NOT NULL CHECK (jsonb_typeof(filter) = 'object'),
    cadence    text        NOT NULL CHECK (cadence IN ('DAILY', 'WEEKLY')),
    -- The gig_events position acknowledged last; only ever moves forward.
    acked      bigint      NOT NULL DEFAULT 0 CHECK (acked >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gig_alerts_user_idx ON gig_alerts (user_id, id);

-- +goose Down
DROP TABLE gig_alerts;
DROP TRIGGER gig_events_serialize ON gig_events;
DROP TRIGGER gig_events_notify ON gig_events;
DROP TRIGGER order_events_serialize ON order_events;
DROP TRIGGER order_events_notify ON order_events;
DROP FUNCTION feed_serialize_append, feed_notify_append;
