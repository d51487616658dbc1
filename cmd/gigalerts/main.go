// Command gigalerts is the reference gig-alert consumer: it follows gigraph's gigPosted
// subscription over graphql-transport-ws, prints each matching gig, keeps the last cursor in a
// file, and after any disconnect reconnects with exponential backoff and jitter and resumes from
// that cursor, so no gig is missed and none is printed twice.
//
//	go run ./cmd/gigalerts --url http://localhost:8080/graphql --skills go,postgresql --cursor-file gigs.cursor
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	if err := runMain(); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "gigalerts:", err)
		os.Exit(1)
	}
}

func runMain() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

type config struct {
	url, token, cursorFile string
	filter                 map[string]any
	maxBackoff             time.Duration
}

func parse(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("gigalerts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{filter: map[string]any{}}
	var skills, allSkills, categories, countries, remote, rateType, minBudget string
	fs.StringVar(&c.url, "url", "http://localhost:8080/graphql", "the GraphQL endpoint (http(s):// or ws(s)://)")
	fs.StringVar(&c.token, "token", os.Getenv("GIGRAPH_TOKEN"), "bearer token sent in connection_init (env GIGRAPH_TOKEN; optional: public gigs need none)")
	fs.StringVar(&c.cursorFile, "cursor-file", "", "file that keeps the last cursor so a restart resumes behind it")
	fs.StringVar(&skills, "skills", "", "comma-separated skill slugs, any of which a gig must ask for")
	fs.StringVar(&allSkills, "all-skills", "", "comma-separated skill slugs a gig must all ask for")
	fs.StringVar(&categories, "categories", "", "comma-separated skill categories (LANGUAGE, DATABASE, …)")
	fs.StringVar(&countries, "countries", "", "comma-separated ISO country codes")
	fs.StringVar(&remote, "remote", "", "true: remote gigs only; false: on-site only")
	fs.StringVar(&rateType, "rate-type", "", "FIXED or DAILY")
	fs.StringVar(&minBudget, "min-budget", "", `minimum budget as "AMOUNT CURRENCY", e.g. "500 EUR"`)
	fs.DurationVar(&c.maxBackoff, "max-backoff", 30*time.Second, "longest wait between reconnection attempts")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for key, v := range map[string]string{"skills": skills, "allSkills": allSkills, "categories": categories, "countries": countries} {
		if v != "" {
			c.filter[key] = strings.Split(v, ",")
		}
	}
	switch remote {
	case "":
	case "true", "false":
		c.filter["remote"] = remote == "true"
	default:
		return nil, fmt.Errorf("--remote must be true or false")
	}
	if rateType != "" {
		c.filter["rateType"] = strings.ToUpper(rateType)
	}
	if minBudget != "" {
		amount, currency, ok := strings.Cut(minBudget, " ")
		if !ok {
			return nil, fmt.Errorf(`--min-budget must be "AMOUNT CURRENCY"`)
		}
		c.filter["minBudget"] = map[string]string{"amount": amount, "currency": strings.ToUpper(currency)}
	}
	switch {
	case strings.HasPrefix(c.url, "http://"):
		c.url = "ws://" + strings.TrimPrefix(c.url, "http://")
	case strings.HasPrefix(c.url, "https://"):
		c.url = "wss://" + strings.TrimPrefix(c.url, "https://")
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	cursor, err := readCursor(c.cursorFile)
	if err != nil {
		return err
	}
	backoff := time.Duration(0)
	for {
		connected, err := follow(ctx, c, &cursor, stdout)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fatal *fatalError
		if errors.As(err, &fatal) {
			return err
		}
		if connected {
			backoff = 0 // the connection worked for a while: start over with short waits
		}
		backoff = min(max(2*backoff, 500*time.Millisecond), c.maxBackoff)
		// Full jitter: many consumers restarting at once do not reconnect in lockstep.
		wait := time.Duration(rand.Int64N(int64(backoff)) + 1)
		fmt.Fprintf(stderr, "gigalerts: %v; reconnecting in %v\n", err, wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// fatalError is a refusal that retrying cannot fix (a bad token, a bad filter).
type fatalError struct{ msg string }

func (e *fatalError) Error() string { return e.msg }

type message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

const query = `subscription($filter: GigFilter, $after: String) {
  gigPosted(filter: $filter, after: $after) {
    cursor
    project { title budget { amount currency } rateType remote country }
  }
}`

// follow runs one connection until it fails; connected reports whether it got as far as the ack.
func follow(ctx context.Context, c *config, cursor *string, stdout io.Writer) (connected bool, err error) {
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	conn, res, err := d.DialContext(ctx, c.url, http.Header{})
	if res != nil && res.Body != nil {
		_ = res.Body.Close()
	}
	if err != nil {
		return false, fmt.Errorf("dial %s: %w", c.url, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	// Answer the server's WebSocket pings (gorilla does by default) and notice a dead server:
	// the server pings every 20 s, so a minute of silence means the connection is gone.
	const silence = time.Minute
	_ = conn.SetReadDeadline(time.Now().Add(silence))
	conn.SetPingHandler(func(data string) error {
		_ = conn.SetReadDeadline(time.Now().Add(silence))
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(5*time.Second))
	})

	init := map[string]any{}
	if c.token != "" {
		init["authorization"] = "Bearer " + c.token
	}
	if err := conn.WriteJSON(map[string]any{"type": "connection_init", "payload": init}); err != nil {
		return false, err
	}
	vars := map[string]any{"filter": c.filter}
	if *cursor != "" {
		vars["after"] = *cursor
	}
	for {
		var m message
		if err := conn.ReadJSON(&m); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code == 4403 {
				return connected, &fatalError{"the server refused the token (4403)"}
			}
			return connected, err
		}
		_ = conn.SetReadDeadline(time.Now().Add(silence))
		switch m.Type {
		case "connection_ack":
			connected = true
			payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
			if err := conn.WriteJSON(message{ID: "gigs", Type: "subscribe", Payload: payload}); err != nil {
				return connected, err
			}
		case "ping":
			if err := conn.WriteJSON(message{Type: "pong"}); err != nil {
				return connected, err
			}
		case "next":
			if err := handleNext(c, m.Payload, cursor, stdout); err != nil {
				return connected, err
			}
		case "error":
			// The server ended the subscription. When it says where to resume (it is shutting
			// down, or we read too slowly) that is worth a retry; anything else (a bad filter,
			// say) would fail again.
			var errs []struct {
				Message    string
				Extensions map[string]any
			}
			_ = json.Unmarshal(m.Payload, &errs)
			if len(errs) > 0 && errs[0].Extensions["resumeAfter"] != nil {
				return connected, fmt.Errorf("server: %s", errs[0].Message)
			}
			return connected, &fatalError{"subscription refused: " + string(m.Payload)}
		case "complete":
			return connected, errors.New("the server completed the subscription")
		}
	}
}

func handleNext(c *config, payload json.RawMessage, cursor *string, stdout io.Writer) error {
	var p struct {
		Data *struct {
			GigPosted struct {
				Cursor  string
				Project struct {
					Title    string
					Budget   struct{ Amount, Currency string }
					RateType string
					Remote   bool
					Country  *string
				}
			}
		}
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	if len(p.Errors) > 0 {
		e := p.Errors[0]
		if code, _ := e.Extensions["code"].(string); code == "BAD_USER_INPUT" || code == "UNAUTHENTICATED" {
			return &fatalError{e.Message}
		}
		// The server closed the subscription (too slow, shutting down): resume from our cursor.
		return fmt.Errorf("server: %s", e.Message)
	}
	if p.Data == nil {
		return errors.New("next without data")
	}
	g := p.Data.GigPosted
	where := "remote"
	if !g.Project.Remote {
		where = "on-site"
	}
	if g.Project.Country != nil {
		where += " " + *g.Project.Country
	}
	fmt.Fprintf(stdout, "%s — %s %s %s, %s\n", g.Project.Title, g.Project.Budget.Amount, g.Project.Budget.Currency, strings.ToLower(g.Project.RateType), where)
	*cursor = g.Cursor
	return writeCursor(c.cursorFile, g.Cursor)
}

func readCursor(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(b)), err
}

// writeCursor replaces the cursor file atomically (write a temporary file, sync, rename), so a
// crash leaves either the old or the new cursor, never a torn one.
func writeCursor(path, cursor string) error {
	if path == "" {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename
	if _, err := tmp.WriteString(cursor + "\n"); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
