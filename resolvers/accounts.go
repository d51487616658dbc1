package resolvers

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gigraph/gigraph/access"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/graph/model"
	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// defaultLogins is the throttle of a Resolver built without one.
var defaultLogins = sync.OnceValue(func() *auth.LoginThrottle { return auth.NewLoginThrottle(auth.LoginLimits{}) })

func (r *Resolver) logins() *auth.LoginThrottle {
	if r.Logins != nil {
		return r.Logins
	}
	return defaultLogins()
}

func (r *Resolver) sessionTTL() time.Duration {
	if r.SessionTTL > 0 {
		return r.SessionTTL
	}
	return 30 * 24 * time.Hour
}

func (r *Resolver) passwordParams() auth.PasswordParams {
	if r.Passwords == (auth.PasswordParams{}) {
		return auth.DefaultPasswordParams
	}
	return r.Passwords
}

// errBadCredentials is the one answer to a failed login, whether the email is unknown or the
// password wrong.
var errBadCredentials = market.Errorf(market.CodeUnauthenticated, "wrong email or password")

func (r *Resolver) register(ctx context.Context, in model.RegisterInput) (*model.AuthPayload, error) {
	// Registering hashes a password too, so it counts against the client address like a login.
	if err := r.logins().AllowAddress(auth.ClientAddrFrom(ctx)); err != nil {
		return nil, err
	}
	email, err := auth.CheckEmail("input.email", in.Email)
	if err != nil {
		return nil, err
	}
	name, err := checkText("input.name", in.Name, 1, 100, false)
	if err != nil {
		return nil, err
	}
	if err := auth.CheckPassword("input.password", in.Password, email); err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(in.Password, r.passwordParams())
	if err != nil {
		return nil, err
	}
	token, tokenHash := auth.NewToken()
	expires := time.Now().Add(r.sessionTTL()).UTC().Truncate(time.Microsecond)
	u, err := r.Store.Register(ctx, email, name, hash, tokenHash, expires)
	if err != nil {
		return nil, err
	}
	return &model.AuthPayload{Token: token, ExpiresAt: expires, User: u}, nil
}

// login checks credentials under three throttles (see auth.LoginLimits). Every path that reaches
// the password check runs one argon2id verification, against a dummy hash when the email is
// unknown, so the answer and its timing are the same for unknown emails and wrong passwords.
func (r *Resolver) login(ctx context.Context, in model.LoginInput) (*model.AuthPayload, error) {
	throttle := r.logins()
	email := strings.TrimSpace(in.Email)
	if err := throttle.Allow(auth.ClientAddrFrom(ctx), email); err != nil {
		return nil, err
	}
	if email == "" || len(email) > auth.MaxEmailBytes || len(in.Password) > auth.MaxPasswordBytes {
		return nil, errBadCredentials // no account can match; nothing to count
	}
	attempts, remaining, err := r.Store.CountLoginAttempt(ctx, email, throttle.Limits.Window)
	if err != nil {
		return nil, err
	}
	if attempts > throttle.Limits.MaxFailures {
		return nil, auth.RateLimited(remaining)
	}
	u, hash, err := r.Store.LoginUser(ctx, email)
	if err != nil && market.ErrorCode(err) != market.CodeNotFound {
		return nil, err
	}
	params := r.passwordParams()
	if u == nil {
		hash = auth.DummyHash(params)
	}
	ok, err := auth.VerifyPassword(in.Password, hash)
	if err != nil { // an account without a usable hash cannot log in; keep the timing anyway
		_, _ = auth.VerifyPassword(in.Password, auth.DummyHash(params))
		ok = false
	}
	if !ok || u == nil {
		return nil, errBadCredentials
	}
	if err := r.Store.ClearLoginAttempts(ctx, email); err != nil {
		return nil, err
	}
	// Hashes made with older costs are upgraded while the password is at hand.
	if p, _ := auth.HashParams(hash); p != params {
		if h, err := auth.HashPassword(in.Password, params); err == nil {
			if err := r.Store.SetPasswordHash(ctx, u.ID, h); err != nil {
				return nil, err
			}
		}
	}
	token, tokenHash := auth.NewToken()
	expires := time.Now().Add(r.sessionTTL()).UTC().Truncate(time.Microsecond)
	if err := r.Store.StartSession(ctx, u.ID, tokenHash, expires); err != nil {
		return nil, err
	}
	return &model.AuthPayload{Token: token, ExpiresAt: expires, User: u}, nil
}

func (r *Resolver) logout(ctx context.Context) (bool, error) {
	v, err := access.RequireUser(ctx)
	if err != nil {
		return false, err
	}
	return r.Store.RevokeSession(ctx, v.TokenHash)
}

func (r *Resolver) viewer(ctx context.Context) (*market.User, error) {
	v := access.Viewer(ctx)
	if v == nil {
		return nil, nil
	}
	return load(ctx, loaders(ctx).User, v.UserID)
}

