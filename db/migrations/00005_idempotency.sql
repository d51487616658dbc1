-- Idempotency keys for the money mutations (placeOrder, fundMilestone, releaseMilestone,
-- refundMilestone). A key is claimed by inserting its row first, in the same transaction as the
-- change it guards: a concurrent retry with the same key blocks on the primary key until the first
-- transaction ends, then sees its committed result (or, if it rolled back, runs in its place).
-- Keys are per user; rows are kept at least 24 hours (Store.DeleteExpiredIdempotencyKeys).

-- +goose Up
CREATE TABLE idempotency_keys (
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          text        NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    -- The mutation the key was first used for; the same key on another mutation is a CONFLICT.
    operation    text        NOT NULL CHECK (operation IN ('placeOrder', 'fundMilestone', 'releaseMilestone', 'refundMilestone')),
    -- SHA-256 of the canonical input, so a reuse with other input is recognised.
    request_hash bytea       NOT NULL CHECK (length(request_hash) = 32),
    -- The ID of the order or milestone the first call returned, and that result as it was then;
    -- both are set before the claiming transaction commits.
    result_id    bigint,
    result       jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
-- Serves the cleanup of expired keys.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
