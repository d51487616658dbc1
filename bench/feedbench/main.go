// Command feedbench measures the live gig feed of one server instance holding many WebSocket
// subscribers: delivery latency from the posting transaction's commit to each client (p50, p99,
// max) for gigs that match every subscriber, and the server process's memory per idle subscriber.
//
// It starts the server as a child process (so its memory is measured alone), opens the
// subscribers over loopback with gorilla/websocket, posts gigs straight into the database and
// times their arrival. It needs a PostgreSQL: run it under the embedded one:
//
//	go build -o /tmp/feedbench ./bench/feedbench && go run . postgres -- /tmp/feedbench --subscribers 10000 --filters 100
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with FEEDBENCH_PPROF
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jmoiron/sqlx"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/feed"
	"github.com/gigraph/gigraph/feed/feedtest"
)

func main() {
	if err := runMain(); err != nil {
		fmt.Fprintln(os.Stderr, "feedbench:", err)
		os.Exit(1)
	}
}

func runMain() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:])
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("feedbench", flag.ContinueOnError)
	dsn := fs.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL server (a fresh database is created on it)")
	n := fs.Int("subscribers", 10000, "WebSocket subscribers to hold")
	gigs := fs.Int("gigs", 20, "gigs to post (each matches every subscriber)")
	filters := fs.Int("filters", 100, "distinct filters among the subscribers (all match the posted gigs)")
	serve := fs.String("serve", "", "internal: serve the API on the given database URL")
	fs.BoolVar(&overUnix, "unix", false, "connect the clients over a Unix socket instead of loopback TCP (on loopback TCP the\n"+
		"server's writes also run the clients' TCP receive path, which a real network does on the clients' machines)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raiseFileLimit()
	if *serve != "" {
		return serveChild(ctx, *serve)
	}
	if *dsn == "" {
		return errors.New("no --database-url / DATABASE_URL")
	}
	url, name, err := freshDatabase(ctx, *dsn)
	if err != nil {
		return err
	}
	defer dropDatabase(*dsn, name)
	store, err := db.Open(ctx, url, db.Options{MaxOpenConns: 4})
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	var client int64
	err = store.DB().GetContext(ctx, &client, `
WITH u AS (INSERT INTO users (email, name, password_hash) VALUES ('bench@example.com', 'Bench', 'x') RETURNING id)
INSERT INTO clients (user_id, company_name, country) SELECT id, 'Bench Ltd', 'DE' FROM u RETURNING id`)
	if err != nil {
		return err
	}

	child, addr, err := startChild(ctx, url, overUnix)
	if err != nil {
		return err
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	time.Sleep(time.Second)
	heap0, stack0, g0, err := stats(ctx, addr)
	if err != nil {
		return err
	}
	rss0 := rss(child.Process.Pid)

	fmt.Printf("opening %d subscribers to %s …\n", *n, addr)
	start := time.Now()
	subs, err := openSubscribers(ctx, addr, *n, max(*filters, 1), *gigs)
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range subs {
			_ = s.conn.Close()
		}
	}()
	fmt.Printf("%d subscribers with %d distinct filters ready in %v\n", len(subs), max(*filters, 1), time.Since(start).Round(time.Millisecond))
	time.Sleep(3 * time.Second) // let the server settle (GC, idle sockets)
	heap1, stack1, g1, err := stats(ctx, addr)
	if err != nil {
		return err
	}
	rss1 := rss(child.Process.Pid)

	cpu0, self0 := cpuTime(child.Process.Pid), cpuTime(os.Getpid())
	var lat []time.Duration
	for g := range *gigs {
		title := fmt.Sprintf("bench-%d", g)
		var committed time.Time
		err := store.InTx(ctx, func(tx *sqlx.Tx) error {
			id, err := feedtest.InsertProject(ctx, tx, client, feedtest.Gig{Title: title})
			if err != nil {
				return err
			}
			return db.AppendGigEvent(ctx, tx, id)
		})
		committed = time.Now()
		if err != nil {
			return err
		}
		// The clients only note the time (no channel per delivery: the measuring should take as
		// little of the shared CPU as possible); wait until all have it.
		want := int64(len(subs)) * int64(g+1)
		for deadline := time.Now().Add(30 * time.Second); delivered.Load() < want; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				return fmt.Errorf("gig %d did not reach every subscriber within 30s", g)
			}
		}
		for _, s := range subs {
			lat = append(lat, s.arrivals[g].Sub(committed))
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Server CPU per delivery, independent of what else runs on the machine (the idle pauses
	// between gigs cost next to nothing).
	cpuPer := (cpuTime(child.Process.Pid) - cpu0) / time.Duration(len(lat))
	clientPer := (cpuTime(os.Getpid()) - self0) / time.Duration(len(lat))
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(100 * time.Microsecond)
	}
	fmt.Printf("delivery latency commit→client over %d deliveries (%d gigs × %d subscribers): p50 %v  p99 %v  max %v\n",
		len(lat), *gigs, len(subs), q(0.50), q(0.99), lat[len(lat)-1].Round(100*time.Microsecond))
	fmt.Printf("server CPU per delivery: %v (so one gig to all %d subscribers costs %v of CPU on the server)\n",
		cpuPer.Round(100*time.Nanosecond), len(subs), (cpuPer * time.Duration(len(subs))).Round(time.Millisecond))
	fmt.Printf("client CPU per delivery (the %d clients, on the same cores): %v\n", len(subs), clientPer.Round(100*time.Nanosecond))
	fmt.Printf("server memory (RSS): %.1f MiB idle without subscribers, %.1f MiB with %d idle subscribers: %.1f KiB per subscriber\n",
		float64(rss0)/(1<<20), float64(rss1)/(1<<20), len(subs), float64(rss1-rss0)/float64(len(subs))/1024)
	per := func(a, b uint64) float64 { return float64(b-a) / float64(len(subs)) / 1024 }
	fmt.Printf("server live memory after GC per subscriber: heap %.1f KiB + goroutine stacks %.1f KiB = %.1f KiB (%.1f goroutines each)\n",
		per(heap0, heap1), per(stack0, stack1), per(heap0+stack0, heap1+stack1), float64(g1-g0)/float64(len(subs)))
	return nil
}

