#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the real tools the tests use, then runs everything.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Real tools, from Debian's and PyPI's registries.
missing=()
command -v promtool >/dev/null || missing+=(prometheus)
command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -c 'import prometheus_client' 2>/dev/null || python3 -m pip install -q prometheus-client

echo "== fmt and clippy"
cargo fmt --all -- --check
cargo clippy -q --all-features --all-targets -- -D warnings

echo "== cargo test"
cargo test --all-features

echo "== exposition checked by the real tools"
passed=0; failed=0
check() { # name, command
  if out=$(bash -c "$2" 2>&1) && [ -z "$out" ]; then passed=$((passed+1)); echo "ok: $1";
  else failed=$((failed+1)); echo "FAILED: $1"; echo "$out"; fi
}
cargo build -q --example quickstart
check "quickstart | promtool check metrics" \
  "cargo run -q --example quickstart | promtool check metrics"
check "quickstart --openmetrics parsed by prometheus_client's OpenMetrics parser" \
  "cargo run -q --example quickstart -- --openmetrics | python3 scripts/check_openmetrics.py"
echo "external checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
