-- Accounts: the persistent per-account login throttle.

-- +goose Up
-- Login attempts without a success per account, in fixed windows. Keyed by the lower-cased email
-- as typed, whether or not an account has it, so throttling looks the same for unknown emails and
-- does not reveal which accounts exist. A success deletes the row; stale rows are swept on login.
CREATE TABLE login_attempts (
    email        text        PRIMARY KEY CHECK (email = lower(email) AND length(email) <= 254),
    attempts     integer     NOT NULL CHECK (attempts > 0),
    window_start timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_window_idx ON login_attempts (window_start);

-- +goose Down
DROP TABLE login_attempts;
