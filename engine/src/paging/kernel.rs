//! The kernel's reference page tables (`swapper_pg_dir`, the tables of `init_mm`) as each era
//! builds them at boot, and the page directories of new processes (`pgd_alloc`).
//!
//! Boot is planned before physical memory is handed to the buddy allocator, because the
//! page tables, the kernel image and `mem_map` take frames the allocator must never see:
//! [`plan`] decides where everything goes, [`build`] writes the tables.
//! Sources: `pagetable_init` / `kernel_physical_mapping_init` / `init_memory_mapping`
//! (`arch/i386/mm/init.c`, `arch/x86/mm/init_32.c`, `arch/x86/mm/init.c`), `pgd_alloc`
//! (`include/asm-i386/pgalloc.h`, `arch/i386/mm/pgtable.c`, `arch/x86/mm/pgtable.c`).

use super::{read_entry, write_entry, Entry, EntryFlags, PagingMode, Split};
use crate::addr::{Pfn, PhysAddr, VirtAddr, MIB, PAGE_SIZE};
use crate::cpu::CpuSpec;
use crate::layout::{Layout, PAGE_OFFSET};
use crate::phys::{PhysMem, Reservation};
use crate::profile::{DirectMapRule, LowReserve, MemMapPlace, MemMapSize, Profile, TableAlloc};
use serde::Serialize;

/// `_PAGE_TABLE` (P|RW|US|A|D): what 2.6 and 6.1 put in a kernel PDE pointing at a table.
const PAGE_TABLE: u64 = 0x067;
/// `_KERNPG_TABLE` (P|RW|A|D): what 2.4 puts there.
const KERNPG_TABLE: u64 = 0x063;

/// The kernel image's sections, as physical byte addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ImageLayout {
    /// `_text`.
    pub text: u64,
    /// `_etext`.
    pub etext: u64,
    /// `__end_rodata`.
    pub end_rodata: u64,
    /// `__init_begin` (the end of the writable data).
    pub init_begin: u64,
    /// `__init_end`.
    pub init_end: u64,
    /// The end of `.bss`.
    pub end: u64,
}

/// Where boot put everything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BootPlan {
    /// Ranges the buddy allocator never gets.
    pub reservations: Vec<Reservation>,
    /// The frames of the boot page tables, in the order [`build`] uses them.
    pub table_frames: Vec<u64>,
    /// The kernel image.
    pub image: ImageLayout,
    /// `swapper_pg_dir` (in the image's `.bss`).
    pub swapper_pg_dir: PhysAddr,
    /// `empty_zero_page` (in the image's `.bss`).
    pub zero_page: PhysAddr,
    /// The kernel virtual address of `mem_map[0]`.
    pub mem_map: VirtAddr,
    /// `sizeof(struct page)`.
    pub struct_page: u64,
    /// How each page-directory slot of the direct map is mapped.
    pub direct_map: Vec<SlotMapping>,
}

/// How one page-directory slot of the direct map is mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SlotMapping {
    /// One large page.
    Large,
    /// A page table of 4 KiB pages.
    Table,
}

/// The reference tables after boot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KernelTables {
    /// PAE or not.
    pub mode: PagingMode,
    /// `swapper_pg_dir`: the PDPT with PAE, the page directory without.
    pub swapper_pg_dir: PhysAddr,
    /// With PAE, the page directory of the kernel's gigabyte, shared by every process.
    pub kernel_pmd: Option<PhysAddr>,
    /// `empty_zero_page`.
    pub zero_page: PhysAddr,
    /// `pkmap_page_table`, on HIGHMEM kernels.
    pub pkmap_page_table: Option<PhysAddr>,
    /// The fixmap's page tables: (virtual base, table).
    pub fixmap_tables: Vec<(u64, PhysAddr)>,
    /// 4 KiB pages in the direct map (`DirectMap4k`).
    pub direct_map_4k: u64,
    /// Large pages in the direct map (`DirectMap2M` / `DirectMap4M`).
    pub direct_map_large: u64,
    /// `IA32_EFER.NXE`: execute-disable in force.
    pub nxe: bool,
    /// CR4.PGE: kernel mappings are global.
    pub pge: bool,
    /// `PAGE_KERNEL` as this machine resolves it (`kmap_prot`).
    pub page_kernel: EntryFlags,
    /// The kernel virtual address of `mem_map[0]`.
    pub mem_map: VirtAddr,
    /// `sizeof(struct page)`.
    pub struct_page: u64,
}

