//! The five kernel profiles as data: constants, enum layouts and which variant of each rule
//! applies. Code elsewhere asks a profile field, never `if version == …`.
//!
//! Every value here was checked in that kernel's own tree; where a value depends on the
//! kernel's configuration, it is a [`ConfigOpt`] with a documented default for that profile
//! (the distribution kernel a reader of that era most likely ran).

use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the modelled kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ProfileId {
    /// Linux 2.4.22, the kernel of Gorman's *Understanding the Linux Virtual Memory Manager*.
    #[serde(rename = "2.4.22")]
    V2_4_22,
    /// Linux 2.6.11, the kernel of Bovet & Cesati's *Understanding the Linux Kernel*, 3rd ed.
    #[serde(rename = "2.6.11")]
    V2_6_11,
    /// Linux 2.6.24, the kernel of Mauerer's *Professional Linux Kernel Architecture*.
    #[serde(rename = "2.6.24")]
    V2_6_24,
    /// Linux 2.6.32, the long-term 2.6 that RHEL 6, Ubuntu 10.04 and Debian 6 shipped.
    #[serde(rename = "2.6.32")]
    V2_6_32,
    /// Linux 6.1, Debian 12's kernel.
    #[serde(rename = "6.1")]
    V6_1,
}

impl ProfileId {
    /// Every profile, oldest first.
    pub const ALL: [ProfileId; 5] = [
        ProfileId::V2_4_22,
        ProfileId::V2_6_11,
        ProfileId::V2_6_24,
        ProfileId::V2_6_32,
        ProfileId::V6_1,
    ];

    /// The version string, as used on the command line and in URLs.
    pub fn name(self) -> &'static str {
        self.profile().name
    }

    /// Looks a profile up by its version string.
    pub fn parse(text: &str) -> Option<ProfileId> {
        ProfileId::ALL.into_iter().find(|p| p.name() == text.trim())
    }

    /// The profile's data.
    pub fn profile(self) -> &'static Profile {
        match self {
            ProfileId::V2_4_22 => &V2_4_22,
            ProfileId::V2_6_11 => &V2_6_11,
            ProfileId::V2_6_24 => &V2_6_24,
            ProfileId::V2_6_32 => &V2_6_32,
            ProfileId::V6_1 => &V6_1,
        }
    }
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A configuration option that changes the layout. The kernel's Kconfig name of each is given
/// per profile by [`Profile::config_name`], since some were renamed between eras.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ConfigOpt {
    /// A local APIC: one fixmap slot, `FIX_APIC_BASE`.
    LocalApic,
    /// I/O APICs: `MAX_IO_APICS` fixmap slots.
    IoApic,
    /// SGI Visual Workstation APICs: four slots.
    VisWsApic,
    /// The Pentium F00F workaround: the IDT's read-only alias slot. 2.4 spells it as the
    /// absence of `X86_F00F_WORKS_OK`.
    F00fBug,
    /// The IBM Summit "cyclone" timer slot.
    CycloneTimer,
    /// ACPI's early table-mapping slots (`FIX_ACPI_BEGIN..END`, 4 pages), 2.4.22–2.6.24.
    Acpi,
    /// PCI Express memory-mapped configuration: `FIX_PCIE_MCFG`.
    PciMmconfig,
    /// Paravirtualisation's boot-map slot (`PARAVIRT` in 2.6, `PARAVIRT_XXL` in 6.1).
    Paravirt,
    /// Early FireWire DMA for remote debugging: `FIX_OHCI1394_BASE`.
    Ohci1394DmaInit,
    /// Intel TXT's `FIX_TBOOT_BASE`.
    IntelTxt,
    /// APEI GHES error-record slots, one for IRQ and one for NMI context.
    AcpiApeiGhes,
    /// Debug fences between the kmap_atomic types (doubles `KM_TYPE_NR`, plus one).
    DebugHighmem,
    /// 6.1's guard slot between every `kmap_local` slot (`KM_MAX_IDX` 16 → 33).
    DebugKmapLocal,
}

impl ConfigOpt {
    /// Every option, in a stable order.
    pub const ALL: [ConfigOpt; 13] = [
        ConfigOpt::LocalApic,
        ConfigOpt::IoApic,
        ConfigOpt::VisWsApic,
        ConfigOpt::F00fBug,
        ConfigOpt::CycloneTimer,
        ConfigOpt::Acpi,
        ConfigOpt::PciMmconfig,
        ConfigOpt::Paravirt,
        ConfigOpt::Ohci1394DmaInit,
        ConfigOpt::IntelTxt,
        ConfigOpt::AcpiApeiGhes,
        ConfigOpt::DebugHighmem,
        ConfigOpt::DebugKmapLocal,
    ];
}

/// A kernel configuration: which [`ConfigOpt`]s are set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KernelConfig(u32);

impl KernelConfig {
    /// A configuration with exactly these options set.
    pub const fn with(opts: &[ConfigOpt]) -> KernelConfig {
        let mut bits = 0;
        let mut i = 0;
        while i < opts.len() {
            bits |= 1 << opts[i] as u32;
            i += 1;
        }
        KernelConfig(bits)
    }

    /// Whether an option is set.
    pub fn has(self, opt: ConfigOpt) -> bool {
        self.0 & (1 << opt as u32) != 0
    }

    /// The same configuration with one option set or cleared.
    pub fn set(self, opt: ConfigOpt, on: bool) -> KernelConfig {
        if on {
            KernelConfig(self.0 | 1 << opt as u32)
        } else {
            KernelConfig(self.0 & !(1 << opt as u32))
        }
    }
}

/// How many fixmap slots an entry of `enum fixed_addresses` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FixLen {
    /// One page.
    One,
    /// A fixed number of pages.
    Pages(u32),
    /// `MAX_IO_APICS` pages.
    IoApics,
    /// The per-CPU kmap_atomic / kmap_local slots: slots per CPU × `NR_CPUS`.
    KmapSlots,
}

/// When an entry of `enum fixed_addresses` exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FixCond {
    /// Always.
    Always,
    /// With this configuration option.
    Opt(ConfigOpt),
    /// With `CONFIG_HIGHMEM`.
    Highmem,
}

/// One entry (or range) of `enum fixed_addresses`, in index order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FixEntry {
    /// The enum name without its `FIX_` prefix (`KMAP_BEGIN`…).
    pub name: &'static str,
    /// Its length in slots.
    pub len: FixLen,
    /// When it exists.
    pub cond: FixCond,
}

const fn fix(name: &'static str, len: FixLen, cond: FixCond) -> FixEntry {
    FixEntry { name, len, cond }
}

/// Where the boot-time (early_ioremap) slots start after the permanent ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BtmapAlign {
    /// Right after the permanent slots (2.4.22 – 2.6.24).
    None,
    /// At the next multiple of 256, always moving up (2.6.32: keeps them in one page table).
    Next256,
    /// At the next multiple of `TOTAL_FIX_BTMAPS` only if they would otherwise straddle two
    /// page tables (6.1).
    NoPageTableCrossing,
}

/// The boot-time fixmap slots and what follows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BootFixmap {
    /// `NR_FIX_BTMAPS × FIX_BTMAPS_SLOTS`.
    pub slots: u32,
    /// Where they start.
    pub align: BtmapAlign,
    /// Entries after the boot slots (`WP_TEST`, `TBOOT_BASE`…).
    pub tail: &'static [FixEntry],
}

/// How `PKMAP_BASE` is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PkmapBaseRule {
    /// A constant (2.4.22: 0xFE000000).
    Fixed(u32),
    /// `(FIXADDR_BOOT_START − PAGE_SIZE × (LAST_PKMAP + 1)) & PMD_MASK` (2.6).
    BelowBootFixmap,
    /// `(LDT_BASE_ADDR − PAGE_SIZE) & PMD_MASK`, under the LDT remap and CPU entry area (6.1).
    BelowLdtRemap,
}

/// How `MAXMEM`, the most RAM the direct map can hold, is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MaxmemRule {
    /// `−PAGE_OFFSET − __VMALLOC_RESERVE`: 896 MiB by default, whatever the fixmap's size.
    FromTopOfMemory,
    /// `VMALLOC_END − PAGE_OFFSET − __VMALLOC_RESERVE`: lowmem shrinks as the fixmap grows
    /// (2.6.28 onwards).
    FromVmallocEnd,
}

/// How `VMALLOC_START` follows `high_memory`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum VmallocStartRule {
    /// `(high_memory + 2 × VMALLOC_OFFSET − 1) & ~(VMALLOC_OFFSET − 1)`: a gap of 8 to 16 MiB.
    RoundedUp,
    /// `high_memory + VMALLOC_OFFSET`: exactly 8 MiB.
    PlusOffset,
}

/// What the `vmalloc=` boot option does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum VmallocParam {
    /// There is no such option (2.4.22).
    Absent,
    /// `__VMALLOC_RESERVE` = the size given (2.6.11, 2.6.24).
    SetsReserve,
    /// `__VMALLOC_RESERVE` = the size given + `VMALLOC_OFFSET` (2.6.32, 6.1).
    SetsReservePlusOffset,
}

/// What `VMALLOC_END` is on a kernel built without `CONFIG_HIGHMEM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NoHighmemVmallocEnd {
    /// `FIXADDR_START − 2 × PAGE_SIZE` (2.4, 2.6).
    BelowFixmap,
    /// `LDT_BASE_ADDR − 2 × PAGE_SIZE` (6.1).
    BelowLdtRemap,
}

/// How the kernel finds `max_pfn` in the e820 map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MaxPfnRule {
    /// `find_max_pfn()`: the highest RAM end, rounded down; no cap (2.4.22 – 2.6.24).
    Uncapped,
    /// `e820_end_of_ram_pfn()`: the same, capped at `MAX_ARCH_PFN` (64 GiB with PAE,
    /// 4 GiB without) (2.6.32, 6.1).
    CappedAtMaxArchPfn,
}

