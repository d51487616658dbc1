package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gigraph/gigraph/metrics"
)

// Media types of GraphQL over HTTP.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// extensions.code values of requests refused by the HTTP transport, before any GraphQL work.
const (
	CodeBadRequest           = "BAD_REQUEST"            // 400: the body or URL is not a GraphQL request
	CodeRequestTooLarge      = "REQUEST_TOO_LARGE"      // 413: the body is larger than MaxBodyBytes
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE" // 415: a POST that is not application/json
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"     // 405: a mutation over GET, or another method
	CodeTimeout              = "TIMEOUT"                // the operation ran out of time and was cancelled
)

// httpTransport serves GraphQL over HTTP as the spec says
// (https://graphql.github.io/graphql-over-http/draft/): POST with an application/json body, GET
// with URL parameters for queries only, the response in application/graphql-response+json or
// application/json as the Accept header asks, and status codes per media type. It replaces
// gqlgen's POST and GET transports, which answer a mutation over GET with 406 instead of 405,
// an oversized body with 200, and echo a malformed body back in the error.
//
// Only application/json bodies are accepted. The simple content types a browser form or fetch may
// send cross-origin without a CORS preflight (text/plain, application/x-www-form-urlencoded,
// multipart/form-data) get 415, which is the CSRF defence: a cross-site page cannot make a
// browser send an application/json POST without the preflight that CORS then refuses.
//
// Batching (a JSON array of requests) is not supported and answered 400.
type httpTransport struct {
	maxBody int64
	timeout time.Duration
}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && (r.Method == http.MethodGet || r.Method == http.MethodPost)
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := negotiate(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.Header().Add("Vary", "Accept")
	info := operationInfo(r.Context())

	var params *graphql.RawParams
	var status int
	var err *gqlerror.Error
	if r.Method == http.MethodGet {
		params, status, err = readGET(r)
	} else {
		params, status, err = readPOST(r, t.maxBody)
	}
	if err != nil {
		info.outcome = outcomeRejected
		writeErrors(w, status, err)
		return
	}
	params.Headers = r.Header

	ctx, cancel := context.WithTimeout(r.Context(), t.timeout)
	defer cancel()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		// The request is well-formed but not a valid GraphQL operation: 400 for the new media type,
		// 200 for application/json, as the spec says; no data entry either way.
		info.outcome = outcomeRejected
		for _, e := range errs {
			if limitError(e) {
				limit, _ := e.Extensions["limit"].(string)
				metrics.Rejected.WithLabelValues(limit).Inc()
			}
		}
		if opCtx != nil && opCtx.Operation != nil {
			info.setOperation(opCtx.Operation)
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		writeErrors(w, status, resp.Errors...)
		return
	}
	info.setOperation(opCtx.Operation)
	switch {
	case r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query:
		info.outcome = outcomeRejected
		w.Header().Set("Allow", http.MethodPost)
		writeErrors(w, http.StatusMethodNotAllowed, requestError(CodeMethodNotAllowed,
			"GET only serves queries; send a %s with POST", opCtx.Operation.Operation))
		return
	case opCtx.Operation.Operation == ast.Subscription:
		info.outcome = outcomeRejected
		writeErrors(w, http.StatusBadRequest, requestError(CodeBadRequest,
			"subscriptions are served over WebSocket at this URL (graphql-transport-ws), not over plain HTTP"))
		return
	}

	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if resp == nil { // the context ended before a response was produced
		resp = &graphql.Response{Errors: gqlerror.List{requestError(CodeTimeout, "the operation took too long and was cancelled")}}
	}
	info.outcome = outcomeOK
	if len(resp.Errors) > 0 {
		info.outcome = outcomeError
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		info.outcome = outcomeTimeout
	}
	b, merr := json.Marshal(resp)
	if merr != nil {
		panic(merr) // the recover func turns it into INTERNAL_SERVER_ERROR
	}
	_, _ = w.Write(b)
}

