//! Highmem Lab's model of 32-bit x86 Linux high memory.
//!
//! The crate is pure, deterministic Rust with no browser dependency: the web front-end and the
//! `hmsim` command line are two views over the same API. See `ARCHITECTURE.md` for the map.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod addr;
pub mod cpu;
pub mod e820;
pub mod highmem;
pub mod layout;
pub mod machine;
pub mod messages;
pub mod mmu;
pub mod paging;
pub mod phys;
pub mod profile;
pub mod sched;
pub mod script;
pub mod size;
pub mod trace;
pub mod vmalloc;
