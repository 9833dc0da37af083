//! From the BIOS map to `max_pfn`, `max_low_pfn` and the zones, by each era's rules.
//!
//! Sources: `find_max_pfn` / `find_max_low_pfn` / `setup_memory` (2.4.22 and 2.6.11:
//! `arch/i386/kernel/setup.c`; 2.6.24: `arch/x86/kernel/setup_32.c` and `e820_32.c`),
//! `e820_end_of_ram_pfn` (`arch/x86/kernel/e820.c`) with `find_low_pfn_range`,
//! `highmem_pfn_init` and `initmem_init` (`arch/x86/mm/init_32.c`) for 2.6.32 and 6.1, and
//! `trim_bios_range` (`arch/x86/kernel/setup.c`, 6.1).

use crate::addr::{Pfn, PhysAddr, MIB, PAGE_SHIFT};
use crate::e820::{E820Entry, E820Map, E820Type};
use crate::profile::{MaxPfnRule, Profile, ZoneStart};
use serde::Serialize;

/// `MAX_DMA_ADDRESS − PAGE_OFFSET` in frames: ISA DMA reaches the first 16 MiB.
pub const MAX_DMA_PFN: u64 = (16 * MIB) >> PAGE_SHIFT;
/// The frames a 32-bit physical address reaches (`MAX_NONPAE_PFN`): 4 GiB.
pub const MAX_NONPAE_PFN: u64 = 1 << 20;
/// The frames a 36-bit PAE physical address reaches: 64 GiB.
pub const MAX_PAE_PFN: u64 = 1 << 24;

/// The kind of a zone on i386.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ZoneKind {
    /// `ZONE_DMA`: below 16 MiB, for ISA DMA.
    #[serde(rename = "DMA")]
    Dma,
    /// `ZONE_NORMAL`: the rest of the direct-mapped RAM.
    Normal,
    /// `ZONE_HIGHMEM`: RAM with no permanent kernel address.
    HighMem,
}

impl ZoneKind {
    /// The kernel's name for the zone.
    pub fn name(self) -> &'static str {
        match self {
            ZoneKind::Dma => "DMA",
            ZoneKind::Normal => "Normal",
            ZoneKind::HighMem => "HighMem",
        }
    }
}

/// A zone's span and what RAM it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Zone {
    /// Which zone.
    pub kind: ZoneKind,
    /// First frame.
    pub start: Pfn,
    /// One past the last frame.
    pub end: Pfn,
    /// Frames of RAM inside the span, as the kernel sees the map (holes excluded).
    pub ram_pages: u64,
}

impl Zone {
    /// Frames spanned, holes included.
    pub fn spanned(&self) -> u64 {
        self.end.as_u64() - self.start.as_u64()
    }
}

/// The memory sizing a kernel does at boot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Memory {
    /// The BIOS map as this kernel prints it (sorted, merged, with the era's fix-ups).
    pub e820: Vec<E820Entry>,
    /// The RAM the kernel registers, in whole frames `[start, end)`.
    pub ram: Vec<(Pfn, Pfn)>,
    /// The highest RAM frame the e820 map offers (before any cap).
    pub e820_max_pfn: Pfn,
    /// `max_pfn` as found in the map, after the `MAX_ARCH_PFN` cap of 2.6.32 and 6.1.
    pub found_max_pfn: Pfn,
    /// `max_pfn` after every cap and clip.
    pub max_pfn: Pfn,
    /// `MAXMEM_PFN`: the most frames the direct map can hold.
    pub maxmem_pfn: Pfn,
    /// `max_low_pfn`: the end of directly mapped RAM.
    pub max_low_pfn: Pfn,
    /// `highstart_pfn`, on HIGHMEM kernels.
    pub highstart_pfn: Pfn,
    /// `highend_pfn`, on HIGHMEM kernels.
    pub highend_pfn: Pfn,
    /// The zones, lowest first (no HighMem on a kernel without HIGHMEM).
    pub zones: Vec<Zone>,
    /// The kernel's boot lines about memory size, in order (warnings, then the HIGHMEM and
    /// LOWMEM lines).
    pub lines: Vec<String>,
    /// RAM the kernel cannot use (above 4 GiB without PAE, above lowmem without HIGHMEM,
    /// above 64 GiB), in frames.
    pub unused_pages: u64,
}

