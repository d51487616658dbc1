-- Benchmark data for rate analytics only (see db/analytics_bench_test.go): 100,000 freelancers,
-- 10,000 clients, 200,000 daily-rate gigs and 1,000,000 accepted or completed daily orders over
-- the 24 months before 2026-11-01, deterministic (setseed). Rates are whole tens of euros (some in
-- USD and GBP). Triggers are off during the load (session_replication_role = replica, which
-- needs a superuser) and the rollup is rebuilt once at the end, as a bulk load would do.
SET session_replication_role = replica;
SELECT setseed(0.42);
INSERT INTO users (email, name, password_hash)
SELECT 'bench' || g || '@example.com', 'Bench ' || g, 'x' FROM generate_series(1, 110000) g;
INSERT INTO freelancers (user_id, headline, country, seniority, years_experience, daily_rate, currency, created_at, updated_at)
SELECT u.id, 'Back-end developer',
       (ARRAY['DE','NL','FR','GB','US','PL','ES','IT','SE','PT','RO','UA','IN','BR','CA','AT','CH','BE','DK','FI'])[1 + floor(random() * 20)::int],
       (ARRAY['JUNIOR','MID','SENIOR','LEAD'])[1 + floor(random() * 4)::int],
       floor(random() * 25)::int,
       (25 + floor(random() * 90)::int) * 1000,
       CASE WHEN random() < 0.9 THEN 'EUR' WHEN random() < 0.7 THEN 'USD' ELSE 'GBP' END,
       t, t
  FROM (SELECT id, timestamptz '2026-11-01' - random() * interval '730 days' AS t FROM users WHERE id <= 100000) u;
INSERT INTO freelancer_skills (freelancer_id, skill_id, level, years)
SELECT f.id, s.id, 3, 2 FROM freelancers f,
       LATERAL (SELECT id FROM skills ORDER BY random() + f.id * 0 LIMIT 3 + f.id % 4) s;
INSERT INTO clients (user_id, company_name, country)
SELECT id, 'Client ' || id, 'DE' FROM users WHERE id > 100000;
INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote, status)
SELECT 1 + g % 10000, 'Gig ' || g, '', 'DAILY', 50000,
       CASE WHEN random() < 0.9 THEN 'EUR' WHEN random() < 0.7 THEN 'USD' ELSE 'GBP' END, true, 'IN_PROGRESS'
  FROM generate_series(1, 200000) g;
INSERT INTO project_skills (project_id, skill_id, created_at)
SELECT p.id, s.id, p.created_at FROM projects p,
       LATERAL (SELECT id FROM skills ORDER BY random() + p.id * 0 LIMIT 1 + p.id % 3) s;
INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency, status, created_at, accepted_at, completed_at)
SELECT p.id, p.client_id, f.id, 'DAILY', greatest(10000, f.daily_rate + (floor(random() * 11)::int - 5) * 1000), p.currency,
       CASE WHEN g <= 200000 THEN 'ACCEPTED' ELSE 'COMPLETED' END, t, t,
       CASE WHEN g <= 200000 THEN NULL ELSE t + interval '20 days' END
  FROM (SELECT g, 1 + (g - 1) % 200000 AS pid, 1 + floor(random() * 100000)::int AS fid,
               timestamptz '2026-11-01' - random() * interval '730 days' AS t
          FROM generate_series(1, 1000000) g) x
  JOIN projects p ON p.id = x.pid
  JOIN freelancers f ON f.id = x.fid;
SET session_replication_role = DEFAULT;
ANALYZE;
SELECT rate_rebuild();