/// Which boot warnings a kernel prints, in its own words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Warnings {
    /// After "Warning only NNNMB will be used." when RAM tops 4 GiB on a kernel without HIGHMEM.
    pub use_pae: &'static str,
    /// The lines printed when a HIGHMEM kernel without PAE sees RAM above 4 GiB (only
    /// reachable where `max_pfn` is not already capped).
    pub only_4g: &'static [&'static str],
    /// Whether a kernel without HIGHMEM also lowers `max_pfn` to lowmem (2.6 onwards).
    pub no_highmem_resets_max_pfn: bool,
}

/// How a kernel prints its zones at boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ZonePrint {
    /// 2.4.22: `On node 0 totalpages: N` then `zone(i): N pages.`.
    Sizes24,
    /// 2.6.11: `On node 0 totalpages: N` then `  DMA zone: N pages, LIFO batch:B`.
    Sizes2611,
    /// 2.6.24: `Zone PFN ranges:` with decimal frame numbers.
    PfnDecimal,
    /// 2.6.32: `Zone PFN ranges:` with `0x%08lx` frame numbers.
    PfnHex,
    /// 6.1: `Zone ranges:` with inclusive byte addresses and `empty`.
    MemRanges,
}

/// How zones get their spans and where the lowest one starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ZoneStart {
    /// From frame 0, sizes only (2.4.22, 2.6.11, 2.6.24).
    Pfn0,
    /// From the lowest e820 RAM frame (2.6.32: `e820_register_active_regions`).
    LowestE820Ram,
    /// From the lowest memblock frame after `trim_bios_range()` reserves page 0 (6.1).
    AfterFirstPageTrim,
}

/// How a kernel prints its BIOS map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum E820Print {
    /// ` BIOS-e820: START - END (type)` with 2.4-era type names.
    Old,
    /// The same with `(unusable)` (2.6.32).
    Old2632,
    /// `BIOS-e820: [mem 0xSTART-0xLAST] type` (6.1).
    Mem,
}

/// The 6.1 CPU entry area: one `struct cpu_entry_area` per possible CPU, below the fixmap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CpuEntryArea {
    /// The struct's members on i386 and their sizes in bytes after alignment.
    pub members: &'static [(&'static str, u64)],
}

impl CpuEntryArea {
    /// `sizeof(struct cpu_entry_area)`.
    pub fn size(&self) -> u64 {
        self.members.iter().map(|(_, b)| b).sum()
    }
}

/// The kernel image's sections in memory, in the order the linker script places them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct KernelImage {
    /// `.text`, from `_text` to `_etext`.
    pub text: u64,
    /// Read-only data, to `__end_rodata`.
    pub rodata: u64,
    /// Writable data, to `_edata`.
    pub data: u64,
    /// `.init` sections, freed after boot (`__init_begin` to `__init_end`).
    pub init: u64,
    /// `.bss`.
    pub bss: u64,
    /// Where the sizes come from.
    pub source: &'static str,
}

impl KernelImage {
    /// Bytes from `_text` to the end of `.bss`.
    pub fn size(&self) -> u64 {
        self.text + self.rodata + self.data + self.init + self.bss
    }
}

/// Which low pages boot keeps for itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LowReserve {
    /// These frames (page 0 for the BIOS data area, page 1 for the SMP trampoline).
    Pages(&'static [u64]),
    /// The whole first MiB (6.1's `reserve_real_mode`).
    FirstMiB,
}

/// Where boot page tables come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TableAlloc {
    /// bootmem, first fit upwards from this frame.
    FirstFitFrom(u64),
    /// memblock, top-down from the end of lowmem.
    TopDown,
}

/// Where `mem_map`, the `struct page` array, is allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MemMapPlace {
    /// bootmem with a 16 MiB goal (`__pa(MAX_DMA_ADDRESS)`), first fit upwards.
    From16MiB,
    /// memblock, top-down below the boot page tables.
    TopDown,
}

/// How many `struct page`s `mem_map` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MemMapSize {
    /// The node's frames plus one.
    SpannedPlusOne,
    /// The node's frames rounded up to a `MAX_ORDER` block.
    AlignedToMaxOrder,
}

/// How the lowmem direct map is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DirectMapRule {
    /// Large pages from physical 0 when the CPU has PSE, the last one possibly reaching past
    /// lowmem (2.4.22 – 2.6.24).
    LargeFromZero,
    /// The first PMD and the unaligned tail in 4 KiB pages, large pages between (2.6.32).
    FourKHeadAndTail,
    /// As 2.6.32, and after boot every large page whose 4 KiB pages came to need different
    /// protections (text, read-only data, data) is split (6.1).
    FourKHeadAndTailSplitImage,
}

/// How the boot code lays out physical memory and builds the kernel's page tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BootRules {
    /// The CPU the profile runs on by default.
    pub default_cpu: crate::cpu::CpuModel,
    /// Where the kernel image is loaded (`CONFIG_PHYSICAL_START`).
    pub kernel_phys_start: u64,
    /// The image's sections.
    pub kernel_image: KernelImage,
    /// Low pages boot keeps.
    pub low_reserve: LowReserve,
    /// Where boot page tables come from.
    pub table_alloc: TableAlloc,
    /// Where `mem_map` goes.
    pub mem_map_place: MemMapPlace,
    /// How big it is.
    pub mem_map_size: MemMapSize,
    /// `sizeof(struct page)` with HIGHMEM.
    pub struct_page: u64,
    /// `sizeof(struct page)` without HIGHMEM (2.4 drops `virtual`).
    pub struct_page_no_highmem: u64,
    /// The direct map.
    pub direct_map: DirectMapRule,
    /// Large pages count as kernel text from `PAGE_OFFSET` (2.x) rather than from `_text`.
    pub exec_from_page_offset: bool,
    /// The era knows execute-disable (not 2.4).
    pub has_nx: bool,
    /// With PAE, the user PDPT entries of `swapper_pg_dir` point at `empty_zero_page`.
    pub pae_user_pdptes_zero_page: bool,
    /// `/proc/meminfo` has `DirectMap4k`/`DirectMap2M` lines (2.6.32 on).
    pub reports_direct_map: bool,
    /// The buddy allocator's rules.
    pub buddy: crate::phys::BuddyRules,
}

/// What `__get_free_pages()` does when asked for high memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum GfpHighmemRule {
    /// It takes a highmem page, finds no address for it, returns 0 and the page leaks
    /// (2.4.22 – 2.6.24).
    ReturnsZero,
    /// As above, after a `VM_BUG_ON` that only `CONFIG_DEBUG_VM` kernels compile in (2.6.32).
    VmBugOnThenZero,
    /// `__GFP_HIGHMEM` is silently dropped, so a lowmem page is returned (6.1).
    StripsHighmem,
}

/// What `kmap()` or `kunmap()` does when called in interrupt context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum IrqCheck {
    /// 2.4: `out_of_line_bug()` from the inline in `asm-i386/highmem.h` at this line.
    OutOfLineBug(u32),
    /// `BUG()` at this line of the wrapper's file (2.6 kunmap).
    Bug(u32),
    /// `might_sleep()` at this line: silent unless the debug option is built in.
    MightSleep(u32),
}

/// The era's persistent-kmap code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PkmapRules {
    /// Where a page's pkmap address is recorded.
    pub store: crate::highmem::AddressStore,
    /// `hash_ptr()`'s multiplier: `GOLDEN_RATIO_PRIME_32` through 2.6.32, `GOLDEN_RATIO_32` in
    /// 6.1.
    pub hash_mul: u32,
    /// `flush_all_zero_pkmaps()` flushes the TLB only if it cleared a slot (2.6.27 on);
    /// earlier it flushes at every wrap.
    pub flush_only_if_cleared: bool,
    /// `kmap_nonblock()` exists (2.4).
    pub kmap_nonblock: bool,
    /// `kmap_flush_unused()` exists (2.6.24 on; called by the `set_memory_*` machinery from
    /// 2.6.32, by Xen in 2.6.24): it flushes every count-1 slot without advancing the scan.
    pub flush_unused_event: bool,
    /// The file holding `kmap()`/`kunmap()`.
    pub wrapper_file: &'static str,
    /// `kmap()` in interrupt context.
    pub kmap_irq: IrqCheck,
    /// `kunmap()` in interrupt context.
    pub kunmap_irq: IrqCheck,
    /// Lines of `mm/highmem.c`: `BUG` in `kmap_high` (count below 2), in `kunmap_high` (no
    /// address), in `kunmap_high` (count reached 0).
    pub bug_lines: (u32, u32, u32),
    /// The TLB flush `flush_all_zero_pkmaps()` calls: `flush_tlb_all` (2.4) or
    /// `flush_tlb_kernel_range` (2.6 on; a full flush on x86 either way).
    pub flush_fn: &'static str,
}

/// A check the era's `kmap_atomic`/`kunmap_atomic` makes: where it BUGs and whether only
/// `CONFIG_DEBUG_HIGHMEM` builds compile it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AtomicCheck {
    /// The file (a header in 2.4, reported through `out_of_line_bug()`).
    pub file: &'static str,
    /// The line.
    pub line: u32,
    /// Only with `CONFIG_DEBUG_HIGHMEM`.
    pub debug_only: bool,
}

