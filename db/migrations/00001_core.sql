-- The core data model: accounts, profiles, the skills taxonomy, gigs, orders and milestones.
-- Constraints here make bad states impossible whatever the application does.

-- +goose Up
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text        NOT NULL CHECK (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    name          text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    password_hash text        NOT NULL,
    is_admin      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- Email is unique case-insensitively; logins look it up through the same expression.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE sessions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Only a SHA-256 of the bearer token is stored: a database leak yields no usable token.
    token_hash bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE skills (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug     text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 50),
    name     text NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    category text NOT NULL CHECK (category IN ('LANGUAGE', 'FRAMEWORK', 'DATABASE', 'CLOUD', 'DEVOPS', 'PRACTICE'))
);
-- The default skills ordering (category, name, id).
CREATE INDEX skills_category_name_idx ON skills (category, name, id);

CREATE TABLE freelancers (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          bigint      NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    headline         text        NOT NULL CHECK (length(btrim(headline)) BETWEEN 1 AND 200),
    bio              text        NOT NULL DEFAULT '' CHECK (length(bio) <= 10000),
    country          text        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    seniority        text        NOT NULL CHECK (seniority IN ('JUNIOR', 'MID', 'SENIOR', 'LEAD')),
    years_experience integer     NOT NULL CHECK (years_experience BETWEEN 0 AND 60),
    daily_rate       bigint      NOT NULL CHECK (daily_rate > 0),
    currency         text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    available        boolean     NOT NULL DEFAULT true,
    -- Full-text document over the user's name, headline and bio; kept by triggers below because a
    -- generated column cannot read the users table.
    search           tsvector    NOT NULL DEFAULT ''::tsvector,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE freelancer_skills (
    freelancer_id bigint  NOT NULL REFERENCES freelancers (id) ON DELETE CASCADE,
    skill_id      bigint  NOT NULL REFERENCES skills (id),
    level         integer NOT NULL CHECK (level BETWEEN 1 AND 5),
    years         integer NOT NULL CHECK (years BETWEEN 0 AND 60),
    PRIMARY KEY (freelancer_id, skill_id)
);
-- Serves skill → freelancers (best level first) and skill filters with a minimum level.
CREATE INDEX freelancer_skills_skill_idx ON freelancer_skills (skill_id, level DESC, freelancer_id);

CREATE TABLE clients (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint      NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    company_name text        NOT NULL CHECK (length(btrim(company_name)) BETWEEN 1 AND 200),
    country      text        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id   bigint      NOT NULL REFERENCES clients (id),
    title       text        NOT NULL CHECK (length(btrim(title)) BETWEEN 3 AND 200),
    description text        NOT NULL CHECK (length(description) <= 20000),
    rate_type   text        NOT NULL CHECK (rate_type IN ('FIXED', 'DAILY')),
    budget      bigint      NOT NULL CHECK (budget > 0),
    currency    text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    remote      boolean     NOT NULL,
    country     text        CHECK (country ~ '^[A-Z]{2}$'),
    status      text        NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED')),
    search      tsvector    GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')
                ) STORED,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- An on-site gig must say where it is.
    CHECK (remote OR country IS NOT NULL)
);

CREATE TABLE project_skills (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    skill_id   bigint NOT NULL REFERENCES skills (id),
    PRIMARY KEY (project_id, skill_id)
);
CREATE INDEX project_skills_skill_idx ON project_skills (skill_id, project_id);

CREATE TABLE orders (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint      NOT NULL REFERENCES projects (id),
    client_id     bigint      NOT NULL REFERENCES clients (id),
    freelancer_id bigint      NOT NULL REFERENCES freelancers (id),
    rate_type     text        NOT NULL CHECK (rate_type IN ('FIXED', 'DAILY')),
    amount        bigint      NOT NULL CHECK (amount > 0),
    currency      text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status        text        NOT NULL DEFAULT 'PROPOSED' CHECK (status IN ('PROPOSED', 'ACCEPTED', 'COMPLETED', 'DECLINED', 'CANCELLED')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    accepted_at   timestamptz,
    completed_at  timestamptz,
    CHECK (status NOT IN ('ACCEPTED', 'COMPLETED') OR accepted_at IS NOT NULL),
    CHECK (status <> 'COMPLETED' OR completed_at IS NOT NULL)
);
-- A freelancer holds at most one live order per gig.
CREATE UNIQUE INDEX orders_live_key ON orders (project_id, freelancer_id) WHERE status IN ('PROPOSED', 'ACCEPTED');

CREATE TABLE milestones (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     bigint      NOT NULL REFERENCES orders (id),
    title        text        NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    amount       bigint      NOT NULL CHECK (amount > 0),
    currency     text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    due_date     date,
    status       text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'FUNDED', 'SUBMITTED', 'RELEASED', 'CANCELLED', 'REFUNDED')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    funded_at    timestamptz,
    submitted_at timestamptz,
    released_at  timestamptz,
    refunded_at  timestamptz,
    CHECK (status NOT IN ('FUNDED', 'SUBMITTED', 'RELEASED', 'REFUNDED') OR funded_at IS NOT NULL),
    CHECK (status <> 'RELEASED' OR released_at IS NOT NULL),
    CHECK (status <> 'REFUNDED' OR refunded_at IS NOT NULL)
);
CREATE INDEX milestones_order_idx ON milestones (order_id, id);

