package access_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/auth"
)

const goodPassword = "correct horse battery staple"

func TestRegisterValidation(t *testing.T) {
	srv := newServer(t, api.Config{})
	register(t, srv, "taken@example.com", goodPassword, "First")
	tests := []struct {
		name                  string
		email, password, user string
		code, field           string
	}{
		{"duplicate email", "taken@example.com", goodPassword, "Second", "CONFLICT", "input.email"},
		{"duplicate email other case", "TAKEN@Example.COM", goodPassword, "Second", "CONFLICT", "input.email"},
		{"malformed email", "taken.example.com", goodPassword, "Second", "BAD_USER_INPUT", "input.email"},
		{"email with display name", "Al <al@example.com>", goodPassword, "Second", "BAD_USER_INPUT", "input.email"},
		{"short password", "new@example.com", "short", "Second", "BAD_USER_INPUT", "input.password"},
		{"common password", "new@example.com", "Password123", "Second", "BAD_USER_INPUT", "input.password"},
		{"password is the email", "new@example.com", "new@example.com", "Second", "BAD_USER_INPUT", "input.password"},
		{"long password", "new@example.com", strings.Repeat("ab", 129), "Second", "BAD_USER_INPUT", "input.password"},
		{"empty name", "new@example.com", goodPassword, "   ", "BAD_USER_INPUT", "input.name"},
		{"long name", "new@example.com", goodPassword, strings.Repeat("n", 101), "BAD_USER_INPUT", "input.name"},
		{"name with control characters", "new@example.com", goodPassword, "a\x00b", "BAD_USER_INPUT", "input.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.Client().Do(t, registerDoc, map[string]any{"input": map[string]any{"email": tt.email, "password": tt.password, "name": tt.user}})
			if len(res.Errors) != 1 || res.Errors[0].Code() != tt.code || res.Errors[0].Extensions["field"] != tt.field {
				t.Fatalf("got %+v, want %s on %s", res.Errors, tt.code, tt.field)
			}
		})
	}
	var users int
	if err := srv.Store.DB().GetContext(context.Background(), &users, `SELECT count(*) FROM users`); err != nil || users != 1 {
		t.Fatalf("users after failed registrations: got %d (%v), want 1", users, err)
	}
}

// TestRegisterStoresArgon2id checks what lands in the database: an argon2id PHC string with the
// configured parameters, never the password.
func TestRegisterStoresArgon2id(t *testing.T) {
	srv := newServer(t, api.Config{PasswordParams: auth.PasswordParams{Memory: 1024, Time: 2, Threads: 1}})
	register(t, srv, "hash@example.com", goodPassword, "Hash")
	var hash string
	if err := srv.Store.DB().GetContext(context.Background(), &hash, `SELECT password_hash FROM users`); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=1024,t=2,p=1$") || strings.Contains(hash, goodPassword) {
		t.Fatalf("stored hash %q, want argon2id with m=1024,t=2,p=1", hash)
	}
	if ok, err := auth.VerifyPassword(goodPassword, hash); !ok || err != nil {
		t.Fatalf("VerifyPassword(stored) = %v, %v", ok, err)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	srv := newServer(t, api.Config{})
	register(t, srv, "known@example.com", goodPassword, "Known")
	unknown := login(t, srv, "unknown@example.com", goodPassword)
	wrong := login(t, srv, "known@example.com", "wrong password here")
	for name, res := range map[string]*apitest.Response{"unknown email": unknown, "wrong password": wrong} {
		if len(res.Errors) != 1 || res.Errors[0].Code() != "UNAUTHENTICATED" || string(res.Data) != "null" {
			t.Fatalf("%s: got data %s errors %+v, want UNAUTHENTICATED", name, res.Data, res.Errors)
		}
	}
	if unknown.Errors[0].Message != wrong.Errors[0].Message || len(unknown.Errors[0].Extensions) != len(wrong.Errors[0].Extensions) {
		t.Fatalf("the answers differ: %+v vs %+v", unknown.Errors[0], wrong.Errors[0])
	}
}

