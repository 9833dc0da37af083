// The wasm half of the kmap benchmark (`cargo xtask bench`): loads the module built from
// bench-wasm/ for wasm32-unknown-unknown, boots its machine and times `run(n)` kmap+kunmap
// pairs with performance.now(), for the same two cases as the native binary. Prints one line
// per case: `kmap-wasm <case> <pairs/s>`. Figures only; nothing is asserted about time.
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

const path = process.argv[2];
if (!path) {
  console.error('usage: node bench/kmap-wasm.mjs PATH/highmem_bench_wasm.wasm');
  process.exit(2);
}
const module = await WebAssembly.compile(await readFile(path));
const imports = WebAssembly.Module.imports(module);
if (imports.length > 0) {
  console.error(`the module should need no imports, it asks for ${imports.map((i) => i.name).join(', ')}`);
  process.exit(1);
}
const { exports } = await WebAssembly.instantiate(module, {});

for (const [kase, span, n] of [['same-page', 1, 4_000_000], ['new-pages', 1024, 2_000_000]]) {
  exports.setup(span);
  exports.run(n / 10); // warm up
  const t = performance.now();
  const ok = exports.run(n);
  const secs = (performance.now() - t) / 1000;
  if (ok !== n) {
    console.error(`only ${ok} of ${n} kmaps succeeded`);
    process.exit(1);
  }
  console.log(`kmap-wasm ${kase} ${Math.round(n / secs)}`);
}
