-- The statements behind the main list queries, as the store builds them, for EXPLAIN on a database
-- filled with docs/scale-data.sql: psql -f docs/query-plans.sql. Results are summarised in
-- docs/query-plans.md.
\pset pager off
\set cols 'f.id, f.user_id, u.name, f.headline, f.bio, f.country, f.seniority, f.years_experience, f.daily_rate, f.currency, f.available, f.created_at, f.updated_at'
\echo '### Q1 issue query: skills [go], DAILY_RATE ASC'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols FROM (SELECT f.* FROM freelancers f WHERE EXISTS (SELECT 1 FROM freelancer_skills fs WHERE fs.freelancer_id = f.id AND fs.skill_id = 1) ORDER BY f.daily_rate ASC, f.id ASC LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.daily_rate ASC, f.id ASC;
\echo '### Q1b same, page 50 (cursor)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols FROM (SELECT f.* FROM freelancers f WHERE EXISTS (SELECT 1 FROM freelancer_skills fs WHERE fs.freelancer_id = f.id AND fs.skill_id = 1) AND (f.daily_rate, f.id) > (60000, 50000) ORDER BY f.daily_rate ASC, f.id ASC LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.daily_rate ASC, f.id ASC;
\echo '### Q1c totalCount'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM freelancers f WHERE EXISTS (SELECT 1 FROM freelancer_skills fs WHERE fs.freelancer_id = f.id AND fs.skill_id = 1);
\echo '### Q2 default NEWEST DESC, deep cursor'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols FROM (SELECT f.* FROM freelancers f WHERE (f.created_at, f.id) < (now() - interval '500 days', 1) ORDER BY f.created_at DESC, f.id DESC LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.created_at DESC, f.id DESC;
\echo '### Q3 countries [NL] available DAILY_RATE'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols FROM (SELECT f.* FROM freelancers f WHERE f.country = 'NL' AND f.available = true ORDER BY f.daily_rate ASC, f.id ASC LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.daily_rate ASC, f.id ASC;
\echo '### Q3b small country [DK] DAILY_RATE'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols FROM (SELECT f.* FROM freelancers f WHERE f.country = 'DK' ORDER BY f.daily_rate ASC, f.id ASC LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.daily_rate ASC, f.id ASC;
\echo '### Q4 rate range EUR 400-600 DAILY_RATE DESC'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols FROM (SELECT f.* FROM freelancers f WHERE f.currency = 'EUR' AND f.daily_rate >= 40000 AND f.daily_rate <= 60000 ORDER BY f.daily_rate DESC, f.id DESC LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.daily_rate DESC, f.id DESC;
\echo '### Q5 seniority JUNIOR EXPERIENCE DESC'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols FROM (SELECT f.* FROM freelancers f WHERE f.seniority = 'JUNIOR' ORDER BY f.years_experience DESC, f.id DESC LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.years_experience DESC, f.id DESC;
\echo '### Q6 skills [go, postgresql] minLevel 4 NEWEST'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols FROM (SELECT f.* FROM freelancers f WHERE EXISTS (SELECT 1 FROM freelancer_skills fs WHERE fs.freelancer_id = f.id AND fs.skill_id = 1 AND fs.level >= 4) AND EXISTS (SELECT 1 FROM freelancer_skills fs WHERE fs.freelancer_id = f.id AND fs.skill_id = (SELECT id FROM skills WHERE slug='postgresql') AND fs.level >= 4) ORDER BY f.created_at DESC, f.id DESC LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.created_at DESC, f.id DESC;
\echo '### Q6b rare skill anySkills [data-engineering] minLevel 5 DAILY_RATE'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols FROM (SELECT f.* FROM freelancers f WHERE EXISTS (SELECT 1 FROM freelancer_skills fs WHERE fs.freelancer_id = f.id AND fs.skill_id = ANY('{68}') AND fs.level >= 5) ORDER BY f.daily_rate ASC, f.id ASC LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.daily_rate ASC, f.id ASC;
\echo '### Q7 search RELEVANCE'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols, f.rank FROM (SELECT f.*, ts_rank(f.search, (websearch_to_tsquery('english', 'kafka microservices') || websearch_to_tsquery('simple', 'kafka microservices'))) AS rank FROM freelancers f WHERE f.search @@ (websearch_to_tsquery('english', 'kafka microservices') || websearch_to_tsquery('simple', 'kafka microservices')) ORDER BY ts_rank(f.search, (websearch_to_tsquery('english', 'kafka microservices') || websearch_to_tsquery('simple', 'kafka microservices'))) DESC, f.id DESC LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.rank DESC, f.id DESC;
\echo '### Q7b search by name, DAILY_RATE'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :cols FROM (SELECT f.* FROM freelancers f WHERE f.search @@ (websearch_to_tsquery('english', 'jan bakker') || websearch_to_tsquery('simple', 'jan bakker')) ORDER BY f.daily_rate, f.id LIMIT 21) f JOIN users u ON u.id = f.user_id ORDER BY f.daily_rate, f.id;
\set pcols 'p.id, p.client_id, p.title, p.description, p.rate_type, p.budget, p.currency, p.remote, p.country, p.status, p.created_at, p.updated_at'
\echo '### P1 projects status OPEN NEWEST'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :pcols FROM projects p WHERE p.status = 'OPEN' ORDER BY p.created_at DESC, p.id DESC LIMIT 21;
\echo '### P2 projects OPEN anySkills [go, rust] NEWEST'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :pcols FROM projects p WHERE p.status = 'OPEN' AND EXISTS (SELECT 1 FROM project_skills ps WHERE ps.project_id = p.id AND ps.skill_id = ANY('{1,12}')) ORDER BY p.created_at DESC, p.id DESC LIMIT 21;
\echo '### P3 projects minBudget EUR 1000 BUDGET DESC'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :pcols FROM projects p WHERE p.currency = 'EUR' AND p.budget >= 100000 ORDER BY p.budget DESC, p.id DESC LIMIT 21;
\echo '### P4 projects countries [PL] remote false postedAfter NEWEST'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :pcols FROM projects p WHERE p.remote = false AND p.country = 'PL' AND p.created_at >= now() - interval '90 days' ORDER BY p.created_at DESC, p.id DESC LIMIT 21;
\echo '### P5 projects search RELEVANCE'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT :pcols, ts_rank(p.search, websearch_to_tsquery('english', 'graphql api')) AS rank FROM projects p WHERE p.search @@ websearch_to_tsquery('english', 'graphql api') ORDER BY 13 DESC, p.id DESC LIMIT 21;
\echo '### N1 Skill.freelancers batched (8 skills, first 20)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT k.parent AS parent_id, x.* FROM unnest('{1,2,3,4,5,6,7,8}'::bigint[]) WITH ORDINALITY AS k(parent, i) CROSS JOIN LATERAL (SELECT :cols, fs.level FROM freelancer_skills fs JOIN freelancers f ON f.id = fs.freelancer_id JOIN users u ON u.id = f.user_id WHERE fs.skill_id = k.parent AND (fs.level, fs.freelancer_id) < (3, 50000) ORDER BY fs.level DESC, fs.freelancer_id DESC LIMIT 21) x ORDER BY k.i, x.level DESC, x.id DESC;
\echo '### N2 Skill.projects batched (8 skills, first 20)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT k.parent AS parent_id, x.* FROM unnest('{1,2,3,4,5,6,7,8}'::bigint[]) WITH ORDINALITY AS k(parent, i) CROSS JOIN LATERAL (SELECT :pcols FROM project_skills ps JOIN projects p ON p.id = ps.project_id WHERE ps.skill_id = k.parent ORDER BY ps.created_at DESC, ps.project_id DESC LIMIT 21) x ORDER BY k.i, x.created_at DESC, x.id DESC;
\echo '### N2b Skill.projects for a skill no gig asks for'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT k.parent AS parent_id, x.* FROM unnest('{6}'::bigint[]) WITH ORDINALITY AS k(parent, i) CROSS JOIN LATERAL (SELECT :pcols FROM project_skills ps JOIN projects p ON p.id = ps.project_id WHERE ps.skill_id = k.parent ORDER BY ps.created_at DESC, ps.project_id DESC LIMIT 21) x ORDER BY k.i, x.created_at DESC, x.id DESC;
\echo '### N3 Client.projects batched (20 clients, status OPEN)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT k.parent AS parent_id, x.* FROM unnest(ARRAY(SELECT generate_series(1,20))::bigint[]) WITH ORDINALITY AS k(parent, i) CROSS JOIN LATERAL (SELECT :pcols FROM projects p WHERE p.client_id = k.parent AND p.status = 'OPEN' ORDER BY p.created_at DESC, p.id DESC LIMIT 21) x ORDER BY k.i, x.created_at DESC, x.id DESC;
\echo '### L1 FreelancerSkills loader (20 freelancers)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT fs.freelancer_id, fs.skill_id, fs.level, fs.years, s.id, s.slug, s.name, s.category FROM freelancer_skills fs JOIN skills s ON s.id = fs.skill_id WHERE fs.freelancer_id = ANY(ARRAY(SELECT generate_series(1000,1019))::bigint[]) ORDER BY fs.freelancer_id, fs.level DESC, fs.years DESC, s.name;
\echo '### L2 completedOrders loader (20 freelancers)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT freelancer_id AS id, count(*) AS n FROM orders WHERE freelancer_id = ANY(ARRAY(SELECT generate_series(1000,1019))::bigint[]) AND status = 'COMPLETED' GROUP BY freelancer_id;
\echo '### L3 Skill.freelancers totalCount loader'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT skill_id AS id, count(*) AS n FROM freelancer_skills WHERE skill_id = ANY('{1,2,3,4,5,6,7,8}') GROUP BY skill_id;
