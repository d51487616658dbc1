package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/db/seed"
)

func TestHashPasswordIsArgon2idPHC(t *testing.T) {
	h, err := hashPassword(seed.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		t.Fatalf("got %q, want $argon2id$v=19$m=…,t=…,p=…$salt$key", h)
	}
	var m, tm uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &tm, &p); err != nil {
		t.Fatal(err)
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		t.Fatalf("bad base64: %v %v", err1, err2)
	}
	for pw, want := range map[string]bool{seed.DemoPassword: true, "wrong": false} {
		if got := bytes.Equal(argon2.IDKey([]byte(pw), salt, tm, m, p, uint32(len(key))), key); got != want {
			t.Errorf("password %q matches: got %v, want %v", pw, got, want)
		}
	}
}

func TestSplitSeedArgs(t *testing.T) {
	for _, tt := range []struct {
		in               []string
		server, seedArgs []string
	}{
		{[]string{"--scale"}, nil, []string{"--scale"}},
		{[]string{"--reset", "--database-url", "postgres://x", "--orders", "10"}, []string{"--database-url", "postgres://x"}, []string{"--reset", "--orders", "10"}},
		{[]string{"-freelancers=5", "-env=prod"}, []string{"-env=prod"}, []string{"-freelancers=5"}},
		{[]string{"--", "--scale"}, []string{"--", "--scale"}, nil},
	} {
		t.Run(strings.Join(tt.in, " "), func(t *testing.T) {
			server, seedArgs := splitSeedArgs(tt.in, io.Discard)
			if !reflect.DeepEqual(server, tt.server) || !reflect.DeepEqual(seedArgs, tt.seedArgs) {
				t.Errorf("got %q / %q, want %q / %q", server, seedArgs, tt.server, tt.seedArgs)
			}
		})
	}
}

// TestSeedCommand drives `gigraph seed` as a user would: it seeds an empty database, refuses to
// seed it again, and replaces the data with --reset.
func TestSeedCommand(t *testing.T) {
	env := map[string]string{"DATABASE_URL": dbtest.URL(t)}
	seedCmd := func(args ...string) error {
		var out bytes.Buffer
		return run(t.Context(), append([]string{"gigraph", "seed"}, args...), func(k string) string { return env[k] }, &out, &out)
	}
	if err := seedCmd("--freelancers", "30", "--clients", "5", "--orders", "60"); err != nil {
		t.Fatal(err)
	}
	if err := seedCmd("--freelancers", "30"); err == nil {
		t.Error("seeding a database with data succeeded, want a refusal")
	}
	if err := seedCmd("--reset", "--freelancers", "40", "--clients", "5", "--orders", "10"); err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(t.Context(), env["DATABASE_URL"], db.DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var freelancers, orders int
	if err := store.DB().GetContext(t.Context(), &freelancers, `SELECT count(*) FROM freelancers`); err != nil {
		t.Fatal(err)
	}
	if err := store.DB().GetContext(t.Context(), &orders, `SELECT count(*) FROM orders`); err != nil {
		t.Fatal(err)
	}
	if freelancers != 40 || orders != 10 {
		t.Errorf("after --reset: got %d freelancers and %d orders, want 40 and 10", freelancers, orders)
	}
}
