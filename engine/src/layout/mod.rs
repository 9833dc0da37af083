//! The kernel's virtual address map, computed from a profile, a BIOS map and the options
//! PAE, HIGHMEM, `NR_CPUS` and `vmalloc=`, by the rules of that kernel.
//!
//! The computation runs top-down, as the kernel's macros do: the fixmap's size fixes where
//! the pkmap window goes (2.6) or where the CPU entry area and LDT remap go (6.1); that fixes
//! `VMALLOC_END`; that fixes `MAXMEM` (2.6.32, 6.1); that fixes how much RAM is direct-mapped
//! (`max_low_pfn`, `high_memory`); and that fixes `VMALLOC_START`. Every step is recorded as a
//! [`Symbol`] with its rule and numbers.

pub mod derive;
pub mod fixmap;
pub mod memory;
pub mod print;

use crate::addr::{Pfn, GIB, MIB, PAGE_SIZE};
use crate::e820::E820Map;
use crate::profile::{
    KernelConfig, MaxmemRule, NoHighmemVmallocEnd, PkmapBaseRule, Profile, ProfileId, VmallocParam,
    VmallocStartRule,
};
use derive::{a, h, Deriver, Symbol, ValueKind};
use fixmap::FixmapLayout;
use memory::{Memory, Zone};
use serde::Serialize;
use std::fmt;

/// `PAGE_OFFSET` with the 3G/1G split every profile defaults to.
pub const PAGE_OFFSET: u64 = 0xc000_0000;
/// `VMALLOC_OFFSET`: the gap between the direct map and vmalloc, to catch overruns.
pub const VMALLOC_OFFSET: u64 = 8 * MIB;
/// The default `__VMALLOC_RESERVE`.
pub const VMALLOC_RESERVE: u64 = 128 * MIB;
const TOP: u64 = 4 * GIB;

/// What to compute a layout for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutRequest {
    /// The kernel.
    pub profile: ProfileId,
    /// The BIOS memory map.
    pub e820: E820Map,
    /// `CONFIG_X86_PAE` (HIGHMEM64G).
    pub pae: bool,
    /// `CONFIG_HIGHMEM`.
    pub highmem: bool,
    /// `NR_CPUS`; `None` for the profile's default.
    pub nr_cpus: Option<u32>,
    /// The `vmalloc=` boot option, if given.
    pub vmalloc: Option<u64>,
    /// Configuration options; `None` for the profile's default.
    pub config: Option<KernelConfig>,
}

impl LayoutRequest {
    /// The profile's defaults (PAE and HIGHMEM on) for a map.
    pub fn new(profile: ProfileId, e820: E820Map) -> LayoutRequest {
        LayoutRequest {
            profile,
            e820,
            pae: true,
            highmem: true,
            nr_cpus: None,
            vmalloc: None,
            config: None,
        }
    }
}

/// Why no layout could be computed. Each variant reads as a sentence for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// `NR_CPUS` outside what the kernel's configuration accepts.
    NrCpus {
        /// The kernel.
        profile: ProfileId,
        /// The value asked for.
        value: u32,
        /// What is allowed.
        allowed: String,
    },
    /// The kernel has no `vmalloc=` option.
    NoVmallocOption(ProfileId),
    /// PAE without HIGHMEM, which this era's Kconfig cannot build.
    PaeNeedsHighmem(ProfileId),
    /// The kernel would stop at boot; the message says where and why.
    WouldNotBoot(String),
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::NrCpus {
                profile,
                value,
                allowed,
            } => write!(
                f,
                "NR_CPUS={value} is not possible in {profile}: it must be {allowed}"
            ),
            LayoutError::NoVmallocOption(p) => {
                write!(f, "{p} has no vmalloc= boot option (it came with 2.6)")
            }
            LayoutError::PaeNeedsHighmem(p) => write!(
                f,
                "{p} can only build PAE as part of HIGHMEM64G: turn HIGHMEM on, or PAE off"
            ),
            LayoutError::WouldNotBoot(why) => write!(f, "this kernel would not boot: {why}"),
        }
    }
}

impl std::error::Error for LayoutError {}

/// What a region of the virtual address space is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    /// Process address space, below `PAGE_OFFSET`.
    User,
    /// The direct map of low memory.
    Lowmem,
    /// The `VMALLOC_OFFSET` gap after the direct map.
    VmallocGap,
    /// The vmalloc area.
    Vmalloc,
    /// The two unmapped pages after vmalloc.
    Guard,
    /// The persistent kmap window.
    Pkmap,
    /// The 6.1 LDT remap (one PMD).
    LdtRemap,
    /// The 6.1 CPU entry area.
    CpuEntryArea,
    /// The boot-time (early_ioremap) fixmap slots.
    FixmapBoot,
    /// The permanent fixmap slots.
    Fixmap,
    /// The page at and above `FIXADDR_TOP`.
    Top,
    /// Addresses nothing uses.
    Unused,
}

/// One region of the 4 GiB virtual address space, `[start, end)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Region {
    /// What it is.
    pub kind: RegionKind,
    /// A short label.
    pub label: String,
    /// First address.
    pub start: u64,
    /// One past the last address (up to 2^32).
    pub end: u64,
    /// The symbol that gives `start`, if one does.
    pub start_symbol: Option<&'static str>,
    /// The symbol that gives `end`, if one does.
    pub end_symbol: Option<&'static str>,
    /// A sentence on what the region is.
    pub note: String,
}

impl Region {
    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.end - self.start
    }
}

/// The options the layout was computed with, after defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// The kernel.
    pub profile: ProfileId,
    /// PAE.
    pub pae: bool,
    /// HIGHMEM.
    pub highmem: bool,
    /// `NR_CPUS`.
    pub nr_cpus: u32,
    /// `vmalloc=`, if given.
    pub vmalloc: Option<u64>,
    /// The configuration options set, by this era's Kconfig names.
    pub config: Vec<&'static str>,
}

