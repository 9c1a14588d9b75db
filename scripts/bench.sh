#!/usr/bin/env bash
# Benchmarks of tidings against the libraries people use today, all in one run on this machine,
# written to tests/bench/BENCHMARKS.md with the machine and the command:
#   1. event delivery in headless Chromium (parsers and full clients over the dev server),
#   2. the parser workloads in Node,
#   3. native core throughput (criterion) against a memchr newline scan,
#   4. size of the npm main entry next to eventsource-parser and @microsoft/fetch-event-source,
#   5. a simulated reconnect storm (10,000 clients, the real core Policy) + tests/bench/storm.svg,
#   6. JS heap in Chromium after 1,000 reconnects vs after the first.
#
#   scripts/bench.sh           the full run (a few minutes), rewrites tests/bench/BENCHMARKS.md
#   scripts/bench.sh --smoke   a tiny version of each (seconds once built) for CI: checks only
#                              that every benchmark still runs and yields sane numbers; writes
#                              nothing in the repo (KEEP_BENCH_OUT=DIR keeps the raw JSON there).
#
# Assumes scripts/bootstrap.sh ran (Chromium, wasm-bindgen) and builds what is missing: the npm
# package (if npm/dist or npm/wasm are absent), the dev server, the criterion bench.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

smoke=0
[[ "${1:-}" == "--smoke" ]] && smoke=1
log() { printf '\033[1;34m[bench]\033[0m %s\n' "$*" >&2; }
start=$SECONDS
out=$(mktemp -d)
trap '[[ -n "${KEEP_BENCH_OUT:-}" ]] && cp -r "$out" "$KEEP_BENCH_OUT"; rm -rf "$out"' EXIT

# --- what the benchmarks need ---------------------------------------------------------------------
# tests/bench has its own lock file (peers + esbuild + playwright-core); same stamp as bootstrap.sh.
hash=$(sha256sum tests/bench/package-lock.json | cut -d' ' -f1)
if [[ "$(cat tests/bench/node_modules/.tidings-lock-hash 2>/dev/null || true)" != "$hash" ]]; then
  log "npm ci in tests/bench"
  (cd tests/bench && npm ci --no-audit --no-fund --loglevel=error)
  echo "$hash" >tests/bench/node_modules/.tidings-lock-hash
fi
if [[ ! -f npm/wasm/tidings_wasm_bg.wasm || ! -f npm/dist/index.js ]]; then
  log "building the npm package"
  (cd npm && npm run build)
fi
cargo build -q -p tidings-devserver

# --- 3. native core (criterion) -----------------------------------------------------------------
log "criterion: parser vs memchr"
rm -rf target/criterion/tokens target/criterion/large target/criterion/huge
if ((smoke)); then
  TIDINGS_BENCH_SMOKE=1 cargo bench -q -p tidings-core --bench throughput -- \
    --warm-up-time 0.05 --measurement-time 0.1 --sample-size 10 >"$out/criterion.log"
else
  cargo bench -q -p tidings-core --bench throughput >"$out/criterion.log"
fi
cp -r target/criterion "$out/criterion"

# --- 5. reconnect storm ---------------------------------------------------------------------------
log "reconnect storm (simulated)"
if ((smoke)); then
  cargo run -q --profile bench -p tidings-core --example storm -- --clients 1000 --svg "$out/storm.svg" >"$out/storm.json"
else
  cargo run -q --profile bench -p tidings-core --example storm -- --svg tests/bench/storm.svg >"$out/storm.json"
fi

# --- 2. Node, 4. size, 1 + 6. Chromium ------------------------------------------------------------
flag=()
((smoke)) && flag=(--smoke)
log "Node parsers"
node tests/bench/node.mjs "${flag[@]}" >"$out/node.json"
log "size"
node tests/bench/size.mjs >"$out/size.json"
log "Chromium: parsers, clients, memory"
node tests/bench/browser.mjs "${flag[@]}" >"$out/browser.json"
log "Chromium: tab sharing (followers' added latency, CPU per role)"
if ((smoke)); then
  node tests/bench/share.mjs --tabs 3 --events 100 >"$out/share.json"
else
  node tests/bench/share.mjs --tabs 10 --events 1000 >"$out/share.json"
fi

# --- report ---------------------------------------------------------------------------------------
cmd="scripts/bench.sh${flag[*]:+ ${flag[*]}}"
cat >"$out/machine.json" <<JSON
{
  "date": "$(date -u +%Y-%m-%dT%H:%MZ)",
  "nproc": $(nproc),
  "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')",
  "os": "$(. /etc/os-release && echo "$PRETTY_NAME")",
  "load": "$(cut -d' ' -f1-3 /proc/loadavg)",
  "rustc": "$(rustc --version)",
  "commit": "$(git rev-parse --short HEAD)",
  "command": "$cmd",
  "minutes": $(((SECONDS - start + 59) / 60))
}
JSON
if ((smoke)); then
  node tests/bench/report.mjs --in "$out" --out "$out/BENCHMARKS.md" --smoke
  log "smoke ok ($((SECONDS - start)) s)"
else
  node tests/bench/report.mjs --in "$out" --out tests/bench/BENCHMARKS.md
  log "done in $((SECONDS - start)) s: tests/bench/BENCHMARKS.md, tests/bench/storm.svg"
fi
