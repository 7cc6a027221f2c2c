# Herald — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

HERALD_KAFKA_PORT ?= 9092
HERALD_KAFKA_BROKERS ?= 127.0.0.1:$(HERALD_KAFKA_PORT)
export HERALD_KAFKA_PORT HERALD_KAFKA_BROKERS

# valgrind: `make bench`'s profile (Benchmarks/profile.sh). chromium and chromium-driver: the
# console's browser suite (Tests/Console, Selenium, headless).
APT_PACKAGES := librdkafka-dev libavro-dev librocksdb-dev protobuf-compiler libprotobuf-dev pkg-config python3-venv stunnel4 openssl postgresql valgrind chromium chromium-driver
VENV := .venv
VENV_STAMP := $(VENV)/.installed-$(shell cksum < requirements-dev.txt | cut -d' ' -f1)
SWIFT_TEST_FLAGS ?=
# Herald's executables only: a plain `swift build` would also compile dependencies' tools (swift-protobuf's protoc, in C++), minutes for nothing here.
PRODUCTS := herald herald-registry herald-producer herald-router herald-delivery herald-console
# The development tool of `make bench` and `make chaos` (Benchmarks/), never part of a release.
BENCH_PRODUCT := herald-bench
# `idle` first (scripts/idle-cpu.sh: the idle system's CPU and latency, on the fresh broker), then
# `profile` (Benchmarks/profile.sh: instructions and allocations per event under valgrind).
BENCHMARKS ?= idle profile kafka avro registry publish publish-auth route delivery
BENCHMARKS += e2e
# `herald-bench <name>` after the benchmarks: Herald beside the naive pipeline under the same crashes.
BENCH_SCENARIOS ?= seed
BENCH_REQUIREMENTS := Benchmarks/requirements.txt
BENCH_STAMP := $(VENV)/.bench-$(shell cksum < $(BENCH_REQUIREMENTS) | cut -d' ' -f1)
# The route benchmark's baseline: confluent-kafka built on the same (Debian) librdkafka Herald links.
SYSTEM_RDKAFKA_PYTHON := .venv-system-rdkafka/bin/python
CHAOS_FLAGS ?= --events 20000 --rate 500 --rounds 3
# `make soak`: two million events at a steady rate through the four services, RSS sampled (about 70 minutes;
# Benchmarks/README.md says why 500 events/s).
SOAK_FLAGS ?= --events 2000000 --rate 500
# `make fuzz`: libFuzzer targets (Fuzz/) with seconds each, enough for at least a million inputs apiece.
FUZZ_TARGETS ?= fuzz-avro-binary:150 fuzz-avro-json:75 fuzz-avro-schema:90 fuzz-cloudevents:60 \
	fuzz-event:750 fuzz-registry-rest:1800 fuzz-registry-grpc:1300 fuzz-producer-grpc:12500 fuzz-router-grpc:6700 \
	fuzz-keys-grpc:6700
FUZZ_BLACKBOX_FLAGS ?=

.PHONY: help deps apt-deps broker-up broker-down build release bench-tool test run generate check-generated bench chaos soak compose-check deploy-check clean fuzz fuzz-blackbox

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

deps: apt-deps $(VENV_STAMP) ## install Debian packages and the project venv (only what is missing)

apt-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

$(VENV_STAMP): requirements-dev.txt
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*; touch $@

broker-up: deps ## start the local broker on a fresh data dir (skipped when HERALD_KAFKA_BROKERS names another cluster)
	@scripts/broker.sh up

broker-down: ## stop the local broker started by broker-up
	@scripts/broker.sh down

build: deps ## debug build of the six executables
	@for product in $(PRODUCTS); do swift build --product $$product || exit 1; done

release: deps ## release build of the six executables
	@for product in $(PRODUCTS); do swift build -c release --product $$product || exit 1; done

bench-tool: release ## release build of herald-bench, beside the services it starts
	@swift build -c release --product $(BENCH_PRODUCT)

