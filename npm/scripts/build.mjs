// Builds the npm package: Rust -> wasm32 -> wasm-bindgen (--target web) -> wasm-opt -Oz -> tsc.
//
// Why not wasm-pack: it downloads its own binaries, which this project's machines cannot do
// (see shared/TOOLCHAIN.md). The steps below use only cargo, the wasm-bindgen CLI pinned to
// Cargo.lock (installed by scripts/bootstrap.sh) and wasm-opt from the npm `binaryen` package.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const npmDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(npmDir, '..');
const wasmDir = join(npmDir, 'wasm');
const skipWasm = process.argv.includes('--ts-only');

function run(cmd, args, cwd = root, env = process.env) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd, env, stdio: 'inherit' });
}

// Three wasm modules, each loaded on first use (see src/loader.ts):
//  * the client (`connect`, `stream`; crate tidings-wasm, the npm surface over tidings-web),
//  * the same client with tab sharing's driver (`connect(url, { share })`; tidings-wasm with
//    `--features share`), which only an app that shares downloads,
//  * the parser alone (`createParser`; crate tidings-parser-wasm), so an app that only parses
//    never downloads a client.
// The client modules build tidings-core at opt-level "z", not the workspace's 3: in them the
// core is mostly the reconnect policy, HTTP-date parsing and the share state machine, and the
// parser's share of a stream's time is small (A/B in one Chromium, tests/bench/ab.mjs: token
// stream and large events within the noise, 0.82x vs 0.85x and 0.89x vs 0.83x) while the
// module is 6.1 KB raw / 1.7 KB gzip smaller. The parser-only module keeps 3: there the
// parser is everything.
const coreForSize = ['--config', 'profile.release.package.tidings-core.opt-level="z"'];
// MIR inlining in the client modules (rustc turns it off at opt-level "z"): 30.1 -> 28.4 KB
// gzip. Not in the parser module, whose hot crate is at opt-level 3 and has it anyway: there
// it only inlines core at "z" (+0.6 KB gzip).
const inlineMir = ['-Zinline-mir=yes'];
const modules = [
  // `no-std`: nothing in the everyday module links std (tidings-web without its `std` feature),
  // so std's panic machinery and core::fmt stay out.
  { crate: 'tidings-wasm', artifact: 'tidings_wasm', name: 'tidings_wasm', features: ['--features', 'no-std', ...coreForSize], rustflags: inlineMir },
  { crate: 'tidings-wasm', artifact: 'tidings_wasm', name: 'tidings_wasm_share', features: ['--features', 'share,no-std', ...coreForSize], rustflags: inlineMir },
  // `--converge` (wasm-opt repeats until nothing shrinks): 44 B gzip off the parser module.
  { crate: 'tidings-parser-wasm', artifact: 'tidings_parser_wasm', name: 'tidings_parser', features: ['--features', 'no-std'], opt: ['--converge'] },
];

// The toolchain the modules are built with: a pinned nightly (npm/scripts/wasm-toolchain.txt,
// installed with its rust-src by scripts/bootstrap.sh), which rebuilds core and alloc for the
// module (`-Zbuild-std`) so that:
//  * a panic is a trap with no message (`-Cpanic=immediate-abort`): no panic locations, and no
//    core::fmt, which stable still links for the allocation-failure message;
//  * MIR inlining runs, which rustc turns off at opt-level "z" (`-Zinline-mir=yes`).
// Client module: 31.8 -> 28.4 KB gzip; parser module 7.2 -> 6.7 KB (measured 2026-12-07,
// tests/bench/findings.md section 4). Without that toolchain (a machine that never ran the
// bootstrap) the build falls back to stable, says so, and the modules are that much bigger.
const nightly = readFileSync(join(npmDir, 'scripts/wasm-toolchain.txt'), 'utf8').trim();
const hasNightly = (() => {
  try {
    const sysroot = execFileSync('rustc', [`+${nightly}`, '--print', 'sysroot'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return existsSync(join(sysroot, 'lib/rustlib/src/rust/library/core'));
  } catch {
    return false;
  }
})();
if (!hasNightly && !skipWasm) {
  console.warn(`warning: ${nightly} with rust-src is not installed (scripts/bootstrap.sh installs it); building the wasm modules with stable rustc, which makes them larger`);
}
// A target directory per set of flags: cargo rebuilds in place when RUSTFLAGS change, so the
// workspace's stable builds and the two flag sets below each keep their own.
const targetDir = (m) => join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), hasNightly ? `npm-wasm${m.rustflags ? '-mir' : ''}` : '.');
const cargoArgs = hasNightly ? [`+${nightly}`, 'build', '-Zbuild-std=core,alloc'] : ['build'];
const cargoEnv = (m) => ({
  ...process.env,
  CARGO_TARGET_DIR: targetDir(m),
  ...(hasNightly ? { RUSTFLAGS: ['-Zunstable-options', '-Cpanic=immediate-abort', ...(m.rustflags ?? [])].join(' ') } : {}),
});

