// Package pgembed runs a private PostgreSQL cluster from the server binaries installed on the
// machine (Debian's postgresql package): initdb on first use, then postgres on a Unix socket inside
// the data directory, so no TCP port can clash. It never downloads anything. When the process runs
// as root, the cluster runs as the unprivileged "postgres" user, because PostgreSQL refuses root.
package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Config says where the cluster lives.
type Config struct {
	// DataDir holds the cluster; it is created on first start and reused afterwards.
	DataDir string
	// BinDir holds initdb and postgres; empty means search PATH, then /usr/lib/postgresql/*/bin.
	BinDir string
	// Port names the socket file (.s.PGSQL.<port>); nothing listens on TCP. Default 5432.
	Port int
	// StartTimeout bounds how long start-up may take (default 60s).
	StartTimeout time.Duration
	// Logger receives progress messages; nil discards them.
	Logger *slog.Logger
	// KeepRunning, when true, lets the cluster outlive this process (used by a test run that shares
	// one cluster between packages); by default it is stopped when this process dies.
	KeepRunning bool
}

// Cluster is a running PostgreSQL started by Start.
type Cluster struct {
	cfg     Config
	bin     string
	sockDir string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	owner   *syscall.Credential
}

// ErrBinariesMissing is returned when no PostgreSQL server binaries are installed.
var ErrBinariesMissing = errors.New("PostgreSQL server binaries (initdb, postgres) not found on PATH or in /usr/lib/postgresql/*/bin: install them with `apt-get install postgresql` (Debian/Ubuntu), or set DATABASE_URL to use an existing database")

// ErrDataDirInUse is returned when a live PostgreSQL already runs on the data directory.
var ErrDataDirInUse = errors.New("data directory in use")

