package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/graph"
)

// TestPanickingResolver injects a panic into one field through a gqlgen field middleware (a test
// hook through gqlgen's public API, not a backdoor in the server): the client gets
// INTERNAL_SERVER_ERROR with a request ID and no panic text, the log gets both, and the server
// keeps serving.
func TestPanickingResolver(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	boom := handler.FieldFunc(func(ctx context.Context, next graphql.Resolver) (any, error) {
		if graphql.GetFieldContext(ctx).Field.Name == "skills" {
			panic("boom: secret internals")
		}
		return next(ctx)
	})
	srv := httptest.NewServer(newHandler(Config{Env: "prod"}, dbtest.New(t), log, boom))
	defer srv.Close()

	for i, tt := range []struct {
		query, wantCode string
	}{
		{"{ skills { totalCount } }", "INTERNAL_SERVER_ERROR"},
		{"{ __typename }", ""},
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/graphql", strings.NewReader(fmt.Sprintf(`{"query":%q}`, tt.query)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		var out struct {
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("%d: %v: %s", i, err, body)
		}
		if tt.wantCode == "" {
			if len(out.Errors) > 0 || res.StatusCode != 200 {
				t.Fatalf("after the panic: %d %s", res.StatusCode, body)
			}
			continue
		}
		if len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != tt.wantCode {
			t.Fatalf("got %s, want one %s", body, tt.wantCode)
		}
		id, _ := out.Errors[0].Extensions["requestId"].(string)
		if id == "" || id != res.Header.Get("X-Request-Id") {
			t.Errorf("requestId %q does not match X-Request-Id %q", id, res.Header.Get("X-Request-Id"))
		}
		if bytes.Contains(body, []byte("boom")) || bytes.Contains(body, []byte("goroutine")) {
			t.Errorf("panic text leaked: %s", body)
		}
		if !strings.Contains(logs.String(), id) || !strings.Contains(logs.String(), "boom") {
			t.Errorf("the log lacks the request id or the panic: %s", logs.String())
		}
	}
}

type syncBuffer struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func (s *syncBuffer) lock() {
	if s.mu == nil {
		s.mu = make(chan struct{}, 1)
	}
	s.mu <- struct{}{}
}
func (s *syncBuffer) Write(p []byte) (int, error) {
	s.lock()
	defer func() { <-s.mu }()
	return s.buf.Write(p)
}
func (s *syncBuffer) String() string { s.lock(); defer func() { <-s.mu }(); return s.buf.String() }

// TestLinearChecks pins the documents that made gqlgen's complexity walker and gqlparser's
// field-merging rule slow: the limits check and validation with our rules must stay fast on them.
func TestLinearChecks(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	cfg := Config{}
	cfg.defaults()
	dup := func(w int) string {
		inner := "freelancer {" + strings.Repeat(" __typename", w) + " }"
		mid := "viewer {" + strings.Repeat(" "+inner, w) + " }"
		return "{" + strings.Repeat(" "+mid, w) + " }"
	}
	bomb := func(n int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { __typename }\n", n)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
		}
		return b.String()
	}
	tests := []struct {
		name    string
		doc     string
		refused bool
	}{
		{"fragment bomb", bomb(60), true},
		{"repeated fields 12×12×12", dup(12), false},
		{"repeated fields 15×15×15", dup(15), false},
		{"4000 × __typename", "{" + strings.Repeat(" __typename", 4000) + " }", false},
		{"2000 nested lists", "{ skills(filter: {skills: " + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + "}) { totalCount } }", true},
		{"2000 nested list type", "query($v: " + strings.Repeat("[", 2000) + "Int" + strings.Repeat("]", 2000) + ") { __typename }", true},
		{"2000 nested default", "query($v: [Int] = " + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + ") { __typename }", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			doc, err := parser.ParseQuery(&ast.Source{Input: tt.doc})
			if err != nil {
				t.Fatal(err)
			}
			limitErr := checkDocument(schema, doc, nil, cfg.limits())
			if (limitErr != nil) != tt.refused {
				t.Fatalf("refused: got %v, want %v", limitErr, tt.refused)
			}
			if limitErr == nil {
				if errs := validator.ValidateWithRules(schema, doc, validationRules()); len(errs) > 0 {
					t.Fatalf("valid document refused: %v", errs)
				}
			}
			if took := time.Since(start); took > 200*time.Millisecond {
				t.Errorf("took %v", took)
			} else {
				t.Logf("%d bytes checked in %v", len(tt.doc), took)
			}
		})
	}
}