const wasmFeatures = [
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
];

// Short names for the module's imports and exports (wasm-opt's
// `--minify-imports-and-exports-and-modules`), and the glue rewritten to match. wasm-bindgen
// names each import after its JS function plus a 16-digit hash (`__wbg_read_e3bea75dace70752`),
// from a module named after the glue file, and the names sit twice in every app: in the
// module's import section and as keys of the glue's import object. Hashes do not compress:
// the client module lost 5.4 KB raw / 2.3 KB gzip to this. The package reads nothing of the
// raw exports but the memory, which it finds by type (src/wasm-load.ts), not by name.
function shortenNames(wasmFile, glueFile) {
  const printed = execFileSync(
    join(npmDir, 'node_modules/.bin/wasm-opt'),
    ['--minify-imports-and-exports-and-modules', ...wasmFeatures, ...(process.env.TIDINGS_WASM_NAMES ? ['-g'] : []), wasmFile, '-o', wasmFile],
    { encoding: 'utf8' },
  );
  const map = JSON.parse(printed.slice(printed.indexOf('{')));
  const modules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasmFile))).map((i) => i.module));
  const oldModules = new Set(map.imports.map(([module]) => module));
  // The glue's own module, and at most the JS host's snippet, which wasm-bindgen lets the
  // module import from directly (its `createHost` needs no glue function); wasm-opt merges
  // them into one module.
  const glueModule = [...oldModules].find((module) => module.endsWith('_bg.js'));
  if (modules.size !== 1 || !glueModule || oldModules.size > 2) throw new Error(`${wasmFile}: expected one import module (and the host), got ${[...oldModules]} -> ${[...modules]}`);
  const [newModule] = modules;
  let glue = readFileSync(glueFile, 'utf8');
  // Each name must be found exactly where expected, or the build stops: a glue whose shape
  // wasm-bindgen changed must not ship with imports that no longer resolve.
  const replace = (pattern, to, expected) => {
    const found = glue.match(pattern)?.length ?? 0;
    if (expected !== undefined && found !== expected) throw new Error(`${glueFile}: ${pattern} found ${found} times, expected ${expected}`);
    glue = glue.replace(pattern, () => to);
  };
  const identifier = /^[A-Za-z_$][\w$]*$/;
  const escape = (name) => name.replace(/[$]/g, '\\$');
  const quoted = (module) => `"${module.replace(/[./]/g, '\\$&')}"`;
  replace(new RegExp(`${quoted(glueModule)}: import0`, 'g'), `"${newModule}": import0`, 1);
  for (const [module, from, to] of map.imports) {
    if (module === glueModule) replace(new RegExp(`(?<=\\s)${escape(from)}(?=: function)`, 'g'), JSON.stringify(to), 1);
  }
  for (const module of oldModules) {
    if (module === glueModule) continue;
    // `"./snippets/…/host.js": import1,` goes; its functions join import0 under their new names.
    // wasm-bindgen imports the snippet once per function it takes from it directly
    // (`import1`, `import2`, …): the first namespace serves them all, the others go.
    const entry = new RegExp(`\\n\\s*${quoted(module)}: (import\\d+),`, 'g');
    const [variable, ...others] = [...glue.matchAll(entry)].map((match) => match[1]);
    if (!variable) throw new Error(`${glueFile}: no import object entry for ${module}`);
    glue = glue.replace(entry, '');
    for (const other of others) replace(new RegExp(`\\nimport \\* as ${other} from [^\\n]*`), '', 1);
    const moved = map.imports
      .filter(([of]) => of === module)
      .map(([, from, to]) => `\n        ${JSON.stringify(to)}: ${variable}.${from},`)
      .join('');
    replace(/(?<=const import0 = \{\n\s*__proto__: null,)/, moved, 1);
  }
  for (const [from, to] of map.exports) {
    if (!identifier.test(to)) throw new Error(`${wasmFile}: export ${from} minified to ${to}, not an identifier`);
    replace(new RegExp(`\\bwasm\\.${escape(from)}\\b`, 'g'), `wasm.${to}`);
  }
  writeFileSync(glueFile, glue);
}

