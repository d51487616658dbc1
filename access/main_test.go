package access_test

import (
	"testing"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// newServer runs the API with cheap password hashing, so tests can register many accounts.
func newServer(t *testing.T, cfg api.Config) *apitest.Server {
	t.Helper()
	if cfg.PasswordParams == (auth.PasswordParams{}) {
		cfg.PasswordParams = auth.FastPasswordParams
	}
	return apitest.New(t, cfg)
}
