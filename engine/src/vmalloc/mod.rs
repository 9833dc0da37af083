//! Non-contiguous kernel memory: the vmalloc address range and how each era hands it out.
//!
//! Every era reserves an area of `size + PAGE_SIZE` (the guard page) at the lowest address
//! that fits, but the bookkeeping and the rules around it changed:
//!
//! - **2.4.22, 2.6.11, 2.6.24**: `vmlist`, a list of `vm_struct` sorted by address, searched
//!   first fit (2.6 aligns ioremap areas to `2^fls(size)`). A freed area is unmapped and the
//!   TLBs flushed at once.
//! - **2.6.32**: a red-black tree of busy `vmap_area`s. After a collision the next candidate
//!   starts one page past the area's end (guard page included), so areas end up two pages
//!   apart. A freed area keeps its PTEs and its place in the tree ("lazily freed") until a
//!   purge clears them all with one TLB flush.
//! - **6.1**: busy, free and purge trees; the lowest free block that fits is split. A freed
//!   area's PTEs are cleared at once, but its range and the TLB flush wait for the purge.
//!
//! This module is the address-space bookkeeping only (pure, no page tables); the machine maps
//! the pages. Sources: `mm/vmalloc.c` of each era, e.g.
//! <https://elixir.bootlin.com/linux/v2.6.32/source/mm/vmalloc.c>.

use serde::Serialize;
use std::collections::BTreeMap;

/// `PAGE_SIZE`.
pub const PAGE: u32 = 4096;

/// `VM_IOREMAP`.
pub const VM_IOREMAP: u32 = 0x1;
/// `VM_ALLOC`.
pub const VM_ALLOC: u32 = 0x2;
/// `VM_MAP`.
pub const VM_MAP: u32 = 0x4;
/// `VM_USERMAP`.
pub const VM_USERMAP: u32 = 0x8;
/// `VM_VPAGES` (2.6.24 – 2.6.32): the pages array was itself vmalloc'ed.
pub const VM_VPAGES: u32 = 0x10;
/// `VM_NO_GUARD` (6.1): no guard page.
pub const VM_NO_GUARD: u32 = 0x40;

/// How an era searches and frees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocator {
    /// 2.4.22's `get_vm_area`: `vmlist` from `VMALLOC_START`, no alignment.
    Vmlist24,
    /// 2.6.11 and 2.6.24's `__get_vm_area(_node)`: `vmlist` with alignment.
    Vmlist26,
    /// 2.6.32's `alloc_vmap_area`: the busy tree, the next candidate a page past each
    /// collision, lazy freeing.
    VmapLazy,
    /// 6.1's `alloc_vmap_area`: the lowest free block, lazy purge of cleared ranges.
    VmapFreeTree,
}

/// Where an area's pages array lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PagesArray {
    /// None (2.4 keeps the pages only in the PTEs; ioremap has no pages).
    None,
    /// `kmalloc`: at most a page of pointers.
    Kmalloc,
    /// A vmalloc area of its own (more than 1024 pages), at this address.
    Vmalloc(u32),
}

/// A `vm_struct`: one reserved area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VmArea {
    /// `vm->addr`.
    pub addr: u32,
    /// `vm->size`, the guard page included.
    pub size: u32,
    /// `VM_*` flags.
    pub flags: u32,
    /// The frames mapped (vmalloc, vmap), in address order.
    pub pages: Vec<u64>,
    /// `vm->phys_addr` (ioremap), 0 otherwise.
    pub phys_addr: u64,
    /// Who asked (`caller+0xoff/0xsize` in `/proc/vmallocinfo`).
    pub caller: String,
    /// A name given in a script (`as=`).
    pub name: Option<String>,
    /// The address returned to the caller (ioremap adds the offset into the page).
    pub returned: u32,
    /// Where the pages array lives.
    pub array: PagesArray,
}

impl VmArea {
    /// One past the last byte, guard page included.
    pub fn end(&self) -> u32 {
        self.addr.wrapping_add(self.size)
    }

    /// Bytes that are mapped (the guard page is not).
    pub fn mapped_size(&self) -> u32 {
        if self.flags & VM_NO_GUARD != 0 {
            self.size
        } else {
            self.size - PAGE
        }
    }
}

