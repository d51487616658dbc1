-- Rate analytics: an exact, trigger-maintained rollup of daily rates so that rateStats answers
-- percentiles over a million orders in milliseconds.
--
-- Sources: ASKING is every freelancer's current daily rate (one item per freelancer, dated by
-- freelancers.updated_at); AGREED is the rate of every DAILY order that is ACCEPTED or COMPLETED
-- (one item per order, dated by orders.accepted_at, with the skills of its project and the
-- country and seniority of its freelancer).
--
-- Facets say which skill group an item counts in, so that every group counts an item once:
--   0          every item (no skill grouping);
--   skill id   items with that skill (> 0);
--   -1 … -6    items with a skill of that category (LANGUAGE … PRACTICE, see rate_category_facet).
--
-- rate_items holds what each item contributes now; the rollups below are kept equal to
-- aggregates of rate_items by statement-level triggers on the base tables, in the same
-- transaction as the change (so the rollup is never stale). Counting distinct rates with their
-- frequency loses nothing: percentile_cont over the frequency table equals percentile_cont over
-- the rows.

-- +goose Up
CREATE FUNCTION rate_category_facet(category text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN -array_position(ARRAY['LANGUAGE', 'FRAMEWORK', 'DATABASE', 'CLOUD', 'DEVOPS', 'PRACTICE'], category)::bigint;

CREATE TABLE rate_items (
    source        text   NOT NULL CHECK (source IN ('ASKING', 'AGREED')),
    -- The freelancer id for ASKING, the order id for AGREED.
    ref           bigint NOT NULL,
    freelancer_id bigint NOT NULL,
    country       text   NOT NULL,
    seniority     text   NOT NULL,
    day           date   NOT NULL,
    currency      text   NOT NULL,
    rate          bigint NOT NULL,
    facets        bigint[] NOT NULL,
    PRIMARY KEY (source, ref)
);
-- Serves date ranges that do not fall on month boundaries, and skill sets no facet covers.
CREATE INDEX rate_items_day_idx ON rate_items (source, day);
CREATE INDEX rate_items_facets_idx ON rate_items USING gin (facets);

-- Frequency of each rate per (facet, month, country, seniority, currency).
CREATE TABLE rate_cells (
    source    text   NOT NULL,
    facet     bigint NOT NULL,
    month     date   NOT NULL,
    country   text   NOT NULL,
    seniority text   NOT NULL,
    currency  text   NOT NULL,
    rate      bigint NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (source, facet, month, country, seniority, currency, rate)
);
-- Counts are upserted as deltas and rows that dropped to zero are deleted right after (the partial
-- index finds them at once). No CHECK (n >= 0): PostgreSQL checks the proposed row of an upsert
-- (the negative delta) before it finds the conflict; the consistency test guards the counts.
CREATE INDEX rate_cells_zero_idx ON rate_cells (source) WHERE n = 0;

-- Which freelancers contribute to each (facet, month, country, seniority, currency): distinct
-- freelancer counts (and the privacy threshold) come from here.
CREATE TABLE rate_people (
    source        text   NOT NULL,
    facet         bigint NOT NULL,
    month         date   NOT NULL,
    country       text   NOT NULL,
    seniority     text   NOT NULL,
    currency      text   NOT NULL,
    freelancer_id bigint NOT NULL,
    n             bigint NOT NULL,
    PRIMARY KEY (source, facet, month, country, seniority, currency, freelancer_id)
);
CREATE INDEX rate_people_zero_idx ON rate_people (source) WHERE n = 0;

-- All-time frequency of each rate per facet: answers "by skill" without touching the cube.
CREATE TABLE rate_facet_cells (
    source   text   NOT NULL,
    facet    bigint NOT NULL,
    currency text   NOT NULL,
    rate     bigint NOT NULL,
    n        bigint NOT NULL,
    -- Currency before facet: "by skill" reads one contiguous range, in (facet, rate) order, from
    -- the index alone.
    PRIMARY KEY (source, currency, facet, rate) INCLUDE (n)
);
CREATE INDEX rate_facet_cells_zero_idx ON rate_facet_cells (source) WHERE n = 0;

-- By facet and month (all countries and seniorities), with counters: answers MONTH groupings.
CREATE TABLE rate_month_cells (
    source   text   NOT NULL,
    currency text   NOT NULL,
    facet    bigint NOT NULL,
    month    date   NOT NULL,
    rate     bigint NOT NULL,
    n        bigint NOT NULL,
    PRIMARY KEY (source, currency, facet, month, rate) INCLUDE (n)
);
CREATE INDEX rate_month_cells_zero_idx ON rate_month_cells (source) WHERE n = 0;

-- Distinct freelancers and rates per facet and month: the number of rate_people rows (one per
-- freelancer, who has one country and seniority) and their sum.
CREATE TABLE rate_month_counts (
    source      text   NOT NULL,
    currency    text   NOT NULL,
    facet       bigint NOT NULL,
    month       date   NOT NULL,
    freelancers bigint NOT NULL,
    n           bigint NOT NULL,
    PRIMARY KEY (source, currency, facet, month)
);

-- All time, by facet, country and seniority: answers groupings and filters without months.
CREATE TABLE rate_dim_cells (
    source    text   NOT NULL,
    currency  text   NOT NULL,
    facet     bigint NOT NULL,
    country   text   NOT NULL,
    seniority text   NOT NULL,
    rate      bigint NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (source, currency, facet, country, seniority, rate) INCLUDE (n)
);
CREATE INDEX rate_dim_cells_zero_idx ON rate_dim_cells (source) WHERE n = 0;

-- Which freelancers contribute to each facet, all time. A freelancer has one country and
-- seniority at a time, so adding them to the key adds no rows, and distinct freelancers are
-- additive over countries and seniorities.
CREATE TABLE rate_facet_people (
    source        text   NOT NULL,
    facet         bigint NOT NULL,
    currency      text   NOT NULL,
    country       text   NOT NULL,
    seniority     text   NOT NULL,
    freelancer_id bigint NOT NULL,
    n             bigint NOT NULL,
    PRIMARY KEY (source, facet, currency, country, seniority, freelancer_id)
);
CREATE INDEX rate_facet_people_zero_idx ON rate_facet_people (source) WHERE n = 0;

-- Per facet and currency, all time: distinct freelancers (the number of rate_facet_people rows)
-- and rates, kept as counters so that they are read, not counted.
CREATE TABLE rate_facet_counts (
    source      text   NOT NULL,
    facet       bigint NOT NULL,
    currency    text   NOT NULL,
    freelancers bigint NOT NULL,
    n           bigint NOT NULL,
    PRIMARY KEY (source, facet, currency)
);

-- The same counters per country and seniority.
CREATE TABLE rate_dim_counts (
    source      text   NOT NULL,
    currency    text   NOT NULL,
    facet       bigint NOT NULL,
    country     text   NOT NULL,
    seniority   text   NOT NULL,
    freelancers bigint NOT NULL,
    n           bigint NOT NULL,
    PRIMARY KEY (source, currency, facet, country, seniority)
);

-- The facets of an item with these skills: 0, each skill, each distinct category.
CREATE FUNCTION rate_facets(skill_ids bigint[]) RETURNS bigint[]
    LANGUAGE sql STABLE
    RETURN ARRAY[0::bigint] || ARRAY(
        SELECT f FROM (
            SELECT s.id AS f FROM skills s WHERE s.id = ANY (skill_ids)
            UNION
            SELECT rate_category_facet(s.category) FROM skills s WHERE s.id = ANY (skill_ids)
        ) x ORDER BY f);

-- What the base tables say the items are now; ids NULL means all of them.
-- +goose StatementBegin
CREATE FUNCTION rate_asking_items(ids bigint[]) RETURNS SETOF rate_items
    LANGUAGE sql STABLE
    BEGIN ATOMIC
        SELECT 'ASKING', f.id, f.id, f.country, f.seniority, (f.updated_at AT TIME ZONE 'UTC')::date,
               f.currency, f.daily_rate,
               rate_facets(ARRAY(SELECT fs.skill_id FROM freelancer_skills fs WHERE fs.freelancer_id = f.id))
          FROM freelancers f
         WHERE ids IS NULL OR f.id = ANY (ids);
    END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION rate_agreed_items(ids bigint[]) RETURNS SETOF rate_items
    LANGUAGE sql STABLE
    BEGIN ATOMIC
        SELECT 'AGREED', o.id, o.freelancer_id, f.country, f.seniority, (o.accepted_at AT TIME ZONE 'UTC')::date,
               o.currency, o.amount,
               rate_facets(ARRAY(SELECT ps.skill_id FROM project_skills ps WHERE ps.project_id = o.project_id))
          FROM orders o
          JOIN freelancers f ON f.id = o.freelancer_id
         WHERE (ids IS NULL OR o.id = ANY (ids))
           AND o.rate_type = 'DAILY' AND o.status IN ('ACCEPTED', 'COMPLETED');
    END;
-- +goose StatementEnd

-- Adds the rows of the session's rate_delta to every rollup and removes rows that dropped to zero.
-- Keys are upserted in key order so that concurrent writers lock rows in the same order.
-- +goose StatementBegin
CREATE FUNCTION rate_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rate_cells AS c (source, facet, month, country, seniority, currency, rate, n)
    SELECT source, facet, month, country, seniority, currency, rate, sum(d)
      FROM rate_delta GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (source, facet, month, country, seniority, currency, rate) DO UPDATE SET n = c.n + excluded.n;
    DELETE FROM rate_cells WHERE n = 0;

    INSERT INTO rate_month_cells AS c (source, currency, facet, month, rate, n)
    SELECT source, currency, facet, month, rate, sum(d)
      FROM rate_delta GROUP BY 1, 2, 3, 4, 5 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (source, currency, facet, month, rate) DO UPDATE SET n = c.n + excluded.n;
    DELETE FROM rate_month_cells WHERE n = 0;

    -- A rate_people row going from 0 to positive adds one freelancer to its month's counter; one
    -- going to 0 takes one off (new n = old n + d).
    WITH d AS (
        SELECT source, facet, month, country, seniority, currency, freelancer_id, sum(d) AS d
          FROM rate_delta GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(d) <> 0
    ), up AS (
        INSERT INTO rate_people AS p (source, facet, month, country, seniority, currency, freelancer_id, n)
        SELECT source, facet, month, country, seniority, currency, freelancer_id, d FROM d ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (source, facet, month, country, seniority, currency, freelancer_id) DO UPDATE SET n = p.n + excluded.n
        RETURNING p.source, p.facet, p.month, p.country, p.seniority, p.currency, p.freelancer_id, p.n
    ), t AS (
        SELECT up.source, up.facet, up.month, up.currency,
               sum(CASE WHEN up.n > 0 AND up.n = d.d THEN 1 WHEN up.n = 0 THEN -1 ELSE 0 END) AS k
          FROM up JOIN d USING (source, facet, month, country, seniority, currency, freelancer_id)
         GROUP BY 1, 2, 3, 4
    ), tot AS (
        SELECT source, facet, month, currency, sum(d) AS dn FROM rate_delta GROUP BY 1, 2, 3, 4
    )
    INSERT INTO rate_month_counts AS c (source, currency, facet, month, freelancers, n)
    SELECT source, currency, facet, month, coalesce(t.k, 0), coalesce(tot.dn, 0)
      FROM t FULL JOIN tot USING (source, facet, month, currency)
     WHERE coalesce(t.k, 0) <> 0 OR coalesce(tot.dn, 0) <> 0
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (source, currency, facet, month) DO UPDATE
       SET freelancers = c.freelancers + excluded.freelancers, n = c.n + excluded.n;
    DELETE FROM rate_people WHERE n = 0;
    DELETE FROM rate_month_counts WHERE n = 0;

    INSERT INTO rate_facet_cells AS c (source, facet, currency, rate, n)
    SELECT source, facet, currency, rate, sum(d)
      FROM rate_delta GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (source, facet, currency, rate) DO UPDATE SET n = c.n + excluded.n;
    DELETE FROM rate_facet_cells WHERE n = 0;

    INSERT INTO rate_dim_cells AS c (source, currency, facet, country, seniority, rate, n)
    SELECT source, currency, facet, country, seniority, rate, sum(d)
      FROM rate_delta GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (source, currency, facet, country, seniority, rate) DO UPDATE SET n = c.n + excluded.n;
    DELETE FROM rate_dim_cells WHERE n = 0;

    -- A freelancer row going from 0 to positive adds one to its counters; one going to 0 takes
    -- one off (new n = old n + d).
    WITH d AS (
        SELECT source, facet, currency, country, seniority, freelancer_id, sum(d) AS d
          FROM rate_delta GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d) <> 0
    ), up AS (
        INSERT INTO rate_facet_people AS p (source, facet, currency, country, seniority, freelancer_id, n)
        SELECT source, facet, currency, country, seniority, freelancer_id, d FROM d ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (source, facet, currency, country, seniority, freelancer_id) DO UPDATE SET n = p.n + excluded.n
        RETURNING p.source, p.facet, p.currency, p.country, p.seniority, p.freelancer_id, p.n
    ), t AS (
        SELECT up.source, up.facet, up.currency, up.country, up.seniority,
               sum(CASE WHEN up.n > 0 AND up.n = d.d THEN 1 WHEN up.n = 0 THEN -1 ELSE 0 END) AS k
          FROM up JOIN d USING (source, facet, currency, country, seniority, freelancer_id)
         GROUP BY 1, 2, 3, 4, 5
    ), tot AS (
        SELECT source, facet, currency, country, seniority, sum(d) AS dn FROM rate_delta GROUP BY 1, 2, 3, 4, 5
    ), chg AS (
        SELECT source, facet, currency, country, seniority, coalesce(t.k, 0) AS k, coalesce(tot.dn, 0) AS dn
          FROM t FULL JOIN tot USING (source, facet, currency, country, seniority)
    ), dim AS (
        INSERT INTO rate_dim_counts AS c (source, currency, facet, country, seniority, freelancers, n)
        SELECT source, currency, facet, country, seniority, k, dn FROM chg WHERE k <> 0 OR dn <> 0
         ORDER BY source, currency, facet, country, seniority
        ON CONFLICT (source, currency, facet, country, seniority) DO UPDATE
           SET freelancers = c.freelancers + excluded.freelancers, n = c.n + excluded.n
    )
    INSERT INTO rate_facet_counts AS c (source, facet, currency, freelancers, n)
    SELECT source, facet, currency, sum(k), sum(dn) FROM chg
     GROUP BY 1, 2, 3 HAVING sum(k) <> 0 OR sum(dn) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (source, facet, currency) DO UPDATE
       SET freelancers = c.freelancers + excluded.freelancers, n = c.n + excluded.n;
    DELETE FROM rate_facet_people WHERE n = 0;
    DELETE FROM rate_facet_counts WHERE n = 0;
    DELETE FROM rate_dim_counts WHERE n = 0;