/// Why boot failed: not enough low memory for what it must place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootError(pub String);

/// Low memory as the boot allocator sees it.
struct BootMem {
    ram: Vec<(u64, u64)>,
    taken: Vec<(u64, u64)>,
}

impl BootMem {
    fn is_free(&self, start: u64, end: u64) -> bool {
        self.ram.iter().any(|&(s, e)| s <= start && end <= e)
            && !self.taken.iter().any(|&(s, e)| start < e && s < end)
    }

    fn take(&mut self, start: u64, end: u64) {
        self.taken.push((start, end));
    }

    fn first_fit(&self, from: u64, pages: u64) -> Option<u64> {
        let mut candidates: Vec<u64> = self
            .ram
            .iter()
            .map(|&(s, _)| s.max(from))
            .chain(self.taken.iter().map(|&(_, e)| e.max(from)))
            .collect();
        candidates.sort_unstable();
        candidates.into_iter().find(|&s| self.is_free(s, s + pages))
    }

    fn top_down(&self, below: u64, pages: u64) -> Option<u64> {
        let mut candidates: Vec<u64> = self
            .ram
            .iter()
            .map(|&(_, e)| e.min(below))
            .chain(self.taken.iter().map(|&(s, _)| s.min(below)))
            .filter(|&e| e >= pages)
            .map(|e| e - pages)
            .collect();
        candidates.sort_unstable_by(|a, b| b.cmp(a));
        candidates.into_iter().find(|&s| self.is_free(s, s + pages))
    }
}

/// How many page tables the direct map, pkmap and fixmap need, and the direct map's slots.
fn table_needs(
    p: &Profile,
    l: &Layout,
    cpu: &CpuSpec,
    image: &ImageLayout,
) -> (Vec<SlotMapping>, u64) {
    let mode = mode_of(l);
    let slot_pages = mode.entries_per_table();
    let max_low = l.memory.max_low_pfn.as_u64();
    let slots = max_low.div_ceil(slot_pages);
    let large_ok = cpu.pse || mode == PagingMode::Pae;
    let mut map = Vec::new();
    for slot in 0..slots {
        let (s, e) = (slot * slot_pages, (slot + 1) * slot_pages);
        let large = large_ok
            && match p.boot.direct_map {
                DirectMapRule::LargeFromZero => true,
                DirectMapRule::FourKHeadAndTail => slot > 0 && e <= max_low,
                DirectMapRule::FourKHeadAndTailSplitImage => {
                    // set_memory_*() after boot splits every large page that one of the image's
                    // unaligned section boundaries falls inside; split pages are never merged.
                    let (lo, hi) = (s * PAGE_SIZE, e * PAGE_SIZE);
                    let boundaries = [
                        image.etext,
                        image.end_rodata,
                        image.init_begin,
                        image.init_end,
                    ];
                    slot > 0 && e <= max_low && !boundaries.iter().any(|&b| lo < b && b < hi)
                }
            };
        map.push(if large {
            SlotMapping::Large
        } else {
            SlotMapping::Table
        });
    }
    let tables = map.iter().filter(|m| **m == SlotMapping::Table).count() as u64;
    let pmd = u64::from(mode == PagingMode::Pae);
    let pkmap = u64::from(l.resolved.highmem);
    let fixmap = fixmap_slots(l).len() as u64;
    (map, tables + pmd + pkmap + fixmap)
}

/// The page-directory slots the fixmap's tables cover: from the lowest boot-time slot's
/// PMD to the top of the address space.
fn fixmap_slots(l: &Layout) -> Vec<u64> {
    let pmd = l.symbol("PMD_SIZE").map(|s| s.value).unwrap_or(2 * MIB);
    let end_of_fixed = u64::from(l.fixmap.end);
    let lowest = l.fixaddr_top() - (end_of_fixed - 1) * PAGE_SIZE;
    let mut slots = Vec::new();
    let mut at = lowest & !(pmd - 1);
    while at < (1 << 32) {
        slots.push(at);
        at += pmd;
    }
    slots
}

