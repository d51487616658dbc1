package market

import "time"

// Session is a live login: who is behind a bearer token, with the IDs of their profiles so that
// access decisions about orders need no further query.
type Session struct {
	UserID       int64     `db:"user_id"`
	IsAdmin      bool      `db:"is_admin"`
	ClientID     *int64    `db:"client_id"`
	FreelancerID *int64    `db:"freelancer_id"`
	ExpiresAt    time.Time `db:"expires_at"`
}