// overUnix: the server listens on a Unix socket (the address is its path) instead of loopback TCP.
var overUnix bool

// dial connects to the server child at addr.
func dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	if overUnix {
		return d.DialContext(ctx, "unix", addr)
	}
	return d.DialContext(ctx, "tcp", addr)
}

// host is what URLs to the server child name.
func host(addr string) string {
	if overUnix {
		return "feedbench"
	}
	return addr
}

func stats(ctx context.Context, addr string) (heap, stack uint64, goroutines int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host(addr)+"/benchstats", nil)
	if err != nil {
		return 0, 0, 0, err
	}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx, addr) }}}
	res, err := client.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	defer res.Body.Close()
	_, err = fmt.Fscan(res.Body, &heap, &stack, &goroutines)
	return heap, stack, goroutines, err
}

// delivered counts the gigs received by all subscribers.
var delivered atomic.Int64

type subscriber struct {
	conn *websocket.Conn
	// arrivals are the times the gigs arrived, in order; written by the subscriber's goroutine
	// before it counts the delivery in delivered, read by the main goroutine after.
	arrivals []time.Time
}

func openSubscribers(ctx context.Context, addr string, n, filters, gigs int) ([]*subscriber, error) {
	subs := make([]*subscriber, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				s, err := subscribe(ctx, addr, i%filters, gigs)
				if err != nil {
					select {
					case errc <- fmt.Errorf("subscriber %d: %w", i, err):
					default:
					}
					return
				}
				subs[i] = s
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return nil, err
	default:
	}
	return subs, nil
}