/// A computed layout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// The options.
    pub resolved: Resolved,
    /// Every derived value, in the order computed.
    pub symbols: Vec<Symbol>,
    /// The virtual address space, lowest first, covering 0 to 4 GiB without gaps or overlaps.
    pub regions: Vec<Region>,
    /// `enum fixed_addresses`.
    pub fixmap: FixmapLayout,
    /// Memory sizing and zones.
    pub memory: Memory,
    /// `LAST_PKMAP`.
    pub last_pkmap: u32,
}

impl Layout {
    /// A derived value by name.
    pub fn symbol(&self, name: &str) -> Option<&Symbol> {
        self.symbols.iter().find(|s| s.name == name)
    }

    /// A derived value by name; the name must be one the computation always defines.
    fn value(&self, name: &str) -> u64 {
        self.symbol(name).map(|s| s.value).unwrap_or(0)
    }

    /// `PKMAP_BASE`, on a HIGHMEM kernel.
    pub fn pkmap_base(&self) -> Option<u64> {
        self.resolved.highmem.then(|| self.value("PKMAP_BASE"))
    }

    /// `VMALLOC_START`.
    pub fn vmalloc_start(&self) -> u64 {
        self.value("VMALLOC_START")
    }

    /// `VMALLOC_END`.
    pub fn vmalloc_end(&self) -> u64 {
        self.value("VMALLOC_END")
    }

    /// `high_memory`: the end of the direct map.
    pub fn high_memory(&self) -> u64 {
        self.value("high_memory")
    }

    /// `FIXADDR_START`: the start of the permanent fixmap.
    pub fn fixaddr_start(&self) -> u64 {
        self.value("FIXADDR_START")
    }

    /// `FIXADDR_TOP`.
    pub fn fixaddr_top(&self) -> u64 {
        self.value("FIXADDR_TOP")
    }

    /// The zones.
    pub fn zones(&self) -> &[Zone] {
        &self.memory.zones
    }

    /// The region holding an address.
    pub fn region_at(&self, addr: u64) -> Option<&Region> {
        self.regions
            .iter()
            .find(|r| (r.start..r.end).contains(&addr))
    }
}