/// A range freed lazily: still reserved until a purge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LazyRange {
    /// Its first byte.
    pub start: u32,
    /// One past its last byte.
    pub end: u32,
}

/// Why no area could be reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoSpace {
    /// The search ran out of the range.
    Full,
}

/// The vmalloc range and its areas.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VmallocSpace {
    /// `VMALLOC_START`.
    pub start: u32,
    /// `VMALLOC_END`.
    pub end: u32,
    /// The era's allocator.
    pub allocator: Allocator,
    /// Live areas by address (`vmlist`, or the busy areas that have a `vm_struct`).
    pub areas: BTreeMap<u32, VmArea>,
    /// Ranges freed but not yet purged (2.6.32: separate busy `vmap_area`s marked
    /// `VM_LAZY_FREE`; 6.1: the purge list, adjacent ranges merged).
    pub lazy: BTreeMap<u32, LazyRange>,
    /// `vmap_lazy_nr`: pages (guard pages included) waiting for a purge.
    pub lazy_nr: u64,
}

fn align_up(v: u64, align: u64) -> u64 {
    (v + align - 1) & !(align - 1)
}

impl VmallocSpace {
    /// An empty range.
    pub fn new(start: u32, end: u32, allocator: Allocator) -> VmallocSpace {
        VmallocSpace {
            start,
            end,
            allocator,
            areas: BTreeMap::new(),
            lazy: BTreeMap::new(),
            lazy_nr: 0,
        }
    }

    /// Every reserved interval, live and lazily freed, sorted: the busy tree of 2.6.32, or
    /// what 6.1's free tree does not hold.
    fn occupied(&self) -> Vec<(u64, u64)> {
        let mut v: Vec<(u64, u64)> = self
            .areas
            .values()
            .map(|a| (u64::from(a.addr), u64::from(a.addr) + u64::from(a.size)))
            .chain(
                self.lazy
                    .values()
                    .map(|l| (u64::from(l.start), u64::from(l.end))),
            )
            .collect();
        v.sort_unstable();
        v
    }

    /// Finds an address for `size` bytes (guard page included) with `align`, between `vstart`
    /// and `vend`, by the era's rule. `padded_search` is 6.1's search for alignments above a
    /// page, which only considers free blocks of at least `size + align − 1` bytes (see
    /// `find_vmap_lowest_match`; the kernel may also accept a smaller, luckily aligned block
    /// that lies on its descent path, which depends on the tree's shape).
    pub fn find(&self, size: u32, align: u32, vstart: u32, vend: u32) -> Result<u32, NoSpace> {
        let (size, align) = (u64::from(size), u64::from(align.max(1)));
        let (vstart, vend) = (u64::from(vstart), u64::from(vend));
        let top = 1u64 << 32;
        match self.allocator {
            Allocator::Vmlist24 => {
                // get_vm_area(): no alignment, always the whole range.
                let mut addr = u64::from(self.start);
                for a in self.areas.values() {
                    if addr + size >= top {
                        return Err(NoSpace::Full);
                    }
                    if addr + size <= u64::from(a.addr) {
                        break;
                    }
                    let next = u64::from(a.addr) + u64::from(a.size);
                    if next > addr {
                        addr = next;
                    }
                    if addr > u64::from(self.end).wrapping_sub(size) & (top - 1) {
                        return Err(NoSpace::Full);
                    }
                }
                Ok(addr as u32)
            }
            Allocator::Vmlist26 => {
                let mut addr = align_up(vstart, align);
                for a in self.areas.values() {
                    let (a_start, a_end) =
                        (u64::from(a.addr), u64::from(a.addr) + u64::from(a.size));
                    if a_start < addr {
                        if a_end >= addr {
                            addr = align_up(a_end, align);
                        }
                        continue;
                    }
                    if addr + size >= top {
                        return Err(NoSpace::Full);
                    }
                    if addr + size <= a_start {
                        return Ok(addr as u32);
                    }
                    addr = align_up(a_end, align);
                    if addr > vend.wrapping_sub(size) & (top - 1) {
                        return Err(NoSpace::Full);
                    }
                }
                // The list ran out: the kernel takes addr without testing the end again.
                if addr + size > top {
                    return Err(NoSpace::Full);
                }
                Ok(addr as u32)
            }
            Allocator::VmapLazy => {
                let busy = self.occupied();
                let mut addr = align_up(vstart, align);
                if addr + size > top {
                    return Err(NoSpace::Full);
                }
                // The lowest busy area that ends at or above the candidate.
                let mut i = busy.iter().position(|&(_, e)| e >= addr);
                while let Some(k) = i {
                    let (s, e) = busy[k];
                    if !(addr + size > s && addr + size <= vend) {
                        break;
                    }
                    addr = align_up(e + u64::from(PAGE), align);
                    if addr + size > top {
                        return Err(NoSpace::Full);
                    }
                    i = (k + 1 < busy.len()).then_some(k + 1);
                }
                if addr + size > vend {
                    return Err(NoSpace::Full);
                }
                Ok(addr as u32)
            }
            Allocator::VmapFreeTree => {
                let busy = self.occupied();
                // The free tree covers [1, ULONG_MAX) minus what is busy or unpurged.
                let mut blocks = Vec::new();
                let mut at = 1u64;
                for &(s, e) in &busy {
                    if s > at {
                        blocks.push((at, s));
                    }
                    at = at.max(e);
                }
                if at < top - 1 {
                    blocks.push((at, top - 1));
                }
                let padded = align > u64::from(PAGE) && vend - vstart != size;
                let length = if padded { size + align - 1 } else { size };
                for (bs, be) in blocks {
                    if be - bs < length {
                        continue;
                    }
                    let cand = align_up(bs.max(vstart), align);
                    if cand + size <= be {
                        return if cand + size > vend {
                            Err(NoSpace::Full)
                        } else {
                            Ok(cand as u32)
                        };
                    }
                }
                Err(NoSpace::Full)
            }
        }
    }

