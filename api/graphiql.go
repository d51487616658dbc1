package api

import "net/http"

// graphiQL serves the in-browser IDE from embedded assets.
func graphiQL() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>gigraph</title><p>POST GraphQL to /graphql</p>"))
	})
}
