-- Indexes behind the public read graph: every ordering of the freelancer and project lists is a
-- btree on (sort key, id), so a page is one index range scan from its cursor, and every filter has
-- an index the planner can start from when it is selective. Plans at 100k freelancers are in
-- docs/query-plans.md.

-- +goose Up
-- Freelancer orderings: DAILY_RATE, EXPERIENCE, NEWEST (both directions: btrees scan backwards).
CREATE INDEX freelancers_daily_rate_idx ON freelancers (daily_rate, id);
CREATE INDEX freelancers_experience_idx ON freelancers (years_experience, id);
CREATE INDEX freelancers_created_idx ON freelancers (created_at, id);
-- The front page asks for available freelancers by rate; most profiles are available, so this
-- mostly saves the heap visits of unavailable ones.
CREATE INDEX freelancers_available_rate_idx ON freelancers (daily_rate, id) WHERE available;
-- Selective filters: countries (about 1/40 each), seniority, and full-text search.
CREATE INDEX freelancers_country_idx ON freelancers (country, daily_rate, id);
CREATE INDEX freelancers_seniority_idx ON freelancers (seniority, daily_rate, id);
CREATE INDEX freelancers_search_idx ON freelancers USING gin (search);

-- A skill's freelancers, best level first then newest ID (scanned backwards), and skill filters
-- with a minimum level. Replaces the (skill_id, level DESC, freelancer_id) index, whose mixed
-- directions no row-value comparison can seek in.
DROP INDEX freelancer_skills_skill_idx;
CREATE INDEX freelancer_skills_skill_level_idx ON freelancer_skills (skill_id, level, freelancer_id);

-- Project orderings: NEWEST, BUDGET; "open gigs, newest first" is the common default.
CREATE INDEX projects_created_idx ON projects (created_at, id);
CREATE INDEX projects_budget_idx ON projects (budget, id);
CREATE INDEX projects_status_created_idx ON projects (status, created_at, id);
CREATE INDEX projects_country_idx ON projects (country, created_at, id) WHERE country IS NOT NULL;
CREATE INDEX projects_search_idx ON projects USING gin (search);

-- +goose Down
DROP INDEX freelancers_daily_rate_idx, freelancers_experience_idx, freelancers_created_idx,
    freelancers_available_rate_idx, freelancers_country_idx, freelancers_seniority_idx,
    freelancers_search_idx, freelancer_skills_skill_level_idx, projects_created_idx,
    projects_budget_idx, projects_status_created_idx, projects_country_idx, projects_search_idx;
CREATE INDEX freelancer_skills_skill_idx ON freelancer_skills (skill_id, level DESC, freelancer_id);