    /// Records an area.
    pub fn insert(&mut self, area: VmArea) {
        self.areas.insert(area.addr, area);
    }

    /// The area starting at `addr`.
    pub fn area(&self, addr: u32) -> Option<&VmArea> {
        self.areas.get(&addr)
    }

    /// The area holding `addr`, guard page included.
    pub fn area_containing(&self, addr: u32) -> Option<&VmArea> {
        self.areas
            .range(..=addr)
            .next_back()
            .map(|(_, a)| a)
            .filter(|a| u64::from(addr) < u64::from(a.addr) + u64::from(a.size))
    }

    /// The lazily freed range holding `addr`, if any.
    pub fn lazy_containing(&self, addr: u32) -> Option<LazyRange> {
        self.lazy
            .range(..=addr)
            .next_back()
            .map(|(_, l)| *l)
            .filter(|l| addr < l.end)
    }

    /// Removes an area. In the lazy eras its range stays reserved (and is counted in
    /// `vmap_lazy_nr`) until [`VmallocSpace::purge`].
    pub fn remove(&mut self, addr: u32) -> Option<VmArea> {
        let area = self.areas.remove(&addr)?;
        let (start, end) = (area.addr, area.end());
        match self.allocator {
            Allocator::Vmlist24 | Allocator::Vmlist26 => {}
            Allocator::VmapLazy => {
                self.lazy.insert(start, LazyRange { start, end });
                self.lazy_nr += u64::from(area.size / PAGE);
            }
            Allocator::VmapFreeTree => {
                self.lazy_nr += u64::from(area.size / PAGE);
                // merge_or_add_vmap_area: join the neighbours that touch.
                let (mut s, mut e) = (start, end);
                if let Some(prev) = self.lazy.range(..s).next_back().map(|(_, l)| *l) {
                    if prev.end == s {
                        self.lazy.remove(&prev.start);
                        s = prev.start;
                    }
                }
                if let Some(next) = self.lazy.get(&e).copied() {
                    self.lazy.remove(&next.start);
                    e = next.end;
                }
                self.lazy.insert(s, LazyRange { start: s, end: e });
            }
        }
        Some(area)
    }

    /// `lazy_max_pages()`: `fls(num_online_cpus()) × 32 MiB` of pages.
    pub fn lazy_max_pages(online_cpus: u32) -> u64 {
        u64::from(32 - online_cpus.leading_zeros()) * (32 * 1024 * 1024 / u64::from(PAGE))
    }

