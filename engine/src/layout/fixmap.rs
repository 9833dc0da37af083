//! `enum fixed_addresses`: the index of every fixmap slot, for one profile and configuration.
//!
//! Index 0 is the page at `FIXADDR_TOP` and every later index is one page lower
//! (`__fix_to_virt(i) = FIXADDR_TOP − i × PAGE_SIZE`), so the enum grows *down* in memory.
//! The permanent entries come first, then the boot-time (early_ioremap) slots, then a short
//! tail. Sources: `include/asm-i386/fixmap.h` (2.4, 2.6.11), `include/asm-x86/fixmap_32.h`
//! (2.6.24), `arch/x86/include/asm/fixmap.h` (2.6.32, 6.1).

use crate::profile::{BtmapAlign, FixCond, FixEntry, FixLen, KernelConfig, Profile};
use serde::Serialize;

/// One entry of the enum with its place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FixRange {
    /// The enum name without `FIX_` (for a range, the name of its first member).
    pub name: String,
    /// Its first index.
    pub first: u32,
    /// How many slots it spans.
    pub count: u32,
}

/// The enum, laid out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FixmapLayout {
    /// Every entry, in index order, boot slots included.
    pub entries: Vec<FixRange>,
    /// `__end_of_permanent_fixed_addresses`.
    pub end_of_permanent: u32,
    /// `FIX_BTMAP_END`: the first boot-time slot.
    pub btmap_end: u32,
    /// `FIX_BTMAP_BEGIN`: the last boot-time slot.
    pub btmap_begin: u32,
    /// `__end_of_fixed_addresses`.
    pub end: u32,
    /// Per-CPU kmap slots (`KM_TYPE_NR` or `KM_MAX_IDX`).
    pub km_slots_per_cpu: u32,
    /// The human sum behind `end_of_permanent`, e.g. `HOLE 1 + VDSO 1 + …`.
    pub permanent_sum: String,
}

impl FixmapLayout {
    /// Lays the enum out.
    pub fn build(
        profile: &Profile,
        config: KernelConfig,
        highmem: bool,
        nr_cpus: u32,
        pae: bool,
    ) -> FixmapLayout {
        let km_slots_per_cpu = if config.has(crate::profile::ConfigOpt::DebugHighmem)
            || config.has(crate::profile::ConfigOpt::DebugKmapLocal)
        {
            profile.km_slots_per_cpu_debug
        } else {
            profile.km_slots_per_cpu
        };
        let len_of = |e: &FixEntry| -> u32 {
            match e.len {
                FixLen::One => 1,
                FixLen::Pages(n) => n,
                FixLen::IoApics => profile.max_io_apics,
                FixLen::KmapSlots => km_slots_per_cpu * nr_cpus,
            }
        };
        let exists = |e: &FixEntry| match e.cond {
            FixCond::Always => true,
            FixCond::Opt(opt) => config.has(opt),
            FixCond::Highmem => highmem,
        };

        let mut entries = Vec::new();
        let mut next = 0u32;
        let mut sum = Vec::new();
        for e in profile.fixmap.iter().filter(|e| exists(e)) {
            let count = len_of(e);
            entries.push(FixRange {
                name: e.name.to_string(),
                first: next,
                count,
            });
            sum.push(match e.len {
                FixLen::KmapSlots => format!("{} {km_slots_per_cpu}×{nr_cpus}", e.name),
                _ => format!("{} {count}", e.name),
            });
            next += count;
        }
        let end_of_permanent = next;

        let boot = &profile.boot_fixmap;
        let btmap_end = match boot.align {
            BtmapAlign::None => end_of_permanent,
            BtmapAlign::Next256 => end_of_permanent + 256 - (end_of_permanent & 255),
            BtmapAlign::NoPageTableCrossing => {
                let ptrs_per_pte: u32 = if pae { 512 } else { 1024 };
                let last = end_of_permanent + boot.slots - 1;
                let crosses = (end_of_permanent ^ last) & ptrs_per_pte.wrapping_neg() != 0;
                if crosses {
                    end_of_permanent + boot.slots - (end_of_permanent & (boot.slots - 1))
                } else {
                    end_of_permanent
                }
            }
        };
        let btmap_begin = btmap_end + boot.slots - 1;
        entries.push(FixRange {
            name: "BTMAP_END".to_string(),
            first: btmap_end,
            count: boot.slots,
        });
        next = btmap_begin + 1;
        for e in boot.tail.iter().filter(|e| exists(e)) {
            let count = len_of(e);
            entries.push(FixRange {
                name: e.name.to_string(),
                first: next,
                count,
            });
            next += count;
        }
        FixmapLayout {
            entries,
            end_of_permanent,
            btmap_end,
            btmap_begin,
            end: next,
            km_slots_per_cpu,
            permanent_sum: sum.join(" + "),
        }
    }