// tidings-web's JS host (crates/tidings-web/js/host.js), which wasm-bindgen copies next to each
// client glue as a snippet (`snippets/tidings-web-<hash>/js/host.js`). Both client modules
// import the one file `wasm/tidings_host.js` instead: a bundler then ships it once, and the
// package has no `snippets/` directory to list. The import must be found exactly once.
function shareHost(glueFile) {
  const snippets = join(wasmDir, 'snippets');
  if (!existsSync(snippets)) return;
  const [dir] = readdirSync(snippets).filter((d) => d.startsWith('tidings-web-'));
  if (!dir) throw new Error(`${snippets}: no tidings-web snippet`);
  copyFileSync(join(snippets, dir, 'js', 'host.js'), join(wasmDir, 'tidings_host.js'));
  let glue = readFileSync(glueFile, 'utf8');
  const from = `"./snippets/${dir}/js/host.js"`;
  if (glue.split(from).length !== 2) throw new Error(`${glueFile}: expected one import of ${from}`);
  glue = glue.replace(from, '"./tidings_host.js"');
  writeFileSync(glueFile, glue);
  rmSync(snippets, { recursive: true, force: true });
}

if (!skipWasm) {
  rmSync(wasmDir, { recursive: true, force: true });
  mkdirSync(wasmDir, { recursive: true });
  for (const m of modules) {
    // One cargo invocation per module, each bound right after it is built: built together,
    // cargo would unify their features (std in the parser module, the sharing driver in the
    // everyday client), and the two client builds write the same artifact.
    run('cargo', [...cargoArgs, '--release', '--target', 'wasm32-unknown-unknown', '-p', m.crate, ...(m.features ?? [])], root, cargoEnv(m));
    run('wasm-bindgen', [
      '--target', 'web',
      '--out-dir', wasmDir,
      '--out-name', m.name,
      join(targetDir(m), `wasm32-unknown-unknown/release/${m.artifact}.wasm`),
    ]);
    const wasmFile = join(wasmDir, `${m.name}_bg.wasm`);
    const before = statSync(wasmFile).size;
    // Debian's binaryen (v108) breaks rustc 1.95 output at runtime; the npm one (132) is fine.
    // `--flatten --rereloop` before two rounds of -Oz finds more to fold than -Oz alone
    // (measured: parser -115 B gzip, client -450 B gzip).
    run(join(npmDir, 'node_modules/.bin/wasm-opt'), [
      '--flatten', '--rereloop', '-Oz', '-Oz', ...(m.opt ?? []), '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
      '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
      // The `producers` and `target_features` custom sections serve tools, not browsers.
      '--strip-producers', '--strip-target-features',
      // TIDINGS_WASM_NAMES=1 keeps function names, for CPU profiles (tests/bench/ab.mjs
      // --profile); never for a published build (the name section is a third of the size).
      ...(process.env.TIDINGS_WASM_NAMES ? ['-g'] : []),
      wasmFile, '-o', wasmFile,
    ]);
    shortenNames(wasmFile, join(wasmDir, `${m.name}.js`));
    shareHost(join(wasmDir, `${m.name}.js`));
    console.log(`${m.name}: ${before} bytes -> ${statSync(wasmFile).size} bytes after wasm-opt -Oz and short names`);
  }
}
rmSync(join(npmDir, 'dist'), { recursive: true, force: true });
run(join(npmDir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], npmDir);
