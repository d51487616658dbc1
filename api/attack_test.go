package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/auth"
)

// raw is one HTTP request of the attack suite.
type raw struct {
	method, path, contentType, body string
	header                          map[string]string
}

type rawResponse struct {
	status  int
	header  http.Header
	body    []byte
	errors  []apitest.Error
	hasData bool
	elapsed time.Duration
}

func send(t *testing.T, base string, r raw) rawResponse {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	if r.path == "" {
		r.path = "/graphql"
	}
	if r.contentType == "" && r.method == http.MethodPost {
		r.contentType = "application/json"
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", "application/graphql-response+json")
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	out := rawResponse{status: res.StatusCode, header: res.Header, body: body, elapsed: elapsed}
	var decoded struct {
		Data   json.RawMessage `json:"data"`
		Errors []apitest.Error `json:"errors"`
	}
	if json.Unmarshal(body, &decoded) == nil {
		out.errors, out.hasData = decoded.Errors, decoded.Data != nil
	}
	return out
}

func query(q string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	return string(b)
}

// doubling is a document whose fragment F<n> expands to 2^n fields.
func doubling(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { __typename }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

func nested(depth int) string {
	q := "id"
	for i := range depth {
		if i%2 == 0 {
			q = "freelancer { " + q + " }"
		} else {
			q = "user { " + q + " }"
		}
	}
	return "{ viewer { " + q + " } }"
}

// duplicated repeats fields at three levels: gqlparser's own field-merging rule takes about a
// second on this; ours is linear.
func duplicated(w int) string {
	inner := "edges {" + strings.Repeat(" cursor", w) + " }"
	mid := "skills(first: 1) {" + strings.Repeat(" "+inner, w) + " }"
	return "{" + strings.Repeat(" "+mid, w) + " }"
}

func introspectionCycle(depth int) string {
	q := "name"
	for range depth {
		q = "ofType { " + q + " }"
	}
	return "{ __schema { types { fields { type { " + q + " } } } } }"
}

// TestAttacks sends the OWASP GraphQL cheat sheet's attacks to the live server over HTTP. Each
// must be refused (or, where harmless, answered) quickly with a clear code and nothing executed,
// and the server must keep serving afterwards.
func TestAttacks(t *testing.T) {
	prod := apitest.New(t, api.Config{Env: "prod"})
	dev := apitest.NewWithStore(t, api.Config{Env: "dev"}, prod.Store)
	user, token := apitest.NewUser(t, prod.Store, false)
	expired, hash := auth.NewToken()
	if err := prod.Store.CreateSession(t.Context(), user.ID, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := prod.Store.DB().ExecContext(t.Context(), `UPDATE sessions SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE token_hash = $1`, hash); err != nil {
		t.Fatal(err)
	}
	injection := "' OR 1=1 --"

	tests := []struct {
		name   string
		server *apitest.Server
		req    raw
		status int
		code   string // "" means no error expected
	}{
		{"depth", prod, raw{body: query(nested(20), nil)}, 400, api.CodeQueryTooComplex},
		{"aliases", prod, raw{body: query("{ a1: __typename a2: __typename }", nil)}, 200, ""},
		{"many aliases", prod, raw{body: query(func() string {
			var b strings.Builder
			b.WriteString("{")
			for i := range 100 {
				fmt.Fprintf(&b, " a%d: __typename", i)
			}
			return b.String() + " }"
		}(), nil)}, 400, api.CodeQueryTooComplex},
		{"directives", prod, raw{body: query("{ __typename"+strings.Repeat(" @skip(if: false)", 6)+" }", nil)}, 400, api.CodeQueryTooComplex},
		{"tokens", prod, raw{body: query("{"+strings.Repeat(" __typename", 6000)+" }", nil)}, 400, api.CodeQueryTooComplex},
		{"batching", prod, raw{body: `[` + query("{ __typename }", nil) + `,` + query("{ __typename }", nil) + `]`}, 400, api.CodeBadRequest},
		{"fragment bomb", prod, raw{body: query(doubling(60), nil)}, 400, api.CodeQueryTooComplex},
		{"deep input value", prod, raw{body: query("{ skills(filter: {skills: "+strings.Repeat("[", 1000)+strings.Repeat("]", 1000)+"}) { totalCount } }", nil)}, 400, api.CodeQueryTooComplex},
		{"deep variable value", prod, raw{body: `{"query":"query($s: [String!]) { skills(filter: {skills: $s}) { totalCount } }","variables":{"s":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}}`}, 400, "GRAPHQL_VALIDATION_FAILED"},
		{"circular fragments", prod, raw{body: query("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }", nil)}, 400, "GRAPHQL_VALIDATION_FAILED"},
		{"duplicated fields", prod, raw{body: query(duplicated(12), nil)}, 200, ""},
		{"circular introspection", dev, raw{body: query(introspectionCycle(20), nil)}, 400, api.CodeQueryTooComplex},
		{"introspection in prod", prod, raw{body: query("{ __schema { types { name } } }", nil)}, 400, "GRAPHQL_VALIDATION_FAILED"},
		{"huge first", prod, raw{body: query("{ skills(first: 1000000000000000000000) { totalCount } }", nil)}, 400, "BAD_USER_INPUT"},
		{"huge first variable", prod, raw{body: `{"query":"query($n: Int) { skills(first: $n) { totalCount } }","variables":{"n":99999999999}}`}, 400, "BAD_USER_INPUT"},
		{"too many ids", prod, raw{body: query("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", map[string]any{"ids": make([]string, 101)})}, 400, "BAD_USER_INPUT"},
		{"negative last", prod, raw{body: query("{ skills(last: -1) { totalCount } }", nil)}, 400, "BAD_USER_INPUT"},
		{"cost", prod, raw{body: query("{ skills(first: 100) { edges { node { freelancers(first: 100) { edges { node { headline } } } } } } }", nil)}, 400, api.CodeQueryTooComplex},
		{"oversized body", prod, raw{body: query("{ __typename }", map[string]any{"pad": strings.Repeat("x", 200<<10)})}, 413, api.CodeRequestTooLarge},
		{"field suggestions", prod, raw{body: query("{ skilz { totalCount } }", nil)}, 400, "GRAPHQL_VALIDATION_FAILED"},
		{"argument suggestions", prod, raw{body: query("{ skills(frist: 1) { totalCount } }", nil)}, 400, "GRAPHQL_VALIDATION_FAILED"},
		{"csrf text/plain", prod, raw{contentType: "text/plain", body: query("mutation { logout }", nil)}, 415, api.CodeUnsupportedMediaType},
		{"csrf form", prod, raw{contentType: "application/x-www-form-urlencoded", body: "query=mutation%7Blogout%7D"}, 415, api.CodeUnsupportedMediaType},
		{"csrf multipart", prod, raw{contentType: "multipart/form-data; boundary=x", body: "--x\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\nmutation{logout}\r\n--x--\r\n"}, 415, api.CodeUnsupportedMediaType},
		{"mutation over GET", prod, raw{method: http.MethodGet, path: "/graphql?query=" + url.QueryEscape("mutation { logout }")}, 405, api.CodeMethodNotAllowed},
		{"PUT", prod, raw{method: http.MethodPut, body: query("{ __typename }", nil)}, 405, api.CodeMethodNotAllowed},
		{"forged token", prod, raw{body: query("{ viewer { id } }", nil), header: map[string]string{"Authorization": "Bearer forged"}}, 401, "UNAUTHENTICATED"},
		{"expired token", prod, raw{body: query("{ viewer { id } }", nil), header: map[string]string{"Authorization": "Bearer " + expired}}, 401, "UNAUTHENTICATED"},
		{"valid token", prod, raw{body: query("{ __typename }", nil), header: map[string]string{"Authorization": "Bearer " + token}}, 200, ""},
		{"injection in ID", prod, raw{body: query("query($id: ID!) { node(id: $id) { id } }", map[string]any{"id": injection})}, 200, ""},
		{"injection in cursor", prod, raw{body: query("query($c: String) { skills(after: $c) { totalCount } }", map[string]any{"c": injection})}, 200, "BAD_USER_INPUT"},
		{"injection in search", prod, raw{body: query("query($s: String) { skills(filter: {search: $s}) { totalCount } }", map[string]any{"s": injection})}, 200, ""},
		{"injection in slug filter", prod, raw{body: query("query($s: String!) { skills(filter: {skills: [$s]}) { totalCount } }", map[string]any{"s": injection})}, 200, ""},
	}
	send(t, prod.URL, raw{body: query("{ __typename }", nil)}) // warm up connections and caches
	send(t, dev.URL, raw{body: query("{ __typename }", nil)})
	var worst time.Duration
	var worstName string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, tt.server.URL, tt.req)
			if res.status != tt.status {
				t.Errorf("status: got %d, want %d; body %.300s", res.status, tt.status, res.body)
			}
			var codes []string
			for _, e := range res.errors {
				codes = append(codes, e.Code())
				if e.Code() == "INTERNAL_SERVER_ERROR" {
					t.Errorf("internal error: %+v", e)
				}
				if strings.Contains(e.Message, "Did you mean") && tt.server == prod {
					t.Errorf("prod error suggests names: %q", e.Message)
				}
			}
			notFoundOK := tt.name == "injection in ID" && len(codes) == 1 && codes[0] == "NOT_FOUND"
			if tt.code == "" && len(codes) > 0 && !notFoundOK {
				t.Errorf("codes: got %v, want none", codes)
			}
			if tt.code != "" && (len(codes) == 0 || codes[0] != tt.code) {
				t.Errorf("codes: got %v, want %s; body %.300s", codes, tt.code, res.body)
			}
			if tt.status >= 400 && res.hasData {
				t.Errorf("a refused request has a data entry: %.300s", res.body)
			}
			if tt.status >= 400 && res.elapsed > worst {
				worst, worstName = res.elapsed, tt.name
			}
			// Generous against a busy machine; the log shows the real figures.
			if res.elapsed > 500*time.Millisecond {
				t.Errorf("took %v", res.elapsed)
			}
			t.Logf("%s: %d %v in %v", tt.name, res.status, codes, res.elapsed)
			if ok := send(t, tt.server.URL, raw{body: query("{ __typename }", nil)}); ok.status != 200 {
				t.Fatalf("server stopped serving: %d %s", ok.status, ok.body)
			}
		})
	}
	t.Logf("slowest refusal: %s in %v", worstName, worst)

	t.Run("suggestions only in dev", func(t *testing.T) {
		// The same documents that prod answers without suggestions (above) get them in dev: the
		// prod checks above can fail.
		for _, q := range []string{"{ skilz { totalCount } }", "{ skills(frist: 1) { totalCount } }", "{ skills(filter: {categories: [LANGUAGEZ]}) { totalCount } }"} {
			res := send(t, dev.URL, raw{body: query(q, nil)})
			if len(res.errors) == 0 || !strings.Contains(res.errors[0].Message, "Did you mean") {
				t.Errorf("dev %s: no suggestion in %s", q, res.body)
			}
			res = send(t, prod.URL, raw{body: query(q, nil)})
			if len(res.errors) == 0 || strings.Contains(string(res.body), "Did you mean") {
				t.Errorf("prod %s: got %s", q, res.body)
			}
		}
	})

	t.Run("graphiql only in dev", func(t *testing.T) {
		if res := send(t, prod.URL, raw{method: http.MethodGet, path: "/"}); res.status != 404 {
			t.Errorf("prod GET /: got %d, want 404", res.status)
		}
		if res := send(t, dev.URL, raw{method: http.MethodGet, path: "/"}); res.status != 200 {
			t.Errorf("dev GET /: got %d, want 200", res.status)
		}
	})
}