END
$$;
-- +goose StatementEnd

-- Re-reads the given items from the base tables, replaces them in rate_items and applies the
-- difference to the rollups.
-- +goose StatementBegin
CREATE FUNCTION rate_sync(src text, refs bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF refs IS NULL OR cardinality(refs) = 0 THEN
        RETURN;
    END IF;
    IF to_regclass('pg_temp.rate_delta') IS NULL THEN
        CREATE TEMP TABLE rate_delta (
            source text, facet bigint, month date, country text, seniority text, currency text,
            freelancer_id bigint, rate bigint, d bigint
        ) ON COMMIT DELETE ROWS;
    END IF;
    DELETE FROM rate_delta;

    WITH old AS (DELETE FROM rate_items WHERE source = src AND ref = ANY (refs) RETURNING *)
    INSERT INTO rate_delta
    SELECT o.source, f, date_trunc('month', o.day)::date, o.country, o.seniority, o.currency, o.freelancer_id, o.rate, -1
      FROM old o, unnest(o.facets) f;

    IF src = 'ASKING' THEN
        INSERT INTO rate_items SELECT * FROM rate_asking_items(refs);
    ELSE
        INSERT INTO rate_items SELECT * FROM rate_agreed_items(refs);
    END IF;
    INSERT INTO rate_delta
    SELECT i.source, f, date_trunc('month', i.day)::date, i.country, i.seniority, i.currency, i.freelancer_id, i.rate, 1
      FROM rate_items i, unnest(i.facets) f
     WHERE i.source = src AND i.ref = ANY (refs);

    PERFORM rate_apply();
    DELETE FROM rate_delta;
END
$$;
-- +goose StatementEnd

-- Rebuilds every rollup from the base tables. Used after bulk loads with triggers disabled, and
-- after a skill changes category.
-- +goose StatementBegin
CREATE FUNCTION rate_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE rate_items, rate_cells, rate_people, rate_facet_cells, rate_dim_cells, rate_facet_people,
        rate_facet_counts, rate_dim_counts, rate_month_cells, rate_month_counts;
    -- The same items as rate_asking_items(NULL) and rate_agreed_items(NULL), with the facets
    -- computed by joins instead of a lookup per item.
    INSERT INTO rate_items
    SELECT 'ASKING', f.id, f.id, f.country, f.seniority, (f.updated_at AT TIME ZONE 'UTC')::date,
           f.currency, f.daily_rate, coalesce(x.facets, ARRAY[0::bigint])
      FROM freelancers f
      LEFT JOIN (SELECT y.freelancer_id, ARRAY[0::bigint] || array_agg(DISTINCT y.facet ORDER BY y.facet) AS facets
                   FROM (SELECT fs.freelancer_id, unnest(ARRAY[s.id, rate_category_facet(s.category)]) AS facet
                           FROM freelancer_skills fs JOIN skills s ON s.id = fs.skill_id) y
                  GROUP BY y.freelancer_id) x ON x.freelancer_id = f.id;
    INSERT INTO rate_items
    SELECT 'AGREED', o.id, o.freelancer_id, f.country, f.seniority, (o.accepted_at AT TIME ZONE 'UTC')::date,
           o.currency, o.amount, coalesce(x.facets, ARRAY[0::bigint])
      FROM orders o
      JOIN freelancers f ON f.id = o.freelancer_id
      LEFT JOIN (SELECT y.project_id, ARRAY[0::bigint] || array_agg(DISTINCT y.facet ORDER BY y.facet) AS facets
                   FROM (SELECT ps.project_id, unnest(ARRAY[s.id, rate_category_facet(s.category)]) AS facet
                           FROM project_skills ps JOIN skills s ON s.id = ps.skill_id) y
                  GROUP BY y.project_id) x ON x.project_id = o.project_id
     WHERE o.rate_type = 'DAILY' AND o.status IN ('ACCEPTED', 'COMPLETED');
    INSERT INTO rate_cells (source, facet, month, country, seniority, currency, rate, n)
    SELECT source, f, date_trunc('month', day)::date, country, seniority, currency, rate, count(*)
      FROM rate_items, unnest(facets) f GROUP BY 1, 2, 3, 4, 5, 6, 7;
    INSERT INTO rate_people (source, facet, month, country, seniority, currency, freelancer_id, n)
    SELECT source, f, date_trunc('month', day)::date, country, seniority, currency, freelancer_id, count(*)
      FROM rate_items, unnest(facets) f GROUP BY 1, 2, 3, 4, 5, 6, 7;
    INSERT INTO rate_facet_cells (source, facet, currency, rate, n)
    SELECT source, f, currency, rate, count(*) FROM rate_items, unnest(facets) f GROUP BY 1, 2, 3, 4;
    INSERT INTO rate_month_cells (source, currency, facet, month, rate, n)
    SELECT source, currency, f, date_trunc('month', day)::date, rate, count(*) FROM rate_items, unnest(facets) f GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO rate_month_counts (source, currency, facet, month, freelancers, n)
    SELECT source, currency, facet, month, count(*), sum(n) FROM rate_people GROUP BY 1, 2, 3, 4;
    INSERT INTO rate_dim_cells (source, currency, facet, country, seniority, rate, n)
    SELECT source, currency, f, country, seniority, rate, count(*) FROM rate_items, unnest(facets) f GROUP BY 1, 2, 3, 4, 5, 6;
    INSERT INTO rate_facet_people (source, facet, currency, country, seniority, freelancer_id, n)
    SELECT source, f, currency, country, seniority, freelancer_id, count(*) FROM rate_items, unnest(facets) f GROUP BY 1, 2, 3, 4, 5, 6;
    INSERT INTO rate_dim_counts (source, currency, facet, country, seniority, freelancers, n)
    SELECT source, currency, facet, country, seniority, count(*), sum(n) FROM rate_facet_people GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO rate_facet_counts (source, facet, currency, freelancers, n)
    SELECT source, facet, currency, count(*), sum(n) FROM rate_facet_people GROUP BY 1, 2, 3;
    ANALYZE rate_items, rate_cells, rate_people, rate_facet_cells, rate_dim_cells, rate_facet_people, rate_facet_counts,
        rate_dim_counts, rate_month_cells, rate_month_counts;
END
$$;
-- +goose StatementEnd

-- The triggers: each works out which items a statement touched and syncs them. A bulk load (the
-- seed) may set gigraph.rates_deferred = on for its transaction and call rate_rebuild() before it
-- commits, instead of syncing batch by batch.
-- +goose StatementBegin
CREATE FUNCTION rate_deferred() RETURNS boolean LANGUAGE sql STABLE
    RETURN coalesce(current_setting('gigraph.rates_deferred', true), '') = 'on';

CREATE FUNCTION rate_orders_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF rate_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM rate_sync('AGREED', ARRAY(SELECT id FROM old_rows));
    ELSE
        PERFORM rate_sync('AGREED', ARRAY(SELECT id FROM new_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION rate_freelancers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF rate_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM rate_sync('ASKING', ARRAY(SELECT id FROM old_rows));
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM rate_sync('ASKING', ARRAY(SELECT id FROM new_rows));
    ELSE
        PERFORM rate_sync('ASKING', ARRAY(SELECT id FROM new_rows));
        -- Agreed rates are grouped by their freelancer's current country and seniority.
        PERFORM rate_sync('AGREED', ARRAY(
            SELECT o.id FROM new_rows n JOIN old_rows p ON p.id = n.id JOIN orders o ON o.freelancer_id = n.id
             WHERE (n.country, n.seniority) IS DISTINCT FROM (p.country, p.seniority)));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION rate_freelancer_skills_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF rate_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM rate_sync('ASKING', ARRAY(SELECT DISTINCT freelancer_id FROM old_rows));
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM rate_sync('ASKING', ARRAY(SELECT DISTINCT freelancer_id FROM new_rows));
    ELSE
        PERFORM rate_sync('ASKING', ARRAY(SELECT freelancer_id FROM new_rows UNION SELECT freelancer_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION rate_project_skills_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF rate_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM rate_sync('AGREED', ARRAY(SELECT o.id FROM orders o WHERE o.project_id IN (SELECT project_id FROM old_rows)));
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM rate_sync('AGREED', ARRAY(SELECT o.id FROM orders o WHERE o.project_id IN (SELECT project_id FROM new_rows)));
    ELSE
        PERFORM rate_sync('AGREED', ARRAY(SELECT o.id FROM orders o WHERE o.project_id IN
            (SELECT project_id FROM new_rows UNION SELECT project_id FROM old_rows)));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION rate_skills_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF rate_deferred() THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows p ON p.id = n.id WHERE n.category <> p.category) THEN
        PERFORM rate_rebuild();
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER rate_orders_insert AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_orders_changed();
CREATE TRIGGER rate_orders_update AFTER UPDATE ON orders REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_orders_changed();
CREATE TRIGGER rate_orders_delete AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_orders_changed();

CREATE TRIGGER rate_freelancers_insert AFTER INSERT ON freelancers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_freelancers_changed();
CREATE TRIGGER rate_freelancers_update AFTER UPDATE ON freelancers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_freelancers_changed();
CREATE TRIGGER rate_freelancers_delete AFTER DELETE ON freelancers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_freelancers_changed();

CREATE TRIGGER rate_freelancer_skills_insert AFTER INSERT ON freelancer_skills REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_freelancer_skills_changed();
CREATE TRIGGER rate_freelancer_skills_update AFTER UPDATE ON freelancer_skills REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_freelancer_skills_changed();
CREATE TRIGGER rate_freelancer_skills_delete AFTER DELETE ON freelancer_skills REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_freelancer_skills_changed();

CREATE TRIGGER rate_project_skills_insert AFTER INSERT ON project_skills REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_project_skills_changed();
CREATE TRIGGER rate_project_skills_update AFTER UPDATE ON project_skills REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_project_skills_changed();
CREATE TRIGGER rate_project_skills_delete AFTER DELETE ON project_skills REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_project_skills_changed();

CREATE TRIGGER rate_skills_update AFTER UPDATE ON skills REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rate_skills_changed();

SELECT rate_rebuild();

-- +goose Down
DROP TRIGGER rate_orders_insert ON orders;
DROP TRIGGER rate_orders_update ON orders;
DROP TRIGGER rate_orders_delete ON orders;
DROP TRIGGER rate_freelancers_insert ON freelancers;
DROP TRIGGER rate_freelancers_update ON freelancers;
DROP TRIGGER rate_freelancers_delete ON freelancers;
DROP TRIGGER rate_freelancer_skills_insert ON freelancer_skills;
DROP TRIGGER rate_freelancer_skills_update ON freelancer_skills;
DROP TRIGGER rate_freelancer_skills_delete ON freelancer_skills;
DROP TRIGGER rate_project_skills_insert ON project_skills;
DROP TRIGGER rate_project_skills_update ON project_skills;
DROP TRIGGER rate_project_skills_delete ON project_skills;
DROP TRIGGER rate_skills_update ON skills;
DROP FUNCTION rate_deferred, rate_orders_changed, rate_freelancers_changed, rate_freelancer_skills_changed,
    rate_project_skills_changed, rate_skills_changed, rate_rebuild, rate_sync, rate_apply,
    rate_asking_items, rate_agreed_items, rate_facets;
DROP TABLE rate_month_counts, rate_month_cells, rate_dim_counts, rate_dim_cells, rate_facet_counts, rate_facet_people, rate_facet_cells, rate_people, rate_cells, rate_items;
DROP FUNCTION rate_category_facet;