    /// Purges every lazily freed range: they become free. Returns them, lowest first.
    pub fn purge(&mut self) -> Vec<LazyRange> {
        let purged: Vec<LazyRange> = self.lazy.values().copied().collect();
        self.lazy.clear();
        self.lazy_nr = 0;
        purged
    }

    /// The ranges a purge would flush, as one span (lowest start, highest end).
    pub fn lazy_span(&self) -> Option<(u32, u32)> {
        let first = self.lazy.values().next()?;
        let last = self.lazy.values().next_back()?;
        Some((first.start, last.end))
    }

    /// Free gaps inside `[start, end)`, lowest first: what the views draw between areas.
    pub fn gaps(&self) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut at = u64::from(self.start);
        for (s, e) in self.occupied() {
            let s = s.max(u64::from(self.start)).min(u64::from(self.end));
            if s > at {
                out.push((at as u32, s as u32));
            }
            at = at.max(e.min(u64::from(self.end)));
        }
        if at < u64::from(self.end) {
            out.push((at as u32, self.end));
        }
        out
    }

    /// Checks the bookkeeping: areas and lazy ranges never overlap, every area keeps its
    /// guard page unless it has `VM_NO_GUARD`, and `vmap_lazy_nr` counts the lazy pages.
    pub fn check(&self) -> Result<(), String> {
        let occupied = self.occupied();
        for w in occupied.windows(2) {
            if w[0].1 > w[1].0 {
                return Err(format!(
                    "vmalloc ranges overlap: {:#x}-{:#x} and {:#x}-{:#x}",
                    w[0].0, w[0].1, w[1].0, w[1].1
                ));
            }
        }
        for a in self.areas.values() {
            if a.flags & VM_NO_GUARD == 0 && a.size < 2 * PAGE {
                return Err(format!("the area at {:#x} has no guard page", a.addr));
            }
            if a.addr % PAGE != 0 || a.size % PAGE != 0 {
                return Err(format!("the area at {:#x} is not page-aligned", a.addr));
            }
            if !a.pages.is_empty() && a.pages.len() as u32 * PAGE != a.mapped_size() {
                return Err(format!(
                    "the area at {:#x} maps {} pages in {} bytes",
                    a.addr,
                    a.pages.len(),
                    a.mapped_size()
                ));
            }
        }
        let lazy: u64 = self
            .lazy
            .values()
            .map(|l| u64::from((l.end - l.start) / PAGE))
            .sum();
        if lazy != self.lazy_nr {
            return Err(format!(
                "vmap_lazy_nr is {} but {lazy} pages are lazily freed",
                self.lazy_nr
            ));
        }
        Ok(())
    }
}

/// How `/proc/meminfo` reports the vmalloc range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MeminfoStyle {
    /// 2.6.11, 2.6.24: `VmallocTotal: %8lu kB`, the sum of `vm->size` and the largest gap.
    Sum2611,
    /// 2.6.32: the same with three spaces after the colon.
    Sum2632,
    /// 6.1: three spaces; `VmallocUsed` counts vmalloc'ed pages, `VmallocChunk` is 0.
    Pages61,
}

/// How `/proc/vmallocinfo` prints a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum InfoStyle {
    /// 2.6.32: `vmlist`, `phys=%lx`.
    Vmlist,
    /// 6.1: the busy list, `phys=%pa`, then the `unpurged vm_area` ranges.
    BusyList,
}