/// Sizes memory the way `profile`'s kernel does.
pub fn size_memory(
    profile: &Profile,
    map: &E820Map,
    maxmem: u64,
    pae: bool,
    highmem: bool,
) -> Memory {
    let e820 = kernel_view(profile, map);
    let mut lines = Vec::new();

    // max_pfn from the map.
    let max_arch_pfn = if pae { MAX_PAE_PFN } else { MAX_NONPAE_PFN };
    let e820_max_pfn = e820
        .iter()
        .filter(|e| e.kind == E820Type::Usable)
        .filter(|e| e.start.pfn_up() < e.end.pfn_down())
        .map(|e| e.end.pfn_down().as_u64())
        .max()
        .unwrap_or(0);
    let mut max_pfn = match profile.max_pfn {
        MaxPfnRule::Uncapped => e820_max_pfn,
        MaxPfnRule::CappedAtMaxArchPfn => end_of_ram_pfn(&e820, max_arch_pfn),
    };

    let found_max_pfn = max_pfn;

    // find_max_low_pfn / find_low_pfn_range.
    let maxmem_pfn = maxmem >> PAGE_SHIFT;
    let max_low_pfn;
    if max_pfn <= maxmem_pfn {
        max_low_pfn = max_pfn;
    } else {
        max_low_pfn = maxmem_pfn;
        if !highmem {
            lines.push(format!("Warning only {}MB will be used.", maxmem >> 20));
            lines.push(if max_pfn > MAX_NONPAE_PFN {
                profile.warnings.use_pae.to_string()
            } else {
                "Use a HIGHMEM enabled kernel.".to_string()
            });
            if profile.warnings.no_highmem_resets_max_pfn {
                max_pfn = maxmem_pfn;
            }
        } else if !pae && max_pfn > MAX_NONPAE_PFN {
            max_pfn = MAX_NONPAE_PFN;
            lines.extend(profile.warnings.only_4g.iter().map(|l| l.to_string()));
        }
    }

    let (highstart_pfn, highend_pfn) = if max_pfn > max_low_pfn {
        (max_low_pfn, max_pfn)
    } else {
        (max_pfn, max_pfn)
    };
    if highmem {
        lines.push(format!(
            "{}MB HIGHMEM available.",
            Pfn::pages_to_mb(highend_pfn - highstart_pfn)
        ));
    }
    lines.push(format!(
        "{}MB LOWMEM available.",
        Pfn::pages_to_mb(max_low_pfn)
    ));

    let ram = registered_ram(profile, &e820);
    let zones = zones(profile, &ram, max_low_pfn, highend_pfn, highmem);
    let usable_top = if highmem { highend_pfn } else { max_low_pfn };
    let unused_pages = ram
        .iter()
        .map(|(s, e)| {
            let s = s.as_u64().max(usable_top);
            e.as_u64().saturating_sub(s)
        })
        .sum();

    Memory {
        e820,
        ram,
        e820_max_pfn: Pfn::new(e820_max_pfn),
        found_max_pfn: Pfn::new(found_max_pfn),
        max_pfn: Pfn::new(max_pfn),
        maxmem_pfn: Pfn::new(maxmem_pfn),
        max_low_pfn: Pfn::new(max_low_pfn),
        highstart_pfn: Pfn::new(highstart_pfn),
        highend_pfn: Pfn::new(highend_pfn),
        zones,
        lines,
        unused_pages,
    }
}

/// The map as this kernel holds it when it prints it: sorted (it already is), adjacent ranges of
/// one type merged (`sanitize_e820_map`), and, up to 2.6.24, RAM between 640 KiB and 1 MiB
/// dropped as the map is copied (`copy_e820_map`).
fn kernel_view(profile: &Profile, map: &E820Map) -> Vec<E820Entry> {
    const LOW_END: u64 = 0xa_0000;
    const HIGH_START: u64 = 0x10_0000;
    let mut out: Vec<E820Entry> = Vec::new();
    let mut push = |entry: E820Entry| {
        if let Some(last) = out.last_mut() {
            if last.kind == entry.kind && last.end == entry.start {
                last.end = entry.end;
                return;
            }
        }
        out.push(entry);
    };
    for e in map.entries() {
        let (start, end) = (e.start.as_u64(), e.end.as_u64());
        if profile.e820_drops_640k_to_1m
            && e.kind == E820Type::Usable
            && start < HIGH_START
            && end > LOW_END
        {
            if start < LOW_END {
                push(E820Entry {
                    end: PhysAddr::new(LOW_END),
                    ..*e
                });
            }
            if end > HIGH_START {
                push(E820Entry {
                    start: PhysAddr::new(HIGH_START),
                    ..*e
                });
            }
            continue;
        }
        push(*e);
    }
    out
}

