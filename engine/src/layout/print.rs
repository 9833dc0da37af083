//! The layout as the kernel itself prints it at boot and in `/proc/meminfo`, in the format of
//! the profile's era. Where an era does not print a block at all, the block is shown in the
//! nearest era's format after a `#` line that says so.

use super::memory::{Zone, ZoneKind, MAX_DMA_PFN};
use super::Layout;
use crate::e820::{E820Entry, E820Type};
use crate::profile::{E820Print, ZonePrint};
use std::fmt::Write;

/// Everything `hmsim layout` prints: the BIOS map, the memory-size lines, the zones, the
/// "virtual kernel memory layout:" block and VmallocTotal.
pub fn boot_log(l: &Layout) -> String {
    let mut out = String::new();
    out.push_str(&bios_map(l));
    for line in &l.memory.lines {
        let _ = writeln!(out, "{line}");
    }
    out.push_str(&zone_block(l));
    out.push_str(&layout_block(l));
    out.push_str(&vmalloc_total(l));
    out
}

/// `BIOS-provided physical RAM map:` and one line per range.
pub fn bios_map(l: &Layout) -> String {
    let style = l.resolved.profile.profile().e820_print;
    let mut out = String::from("BIOS-provided physical RAM map:\n");
    for e in &l.memory.e820 {
        let _ = writeln!(out, "{}", e820_line(style, e));
    }
    out
}

fn e820_line(style: E820Print, e: &E820Entry) -> String {
    let (start, end) = (e.start.as_u64(), e.end.as_u64());
    match style {
        E820Print::Mem => format!(
            "BIOS-e820: [mem {start:#018x}-{:#018x}] {}",
            end - 1,
            e.kind.label()
        ),
        E820Print::Old | E820Print::Old2632 => {
            let kind = match e.kind {
                E820Type::Usable => "(usable)".to_string(),
                E820Type::Reserved => "(reserved)".to_string(),
                E820Type::AcpiData => "(ACPI data)".to_string(),
                E820Type::AcpiNvs => "(ACPI NVS)".to_string(),
                E820Type::Unusable if style == E820Print::Old2632 => "(unusable)".to_string(),
                E820Type::Unusable => "type 5".to_string(),
                E820Type::Persistent(n) | E820Type::Other(n) => format!("type {n}"),
            };
            format!(" BIOS-e820: {start:016x} - {end:016x} {kind}")
        }
    }
}

/// The zone printout of the era.
pub fn zone_block(l: &Layout) -> String {
    let p = l.resolved.profile.profile();
    let m = &l.memory;
    let (max_low, highend) = (m.max_low_pfn.as_u64(), m.highend_pfn.as_u64());
    let mut out = String::new();
    match p.zone_print {
        ZonePrint::Sizes24 | ZonePrint::Sizes2611 => {
            let dma = max_low.min(MAX_DMA_PFN);
            let normal = max_low.saturating_sub(MAX_DMA_PFN);
            let high = if l.resolved.highmem {
                highend - m.highstart_pfn.as_u64()
            } else {
                0
            };
            let _ = writeln!(out, "On node 0 totalpages: {}", dma + normal + high);
            for (i, (name, pages)) in [("DMA", dma), ("Normal", normal), ("HighMem", high)]
                .into_iter()
                .enumerate()
            {
                if p.zone_print == ZonePrint::Sizes24 {
                    let _ = writeln!(out, "zone({i}): {pages} pages.");
                } else {
                    let _ = writeln!(
                        out,
                        "  {name} zone: {pages} pages, LIFO batch:{}",
                        lifo_batch_2611(pages)
                    );
                }
            }
        }
        ZonePrint::PfnDecimal | ZonePrint::PfnHex | ZonePrint::MemRanges => {
            let ranges = arch_zone_ranges(l);
            out.push_str(if p.zone_print == ZonePrint::MemRanges {
                "Zone ranges:\n"
            } else {
                "Zone PFN ranges:\n"
            });
            for (kind, lo, hi) in ranges {
                let name = kind.name();
                let _ = match p.zone_print {
                    ZonePrint::PfnDecimal => writeln!(out, "  {name:<8} {lo:>8} -> {hi:>8}"),
                    ZonePrint::PfnHex => writeln!(out, "  {name:<8} {lo:#010x} -> {hi:#010x}"),
                    _ if lo == hi => writeln!(out, "  {name:<8} empty"),
                    _ => writeln!(
                        out,
                        "  {name:<8} [mem {:#018x}-{:#018x}]",
                        lo << 12,
                        (hi << 12) - 1
                    ),
                };
            }
        }
    }
    out
}

/// `zone_batchsize()` of 2.6.11: a quarter of the zone's pages per 1024, at most 16, at least 1.
fn lifo_batch_2611(pages: u64) -> u64 {
    let batch = (pages / 1024).min(256 * 1024 / 4096);
    (batch / 4).max(1)
}

/// The zone boundaries `free_area_init_nodes()` prints (2.6.24 on): each zone runs from the
/// previous one's end to its own limit, and DMA's limit is 16 MiB even on smaller machines
/// until 6.1 clamps it to lowmem.
fn arch_zone_ranges(l: &Layout) -> Vec<(ZoneKind, u64, u64)> {
    let p = l.resolved.profile.profile();
    let m = &l.memory;
    let first = m
        .zones
        .first()
        .map(|z: &Zone| z.start.as_u64())
        .unwrap_or(0);
    let dma_limit = if p.dma_clamped_to_lowmem {
        MAX_DMA_PFN.min(m.max_low_pfn.as_u64())
    } else {
        MAX_DMA_PFN
    };
    let mut limits = vec![
        (ZoneKind::Dma, dma_limit),
        (ZoneKind::Normal, m.max_low_pfn.as_u64()),
    ];
    if l.resolved.highmem {
        limits.push((ZoneKind::HighMem, m.highend_pfn.as_u64()));
    }
    let mut at = first;
    limits
        .into_iter()
        .map(|(kind, limit)| {
            let hi = limit.max(at);
            let range = (kind, at, hi);
            at = hi;
            range
        })
        .collect()
}

