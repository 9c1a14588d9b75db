#!/usr/bin/env bash
# The README's test command: installs what is missing, then runs every test tidings has —
# lint, Rust native, the core on wasm32, browser tests in headless Chromium against the real
# dev server, and the npm package's tests. Every step runs even when an earlier one failed;
# the summary at the end lists each step and the script exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

bash scripts/bootstrap.sh || { echo "bootstrap failed" >&2; exit 1; }

# Everything below is also written to a log, so the summary can add up the test counts of
# every runner (cargo/wasm-bindgen-test, vitest, node:test).
test_log=$(mktemp)
exec > >(tee -a "$test_log") 2>&1

results=()
failed=0
step() {
  local name=$1
  shift
  printf '\n\033[1;34m==> %s\033[0m\n' "$name"
  local start=$SECONDS
  if "$@"; then
    results+=("ok    $name ($((SECONDS - start)) s)")
  else
    results+=("FAIL  $name ($((SECONDS - start)) s)")
    failed=1
  fi
}

core_has_no_dependencies() {
  local deps
  deps=$(cargo tree -p tidings-core -e normal --prefix none | sort -u)
  echo "$deps"
  [[ $(echo "$deps" | wc -l) == 1 ]]
}

step "rustfmt" cargo fmt --all --check
step "clippy (native)" cargo clippy --workspace --all-targets -- -D warnings
step "clippy (wasm32)" cargo clippy -p tidings-web -p tidings-wasm -p tidings-parser-wasm -p tidings-leptos -p tidings-leptos-demo --all-targets \
  --target wasm32-unknown-unknown -- -D warnings
# Alone, so that no other package turns tidings-web's `std` or `share` feature on: the npm package's
# everyday client module, built without std and without tab sharing's driver.
step "clippy (client wasm, without sharing, no std)" cargo clippy -p tidings-wasm --features no-std --target wasm32-unknown-unknown -- -D warnings
step "clippy (parser wasm, no std)" cargo clippy -p tidings-parser-wasm --features no-std \
  --target wasm32-unknown-unknown -- -D warnings
step "core has no dependencies" core_has_no_dependencies
step "core builds for wasm32 without std" \
  cargo build -p tidings-core --no-default-features --target wasm32-unknown-unknown
step "tidings-leptos compiles for SSR" cargo check -p tidings-leptos --features ssr
step "cargo test (native)" cargo test --workspace
step "build dev server" cargo build -p tidings-devserver

# --- the dev server every browser test talks to -----------------------------------------------
workdir=$(mktemp -d)
server_pid=""
start_server() {
  # --exit-after: the server stops by itself even if this script is killed.
  target/debug/tidings-devserver --port 0 --port-file "$workdir/addr" --exit-after 2400 \
    --www www --pkg npm >"$workdir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    [[ -s "$workdir/addr" ]] && break
    sleep 0.1
  done
  [[ -s "$workdir/addr" ]] || { cat "$workdir/server.log"; return 1; }
  TIDINGS_TEST_SERVER=$(cat "$workdir/addr")
  export TIDINGS_TEST_SERVER
  echo "dev server at $TIDINGS_TEST_SERVER"
}
stop_server() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$workdir"; }
trap stop_server EXIT
step "start dev server" start_server

wasm_browser_tests() {
  CHROMEDRIVER=/usr/bin/chromedriver \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/tests/webdriver.json" \
    WASM_BINDGEN_TEST_TIMEOUT=120 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown -p "$1" --tests
}
step "tidings-web in headless Chromium" wasm_browser_tests tidings-web
step "tidings-leptos in headless Chromium" wasm_browser_tests tidings-leptos

step "npm build" bash -c 'cd npm && npm run build'
step "benchmarks (smoke: each produces sane figures; no timing thresholds)" bash scripts/bench.sh --smoke
step "Leptos demo build" bash scripts/build-leptos-demo.sh
step "npm tests, React/Vue end-to-end, packaging, demo pages" env REQUIRE_LEPTOS=1 bash scripts/test-npm.sh

# Sums "N passed; M failed" (cargo), "Tests N passed | M failed (T)" (vitest) and
# "# pass N" / "# fail M" (node:test), ANSI colours stripped.
count_tests() {
  sed 's/\x1b\[[0-9;]*m//g' "$test_log" | awk '
    /^test result: / || /^ *Tests +[0-9]/ {
      for (i = 2; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) }
    }
    /^# pass [0-9]+$/ { p += $3 }
    /^# fail [0-9]+$/ { f += $3 }
    /^ℹ pass [0-9]+$/ { p += $3 }
    /^ℹ fail [0-9]+$/ { f += $3 }
    END { printf "%d passed, %d failed\n", p, f }'
}

printf '\n==> summary\n'
printf '%s\n' "${results[@]}"
totals=$(count_tests)
rm -f "$test_log"
((failed)) && echo "some steps failed"
echo "tests: $totals"
exit $failed