fn mode_of(l: &Layout) -> PagingMode {
    if l.resolved.pae {
        PagingMode::Pae
    } else {
        PagingMode::NonPae
    }
}

/// Whether execute-disable is in force: PAE, a CPU with NX, and an era that uses it.
fn nx_active(p: &Profile, l: &Layout, cpu: &CpuSpec) -> bool {
    l.resolved.pae && cpu.nx && p.boot.has_nx
}

/// `PAGE_KERNEL` for this machine: present, writable, accessed, dirty, global with PGE,
/// execute-disable where in force.
pub fn page_kernel(p: &Profile, l: &Layout, cpu: &CpuSpec) -> EntryFlags {
    let mut f =
        EntryFlags::PRESENT | EntryFlags::WRITABLE | EntryFlags::ACCESSED | EntryFlags::DIRTY;
    if cpu.pge {
        f |= EntryFlags::GLOBAL;
    }
    if nx_active(p, l, cpu) {
        f |= EntryFlags::NO_EXECUTE;
    }
    f
}

/// The protection a direct-mapped frame ends up with after boot: `PAGE_KERNEL`, executable
/// inside the kernel-text range, and in 6.1 read-only for text and read-only data.
fn final_flags(p: &Profile, l: &Layout, cpu: &CpuSpec, img: &ImageLayout, pfn: u64) -> EntryFlags {
    let pk = page_kernel(p, l, cpu);
    let a = pfn * PAGE_SIZE;
    let exec_start = if p.boot.exec_from_page_offset {
        0
    } else {
        img.text
    };
    let in_text = (exec_start..=img.init_end).contains(&a);
    if p.boot.direct_map != DirectMapRule::FourKHeadAndTailSplitImage {
        return if in_text {
            pk - EntryFlags::NO_EXECUTE
        } else {
            pk
        };
    }
    // 6.1 after mark_rodata_ro(), mark_nxdata_nx() and free_initmem().
    // mark_rodata_ro(): text and read-only data lose R/W; mark_nxdata_nx() and
    // free_initmem(): everything after the text is execute-disabled.
    if (img.text..img.etext).contains(&a) {
        pk - EntryFlags::NO_EXECUTE - EntryFlags::WRITABLE
    } else if (img.etext..img.end_rodata).contains(&a) {
        pk - EntryFlags::WRITABLE
    } else {
        pk
    }
}

/// The protection of a large page of the direct map. Through 2.6.32 a large page is
/// executable if its first or last byte is kernel text, and otherwise `PAGE_KERNEL_LARGE`;
/// 6.1 keeps only large pages whose frames all ended with the same protection.
fn large_flags(
    p: &Profile,
    l: &Layout,
    cpu: &CpuSpec,
    img: &ImageLayout,
    first: u64,
    pages: u64,
) -> EntryFlags {
    let (a, b) = (
        final_flags(p, l, cpu, img, first),
        final_flags(p, l, cpu, img, first + pages - 1),
    );
    if p.boot.direct_map == DirectMapRule::FourKHeadAndTailSplitImage {
        return a;
    }
    let exec = !a.contains(EntryFlags::NO_EXECUTE) || !b.contains(EntryFlags::NO_EXECUTE);
    let pk = page_kernel(p, l, cpu);
    if exec {
        pk - EntryFlags::NO_EXECUTE
    } else {
        pk
    }
}