test: deps ## build, start the broker and PostgreSQL, run every test (Swift, the Python interop and console browser suites, the end-to-end suite over TLS-only Kafka), stop both
	@scripts/check-deploy.sh
	@swift build --build-tests $(SWIFT_TEST_FLAGS)
	@scripts/broker.sh up
	@scripts/postgres.sh up || { scripts/broker.sh down; exit 1; }
	@status=0; \
	HERALD_TEST_POSTGRES_URL=$$(scripts/postgres.sh url) swift test --skip-build --no-parallel $(SWIFT_TEST_FLAGS) || status=$$?; \
	$(VENV)/bin/python -m pytest Tests/Interop Benchmarks/tests -q -p no:cacheprovider || status=$$?; \
	$(VENV)/bin/python -m pytest Tests/Console -q -p no:cacheprovider || status=$$?; \
	scripts/kafka-tls.sh run swift test --skip-build --no-parallel --filter HeraldE2ETests $(SWIFT_TEST_FLAGS) || status=$$?; \
	scripts/postgres.sh down; \
	scripts/broker.sh down; \
	exit $$status

run: release ## start the broker and `herald dev --with-sink`, and show an event travelling end to end
	@scripts/run-demo.sh

bench: bench-tool $(BENCH_STAMP) $(SYSTEM_RDKAFKA_PYTHON) ## run every benchmark beside its baseline on a local broker; report and plots in Benchmarks/results/
	@scripts/broker.sh up
	@status=0; \
	Benchmarks/bench.sh $(BENCHMARKS) $(BENCH_SCENARIOS) || status=$$?; \
	scripts/broker.sh down; \
	exit $$status

chaos: bench-tool ## SIGKILL every service at seeded random moments under 20,000 events; fails on any lost or duplicated delivery
	@scripts/broker.sh up
	@status=0; \
	.build/release/herald-bench chaos $(CHAOS_FLAGS) || status=$$?; \
	scripts/broker.sh down; \
	exit $$status

soak: bench-tool ## two million events through the four services at a steady rate; RSS slope per service, fails if router or delivery exceed 250 MB
	@scripts/broker.sh up
	@status=0; \
	.build/release/herald-bench soak $(SOAK_FLAGS) || status=$$?; \
	scripts/broker.sh down; \
	exit $$status

# confluent-kafka on Debian's librdkafka (Herald's), the route benchmark's baseline.
$(SYSTEM_RDKAFKA_PYTHON): | apt-deps
	Benchmarks/baseline-venv-system-librdkafka.sh

# matplotlib, for the benchmark report's plots only (the test target never needs it).
$(BENCH_STAMP): $(BENCH_REQUIREMENTS) $(VENV_STAMP)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r $(BENCH_REQUIREMENTS)
	@rm -f $(VENV)/.bench-*; touch $@

generate: ## regenerate Sources/HeraldProtos from Protos/ (builds the protoc plugins once)
	dev/generate-protos.sh

check-generated: ## fail if Sources/HeraldProtos differs from what Protos/ generates
	dev/check-generated.sh

compose-check: ## validate compose/compose.yaml (docker compose or docker-compose, then Herald's invariants); starts nothing
	@scripts/compose-check.sh

deploy-check: $(VENV_STAMP) ## validate deploy/kubernetes (pinned Kubernetes API), .github/workflows (workflow schema), the Grafana dashboard; starts nothing
	@scripts/check-deploy.sh

clean: broker-down ## remove build output and broker data
	rm -rf .build .herald

fuzz: apt-deps ## build the libFuzzer targets (Fuzz/, in .build-fuzz) and run each for its fixed time; prints executions per target
	@Fuzz/build.sh $(foreach t,$(FUZZ_TARGETS),$(firstword $(subst :, ,$(t))))
	@Fuzz/run.sh $(FUZZ_TARGETS)

fuzz-blackbox: build $(VENV_STAMP) ## malformed gRPC and REST requests against the four running services; prints requests, answers and records written
	@scripts/broker.sh up
	@status=0; \
	$(VENV)/bin/python Fuzz/blackbox.py $(FUZZ_BLACKBOX_FLAGS) || status=$$?; \
	scripts/broker.sh down; \
	exit $$status