/// The era's temporary kernel maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AtomicRules {
    /// `enum km_type`, in order (empty in 6.1, which has no types).
    pub types: &'static [&'static str],
    /// What raises the preempt count when a map is taken and drops it when it is given back
    /// (`None` in 2.4, which has no count). The count is raised even for a lowmem page.
    pub count_fns: Option<(&'static str, &'static str)>,
    /// `kmap_atomic` ends with an `invlpg` of the slot (2.4, 2.6.11: unmap may leave the old
    /// PTE, so the map must flush it).
    pub flush_on_map: bool,
    /// "The slot is already mapped" on map.
    pub busy: AtomicCheck,
    /// `kunmap_atomic` clears the PTE and flushes the slot only with `CONFIG_DEBUG_HIGHMEM`
    /// (2.4, 2.6.11); from 2.6.24 always.
    pub unmap_clears_only_in_debug: bool,
    /// `kunmap_atomic` of an address that is not the type's slot (debug builds only).
    pub wrong_address: AtomicCheck,
    /// How that check reads the address: 2.4 and 2.6.11 return quietly below
    /// `FIXADDR_START` (a lowmem page) and BUG on anything else; 2.6.24 on BUG unless it is a
    /// direct-map address, with `vaddr < PAGE_OFFSET` at the line and `vaddr >= high_memory`
    /// at the next.
    pub wrong_address_lowmem_rule: bool,
    /// 2.6.32's `debug_kmap_atomic()`: which types each context may use.
    pub debug_types: Option<DebugKmapAtomic>,
    /// 6.1's per-task stack (`kmap_local_page`), if the era has it.
    pub local: Option<LocalRules>,
}

/// 2.6.32's `debug_kmap_atomic()` (`mm/highmem.c`, `CONFIG_DEBUG_HIGHMEM`): a `WARN_ON` for
/// a type used in the wrong context, at most `warn_count + 1` times per boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DebugKmapAtomic {
    /// The types a hard interrupt may use, and the line that warns otherwise.
    pub hardirq: (&'static [&'static str], u32),
    /// The types a softirq may use, and the line.
    pub softirq: (&'static [&'static str], u32),
    /// The types that need interrupts disabled, and the line.
    pub irqs_off: (&'static [&'static str], u32),
    /// The types that need an interrupt context or interrupts disabled, and the line.
    pub in_irq_or_off: (&'static [&'static str], u32),
    /// `warn_count`'s first value: warnings stop once it is negative.
    pub warn_count: i32,
}

/// 6.1's `kmap_local_page` stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LocalRules {
    /// `BUG_ON(idx >= KM_MAX_IDX)` in `kmap_local_idx_push` (mm/highmem.c).
    pub push_bug_line: u32,
    /// `WARN_ON_ONCE(addr < PAGE_OFFSET)` in `kunmap_local_indexed` for an address outside
    /// the window that is not a kernel address either.
    pub outside_warn_line: u32,
    /// `BUG_ON(idx < 0)` in `kmap_local_idx_pop`.
    pub pop_bug_line: u32,
    /// `BUG_ON(!pte_none(*kmap_pte))` in `__kmap_local_pfn_prot`.
    pub pte_bug_line: u32,
    /// `WARN_ON_ONCE(addr != …)` in `kunmap_local_indexed`: out-of-order unmapping.
    pub order_warn_line: u32,
    /// `kmap_atomic` raises the preempt count (`CONFIG_PREEMPT_COUNT`, set by Debian's
    /// `PREEMPT_DYNAMIC`).
    pub preempt_count: bool,
}

/// How an ioremap area is aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum IoremapAlign {
    /// 2.4: not at all (pages only).
    None,
    /// 2.6: `1 << fls(size)`, between `PAGE_SHIFT` and `IOREMAP_MAX_ORDER` (19, 128 pages):
    /// a span of exactly 2^k bytes gets 2^(k+1).
    Fls,
    /// 6.1: `1 << get_count_order(size)` (the next power of two), up to x86's
    /// `IOREMAP_MAX_ORDER` = `PMD_SHIFT` (2 MiB with PAE, 4 MiB without).
    CountOrder,
}

/// How an era reports running out of vmalloc space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum VmFailMsg {
    /// 2.4: silence.
    None,
    /// 2.6.11, 2.6.24: `allocation failed: out of vmalloc space - use vmalloc=<size> to
    /// increase size.`
    OutOfSpace,
    /// 2.6.32 (with the final period) and 6.1 (without, then `warn_alloc`'s `vmalloc error:
    /// size N, vm_struct allocation failed`): `vmap allocation for size N failed: …`.
    VmapAllocation {
        /// 2.6.32's trailing period.
        period: bool,
        /// 6.1's second message from `__vmalloc_node_range`.
        warn_alloc: bool,
    },
}

/// What `vfree` does in interrupt context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum VfreeIrq {
    /// 2.4: nothing checks.
    Unchecked,
    /// 2.6: `BUG_ON(in_interrupt())` at this line of `mm/vmalloc.c`.
    Bug(u32),
    /// 6.1: queued for a workqueue (`__vfree_deferred`).
    Deferred,
}

/// The functions a `vmalloc()` goes through in an era (what its traces and call graph name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct VmNames {
    /// The worker `vmalloc()` calls: `__vmalloc`, `__vmalloc_node`, `__vmalloc_node_range`.
    pub inner: &'static str,
    /// What reserves the area: `get_vm_area`, `__get_vm_area`, `__get_vm_area_node`.
    pub get_area: &'static str,
    /// What allocates the pages, where it is a function of its own (2.6.11 does it inline).
    pub area: Option<&'static str>,
    /// What writes the PTEs: `alloc_area_pmd` (2.4), `map_vm_area`, `vmap_pages_range` (6.1).
    pub map: &'static str,
}

/// The era's vmalloc, vmap and ioremap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct VmallocRules {
    /// The functions on the path.
    pub names: VmNames,
    /// The search and the freeing.
    pub allocator: crate::vmalloc::Allocator,
    /// ioremap's alignment.
    pub ioremap_align: IoremapAlign,
    /// The message when the range is full.
    pub fail: VmFailMsg,
    /// `BUG_ON(in_interrupt())` in `__get_vm_area_node` (2.6.24 on), its line.
    pub get_area_irq_bug: Option<u32>,
    /// `vfree` from an interrupt.
    pub vfree_irq: VfreeIrq,
    /// `BUG_ON(in_interrupt())` in `vunmap`, its line (2.6 on).
    pub vunmap_irq_bug: Option<u32>,
    /// A pages array is kept (not in 2.4, which finds the pages through the PTEs).
    pub pages_array: bool,
    /// 2.6.24 – 2.6.32 mark an area whose array was vmalloc'ed `VM_VPAGES`.
    pub vpages_flag: bool,
    /// `vmalloc()` adds `__GFP_HIGHMEM` inside `__vmalloc_area_node` (6.1) rather than in
    /// the caller's mask; either way `vmalloc_32` stays in low memory.
    pub highmem_added_inside: bool,
    /// ioremap of the ISA hole (0xA0000–0xFFFFF) returns its direct-map address (not 6.1).
    pub isa_shortcut: bool,
    /// ioremap PTEs are global (`PAGE_KERNEL_IO`, 2.6.32 and 6.1); the older eras build
    /// them without `_PAGE_GLOBAL`.
    pub ioremap_global: bool,
    /// 2.4's `size = PAGE_ALIGN(last_addr) - phys_addr`, which drops the last page when the
    /// range ends one byte into it.
    pub ioremap_last_page_short: bool,
    /// 6.1 refuses System RAM with a warning; the older eras only map RAM pages that are
    /// reserved, and return NULL silently otherwise.
    pub ioremap_ram_warns: bool,
    /// `/proc/vmallocinfo` (from 2.6.25 on).
    pub vmallocinfo: Option<crate::vmalloc::InfoStyle>,
    /// The `Vmalloc*` lines of `/proc/meminfo` (not in 2.4).
    pub meminfo: Option<crate::vmalloc::MeminfoStyle>,
    /// A vmalloc fault handles any kernel address (2.4) or only `[VMALLOC_START,
    /// VMALLOC_END)` (2.6.32, 6.1); 2.6.11 and 2.6.24 take any address above `TASK_SIZE`.
    pub fault_vmalloc_range_only: bool,
    /// 6.1 copies a new page-directory entry into every process at once
    /// (`arch_sync_kernel_mappings`, non-PAE), keeping the fault only as a backstop.
    pub eager_sync: bool,
    /// `flush_tlb_kernel_range()` flushes page by page up to this many pages (6.1's
    /// `tlb_single_page_flush_ceiling`), else everything; `None`: always `flush_tlb_all()`.
    pub flush_ceiling: Option<u32>,
}