impl VmallocSpace {
    /// `/proc/vmallocinfo` as the era prints it (`pae` sets the width of 6.1's `%pa`).
    pub fn vmallocinfo(&self, style: InfoStyle, pae: bool) -> String {
        let mut out = String::new();
        for a in self.areas.values() {
            out.push_str(&format!("0x{:08x}-0x{:08x} {:>7}", a.addr, a.end(), a.size));
            if !a.caller.is_empty() {
                out.push(' ');
                out.push_str(&a.caller);
            }
            if !a.pages.is_empty() {
                out.push_str(&format!(" pages={}", a.pages.len()));
            }
            if a.phys_addr != 0 {
                match style {
                    InfoStyle::Vmlist => out.push_str(&format!(" phys={:x}", a.phys_addr)),
                    InfoStyle::BusyList if pae => {
                        out.push_str(&format!(" phys=0x{:016x}", a.phys_addr))
                    }
                    InfoStyle::BusyList => out.push_str(&format!(" phys=0x{:08x}", a.phys_addr)),
                }
            }
            for (flag, word) in [
                (VM_IOREMAP, " ioremap"),
                (VM_ALLOC, " vmalloc"),
                (VM_MAP, " vmap"),
                (VM_USERMAP, " user"),
            ] {
                if a.flags & flag != 0 {
                    out.push_str(word);
                }
            }
            let vpages = match style {
                InfoStyle::Vmlist => a.flags & VM_VPAGES != 0,
                InfoStyle::BusyList => matches!(a.array, PagesArray::Vmalloc(_)),
            };
            if vpages {
                out.push_str(" vpages");
            }
            out.push('\n');
        }
        if style == InfoStyle::BusyList && !self.areas.is_empty() {
            for l in self.lazy.values() {
                out.push_str(&format!(
                    "0x{:08x}-0x{:08x} {:>7} unpurged vm_area\n",
                    l.start,
                    l.end,
                    l.end - l.start
                ));
            }
        }
        out
    }

