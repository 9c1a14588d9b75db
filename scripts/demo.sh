#!/usr/bin/env bash
# The README's main command: builds the npm package (Rust -> wasm -> JS) and serves the demo on
# http://127.0.0.1:${PORT:-8080} with the dev server, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/bootstrap.sh --demo
(cd npm && npm run build)
# The React and Vue demo apps and the vanilla pages, built by Vite into www/dist/.
(cd www && npm run build)
# The API reference (TypeDoc + rustdoc) into www/dist/api/.
bash scripts/build-docs.sh
# The Leptos demo (Rust -> wasm) into www/dist/leptos/.
bash scripts/build-leptos-demo.sh
# The dev profile (deps at opt-level 1) is the same build the tests use, so it is built once.
cargo build -p tidings-devserver
echo
echo "Open http://127.0.0.1:${PORT:-8080}/ (Ctrl-C stops the server)"
exec target/debug/tidings-devserver --host 127.0.0.1 --port "${PORT:-8080}" --www www --pkg npm
