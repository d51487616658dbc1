package pgembed_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq" // the driver

	"github.com/gigraph/gigraph/db/pgembed"
)

// dataDir returns a fresh directory for a cluster. When the tests run as root the cluster runs as
// the postgres user, which must be able to reach it: Start opens the parents up as needed.
func dataDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "pg")
}

func start(t *testing.T, dir string) *pgembed.Cluster {
	t.Helper()
	c, err := pgembed.Start(context.Background(), pgembed.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

func exec1(t *testing.T, c *pgembed.Cluster, q string, args ...any) {
	t.Helper()
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
		t.Fatal(err)
	}
}

func queryInt(t *testing.T, c *pgembed.Cluster, q string) int {
	t.Helper()
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(t.Context(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// gone waits until no process has the pid.
func gone(t *testing.T, pid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		// A child of this process lingers as a zombie until reaped; it is gone all the same.
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && strings.Contains(string(b), ") Z ") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("process %d still running %s later", pid, within)
}

func TestStartReuseStop(t *testing.T) {
	dir := dataDir(t)
	c := start(t, dir)
	exec1(t, c, `CREATE TABLE marker (n int)`)
	exec1(t, c, `INSERT INTO marker VALUES (42)`)
	pid := c.PID()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	gone(t, pid, 5*time.Second)
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}

	began := time.Now()
	c2 := start(t, dir)
	if took := time.Since(began); took > 15*time.Second {
		t.Errorf("restart took %s, want a few seconds (the cluster is reused, not re-created)", took)
	}
	if got := queryInt(t, c2, `SELECT n FROM marker`); got != 42 {
		t.Errorf("got %d from the reused cluster, want 42", got)
	}
	pid2 := c2.PID()
	if err := c2.Stop(); err != nil {
		t.Fatal(err)
	}
	gone(t, pid2, 5*time.Second)
	select {
	case <-c2.Done():
	default:
		t.Error("Done not closed after Stop")
	}
}

func TestMissingBinaries(t *testing.T) {
	_, err := pgembed.Start(context.Background(), pgembed.Config{DataDir: dataDir(t), BinDir: t.TempDir()})
	if !errors.Is(err, pgembed.ErrBinariesMissing) {
		t.Fatalf("got %v, want ErrBinariesMissing", err)
	}
	// The error must tell a newcomer what to install.
	if !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Errorf("error lacks the install hint: %v", err)
	}
}

func TestDataDirInUse(t *testing.T) {
	dir := dataDir(t)
	c := start(t, dir)
	_, err := pgembed.Start(context.Background(), pgembed.Config{DataDir: dir})
	if !errors.Is(err, pgembed.ErrDataDirInUse) {
		t.Fatalf("second Start on a live data directory: got %v, want ErrDataDirInUse", err)
	}
	// The refused start must not disturb the running cluster.
	if got := queryInt(t, c, `SELECT 1`); got != 1 {
		t.Errorf("running cluster answered %d", got)
	}
}

// TestStartAfterKill kills the postmaster and its backends with SIGKILL, which leaves a stale
// postmaster.pid behind; the next start must recover instead of refusing the directory.
func TestStartAfterKill(t *testing.T) {
	dir := dataDir(t)
	c := start(t, dir)
	exec1(t, c, `CREATE TABLE survived (n int)`)
	pid := c.PID()
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil { // the whole process group
		t.Fatal(err)
	}
	<-c.Done()
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); err != nil {
		t.Fatalf("expected a stale postmaster.pid after SIGKILL: %v", err)
	}
	c2 := start(t, dir)
	if got := queryInt(t, c2, `SELECT count(*) FROM survived`); got != 0 {
		t.Errorf("got %d rows, want the committed table back, empty", got)
	}
}

// TestClusterStopsWhenOwnerDies runs a process that starts a cluster, kills that process with
// SIGKILL (no chance to clean up), and checks that PostgreSQL goes away by itself and the data
// directory can be started again.
func TestClusterStopsWhenOwnerDies(t *testing.T) {
	if os.Getenv("PGEMBED_HELPER_DIR") != "" {
		return // inside the helper: see TestHelperOwner
	}
	dir := dataDir(t)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperOwner$", "-test.v")
	cmd.Env = append(os.Environ(), "PGEMBED_HELPER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "postgres pid "); ok {
			pid, _ = strconv.Atoi(p)
			break
		}
	}
	if pid == 0 {
		t.Fatal("helper did not report a postgres pid")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	gone(t, pid, 10*time.Second)
	start(t, dir)
}

// TestHelperOwner is the process TestClusterStopsWhenOwnerDies kills; it does nothing otherwise.
func TestHelperOwner(t *testing.T) {
	dir := os.Getenv("PGEMBED_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	c, err := pgembed.Start(context.Background(), pgembed.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("postgres pid %d\n", c.PID())
	time.Sleep(time.Minute) // killed long before
}
