package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestGraphiQLServesEmbeddedAssets(t *testing.T) {
	srv := httptest.NewServer(graphiQL())
	defer srv.Close()

	type response struct {
		StatusCode int
		Header     http.Header
	}
	get := func(t *testing.T, path string, header http.Header) (response, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return response{res.StatusCode, res.Header}, string(b)
	}

	res, page := get(t, "/", nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s, want 200 text/html", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !strings.Contains(page, "/graphql") || !strings.Contains(page, "skills(first: 5)") {
		t.Errorf("page lacks the endpoint or the default query:\n%s", page)
	}
	// Offline: nothing the page loads may come from another host.
	if u := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`).FindString(page); u != "" {
		t.Errorf("page loads from another host: %q", u)
	}
	refs := regexp.MustCompile(`(?:src|href)="(/graphiql/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 4 {
		t.Fatalf("got %d asset references, want 4 (react, react-dom, graphiql js and css)", len(refs))
	}

	want := map[string]string{".js": "text/javascript", ".css": "text/css"}
	for _, ref := range refs {
		t.Run(ref[1], func(t *testing.T) {
			res, body := get(t, ref[1], nil)
			ct := want[ref[1][strings.LastIndex(ref[1], "."):]]
			if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), ct) {
				t.Fatalf("got %d %q, want 200 %s", res.StatusCode, res.Header.Get("Content-Type"), ct)
			}
			if len(body) < 1000 {
				t.Errorf("got %d bytes, want the real asset", len(body))
			}
			if ct == "text/css" {
				// Fonts and icons are inlined as data: URLs; any other url() would reach out.
				if u := regexp.MustCompile(`url\(\s*["']?(https?:)?//`).FindString(body); u != "" {
					t.Errorf("stylesheet loads from another host: %q", u)
				}
			}
			res, _ = get(t, ref[1], http.Header{"If-None-Match": {res.Header.Get("ETag")}})
			if res.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation got %d, want 304", res.StatusCode)
			}
		})
	}

	for _, path := range []string{"/graphiql/", "/graphiql/index.html", "/graphiql/nope.js", "/graphiql/x/graphiql.min.js"} {
		if res, _ := get(t, path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
		}
	}
}
