#!/usr/bin/env bash
# The npm package's tests, in order:
#   1. npm/: vitest unit tests (TS layer, fake transport, React, Vue, conformance corpus,
#      import safety) and the node:test suites of the built package against the dev server;
#   2. www/: Vite builds of the React and Vue apps into www/dist/;
#   3. tests/: Playwright (Debian Chromium) end-to-end suite of both apps against the dev server,
#      and the EventSource suite (tidings' class next to the native one, workers);
#      and the tab-sharing suite (several pages of one context, connections counted);
#   4. tests/: the packaging test (npm pack -> fresh Vite app in a temp dir -> Chromium);
#   5. tests/: the same tarball in webpack 5, Vite build and dev server, and plain Node 20;
#   6. the API reference (scripts/build-docs.sh), then every demo page and the reference in Chromium.
#
# Assumes scripts/bootstrap.sh ran (npm ci in npm/, www/, tests/; Chromium installed) and the
# package is built (`cd npm && npm run build`). Uses TIDINGS_TEST_SERVER when set (it must serve
# --www www for the apps to be reused; otherwise the suites start target/debug/tidings-devserver).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[test-npm]\033[0m %s\n' "$*"; }

log "npm test (vitest + node:test)"
(cd npm && npm test)

log "build the www apps (React, Vue)"
(cd www && npm run build)

log "end-to-end: React and Vue apps in headless Chromium"
(cd tests && npm run e2e)

log "EventSource: tidings' class next to Chromium's own, fromReadableStream, workers"
(cd tests && npm run eventsource)

log "workerd: the package's workerd export condition inside workerd (Cloudflare Workers' runtime)"
(cd tests && npm run workerd)
log "tab sharing: several pages of one Chromium context share one connection"
(cd tests && npm run share)

log "packaging: npm pack -> fresh Vite app -> Chromium"
(cd tests && npm run pack)

log "bundlers: packed tarball in webpack 5, Vite build + dev, plain Node 20"
(cd tests && npm run bundlers)

log "API reference (TypeDoc + rustdoc) into www/dist/api/, for the demo test"
bash scripts/build-docs.sh

log "demo pages: every page in headless Chromium, with screenshots in tests/e2e/screenshots/"
(cd tests && REQUIRE_LEPTOS="${REQUIRE_LEPTOS:-}" npm run demo)

log "all npm tests passed"