/// Everything the model knows about one kernel.
#[derive(Debug, Serialize)]
pub struct Profile {
    /// Which one.
    pub id: ProfileId,
    /// Version string.
    pub name: &'static str,
    /// A few words on the era.
    pub era: &'static str,
    /// The book that describes it.
    pub book: &'static str,
    /// The tag of this kernel on Bootlin Elixir.
    pub elixir_tag: &'static str,
    /// The configuration of the kernel the defaults model, in words.
    pub reference_kernel: &'static str,
    /// Default configuration options.
    pub default_config: KernelConfig,
    /// Options whose Kconfig name this era uses, and that change its layout.
    pub config_names: &'static [(ConfigOpt, &'static str)],
    /// Default `NR_CPUS`.
    pub default_nr_cpus: u32,
    /// `NR_CPUS` values the kernel's configuration accepts.
    pub nr_cpus_allowed: NrCpus,
    /// `MAX_IO_APICS`.
    pub max_io_apics: u32,
    /// kmap_atomic types per CPU (`KM_TYPE_NR`) or 6.1's `KM_MAX_IDX`.
    pub km_slots_per_cpu: u32,
    /// The same with the debug option set (fences or guards).
    pub km_slots_per_cpu_debug: u32,
    /// `enum fixed_addresses` up to `__end_of_permanent_fixed_addresses`.
    pub fixmap: &'static [FixEntry],
    /// The boot-time slots and the entries after them.
    pub boot_fixmap: BootFixmap,
    /// `FIXADDR_TOP`.
    pub fixaddr_top: u32,
    /// `PKMAP_BASE`.
    pub pkmap_base: PkmapBaseRule,
    /// The CPU entry area, where there is one (6.1).
    pub cpu_entry_area: Option<CpuEntryArea>,
    /// `MAXMEM`.
    pub maxmem: MaxmemRule,
    /// `VMALLOC_START`.
    pub vmalloc_start: VmallocStartRule,
    /// `VMALLOC_END` without HIGHMEM.
    pub vmalloc_end_no_highmem: NoHighmemVmallocEnd,
    /// The `vmalloc=` option.
    pub vmalloc_param: VmallocParam,
    /// Whether PAE only comes with HIGHMEM64G, so PAE without HIGHMEM cannot be built
    /// (2.4.22 – 2.6.24; later Kconfigs allow a PAE kernel without HIGHMEM).
    pub pae_requires_highmem: bool,
    /// Whether the BIOS map's RAM between 640 KiB and 1 MiB is dropped as it is copied
    /// (`copy_e820_map`, 2.4.22 – 2.6.24), before it is printed.
    pub e820_drops_640k_to_1m: bool,
    /// `max_pfn`.
    pub max_pfn: MaxPfnRule,
    /// Zone spans.
    pub zone_start: ZoneStart,
    /// Whether the DMA zone's end is clamped to `max_low_pfn` (6.1).
    pub dma_clamped_to_lowmem: bool,
    /// Boot warnings.
    pub warnings: Warnings,
    /// Zone printout.
    pub zone_print: ZonePrint,
    /// BIOS map printout.
    pub e820_print: E820Print,
    /// Whether `mem_init()` prints the "virtual kernel memory layout:" block.
    pub prints_layout_block: bool,
    /// The `/proc/meminfo` VmallocTotal format's label with its spacing, if the line exists.
    pub meminfo_vmalloc_total: Option<&'static str>,
    /// Boot: physical layout and kernel page tables.
    pub boot: BootRules,
    /// What the kernel prints when something goes wrong.
    pub messages: crate::messages::Messages,
    /// `__get_free_pages()` with `__GFP_HIGHMEM`.
    pub get_free_pages_highmem: GfpHighmemRule,
    /// `GFP_KERNEL`'s value in this era (the flag bits were renumbered over time).
    pub gfp_kernel: u32,
    /// `flush_tlb_all()` also makes a CPU in lazy TLB mode leave the borrowed address space
    /// (`leave_mm`, 2.4 – 2.6.32; 6.1 only flushes).
    pub flush_all_leaves_lazy_mm: bool,
    /// Persistent kmaps.
    pub pkmap: PkmapRules,
    /// Temporary kmaps.
    pub atomic: AtomicRules,
    /// `schedule()` counts its own `preempt_disable()` in the "scheduling while atomic" report
    /// (6.1, with `CONFIG_PREEMPT_COUNT`).
    pub sched_counts_own_disable: bool,
    /// vmalloc, vmap, ioremap.
    pub vmalloc: VmallocRules,
}

/// `NR_CPUS` values a kernel accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NrCpus {
    /// Only these values (2.4.22: 1 without SMP, 32 with).
    OneOf(&'static [u32]),
    /// 1 (no SMP) or 2 ..= this many.
    UpTo(u32),
}

impl NrCpus {
    /// Whether `n` is allowed.
    pub fn allows(self, n: u32) -> bool {
        match self {
            NrCpus::OneOf(values) => values.contains(&n),
            NrCpus::UpTo(max) => (1..=max).contains(&n),
        }
    }

    /// A sentence saying what is allowed.
    pub fn describe(self) -> String {
        match self {
            NrCpus::OneOf(values) => {
                let v: Vec<String> = values.iter().map(u32::to_string).collect();
                format!("one of {}", v.join(", "))
            }
            NrCpus::UpTo(max) => format!("1 to {max}"),
        }
    }
}

impl Profile {
    /// This era's Kconfig name for an option, or `None` if the option does not exist here.
    pub fn config_name(&self, opt: ConfigOpt) -> Option<&'static str> {
        self.config_names
            .iter()
            .find(|(o, _)| *o == opt)
            .map(|(_, n)| *n)
    }

    /// Finds an option by this era's Kconfig name (with or without `CONFIG_`).
    pub fn config_by_name(&self, name: &str) -> Option<ConfigOpt> {
        let name = name.trim().trim_start_matches("CONFIG_");
        self.config_names
            .iter()
            .find(|(_, n)| n.trim_start_matches('!') == name)
            .map(|(o, _)| *o)
    }

    /// A Bootlin Elixir URL for an identifier of this kernel's tree.
    pub fn ident_url(&self, ident: &str) -> String {
        format!(
            "https://elixir.bootlin.com/linux/{}/A/ident/{}",
            self.elixir_tag, ident
        )
    }

    /// A Bootlin Elixir URL for a file of this kernel's tree.
    pub fn source_url(&self, path: &str) -> String {
        format!(
            "https://elixir.bootlin.com/linux/{}/source/{}",
            self.elixir_tag, path
        )
    }
}

use ConfigOpt::*;
use FixCond::{Always, Highmem, Opt};
use FixLen::{IoApics, KmapSlots, One, Pages};

/// The warnings of 2.4.22 and 2.6.11.
const WARNINGS_PAE: Warnings = Warnings {
    use_pae: "Use a PAE enabled kernel.",
    only_4g: &[
        "Warning only 4GB will be used.",
        "Use a PAE enabled kernel.",
    ],
    no_highmem_resets_max_pfn: true,
};

static V2_4_22: Profile = Profile {
    id: ProfileId::V2_4_22,
    name: "2.4.22",
    era: "late 2.4",
    book: "Gorman, Understanding the Linux Virtual Memory Manager",
    elixir_tag: "v2.4.22",
    reference_kernel: "an SMP i686 build (NR_CPUS is fixed at 32 with SMP) with local and I/O \
                       APICs and ACPI boot tables, as distributions shipped in 2003",
    default_config: KernelConfig::with(&[LocalApic, IoApic, Acpi]),
    config_names: &[
        (LocalApic, "X86_LOCAL_APIC"),
        (IoApic, "X86_IO_APIC"),
        (VisWsApic, "X86_VISWS_APIC"),
        (F00fBug, "!X86_F00F_WORKS_OK"),
        (CycloneTimer, "X86_SUMMIT"),
        (Acpi, "ACPI_BOOT"),
        (DebugHighmem, "DEBUG_HIGHMEM"),
    ],
    default_nr_cpus: 32,
    nr_cpus_allowed: NrCpus::OneOf(&[1, 32]),
    max_io_apics: 8,
    km_slots_per_cpu: 8,
    km_slots_per_cpu_debug: 8,
    fixmap: &[
        fix("APIC_BASE", One, Opt(LocalApic)),
        fix("IO_APIC_BASE_0", IoApics, Opt(IoApic)),
        fix("CO_CPU", One, Opt(VisWsApic)),
        fix("CO_APIC", One, Opt(VisWsApic)),
        fix("LI_PCIA", One, Opt(VisWsApic)),
        fix("LI_PCIB", One, Opt(VisWsApic)),
        fix("F00F", One, Opt(F00fBug)),
        fix("CYCLONE_TIMER", One, Opt(CycloneTimer)),
        fix("KMAP_BEGIN", KmapSlots, Highmem),
        fix("ACPI_BEGIN", Pages(4), Opt(Acpi)),
    ],
    boot_fixmap: BootFixmap {
        slots: 16,
        align: BtmapAlign::None,
        tail: &[],
    },
    fixaddr_top: 0xffff_e000,
    pkmap_base: PkmapBaseRule::Fixed(0xfe00_0000),
    cpu_entry_area: None,
    maxmem: MaxmemRule::FromTopOfMemory,
    vmalloc_start: VmallocStartRule::RoundedUp,
    vmalloc_end_no_highmem: NoHighmemVmallocEnd::BelowFixmap,
    vmalloc_param: VmallocParam::Absent,
    pae_requires_highmem: true,
    e820_drops_640k_to_1m: true,
    max_pfn: MaxPfnRule::Uncapped,
    zone_start: ZoneStart::Pfn0,
    dma_clamped_to_lowmem: false,
    warnings: Warnings {
        no_highmem_resets_max_pfn: false,
        ..WARNINGS_PAE
    },
    zone_print: ZonePrint::Sizes24,
    e820_print: E820Print::Old,
    prints_layout_block: false,
    meminfo_vmalloc_total: None,
    boot: BootRules {
        default_cpu: crate::cpu::CpuModel::PentiumIII,
        kernel_phys_start: 0x10_0000,
        kernel_image: KernelImage {
            text: 1300 << 10,
            rodata: 250 << 10,
            data: 200 << 10,
            init: 160 << 10,
            bss: 250 << 10,
            source: "a typical distribution build of the era (approximate; the image's size is a property of the build, not of the kernel's rules)",
        },
        low_reserve: LowReserve::Pages(&[0, 1]),
        table_alloc: TableAlloc::FirstFitFrom(0),
        mem_map_place: MemMapPlace::From16MiB,
        mem_map_size: MemMapSize::SpannedPlusOne,
        struct_page: 48,
        struct_page_no_highmem: 44,
        direct_map: DirectMapRule::LargeFromZero,
        exec_from_page_offset: true,
        has_nx: false,
        pae_user_pdptes_zero_page: true,
        reports_direct_map: false,
        buddy: crate::phys::BuddyRules {
            max_order: 10,
            split_keeps_upper: true,
            merge_likely_to_tail: false,
            boot_lowmem_to_tail: false,
        },
    },
    messages: crate::messages::Messages {
        oops: crate::messages::OopsStyle::Unable,
        sched: crate::messages::SchedBugStyle::InInterrupt,
        preempt: None,
        bug: crate::messages::BugStyle::Bare,
        warn: crate::messages::WarnStyle::None,
        might_sleep: None,
    },
    get_free_pages_highmem: GfpHighmemRule::ReturnsZero,
    gfp_kernel: 0x1f0,
    flush_all_leaves_lazy_mm: true,
    pkmap: PkmapRules {
        store: crate::highmem::AddressStore::PageVirtual,
        hash_mul: 0,
        flush_only_if_cleared: false,
        kmap_nonblock: true,
        flush_unused_event: false,
        wrapper_file: "include/asm-i386/highmem.h",
        kmap_irq: IrqCheck::OutOfLineBug(68),
        kunmap_irq: IrqCheck::OutOfLineBug(77),
        bug_lines: (151, 166, 176),
        flush_fn: "flush_tlb_all",
    },
    atomic: AtomicRules {
        types: &["KM_BOUNCE_READ", "KM_SKB_SUNRPC_DATA", "KM_SKB_DATA_SOFTIRQ", "KM_USER0", "KM_USER1", "KM_BH_IRQ", "KM_SOFTIRQ0", "KM_SOFTIRQ1"],
        count_fns: None,
        flush_on_map: true,
        busy: AtomicCheck { file: "include/asm-i386/highmem.h", line: 101, debug_only: true },
        unmap_clears_only_in_debug: true,
        wrong_address: AtomicCheck { file: "include/asm-i386/highmem.h", line: 119, debug_only: true },
        wrong_address_lowmem_rule: false,
        debug_types: None,
        local: None,
    },
    sched_counts_own_disable: false,
    vmalloc: VmallocRules {
        names: VmNames {
            inner: "__vmalloc",
            get_area: "get_vm_area",
            area: Some("__vmalloc_area_pages"),
            map: "alloc_area_pmd",
        },
        allocator: crate::vmalloc::Allocator::Vmlist24,
        ioremap_align: IoremapAlign::None,
        fail: VmFailMsg::None,
        get_area_irq_bug: None,
        vfree_irq: VfreeIrq::Unchecked,
        vunmap_irq_bug: None,
        pages_array: false,
        vpages_flag: false,
        highmem_added_inside: false,
        isa_shortcut: true,
        ioremap_global: false,
        ioremap_last_page_short: true,
        ioremap_ram_warns: false,
        vmallocinfo: None,
        meminfo: None,
        fault_vmalloc_range_only: false,
        eager_sync: false,
        flush_ceiling: None,
    },
};

