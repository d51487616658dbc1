// Package market holds the marketplace's domain types, their states and the error type every layer
// speaks. It depends on nothing else in the module, so the store, the feed and the resolvers can all
// share it without cycles.
package market

import "time"

// User is an account. The password hash never leaves the store.
type User struct {
	ID        int64     `db:"id"`
	Email     string    `db:"email"`
	Name      string    `db:"name"`
	IsAdmin   bool      `db:"is_admin"`
	CreatedAt time.Time `db:"created_at"`
}

// Skill is one entry of the skills taxonomy.
type Skill struct {
	ID       int64         `db:"id"`
	Slug     string        `db:"slug"`
	Name     string        `db:"name"`
	Category SkillCategory `db:"category"`
}

// Freelancer is a public freelancer profile; Name is the owning user's name.
type Freelancer struct {
	ID              int64     `db:"id"`
	UserID          int64     `db:"user_id"`
	Name            string    `db:"name"`
	Headline        string    `db:"headline"`
	Bio             string    `db:"bio"`
	Country         string    `db:"country"`
	Seniority       Seniority `db:"seniority"`
	YearsExperience int       `db:"years_experience"`
	DailyRateMinor  int64     `db:"daily_rate"`
	Currency        string    `db:"currency"`
	Available       bool      `db:"available"`
	CreatedAt       time.Time `db:"created_at"`
	UpdatedAt       time.Time `db:"updated_at"`
}

// DailyRate is the asking daily rate.
func (f *Freelancer) DailyRate() Money { return Money{Minor: f.DailyRateMinor, Currency: f.Currency} }

// FreelancerSkill is a skill on a freelancer's profile. Skill is read with it when the store
// has it at hand (nil otherwise), which saves a lookup per profile skill.
type FreelancerSkill struct {
	FreelancerID int64  `db:"freelancer_id"`
	SkillID      int64  `db:"skill_id"`
	Level        int    `db:"level"`
	Years        int    `db:"years"`
	Skill        *Skill `db:"skill"`
}

// Client is a hiring profile.
type Client struct {
	ID          int64     `db:"id"`
	UserID      int64     `db:"user_id"`
	CompanyName string    `db:"company_name"`
	Country     string    `db:"country"`
	CreatedAt   time.Time `db:"created_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

// Project is a gig posted by a client. Country is nil for a fully remote gig.
type Project struct {
	ID          int64         `db:"id"`
	ClientID    int64         `db:"client_id"`
	Title       string        `db:"title"`
	Description string        `db:"description"`
	RateType    RateType      `db:"rate_type"`
	BudgetMinor int64         `db:"budget"`
	Currency    string        `db:"currency"`
	Remote      bool          `db:"remote"`
	Country     *string       `db:"country"`
	Status      ProjectStatus `db:"status"`
	CreatedAt   time.Time     `db:"created_at"`
	UpdatedAt   time.Time     `db:"updated_at"`
}

// Budget is the whole price (FIXED) or the daily rate (DAILY).
func (p *Project) Budget() Money { return Money{Minor: p.BudgetMinor, Currency: p.Currency} }

// Order is a client hiring a freelancer for a project.
type Order struct {
	ID           int64       `db:"id"`
	ProjectID    int64       `db:"project_id"`
	ClientID     int64       `db:"client_id"`
	FreelancerID int64       `db:"freelancer_id"`
	RateType     RateType    `db:"rate_type"`
	AmountMinor  int64       `db:"amount"`
	Currency     string      `db:"currency"`
	Status       OrderStatus `db:"status"`
	CreatedAt    time.Time   `db:"created_at"`
	UpdatedAt    time.Time   `db:"updated_at"`
	// The users behind the client and freelancer profiles: the order's participants, read with
	// the order so that access checks need no further query.
	ClientUserID     int64 `db:"client_user_id"`
	FreelancerUserID int64 `db:"freelancer_user_id"`
}

// Amount is the agreed whole price (FIXED) or daily rate (DAILY).
func (o *Order) Amount() Money { return Money{Minor: o.AmountMinor, Currency: o.Currency} }

// Milestone is a payable part of an order.
type Milestone struct {
	ID          int64           `db:"id"`
	OrderID     int64           `db:"order_id"`
	Title       string          `db:"title"`
	AmountMinor int64           `db:"amount"`
	Currency    string          `db:"currency"`
	DueDate     *Date           `db:"due_date"`
	Status      MilestoneStatus `db:"status"`
	CreatedAt   time.Time       `db:"created_at"`
	UpdatedAt   time.Time       `db:"updated_at"`
}

// Amount is what the milestone pays.
func (m *Milestone) Amount() Money { return Money{Minor: m.AmountMinor, Currency: m.Currency} }