    /// The `Vmalloc*` lines of `/proc/meminfo`: 2.6 sums `vm->size` of the areas inside the
    /// range and reports the largest gap; 6.1 counts vmalloc'ed pages and prints 0 for the
    /// chunk.
    pub fn meminfo(&self, style: MeminfoStyle) -> String {
        let sixone = style == MeminfoStyle::Pages61;
        let total = u64::from(self.end - self.start) >> 10;
        let (used, chunk) = if sixone {
            let pages: u64 = self
                .areas
                .values()
                .filter(|a| a.flags & VM_ALLOC != 0)
                .map(|a| a.pages.len() as u64)
                .sum();
            (pages * 4, 0)
        } else {
            let used: u64 = self
                .areas
                .values()
                .filter(|a| a.addr >= self.start && a.addr < self.end)
                .map(|a| u64::from(a.size))
                .sum();
            // get_vmalloc_info() walks vmlist only: lazily freed ranges are not obstacles.
            let mut largest = 0u64;
            let mut prev = u64::from(self.start);
            for a in self.areas.values() {
                let s = u64::from(a.addr);
                if s < u64::from(self.start) || s >= u64::from(self.end) {
                    continue;
                }
                largest = largest.max(s.saturating_sub(prev));
                prev = s + u64::from(a.size);
            }
            largest = largest.max(u64::from(self.end).saturating_sub(prev));
            (used >> 10, largest >> 10)
        };
        match style {
            MeminfoStyle::Sum2611 => format!(
                "VmallocTotal: {total:>8} kB\nVmallocUsed:  {used:>8} kB\nVmallocChunk: {chunk:>8} kB\n"
            ),
            _ => format!(
                "VmallocTotal:   {total:>8} kB\nVmallocUsed:    {used:>8} kB\nVmallocChunk:   {chunk:>8} kB\n"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(addr: u32, pages: u32, flags: u32) -> VmArea {
        VmArea {
            addr,
            size: (pages + 1) * PAGE,
            flags,
            pages: Vec::new(),
            phys_addr: 0,
            caller: String::new(),
            name: None,
            returned: addr,
            array: PagesArray::None,
        }
    }

    fn fill(alloc: Allocator, requests: &[(u32, u32)]) -> Vec<u32> {
        let mut s = VmallocSpace::new(0xf77f_e000, 0xfeff_e000, alloc);
        requests
            .iter()
            .map(|&(pages, align)| {
                let a = s.find((pages + 1) * PAGE, align, s.start, s.end).unwrap();
                s.insert(area(a, pages, VM_ALLOC));
                a
            })
            .collect()
    }

    /// The seven first areas of the real 6.1 boot, under each era's rule (1-page and 2-page
    /// ioremaps, 1-page vmallocs): 6.1 packs them; 2.6.32 leaves an extra page after each
    /// collision; 2.6.11/2.6.24 align 1-page ioremaps to 8 KiB.
    #[test]
    fn each_era_places_the_same_requests_its_own_way() {
        let six = [
            (1, 4096),
            (2, 8192),
            (1, 4096),
            (1, 1),
            (1, 1),
            (1, 4096),
            (1, 4096),
        ];
        assert_eq!(
            fill(Allocator::VmapFreeTree, &six),
            [0xf77fe000, 0xf7800000, 0xf7803000, 0xf7805000, 0xf7807000, 0xf7809000, 0xf780b000]
        );
        let old = [
            (1, 8192),
            (2, 16384),
            (1, 8192),
            (1, 1),
            (1, 1),
            (1, 8192),
            (1, 8192),
        ];
        assert_eq!(
            fill(Allocator::VmapLazy, &old),
            [0xf77fe000, 0xf7804000, 0xf7802000, 0xf7808000, 0xf780b000, 0xf780e000, 0xf7812000]
        );
        assert_eq!(
            fill(Allocator::Vmlist26, &old),
            [0xf77fe000, 0xf7800000, 0xf7804000, 0xf7806000, 0xf7808000, 0xf780a000, 0xf780c000]
        );
    }

    #[test]
    fn lazy_ranges_stay_reserved_until_the_purge() {
        let mut s = VmallocSpace::new(0xf880_0000, 0xff7f_e000, Allocator::VmapFreeTree);
        for _ in 0..3 {
            let a = s.find(2 * PAGE, 1, s.start, s.end).unwrap();
            s.insert(area(a, 1, VM_ALLOC));
        }
        s.remove(0xf880_0000).unwrap();
        s.remove(0xf880_2000).unwrap();
        assert_eq!(s.lazy.len(), 1, "adjacent ranges merge on the purge list");
        assert_eq!(s.lazy_nr, 4);
        s.check().unwrap();
        assert_eq!(s.find(2 * PAGE, 1, s.start, s.end), Ok(0xf880_6000));
        assert_eq!(s.lazy_span(), Some((0xf880_0000, 0xf880_4000)));
        assert_eq!(s.purge().len(), 1);
        assert_eq!(s.find(2 * PAGE, 1, s.start, s.end), Ok(0xf880_0000));
        assert_eq!(VmallocSpace::lazy_max_pages(1), 8192);
        assert_eq!(VmallocSpace::lazy_max_pages(2), 16384);
        assert_eq!(VmallocSpace::lazy_max_pages(8), 32768);
    }

    #[test]
    fn the_search_fails_at_the_end_of_the_range() {
        for alloc in [
            Allocator::Vmlist24,
            Allocator::Vmlist26,
            Allocator::VmapLazy,
            Allocator::VmapFreeTree,
        ] {
            let mut s = VmallocSpace::new(0xf880_0000, 0xf880_8000, alloc);
            let a = s.find(5 * PAGE, 1, s.start, s.end).unwrap();
            s.insert(area(a, 4, VM_ALLOC));
            assert_eq!(
                s.find(5 * PAGE, 1, s.start, s.end),
                Err(NoSpace::Full),
                "{alloc:?}"
            );
        }
    }

    #[test]
    fn vmallocinfo_lines_follow_the_era() {
        let mut s = VmallocSpace::new(0xf77f_e000, 0xfeff_e000, Allocator::VmapFreeTree);
        let mut a = area(0xf77f_e000, 1, VM_IOREMAP);
        a.phys_addr = 0x7ffe_1000;
        a.caller = "acpi_os_map_iomem+0x215/0x240".into();
        s.insert(a.clone());
        assert_eq!(
            s.vmallocinfo(InfoStyle::BusyList, true),
            "0xf77fe000-0xf7800000    8192 acpi_os_map_iomem+0x215/0x240 phys=0x000000007ffe1000 ioremap\n"
        );
        assert_eq!(
            s.vmallocinfo(InfoStyle::Vmlist, true),
            "0xf77fe000-0xf7800000    8192 acpi_os_map_iomem+0x215/0x240 phys=7ffe1000 ioremap\n"
        );
        s.remove(0xf77f_e000);
        assert_eq!(
            s.vmallocinfo(InfoStyle::BusyList, true),
            "",
            "no busy area, no purge info"
        );
        s.insert(area(0xf780_0000, 1, VM_ALLOC));
        assert!(s
            .vmallocinfo(InfoStyle::BusyList, true)
            .ends_with("0xf77fe000-0xf7800000    8192 unpurged vm_area\n"));
        assert!(s
            .meminfo(MeminfoStyle::Pages61)
            .starts_with("VmallocTotal:     122880 kB\n"));
    }
}