/// Computes the layout.
pub fn compute(req: &LayoutRequest) -> Result<Layout, LayoutError> {
    let p: &'static Profile = req.profile.profile();
    let (pae, highmem) = (req.pae, req.highmem);
    if pae && !highmem && p.pae_requires_highmem {
        return Err(LayoutError::PaeNeedsHighmem(req.profile));
    }
    let nr_cpus = req.nr_cpus.unwrap_or(p.default_nr_cpus);
    if !p.nr_cpus_allowed.allows(nr_cpus) {
        return Err(LayoutError::NrCpus {
            profile: req.profile,
            value: nr_cpus,
            allowed: p.nr_cpus_allowed.describe(),
        });
    }
    if req.vmalloc.is_some() && p.vmalloc_param == VmallocParam::Absent {
        return Err(LayoutError::NoVmallocOption(req.profile));
    }
    let config = req.config.unwrap_or(p.default_config);
    let mut d = Deriver::new(p);
    let sources = Sources::of(p);

    // Paging constants.
    d.define(
        "PAGE_OFFSET",
        ValueKind::Addr,
        PAGE_OFFSET,
        "the 3G/1G split: below it each process's own addresses, above it the kernel's, the \
         same in every process",
        a(PAGE_OFFSET),
        &[],
        sources.page_offset,
    );
    let pmd_size = d.define(
        "PMD_SIZE",
        ValueKind::Bytes,
        if pae { 2 * MIB } else { 4 * MIB },
        "what one page-directory entry maps: 2 MiB with PAE, 4 MiB without",
        if pae {
            "PAE: 512 × 4 KiB"
        } else {
            "non-PAE: 1024 × 4 KiB"
        },
        &[],
        sources.pgtable,
    );
    let pmd_mask = !(pmd_size - 1);
    let last_pkmap = d.define(
        "LAST_PKMAP",
        ValueKind::Count,
        if pae { 512 } else { 1024 },
        "pkmap slots: one page table's worth of entries",
        if pae {
            "PAE page tables hold 512 entries"
        } else {
            "non-PAE page tables hold 1024 entries"
        },
        &[],
        sources.highmem_h,
    );
    d.define(
        "NR_CPUS",
        ValueKind::Count,
        nr_cpus.into(),
        "the most CPUs the kernel was configured for",
        format!("{nr_cpus} ({})", p.reference_kernel),
        &[],
        "arch/x86/Kconfig",
    );

    // The fixmap.
    let fix = FixmapLayout::build(p, config, highmem, nr_cpus, pae);
    let perm = d.define(
        "__end_of_permanent_fixed_addresses",
        ValueKind::Count,
        fix.end_of_permanent.into(),
        "the number of permanent entries of enum fixed_addresses",
        format!("{} = {}", fix.permanent_sum, fix.end_of_permanent),
        &["NR_CPUS"],
        sources.fixmap,
    );
    let btmap_rule = match p.boot_fixmap.align {
        crate::profile::BtmapAlign::None => {
            "the boot-time slots follow the permanent ones".to_string()
        }
        crate::profile::BtmapAlign::Next256 => {
            "rounded up to the next multiple of 256, so the boot slots share one page table"
                .to_string()
        }
        crate::profile::BtmapAlign::NoPageTableCrossing => format!(
            "moved to the next multiple of {} only if the boot slots would straddle two page tables",
            p.boot_fixmap.slots
        ),
    };
    d.define(
        "FIX_BTMAP_END",
        ValueKind::Count,
        fix.btmap_end.into(),
        btmap_rule,
        format!("from {} to {}", fix.end_of_permanent, fix.btmap_end),
        &["__end_of_permanent_fixed_addresses"],
        sources.fixmap,
    );
    let end = d.define(
        "__end_of_fixed_addresses",
        ValueKind::Count,
        fix.end.into(),
        format!(
            "FIX_BTMAP_END + {} boot-time slots + the entries after them",
            p.boot_fixmap.slots
        ),
        format!(
            "{} + {} + {} = {}",
            fix.btmap_end,
            p.boot_fixmap.slots,
            fix.end - fix.btmap_begin - 1,
            fix.end
        ),
        &["FIX_BTMAP_END"],
        sources.fixmap,
    );
    let fixaddr_top = d.define(
        "FIXADDR_TOP",
        ValueKind::Addr,
        p.fixaddr_top.into(),
        if p.fixaddr_top == 0xffff_f000 {
            "__FIXADDR_TOP: the last page of the address space; fixmap index 0 lives here"
        } else {
            "a constant, one page below the last; fixmap index 0 lives here"
        },
        a(p.fixaddr_top.into()),
        &[],
        sources.fixmap,
    );
    let fixaddr_start = d.define(
        "FIXADDR_START",
        ValueKind::Addr,
        fixaddr_top - perm * PAGE_SIZE,
        "FIXADDR_TOP − __end_of_permanent_fixed_addresses × PAGE_SIZE",
        format!(
            "{} − {perm} × 4 KiB = {}",
            a(fixaddr_top),
            a(fixaddr_top - perm * PAGE_SIZE)
        ),
        &["FIXADDR_TOP", "__end_of_permanent_fixed_addresses"],
        sources.fixmap,
    );
    let boot_name = sources.boot_start_name;
    let fixaddr_boot_start = d.define(
        boot_name,
        ValueKind::Addr,
        fixaddr_top - end * PAGE_SIZE,
        "FIXADDR_TOP − __end_of_fixed_addresses × PAGE_SIZE: the fixmap with its boot-time slots",
        format!(
            "{} − {end} × 4 KiB = {}",
            a(fixaddr_top),
            a(fixaddr_top - end * PAGE_SIZE)
        ),
        &["FIXADDR_TOP", "__end_of_fixed_addresses"],
        sources.fixmap,
    );

    // 6.1: the CPU entry area and the LDT remap hang below the fixmap.
    let mut cea = None;
    let mut ldt_base = None;
    if let Some(area) = p.cpu_entry_area {
        let per_cpu = area.size().div_ceil(PAGE_SIZE);
        let members: Vec<String> = area
            .members
            .iter()
            .map(|(n, b)| format!("{n} {}", b / PAGE_SIZE))
            .collect();
        let pages = d.define(
            "CPU_ENTRY_AREA_PAGES",
            ValueKind::Count,
            u64::from(nr_cpus) * per_cpu,
            "NR_CPUS × pages of struct cpu_entry_area",
            format!(
                "{nr_cpus} × {per_cpu} ({}) = {}",
                members.join(" + "),
                u64::from(nr_cpus) * per_cpu
            ),
            &["NR_CPUS"],
            "arch/x86/include/asm/cpu_entry_area.h",
        );
        let raw = fixaddr_boot_start - PAGE_SIZE * (pages + 1);
        let base = d.define(
            "CPU_ENTRY_AREA_BASE",
            ValueKind::Addr,
            raw & pmd_mask,
            "(FIXADDR_TOT_START − PAGE_SIZE × (CPU_ENTRY_AREA_PAGES + 1)) & PMD_MASK; the extra \
             page is the read-only IDT",
            format!(
                "({} − {} × 4 KiB) & PMD_MASK = {} & PMD_MASK = {}",
                a(fixaddr_boot_start),
                pages + 1,
                a(raw),
                a(raw & pmd_mask)
            ),
            &["FIXADDR_TOT_START", "CPU_ENTRY_AREA_PAGES", "PMD_SIZE"],
            sources.areas,
        );
        cea = Some((base, base + PAGE_SIZE + u64::from(nr_cpus) * area.size()));
        let ldt = d.define(
            "LDT_BASE_ADDR",
            ValueKind::Addr,
            (base - PAGE_SIZE) & pmd_mask,
            "(CPU_ENTRY_AREA_BASE − PAGE_SIZE) & PMD_MASK: one PMD below the CPU entry area",
            format!(
                "({} − 0x1000) & PMD_MASK = {}",
                a(base),
                a((base - PAGE_SIZE) & pmd_mask)
            ),
            &["CPU_ENTRY_AREA_BASE", "PMD_SIZE"],
            sources.areas,
        );
        ldt_base = Some(ldt);
    }

    // PKMAP_BASE.
    let pkmap_base = match p.pkmap_base {
        PkmapBaseRule::Fixed(base) => d.define(
            "PKMAP_BASE",
            ValueKind::Addr,
            base.into(),
            "a constant",
            a(base.into()),
            &[],
            sources.highmem_h,
        ),
        PkmapBaseRule::BelowBootFixmap => {
            let raw = fixaddr_boot_start - PAGE_SIZE * (last_pkmap + 1);
            d.define(
                "PKMAP_BASE",
                ValueKind::Addr,
                raw & pmd_mask,
                "(FIXADDR_BOOT_START − PAGE_SIZE × (LAST_PKMAP + 1)) & PMD_MASK",
                format!(
                    "({} − {} × 4 KiB) & PMD_MASK = {} & PMD_MASK = {}",
                    a(fixaddr_boot_start),
                    last_pkmap + 1,
                    a(raw),
                    a(raw & pmd_mask)
                ),
                &["FIXADDR_BOOT_START", "LAST_PKMAP", "PMD_SIZE"],
                sources.highmem_h,
            )
        }
        PkmapBaseRule::BelowLdtRemap => {
            let ldt = ldt_base.unwrap_or(fixaddr_boot_start);
            d.define(
                "PKMAP_BASE",
                ValueKind::Addr,
                (ldt - PAGE_SIZE) & pmd_mask,
                "(LDT_BASE_ADDR − PAGE_SIZE) & PMD_MASK: one PMD below the LDT remap",
                format!(
                    "({} − 0x1000) & PMD_MASK = {}",
                    a(ldt),
                    a((ldt - PAGE_SIZE) & pmd_mask)
                ),
                &["LDT_BASE_ADDR", "PMD_SIZE"],
                sources.areas,
            )
        }
    };

    // VMALLOC_END.
    let vmalloc_end = if highmem {
        d.define(
            "VMALLOC_END",
            ValueKind::Addr,
            pkmap_base - 2 * PAGE_SIZE,
            "PKMAP_BASE − 2 × PAGE_SIZE",
            format!(
                "{} − 0x2000 = {}",
                a(pkmap_base),
                a(pkmap_base - 2 * PAGE_SIZE)
            ),
            &["PKMAP_BASE"],
            sources.pgtable,
        )
    } else {
        match (p.vmalloc_end_no_highmem, ldt_base) {
            (NoHighmemVmallocEnd::BelowLdtRemap, Some(ldt)) => d.define(
                "VMALLOC_END",
                ValueKind::Addr,
                ldt - 2 * PAGE_SIZE,
                "LDT_BASE_ADDR − 2 × PAGE_SIZE (no HIGHMEM, so no pkmap window)",
                format!("{} − 0x2000 = {}", a(ldt), a(ldt - 2 * PAGE_SIZE)),
                &["LDT_BASE_ADDR"],
                sources.areas,
            ),
            _ => d.define(
                "VMALLOC_END",
                ValueKind::Addr,
                fixaddr_start - 2 * PAGE_SIZE,
                "FIXADDR_START − 2 × PAGE_SIZE (no HIGHMEM, so no pkmap window)",
                format!(
                    "{} − 0x2000 = {}",
                    a(fixaddr_start),
                    a(fixaddr_start - 2 * PAGE_SIZE)
                ),
                &["FIXADDR_START"],
                sources.pgtable,
            ),
        }
    };

    // __VMALLOC_RESERVE and MAXMEM.
    let reserve = match (req.vmalloc, p.vmalloc_param) {
        (Some(size), VmallocParam::SetsReservePlusOffset) => d.define(
            "__VMALLOC_RESERVE",
            ValueKind::Bytes,
            size.saturating_add(VMALLOC_OFFSET),
            "vmalloc=SIZE + VMALLOC_OFFSET",
            format!("{} + 8 MiB", derive::fmt_value(ValueKind::Bytes, size)),
            &[],
            sources.vmalloc_param,
        ),
        (Some(size), _) => d.define(
            "__VMALLOC_RESERVE",
            ValueKind::Bytes,
            size,
            "vmalloc=SIZE",
            derive::fmt_value(ValueKind::Bytes, size),
            &[],
            sources.vmalloc_param,
        ),
        (None, _) => d.define(
            "__VMALLOC_RESERVE",
            ValueKind::Bytes,
            VMALLOC_RESERVE,
            "128 MiB by default",
            "128 MiB",
            &[],
            sources.vmalloc_param,
        ),
    };
    let maxmem_raw = match p.maxmem {
        MaxmemRule::FromTopOfMemory => (TOP - PAGE_OFFSET).checked_sub(reserve),
        MaxmemRule::FromVmallocEnd => vmalloc_end
            .checked_sub(PAGE_OFFSET)
            .and_then(|v| v.checked_sub(reserve)),
    };
    let maxmem = match maxmem_raw {
        Some(m) if m >= 16 * MIB => m,
        _ => {
            return Err(LayoutError::WouldNotBoot(format!(
                "a vmalloc reserve of {} leaves less than the 16 MiB DMA zone for the direct map",
                crate::size::format_size(reserve)
            )))
        }
    };
    match p.maxmem {
        MaxmemRule::FromTopOfMemory => d.define(
            "MAXMEM",
            ValueKind::Bytes,
            maxmem,
            "−PAGE_OFFSET − __VMALLOC_RESERVE: the 1 GiB above PAGE_OFFSET less the vmalloc \
             reserve",
            format!(
                "4 GiB − {} − {} = {}",
                a(PAGE_OFFSET),
                derive::fmt_value(ValueKind::Bytes, reserve),
                derive::fmt_value(ValueKind::Bytes, maxmem)
            ),
            &["__VMALLOC_RESERVE"],
            sources.maxmem,
        ),
        MaxmemRule::FromVmallocEnd => d.define(
            "MAXMEM",
            ValueKind::Bytes,
            maxmem,
            "VMALLOC_END − PAGE_OFFSET − __VMALLOC_RESERVE",
            format!(
                "{} − {} − {} = {}",
                a(vmalloc_end),
                a(PAGE_OFFSET),
                h(reserve),
                h(maxmem)
            ),
            &["VMALLOC_END", "__VMALLOC_RESERVE"],
            sources.maxmem,
        ),
    };

    // Memory sizing.
    let mem = memory::size_memory(p, &req.e820, maxmem, pae, highmem);
    d.define(
        "max_pfn",
        ValueKind::Pfn,
        mem.max_pfn.as_u64(),
        match p.max_pfn {
            crate::profile::MaxPfnRule::Uncapped => {
                "the end of the highest usable e820 range, in frames (find_max_pfn)"
            }
            crate::profile::MaxPfnRule::CappedAtMaxArchPfn => {
                "the end of the highest usable e820 range, in frames, capped at MAX_ARCH_PFN \
                 (64 GiB with PAE, 4 GiB without)"
            }
        },
        if mem.max_pfn == mem.e820_max_pfn {
            format!(
                "{} ({} MiB)",
                h(mem.max_pfn.as_u64()),
                mem.max_pfn.as_u64() >> 8
            )
        } else {
            format!(
                "the map reaches {}, the kernel keeps {}",
                h(mem.e820_max_pfn.as_u64()),
                h(mem.max_pfn.as_u64())
            )
        },
        &[],
        sources.max_pfn,
    );
    d.define(
        "MAXMEM_PFN",
        ValueKind::Pfn,
        mem.maxmem_pfn.as_u64(),
        "MAXMEM >> PAGE_SHIFT",
        format!("{} >> 12 = {}", h(maxmem), h(mem.maxmem_pfn.as_u64())),
        &["MAXMEM"],
        sources.max_pfn,
    );
    let max_low_pfn = d.define(
        "max_low_pfn",
        ValueKind::Pfn,
        mem.max_low_pfn.as_u64(),
        "min(max_pfn, MAXMEM_PFN): RAM up to here is mapped directly",
        format!(
            "min({}, {}) = {}",
            h(mem.found_max_pfn.as_u64()),
            h(mem.maxmem_pfn.as_u64()),
            h(mem.max_low_pfn.as_u64())
        ),
        &["max_pfn", "MAXMEM_PFN"],
        sources.max_pfn,
    );
    if highmem {
        d.define(
            "highstart_pfn",
            ValueKind::Pfn,
            mem.highstart_pfn.as_u64(),
            "the first highmem frame: max_low_pfn when there is RAM above it",
            h(mem.highstart_pfn.as_u64()),
            &["max_low_pfn"],
            sources.max_pfn,
        );
        d.define(
            "highend_pfn",
            ValueKind::Pfn,
            mem.highend_pfn.as_u64(),
            "one past the last highmem frame: max_pfn",
            format!(
                "{}; {} − {} = {} frames = {} MB HIGHMEM",
                h(mem.highend_pfn.as_u64()),
                h(mem.highend_pfn.as_u64()),
                h(mem.highstart_pfn.as_u64()),
                mem.highend_pfn.as_u64() - mem.highstart_pfn.as_u64(),
                Pfn::pages_to_mb(mem.highend_pfn.as_u64() - mem.highstart_pfn.as_u64())
            ),
            &["max_pfn", "highstart_pfn"],
            sources.max_pfn,
        );
    }
    let high_memory = d.define(
        "high_memory",
        ValueKind::Addr,
        PAGE_OFFSET + max_low_pfn * PAGE_SIZE,
        "__va(max_low_pfn × PAGE_SIZE): the end of the direct map",
        format!(
            "{} + {} × 4 KiB = {}",
            a(PAGE_OFFSET),
            h(max_low_pfn),
            a(PAGE_OFFSET + max_low_pfn * PAGE_SIZE)
        ),
        &["max_low_pfn"],
        sources.init,
    );
    let vmalloc_start =
        match p.vmalloc_start {
            VmallocStartRule::RoundedUp => {
                let v = (high_memory + 2 * VMALLOC_OFFSET - 1) & !(VMALLOC_OFFSET - 1);
                d.define(
                "VMALLOC_START",
                ValueKind::Addr,
                v,
                "(high_memory + 2 × VMALLOC_OFFSET − 1) & ~(VMALLOC_OFFSET − 1): the next 8 MiB \
                 boundary at least 8 MiB above the direct map",
                format!("({} + 16 MiB − 1) & ~(8 MiB − 1) = {}", a(high_memory), a(v)),
                &["high_memory"],
                sources.pgtable,
            )
            }
            VmallocStartRule::PlusOffset => d.define(
                "VMALLOC_START",
                ValueKind::Addr,
                high_memory + VMALLOC_OFFSET,
                "high_memory + VMALLOC_OFFSET",
                format!(
                    "{} + 8 MiB = {}",
                    a(high_memory),
                    a(high_memory + VMALLOC_OFFSET)
                ),
                &["high_memory"],
                sources.pgtable,
            ),
        };
    d.define(
        "VmallocTotal",
        ValueKind::Bytes,
        vmalloc_end.saturating_sub(vmalloc_start),
        "VMALLOC_END − VMALLOC_START, as /proc/meminfo reports it",
        format!(
            "{} − {} = {} kB",
            a(vmalloc_end),
            a(vmalloc_start),
            vmalloc_end.saturating_sub(vmalloc_start) >> 10
        ),
        &["VMALLOC_END", "VMALLOC_START"],
        "fs/proc/meminfo.c",
    );

    // The kernel's own sanity checks at the end of mem_init().
    if vmalloc_start >= vmalloc_end {
        return Err(LayoutError::WouldNotBoot(format!(
            "VMALLOC_START {} is not below VMALLOC_END {} (a BUG_ON in mem_init)",
            a(vmalloc_start),
            a(vmalloc_end)
        )));
    }
    if highmem && pkmap_base + last_pkmap * PAGE_SIZE > fixaddr_start {
        return Err(LayoutError::WouldNotBoot(
            "fixmap and kmap areas overlap - this will crash".to_string(),
        ));
    }

    let regions = regions(RegionInputs {
        highmem,
        high_memory,
        vmalloc_start,
        vmalloc_end,
        pkmap_base,
        last_pkmap,
        ldt_base,
        pmd_size,
        cea,
        fixaddr_boot_start,
        fixaddr_start,
        fixaddr_top,
        boot_name,
        boot_slots: p.boot_fixmap.slots,
    });

    let config_names = crate::profile::ConfigOpt::ALL
        .into_iter()
        .filter(|o| config.has(*o))
        .filter_map(|o| p.config_name(o))
        .collect();
    Ok(Layout {
        resolved: Resolved {
            profile: req.profile,
            pae,
            highmem,
            nr_cpus,
            vmalloc: req.vmalloc,
            config: config_names,
        },
        symbols: d.finish(),
        regions,
        fixmap: fix,
        memory: mem,
        last_pkmap: last_pkmap as u32,
    })
}

