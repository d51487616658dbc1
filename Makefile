# gigraph — see README.md. Every target works on a fresh clone with PostgreSQL's server binaries
# installed (Debian: apt-get install postgresql).
GO ?= go
GOLANGCI_LINT_VERSION ?= v2.6.2

.PHONY: run test generate check-generated lint seed build audit-deps fuzz

## run: serve the API on :8080 with an embedded PostgreSQL and demo data (GraphiQL at /)
run:
	$(GO) run .

## test: run every test against one embedded PostgreSQL started for the run
test: audit-deps
	$(GO) run . postgres -- $(GO) test -count=1 -timeout 15m ./...

## audit-deps: install the graphql-http audit suite used by api's tests (pinned by package-lock.json;
## skipped when npm is missing, and then the audit test skips too)
audit-deps:
	@if command -v npm >/dev/null 2>&1; then \
		cd api/testdata/audit && npm ci --prefer-offline --no-audit --no-fund --loglevel=error || \
			echo "npm ci failed: TestGraphQLOverHTTPAudit will report it"; \
	else echo "npm not found: the graphql-http audit will be skipped"; fi

## fuzz: run every fuzz target briefly (about 10 s each, as a count of runs); longer by hand, e.g. make fuzz FUZZTIME=5000000x
# Counts, not durations: with a duration, Go 1.26's fuzz coordinator can fail a clean run with
# "context deadline exceeded" at the deadline (golang/go#75804, fixed in Go 1.27).
FUZZTIME ?=
FUZZ_TARGETS = ./relay:FuzzParseID:400000x ./relay:FuzzDecodeCursor:400000x ./market:FuzzParseMoney:400000x ./api:FuzzDocument:30000x ./api:FuzzRequest:60000x
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; fn=$${rest%%:*}; n=$${rest##*:}; echo "--- $$fn"; \
		budget="$(FUZZTIME)"; [ -n "$$budget" ] || budget=$$n; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime=$$budget -parallel 2 || exit 1; \
	done

## generate: rebuild the gqlgen code in graph/ (and resolver stubs) from schema/*.graphqls
generate:
	$(GO) generate ./...

## check-generated: fail when graph/ or resolvers/ differ from what `make generate` makes
check-generated: generate
	@git diff --exit-code --stat -- graph resolvers gqlgen.yml || \
		(echo "generated code is stale: run 'make generate' and commit the result" >&2; exit 1)

## lint: gofmt, go vet and golangci-lint (built once into .bin/ at the pinned version)
GOLANGCI_LINT := $(CURDIR)/.bin/golangci-lint
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	@$(GOLANGCI_LINT) version 2>/dev/null | grep -q "version $(GOLANGCI_LINT_VERSION:v%=%) " || \
		(echo "building golangci-lint $(GOLANGCI_LINT_VERSION) into .bin/ (once; takes a few minutes)"; \
		 GOBIN=$(CURDIR)/.bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION))
	$(GOLANGCI_LINT) run ./...

## seed: (re)fill the embedded database with demo data; add ARGS=--scale for benchmark size
seed:
	$(GO) run . seed $(ARGS)

## build: build the gigraph binary
build:
	$(GO) build -o gigraph .