// readPOST reads a POST body: application/json only, at most maxBody bytes, one JSON object.
func readPOST(r *http.Request, maxBody int64) (*graphql.RawParams, int, *gqlerror.Error) {
	mediaType, ctParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != mediaJSON {
		return nil, http.StatusUnsupportedMediaType, requestError(CodeUnsupportedMediaType,
			"send GraphQL requests as POST with Content-Type: application/json (or as GET for queries)")
	}
	if cs, ok := ctParams["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, http.StatusUnsupportedMediaType, requestError(CodeUnsupportedMediaType, "the request body must be UTF-8")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			metrics.Rejected.WithLabelValues("bodyBytes").Inc()
			e := requestError(CodeRequestTooLarge, "the request body is larger than %d bytes", maxBody)
			e.Extensions["limit"], e.Extensions["max"] = "bodyBytes", maxBody
			return nil, http.StatusRequestEntityTooLarge, e
		}
		return nil, http.StatusBadRequest, requestError(CodeBadRequest, "the request body could not be read")
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, http.StatusBadRequest, requestError(CodeBadRequest, "the request body is empty; send a JSON object with a query")
	}
	if body[0] == '[' {
		return nil, http.StatusBadRequest, requestError(CodeBadRequest, "batched requests are not supported; send one operation per request")
	}
	var raw struct {
		Query         json.RawMessage `json:"query"`
		OperationName json.RawMessage `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
		Extensions    json.RawMessage `json:"extensions"`
	}
	if err := decodeJSON(body, &raw); err != nil {
		return nil, http.StatusBadRequest, requestError(CodeBadRequest, "the request body is not a JSON object")
	}
	p := &graphql.RawParams{}
	if e := decodeParam("query", raw.Query, &p.Query); e != nil {
		return nil, http.StatusBadRequest, e
	}
	if e := decodeParam("operationName", raw.OperationName, &p.OperationName); e != nil {
		return nil, http.StatusBadRequest, e
	}
	if e := decodeParam("variables", raw.Variables, &p.Variables); e != nil {
		return nil, http.StatusBadRequest, e
	}
	if e := decodeParam("extensions", raw.Extensions, &p.Extensions); e != nil {
		return nil, http.StatusBadRequest, e
	}
	if e := checkQueryPresent(p); e != nil {
		return nil, http.StatusBadRequest, e
	}
	return p, 0, nil
}

// readGET reads the URL parameters of a GET; variables and extensions are JSON.
func readGET(r *http.Request) (*graphql.RawParams, int, *gqlerror.Error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, http.StatusBadRequest, requestError(CodeBadRequest, "the URL query string is malformed")
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for name, dst := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
		if v := q.Get(name); v != "" {
			if e := decodeParam(name, json.RawMessage(v), dst); e != nil {
				return nil, http.StatusBadRequest, e
			}
		}
	}
	if e := checkQueryPresent(p); e != nil {
		return nil, http.StatusBadRequest, e
	}
	return p, 0, nil
}

func checkQueryPresent(p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return requestError(CodeBadRequest, "the query parameter is missing")
	}
	return nil
}

// decodeParam decodes one request parameter: query and operationName must be strings,
// variables and extensions objects; null means absent.
func decodeParam[T any](name string, raw json.RawMessage, dst *T) *gqlerror.Error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := decodeJSON(raw, dst); err != nil {
		kind := "an object"
		if name == "query" || name == "operationName" {
			kind = "a string"
		}
		return requestError(CodeBadRequest, "the %s parameter must be %s", name, kind)
	}
	return nil
}

// decodeJSON decodes exactly one JSON value, keeping numbers exact (json.Number) so that Int
// variables beyond 2^53 are not rounded before coercion.
func decodeJSON(b []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// negotiate picks the response media type from Accept by quality: the GraphQL response type or
// plain JSON. No Accept, or only wildcards, means application/json (what older clients expect);
// an Accept naming neither is ignored in favour of application/graphql-response+json, as the spec
// allows.
func negotiate(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON
	}
	best, bestQ := "", -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil {
				continue
			}
		}
		var candidate string
		switch mt {
		case mediaGraphQLResponse:
			candidate = mediaGraphQLResponse
		case mediaJSON, "*/*", "application/*":
			candidate = mediaJSON
		default:
			continue
		}
		if q > 0 && (q > bestQ || (q == bestQ && candidate == mediaGraphQLResponse && mt == mediaGraphQLResponse)) {
			best, bestQ = candidate, q
		}
	}
	if best == "" {
		return mediaGraphQLResponse
	}
	return best
}

// requestError is an error about the HTTP request itself, with its code.
func requestError(code, format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": code}
	return e
}

// writeErrors writes a response with errors and no data entry: nothing was executed.
func writeErrors(w http.ResponseWriter, status int, errs ...*gqlerror.Error) {
	b, err := json.Marshal(struct {
		Errors gqlerror.List `json:"errors"`
	}{errs})
	if err != nil {
		panic(err)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
