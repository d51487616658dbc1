-- A synthetic data set at benchmark scale, for checking query plans with EXPLAIN: run it with psql
-- on a freshly migrated, empty database (`psql -v n=100000 -f docs/scale-data.sql`). It is a
-- planning aid, not demo data: `gigraph seed` fills databases for people. Deterministic
-- (setseed), so plans are reproducible.
\set ON_ERROR_STOP on
\if :{?n}
\else
\set n 100000
\endif
BEGIN;
SELECT setseed(0.42);

-- Countries with a skewed distribution: a few large markets, a long tail.
\set countries '''{DE,NL,GB,FR,US,PL,ES,IT,PT,RO,UA,SE,DK,NO,FI,BE,AT,CH,CZ,HU,IE,GR,BG,HR,RS,IN,BR,AR,CA,AU}''::text[]'

INSERT INTO users (email, name, password_hash, created_at)
SELECT 'f' || g || '@example.com',
       (ARRAY['Anna','Ben','Chen','Dana','Emil','Fatima','Goran','Hana','Ivan','Julia','Karim','Lena','Marco','Nina','Omar','Petra'])[1 + g % 16]
         || ' ' || (ARRAY['Jansen','Smith','Kowalski','Garcia','Rossi','Novak','Dubois','Müller','Silva','Berg','Horvat','Popescu','Nagy','Olsen'])[1 + (g / 16) % 14],
       'unusable', now() - random() * interval '1100 days'
FROM generate_series(1, :n) g;

INSERT INTO freelancers (user_id, headline, bio, country, seniority, years_experience, daily_rate, currency, available, created_at, updated_at)
SELECT u.id,
       (ARRAY['Go and PostgreSQL back ends','Python data pipelines','Java microservices on Kubernetes','Rails and Postgres APIs',
              'Node.js and TypeScript services','PHP Laravel developer','Rust systems engineer','Cloud architect on AWS',
              'Django REST APIs','.NET back-end developer','Scala and Kafka streaming','DevOps with Terraform'])[1 + u.id % 12],
       'Experienced back-end developer. ' || (ARRAY['I build reliable APIs and data stores.','I migrate monoliths to services.',
              'I care about tests, observability and security.','I design event-driven systems with queues.',
              'I tune slow databases and queries.'])[1 + (u.id / 12) % 5],
       (:countries)[1 + least(29, floor(30 * power(random(), 2))::int)],
       s.sen, s.yrs,
       (20000 + floor(random() * 130000))::bigint,
       CASE WHEN random() < 0.85 THEN 'EUR' WHEN random() < 0.6 THEN 'USD' ELSE 'GBP' END,
       random() < 0.7, u.created_at, u.created_at
FROM users u
CROSS JOIN LATERAL (SELECT floor(random() * 25)::int + 0 * u.id AS yrs) y
CROSS JOIN LATERAL (SELECT y.yrs AS yrs, CASE WHEN y.yrs < 2 THEN 'JUNIOR' WHEN y.yrs < 5 THEN 'MID' WHEN y.yrs < 10 THEN 'SENIOR' ELSE 'LEAD' END AS sen) s
WHERE u.email LIKE 'f%';

-- 3–8 skills each, popular ones (low ids: go, python, java…) more often.
INSERT INTO freelancer_skills (freelancer_id, skill_id, level, years)
SELECT id, sk, 1 + floor(random() * 5)::int, floor(random() * 15)::int
FROM (SELECT f.id, 1 + least(67, floor(68 * power(random(), 1.5))::int) AS sk
      FROM freelancers f CROSS JOIN LATERAL generate_series(1, 3 + (f.id % 6)) k) x
ON CONFLICT DO NOTHING;

INSERT INTO users (email, name, password_hash)
SELECT 'c' || g || '@example.com', 'Client ' || g, 'unusable' FROM generate_series(1, :n / 10) g;
INSERT INTO clients (user_id, company_name, country, created_at)
SELECT id, 'Company ' || id, (:countries)[1 + id % 30], now() - interval '1100 days'
FROM users WHERE email LIKE 'c%';

INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote, country, status, created_at, updated_at)
SELECT cl.id,
       (ARRAY['Build a payments API','Migrate to PostgreSQL 16','Kubernetes platform work','Speed up our Django app',
              'Event sourcing in Go','Data warehouse ETL','GraphQL gateway','Laravel shop rewrite'])[1 + g % 8] || ' #' || g,
       'We need an experienced developer for ' || (ARRAY['a greenfield service','legacy modernisation','performance work','security hardening'])[1 + g % 4] || '.',
       CASE WHEN g % 3 = 0 THEN 'FIXED' ELSE 'DAILY' END,
       CASE WHEN g % 3 = 0 THEN 200000 + floor(random() * 5000000) ELSE 30000 + floor(random() * 120000) END::bigint,
       CASE WHEN random() < 0.85 THEN 'EUR' ELSE 'USD' END,
       r.remote, CASE WHEN r.remote AND random() < 0.5 THEN NULL ELSE (:countries)[1 + g % 30] END,
       (ARRAY['OPEN','OPEN','IN_PROGRESS','COMPLETED','COMPLETED','CANCELLED'])[1 + floor(random() * 6)::int],
       ts.t, ts.t
FROM generate_series(1, :n / 2) g
JOIN clients cl ON cl.id = 1 + (g * 7919) % (:n / 10)
CROSS JOIN LATERAL (SELECT random() + 0 * g < 0.7 AS remote) r
CROSS JOIN LATERAL (SELECT now() - (random() + 0 * g) * interval '1000 days' AS t) ts;

INSERT INTO project_skills (project_id, skill_id)
SELECT id, sk
FROM (SELECT p.id, 1 + least(67, floor(68 * power(random(), 1.5))::int) AS sk
      FROM projects p CROSS JOIN LATERAL generate_series(1, 2 + p.id % 4) k) x
ON CONFLICT DO NOTHING;

-- Completed orders for the public completedOrders counts.
INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency, status, accepted_at, completed_at)
SELECT p.id, p.client_id, 1 + (p.id * 104729) % :n, p.rate_type, p.budget, p.currency, 'COMPLETED', p.created_at, p.created_at + interval '30 days'
FROM projects p WHERE p.status = 'COMPLETED';

COMMIT;
ANALYZE;