// TestFieldsCanMerge checks that the linear rule still finds the conflicts the spec forbids.
func TestFieldsCanMerge(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	tests := []struct {
		doc   string
		valid bool
	}{
		{"{ skills { totalCount } skills { totalCount } }", true},
		{"{ skills(first: 1) { totalCount } skills(first: 2) { totalCount } }", false},
		{"{ a: skills { totalCount } a: viewer { id } }", false},
		{"{ skills { a: totalCount a: pageInfo { hasNextPage } } }", false},
		{"{ skills { ...F ...F } } fragment F on SkillConnection { totalCount }", true},
		{"{ s: skills { edges { node { n: name } } } s: skills { edges { node { n: slug } } } }", false},
	}
	for _, tt := range tests {
		doc, err := parser.ParseQuery(&ast.Source{Input: tt.doc})
		if err != nil {
			t.Fatal(err)
		}
		r := rules.NewDefaultRules()
		r.RemoveRule(rules.OverlappingFieldsCanBeMergedRule.Name)
		r.AddRule("FieldsCanMerge", fieldsCanMerge)
		errs := validator.ValidateWithRules(schema, doc, r)
		if got := len(errs) == 0; got != tt.valid {
			t.Errorf("%s: valid got %v, want %v (%v)", tt.doc, got, tt.valid, errs)
		}
	}
}

// dryRun stops every operation after validation, so fuzzing exercises decoding, parsing, limits
// and validation without a database.
type dryRun struct{}

func (dryRun) ExtensionName() string                   { return "DryRun" }
func (dryRun) Validate(graphql.ExecutableSchema) error { return nil }
func (dryRun) MutateOperationContext(context.Context, *graphql.OperationContext) *gqlerror.Error {
	return gqlerror.Errorf("dry run")
}

// FuzzRequest sends arbitrary bodies to the GraphQL handler: it must answer every one with JSON,
// never 5xx, and quickly.
func FuzzRequest(f *testing.F) {
	cfg := Config{Env: "prod"}
	cfg.defaults()
	h := newGraphQL(cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), dryRun{})
	for _, seed := range []string{
		`{"query":"{ __typename }"}`,
		`{"query":"query($n: Int) { skills(first: $n) { totalCount } }","variables":{"n":100}}`,
		`[{"query":"{ __typename }"}]`,
		`{"query":"query { ...A } fragment A on Query { ...A }"}`,
		`{"query":"{ skills(first: 99999999999999999999) { totalCount } }"}`,
		`{"query":null,"extensions":{"persistedQuery":{"version":1,"sha256Hash":"x"}}}`,
		`{"query":"{ __schema { types { name } } }","operationName":7}`,
	} {
		f.Add("application/json", []byte(seed))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("not JSON for %q: %s", body, rec.Body)
		}
		if took := time.Since(start); took > time.Second {
			t.Fatalf("took %v for %q", took, body)
		}
	})
}

// FuzzDocument runs the limits check and validation on arbitrary documents and variables: no
// panic, and bounded time.
func FuzzDocument(f *testing.F) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	cfg := Config{}
	cfg.defaults()
	f.Add("{ skills(first: $n) { edges { node { name freelancers { totalCount } } } } }", "5")
	f.Add("query { ...F1 } fragment F0 on Query { __typename } fragment F1 on Query { ...F0 ...F0 }", "null")
	f.Add("{ a: skills { totalCount } a: skills(first: 1) { totalCount } }", "1e3")
	f.Add("{ nodes(ids: $n) { __typename } }", `["a","b"]`)
	f.Fuzz(func(t *testing.T, src, n string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: src}, cfg.ParserTokenLimit)
		if err != nil {
			return
		}
		var v any
		_ = json.Unmarshal([]byte(n), &v)
		start := time.Now()
		if checkDocument(schema, doc, map[string]any{"n": v}, cfg.limits()) == nil {
			_ = validator.ValidateWithRules(schema, doc, validationRules())
		}
		if took := time.Since(start); took > time.Second {
			t.Fatalf("took %v for %q", took, src)
		}
	})
}

