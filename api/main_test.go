package api_test

import (
	"testing"

	"github.com/gigraph/gigraph/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