-- Foreign-key indexes that also serve each owner's list, newest first.
CREATE INDEX projects_client_idx ON projects (client_id, created_at DESC, id DESC);
CREATE INDEX orders_project_idx ON orders (project_id, created_at DESC, id DESC);
CREATE INDEX orders_client_idx ON orders (client_id, created_at DESC, id DESC);
CREATE INDEX orders_freelancer_idx ON orders (freelancer_id, created_at DESC, id DESC);

-- The money ledger: append-only double entry. Every movement (a "transfer") writes two or more
-- entries that sum to zero, in the same transaction as the state change it records.
-- Accounts: 'client:<client id>', 'escrow:milestone:<milestone id>', 'freelancer:<freelancer id>'.
CREATE SEQUENCE ledger_transfer_seq;
CREATE TABLE ledger_entries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id  bigint      NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('FUND', 'RELEASE', 'REFUND')),
    account      text        NOT NULL CHECK (account ~ '^(client|freelancer|escrow:milestone):[0-9]+$'),
    amount       bigint      NOT NULL CHECK (amount <> 0),
    currency     text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    order_id     bigint      NOT NULL REFERENCES orders (id),
    milestone_id bigint      NOT NULL REFERENCES milestones (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_order_idx ON ledger_entries (order_id, id);
CREATE INDEX ledger_entries_milestone_idx ON ledger_entries (milestone_id, id);
CREATE INDEX ledger_entries_transfer_idx ON ledger_entries (transfer_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account, currency);

-- Nothing changes or deletes a ledger row: a correction is a reversing entry.
-- +goose StatementBegin
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only: % is not allowed', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();

-- Every transfer balances, checked at commit so its entries can be inserted one by one.
-- +goose StatementBegin
CREATE FUNCTION ledger_transfer_balances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unbalanced text;
BEGIN
    SELECT currency INTO unbalanced FROM ledger_entries
     WHERE transfer_id = NEW.transfer_id GROUP BY currency HAVING sum(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transfer % does not balance in %', NEW.transfer_id, unbalanced USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER ledger_transfer_balances AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transfer_balances();

-- Append-only event logs behind subscriptions, digests and resume. Each event's position is its
-- id; the feed code is responsible for positions becoming visible in order (see the feed package).
CREATE TABLE gig_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint      NOT NULL REFERENCES projects (id),
    kind       text        NOT NULL DEFAULT 'POSTED' CHECK (kind IN ('POSTED')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gig_events_project_idx ON gig_events (project_id);

CREATE TABLE order_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     bigint      NOT NULL REFERENCES orders (id),
    milestone_id bigint      REFERENCES milestones (id),
    kind         text        NOT NULL CHECK (kind IN ('PLACED', 'ACCEPTED', 'DECLINED', 'CANCELLED', 'COMPLETED',
                     'MILESTONE_ADDED', 'MILESTONE_FUNDED', 'MILESTONE_SUBMITTED', 'MILESTONE_RELEASED', 'MILESTONE_REFUNDED')),
    actor_id     bigint      REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);
CREATE INDEX order_events_milestone_idx ON order_events (milestone_id);
CREATE INDEX order_events_actor_idx ON order_events (actor_id);

-- Keeps freelancers.search in step with the profile and the owner's name.
-- +goose StatementBegin
CREATE FUNCTION freelancers_search_doc() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search :=
        setweight(to_tsvector('simple', coalesce((SELECT name FROM users WHERE id = NEW.user_id), '')), 'A') ||
        setweight(to_tsvector('english', NEW.headline), 'A') ||
        setweight(to_tsvector('english', NEW.bio), 'B');
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER freelancers_search_doc BEFORE INSERT OR UPDATE OF headline, bio, user_id ON freelancers
    FOR EACH ROW EXECUTE FUNCTION freelancers_search_doc();

-- +goose StatementBegin
CREATE FUNCTION users_name_search_doc() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Re-run the freelancer trigger so the new name is searchable.
    UPDATE freelancers SET headline = headline WHERE user_id = NEW.id;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_name_search_doc AFTER UPDATE OF name ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION users_name_search_doc();

-- +goose Down
DROP TABLE order_events, gig_events, ledger_entries, milestones, orders, project_skills, projects, clients, freelancer_skills, freelancers, skills, sessions, users;
DROP SEQUENCE ledger_transfer_seq;
DROP FUNCTION freelancers_search_doc, users_name_search_doc, ledger_entries_append_only, ledger_transfer_balances;
