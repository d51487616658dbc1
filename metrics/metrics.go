// Package metrics holds gigraph's Prometheus metrics: one registry, the metric objects the HTTP
// layer and the gig feed update, and the handler that serves them on /metrics.
package metrics

import (
	"database/sql"
	"net/http"
	"regexp"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry is where every gigraph metric lives; Handler serves it. A registry of our own (rather
// than the global default) keeps /metrics to what we chose to expose, plus Go and process stats.
var Registry = prometheus.NewRegistry()

var (
	// Requests counts GraphQL operations over HTTP by operation name and outcome (ok, error,
	// rejected, timeout, rate_limited).
	Requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "gigraph", Name: "graphql_requests_total",
		Help: "GraphQL requests over HTTP by operation name and outcome.",
	}, []string{"operation", "outcome"})
	// Duration observes how long GraphQL operations over HTTP take.
	Duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "gigraph", Name: "graphql_request_duration_seconds",
		Help:    "Latency of GraphQL requests over HTTP by operation name and outcome.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"operation", "outcome"})
	// Rejected counts documents refused by a query limit, by limit.
	Rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "gigraph", Name: "graphql_rejected_total",
		Help: "GraphQL documents refused by a query limit (depth, aliases, cost, …) or a request limit.",
	}, []string{"limit"})
	// WebSocketConnections is the number of open WebSocket connections; the WebSocket layer
	// increments it on accept and decrements it on close.
	WebSocketConnections = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "gigraph", Name: "websocket_connections",
		Help: "Open WebSocket connections.",
	})
	// subscriptionEvents counts subscription events sent over graphql-transport-ws by how they
	// were rendered: executed by gqlgen for this subscriber, or shared from another subscriber's
	// rendering of the same event with the same selection (and viewer).
	subscriptionEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "gigraph", Name: "subscription_events_total",
		Help: "Subscription events sent over graphql-transport-ws, by rendering (executed, shared).",
	}, []string{"rendering"})
	// SubscriptionEventsExecuted counts events gqlgen executed for their subscriber.
	SubscriptionEventsExecuted = subscriptionEvents.WithLabelValues("executed")
	// SubscriptionEventsShared counts events sent from another subscriber's rendering.
	SubscriptionEventsShared = subscriptionEvents.WithLabelValues("shared")
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		Requests, Duration, Rejected, WebSocketConnections, subscriptionEvents,
	)
}

// Handler serves the registry in the Prometheus exposition format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}

var (
	mu        sync.Mutex
	feedLag   prometheus.Collector
	subsCount prometheus.Collector
	dbStats   prometheus.Collector
	opNames   = map[string]bool{}
	validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
)

// SetFeedLag registers the gig feed's lag: lag returns how many events the feed has not yet
// delivered to its subscribers (newest event position minus the position delivered). A later call
// replaces the earlier function.
func SetFeedLag(lag func() float64) {
	setGaugeFunc(&feedLag, prometheus.GaugeOpts{
		Namespace: "gigraph", Name: "feed_lag_events",
		Help: "Gig events written but not yet delivered by this instance's feed.",
	}, lag)
}

// SetSubscriptions registers the number of running GraphQL subscriptions, read from the feed
// when scraped (a counter kept per subscription would cost every subscription a context
// callback). A later call replaces the earlier function.
func SetSubscriptions(n func() float64) {
	setGaugeFunc(&subsCount, prometheus.GaugeOpts{
		Namespace: "gigraph", Name: "subscriptions",
		Help: "Running GraphQL subscriptions (live and replaying).",
	}, n)
}

// setGaugeFunc registers a gauge read from fn in *slot, replacing the one there.
func setGaugeFunc(slot *prometheus.Collector, opts prometheus.GaugeOpts, fn func() float64) {
	mu.Lock()
	defer mu.Unlock()
	if *slot != nil {
		Registry.Unregister(*slot)
	}
	*slot = prometheus.NewGaugeFunc(opts, fn)
	Registry.MustRegister(*slot)
}

// SetDB exports the connection pool statistics of db (open, in use, idle, waits…). A later call
// replaces the earlier pool.
func SetDB(db *sql.DB) {
	mu.Lock()
	defer mu.Unlock()
	if dbStats != nil {
		Registry.Unregister(dbStats)
	}
	dbStats = collectors.NewDBStatsCollector(db, "gigraph")
	Registry.MustRegister(dbStats)
}

// maxOperationNames bounds the operation label: the first names seen are kept, later new ones are
// counted as "other", so clients cannot blow up the series count with made-up names.
const maxOperationNames = 200

// OperationLabel turns a client-chosen operation name into a bounded label value: "anonymous" for
// none, "other" for a malformed name or one beyond the first maxOperationNames.
func OperationLabel(name string) string {
	if name == "" {
		return "anonymous"
	}
	if !validName.MatchString(name) {
		return "other"
	}
	mu.Lock()
	defer mu.Unlock()
	if opNames[name] {
		return name
	}
	if len(opNames) >= maxOperationNames {
		return "other"
	}
	opNames[name] = true
	return name
}