    /// The entry holding an index, if any (indices between the permanent part and an aligned
    /// boot area belong to no entry).
    pub fn entry_at(&self, index: u32) -> Option<&FixRange> {
        self.entries
            .iter()
            .find(|e| (e.first..e.first + e.count).contains(&index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{ConfigOpt, ProfileId};

    fn build(id: ProfileId, nr_cpus: u32, pae: bool) -> FixmapLayout {
        let p = id.profile();
        FixmapLayout::build(p, p.default_config, true, nr_cpus, pae)
    }

    #[test]
    fn debian_6_1_pae_has_583_permanent_and_1537_slots() {
        let f = build(ProfileId::V6_1, 32, true);
        assert_eq!(f.end_of_permanent, 583);
        // 583 .. 583+511 straddles a 512-entry page table, so the boot slots move to 1024.
        assert_eq!(f.btmap_end, 1024);
        assert_eq!(f.btmap_begin, 1535);
        assert_eq!(f.end, 1537);
        let kmap = f.entries.iter().find(|e| e.name == "KMAP_BEGIN").unwrap();
        assert_eq!((kmap.first, kmap.count), (68, 512));
        assert_eq!(f.entry_at(600), None);
        assert_eq!(f.entry_at(1536).unwrap().name, "WP_TEST");
    }

    #[test]
    fn six_one_boot_slots_stay_put_when_they_fit_in_one_table() {
        // With 1 CPU the permanent part is 3+1+64+16+1+2 = 87; 87..598 crosses 512 (PAE)…
        let pae = build(ProfileId::V6_1, 1, true);
        assert_eq!(pae.end_of_permanent, 87);
        assert_eq!(pae.btmap_end, 512);
        // …but not 1024 (non-PAE page tables hold 1024 entries), so it starts right at 87.
        let non_pae = build(ProfileId::V6_1, 1, false);
        assert_eq!(non_pae.btmap_end, 87);
    }

    #[test]
    fn two_six_32_rounds_boot_slots_to_the_next_256() {
        let f = build(ProfileId::V2_6_32, 32, true);
        // 4 + APIC 1 + IO-APIC 64 + 19×32 + MCFG + PARAVIRT + 2 TEXT_POKE
        assert_eq!(f.end_of_permanent, 4 + 1 + 64 + 608 + 1 + 1 + 2);
        assert_eq!(f.btmap_end, 768);
        assert_eq!(f.end, 768 + 256 + 1);
        // Even an exact multiple of 256 moves up a whole 256: 4 + APIC + F00F + CYCLONE
        // + 19 × 13 + 2 = 256.
        let p = ProfileId::V2_6_32.profile();
        let cfg = KernelConfig::with(&[
            ConfigOpt::LocalApic,
            ConfigOpt::F00fBug,
            ConfigOpt::CycloneTimer,
        ]);
        let f = FixmapLayout::build(p, cfg, true, 13, true);
        assert_eq!(f.end_of_permanent, 256);
        assert_eq!(f.btmap_end, 512);
    }

    #[test]
    fn highmem_off_drops_kmap_slots_only_where_the_era_did() {
        for (id, keeps) in [
            (ProfileId::V2_4_22, false),
            (ProfileId::V2_6_11, false),
            (ProfileId::V2_6_24, false),
            (ProfileId::V2_6_32, true),
            (ProfileId::V6_1, true),
        ] {
            let p = id.profile();
            let f = FixmapLayout::build(p, p.default_config, false, p.default_nr_cpus, true);
            assert_eq!(
                f.entries.iter().any(|e| e.name == "KMAP_BEGIN"),
                keeps,
                "{id}"
            );
        }
    }

    #[test]
    fn two_four_has_no_hole_and_sixteen_boot_slots() {
        let f = build(ProfileId::V2_4_22, 32, true);
        assert_eq!(f.entries[0].name, "APIC_BASE");
        // APIC 1 + IO-APIC 8 + KMAP 8×32 + ACPI 4
        assert_eq!(f.end_of_permanent, 1 + 8 + 256 + 4);
        assert_eq!(f.end, f.end_of_permanent + 16);
    }

    #[test]
    fn debug_options_use_the_fenced_slot_counts() {
        let p = ProfileId::V2_6_24.profile();
        let cfg = p.default_config.set(ConfigOpt::DebugHighmem, true);
        let f = FixmapLayout::build(p, cfg, true, 2, true);
        assert_eq!(f.km_slots_per_cpu, 27);
        let p = ProfileId::V6_1.profile();
        let cfg = p.default_config.set(ConfigOpt::DebugKmapLocal, true);
        assert_eq!(
            FixmapLayout::build(p, cfg, true, 2, true).km_slots_per_cpu,
            33
        );
    }
}