/// The "virtual kernel memory layout:" block of 2.6.24 and 2.6.32 (without the kernel image's
/// `.init`, `.data` and `.text` lines, which depend on the build, not the rules).
pub fn layout_block(l: &Layout) -> String {
    let p = l.resolved.profile.profile();
    let mut out = String::new();
    if !p.prints_layout_block {
        let _ = writeln!(
            out,
            "# {} does not print this block; shown in the format of 2.6.24 and 2.6.32",
            p.name
        );
    }
    out.push_str("virtual kernel memory layout:\n");
    let line = |out: &mut String, name: &str, lo: u64, hi: u64, mb: bool| {
        let (size, unit) = if mb {
            ((hi - lo) >> 20, "MB")
        } else {
            ((hi - lo) >> 10, "kB")
        };
        let _ = writeln!(
            out,
            "    {name:<8}: 0x{lo:08x} - 0x{hi:08x}   ({size:>4} {unit})"
        );
    };
    line(
        &mut out,
        "fixmap",
        l.fixaddr_start(),
        l.fixaddr_top(),
        false,
    );
    if let Some(base) = l.pkmap_base() {
        line(
            &mut out,
            "pkmap",
            base,
            base + u64::from(l.last_pkmap) * 4096,
            false,
        );
    }
    line(
        &mut out,
        "vmalloc",
        l.vmalloc_start(),
        l.vmalloc_end(),
        true,
    );
    line(
        &mut out,
        "lowmem",
        super::PAGE_OFFSET,
        l.high_memory(),
        true,
    );
    out
}

/// The VmallocTotal line of `/proc/meminfo`.
pub fn vmalloc_total(l: &Layout) -> String {
    let p = l.resolved.profile.profile();
    let kb = (l.vmalloc_end() - l.vmalloc_start()) >> 10;
    match p.meminfo_vmalloc_total {
        Some(label) => format!("{label}{kb:>8} kB\n"),
        None => format!(
            "# {} has no VmallocTotal in /proc/meminfo; shown in the format of 6.1\n\
             VmallocTotal:   {kb:>8} kB\n",
            p.name
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{GIB, MIB};
    use crate::e820::E820Map;
    use crate::layout::{compute, LayoutRequest};
    use crate::profile::ProfileId;

    fn log(id: ProfileId, ram: u64) -> String {
        let l = compute(&LayoutRequest::new(id, E820Map::qemu_pc(ram).unwrap())).unwrap();
        boot_log(&l)
    }

    #[test]
    fn two_six_24_prints_decimal_pfns() {
        let out = log(ProfileId::V2_6_24, 2 * GIB);
        assert!(out.contains(
            "Zone PFN ranges:\n  DMA             0 ->     4096\n  Normal       4096 ->   229376\n  HighMem    229376 ->   524256\n"
        ), "{out}");
        assert!(out.contains(" BIOS-e820: 0000000000100000 - 000000007ffe0000 (usable)\n"));
        assert!(out.contains("    pkmap   : 0xffc00000 - 0xffe00000   (2048 kB)\n"));
        assert!(out.contains("    vmalloc : 0xf8800000 - 0xffbfe000   ( 115 MB)\n"));
        assert!(out.contains("VmallocTotal:   118776 kB\n"));
        assert!(!out.contains("# 2.6.24"));
    }

    #[test]
    fn two_six_32_prints_hex_pfns() {
        let out = log(ProfileId::V2_6_32, 2 * GIB);
        assert!(out.contains(
            "Zone PFN ranges:\n  DMA      0x00000000 -> 0x00001000\n  Normal   0x00001000 -> 0x000377fe\n  HighMem  0x000377fe -> 0x0007ffe0\n"
        ), "{out}");
        assert!(out.contains("VmallocTotal:     122880 kB\n"));
    }

    #[test]
    fn two_four_and_two_six_11_print_sizes() {
        let out = log(ProfileId::V2_4_22, 2 * GIB);
        assert!(out.contains(
            "On node 0 totalpages: 524256\nzone(0): 4096 pages.\nzone(1): 225280 pages.\nzone(2): 294880 pages.\n"
        ), "{out}");
        assert!(out.contains("# 2.4.22 does not print this block"));
        assert!(out.contains("# 2.4.22 has no VmallocTotal"));
        let out = log(ProfileId::V2_6_11, 2 * GIB);
        assert!(out.contains(
            "  DMA zone: 4096 pages, LIFO batch:1\n  Normal zone: 225280 pages, LIFO batch:16\n  HighMem zone: 294880 pages, LIFO batch:16\n"
        ), "{out}");
    }

    #[test]
    fn six_one_prints_empty_zones() {
        let out = log(ProfileId::V6_1, 512 * MIB);
        assert!(out.contains("  HighMem  empty\n"), "{out}");
        let out = log(ProfileId::V6_1, 16 * MIB);
        assert!(out.contains("  DMA      [mem 0x0000000000001000-0x0000000000fdffff]\n"));
        assert!(out.contains("  Normal   empty\n"));
    }

    #[test]
    fn lifo_batch_follows_zone_batchsize() {
        assert_eq!(lifo_batch_2611(0), 1);
        assert_eq!(lifo_batch_2611(4096), 1);
        assert_eq!(lifo_batch_2611(225_280), 16);
        assert_eq!(lifo_batch_2611(8192), 2);
    }
}
