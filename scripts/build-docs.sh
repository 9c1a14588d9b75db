#!/usr/bin/env bash
# The API reference, in one place: TypeDoc from the npm package's TSDoc (www/dist/api/ts/) and
# rustdoc for the published crates (www/dist/api/rust/), with an index at www/dist/api/. The
# main command (scripts/demo.sh) runs it, so the demo serves the reference at /dist/api/; the
# demo Playwright test opens its pages. Needs npm/node_modules (scripts/bootstrap.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

out=www/dist/api
rm -rf "$out"
mkdir -p "$out"

# TypeScript: every entry point (tidings, tidings/react, tidings/react/query, tidings/vue,
# tidings/testing); see npm/typedoc.json. Warnings (broken links, bad examples) fail the build.
(cd npm && npx typedoc --treatWarningsAsErrors)

# Rust: the core, the browser crate and the Leptos bindings, without their dependencies.
cargo doc --no-deps -p tidings-core -p tidings-web -p tidings-leptos
cp -r target/doc "$out/rust"

version=$(node -p "require('./npm/package.json').version")
cat >"$out/index.html" <<HTML
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>API reference · tidings</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <header class="topbar">
    <a class="brand" href="/">tidings</a>
    <nav>
      <a href="/">Home</a>
      <a href="/dist/api/" aria-current="page">API reference</a>
    </nav>
  </header>
  <main class="page">
    <div class="page-head"><div>
      <h1>API reference</h1>
      <p>Generated from the sources by <code>scripts/build-docs.sh</code> (tidings ${version}).</p>
    </div></div>
    <div class="cols even">
      <a class="card demo-card" id="api-ts" href="/dist/api/ts/index.html">
        <h2>npm package (TypeScript)</h2>
        <p><code>tidings</code>, <code>tidings/react</code>, <code>tidings/react/query</code>, <code>tidings/vue</code>,
          <code>tidings/testing</code>: every option with its default, from the TSDoc.</p>
      </a>
      <section class="card" id="api-rust">
        <h2>Rust crates (rustdoc)</h2>
        <p><a href="/dist/api/rust/tidings_core/index.html">tidings-core</a> (parser and reconnect policy),
          <a href="/dist/api/rust/tidings_web/index.html">tidings-web</a> (browser client),
          <a href="/dist/api/rust/tidings_leptos/index.html">tidings-leptos</a> (Leptos signals).</p>
      </section>
    </div>
  </main>
</body>
</html>
HTML
echo "API reference in $out/ (served at /dist/api/)"
