package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
)

// TestGraphQLOverHTTPAudit runs the graphql-http audit suite (npm package graphql-http,
// auditServer) against the live server over real HTTP: every MUST and SHOULD audit must pass.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the graphql-http audit needs Node.js")
	}
	dir := filepath.Join("testdata", "audit")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-http")); err != nil {
		cmd := exec.CommandContext(t.Context(), "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	// dev: the audit introspects (__type) to test variables; the transport is the same in prod.
	srv := apitest.New(t, api.Config{Env: "dev"})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "audit.mjs", srv.URL+"/graphql")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("graphql-http audit:\n%s", out)
	if err != nil {
		t.Fatalf("audit failed: %v", err)
	}
}