// TestLoginRehashesOldParameters: a hash made with other costs is replaced on the next login.
func TestLoginRehashesOldParameters(t *testing.T) {
	srv := newServer(t, api.Config{})
	ctx := context.Background()
	register(t, srv, "old@example.com", goodPassword, "Old")
	old, _ := auth.HashPassword(goodPassword, auth.PasswordParams{Memory: 128, Time: 1, Threads: 1})
	if _, err := srv.Store.DB().ExecContext(ctx, `UPDATE users SET password_hash = $1`, old); err != nil {
		t.Fatal(err)
	}
	if res := login(t, srv, "old@example.com", goodPassword); len(res.Errors) > 0 {
		t.Fatalf("login: %+v", res.Errors)
	}
	var hash string
	_ = srv.Store.DB().GetContext(ctx, &hash, `SELECT password_hash FROM users`)
	if p, _ := auth.HashParams(hash); p != auth.FastPasswordParams {
		t.Fatalf("hash params after login: got %+v, want %+v", p, auth.FastPasswordParams)
	}
}

func codes(res *apitest.Response) string { return strings.Join(res.Codes(), ",") }

func TestLoginThrottlePerAccountPersists(t *testing.T) {
	limits := auth.LoginLimits{AddressEvery: time.Millisecond, AddressBurst: 1000, AccountEvery: time.Millisecond, AccountBurst: 1000, MaxFailures: 3, Window: time.Minute}
	srv := newServer(t, api.Config{LoginLimits: limits})
	register(t, srv, "victim@example.com", goodPassword, "Victim")

	// A success clears the count.
	for range 2 {
		login(t, srv, "victim@example.com", "wrong password here")
	}
	if res := login(t, srv, "victim@example.com", goodPassword); len(res.Errors) > 0 {
		t.Fatalf("login after 2 failures: %+v", res.Errors)
	}
	for i := range 3 {
		if got := codes(login(t, srv, "Victim@example.com", "wrong password here")); got != "UNAUTHENTICATED" {
			t.Fatalf("failure %d: got %s, want UNAUTHENTICATED", i+1, got)
		}
	}
	// Now even the right password is refused, with a retry time within the window.
	res := login(t, srv, "victim@example.com", goodPassword)
	if codes(res) != "RATE_LIMITED" {
		t.Fatalf("4th attempt: got %+v, want RATE_LIMITED", res.Errors)
	}
	if after, _ := res.Errors[0].Extensions["retryAfter"].(float64); after < 1 || after > 60 {
		t.Fatalf("retryAfter: got %v, want 1..60 seconds", res.Errors[0].Extensions["retryAfter"])
	}
	// The count lives in the database: another server instance on it refuses too.
	other := apitest.NewWithStore(t, api.Config{LoginLimits: limits, PasswordParams: auth.FastPasswordParams}, srv.Store)
	if got := codes(login(t, other, "victim@example.com", goodPassword)); got != "RATE_LIMITED" {
		t.Fatalf("other instance: got %s, want RATE_LIMITED", got)
	}
	// An unknown email is throttled exactly the same way, so throttling reveals no accounts.
	for i := range 4 {
		want := "UNAUTHENTICATED"
		if i == 3 {
			want = "RATE_LIMITED"
		}
		if got := codes(login(t, srv, "nobody@example.com", "wrong password here")); got != want {
			t.Fatalf("unknown email attempt %d: got %s, want %s", i+1, got, want)
		}
	}
	// Once the window is over, logins work again.
	if _, err := srv.Store.DB().ExecContext(context.Background(), `UPDATE login_attempts SET window_start = now() - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	if res := login(t, srv, "victim@example.com", goodPassword); len(res.Errors) > 0 {
		t.Fatalf("after the window: %+v", res.Errors)
	}
}

// TestLoginThrottleCountsAliases: several login fields in one request are several attempts.
func TestLoginThrottleCountsAliases(t *testing.T) {
	limits := auth.LoginLimits{AddressEvery: time.Millisecond, AddressBurst: 1000, AccountEvery: time.Millisecond, AccountBurst: 1000, MaxFailures: 3, Window: time.Minute}
	srv := newServer(t, api.Config{LoginLimits: limits})
	register(t, srv, "alias@example.com", goodPassword, "Alias")
	var doc strings.Builder
	doc.WriteString("mutation {")
	for i := range 6 {
		fmt.Fprintf(&doc, ` a%d: login(input: { email: "alias@example.com", password: "guess number %d" }) { token }`, i, i)
	}
	doc.WriteString(" }")
	res := srv.Client().Do(t, doc.String(), nil)
	if got, want := codes(res), "UNAUTHENTICATED,UNAUTHENTICATED,UNAUTHENTICATED,RATE_LIMITED,RATE_LIMITED,RATE_LIMITED"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestLoginThrottleInMemory(t *testing.T) {
	t.Run("per address", func(t *testing.T) {
		srv := newServer(t, api.Config{LoginLimits: auth.LoginLimits{AddressEvery: time.Hour, AddressBurst: 3, AccountEvery: time.Millisecond, AccountBurst: 100, MaxFailures: 100, Window: time.Minute}})
		for i := range 3 {
			if got := codes(login(t, srv, fmt.Sprintf("spray%d@example.com", i), "wrong password here")); got != "UNAUTHENTICATED" {
				t.Fatalf("attempt %d: got %s", i+1, got)
			}
		}
		res := login(t, srv, "spray9@example.com", "wrong password here")
		if codes(res) != "RATE_LIMITED" || res.Errors[0].Extensions["retryAfter"] == nil {
			t.Fatalf("4th address attempt: got %+v, want RATE_LIMITED with retryAfter", res.Errors)
		}
		// Registration counts against the address too.
		res = srv.Client().Do(t, registerDoc, map[string]any{"input": map[string]any{"email": "r@example.com", "password": goodPassword, "name": "R"}})
		if codes(res) != "RATE_LIMITED" {
			t.Fatalf("register from a throttled address: got %+v", res.Errors)
		}
	})
	t.Run("per account", func(t *testing.T) {
		srv := newServer(t, api.Config{LoginLimits: auth.LoginLimits{AddressEvery: time.Millisecond, AddressBurst: 100, AccountEvery: time.Hour, AccountBurst: 2, MaxFailures: 100, Window: time.Minute}})
		login(t, srv, "one@example.com", "wrong password here")
		login(t, srv, "ONE@example.com", "wrong password here")
		if got := codes(login(t, srv, "one@example.com", "wrong password here")); got != "RATE_LIMITED" {
			t.Fatalf("3rd account attempt: got %s, want RATE_LIMITED", got)
		}
		if got := codes(login(t, srv, "two@example.com", "wrong password here")); got != "UNAUTHENTICATED" {
			t.Fatalf("another account: got %s, want UNAUTHENTICATED", got)
		}
	})
}

func TestTokenExpiryAndRevocation(t *testing.T) {
	srv := newServer(t, api.Config{})
	ctx := context.Background()
	reg := register(t, srv, "expiry@example.com", goodPassword, "Expiry")
	if res := srv.As(reg.Token).Do(t, viewerDoc, nil); len(res.Errors) > 0 {
		t.Fatalf("fresh token: %+v", res.Errors)
	}
	// The stored session holds the SHA-256 of the token, never the token.
	var stored []byte
	if err := srv.Store.DB().GetContext(ctx, &stored, `SELECT token_hash FROM sessions`); err != nil {
		t.Fatal(err)
	}
	if string(stored) != string(auth.HashToken(reg.Token)) {
		t.Fatal("the session does not store the token's SHA-256")
	}
	if _, err := srv.Store.DB().ExecContext(ctx, `UPDATE sessions SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"expired": reg.Token, "unknown": "bm90IGEgdG9rZW4", "empty-ish": "x"} {
		res := srv.As(token).Do(t, viewerDoc, nil)
		if res.Status != http.StatusUnauthorized || codes(res) != "UNAUTHENTICATED" {
			t.Fatalf("%s token: got %d %+v, want 401 UNAUTHENTICATED", name, res.Status, res.Errors)
		}
	}
	// The next login clears the dead session away.
	if res := login(t, srv, "expiry@example.com", goodPassword); len(res.Errors) > 0 {
		t.Fatalf("login: %+v", res.Errors)
	}
	if n := count(t, srv, "sessions"); n != 1 {
		t.Fatalf("sessions after a new login: got %d, want only the new one", n)
	}
	// Anonymous calls that need a user are UNAUTHENTICATED (200: the request itself is fine).
	res := srv.Client().Do(t, `mutation { logout }`, nil)
	if codes(res) != "UNAUTHENTICATED" {
		t.Fatalf("anonymous logout: got %+v", res.Errors)
	}
	var v struct{ Viewer *struct{ ID string } }
	srv.Client().MustDo(t, viewerDoc, nil, &v)
	if v.Viewer != nil {
		t.Fatalf("anonymous viewer: got %+v, want null", v.Viewer)
	}
}