/// `e820_end_pfn(limit, E820_RAM)`: walk the RAM entries in order; skip those starting at or
/// above the limit; stop at the limit if an entry crosses it.
fn end_of_ram_pfn(e820: &[E820Entry], limit: u64) -> u64 {
    let mut last = 0;
    for e in e820.iter().filter(|e| e.kind == E820Type::Usable) {
        let start = e.start.pfn_down().as_u64();
        let end = e.end.pfn_down().as_u64();
        if start >= limit {
            continue;
        }
        if end > limit {
            last = limit;
            break;
        }
        last = last.max(end);
    }
    last.min(limit)
}

/// The RAM ranges the kernel registers for its zones, in whole frames.
fn registered_ram(profile: &Profile, e820: &[E820Entry]) -> Vec<(Pfn, Pfn)> {
    let mut ram: Vec<(Pfn, Pfn)> = Vec::new();
    for e in e820.iter().filter(|e| e.kind == E820Type::Usable) {
        let mut start = e.start.pfn_up().as_u64();
        let mut end = e.end.pfn_down().as_u64();
        if profile.zone_start == ZoneStart::AfterFirstPageTrim {
            // trim_bios_range(): page 0 becomes reserved, and 640 KiB – 1 MiB is removed.
            start = start.max(1);
            let (bios_begin, bios_end) = (0xa0, 0x100);
            if start < bios_end && end > bios_begin {
                if start < bios_begin {
                    ram.push((Pfn::new(start), Pfn::new(bios_begin)));
                }
                start = bios_end;
                end = end.max(bios_end);
            }
        }
        if start < end {
            ram.push((Pfn::new(start), Pfn::new(end)));
        }
    }
    ram
}

