-- A small random marketplace for the rate analytics tests, drawn after setseed(seed) so a failure can
-- be replayed: 60 freelancers in three countries, 40 gigs (mostly DAILY), 300 orders in every
-- state, rates from a short list so that ties and interpolation both occur, some in USD, skills
-- from a pool of eight in four categories (some profiles and gigs without skills).
INSERT INTO users (email, name, password_hash)
SELECT 'rates' || g || '@example.com', 'Rates ' || g, 'x' FROM generate_series(1, 65) g;
INSERT INTO freelancers (user_id, headline, country, seniority, years_experience, daily_rate, currency, updated_at)
SELECT u.id, 'Developer', (ARRAY['DE', 'NL', 'FR'])[1 + floor(random() * 3)::int],
       (ARRAY['JUNIOR', 'MID', 'SENIOR', 'LEAD'])[1 + floor(random() * 4)::int], 5,
       (ARRAY[30000, 35000, 40000, 45000, 47550, 50000, 60000, 80000])[1 + floor(random() * 8)::int],
       CASE WHEN random() < 0.85 THEN 'EUR' ELSE 'USD' END,
       timestamptz '2026-01-01' + random() * interval '180 days'
  FROM users u WHERE u.email LIKE 'rates%' ORDER BY u.id LIMIT 60;
INSERT INTO freelancer_skills (freelancer_id, skill_id, level, years)
SELECT f.id, s.id, 3, 2 FROM freelancers f
  JOIN skills s ON s.slug IN ('go', 'python', 'rust', 'postgresql', 'redis', 'kubernetes', 'docker', 'aws')
 WHERE random() < 0.3;
INSERT INTO clients (user_id, company_name, country)
SELECT u.id, 'Client', 'DE' FROM users u WHERE u.email LIKE 'rates%' AND NOT EXISTS (SELECT 1 FROM freelancers f WHERE f.user_id = u.id);
INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote)
SELECT (SELECT min(id) FROM clients) + g % 5, 'Gig ' || g, '', CASE WHEN random() < 0.8 THEN 'DAILY' ELSE 'FIXED' END, 50000, 'EUR', true
  FROM generate_series(1, 40) g;
INSERT INTO project_skills (project_id, skill_id)
SELECT p.id, s.id FROM projects p
  JOIN skills s ON s.slug IN ('go', 'python', 'rust', 'postgresql', 'redis', 'kubernetes', 'docker', 'aws')
 WHERE random() < 0.3;
-- Order i pairs gig i mod 40 with freelancer 7i mod 60: pairs repeat only every 120 orders, and
-- only the first 120 orders may be live (PROPOSED or ACCEPTED), so the live-order key holds.
INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency, status, accepted_at, completed_at)
SELECT p.id, p.client_id, f.id, p.rate_type,
       (ARRAY[30000, 35000, 40000, 45000, 47550, 50000, 60000, 80000, 90001])[1 + floor(random() * 9)::int],
       CASE WHEN random() < 0.85 THEN 'EUR' ELSE 'USD' END, st,
       CASE WHEN st IN ('ACCEPTED', 'COMPLETED') THEN timestamptz '2026-01-01' + random() * interval '180 days' END,
       CASE WHEN st = 'COMPLETED' THEN timestamptz '2026-08-01' END
  FROM (SELECT i, CASE WHEN i < 120 THEN (ARRAY['PROPOSED', 'ACCEPTED', 'ACCEPTED'])[1 + floor(random() * 3)::int]
                       ELSE (ARRAY['COMPLETED', 'COMPLETED', 'DECLINED', 'CANCELLED'])[1 + floor(random() * 4)::int] END AS st
          FROM generate_series(0, 299) i) x
  JOIN (SELECT id, client_id, rate_type, row_number() OVER (ORDER BY id) - 1 AS k FROM projects) p ON p.k = x.i % 40
  JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM freelancers) f ON f.k = (7 * x.i) % 60;
