package api

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"time"
)

// The GraphiQL page and its scripts are vendored (see graphiql/README.md) so the IDE works with no
// internet access; nothing is fetched from a CDN.
//
//go:embed graphiql/index.html graphiql/*.js graphiql/*.css
var graphiQLFiles embed.FS

type asset struct {
	body []byte
	etag string
}

// graphiQL serves the in-browser IDE: the page at / and its assets under /graphiql/. Each file
// carries an ETag of its content, so a browser revalidates the 3.5 MB bundle instead of reloading it.
func graphiQL() http.Handler {
	assets := map[string]asset{}
	entries, err := fs.ReadDir(graphiQLFiles, "graphiql")
	if err != nil {
		panic(err) // the files are embedded at build time
	}
	for _, e := range entries {
		b, err := fs.ReadFile(graphiQLFiles, "graphiql/"+e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		assets[e.Name()] = asset{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Base(r.URL.Path)
		if r.URL.Path == "/" {
			name = "index.html"
		}
		a, ok := assets[name]
		if !ok || (r.URL.Path != "/" && (r.URL.Path != "/graphiql/"+name || name == "index.html")) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", a.etag)
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// ServeContent sets Content-Type from the extension and answers If-None-Match with 304.
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
	})
}