func TestRateLimit(t *testing.T) {
	perAddr := apitest.New(t, api.Config{RatePerAddress: api.RateLimit{PerSecond: 0.5, Burst: 2}})
	perToken := apitest.NewWithStore(t, api.Config{RatePerToken: api.RateLimit{PerSecond: 0.5, Burst: 2}}, perAddr.Store)
	_, token := apitest.NewUser(t, perAddr.Store, false)
	_, other := apitest.NewUser(t, perAddr.Store, false)
	auth := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	tests := []struct {
		name   string
		server *apitest.Server
		header []map[string]string // one request each
		want   []int
	}{
		{"per address", perAddr, []map[string]string{nil, nil, nil}, []int{200, 200, 429}},
		{"per token", perToken, []map[string]string{auth(token), auth(token), auth(token), auth(other), nil}, []int{200, 200, 429, 200, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, h := range tt.header {
				res := send(t, tt.server.URL, raw{body: query("{ __typename }", nil), header: h})
				if res.status != tt.want[i] {
					t.Fatalf("request %d: got %d, want %d", i, res.status, tt.want[i])
				}
				if res.status != http.StatusTooManyRequests {
					continue
				}
				if res.header.Get("Retry-After") == "" {
					t.Error("no Retry-After header")
				}
				if len(res.errors) != 1 || res.errors[0].Code() != "RATE_LIMITED" {
					t.Errorf("errors: got %s, want RATE_LIMITED", res.body)
				}
			}
		})
	}
}