static V2_6_11: Profile = Profile {
    id: ProfileId::V2_6_11,
    name: "2.6.11",
    era: "early 2.6",
    book: "Bovet & Cesati, Understanding the Linux Kernel, 3rd edition",
    elixir_tag: "v2.6.11",
    reference_kernel: "an SMP i686 build with the Kconfig default NR_CPUS of 8, local and I/O \
                       APICs, ACPI boot tables and PCI MMCONFIG",
    default_config: KernelConfig::with(&[LocalApic, IoApic, Acpi, PciMmconfig]),
    config_names: &[
        (LocalApic, "X86_LOCAL_APIC"),
        (IoApic, "X86_IO_APIC"),
        (VisWsApic, "X86_VISWS_APIC"),
        (F00fBug, "X86_F00F_BUG"),
        (CycloneTimer, "X86_CYCLONE_TIMER"),
        (Acpi, "ACPI_BOOT"),
        (PciMmconfig, "PCI_MMCONFIG"),
        (DebugHighmem, "DEBUG_HIGHMEM"),
    ],
    default_nr_cpus: 8,
    nr_cpus_allowed: NrCpus::UpTo(255),
    max_io_apics: 8,
    km_slots_per_cpu: 13,
    km_slots_per_cpu_debug: 27,
    fixmap: &[
        fix("HOLE", One, Always),
        fix("VSYSCALL", One, Always),
        fix("APIC_BASE", One, Opt(LocalApic)),
        fix("IO_APIC_BASE_0", IoApics, Opt(IoApic)),
        fix("CO_CPU", One, Opt(VisWsApic)),
        fix("CO_APIC", One, Opt(VisWsApic)),
        fix("LI_PCIA", One, Opt(VisWsApic)),
        fix("LI_PCIB", One, Opt(VisWsApic)),
        fix("F00F_IDT", One, Opt(F00fBug)),
        fix("CYCLONE_TIMER", One, Opt(CycloneTimer)),
        fix("KMAP_BEGIN", KmapSlots, Highmem),
        fix("ACPI_BEGIN", Pages(4), Opt(Acpi)),
        fix("PCIE_MCFG", One, Opt(PciMmconfig)),
    ],
    boot_fixmap: BootFixmap {
        slots: 16,
        align: BtmapAlign::None,
        tail: &[fix("WP_TEST", One, Always)],
    },
    fixaddr_top: 0xffff_f000,
    pkmap_base: PkmapBaseRule::BelowBootFixmap,
    cpu_entry_area: None,
    maxmem: MaxmemRule::FromTopOfMemory,
    vmalloc_start: VmallocStartRule::RoundedUp,
    vmalloc_end_no_highmem: NoHighmemVmallocEnd::BelowFixmap,
    vmalloc_param: VmallocParam::SetsReserve,
    pae_requires_highmem: true,
    e820_drops_640k_to_1m: true,
    max_pfn: MaxPfnRule::Uncapped,
    zone_start: ZoneStart::Pfn0,
    dma_clamped_to_lowmem: false,
    warnings: WARNINGS_PAE,
    zone_print: ZonePrint::Sizes2611,
    e820_print: E820Print::Old,
    prints_layout_block: false,
    meminfo_vmalloc_total: Some("VmallocTotal: "),
    boot: BootRules {
        default_cpu: crate::cpu::CpuModel::Pentium4,
        kernel_phys_start: 0x10_0000,
        kernel_image: KernelImage {
            text: 2000 << 10,
            rodata: 400 << 10,
            data: 350 << 10,
            init: 200 << 10,
            bss: 300 << 10,
            source: "a typical distribution build of the era (approximate; the image's size is a property of the build, not of the kernel's rules)",
        },
        low_reserve: LowReserve::Pages(&[0, 1]),
        table_alloc: TableAlloc::FirstFitFrom(0),
        mem_map_place: MemMapPlace::From16MiB,
        mem_map_size: MemMapSize::SpannedPlusOne,
        struct_page: 32,
        struct_page_no_highmem: 32,
        direct_map: DirectMapRule::LargeFromZero,
        exec_from_page_offset: true,
        has_nx: true,
        pae_user_pdptes_zero_page: true,
        reports_direct_map: false,
        buddy: crate::phys::BuddyRules {
            max_order: 11,
            split_keeps_upper: false,
            merge_likely_to_tail: false,
            boot_lowmem_to_tail: false,
        },
    },
    messages: crate::messages::Messages {
        oops: crate::messages::OopsStyle::Unable,
        sched: crate::messages::SchedBugStyle::Atomic2611,
        preempt: Some(crate::messages::PreemptLayout { hardirq_bits: 12 }),
        bug: crate::messages::BugStyle::InvalidOperand,
        warn: crate::messages::WarnStyle::Badness,
        might_sleep: Some((crate::messages::MightSleepStyle::Debug, "DEBUG_SPINLOCK_SLEEP")),
    },
    get_free_pages_highmem: GfpHighmemRule::ReturnsZero,
    gfp_kernel: 0xd0,
    flush_all_leaves_lazy_mm: true,
    pkmap: PkmapRules {
        store: crate::highmem::AddressStore::HashedPool,
        hash_mul: 0x9e37_0001,
        flush_only_if_cleared: false,
        kmap_nonblock: false,
        flush_unused_event: false,
        wrapper_file: "arch/i386/mm/highmem.c",
        kmap_irq: IrqCheck::MightSleep(5),
        kunmap_irq: IrqCheck::Bug(14),
        bug_lines: (165, 181, 191),
        flush_fn: "flush_tlb_kernel_range",
    },
    atomic: AtomicRules {
        types: &["KM_BOUNCE_READ", "KM_SKB_SUNRPC_DATA", "KM_SKB_DATA_SOFTIRQ", "KM_USER0", "KM_USER1", "KM_BIO_SRC_IRQ", "KM_BIO_DST_IRQ", "KM_PTE0", "KM_PTE1", "KM_IRQ0", "KM_IRQ1", "KM_SOFTIRQ0", "KM_SOFTIRQ1"],
        count_fns: Some(("inc_preempt_count", "dec_preempt_count")),
        flush_on_map: true,
        busy: AtomicCheck { file: "arch/i386/mm/highmem.c", line: 42, debug_only: true },
        unmap_clears_only_in_debug: true,
        wrong_address: AtomicCheck { file: "arch/i386/mm/highmem.c", line: 63, debug_only: true },
        wrong_address_lowmem_rule: false,
        debug_types: None,
        local: None,
    },
    sched_counts_own_disable: false,
    vmalloc: VmallocRules {
        names: VmNames {
            inner: "__vmalloc",
            get_area: "__get_vm_area",
            area: None,
            map: "map_vm_area",
        },
        allocator: crate::vmalloc::Allocator::Vmlist26,
        ioremap_align: IoremapAlign::Fls,
        fail: VmFailMsg::OutOfSpace,
        get_area_irq_bug: None,
        vfree_irq: VfreeIrq::Bug(403),
        vunmap_irq_bug: Some(421),
        pages_array: true,
        vpages_flag: false,
        highmem_added_inside: false,
        isa_shortcut: true,
        ioremap_global: false,
        ioremap_last_page_short: false,
        ioremap_ram_warns: false,
        vmallocinfo: None,
        meminfo: Some(crate::vmalloc::MeminfoStyle::Sum2611),
        fault_vmalloc_range_only: false,
        eager_sync: false,
        flush_ceiling: None,
    },
};

