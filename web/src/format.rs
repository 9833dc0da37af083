//! How numbers and names appear on the page.

use highmem_engine::layout::RegionKind;
use highmem_engine::size::{format_size, format_size_approx};

/// A 32-bit address as the kernel prints it: `0x` and eight lowercase hex digits (the end of
/// the address space, 2^32, needs nine: `0x100000000`).
pub fn hex32(value: u64) -> String {
    format!("{value:#010x}")
}

/// A page frame number in hex, as the test attributes carry it.
pub fn hex(value: u64) -> String {
    format!("{value:#x}")
}

/// A size for labels: exact when it is a whole number of KiB/MiB/GiB in the largest unit
/// (`2 MiB`), else one decimal (`879.9 MiB`).
pub fn size_short(bytes: u64) -> String {
    let exact = format_size(bytes);
    let approx = format_size_approx(bytes);
    // format_size falls back to a smaller unit when the larger one does not divide; prefer
    // the approximate larger unit then, since the exact range is printed beside it.
    if unit_rank(&exact) >= unit_rank(&approx) {
        exact
    } else {
        approx
    }
}

/// A size for tables: exact, with the approximate reading when the exact one is awkward.
pub fn size_exact(bytes: u64) -> String {
    let exact = format_size(bytes);
    let approx = format_size_approx(bytes);
    if unit_rank(&exact) >= unit_rank(&approx) {
        exact
    } else {
        format!("{exact} ≈ {approx}")
    }
}

/// A size as an exact figure and, when that figure is awkward, an approximate reading:
/// `("901112 KiB", Some("879.9 MiB"))`, `("2 MiB", None)`.
pub fn size_parts(bytes: u64) -> (String, Option<String>) {
    let exact = format_size(bytes);
    let approx = format_size_approx(bytes);
    if unit_rank(&exact) >= unit_rank(&approx) {
        (exact, None)
    } else {
        (exact, Some(approx))
    }
}

fn unit_rank(s: &str) -> u8 {
    if s.ends_with("TiB") {
        4
    } else if s.ends_with("GiB") {
        3
    } else if s.ends_with("MiB") {
        2
    } else if s.ends_with("KiB") {
        1
    } else {
        0
    }
}

/// The region kind as the engine's JSON spells it (`data-region` attributes, CSS classes).
pub fn region_id(kind: RegionKind) -> &'static str {
    match kind {
        RegionKind::User => "user",
        RegionKind::Lowmem => "lowmem",
        RegionKind::VmallocGap => "vmalloc_gap",
        RegionKind::Vmalloc => "vmalloc",
        RegionKind::Guard => "guard",
        RegionKind::Pkmap => "pkmap",
        RegionKind::LdtRemap => "ldt_remap",
        RegionKind::CpuEntryArea => "cpu_entry_area",
        RegionKind::FixmapBoot => "fixmap_boot",
        RegionKind::Fixmap => "fixmap",
        RegionKind::Top => "top",
        RegionKind::Unused => "unused",
    }
}

/// Whether a region has nothing mapped in it (drawn hatched, as empty space).
pub fn is_hole(kind: RegionKind) -> bool {
    matches!(
        kind,
        RegionKind::VmallocGap | RegionKind::Guard | RegionKind::Unused | RegionKind::Top
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn addresses_have_eight_digits_and_the_top_nine() {
        assert_eq!(hex32(0), "0x00000000");
        assert_eq!(hex32(0xf77f_e000), "0xf77fe000");
        assert_eq!(hex32(1 << 32), "0x100000000");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size_short(2 << 20), "2 MiB");
        assert_eq!(size_short(0x36ff_e000), "879.9 MiB");
        assert_eq!(size_short(8192), "8 KiB");
        assert_eq!(size_exact(0x36ff_e000), "901112 KiB ≈ 879.9 MiB");
        assert_eq!(size_exact(3 << 30), "3 GiB");
    }
}