/// Plans boot: what is reserved, where the page tables and `mem_map` go.
pub fn plan(p: &Profile, l: &Layout, cpu: &CpuSpec) -> Result<BootPlan, BootError> {
    let b = &p.boot;
    let page_up = |x: u64| x.div_ceil(PAGE_SIZE);
    let max_low = l.memory.max_low_pfn.as_u64();
    let ram: Vec<(u64, u64)> = l
        .memory
        .ram
        .iter()
        .map(|(s, e)| (s.as_u64(), e.as_u64().min(max_low)))
        .filter(|(s, e)| s < e)
        .collect();
    let mut mem = BootMem {
        ram,
        taken: Vec::new(),
    };
    let mut reservations = Vec::new();
    fn reserve(mem: &mut BootMem, out: &mut Vec<Reservation>, s: u64, e: u64, label: &str) {
        mem.take(s, e);
        out.push(Reservation {
            start: Pfn::new(s),
            end: Pfn::new(e),
            label: label.to_string(),
        });
    }

    match b.low_reserve {
        LowReserve::Pages(pages) => {
            for &pg in pages {
                reserve(
                    &mut mem,
                    &mut reservations,
                    pg,
                    pg + 1,
                    if pg == 0 {
                        "BIOS data page"
                    } else {
                        "SMP trampoline"
                    },
                );
            }
        }
        LowReserve::FirstMiB => reserve(
            &mut mem,
            &mut reservations,
            0,
            256,
            "first MiB (real mode, BIOS)",
        ),
    }

    // The kernel image.
    let k = &b.kernel_image;
    let text = b.kernel_phys_start;
    let etext = text + k.text;
    let end_rodata = etext + k.rodata;
    let init_begin = end_rodata + k.data;
    let init_end = init_begin + k.init;
    let end = init_end + k.bss;
    let image = ImageLayout {
        text,
        etext,
        end_rodata,
        init_begin,
        init_end,
        end,
    };
    let (img_s, img_e) = (text / PAGE_SIZE, page_up(end));
    if !mem.is_free(img_s, img_e) {
        return Err(BootError(format!(
            "the kernel image ({} KiB at {:#x}) does not fit in this machine's low memory",
            k.size() >> 10,
            text
        )));
    }
    reserve(
        &mut mem,
        &mut reservations,
        img_s,
        page_up(init_begin),
        "kernel text and data",
    );
    mem.take(page_up(init_begin), init_end / PAGE_SIZE); // .init: freed after boot
    reserve(
        &mut mem,
        &mut reservations,
        init_end / PAGE_SIZE,
        img_e,
        "kernel .bss",
    );
    // swapper_pg_dir and empty_zero_page are page-aligned objects in .bss.
    let swapper = PhysAddr::new(page_up(init_end) * PAGE_SIZE);
    let zero_page = PhysAddr::new(swapper.as_u64() + PAGE_SIZE);

    // Boot page tables.
    let (direct_map, n_tables) = table_needs(p, l, cpu, &image);
    let mut table_frames = Vec::new();
    let mut lowest_table = max_low;
    for _ in 0..n_tables {
        let f = match b.table_alloc {
            TableAlloc::FirstFitFrom(from) => mem.first_fit(from, 1),
            TableAlloc::TopDown => mem.top_down(max_low, 1),
        }
        .ok_or_else(|| BootError("no low memory left for the kernel's page tables".into()))?;
        mem.take(f, f + 1);
        lowest_table = lowest_table.min(f);
        table_frames.push(f);
    }
    let mut sorted = table_frames.clone();
    sorted.sort_unstable();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for f in sorted {
        match runs.last_mut() {
            Some(r) if r.1 == f => r.1 = f + 1,
            _ => runs.push((f, f + 1)),
        }
    }
    for (s, e) in runs {
        reservations.push(Reservation {
            start: Pfn::new(s),
            end: Pfn::new(e),
            label: "boot page tables".into(),
        });
    }

    // mem_map.
    let struct_page = if l.resolved.highmem {
        b.struct_page
    } else {
        b.struct_page_no_highmem
    };
    let top_pfn = l.memory.zones.last().map(|z| z.end.as_u64()).unwrap_or(0);
    let entries = match b.mem_map_size {
        MemMapSize::SpannedPlusOne => top_pfn + 1,
        MemMapSize::AlignedToMaxOrder => {
            let block = 1u64 << (b.buddy.max_order - 1);
            top_pfn.div_ceil(block) * block
        }
    };
    let (pages, pad) = match b.mem_map_place {
        // 2.4 aligns the array's offset from PAGE_OFFSET to a multiple of sizeof(struct page).
        MemMapPlace::From16MiB => {
            let pad = (struct_page - (16 * MIB) % struct_page) % struct_page;
            (page_up(entries * struct_page + pad), pad)
        }
        MemMapPlace::TopDown => (page_up(entries * struct_page), 0),
    };
    let at = match b.mem_map_place {
        MemMapPlace::From16MiB => mem
            .first_fit((16 * MIB) / PAGE_SIZE, pages)
            .or_else(|| mem.first_fit(0, pages)),
        MemMapPlace::TopDown => mem.top_down(lowest_table, pages),
    }
    .ok_or_else(|| {
        BootError(format!(
            "no room in low memory for mem_map ({} KiB of struct page)",
            (pages * PAGE_SIZE) >> 10
        ))
    })?;
    reserve(
        &mut mem,
        &mut reservations,
        at,
        at + pages,
        "mem_map (struct page array)",
    );
    let mem_map = VirtAddr::try_from_u64(PAGE_OFFSET + at * PAGE_SIZE + pad)
        .ok_or_else(|| BootError("mem_map above 4 GiB".into()))?;

    Ok(BootPlan {
        reservations,
        table_frames,
        image,
        swapper_pg_dir: swapper,
        zero_page,
        mem_map,
        struct_page,
        direct_map,
    })
}