// TestLoginTimingUnknownEmail: with production hashing costs, a login for an unknown email takes
// about as long as one with a wrong password, because it verifies against a dummy hash. Without it
// the unknown email would answer some 30 times faster. Medians of several runs, generous bounds.
func TestLoginTimingUnknownEmail(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	limits := auth.LoginLimits{AddressEvery: time.Millisecond, AddressBurst: 1000, AccountEvery: time.Millisecond, AccountBurst: 1000, MaxFailures: 1000, Window: time.Minute}
	srv := newServer(t, api.Config{PasswordParams: auth.DefaultPasswordParams, LoginLimits: limits})
	register(t, srv, "timed@example.com", goodPassword, "Timed")
	attempt := func(email string) time.Duration {
		start := time.Now()
		if got := codes(login(t, srv, email, "wrong password here")); got != "UNAUTHENTICATED" {
			t.Fatalf("got %s", got)
		}
		return time.Since(start)
	}
	attempt("warm-up@example.com") // the dummy hash is made on first use
	// Alternate the two kinds so that load from other processes hits both alike.
	var unknown, wrong []time.Duration
	for range 9 {
		unknown = append(unknown, attempt("nobody@example.com"))
		wrong = append(wrong, attempt("timed@example.com"))
	}
	slices.Sort(unknown)
	slices.Sort(wrong)
	mu, mw := unknown[len(unknown)/2], wrong[len(wrong)/2]
	t.Logf("median login time: unknown email %v, wrong password %v", mu, mw)
	if ratio := float64(mu) / float64(mw); ratio < 1.0/3 || ratio > 3 {
		t.Fatalf("unknown email %v vs wrong password %v: the timing tells them apart", mu, mw)
	}
}