/// The zones' real spans: DMA up to 16 MiB (or lowmem's end), Normal up to `max_low_pfn`,
/// HighMem up to `highend_pfn`.
fn zones(
    profile: &Profile,
    ram: &[(Pfn, Pfn)],
    max_low_pfn: u64,
    highend_pfn: u64,
    highmem: bool,
) -> Vec<Zone> {
    let first = match profile.zone_start {
        ZoneStart::Pfn0 => 0,
        ZoneStart::LowestE820Ram | ZoneStart::AfterFirstPageTrim => {
            ram.first().map(|(s, _)| s.as_u64()).unwrap_or(0)
        }
    };
    let dma_end = MAX_DMA_PFN.min(max_low_pfn).max(first);
    let mut bounds = vec![
        (ZoneKind::Dma, first, dma_end),
        (ZoneKind::Normal, dma_end, max_low_pfn.max(dma_end)),
    ];
    if highmem {
        let start = max_low_pfn.max(dma_end);
        bounds.push((ZoneKind::HighMem, start, highend_pfn.max(start)));
    }
    bounds
        .into_iter()
        .map(|(kind, start, end)| Zone {
            kind,
            start: Pfn::new(start),
            end: Pfn::new(end),
            ram_pages: ram
                .iter()
                .map(|(s, e)| {
                    let (s, e) = (s.as_u64().max(start), e.as_u64().min(end));
                    e.saturating_sub(s)
                })
                .sum(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::GIB;
    use crate::profile::ProfileId;

    fn size(id: ProfileId, ram: u64, maxmem: u64, pae: bool, highmem: bool) -> Memory {
        let map = E820Map::qemu_pc(ram).unwrap();
        size_memory(id.profile(), &map, maxmem, pae, highmem)
    }

    #[test]
    fn reference_6_1_boot_sizes_and_zoneinfo() {
        let m = size(ProfileId::V6_1, 2 * GIB, 0x36ff_e000, true, true);
        assert_eq!(m.max_pfn, Pfn::new(0x7ffe0));
        assert_eq!(m.max_low_pfn, Pfn::new(0x36ffe));
        assert_eq!(
            m.lines,
            ["1167MB HIGHMEM available.", "879MB LOWMEM available."]
        );
        // /proc/zoneinfo of the reference boot: spanned 4095 / 221182 / 298978, and present
        // 3998 / 221182 / 298978.
        let spanned: Vec<u64> = m.zones.iter().map(Zone::spanned).collect();
        let present: Vec<u64> = m.zones.iter().map(|z| z.ram_pages).collect();
        assert_eq!(spanned, [4095, 221182, 298978]);
        assert_eq!(present, [3998, 221182, 298978]);
    }

    #[test]
    fn lowmem_only_machines_have_an_empty_highmem_zone() {
        let m = size(ProfileId::V2_6_24, 512 * MIB, 896 * MIB, true, true);
        assert_eq!(m.max_low_pfn, m.max_pfn);
        assert_eq!(m.lines[0], "0MB HIGHMEM available.");
        assert_eq!(m.zones[2].spanned(), 0);
    }

    #[test]
    fn without_highmem_ram_above_lowmem_is_unused_with_the_era_warning() {
        let m = size(ProfileId::V2_6_24, 2 * GIB, 896 * MIB, false, false);
        assert_eq!(
            m.lines,
            [
                "Warning only 896MB will be used.",
                "Use a HIGHMEM enabled kernel.",
                "896MB LOWMEM available."
            ]
        );
        assert_eq!(m.zones.len(), 2);
        assert_eq!(m.max_pfn, m.maxmem_pfn);
        assert!(m.unused_pages > 0);
        let big = size(ProfileId::V2_6_11, 8 * GIB, 896 * MIB, false, false);
        assert_eq!(big.lines[1], "Use a PAE enabled kernel.");
        let big = size(ProfileId::V2_6_24, 8 * GIB, 896 * MIB, false, false);
        assert_eq!(big.lines[1], "Use a HIGHMEM64G enabled kernel.");
    }

    #[test]
    fn non_pae_highmem_above_4g_by_era() {
        // 2.6.24 finds all 8 GiB, then clips to 4 GiB and says so.
        let m = size(ProfileId::V2_6_24, 8 * GIB, 896 * MIB, false, true);
        assert_eq!(m.max_pfn, Pfn::new(MAX_NONPAE_PFN));
        assert_eq!(
            &m.lines[..2],
            [
                "Warning only 4GB will be used.",
                "Use a HIGHMEM64G enabled kernel."
            ]
        );
        // 6.1 never sees past MAX_ARCH_PFN, so it has nothing to warn about.
        let m = size(ProfileId::V6_1, 8 * GIB, 0x36bf_e000, false, true);
        assert_eq!(m.max_pfn, Pfn::new(0xc0000 - 0x20));
        assert!(m.lines[0].ends_with("HIGHMEM available."));
        assert!(m.unused_pages >= 5 * (GIB >> 12));
    }

    #[test]
    fn pae_caps_at_64g_only_in_capped_eras() {
        let map = E820Map::from_entries(vec![
            E820Entry {
                start: PhysAddr::new(0),
                end: PhysAddr::new(0x9_f000),
                kind: E820Type::Usable,
            },
            E820Entry {
                start: PhysAddr::new(0x10_0000),
                end: PhysAddr::new(128 * GIB),
                kind: E820Type::Usable,
            },
        ])
        .unwrap();
        let m = size_memory(ProfileId::V6_1.profile(), &map, 0x36ff_e000, true, true);
        assert_eq!(m.max_pfn, Pfn::new(MAX_PAE_PFN));
        let m = size_memory(ProfileId::V2_6_24.profile(), &map, 896 * MIB, true, true);
        assert_eq!(m.max_pfn, Pfn::new((128 * GIB) >> 12));
    }

    #[test]
    fn zone_starts_by_era() {
        let start = |id| size(id, GIB, 896 * MIB, true, true).zones[0].start;
        assert_eq!(start(ProfileId::V2_6_24), Pfn::new(0));
        assert_eq!(start(ProfileId::V2_6_32), Pfn::new(0));
        assert_eq!(start(ProfileId::V6_1), Pfn::new(1));
    }

    #[test]
    fn old_kernels_drop_ram_between_640k_and_1m() {
        let map = E820Map::from_entries(vec![E820Entry {
            start: PhysAddr::new(0),
            end: PhysAddr::new(64 * MIB),
            kind: E820Type::Usable,
        }])
        .unwrap();
        let view = kernel_view(ProfileId::V2_4_22.profile(), &map);
        assert_eq!(view.len(), 2);
        assert_eq!(view[0].end.as_u64(), 0xa_0000);
        assert_eq!(view[1].start.as_u64(), 0x10_0000);
        assert_eq!(kernel_view(ProfileId::V2_6_32.profile(), &map).len(), 1);
        // 6.1 keeps the map but registers no RAM in that window.
        let m = size_memory(ProfileId::V6_1.profile(), &map, 0x36ff_e000, true, true);
        assert_eq!(
            m.ram,
            [
                (Pfn::new(1), Pfn::new(0xa0)),
                (Pfn::new(0x100), Pfn::new(0x4000))
            ]
        );
    }

    #[test]
    fn tiny_machines_have_only_a_dma_zone() {
        let m = size(ProfileId::V6_1, 16 * MIB, 0x36ff_e000, true, true);
        assert_eq!(m.zones[0].end, Pfn::new(0xfe0));
        assert_eq!(m.zones[1].spanned(), 0);
        assert_eq!(m.zones[2].spanned(), 0);
    }
}