/// Writes the reference tables into physical memory.
pub fn build(
    p: &Profile,
    l: &Layout,
    cpu: &CpuSpec,
    plan: &BootPlan,
    mem: &mut PhysMem,
) -> KernelTables {
    let mode = mode_of(l);
    let mut frames = plan.table_frames.iter().copied();
    let mut next_table = |mem: &mut PhysMem| {
        let f = frames.next().unwrap_or(0);
        mem.clear_frame(f);
        PhysAddr::new(f * PAGE_SIZE)
    };
    let table_flags = if p.boot.has_nx {
        PAGE_TABLE
    } else {
        KERNPG_TABLE
    };
    let pde_to = |t: PhysAddr| Entry::from_raw(mode, t.as_u64() | table_flags);
    let swapper = plan.swapper_pg_dir;
    mem.clear_frame(swapper.as_u64() / PAGE_SIZE);
    mem.clear_frame(plan.zero_page.as_u64() / PAGE_SIZE);

    // The page directory holding the kernel's gigabyte.
    let kernel_pmd = match mode {
        PagingMode::Pae => {
            let pmd = next_table(mem);
            for i in 0..3 {
                let e = if p.boot.pae_user_pdptes_zero_page {
                    Entry::from_raw(mode, plan.zero_page.as_u64() | 1)
                } else {
                    Entry::empty(mode)
                };
                write_entry(mem, mode, swapper, i, e);
            }
            write_entry(
                mem,
                mode,
                swapper,
                3,
                Entry::from_raw(mode, pmd.as_u64() | 1),
            );
            Some(pmd)
        }
        PagingMode::NonPae => None,
    };
    let pd = kernel_pmd.unwrap_or(swapper);
    let pd_index = |va: u64| {
        Split::of(mode, VirtAddr::try_from_u64(va).unwrap_or(VirtAddr::new(0)))
            .pd
            .get()
    };

    // The direct map.
    let slot_pages = mode.entries_per_table();
    let max_low = l.memory.max_low_pfn.as_u64();
    let pk = page_kernel(p, l, cpu);
    let (mut small, mut large) = (0, 0);
    for (slot, how) in plan.direct_map.iter().enumerate() {
        let slot = slot as u64;
        let first = slot * slot_pages;
        let va = PAGE_OFFSET + first * PAGE_SIZE;
        match how {
            SlotMapping::Large => {
                let flags = large_flags(p, l, cpu, &plan.image, first, slot_pages);
                let e = Entry::new(
                    mode,
                    Pfn::new(first).addr(),
                    flags | EntryFlags::HUGE_OR_PAT,
                );
                write_entry(mem, mode, pd, pd_index(va), e);
                large += 1;
            }
            SlotMapping::Table => {
                let pt = next_table(mem);
                write_entry(mem, mode, pd, pd_index(va), pde_to(pt));
                for i in 0..slot_pages {
                    let pfn = first + i;
                    if pfn >= max_low {
                        break;
                    }
                    let f = final_flags(p, l, cpu, &plan.image, pfn);
                    write_entry(mem, mode, pt, i, Entry::new(mode, Pfn::new(pfn).addr(), f));
                    small += 1;
                }
            }
        }
    }

    // The pkmap window: one page table, empty until kmap() fills it.
    let pkmap_page_table = l.pkmap_base().map(|base| {
        let pt = next_table(mem);
        write_entry(mem, mode, pd, pd_index(base), pde_to(pt));
        pt
    });

    // The fixmap's tables, and the slots set at boot (the APIC registers, uncached).
    let mut fixmap_tables = Vec::new();
    for base in fixmap_slots(l) {
        let pt = next_table(mem);
        write_entry(mem, mode, pd, pd_index(base), pde_to(pt));
        fixmap_tables.push((base, pt));
    }
    let nocache = pk | EntryFlags::NO_CACHE | EntryFlags::WRITE_THROUGH;
    for (name, phys) in [
        ("APIC_BASE", 0xfee0_0000u64),
        ("IO_APIC_BASE_0", 0xfec0_0000),
    ] {
        if let Some(entry) = l.fixmap.entries.iter().find(|e| e.name == name) {
            let va = l.fixaddr_top() - u64::from(entry.first) * PAGE_SIZE;
            if let Some(&(_, pt)) = fixmap_tables
                .iter()
                .find(|(b, _)| va >= *b && va - b < super::pt_span(mode))
            {
                let idx = Split::of(mode, VirtAddr::try_from_u64(va).unwrap_or(VirtAddr::new(0)))
                    .pt
                    .get();
                write_entry(
                    mem,
                    mode,
                    pt,
                    idx,
                    Entry::new(mode, PhysAddr::new(phys), nocache),
                );
            }
        }
    }

    for &f in &plan.table_frames {
        mem.reserve_frame(f);
    }
    KernelTables {
        mode,
        swapper_pg_dir: swapper,
        kernel_pmd,
        zero_page: plan.zero_page,
        pkmap_page_table,
        fixmap_tables,
        direct_map_4k: small,
        direct_map_large: large,
        nxe: nx_active(p, l, cpu),
        pge: cpu.pge,
        page_kernel: pk,
        mem_map: plan.mem_map,
        struct_page: plan.struct_page,
    }
}