// FindBinDir returns the directory with initdb and postgres: dir itself when given, else the
// first directory on PATH that has both, else the newest /usr/lib/postgresql/<version>/bin.
func FindBinDir(dir string) (string, error) {
	has := func(d string) bool {
		for _, b := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(d, b)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("%w (looked in %s)", ErrBinariesMissing, dir)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		// Debian links initdb into /usr/local/bin or /usr/bin; follow the link to the real
		// directory, which also holds postgres.
		if target, err := filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(target)) {
			return filepath.Dir(target), nil
		}
		if has(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(matches, func(i, j int) bool { return versionOf(matches[i]) > versionOf(matches[j]) })
	for _, m := range matches {
		if has(m) {
			return m, nil
		}
	}
	return "", ErrBinariesMissing
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Start initialises the cluster if its data directory is empty, then starts postgres and waits
// until it accepts connections. The context bounds start-up only.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Port == 0 {
		cfg.Port = 5432
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	cfg.DataDir = dir
	bin, err := FindBinDir(cfg.BinDir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, bin: bin}
	if os.Geteuid() == 0 {
		if c.owner, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	if err := c.prepareDir(); err != nil {
		return nil, err
	}
	if err := c.checkNotRunning(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	c.sockDir = dir
	if len(filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(cfg.Port))) > 100 {
		// Unix socket paths are limited to about 107 bytes; fall back to a short directory.
		if c.sockDir, err = c.shortSocketDir(); err != nil {
			return nil, err
		}
	}
	// After a crash (the server and its backends killed with SIGKILL) the backends may still hold
	// the old shared memory for a moment; PostgreSQL then refuses to start until they are gone.
	for attempt := 1; ; attempt++ {
		err := c.start(ctx)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, errSharedMemoryInUse) || attempt == 50 {
			return nil, err
		}
		cfg.Logger.Info("old PostgreSQL processes still hold the cluster's shared memory; retrying", "attempt", attempt)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// errSharedMemoryInUse marks a start-up that failed because processes of a killed server are still
// running; it is worth retrying.
var errSharedMemoryInUse = errors.New("shared memory of a previous server still in use")

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New(`running as root, but there is no "postgres" user to run PostgreSQL as (PostgreSQL refuses to run as root): install the postgresql package, or run as a normal user`)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (c *Cluster) prepareDir() error {
	if err := os.MkdirAll(c.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if c.owner != nil {
		if err := os.Chown(c.cfg.DataDir, int(c.owner.Uid), int(c.owner.Gid)); err != nil {
			return fmt.Errorf("hand data directory to the postgres user: %w", err)
		}
		// The postgres user must be able to reach the data directory through its parents.
		for d := filepath.Dir(c.cfg.DataDir); d != "/" && d != "."; d = filepath.Dir(d) {
			fi, err := os.Stat(d)
			if err != nil {
				return err
			}
			if fi.Mode().Perm()&0o001 == 0 {
				if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
					return fmt.Errorf("the postgres user cannot reach %s (mode %v): %w", c.cfg.DataDir, fi.Mode().Perm(), err)
				}
			}
		}
	}
	return os.Chmod(c.cfg.DataDir, 0o700)
}

// checkNotRunning refuses to start a second postmaster on a data directory another live one uses.
// A postmaster.pid left by a killed server is stale and PostgreSQL removes it by itself.
func (c *Cluster) checkNotRunning() error {
	b, err := os.ReadFile(filepath.Join(c.cfg.DataDir, "postmaster.pid"))
	if err != nil {
		return nil
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		return nil
	}
	if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if strings.HasPrefix(strings.TrimSpace(string(comm)), "postgres") {
			return fmt.Errorf("%w: %s is used by PostgreSQL process %d (is another gigraph running? stop it, or choose another --pg-data-dir)", ErrDataDirInUse, c.cfg.DataDir, pid)
		}
	}
	return nil
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.cfg.DataDir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.owner}
	return cmd
}

func (c *Cluster) initdb(ctx context.Context) error {
	c.cfg.Logger.Info("creating embedded PostgreSQL cluster", "dir", c.cfg.DataDir, "bin", c.bin)
	cmd := c.command(ctx, "initdb", "-D", c.cfg.DataDir, "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		// Leave no half-made cluster behind: the next start would mistake it for a real one.
		c.removeContents()
		return fmt.Errorf("initdb failed: %w\n%s", err, tail(out.String(), 20))
	}
	return nil
}

func (c *Cluster) removeContents() {
	entries, _ := os.ReadDir(c.cfg.DataDir)
	for _, e := range entries {
		_ = os.RemoveAll(filepath.Join(c.cfg.DataDir, e.Name()))
	}
}

func (c *Cluster) shortSocketDir() (string, error) {
	d, err := os.MkdirTemp("", "gigraph-pg-")
	if err != nil {
		return "", err
	}
	if c.owner != nil {
		if err := os.Chown(d, int(c.owner.Uid), int(c.owner.Gid)); err != nil {
			return "", err
		}
	}
	return d, nil
}

func (c *Cluster) logPath() string { return filepath.Join(c.cfg.DataDir, "postgres.log") }

func (c *Cluster) start(ctx context.Context) error {
	logFile, err := os.OpenFile(c.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open PostgreSQL log: %w", err)
	}
	defer logFile.Close()
	if c.owner != nil {
		_ = logFile.Chown(int(c.owner.Uid), int(c.owner.Gid))
	}
	start, _ := logFile.Seek(0, 2)
	// The server outlives start-up: Stop ends it, not the start-up context.
	cmd := c.command(context.WithoutCancel(ctx), "postgres", "-D", c.cfg.DataDir,
		"-k", c.sockDir, "-p", strconv.Itoa(c.cfg.Port),
		"-c", "listen_addresses=",
		"-c", "max_connections=200",
		"-c", "fsync=on",
		"-c", "logging_collector=off")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if !c.cfg.KeepRunning {
		// If this process dies without stopping the cluster, the kernel sends postgres SIGINT (a
		// fast shutdown), so no orphan keeps the data directory locked.
		cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan struct{})
	c.cmd, c.done = cmd, done
	go func() {
		c.waitErr = cmd.Wait()
		close(done)
	}()
	deadline := time.NewTimer(c.cfg.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if c.ready() {
			c.cfg.Logger.Info("embedded PostgreSQL ready", "socket", c.sockDir, "pid", cmd.Process.Pid)
			return nil
		}
		select {
		case <-c.done:
			log := c.logTail(start)
			if strings.Contains(log, "pre-existing shared memory block") {
				return fmt.Errorf("%w: %s", errSharedMemoryInUse, tail(log, 2))
			}
			return fmt.Errorf("postgres exited during start-up (%w); log:\n%s", c.waitErr, log)
		case <-deadline.C:
			_ = c.Stop()
			return fmt.Errorf("postgres did not become ready within %s; log:\n%s", c.cfg.StartTimeout, c.logTail(start))
		case <-ctx.Done():
			_ = c.Stop()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// ready reports whether our postmaster has finished start-up: postmaster.pid's status line says
// "ready" once it accepts connections. The file must name our process: a server killed with
// SIGKILL leaves a stale file that says "ready" too, until the new postmaster replaces it.
func (c *Cluster) ready() bool {
	b, err := os.ReadFile(filepath.Join(c.cfg.DataDir, "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(b), "\n")
	return len(lines) > 7 && strings.TrimSpace(lines[0]) == strconv.Itoa(c.cmd.Process.Pid) &&
		strings.TrimSpace(lines[7]) == "ready"
}

func (c *Cluster) logTail(from int64) string {
	b, err := os.ReadFile(c.logPath())
	if err != nil {
		return "(no log)"
	}
	if from > 0 && from <= int64(len(b)) {
		b = b[from:]
	}
	return tail(string(b), 30)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// DSN returns a lib/pq connection URL for the named database on this cluster.
func (c *Cluster) DSN(dbname string) string {
	q := url.Values{"host": {c.sockDir}, "port": {strconv.Itoa(c.cfg.Port)}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + dbname, RawQuery: q.Encode()}).String()
}

// PID is the postmaster's process ID.
func (c *Cluster) PID() int { return c.cmd.Process.Pid }

// Done is closed when the postmaster has exited.
func (c *Cluster) Done() <-chan struct{} { return c.done }

// Stop shuts the cluster down fast (SIGINT: open transactions roll back) and waits up to 10 s,
// then kills it. It is safe to call more than once.
func (c *Cluster) Stop() error {
	if c.cmd == nil || c.cmd.Process == nil {
		return nil
	}
	select {
	case <-c.done:
		return nil
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		// Kill the whole process group: the postmaster and its backends.
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}
	if c.sockDir != c.cfg.DataDir {
		_ = os.RemoveAll(c.sockDir)
	}
	c.cfg.Logger.Info("embedded PostgreSQL stopped")
	return nil
}

// DataDir is the cluster's data directory.
func (c *Cluster) DataDir() string { return c.cfg.DataDir }