// TestLoginAttemptCountIsAtomic: concurrent attempts, as from several server instances, each get
// their own count, so none slips past the limit.
func TestLoginAttemptCountIsAtomic(t *testing.T) {
	srv := newServer(t, api.Config{})
	const n = 20
	counts := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, _, err := srv.Store.CountLoginAttempt(context.Background(), "Race@Example.com", time.Minute)
			if err != nil {
				t.Error(err)
			}
			counts <- c
		})
	}
	wg.Wait()
	close(counts)
	var got []int
	for c := range counts {
		got = append(got, c)
	}
	slices.Sort(got)
	for i, c := range got {
		if c != i+1 {
			t.Fatalf("counts %v, want 1..%d each once", got, n)
		}
	}
}

// TestLoginThrottleBehindProxy: behind a trusted proxy, login attempts count per forwarded client
// address, the same address the request rate limit uses.
func TestLoginThrottleBehindProxy(t *testing.T) {
	srv := newServer(t, api.Config{
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		LoginLimits:    auth.LoginLimits{AddressEvery: time.Hour, AddressBurst: 2, AccountEvery: time.Millisecond, AccountBurst: 100, MaxFailures: 100, Window: time.Minute},
	})
	attempt := func(forwardedFor string) string {
		body, _ := json.Marshal(map[string]any{"query": loginDoc, "variables": map[string]any{"input": map[string]any{"email": "p@example.com", "password": "wrong password here"}}})
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", forwardedFor)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out apitest.Response
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return codes(&out)
	}
	for i, tt := range []struct{ addr, want string }{
		{"198.51.100.1", "UNAUTHENTICATED"},
		{"198.51.100.1", "UNAUTHENTICATED"},
		{"198.51.100.1", "RATE_LIMITED"},
		{"198.51.100.2", "UNAUTHENTICATED"},
	} {
		if got := attempt(tt.addr); got != tt.want {
			t.Fatalf("attempt %d from %s: got %s, want %s", i+1, tt.addr, got, tt.want)
		}
	}
}