impl KernelTables {
    /// The frames a new process's page directory needs: one without PAE; with PAE one for
    /// the PDPT and one for each of the three user page directories.
    pub fn pgd_frames(&self) -> usize {
        match self.mode {
            PagingMode::NonPae => 1,
            PagingMode::Pae => 4,
        }
    }

    /// `pgd_alloc`: a process's page directory in `frames`, with the kernel's part copied
    /// from `swapper_pg_dir` (without PAE the 256 kernel entries are copied and can fall
    /// behind the reference; with PAE the kernel's page directory is shared). Returns the
    /// value to load into CR3.
    pub fn pgd_alloc(&self, mem: &mut PhysMem, frames: &[u64]) -> PhysAddr {
        for &f in frames {
            mem.clear_frame(f);
        }
        let pgd = PhysAddr::new(frames[0] * PAGE_SIZE);
        match self.mode {
            PagingMode::NonPae => {
                for i in 768..1024 {
                    let e = read_entry(mem, self.mode, self.swapper_pg_dir, i);
                    if e.raw() != 0 {
                        write_entry(mem, self.mode, pgd, i, e);
                    }
                }
            }
            PagingMode::Pae => {
                for (i, &f) in frames[1..].iter().enumerate() {
                    let e = Entry::from_raw(self.mode, (f * PAGE_SIZE) | 1);
                    write_entry(mem, self.mode, pgd, i as u64, e);
                }
                let kernel = read_entry(mem, self.mode, self.swapper_pg_dir, 3);
                write_entry(mem, self.mode, pgd, 3, kernel);
            }
        }
        pgd
    }

    /// `DirectMap4k` and `DirectMap2M`/`DirectMap4M` as `/proc/meminfo` prints them.
    pub fn meminfo_direct_map(&self) -> String {
        let large_kb = match self.mode {
            PagingMode::Pae => 2048,
            PagingMode::NonPae => 4096,
        };
        let label = match self.mode {
            PagingMode::Pae => "DirectMap2M:",
            PagingMode::NonPae => "DirectMap4M:",
        };
        format!(
            "DirectMap4k:    {:>8} kB\n{label:<16}{:>8} kB\n",
            self.direct_map_4k * 4,
            self.direct_map_large * large_kb
        )
    }
}
