package resolvers_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// fixtureBase is the creation time of the first fixture row; every time in the fixture is an
// offset from it, so golden responses do not change from run to run.
var fixtureBase = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// fixtureSkills are the slugs the fixture draws skills from (all in the 00002 taxonomy).
var fixtureSkills = []string{"go", "python", "postgresql", "java", "rust", "kubernetes", "django", "aws"}

// fixture sizes a deterministic market: the same seed gives the same rows and the same IDs on a
// fresh database.
type fixture struct {
	Seed        uint64
	Freelancers int
	Clients     int
	Projects    int
}

// build inserts the fixture's rows straight into the database with SQL (no resolvers involved),
// in one transaction. Values repeat on purpose (rates in 50-unit steps, shared creation times) so
// that pagination must break ties by ID.
func (fx fixture) build(tb testing.TB, store *db.Store) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(fx.Seed, 7))
	first := []string{"Anna", "Ben", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana"}
	last := []string{"Jansen", "Smith", "Kowalski", "Garcia", "Rossi", "Novak"}
	headlines := []string{"Go and PostgreSQL back ends", "Python data pipelines", "Java microservices",
		"Rust systems engineer", "Cloud architect on AWS", "Django REST APIs"}
	bios := []string{"I build reliable payment APIs.", "I migrate monoliths to services.",
		"I tune slow databases and queries.", "I design event-driven systems."}
	countries := []string{"DE", "NL", "FR", "PL", "US"}
	seniorities := []string{"JUNIOR", "MID", "SENIOR", "LEAD"}
	titles := []string{"Build a payments API", "Migrate to PostgreSQL", "Kubernetes platform work",
		"Speed up our Django app", "Event sourcing in Go"}
	statuses := []string{"OPEN", "OPEN", "IN_PROGRESS", "COMPLETED", "CANCELLED"}

	ctx := context.Background()
	err := store.InTx(ctx, func(tx *sqlx.Tx) error {
		var skills []struct {
			ID   int64  `db:"id"`
			Slug string `db:"slug"`
		}
		if err := tx.SelectContext(ctx, &skills, `SELECT id, slug FROM skills`); err != nil {
			return err
		}
		skillIDs := make(map[string]int64, len(skills))
		for _, sk := range skills {
			skillIDs[sk.Slug] = sk.ID
		}
		pickSkills := func(maxN int) []int64 {
			perm := rng.Perm(len(fixtureSkills))
			n := 1 + rng.IntN(maxN)
			out := make([]int64, n)
			for i := range n {
				out[i] = skillIDs[fixtureSkills[perm[i]]]
			}
			return out
		}
		exec := func(q string, args ...any) (int64, error) {
			var id int64
			err := tx.GetContext(ctx, &id, q, args...)
			return id, err
		}
		var freelancerIDs []int64
		for i := range fx.Freelancers {
			// Pairs of profiles share a creation time: ties the ID must break.
			created := fixtureBase.Add(time.Duration(i/2) * time.Hour)
			name := first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))]
			uid, err := exec(`INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, 'unusable', $3) RETURNING id`,
				fmt.Sprintf("freelancer%d@example.com", i), name, created)
			if err != nil {
				return err
			}
			currency := "EUR"
			if rng.IntN(5) == 0 {
				currency = "USD"
			}
			fid, err := exec(`INSERT INTO freelancers (user_id, headline, bio, country, seniority, years_experience,
				daily_rate, currency, available, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
				uid, headlines[rng.IntN(len(headlines))], bios[rng.IntN(len(bios))], countries[rng.IntN(len(countries))],
				seniorities[rng.IntN(len(seniorities))], rng.IntN(20), int64(300+50*rng.IntN(20))*100, currency,
				rng.IntN(3) > 0, created)
			if err != nil {
				return err
			}
			freelancerIDs = append(freelancerIDs, fid)
			for _, sk := range pickSkills(4) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO freelancer_skills (freelancer_id, skill_id, level, years) VALUES ($1, $2, $3, $4)`,
					fid, sk, 1+rng.IntN(5), rng.IntN(10)); err != nil {
					return err
				}
			}
		}
		var clientIDs []int64
		for i := range fx.Clients {
			uid, err := exec(`INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, 'unusable', $3) RETURNING id`,
				fmt.Sprintf("client%d@example.com", i), fmt.Sprintf("Client %d", i), fixtureBase)
			if err != nil {
				return err
			}
			cid, err := exec(`INSERT INTO clients (user_id, company_name, country, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
				uid, fmt.Sprintf("Company %d", i), countries[rng.IntN(len(countries))], fixtureBase)
			if err != nil {
				return err
			}
			clientIDs = append(clientIDs, cid)
		}
		for i := range fx.Projects {
			created := fixtureBase.Add(time.Duration(i/2) * 90 * time.Minute)
			remote := rng.IntN(3) > 0
			var country *string
			if !remote || rng.IntN(2) == 0 {
				country = &countries[rng.IntN(len(countries))]
			}
			rateType, budget := "DAILY", int64(400+50*rng.IntN(16))*100
			if rng.IntN(3) == 0 {
				rateType, budget = "FIXED", int64(5000+1000*rng.IntN(30))*100
			}
			currency := "EUR"
			if rng.IntN(6) == 0 {
				currency = "USD"
			}
			pid, err := exec(`INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote, country, status, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
				clientIDs[rng.IntN(len(clientIDs))], fmt.Sprintf("%s #%d", titles[rng.IntN(len(titles))], i),
				bios[rng.IntN(len(bios))], rateType, budget, currency, remote, country, statuses[rng.IntN(len(statuses))], created)
			if err != nil {
				return err
			}
			for _, sk := range pickSkills(3) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO project_skills (project_id, skill_id) VALUES ($1, $2)`, pid, sk); err != nil {
					return err
				}
			}
		}
		// Completed orders, for completedOrders.
		_, err := tx.ExecContext(ctx, `INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency, status, accepted_at, completed_at)
			SELECT p.id, p.client_id, f.id, p.rate_type, p.budget, p.currency, 'COMPLETED', p.created_at, p.created_at
			FROM projects p JOIN freelancers f ON f.id = (p.id * 7) % $1 + 1
			WHERE p.status = 'COMPLETED'`, len(freelancerIDs))
		return err
	})
	if err != nil {
		tb.Fatalf("build fixture: %v", err)
	}
}
