//! Highmem Lab's model of 32-bit x86 Linux high memory.
#![forbid(unsafe_code)]
