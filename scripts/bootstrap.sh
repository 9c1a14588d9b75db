#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test tidings. Idempotent: every step checks
# first and skips what is already there, so a second run takes seconds.
#
#   scripts/bootstrap.sh            everything (build + browser tests)
#   scripts/bootstrap.sh --demo     only what the demo needs (no Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=1
[[ "${1:-}" == "--demo" ]] && want_browser=0

log() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------
apt_missing=()
command -v cc >/dev/null 2>&1 || apt_missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || apt_missing+=(pkg-config)
if [[ $want_browser == 1 ]]; then
  [[ -x /usr/bin/chromium ]] || apt_missing+=(chromium)
  [[ -x /usr/bin/chromedriver ]] || apt_missing+=(chromium-driver)
fi
if ((${#apt_missing[@]})); then
  log "apt-get install ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_missing[@]}" >/dev/null
else
  log "Debian packages: present"
fi

# --- Rust wasm target ---------------------------------------------------------------------------
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rust target wasm32-unknown-unknown: present"
else
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- The pinned nightly the npm wasm modules are built with (npm/scripts/build.mjs says why) ---
# Only rustc, cargo and the standard library's source (the modules rebuild core and alloc):
# a minimal profile, a few seconds from rustup's own servers.
nightly=$(tr -d '[:space:]' <npm/scripts/wasm-toolchain.txt)
if sysroot=$(rustc "+$nightly" --print sysroot 2>/dev/null) && [[ -d "$sysroot/lib/rustlib/src/rust/library/core" ]]; then
  log "rust $nightly with rust-src: present"
else
  log "rustup toolchain install $nightly (minimal, rust-src)"
  rustup toolchain install "$nightly" --profile minimal --component rust-src --no-self-update
fi

# --- wasm-bindgen CLI at exactly Cargo.lock's version ------------------------------------------
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" == "wasm-bindgen $bindgen_version" ]] &&
  command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
  log "wasm-bindgen-cli $bindgen_version: present"
else
  # Not --locked: one of its locked dependency versions is no longer on the registry
  # (shared/TOOLCHAIN.md). Takes ~4-5 minutes on 2 cores; npm ci runs meanwhile.
  log "cargo install wasm-bindgen-cli $bindgen_version (a few minutes)"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force >/tmp/tidings-bindgen-install.log 2>&1 &
  bindgen_pid=$!
fi

# --- npm dependencies ---------------------------------------------------------------------------
# `npm ci` wipes node_modules, so skip it when the installed tree matches the lock file.
npm_install() {
  local dir=$1 stamp="$1/node_modules/.tidings-lock-hash" hash
  [[ -f "$dir/package-lock.json" ]] || return 0
  hash=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
    log "npm deps in $dir: up to date"
  else
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$hash" >"$stamp"
  fi
}
npm_install npm
for dir in www tests tests/bench; do npm_install "$dir"; done

if [[ -n "${bindgen_pid:-}" ]]; then
  if ! wait "$bindgen_pid"; then
    tail -30 /tmp/tidings-bindgen-install.log
    echo "wasm-bindgen-cli install failed" >&2
    exit 1
  fi
  log "wasm-bindgen-cli $(wasm-bindgen --version) installed"
fi
