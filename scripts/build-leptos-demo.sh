#!/usr/bin/env bash
# Builds the Leptos demo (www/leptos, crate tidings-leptos-demo) into www/dist/leptos/:
# Rust -> wasm32 (release profile) -> wasm-bindgen --target web -> wasm-opt -Oz (the npm
# binaryen; Debian's breaks rustc output at runtime) + index.html. The dev server started with
# `--www www` then serves it at /dist/leptos/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

out=www/dist/leptos
wasm_opt=npm/node_modules/.bin/wasm-opt
[[ -x $wasm_opt ]] || { echo "missing $wasm_opt: run scripts/bootstrap.sh (npm ci in npm/)" >&2; exit 1; }

cargo build --release --target wasm32-unknown-unknown -p tidings-leptos-demo
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name tidings_leptos_demo \
  target/wasm32-unknown-unknown/release/tidings_leptos_demo.wasm
wasm=$out/tidings_leptos_demo_bg.wasm
before=$(stat -c %s "$wasm")
# The same features as npm/scripts/build.mjs.
"$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$wasm" -o "$wasm"
cp www/leptos/index.html "$out/index.html"
echo "leptos demo: $wasm $before bytes -> $(stat -c %s "$wasm") bytes after wasm-opt -Oz," \
  "$(gzip -9c "$wasm" | wc -c) bytes gzipped"