func (r *Resolver) saveFreelancerProfile(ctx context.Context, in model.FreelancerProfileInput) (*market.Freelancer, error) {
	v, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	var p db.FreelancerProfile
	if p.Headline, err = checkText("input.headline", in.Headline, 1, 200, false); err != nil {
		return nil, err
	}
	if p.Bio, err = checkText("input.bio", in.Bio, 0, 10000, true); err != nil {
		return nil, err
	}
	if p.Country, err = checkCountry("input.country", in.Country); err != nil {
		return nil, err
	}
	p.Seniority, p.YearsExperience, p.Available = in.Seniority, in.YearsExperience, in.Available
	if err := checkRange("input.yearsExperience", in.YearsExperience, 0, 60); err != nil {
		return nil, err
	}
	if p.DailyRate, err = checkMoney("input.dailyRate", in.DailyRate); err != nil {
		return nil, err
	}
	if len(in.Skills) < 1 || len(in.Skills) > 30 {
		return nil, market.InvalidInput("input.skills", "must list between 1 and 30 skills, got %d", len(in.Skills))
	}
	seen := make(map[string]bool, len(in.Skills))
	for i, s := range in.Skills {
		field := "input.skills[" + strconv.Itoa(i) + "]"
		if seen[s.Skill] {
			return nil, market.InvalidInput(field+".skill", "%q is listed twice", s.Skill)
		}
		seen[s.Skill] = true
		if err := checkRange(field+".level", s.Level, 1, 5); err != nil {
			return nil, err
		}
		if err := checkRange(field+".years", s.Years, 0, 60); err != nil {
			return nil, err
		}
		p.Skills = append(p.Skills, db.ProfileSkill{Slug: s.Skill, Level: s.Level, Years: s.Years})
	}
	f, err := r.Store.SaveFreelancerProfile(ctx, v.UserID, p)
	if err != nil {
		return nil, err
	}
	v.FreelancerID = f.ID // later fields of this request see the new profile
	return f, nil
}

func (r *Resolver) saveClientProfile(ctx context.Context, in model.ClientProfileInput) (*market.Client, error) {
	v, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	var p db.ClientProfile
	if p.CompanyName, err = checkText("input.companyName", in.CompanyName, 1, 200, false); err != nil {
		return nil, err
	}
	if p.Country, err = checkCountry("input.country", in.Country); err != nil {
		return nil, err
	}
	c, err := r.Store.SaveClientProfile(ctx, v.UserID, p)
	if err != nil {
		return nil, err
	}
	v.ClientID = c.ID
	return c, nil
}

func (r *Resolver) postProject(ctx context.Context, in model.PostProjectInput) (*market.Project, error) {
	v, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	clientID, err := access.RequireClient(v)
	if err != nil {
		return nil, err
	}
	p := db.NewProject{ClientID: clientID, RateType: in.RateType, Remote: in.Remote, Skills: in.Skills}
	if p.Title, err = checkText("input.title", in.Title, 3, 200, false); err != nil {
		return nil, err
	}
	if p.Description, err = checkText("input.description", in.Description, 0, 20000, true); err != nil {
		return nil, err
	}
	if err := checkSlugs("input.skills", in.Skills, 1, 20); err != nil {
		return nil, err
	}
	if p.Budget, err = checkMoney("input.budget", in.Budget); err != nil {
		return nil, err
	}
	if in.Country != nil {
		c, err := checkCountry("input.country", *in.Country)
		if err != nil {
			return nil, err
		}
		p.Country = &c
	} else if !in.Remote {
		return nil, market.InvalidInput("input.country", "an on-site gig needs a country")
	}
	return r.Store.PostProject(ctx, p)
}

func (r *Resolver) updateProject(ctx context.Context, in model.UpdateProjectInput) (*market.Project, error) {
	v, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	id, err := projectKey(in.ID)
	if err != nil {
		return nil, err
	}
	c := db.ProjectChanges{Remote: in.Remote, Skills: in.Skills}
	if in.Title != nil {
		t, err := checkText("input.title", *in.Title, 3, 200, false)
		if err != nil {
			return nil, err
		}
		c.Title = &t
	}
	if in.Description != nil {
		d, err := checkText("input.description", *in.Description, 0, 20000, true)
		if err != nil {
			return nil, err
		}
		c.Description = &d
	}
	if in.Skills != nil {
		if err := checkSlugs("input.skills", in.Skills, 1, 20); err != nil {
			return nil, err
		}
	}
	if in.Budget != nil {
		m, err := checkMoney("input.budget", in.Budget)
		if err != nil {
			return nil, err
		}
		c.Budget = &m
	}
	if in.Country != nil {
		cc, err := checkCountry("input.country", *in.Country)
		if err != nil {
			return nil, err
		}
		c.Country = &cc
	}
	return r.Store.UpdateProject(ctx, id, c, func(p *market.Project) error { return access.ProjectAction(v, p) })
}

func (r *Resolver) closeProject(ctx context.Context, gid string) (*market.Project, error) {
	v, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	id, err := projectKey(gid)
	if err != nil {
		return nil, err
	}
	return r.Store.CloseProject(ctx, id, v.UserID, func(p *market.Project) error { return access.ProjectAction(v, p) })
}

// projectKey reads a gig's global ID; a malformed ID or one of another type names no gig.
func projectKey(id string) (int64, error) { return relay.KeyOf(id, typeProject) }