// TestShutdownEndsWebSockets checks the contract with the WebSocket layer: an upgrade request runs
// under a context that Shutdown cancels, and GoingAway tells the adapter to close with 1001.
func TestShutdownEndsWebSockets(t *testing.T) {
	h := &Handler{}
	h.closing, h.shutdown = context.WithCancel(context.Background())
	ended := make(chan bool, 1)
	srv := httptest.NewServer(h.goingAway(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if code, _ := WebSocketClose(r.Context(), 1000, "terminated"); code != 1000 {
			t.Errorf("before shutdown: close code %d, want 1000", code)
		}
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		code, _ := WebSocketClose(r.Context(), 1000, "terminated")
		ended <- code == CloseGoingAway
	})))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	req.Header.Set("Upgrade", "websocket")
	go func() {
		if res, err := http.DefaultClient.Do(req); err == nil {
			_ = res.Body.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	_ = h.Shutdown(context.Background())
	if !<-ended || time.Since(start) > 2*time.Second {
		t.Fatal("the WebSocket request was not ended by Shutdown with GoingAway closed")
	}
}

// BenchmarkRefuse measures the server-side work to refuse the suite's worst documents (parse and
// limits check; what gqlgen would do next is never reached).
func BenchmarkRefuse(b *testing.B) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	cfg := Config{}
	cfg.defaults()
	ext := limitsExtension{limits: cfg.limits(), schema: schema, cache: graphql.NoCache[*ast.QueryDocument]{}}
	var bomb strings.Builder
	bomb.WriteString("query { ...F60 }\nfragment F0 on Query { __typename }\n")
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&bomb, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	for name, doc := range map[string]string{
		"fragment bomb 2^60": bomb.String(),
		"6000 tokens":        "{" + strings.Repeat(" __typename", 6000) + " }",
		"2000 nested lists":  "{ skills(filter: {skills: " + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + "}) { totalCount } }",
		"cost 100×100":       "{ skills(first: 100) { edges { node { freelancers(first: 100) { edges { node { headline } } } } } } }",
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := ext.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: doc}); err == nil {
					b.Fatal("not refused")
				}
			}
		})
	}
}

// TestAccessLog checks the access log line: request id, operation, outcome and duration, and
// nothing of the request's variables or credentials.
func TestAccessLog(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	store := dbtest.New(t)
	srv := httptest.NewServer(newHandler(Config{Env: "prod"}, store, log))
	defer srv.Close()
	secret := "jane.doe@example.com"
	body := fmt.Sprintf(`{"query":"query FindSkills($s: String) { skills(filter: {search: $s}) { totalCount } }","variables":{"s":%q}}`, secret)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer not-a-real-token-value")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()

	var line map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "graphql request" && m["operation"] == "FindSkills" {
			line = m
		}
	}
	if line == nil {
		t.Fatalf("no access log line for FindSkills in:\n%s", logs.String())
	}
	for _, key := range []string{"request_id", "operation", "outcome", "duration_ms", "status"} {
		if line[key] == nil || line[key] == "" {
			t.Errorf("access log lacks %s: %v", key, line)
		}
	}
	if line["outcome"] != "ok" {
		t.Errorf("outcome: got %v, want ok", line["outcome"])
	}
	for _, leak := range []string{secret, "not-a-real-token-value", "Bearer"} {
		if strings.Contains(logs.String(), leak) {
			t.Errorf("the log contains %q:\n%s", leak, logs.String())
		}
	}
}

func TestCheckOrigin(t *testing.T) {
	prod := Config{Env: "prod", AllowedOrigins: []string{"https://app.example.com"}}
	dev := Config{Env: "dev"}
	tests := []struct {
		cfg    Config
		origin string
		want   bool
	}{
		{prod, "", true},                        // not a browser
		{prod, "https://api.example.com", true}, // same origin as the Host below
		{prod, "https://app.example.com", true},
		{prod, "https://evil.example.com", false},
		{prod, "http://localhost:3000", false},
		{dev, "http://localhost:3000", true},
		{dev, "http://127.0.0.1:5173", true},
		{dev, "http://localhost.evil.com", false},
		{dev, "null", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "https://api.example.com/graphql", nil)
		if tt.origin != "" {
			r.Header.Set("Origin", tt.origin)
		}
		if got := tt.cfg.CheckOrigin(r); got != tt.want {
			t.Errorf("%s CheckOrigin(%q) = %v, want %v", tt.cfg.Env, tt.origin, got, tt.want)
		}
	}
}