func TestClientAddress(t *testing.T) {
	// Trusted proxies are exercised through the limiter: with the loopback proxy trusted, each
	// X-Forwarded-For client gets its own bucket; untrusted, the header is ignored.
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		want    []int
	}{
		{"trusted proxy", trusted, []int{200, 200}},
		{"untrusted", nil, []int{200, 429}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := apitest.New(t, api.Config{RatePerAddress: api.RateLimit{PerSecond: 0.01, Burst: 1}, TrustedProxies: tt.trusted})
			for i, client := range []string{"203.0.113.1", "203.0.113.2"} {
				res := send(t, srv.URL, raw{body: query("{ __typename }", nil), header: map[string]string{"X-Forwarded-For": "198.51.100.9, " + client}})
				if res.status != tt.want[i] {
					t.Errorf("client %s: got %d, want %d", client, res.status, tt.want[i])
				}
			}
		})
	}
}

func TestOperationTimeout(t *testing.T) {
	srv := apitest.New(t, api.Config{OperationTimeout: time.Millisecond})
	res := send(t, srv.URL, raw{body: query("{ skills(first: 100) { edges { node { name } } totalCount } }", nil)})
	for _, e := range res.errors {
		if e.Code() == api.CodeTimeout {
			return
		}
	}
	t.Errorf("got %d %s, want a TIMEOUT error", res.status, res.body)
}

