package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gigraph/gigraph/market"
)

func TestHashPasswordFormat(t *testing.T) {
	h, err := HashPassword("correct horse battery staple", DefaultPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	// The PHC string of RFC 9106 argon2id with the OWASP parameters, a 16-byte salt and a 32-byte key.
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(h) {
		t.Fatalf("got %q, want a match of %s", h, re)
	}
	p, err := HashParams(h)
	if err != nil || p != DefaultPasswordParams {
		t.Fatalf("got params %+v (%v), want %+v", p, err, DefaultPasswordParams)
	}
	h2, _ := HashPassword("correct horse battery staple", DefaultPasswordParams)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyPassword(t *testing.T) {
	for _, p := range []PasswordParams{DefaultPasswordParams, FastPasswordParams} {
		h, err := HashPassword("correct horse battery staple", p)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			password string
			want     bool
		}{
			{"correct horse battery staple", true},
			{"Correct horse battery staple", false},
			{"correct horse battery stapl", false},
			{"", false},
		}
		for _, tt := range tests {
			got, err := VerifyPassword(tt.password, h)
			if err != nil || got != tt.want {
				t.Errorf("params %+v: VerifyPassword(%q) = %v, %v; want %v", p, tt.password, got, err, tt.want)
			}
		}
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	good, _ := HashPassword("correct horse battery staple", FastPasswordParams)
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":        "",
		"bcrypt":       "$2a$10$abcdefghijklmnopqrstuv",
		"argon2i":      strings.Replace(good, "argon2id", "argon2i", 1),
		"version":      strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":  strings.Join([]string{"", parts[1], parts[2], "m=4194304,t=1,p=1", parts[4], parts[5]}, "$"),
		"zero time":    strings.Join([]string{"", parts[1], parts[2], "m=64,t=0,p=1", parts[4], parts[5]}, "$"),
		"bad salt":     strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"short key":    strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"extra fields": good + "$x",
		"unusable":     "unusable",
	} {
		if ok, err := VerifyPassword("correct horse battery staple", h); ok || err == nil {
			t.Errorf("%s: got %v, %v; want false and an error", name, ok, err)
		}
	}
}

func TestDummyHashMatchesNothing(t *testing.T) {
	h := DummyHash(FastPasswordParams)
	if h != DummyHash(FastPasswordParams) {
		t.Fatal("the dummy hash changes between calls")
	}
	if p, _ := HashParams(h); p != FastPasswordParams {
		t.Fatalf("got params %+v, want %+v", p, FastPasswordParams)
	}
	for _, pw := range []string{"", "password", "unusable"} {
		if ok, _ := VerifyPassword(pw, h); ok {
			t.Fatalf("the dummy hash matches %q", pw)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, password string
		ok             bool
	}{
		{"passphrase", "correct horse battery staple", true},
		{"ten characters", "tr0ub4dor&3x", true},
		{"non-ASCII", "ünïcödé-pässwörd", true},
		{"short", "short", false},
		{"nine characters", "ninechars", false},
		{"257 bytes", strings.Repeat("x", 255) + "yz", false},
		{"common", "password123", false},
		{"common in other case", "QWERTYUIOP", false},
		{"common keyboard walk", "1q2w3e4r5t", false},
		{"the email", "alice.smith@example.com", false},
		{"the email's local part", "alice.smith", false},
		{"invalid UTF-8", "\xff\xfe invalid utf8", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword("input.password", tt.password, "alice.smith@example.com")
			if tt.ok != (err == nil) {
				t.Fatalf("got %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				var e *market.Error
				if !errors.As(err, &e) || e.Code != market.CodeBadUserInput || e.Field != "input.password" {
					t.Fatalf("got code %s field %q, want BAD_USER_INPUT on input.password", e.Code, e.Field)
				}
			}
		})
	}
}

func TestCommonPasswordList(t *testing.T) {
	if n := len(commonPasswords()); n < 9000 {
		t.Fatalf("got %d common passwords, want about 10,000", n)
	}
}

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"alice@example.com", "alice@example.com", true},
		{"  Alice.Smith+gigs@Example.co.uk ", "Alice.Smith+gigs@Example.co.uk", true},
		{"a@b.io", "a@b.io", true},
		{"", "", false},
		{"alice", "", false},
		{"alice@localhost", "", false},
		{"Alice <alice@example.com>", "", false},
		{"alice@@example.com", "", false},
		{"al ice@example.com", "", false},
		{"\"al ice\"@example.com", "", false},
		{"alice@exa_mple.com", "", false},
		{"alice@-example.com", "", false},
		{"alice@[127.0.0.1]", "", false},
		{strings.Repeat("a", 65) + "@example.com", "", false},
		{"a@" + strings.Repeat("b", 250) + ".com", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := CheckEmail("input.email", tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("got %q, %v; want %q ok=%v", got, err, tt.want, tt.ok)
			}
		})
	}
}

// TestHashTime reports what a hash costs with the production parameters; the README quotes it.
func TestHashTime(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	const n = 5
	start := time.Now()
	for range n {
		if _, err := HashPassword("correct horse battery staple", DefaultPasswordParams); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("argon2id %+v: %v per hash", DefaultPasswordParams, time.Since(start)/n)
}