static V2_6_24: Profile = Profile {
    id: ProfileId::V2_6_24,
    name: "2.6.24",
    era: "mid 2.6",
    book: "Mauerer, Professional Linux Kernel Architecture",
    elixir_tag: "v2.6.24",
    reference_kernel: "an SMP i686 build with the Kconfig default NR_CPUS of 8, local and I/O \
                       APICs, ACPI, PCI MMCONFIG and PARAVIRT (as Ubuntu 8.04's generic kernel)",
    default_config: KernelConfig::with(&[LocalApic, IoApic, Acpi, PciMmconfig, Paravirt]),
    config_names: &[
        (LocalApic, "X86_LOCAL_APIC"),
        (IoApic, "X86_IO_APIC"),
        (VisWsApic, "X86_VISWS_APIC"),
        (F00fBug, "X86_F00F_BUG"),
        (CycloneTimer, "X86_CYCLONE_TIMER"),
        (Acpi, "ACPI"),
        (PciMmconfig, "PCI_MMCONFIG"),
        (Paravirt, "PARAVIRT"),
        (DebugHighmem, "DEBUG_HIGHMEM"),
    ],
    default_nr_cpus: 8,
    nr_cpus_allowed: NrCpus::UpTo(255),
    max_io_apics: 64,
    km_slots_per_cpu: 13,
    km_slots_per_cpu_debug: 27,
    fixmap: &[
        fix("HOLE", One, Always),
        fix("VDSO", One, Always),
        fix("DBGP_BASE", One, Always),
        fix("EARLYCON_MEM_BASE", One, Always),
        fix("APIC_BASE", One, Opt(LocalApic)),
        fix("IO_APIC_BASE_0", IoApics, Opt(IoApic)),
        fix("CO_CPU", One, Opt(VisWsApic)),
        fix("CO_APIC", One, Opt(VisWsApic)),
        fix("LI_PCIA", One, Opt(VisWsApic)),
        fix("LI_PCIB", One, Opt(VisWsApic)),
        fix("F00F_IDT", One, Opt(F00fBug)),
        fix("CYCLONE_TIMER", One, Opt(CycloneTimer)),
        fix("KMAP_BEGIN", KmapSlots, Highmem),
        fix("ACPI_BEGIN", Pages(4), Opt(Acpi)),
        fix("PCIE_MCFG", One, Opt(PciMmconfig)),
        fix("PARAVIRT_BOOTMAP", One, Opt(Paravirt)),
    ],
    boot_fixmap: BootFixmap {
        slots: 16,
        align: BtmapAlign::None,
        tail: &[fix("WP_TEST", One, Always)],
    },
    fixaddr_top: 0xffff_f000,
    pkmap_base: PkmapBaseRule::BelowBootFixmap,
    cpu_entry_area: None,
    maxmem: MaxmemRule::FromTopOfMemory,
    vmalloc_start: VmallocStartRule::RoundedUp,
    vmalloc_end_no_highmem: NoHighmemVmallocEnd::BelowFixmap,
    vmalloc_param: VmallocParam::SetsReserve,
    pae_requires_highmem: true,
    e820_drops_640k_to_1m: true,
    max_pfn: MaxPfnRule::Uncapped,
    zone_start: ZoneStart::Pfn0,
    dma_clamped_to_lowmem: false,
    warnings: Warnings {
        use_pae: "Use a HIGHMEM64G enabled kernel.",
        only_4g: &[
            "Warning only 4GB will be used.",
            "Use a HIGHMEM64G enabled kernel.",
        ],
        no_highmem_resets_max_pfn: true,
    },
    zone_print: ZonePrint::PfnDecimal,
    e820_print: E820Print::Old,
    prints_layout_block: true,
    meminfo_vmalloc_total: Some("VmallocTotal: "),
    boot: BootRules {
        default_cpu: crate::cpu::CpuModel::Core2,
        kernel_phys_start: 0x10_0000,
        kernel_image: KernelImage {
            text: 2400 << 10,
            rodata: 700 << 10,
            data: 450 << 10,
            init: 350 << 10,
            bss: 400 << 10,
            source: "a typical distribution build of the era (approximate; the image's size is a property of the build, not of the kernel's rules)",
        },
        low_reserve: LowReserve::Pages(&[0, 1]),
        table_alloc: TableAlloc::FirstFitFrom(0),
        mem_map_place: MemMapPlace::From16MiB,
        mem_map_size: MemMapSize::AlignedToMaxOrder,
        struct_page: 32,
        struct_page_no_highmem: 32,
        direct_map: DirectMapRule::LargeFromZero,
        exec_from_page_offset: true,
        has_nx: true,
        pae_user_pdptes_zero_page: true,
        reports_direct_map: false,
        buddy: crate::phys::BuddyRules {
            max_order: 11,
            split_keeps_upper: false,
            merge_likely_to_tail: false,
            boot_lowmem_to_tail: false,
        },
    },
    messages: crate::messages::Messages {
        oops: crate::messages::OopsStyle::BugVirtualAddress,
        sched: crate::messages::SchedBugStyle::Atomic,
        preempt: Some(crate::messages::PreemptLayout { hardirq_bits: 12 }),
        bug: crate::messages::BugStyle::InvalidOpcode,
        warn: crate::messages::WarnStyle::At2624,
        might_sleep: Some((crate::messages::MightSleepStyle::Bug2624, "DEBUG_SPINLOCK_SLEEP")),
    },
    get_free_pages_highmem: GfpHighmemRule::ReturnsZero,
    gfp_kernel: 0xd0,
    flush_all_leaves_lazy_mm: true,
    pkmap: PkmapRules {
        store: crate::highmem::AddressStore::HashedPool,
        hash_mul: 0x9e37_0001,
        flush_only_if_cleared: false,
        kmap_nonblock: false,
        flush_unused_event: true,
        wrapper_file: "arch/x86/mm/highmem_32.c",
        kmap_irq: IrqCheck::MightSleep(6),
        kunmap_irq: IrqCheck::Bug(15),
        bug_lines: (181, 196, 206),
        flush_fn: "flush_tlb_kernel_range",
    },
    atomic: AtomicRules {
        types: &["KM_BOUNCE_READ", "KM_SKB_SUNRPC_DATA", "KM_SKB_DATA_SOFTIRQ", "KM_USER0", "KM_USER1", "KM_BIO_SRC_IRQ", "KM_BIO_DST_IRQ", "KM_PTE0", "KM_PTE1", "KM_IRQ0", "KM_IRQ1", "KM_SOFTIRQ0", "KM_SOFTIRQ1"],
        count_fns: Some(("pagefault_disable", "pagefault_enable")),
        flush_on_map: false,
        busy: AtomicCheck { file: "arch/x86/mm/highmem_32.c", line: 42, debug_only: false },
        unmap_clears_only_in_debug: false,
        wrong_address: AtomicCheck { file: "arch/x86/mm/highmem_32.c", line: 69, debug_only: true },
        wrong_address_lowmem_rule: true,
        debug_types: None,
        local: None,
    },
    sched_counts_own_disable: false,
    vmalloc: VmallocRules {
        names: VmNames {
            inner: "__vmalloc_node",
            get_area: "__get_vm_area_node",
            area: Some("__vmalloc_area_node"),
            map: "map_vm_area",
        },
        allocator: crate::vmalloc::Allocator::Vmlist26,
        ioremap_align: IoremapAlign::Fls,
        fail: VmFailMsg::OutOfSpace,
        get_area_irq_bug: Some(177),
        vfree_irq: VfreeIrq::Bug(375),
        vunmap_irq_bug: Some(391),
        pages_array: true,
        vpages_flag: true,
        highmem_added_inside: false,
        isa_shortcut: true,
        ioremap_global: false,
        ioremap_last_page_short: false,
        ioremap_ram_warns: false,
        vmallocinfo: None,
        meminfo: Some(crate::vmalloc::MeminfoStyle::Sum2611),
        fault_vmalloc_range_only: false,
        eager_sync: false,
        flush_ceiling: None,
    },
};

