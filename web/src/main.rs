//! The page's entry point: Trunk builds this binary (`data-bin="highmem-web"` in index.html)
//! and its loader calls `main` once the wasm module is instantiated.

fn main() {
    highmem_web::start();
}
