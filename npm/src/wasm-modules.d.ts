// What `import x from './file.wasm'` gives where a runtime or bundler loads wasm as a module
// (workerd, wrangler, Vite with a wasm plugin): the compiled module. Only src/workerd.ts does it.
declare module '*.wasm' {
  const compiled: WebAssembly.Module;
  export default compiled;
}