static V2_6_32: Profile = Profile {
    id: ProfileId::V2_6_32,
    name: "2.6.32",
    era: "long-term 2.6",
    book: "the long-term kernel of RHEL 6, Ubuntu 10.04 and Debian 6",
    elixir_tag: "v2.6.32",
    reference_kernel: "an SMP i686 build with NR_CPUS 32 (bigsmp, as Debian 6's 686-bigmem), \
                       local and I/O APICs, PCI MMCONFIG and PARAVIRT",
    default_config: KernelConfig::with(&[LocalApic, IoApic, PciMmconfig, Paravirt]),
    config_names: &[
        (LocalApic, "X86_LOCAL_APIC"),
        (IoApic, "X86_IO_APIC"),
        (VisWsApic, "X86_VISWS_APIC"),
        (F00fBug, "X86_F00F_BUG"),
        (CycloneTimer, "X86_CYCLONE_TIMER"),
        (PciMmconfig, "PCI_MMCONFIG"),
        (Paravirt, "PARAVIRT"),
        (Ohci1394DmaInit, "PROVIDE_OHCI1394_DMA_INIT"),
        (IntelTxt, "INTEL_TXT"),
        (DebugHighmem, "DEBUG_HIGHMEM"),
    ],
    default_nr_cpus: 32,
    nr_cpus_allowed: NrCpus::UpTo(512),
    max_io_apics: 64,
    km_slots_per_cpu: 19,
    km_slots_per_cpu_debug: 39,
    fixmap: &[
        fix("HOLE", One, Always),
        fix("VDSO", One, Always),
        fix("DBGP_BASE", One, Always),
        fix("EARLYCON_MEM_BASE", One, Always),
        fix("APIC_BASE", One, Opt(LocalApic)),
        fix("IO_APIC_BASE_0", IoApics, Opt(IoApic)),
        fix("CO_CPU", One, Opt(VisWsApic)),
        fix("CO_APIC", One, Opt(VisWsApic)),
        fix("LI_PCIA", One, Opt(VisWsApic)),
        fix("LI_PCIB", One, Opt(VisWsApic)),
        fix("F00F_IDT", One, Opt(F00fBug)),
        fix("CYCLONE_TIMER", One, Opt(CycloneTimer)),
        // Present on every 32-bit 2.6.32 kernel, HIGHMEM or not.
        fix("KMAP_BEGIN", KmapSlots, Always),
        fix("PCIE_MCFG", One, Opt(PciMmconfig)),
        fix("PARAVIRT_BOOTMAP", One, Opt(Paravirt)),
        fix("TEXT_POKE1", One, Always),
        fix("TEXT_POKE0", One, Always),
    ],
    boot_fixmap: BootFixmap {
        slots: 256,
        align: BtmapAlign::Next256,
        // 2.6.32 as released (Elixir's v2.6.32) keeps OHCI1394 after the boot slots; later
        // 2.6.32.y stable kernels moved it into the permanent part.
        tail: &[
            fix("OHCI1394_BASE", One, Opt(Ohci1394DmaInit)),
            fix("WP_TEST", One, Always),
            fix("TBOOT_BASE", One, Opt(IntelTxt)),
        ],
    },
    fixaddr_top: 0xffff_f000,
    pkmap_base: PkmapBaseRule::BelowBootFixmap,
    cpu_entry_area: None,
    maxmem: MaxmemRule::FromVmallocEnd,
    vmalloc_start: VmallocStartRule::PlusOffset,
    vmalloc_end_no_highmem: NoHighmemVmallocEnd::BelowFixmap,
    vmalloc_param: VmallocParam::SetsReservePlusOffset,
    pae_requires_highmem: false,
    e820_drops_640k_to_1m: false,
    max_pfn: MaxPfnRule::CappedAtMaxArchPfn,
    zone_start: ZoneStart::LowestE820Ram,
    dma_clamped_to_lowmem: false,
    warnings: WARNINGS_MODERN,
    zone_print: ZonePrint::PfnHex,
    e820_print: E820Print::Old2632,
    prints_layout_block: true,
    meminfo_vmalloc_total: Some("VmallocTotal:   "),
    boot: BootRules {
        default_cpu: crate::cpu::CpuModel::Core2,
        kernel_phys_start: 0x100_0000,
        kernel_image: KernelImage {
            text: 3500 << 10,
            rodata: 1100 << 10,
            data: 700 << 10,
            init: 500 << 10,
            bss: 600 << 10,
            source: "a typical distribution build of the era (approximate; the image's size is a property of the build, not of the kernel's rules)",
        },
        low_reserve: LowReserve::Pages(&[0, 1]),
        table_alloc: TableAlloc::FirstFitFrom(7),
        mem_map_place: MemMapPlace::From16MiB,
        mem_map_size: MemMapSize::AlignedToMaxOrder,
        struct_page: 32,
        struct_page_no_highmem: 32,
        direct_map: DirectMapRule::FourKHeadAndTail,
        exec_from_page_offset: true,
        has_nx: true,
        pae_user_pdptes_zero_page: false,
        reports_direct_map: true,
        buddy: crate::phys::BuddyRules {
            max_order: 11,
            split_keeps_upper: false,
            merge_likely_to_tail: false,
            boot_lowmem_to_tail: false,
        },
    },
    messages: crate::messages::Messages {
        oops: crate::messages::OopsStyle::BugAtPointer,
        sched: crate::messages::SchedBugStyle::Atomic,
        preempt: Some(crate::messages::PreemptLayout { hardirq_bits: 10 }),
        bug: crate::messages::BugStyle::InvalidOpcode,
        warn: crate::messages::WarnStyle::At2632,
        might_sleep: Some((crate::messages::MightSleepStyle::Bug2632, "DEBUG_SPINLOCK_SLEEP")),
    },
    get_free_pages_highmem: GfpHighmemRule::VmBugOnThenZero,
    gfp_kernel: 0xd0,
    flush_all_leaves_lazy_mm: true,
    pkmap: PkmapRules {
        store: crate::highmem::AddressStore::HashedPool,
        hash_mul: 0x9e37_0001,
        flush_only_if_cleared: true,
        kmap_nonblock: false,
        flush_unused_event: true,
        wrapper_file: "arch/x86/mm/highmem_32.c",
        kmap_irq: IrqCheck::MightSleep(7),
        kunmap_irq: IrqCheck::Bug(16),
        bug_lines: (210, 259, 269),
        flush_fn: "flush_tlb_kernel_range",
    },
    atomic: AtomicRules {
        types: &["KM_BOUNCE_READ", "KM_SKB_SUNRPC_DATA", "KM_SKB_DATA_SOFTIRQ", "KM_USER0", "KM_USER1", "KM_BIO_SRC_IRQ", "KM_BIO_DST_IRQ", "KM_PTE0", "KM_PTE1", "KM_IRQ0", "KM_IRQ1", "KM_SOFTIRQ0", "KM_SOFTIRQ1", "KM_SYNC_ICACHE", "KM_SYNC_DCACHE", "KM_UML_USERCOPY", "KM_IRQ_PTE", "KM_NMI", "KM_NMI_PTE"],
        count_fns: Some(("pagefault_disable", "pagefault_enable")),
        flush_on_map: false,
        busy: AtomicCheck { file: "arch/x86/mm/highmem_32.c", line: 45, debug_only: false },
        unmap_clears_only_in_debug: false,
        wrong_address: AtomicCheck { file: "arch/x86/mm/highmem_32.c", line: 71, debug_only: true },
        wrong_address_lowmem_rule: true,
        debug_types: Some(DEBUG_KMAP_ATOMIC_2_6_32),
        local: None,
    },
    sched_counts_own_disable: false,
    vmalloc: VmallocRules {
        names: VmNames {
            inner: "__vmalloc_node",
            get_area: "__get_vm_area_node",
            area: Some("__vmalloc_area_node"),
            map: "map_vm_area",
        },
        allocator: crate::vmalloc::Allocator::VmapLazy,
        ioremap_align: IoremapAlign::Fls,
        fail: VmFailMsg::VmapAllocation {
            period: true,
            warn_alloc: false,
        },
        get_area_irq_bug: Some(1166),
        vfree_irq: VfreeIrq::Bug(1347),
        vunmap_irq_bug: Some(1366),
        pages_array: true,
        vpages_flag: true,
        highmem_added_inside: false,
        isa_shortcut: true,
        ioremap_global: true,
        ioremap_last_page_short: false,
        ioremap_ram_warns: false,
        vmallocinfo: Some(crate::vmalloc::InfoStyle::Vmlist),
        meminfo: Some(crate::vmalloc::MeminfoStyle::Sum2632),
        fault_vmalloc_range_only: true,
        eager_sync: false,
        flush_ceiling: None,
    },
};

/// 2.6.32's `debug_kmap_atomic()` (<https://elixir.bootlin.com/linux/v2.6.32/source/mm/highmem.c>).
const DEBUG_KMAP_ATOMIC_2_6_32: DebugKmapAtomic = DebugKmapAtomic {
    hardirq: (
        &[
            "KM_IRQ0",
            "KM_IRQ1",
            "KM_BIO_SRC_IRQ",
            "KM_BIO_DST_IRQ",
            "KM_BOUNCE_READ",
            "KM_IRQ_PTE",
        ],
        444,
    ),
    softirq: (
        &[
            "KM_IRQ0",
            "KM_IRQ1",
            "KM_SOFTIRQ0",
            "KM_SOFTIRQ1",
            "KM_SKB_SUNRPC_DATA",
            "KM_SKB_DATA_SOFTIRQ",
            "KM_BOUNCE_READ",
        ],
        453,
    ),
    irqs_off: (
        &[
            "KM_IRQ0",
            "KM_IRQ1",
            "KM_BOUNCE_READ",
            "KM_BIO_SRC_IRQ",
            "KM_BIO_DST_IRQ",
            "KM_IRQ_PTE",
            "KM_NMI",
            "KM_NMI_PTE",
        ],
        464,
    ),
    in_irq_or_off: (&["KM_SOFTIRQ0", "KM_SOFTIRQ1"], 469),
    warn_count: 10,
};

/// The warnings of 2.6.32 and 6.1.
const WARNINGS_MODERN: Warnings = Warnings {
    use_pae: "Use a HIGHMEM64G enabled kernel.",
    only_4g: &["Warning: only 4GB will be used. Use a HIGHMEM64G enabled kernel!"],
    no_highmem_resets_max_pfn: true,
};

/// Bytes of `struct tss_struct` on i386 in 6.1, page-aligned: the 104-byte hardware TSS, then
/// `struct x86_io_bitmap`: a u64 sequence number, an unsigned int, and two bitmaps of
/// `IO_BITMAP_LONGS + 1` longs (65536 ports / 32 bits per long = 2048, plus one).
const TSS_STRUCT_6_1: u64 = {
    let io_bitmap_longs = 65536 / 32 + 1;
    let io_bitmap = 8 + 4 + 2 * io_bitmap_longs * 4;
    let bytes: u64 = 104 + io_bitmap;
    bytes.div_ceil(4096) * 4096
};

