-- The monthly cube answers groupings over one facet (say Go by country, seniority and month) by
-- reading that facet's range of rate_cells. Its rows are scattered over the heap (they are
-- upserted as orders change), so fetching n from the heap read one page per row: at 1,000,000
-- orders, 19,000 pages and 360 ms for Go. Carrying n in the primary key, like the other rollup
-- tables, makes it an index-only scan over one contiguous range.

-- +goose Up
ALTER TABLE rate_cells DROP CONSTRAINT rate_cells_pkey,
    ADD PRIMARY KEY (source, facet, month, country, seniority, currency, rate) INCLUDE (n);

-- +goose Down
ALTER TABLE rate_cells DROP CONSTRAINT rate_cells_pkey,
    ADD PRIMARY KEY (source, facet, month, country, seniority, currency, rate);
