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
-- Seniority follows experience, so filtering one level while ordering by EXPERIENCE would walk
-- past every profile of the other levels in the plain experience index.
CREATE INDEX freelancers_seniority_experience_idx ON freelancers (seniority, years_experience, id);
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
-- Client.projects(status: [OPEN]) and Client.openProjects: a busy client has hundreds of gigs,
-- most of them closed.
CREATE INDEX projects_client_status_idx ON projects (client_id, status, created_at, id);
CREATE INDEX projects_search_idx ON projects USING gin (search);

-- A skill's gigs, newest first. Walking all gigs newest first and probing each for the skill reads
-- the whole table for a skill no gig asks for (6 s at 400k gigs); reading the skill's rows sorts
-- all of them for a popular one. So project_skills carries its gig's posting time, kept by
-- triggers (a gig's created_at never changes in the application, but a copy must not drift), and
-- (skill_id, created_at, project_id) serves the list directly.
ALTER TABLE project_skills ADD COLUMN created_at timestamptz;
UPDATE project_skills ps SET created_at = p.created_at FROM projects p WHERE p.id = ps.project_id;
ALTER TABLE project_skills ALTER COLUMN created_at SET NOT NULL;
-- +goose StatementBegin
CREATE FUNCTION project_skills_created_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := (SELECT created_at FROM projects WHERE id = NEW.project_id);
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER project_skills_created_at BEFORE INSERT OR UPDATE OF project_id, created_at ON project_skills
    FOR EACH ROW EXECUTE FUNCTION project_skills_created_at();
-- +goose StatementBegin
CREATE FUNCTION projects_created_at_to_skills() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE project_skills SET created_at = NEW.created_at WHERE project_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER projects_created_at_to_skills AFTER UPDATE OF created_at ON projects
    FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at) EXECUTE FUNCTION projects_created_at_to_skills();
CREATE INDEX project_skills_skill_created_idx ON project_skills (skill_id, created_at, project_id);

-- +goose Down
DROP TRIGGER projects_created_at_to_skills ON projects;
DROP TRIGGER project_skills_created_at ON project_skills;
DROP FUNCTION projects_created_at_to_skills, project_skills_created_at;
DROP INDEX project_skills_skill_created_idx;
ALTER TABLE project_skills DROP COLUMN created_at;
DROP INDEX freelancers_daily_rate_idx, freelancers_experience_idx, freelancers_created_idx,
    freelancers_available_rate_idx, freelancers_country_idx, freelancers_seniority_idx,
    freelancers_seniority_experience_idx, freelancers_search_idx, freelancer_skills_skill_level_idx, projects_created_idx,
    projects_budget_idx, projects_status_created_idx, projects_client_status_idx, projects_country_idx, projects_search_idx;
CREATE INDEX freelancer_skills_skill_idx ON freelancer_skills (skill_id, level DESC, freelancer_id);