static V6_1: Profile = Profile {
    id: ProfileId::V6_1,
    name: "6.1",
    era: "modern",
    book: "Debian 12's kernel (686-pae and 686 flavours)",
    elixir_tag: "v6.1",
    reference_kernel: "Debian 12's 686-pae kernel: NR_CPUS 32, local and I/O APICs, \
                       PCI MMCONFIG and ACPI APEI GHES; no PARAVIRT_XXL, OHCI1394 or TXT",
    default_config: KernelConfig::with(&[LocalApic, IoApic, PciMmconfig, AcpiApeiGhes]),
    config_names: &[
        (LocalApic, "X86_LOCAL_APIC"),
        (IoApic, "X86_IO_APIC"),
        (PciMmconfig, "PCI_MMCONFIG"),
        (Paravirt, "PARAVIRT_XXL"),
        (Ohci1394DmaInit, "PROVIDE_OHCI1394_DMA_INIT"),
        (IntelTxt, "INTEL_TXT"),
        (AcpiApeiGhes, "ACPI_APEI_GHES"),
        (DebugKmapLocal, "DEBUG_KMAP_LOCAL"),
    ],
    default_nr_cpus: 32,
    nr_cpus_allowed: NrCpus::UpTo(64),
    max_io_apics: 64,
    km_slots_per_cpu: 16,
    km_slots_per_cpu_debug: 33,
    fixmap: &[
        fix("HOLE", One, Always),
        fix("DBGP_BASE", One, Always),
        fix("EARLYCON_MEM_BASE", One, Always),
        fix("OHCI1394_BASE", One, Opt(Ohci1394DmaInit)),
        fix("APIC_BASE", One, Opt(LocalApic)),
        fix("IO_APIC_BASE_0", IoApics, Opt(IoApic)),
        // KMAP_LOCAL is always selected on 32-bit x86, HIGHMEM or not.
        fix("KMAP_BEGIN", KmapSlots, Always),
        fix("PCIE_MCFG", One, Opt(PciMmconfig)),
        fix("PARAVIRT_BOOTMAP", One, Opt(Paravirt)),
        fix("APEI_GHES_IRQ", One, Opt(AcpiApeiGhes)),
        fix("APEI_GHES_NMI", One, Opt(AcpiApeiGhes)),
    ],
    boot_fixmap: BootFixmap {
        slots: 512,
        align: BtmapAlign::NoPageTableCrossing,
        tail: &[
            fix("WP_TEST", One, Always),
            fix("TBOOT_BASE", One, Opt(IntelTxt)),
        ],
    },
    fixaddr_top: 0xffff_f000,
    pkmap_base: PkmapBaseRule::BelowLdtRemap,
    cpu_entry_area: Some(CpuEntryArea {
        members: &[
            ("gdt", 4096),
            ("guard_entry_stack", 4096),
            ("entry_stack_page", 4096),
            ("guard_doublefault_stack", 4096),
            ("doublefault_stack", 4096),
            ("tss", TSS_STRUCT_6_1),
            ("cpu_debug_store", 4096),
            ("cpu_debug_buffers (BTS + PEBS)", 2 * (4096 << 4)),
        ],
    }),
    maxmem: MaxmemRule::FromVmallocEnd,
    vmalloc_start: VmallocStartRule::PlusOffset,
    vmalloc_end_no_highmem: NoHighmemVmallocEnd::BelowLdtRemap,
    vmalloc_param: VmallocParam::SetsReservePlusOffset,
    pae_requires_highmem: false,
    e820_drops_640k_to_1m: false,
    max_pfn: MaxPfnRule::CappedAtMaxArchPfn,
    zone_start: ZoneStart::AfterFirstPageTrim,
    dma_clamped_to_lowmem: true,
    warnings: WARNINGS_MODERN,
    zone_print: ZonePrint::MemRanges,
    e820_print: E820Print::Mem,
    prints_layout_block: false,
    meminfo_vmalloc_total: Some("VmallocTotal:   "),
    boot: BootRules {
        default_cpu: crate::cpu::CpuModel::Skylake,
        kernel_phys_start: 0x100_0000,
        kernel_image: KernelImage {
            text: 9423 << 10,
            rodata: 3188 << 10,
            data: 1265 << 10,
            init: 928 << 10,
            bss: 476 << 10,
            source: "the Memory: line of the reference boot of Debian 12's 686-pae kernel",
        },
        low_reserve: LowReserve::FirstMiB,
        table_alloc: TableAlloc::TopDown,
        mem_map_place: MemMapPlace::TopDown,
        mem_map_size: MemMapSize::AlignedToMaxOrder,
        struct_page: 40,
        struct_page_no_highmem: 40,
        direct_map: DirectMapRule::FourKHeadAndTailSplitImage,
        exec_from_page_offset: false,
        has_nx: true,
        pae_user_pdptes_zero_page: false,
        reports_direct_map: true,
        buddy: crate::phys::BuddyRules {
            max_order: 11,
            split_keeps_upper: false,
            merge_likely_to_tail: true,
            boot_lowmem_to_tail: true,
        },
    },
    messages: crate::messages::Messages {
        oops: crate::messages::OopsStyle::PageFault,
        sched: crate::messages::SchedBugStyle::Atomic,
        preempt: Some(crate::messages::PreemptLayout { hardirq_bits: 4 }),
        bug: crate::messages::BugStyle::InvalidOpcodePreempt,
        warn: crate::messages::WarnStyle::Cpu61,
        might_sleep: Some((
            crate::messages::MightSleepStyle::Bug61,
            "DEBUG_ATOMIC_SLEEP",
        )),
    },
    get_free_pages_highmem: GfpHighmemRule::StripsHighmem,
    gfp_kernel: 0xcc0,
    flush_all_leaves_lazy_mm: false,
    pkmap: PkmapRules {
        store: crate::highmem::AddressStore::HashedPerSlot,
        hash_mul: 0x61c8_8647,
        flush_only_if_cleared: true,
        kmap_nonblock: false,
        flush_unused_event: true,
        wrapper_file: "include/linux/highmem-internal.h",
        kmap_irq: IrqCheck::MightSleep(44),
        kunmap_irq: IrqCheck::MightSleep(55),
        bug_lines: (307, 357, 367),
        flush_fn: "flush_tlb_kernel_range",
    },
    atomic: AtomicRules {
        types: &[],
        count_fns: Some(("preempt_disable", "preempt_enable")),
        flush_on_map: false,
        busy: AtomicCheck {
            file: "mm/highmem.c",
            line: 551,
            debug_only: false,
        },
        unmap_clears_only_in_debug: false,
        wrong_address: AtomicCheck {
            file: "mm/highmem.c",
            line: 609,
            debug_only: false,
        },
        wrong_address_lowmem_rule: false,
        debug_types: None,
        local: Some(LocalRules {
            push_bug_line: 466,
            pop_bug_line: 478,
            outside_warn_line: 603,
            pte_bug_line: 551,
            order_warn_line: 609,
            preempt_count: true,
        }),
    },
    sched_counts_own_disable: true,
    vmalloc: VmallocRules {
        names: VmNames {
            inner: "__vmalloc_node_range",
            get_area: "__get_vm_area_node",
            area: Some("__vmalloc_area_node"),
            map: "vmap_pages_range",
        },
        allocator: crate::vmalloc::Allocator::VmapFreeTree,
        ioremap_align: IoremapAlign::CountOrder,
        fail: VmFailMsg::VmapAllocation {
            period: false,
            warn_alloc: true,
        },
        get_area_irq_bug: Some(2485),
        vfree_irq: VfreeIrq::Deferred,
        vunmap_irq_bug: Some(2807),
        pages_array: true,
        vpages_flag: false,
        highmem_added_inside: true,
        isa_shortcut: false,
        ioremap_global: true,
        ioremap_last_page_short: false,
        ioremap_ram_warns: true,
        vmallocinfo: Some(crate::vmalloc::InfoStyle::BusyList),
        meminfo: Some(crate::vmalloc::MeminfoStyle::Pages61),
        fault_vmalloc_range_only: true,
        eager_sync: true,
        flush_ceiling: Some(33),
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for id in ProfileId::ALL {
            assert_eq!(ProfileId::parse(id.name()), Some(id));
            assert_eq!(id.profile().id, id);
        }
        assert_eq!(ProfileId::parse("2.6.33"), None);
    }

    #[test]
    fn cpu_entry_area_of_6_1_is_43_pages() {
        let cea = V6_1.cpu_entry_area.unwrap();
        assert_eq!(TSS_STRUCT_6_1, 5 * 4096);
        assert_eq!(cea.size(), 43 * 4096);
    }

    #[test]
    fn config_names_are_per_era() {
        assert_eq!(V2_4_22.config_by_name("X86_F00F_WORKS_OK"), Some(F00fBug));
        assert_eq!(V2_6_24.config_by_name("CONFIG_ACPI"), Some(Acpi));
        assert_eq!(V6_1.config_by_name("PARAVIRT_XXL"), Some(Paravirt));
        assert_eq!(V6_1.config_by_name("ACPI"), None);
        assert_eq!(V6_1.config_name(CycloneTimer), None);
    }

    #[test]
    fn default_configs_only_use_options_the_era_has() {
        for id in ProfileId::ALL {
            let p = id.profile();
            for opt in ConfigOpt::ALL {
                if p.default_config.has(opt) {
                    assert!(p.config_name(opt).is_some(), "{id}: {opt:?}");
                }
            }
            assert!(p.nr_cpus_allowed.allows(p.default_nr_cpus));
        }
    }

    #[test]
    fn nr_cpus_rules() {
        assert!(NrCpus::OneOf(&[1, 32]).allows(32));
        assert!(!NrCpus::OneOf(&[1, 32]).allows(8));
        assert!(NrCpus::UpTo(64).allows(1));
        assert!(!NrCpus::UpTo(64).allows(0));
        assert!(!NrCpus::UpTo(64).allows(65));
    }
}