/// Where each rule lives in a profile's tree.
struct Sources {
    page_offset: &'static str,
    pgtable: &'static str,
    highmem_h: &'static str,
    fixmap: &'static str,
    areas: &'static str,
    maxmem: &'static str,
    max_pfn: &'static str,
    init: &'static str,
    vmalloc_param: &'static str,
    boot_start_name: &'static str,
}

impl Sources {
    fn of(p: &Profile) -> Sources {
        use ProfileId::*;
        match p.id {
            V2_4_22 => Sources {
                page_offset: "include/asm-i386/page.h",
                pgtable: "include/asm-i386/pgtable.h",
                highmem_h: "include/asm-i386/highmem.h",
                fixmap: "include/asm-i386/fixmap.h",
                areas: "include/asm-i386/fixmap.h",
                maxmem: "include/asm-i386/page.h",
                max_pfn: "arch/i386/kernel/setup.c",
                init: "arch/i386/mm/init.c",
                vmalloc_param: "include/asm-i386/page.h",
                boot_start_name: "FIXADDR_BOOT_START",
            },
            V2_6_11 => Sources {
                page_offset: "include/asm-i386/page.h",
                pgtable: "include/asm-i386/pgtable.h",
                highmem_h: "include/asm-i386/highmem.h",
                fixmap: "include/asm-i386/fixmap.h",
                areas: "include/asm-i386/fixmap.h",
                maxmem: "include/asm-i386/page.h",
                max_pfn: "arch/i386/kernel/setup.c",
                init: "arch/i386/mm/init.c",
                vmalloc_param: "arch/i386/kernel/setup.c",
                boot_start_name: "FIXADDR_BOOT_START",
            },
            V2_6_24 => Sources {
                page_offset: "include/asm-x86/page_32.h",
                pgtable: "include/asm-x86/pgtable_32.h",
                highmem_h: "include/asm-x86/highmem.h",
                fixmap: "include/asm-x86/fixmap_32.h",
                areas: "include/asm-x86/fixmap_32.h",
                maxmem: "include/asm-x86/page_32.h",
                max_pfn: "arch/x86/kernel/setup_32.c",
                init: "arch/x86/mm/init_32.c",
                vmalloc_param: "arch/x86/kernel/setup_32.c",
                boot_start_name: "FIXADDR_BOOT_START",
            },
            V2_6_32 => Sources {
                page_offset: "arch/x86/include/asm/page_32_types.h",
                pgtable: "arch/x86/include/asm/pgtable_32_types.h",
                highmem_h: "arch/x86/include/asm/pgtable_32_types.h",
                fixmap: "arch/x86/include/asm/fixmap.h",
                areas: "arch/x86/include/asm/fixmap.h",
                maxmem: "arch/x86/include/asm/pgtable_32_types.h",
                max_pfn: "arch/x86/mm/init_32.c",
                init: "arch/x86/mm/init_32.c",
                vmalloc_param: "arch/x86/mm/pgtable_32.c",
                boot_start_name: "FIXADDR_BOOT_START",
            },
            V6_1 => Sources {
                page_offset: "arch/x86/include/asm/page_32_types.h",
                pgtable: "arch/x86/include/asm/pgtable_32_areas.h",
                highmem_h: "arch/x86/include/asm/highmem.h",
                fixmap: "arch/x86/include/asm/fixmap.h",
                areas: "arch/x86/include/asm/pgtable_32_areas.h",
                maxmem: "arch/x86/include/asm/pgtable_32_areas.h",
                max_pfn: "arch/x86/mm/init_32.c",
                init: "arch/x86/mm/init_32.c",
                vmalloc_param: "arch/x86/mm/pgtable_32.c",
                boot_start_name: "FIXADDR_TOT_START",
            },
        }
    }
}