// subscribe opens one subscriber whose filter is the f-th: a minimum budget of f mod 1000 + 1 euros and, for
// every other filter, remote gigs only. The posted gigs (remote, 1000 EUR) match them all.
func subscribe(ctx context.Context, addr string, f, gigs int) (*subscriber, error) {
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024,
		NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx, addr) }}
	c, res, err := d.DialContext(ctx, "ws://"+host(addr)+"/graphql", nil)
	if res != nil && res.Body != nil {
		_ = res.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	send := func(v any) error { return c.WriteJSON(v) }
	if err := send(map[string]any{"type": "connection_init"}); err != nil {
		return nil, err
	}
	filter := map[string]any{"minBudget": map[string]any{"amount": strconv.Itoa(f%1000 + 1), "currency": "EUR"}}
	if f%2 == 1 {
		filter["remote"] = true
	}
	payload, _ := json.Marshal(map[string]any{
		"query":     `subscription($filter: GigFilter) { gigPosted(filter: $filter) { cursor project { title } } }`,
		"variables": map[string]any{"filter": filter},
	})
	if err := send(map[string]any{"type": "subscribe", "id": "1", "payload": json.RawMessage(payload)}); err != nil {
		return nil, err
	}
	if err := send(map[string]any{"type": "ping"}); err != nil {
		return nil, err
	}
	// Wait for the pong: the subscription is registered by then.
	for {
		var m struct{ Type string }
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if err := c.ReadJSON(&m); err != nil {
			return nil, err
		}
		if m.Type == "pong" {
			break
		}
	}
	_ = c.SetReadDeadline(time.Time{})
	s := &subscriber{conn: c, arrivals: make([]time.Time, 0, gigs)}
	go func() {
		// As little client work as possible per message: the clients share the server's cores.
		buf := make([]byte, 0, 512)
		for {
			_, r, err := c.NextReader()
			if err != nil {
				return
			}
			at := time.Now()
			buf = buf[:0]
			for {
				if len(buf) == cap(buf) {
					buf = append(buf, 0)[:len(buf)]
				}
				n, err := r.Read(buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+n]
				if err != nil {
					break
				}
			}
			if bytes.Contains(buf, []byte(`"type":"next"`)) {
				s.arrivals = append(s.arrivals, at)
				delivered.Add(1)
			}
		}
	}()
	return s, nil
}

// serveChild is the server process: the real API with its own feed.
func serveChild(ctx context.Context, url string) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := db.Open(ctx, url, db.DefaultOptions)
	if err != nil {
		return err
	}
	defer store.Close()
	f := feed.New(store, log, feed.Options{})
	if err := f.Start(ctx); err != nil {
		return err
	}
	defer f.Close()
	network, address := "tcp", "127.0.0.1:0"
	if overUnix {
		dir, err := os.MkdirTemp("", "feedbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		network, address = "unix", filepath.Join(dir, "api.sock")
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, network, address)
	if err != nil {
		return err
	}
	if os.Getenv("FEEDBENCH_PPROF") != "" {
		// Profiling on request only: go tool pprof http://$FEEDBENCH_PPROF/debug/pprof/profile
		go func() { _ = http.ListenAndServe(os.Getenv("FEEDBENCH_PPROF"), nil) }() //nolint:gosec // local diagnostics
	}
	fmt.Println("listening", ln.Addr().String())
	mux := http.NewServeMux()
	// All subscribers come from one loopback address: rate limits off.
	mux.Handle("/", api.New(api.Config{Env: "prod", Feed: f, RatePerAddress: api.RateLimit{PerSecond: -1}, RatePerToken: api.RateLimit{PerSecond: -1}}, store, log))
	mux.HandleFunc("GET /benchstats", func(w http.ResponseWriter, _ *http.Request) {
		// Steady-state live memory: a few collections (each may halve oversized idle goroutine
		// stacks, as the periodic GC of a long-running server does) and memory returned to the
		// OS, then heap in use plus goroutine stacks.
		for range 4 {
			runtime.GC()
		}
		debug.FreeOSMemory()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Fprintf(w, "%d %d %d\n", m.HeapInuse, m.StackInuse, runtime.NumGoroutine())
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func startChild(ctx context.Context, url string, unix bool) (*exec.Cmd, string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.CommandContext(ctx, exe, "--serve", url, "--unix="+strconv.FormatBool(unix))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, "", fmt.Errorf("server child: %w", err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return cmd, strings.TrimSpace(strings.TrimPrefix(line, "listening ")), nil
}

func freshDatabase(ctx context.Context, dsn string) (url, name string, err error) {
	admin, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return "", "", err
	}
	defer admin.Close()
	name = "gigraph_feedbench_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", "", err
	}
	i := strings.LastIndex(dsn, "/")
	rest := ""
	if j := strings.Index(dsn[i:], "?"); j >= 0 {
		rest = dsn[i+j:]
	}
	return dsn[:i+1] + name + rest, name, nil
}

func dropDatabase(dsn, name string) {
	admin, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return
	}
	defer admin.Close()
	_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
}

// rss is the resident memory of a process in bytes.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// raiseFileLimit lifts the soft limit on open files to the hard one: every socket is a file.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
	_ = runtime.GOMAXPROCS(0)
}

// cpuTime is the user+system CPU time a process has used.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // clock ticks (USER_HZ = 100)
}