func TestCORS(t *testing.T) {
	srv := apitest.New(t, api.Config{Env: "prod", AllowedOrigins: []string{"https://app.example.com"}})
	tests := []struct {
		origin string
		allow  bool
	}{
		{"https://app.example.com", true},
		{"https://evil.example.com", false},
		{"http://localhost:3000", false}, // dev only
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			res := send(t, srv.URL, raw{method: http.MethodOptions, header: map[string]string{
				"Origin": tt.origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type",
			}})
			got := res.header.Get("Access-Control-Allow-Origin") == tt.origin
			if got != tt.allow {
				t.Errorf("preflight allowed: got %v, want %v (status %d, headers %v)", got, tt.allow, res.status, res.header)
			}
		})
	}
	dev := apitest.NewWithStore(t, api.Config{Env: "dev"}, srv.Store)
	res := send(t, dev.URL, raw{method: http.MethodOptions, header: map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"}})
	if res.header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("dev does not allow localhost: %v", res.header)
	}
}

func TestReadyAndMetrics(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	send(t, srv.URL, raw{body: `{"query":"query Probe { __typename }"}`})
	send(t, srv.URL, raw{body: query(nested(20), nil)})
	if res := send(t, srv.URL, raw{method: http.MethodGet, path: "/readyz"}); res.status != 200 {
		t.Errorf("readyz: got %d %s", res.status, res.body)
	}
	res := send(t, srv.URL, raw{method: http.MethodGet, path: "/metrics"})
	for _, want := range []string{
		`gigraph_graphql_requests_total{operation="Probe",outcome="ok"}`,
		"gigraph_graphql_request_duration_seconds_bucket",
		`gigraph_graphql_rejected_total{limit="depth"}`,
		"gigraph_websocket_connections", "gigraph_subscriptions",
		"go_sql_max_open_connections",
	} {
		if !bytes.Contains(res.body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
