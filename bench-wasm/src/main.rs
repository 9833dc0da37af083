//! The native half of the kmap benchmark: the same loop as the wasm module, timed here.
//! Prints one line per case: `kmap-native <case> <pairs/s>`.

use std::time::Instant;

use highmem_bench_wasm::Bench;

fn main() {
    for (case, span, n) in [("same-page", 1, 4_000_000), ("new-pages", 1024, 2_000_000)] {
        let mut b = Bench::new(span);
        b.run(n / 10); // warm up
        let t = Instant::now();
        let ok = b.run(n);
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(ok, n, "every kmap succeeds");
        println!("kmap-native {case} {:.0}", f64::from(n) / secs);
    }
}