struct RegionInputs {
    highmem: bool,
    high_memory: u64,
    vmalloc_start: u64,
    vmalloc_end: u64,
    pkmap_base: u64,
    last_pkmap: u64,
    ldt_base: Option<u64>,
    pmd_size: u64,
    cea: Option<(u64, u64)>,
    fixaddr_boot_start: u64,
    fixaddr_start: u64,
    fixaddr_top: u64,
    boot_name: &'static str,
    boot_slots: u32,
}

/// Lays the regions out, lowest first, filling gaps with unused space.
fn regions(i: RegionInputs) -> Vec<Region> {
    let r = |kind, label: &str, start, end, ss, es, note: String| Region {
        kind,
        label: label.to_string(),
        start,
        end,
        start_symbol: ss,
        end_symbol: es,
        note,
    };
    let mut list = vec![
        r(
            RegionKind::User,
            "user space",
            0,
            PAGE_OFFSET,
            None,
            Some("PAGE_OFFSET"),
            "each process's own 3 GiB; the kernel part above is shared by all".into(),
        ),
        r(
            RegionKind::Lowmem,
            "lowmem (direct map)",
            PAGE_OFFSET,
            i.high_memory,
            Some("PAGE_OFFSET"),
            Some("high_memory"),
            "physical RAM from 0 mapped at PAGE_OFFSET + physical address: __va() and __pa() \
             are additions"
                .into(),
        ),
        r(
            RegionKind::VmallocGap,
            "VMALLOC_OFFSET gap",
            i.high_memory,
            i.vmalloc_start,
            Some("high_memory"),
            Some("VMALLOC_START"),
            "left unmapped so that running off the end of the direct map faults".into(),
        ),
        r(
            RegionKind::Vmalloc,
            "vmalloc",
            i.vmalloc_start,
            i.vmalloc_end,
            Some("VMALLOC_START"),
            Some("VMALLOC_END"),
            "virtually contiguous areas built from scattered frames (vmalloc, vmap, ioremap)"
                .into(),
        ),
    ];
    let mut guard_end = i.fixaddr_start;
    if i.highmem {
        guard_end = i.pkmap_base;
        list.push(r(
            RegionKind::Pkmap,
            "pkmap (kmap)",
            i.pkmap_base,
            i.pkmap_base + i.last_pkmap * PAGE_SIZE,
            Some("PKMAP_BASE"),
            Some("LAST_PKMAP"),
            format!(
                "{} persistent kmap slots: one page table whose entries kmap() fills",
                i.last_pkmap
            ),
        ));
    }
    if let Some(ldt) = i.ldt_base {
        guard_end = if i.highmem { guard_end } else { ldt };
        list.push(r(
            RegionKind::LdtRemap,
            "LDT remap",
            ldt,
            ldt + i.pmd_size,
            Some("LDT_BASE_ADDR"),
            Some("CPU_ENTRY_AREA_BASE"),
            "one PMD where each process's LDT is mapped for page-table isolation".into(),
        ));
    }
    if let Some((base, end)) = i.cea {
        list.push(r(
            RegionKind::CpuEntryArea,
            "CPU entry area",
            base,
            end,
            Some("CPU_ENTRY_AREA_BASE"),
            Some("CPU_ENTRY_AREA_PAGES"),
            "per-CPU GDT, entry stack, TSS and debug-store pages, mapped at fixed addresses".into(),
        ));
    }
    list.push(r(
        RegionKind::Guard,
        "guard",
        i.vmalloc_end,
        guard_end.min(i.vmalloc_end + 2 * PAGE_SIZE),
        Some("VMALLOC_END"),
        None,
        "two unmapped pages after the vmalloc area".into(),
    ));
    // The boot-time slots lie inside the vmalloc area on 2.x kernels without HIGHMEM: they
    // are only used before vmalloc is, so the kernel lets the two overlap.
    if i.fixaddr_boot_start >= i.vmalloc_end {
        list.push(r(
            RegionKind::FixmapBoot,
            "fixmap (boot-time)",
            i.fixaddr_boot_start,
            i.fixaddr_start,
            Some(i.boot_name),
            Some("FIXADDR_START"),
            format!(
                "{} early_ioremap slots (and the unused slots aligning them), used only while \
                 booting",
                i.boot_slots
            ),
        ));
    }
    list.push(r(
        RegionKind::Fixmap,
        "fixmap",
        i.fixaddr_start,
        i.fixaddr_top,
        Some("FIXADDR_START"),
        Some("FIXADDR_TOP"),
        "compile-time addresses: APIC registers, kmap_atomic slots…; index i sits at \
         FIXADDR_TOP − i pages"
            .into(),
    ));
    list.push(r(
        RegionKind::Top,
        "top",
        i.fixaddr_top,
        TOP,
        Some("FIXADDR_TOP"),
        None,
        if i.fixaddr_top == TOP - PAGE_SIZE {
            "fixmap index 0, FIX_HOLE: deliberately left unmapped".into()
        } else {
            "fixmap index 0 at FIXADDR_TOP, then one unused page".into()
        },
    ));
    list.retain(|r| r.end > r.start);
    list.sort_by_key(|r| r.start);
    let mut out: Vec<Region> = Vec::new();
    let mut at = 0;
    for reg in list {
        if reg.start > at {
            out.push(Region {
                kind: RegionKind::Unused,
                label: "unused".into(),
                start: at,
                end: reg.start,
                start_symbol: None,
                end_symbol: None,
                note: "no mapping; left free by the alignment of the region above".into(),
            });
        }
        at = reg.end;
        out.push(reg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::GIB;

    fn layout(id: ProfileId, ram: u64) -> Layout {
        compute(&LayoutRequest::new(id, E820Map::qemu_pc(ram).unwrap())).unwrap()
    }

    fn sym(l: &Layout, name: &str) -> u64 {
        l.symbol(name).unwrap_or_else(|| panic!("{name}")).value
    }

    #[test]
    fn debian_6_1_pae_2g_matches_the_reference_boot() {
        let l = layout(ProfileId::V6_1, 2 * GIB);
        assert_eq!(sym(&l, "FIXADDR_TOT_START"), 0xff9f_e000);
        assert_eq!(sym(&l, "CPU_ENTRY_AREA_BASE"), 0xff40_0000);
        assert_eq!(sym(&l, "LDT_BASE_ADDR"), 0xff20_0000);
        assert_eq!(sym(&l, "PKMAP_BASE"), 0xff00_0000);
        assert_eq!(l.vmalloc_end(), 0xfeff_e000);
        assert_eq!(sym(&l, "MAXMEM"), 0x36ff_e000);
        assert_eq!(l.high_memory(), 0xf6ff_e000);
        // The first area of the boot's /proc/vmallocinfo starts here.
        assert_eq!(l.vmalloc_start(), 0xf77f_e000);
        assert_eq!(sym(&l, "VmallocTotal") >> 10, 122_880);
    }

    #[test]
    fn two_six_32_pae_2g_matches_the_published_dmesg() {
        let l = layout(ProfileId::V2_6_32, 2 * GIB);
        assert_eq!(l.pkmap_base(), Some(0xff80_0000));
        assert_eq!(l.vmalloc_start(), 0xf7ff_e000);
        assert_eq!(l.vmalloc_end(), 0xff7f_e000);
        assert_eq!(l.high_memory(), 0xf77f_e000);
    }

    #[test]
    fn the_published_2_6_32_layout_holds_for_any_fixmap_of_512_to_1023_slots() {
        for nr_cpus in [24, 32, 48] {
            let req = LayoutRequest {
                nr_cpus: Some(nr_cpus),
                ..LayoutRequest::new(ProfileId::V2_6_32, E820Map::qemu_pc(2 * GIB).unwrap())
            };
            let l = compute(&req).unwrap();
            let perm = l.fixmap.end_of_permanent;
            assert!((512..=1023).contains(&perm), "{perm}");
            assert_eq!(l.pkmap_base(), Some(0xff80_0000), "NR_CPUS={nr_cpus}");
        }
    }

    #[test]
    fn worked_examples_of_the_other_eras() {
        // 2.4.22: constant PKMAP_BASE, 896 MiB lowmem, VMALLOC_START rounded to 8 MiB.
        let l = layout(ProfileId::V2_4_22, 2 * GIB);
        assert_eq!(l.pkmap_base(), Some(0xfe00_0000));
        assert_eq!(l.high_memory(), 0xf800_0000);
        assert_eq!(l.vmalloc_start(), 0xf880_0000);
        assert_eq!(l.vmalloc_end(), 0xfdff_e000);
        // 2.6.24 with NR_CPUS 8: PKMAP_BASE 0xffc00000.
        let l = layout(ProfileId::V2_6_24, 2 * GIB);
        assert_eq!(l.fixmap.end_of_permanent, 179);
        assert_eq!(l.fixaddr_start(), 0xfff4_c000);
        assert_eq!(sym(&l, "FIXADDR_BOOT_START"), 0xfff3_b000);
        assert_eq!(l.pkmap_base(), Some(0xffc0_0000));
        assert_eq!(l.vmalloc_start(), 0xf880_0000);
        // 2.6.11 with NR_CPUS 8.
        let l = layout(ProfileId::V2_6_11, 2 * GIB);
        assert_eq!(l.fixmap.end_of_permanent, 120);
        assert_eq!(l.pkmap_base(), Some(0xffc0_0000));
    }

    #[test]
    fn non_pae_and_no_highmem_variants() {
        let base = || LayoutRequest::new(ProfileId::V6_1, E820Map::qemu_pc(2 * GIB).unwrap());
        // Debian's 686 flavour: 4 MiB PMDs push everything down.
        let l = compute(&LayoutRequest {
            pae: false,
            ..base()
        })
        .unwrap();
        assert_eq!(l.pkmap_base(), Some(0xfec0_0000));
        assert_eq!(l.memory.max_low_pfn.as_u64() >> 8, 875);
        assert_eq!(l.last_pkmap, 1024);
        // 6.1 without HIGHMEM: vmalloc ends below the LDT remap.
        let l = compute(&LayoutRequest {
            highmem: false,
            ..base()
        })
        .unwrap();
        assert_eq!(l.vmalloc_end(), 0xff1f_e000);
        assert_eq!(l.pkmap_base(), None);
        assert_eq!(l.memory.lines[0], "Warning only 881MB will be used.");
        // 2.6.32 without HIGHMEM: vmalloc ends below the permanent fixmap.
        let l = compute(&LayoutRequest {
            highmem: false,
            ..LayoutRequest::new(ProfileId::V2_6_32, E820Map::qemu_pc(2 * GIB).unwrap())
        })
        .unwrap();
        assert_eq!(l.vmalloc_end(), l.fixaddr_start() - 0x2000);
    }

    #[test]
    fn vmalloc_option_by_era() {
        let req = |id, size| LayoutRequest {
            vmalloc: Some(size),
            ..LayoutRequest::new(id, E820Map::qemu_pc(2 * GIB).unwrap())
        };
        // 6.1 and 2.6.32: VmallocTotal becomes exactly the size asked for.
        let l = compute(&req(ProfileId::V6_1, 256 * MIB)).unwrap();
        assert_eq!(sym(&l, "VmallocTotal"), 256 * MIB);
        // 2.6.24: the reserve is the size, and lowmem shrinks by as much.
        let l = compute(&req(ProfileId::V2_6_24, 256 * MIB)).unwrap();
        assert_eq!(sym(&l, "MAXMEM"), 768 * MIB);
        assert_eq!(
            compute(&req(ProfileId::V2_4_22, 256 * MIB)),
            Err(LayoutError::NoVmallocOption(ProfileId::V2_4_22))
        );
        assert!(matches!(
            compute(&req(ProfileId::V6_1, 2 * GIB)),
            Err(LayoutError::WouldNotBoot(_))
        ));
    }

    #[test]
    fn option_errors_read_as_sentences() {
        let bad = LayoutRequest {
            nr_cpus: Some(8),
            ..LayoutRequest::new(ProfileId::V2_4_22, E820Map::qemu_pc(GIB).unwrap())
        };
        let err = compute(&bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "NR_CPUS=8 is not possible in 2.4.22: it must be one of 1, 32"
        );
        let bad = LayoutRequest {
            highmem: false,
            ..LayoutRequest::new(ProfileId::V2_6_24, E820Map::qemu_pc(GIB).unwrap())
        };
        assert_eq!(
            compute(&bad),
            Err(LayoutError::PaeNeedsHighmem(ProfileId::V2_6_24))
        );
    }

    #[test]
    fn regions_tile_the_address_space() {
        for id in ProfileId::ALL {
            for ram in [16 * MIB, 512 * MIB, 2 * GIB, 8 * GIB] {
                for (pae, highmem) in [(true, true), (false, true), (false, false)] {
                    let req = LayoutRequest {
                        pae,
                        highmem,
                        ..LayoutRequest::new(id, E820Map::qemu_pc(ram).unwrap())
                    };
                    let l = compute(&req).unwrap();
                    let mut at = 0;
                    for r in &l.regions {
                        assert_eq!(r.start, at, "{id} {ram} {pae} {highmem}: {:?}", l.regions);
                        assert!(r.end > r.start);
                        at = r.end;
                    }
                    assert_eq!(at, 1 << 32);
                }
            }
        }
    }
}
