//! Physical memory: one compact state byte per frame, page contents only for frames that
//! were written, and a buddy allocator per zone.
//!
//! A 64 GiB PAE machine has 16 M frames, so a frame costs one byte here (the kernel's
//! `struct page` is 32 to 48 bytes) and a frame's 4 KiB of contents exist only once something
//! writes them; unwritten RAM reads as zero, addresses with no RAM behind them read as all
//! ones, as an unclaimed bus cycle does.

pub mod buddy;

use crate::addr::{Pfn, PhysAddr, PAGE_SIZE};
use crate::layout::memory::ZoneKind;
use crate::layout::Layout;
use buddy::{FreeList, Insert};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// What a frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameKind {
    /// No RAM here (a hole, a device range) or RAM the kernel does not use.
    NotRam,
    /// RAM reserved at boot and never given to the buddy allocator.
    Reserved,
    /// Part of a free buddy block.
    Free,
    /// Part of an allocated block.
    Allocated,
}

const KIND_MASK: u8 = 0b11;
const HEAD: u8 = 1 << 2;
const ORDER_SHIFT: u8 = 3;

/// A frame's state byte: kind in bits 1:0, "first frame of a block" in bit 2, the block's
/// order in bits 6:3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame(u8);

impl Frame {
    fn new(kind: FrameKind, head: Option<u32>) -> Frame {
        let k = match kind {
            FrameKind::NotRam => 0,
            FrameKind::Reserved => 1,
            FrameKind::Free => 2,
            FrameKind::Allocated => 3,
        };
        match head {
            Some(order) => Frame(k | HEAD | ((order as u8) << ORDER_SHIFT)),
            None => Frame(k),
        }
    }

    /// The frame's kind.
    pub fn kind(self) -> FrameKind {
        match self.0 & KIND_MASK {
            0 => FrameKind::NotRam,
            1 => FrameKind::Reserved,
            2 => FrameKind::Free,
            _ => FrameKind::Allocated,
        }
    }

    /// The order of the block this frame heads, if it heads one.
    pub fn head_order(self) -> Option<u32> {
        (self.0 & HEAD != 0).then_some(u32::from(self.0 >> ORDER_SHIFT))
    }
}

/// The era's buddy rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BuddyRules {
    /// `MAX_ORDER`: orders run from 0 to `max_order − 1`.
    pub max_order: u32,
    /// A split hands out the upper half (2.4) instead of the lower (2.6, 6.1).
    pub split_keeps_upper: bool,
    /// A freed block goes to the tail when its merged block's buddy is free (6.1's
    /// `buddy_merge_likely`), else to the head.
    pub merge_likely_to_tail: bool,
    /// Boot hands lowmem over to the tail of the lists (6.1's `FPI_TO_TAIL`), so the lowest
    /// blocks are allocated first; otherwise to the head, so the highest are.
    pub boot_lowmem_to_tail: bool,
}

/// A range reserved at boot, for the physical view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reservation {
    /// First frame.
    pub start: Pfn,
    /// One past the last frame.
    pub end: Pfn,
    /// What it holds.
    pub label: String,
}

/// One zone's allocator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneAlloc {
    /// Which zone.
    pub kind: ZoneKind,
    /// First frame of the span.
    pub start: u64,
    /// One past the last frame.
    pub end: u64,
    /// Frames of RAM in the span.
    pub present: u64,
    /// Frames the buddy allocator manages (present minus boot reservations).
    pub managed: u64,
    /// Free frames.
    pub free_pages: u64,
    /// `free_area[order]`.
    pub free: Vec<FreeList>,
}

/// What an allocation did, for the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocRecord {
    /// The zone it came from.
    pub zone: ZoneKind,
    /// The order of the block taken off a free list.
    pub took_order: u32,
    /// That block's first frame.
    pub took_pfn: u64,
    /// Each half put back while splitting: (order, first frame).
    pub split: Vec<(u32, u64)>,
    /// The frame handed out.
    pub pfn: u64,
}

/// What a free did, for the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreeRecord {
    /// The zone.
    pub zone: ZoneKind,
    /// Each buddy merged with: (order, its first frame).
    pub merged: Vec<(u32, u64)>,
    /// The block that went on a free list: (order, first frame).
    pub block: (u32, u64),
    /// Where on its list.
    pub at: Insert,
}

/// Why a free was refused (the kernel would corrupt its lists, or BUG).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FreeError {
    /// The frame is beyond RAM, or not RAM the allocator manages.
    NotManaged(u64),
    /// The block is free already.
    DoubleFree(u64),
    /// The frame is not the start of an allocated block of that order.
    WrongBlock {
        /// The frame.
        pfn: u64,
        /// The order given.
        order: u32,
    },
}

impl fmt::Display for FreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FreeError::NotManaged(p) => {
                write!(f, "frame {p:#x} is not RAM the buddy allocator manages")
            }
            FreeError::DoubleFree(p) => write!(f, "frame {p:#x} is already free"),
            FreeError::WrongBlock { pfn, order } => write!(
                f,
                "frame {pfn:#x} does not start an allocated block of order {order}"
            ),
        }
    }
}

/// Physical memory and its allocator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhysMem {
    frames: Vec<u8>,
    contents: BTreeMap<u64, Box<[u8]>>,
    zones: Vec<ZoneAlloc>,
    rules: BuddyRules,
    reservations: Vec<Reservation>,
}

impl PhysMem {
    /// Physical memory after boot: every RAM frame of every zone free except the
    /// `reservations`, handed to the buddy lists the way the era's boot code does.
    pub fn boot(layout: &Layout, rules: BuddyRules, reservations: Vec<Reservation>) -> PhysMem {
        let top = layout
            .memory
            .zones
            .iter()
            .map(|z| z.end.as_u64())
            .max()
            .unwrap_or(0);
        let mut mem = PhysMem {
            frames: vec![0; top as usize],
            contents: BTreeMap::new(),
            zones: Vec::new(),
            rules,
            reservations,
        };
        // RAM inside the zones is Reserved until freed below.
        for (s, e) in &layout.memory.ram {
            let (s, e) = (s.as_u64().min(top), e.as_u64().min(top));
            mem.fill(s, e, Frame::new(FrameKind::Reserved, None));
        }
        for z in &layout.memory.zones {
            mem.zones.push(ZoneAlloc {
                kind: z.kind,
                start: z.start.as_u64(),
                end: z.end.as_u64(),
                present: z.ram_pages,
                managed: 0,
                free_pages: 0,
                free: vec![FreeList::default(); rules.max_order as usize],
            });
        }
        // The free ranges: RAM minus reservations, zone by zone, lowest first.
        let mut reserved: Vec<(u64, u64)> = mem
            .reservations
            .iter()
            .map(|r| (r.start.as_u64(), r.end.as_u64()))
            .collect();
        reserved.sort_unstable();
        for zi in 0..mem.zones.len() {
            let (zs, ze, kind) = (mem.zones[zi].start, mem.zones[zi].end, mem.zones[zi].kind);
            let insert = if kind != ZoneKind::HighMem && rules.boot_lowmem_to_tail {
                Insert::Tail
            } else {
                Insert::Head
            };
            for (s, e) in &layout.memory.ram {
                let (s, e) = (s.as_u64().max(zs), e.as_u64().min(ze));
                for (fs, fe) in subtract(s, e, &reserved) {
                    mem.free_range(zi, fs, fe, insert);
                }
            }
            let z = &mut mem.zones[zi];
            z.managed = z.free_pages;
        }
        mem
    }

    /// Frees `[start, end)` at boot as the largest aligned blocks, lowest first.
    fn free_range(&mut self, zi: usize, mut start: u64, end: u64, insert: Insert) {
        let max = self.rules.max_order - 1;
        while start < end {
            let mut order = start.trailing_zeros().min(max);
            while start + (1 << order) > end {
                order -= 1;
            }
            self.fill(
                start,
                start + (1 << order),
                Frame::new(FrameKind::Free, None),
            );
            self.put_free(zi, start, order, insert);
            start += 1 << order;
        }
    }

    fn fill(&mut self, start: u64, end: u64, frame: Frame) {
        let end = end.min(self.frames.len() as u64);
        if start < end {
            self.frames[start as usize..end as usize].fill(frame.0);
        }
    }

    fn put_free(&mut self, zi: usize, pfn: u64, order: u32, at: Insert) {
        self.frames[pfn as usize] = Frame::new(FrameKind::Free, Some(order)).0;
        let z = &mut self.zones[zi];
        z.free[order as usize].insert(pfn, at);
        z.free_pages += 1 << order;
    }

    fn take_free(&mut self, zi: usize, pfn: u64, order: u32) {
        self.frames[pfn as usize] = Frame::new(FrameKind::Free, None).0;
        let z = &mut self.zones[zi];
        z.free[order as usize].remove(pfn);
        z.free_pages -= 1 << order;
    }

    /// The era's rules.
    pub fn rules(&self) -> BuddyRules {
        self.rules
    }

    /// The number of frames tracked (up to the end of the highest zone).
    pub fn frame_count(&self) -> u64 {
        self.frames.len() as u64
    }

    /// A frame's state; frames beyond the zones are not RAM.
    pub fn frame(&self, pfn: u64) -> Frame {
        self.frames
            .get(pfn as usize)
            .map(|&b| Frame(b))
            .unwrap_or(Frame(0))
    }

    /// The zones' allocators, lowest first.
    pub fn zones(&self) -> &[ZoneAlloc] {
        &self.zones
    }

    /// The boot reservations.
    pub fn reservations(&self) -> &[Reservation] {
        &self.reservations
    }

    /// The index of the zone whose span holds a frame.
    pub fn zone_of(&self, pfn: u64) -> Option<usize> {
        self.zones
            .iter()
            .position(|z| (z.start..z.end).contains(&pfn))
    }

    /// The zones an allocation whose highest zone is `highest` may use, in the order it tries
    /// them: the zonelist (HighMem → Normal → DMA), empty zones left out.
    pub fn zonelist(&self, highest: ZoneKind) -> Vec<usize> {
        let rank = |k: ZoneKind| match k {
            ZoneKind::Dma => 0,
            ZoneKind::Normal => 1,
            ZoneKind::HighMem => 2,
        };
        let mut list: Vec<usize> = (0..self.zones.len())
            .filter(|&i| rank(self.zones[i].kind) <= rank(highest) && self.zones[i].managed > 0)
            .collect();
        list.reverse();
        list
    }

    /// `__rmqueue`: takes a block of `order` from a zone, splitting a larger one if needed.
    pub fn alloc_from(&mut self, zi: usize, order: u32) -> Option<AllocRecord> {
        if order >= self.rules.max_order {
            return None;
        }
        let found = (order..self.rules.max_order)
            .find_map(|o| self.zones[zi].free[o as usize].first().map(|p| (o, p)))?;
        let (took_order, took_pfn) = found;
        self.take_free(zi, took_pfn, took_order);
        // expand(): halve until the block is the size asked for, returning one half to the
        // free list each time.
        let (mut pfn, mut o) = (took_pfn, took_order);
        let mut split = Vec::new();
        while o > order {
            o -= 1;
            let (keep, give) = if self.rules.split_keeps_upper {
                (pfn + (1 << o), pfn)
            } else {
                (pfn, pfn + (1 << o))
            };
            self.put_free(zi, give, o, Insert::Head);
            split.push((o, give));
            pfn = keep;
        }
        self.fill(
            pfn,
            pfn + (1 << order),
            Frame::new(FrameKind::Allocated, None),
        );
        self.frames[pfn as usize] = Frame::new(FrameKind::Allocated, Some(order)).0;
        Some(AllocRecord {
            zone: self.zones[zi].kind,
            took_order,
            took_pfn,
            split,
            pfn,
        })
    }

    /// `__free_pages`: returns a block, merging it with free buddies.
    pub fn free(&mut self, pfn: u64, order: u32) -> Result<FreeRecord, FreeError> {
        let zi = self.zone_of(pfn).ok_or(FreeError::NotManaged(pfn))?;
        let frame = self.frame(pfn);
        match frame.kind() {
            FrameKind::Free => return Err(FreeError::DoubleFree(pfn)),
            FrameKind::Allocated if frame.head_order() == Some(order) => {}
            FrameKind::Allocated => return Err(FreeError::WrongBlock { pfn, order }),
            _ => return Err(FreeError::NotManaged(pfn)),
        }
        self.fill(pfn, pfn + (1 << order), Frame::new(FrameKind::Free, None));
        let (zs, ze) = (self.zones[zi].start, self.zones[zi].end);
        let (mut pfn, mut order) = (pfn, order);
        let mut merged = Vec::new();
        while order + 1 < self.rules.max_order {
            let buddy = pfn ^ (1 << order);
            let is_buddy = (zs..ze).contains(&buddy)
                && self.frame(buddy).kind() == FrameKind::Free
                && self.frame(buddy).head_order() == Some(order);
            if !is_buddy {
                break;
            }
            self.take_free(zi, buddy, order);
            merged.push((order, buddy));
            pfn &= buddy;
            order += 1;
        }
        let at = if self.rules.merge_likely_to_tail && self.merge_likely(zi, pfn, order) {
            Insert::Tail
        } else {
            Insert::Head
        };
        self.put_free(zi, pfn, order, at);
        Ok(FreeRecord {
            zone: self.zones[zi].kind,
            merged,
            block: (order, pfn),
            at,
        })
    }

    /// 6.1's `buddy_merge_likely`: is the buddy of the order+1 block holding this one free?
    fn merge_likely(&self, zi: usize, pfn: u64, order: u32) -> bool {
        if order + 2 >= self.rules.max_order {
            return false;
        }
        let buddy = pfn ^ (1 << order);
        let higher = buddy & pfn;
        let higher_buddy = higher ^ (1 << (order + 1));
        let z = &self.zones[zi];
        (z.start..z.end).contains(&higher_buddy)
            && self.frame(higher_buddy).kind() == FrameKind::Free
            && self.frame(higher_buddy).head_order() == Some(order + 1)
    }

    /// `/proc/buddyinfo`: one line per populated zone, free blocks per order.
    pub fn buddyinfo(&self) -> String {
        let mut out = String::new();
        for z in self.zones.iter().filter(|z| z.present > 0) {
            out.push_str(&format!("Node 0, zone {:>8} ", z.kind.name()));
            for list in &z.free {
                out.push_str(&format!("{:6} ", list.len()));
            }
            out.push('\n');
        }
        out
    }

    /// Reads bytes of physical memory, page by page (frames never written read as zero; no
    /// RAM reads as all ones).
    pub fn read(&self, addr: PhysAddr, buf: &mut [u8]) {
        let mut done = 0;
        while done < buf.len() {
            let a = addr.as_u64() + done as u64;
            let (pfn, off) = (a / PAGE_SIZE, (a % PAGE_SIZE) as usize);
            let n = (PAGE_SIZE as usize - off).min(buf.len() - done);
            let out = &mut buf[done..done + n];
            match self.contents.get(&pfn) {
                Some(page) => out.copy_from_slice(&page[off..off + n]),
                None if self.frame(pfn).kind() == FrameKind::NotRam => out.fill(0xff),
                None => out.fill(0),
            }
            done += n;
        }
    }

    /// Writes bytes of physical memory, page by page. Writes to addresses with no RAM are
    /// dropped.
    pub fn write(&mut self, addr: PhysAddr, data: &[u8]) {
        let mut done = 0;
        while done < data.len() {
            let a = addr.as_u64() + done as u64;
            let (pfn, off) = (a / PAGE_SIZE, (a % PAGE_SIZE) as usize);
            let n = (PAGE_SIZE as usize - off).min(data.len() - done);
            if self.frame(pfn).kind() != FrameKind::NotRam {
                let page = self
                    .contents
                    .entry(pfn)
                    .or_insert_with(|| vec![0u8; PAGE_SIZE as usize].into_boxed_slice());
                page[off..off + n].copy_from_slice(&data[done..done + n]);
            }
            done += n;
        }
    }

    /// Reads a little-endian 64-bit value.
    pub fn read_u64(&self, addr: PhysAddr) -> u64 {
        let mut b = [0u8; 8];
        self.read(addr, &mut b);
        u64::from_le_bytes(b)
    }

    /// Reads a little-endian 32-bit value.
    pub fn read_u32(&self, addr: PhysAddr) -> u32 {
        let mut b = [0u8; 4];
        self.read(addr, &mut b);
        u32::from_le_bytes(b)
    }

    /// Writes a little-endian 64-bit value.
    pub fn write_u64(&mut self, addr: PhysAddr, value: u64) {
        self.write(addr, &value.to_le_bytes());
    }

    /// Writes a little-endian 32-bit value.
    pub fn write_u32(&mut self, addr: PhysAddr, value: u32) {
        self.write(addr, &value.to_le_bytes());
    }

    /// Zeroes a frame (drops its stored contents).
    pub fn clear_frame(&mut self, pfn: u64) {
        self.contents.remove(&pfn);
    }

    /// How many frames hold stored contents.
    pub fn stored_frames(&self) -> usize {
        self.contents.len()
    }

    /// Marks a frame reserved at boot (for the page tables the boot code builds).
    pub fn reserve_frame(&mut self, pfn: u64) {
        if (pfn as usize) < self.frames.len() {
            self.frames[pfn as usize] = Frame::new(FrameKind::Reserved, None).0;
        }
    }

    /// The allocator's lists: every entry a free block head of its order, aligned and inside
    /// its zone, no two free buddies left unmerged, and the counters equal to what the lists
    /// hold. Costs O(free blocks), so it runs after every operation.
    pub fn check_lists(&self) -> Result<(), String> {
        for z in &self.zones {
            let mut listed = 0u64;
            for (order, list) in z.free.iter().enumerate() {
                let order = order as u32;
                for pfn in list.iter() {
                    let f = self.frame(pfn);
                    if f.kind() != FrameKind::Free || f.head_order() != Some(order) {
                        return Err(format!(
                            "{} order-{order} list holds {pfn:#x}, which is not a free head of \
                             that order",
                            z.kind.name()
                        ));
                    }
                    if pfn % (1 << order) != 0 || pfn < z.start || pfn + (1 << order) > z.end {
                        return Err(format!("block {pfn:#x}/{order} misaligned or outside zone"));
                    }
                    if order + 1 < self.rules.max_order {
                        let buddy = pfn ^ (1 << order);
                        if (z.start..z.end).contains(&buddy) && list.contains(buddy) {
                            return Err(format!(
                                "free buddies {pfn:#x} and {buddy:#x} of order {order} were not \
                                 merged"
                            ));
                        }
                    }
                    listed += 1 << order;
                }
            }
            if listed != z.free_pages {
                return Err(format!(
                    "{}: lists hold {listed} pages, the counter says {}",
                    z.kind.name(),
                    z.free_pages
                ));
            }
        }
        Ok(())
    }

    /// Everything that must hold of the allocator: [`PhysMem::check_lists`], and frame by frame
    /// that no frame is both free and allocated: every frame inside a free block is a free
    /// tail, and the frames marked free are exactly those on the lists. Costs O(frames).
    pub fn check_invariants(&self) -> Result<(), String> {
        self.check_lists()?;
        for z in &self.zones {
            for (order, list) in z.free.iter().enumerate() {
                for pfn in list.iter() {
                    for t in pfn + 1..pfn + (1 << order) {
                        let tf = self.frame(t);
                        if tf.kind() != FrameKind::Free || tf.head_order().is_some() {
                            return Err(format!(
                                "frame {t:#x} inside free block {pfn:#x} is {tf:?}"
                            ));
                        }
                    }
                }
            }
            let free_frames = (z.start..z.end)
                .filter(|&p| self.frame(p).kind() == FrameKind::Free)
                .count() as u64;
            if free_frames != z.free_pages {
                return Err(format!(
                    "{}: {free_frames} frames marked free, {} on lists",
                    z.kind.name(),
                    z.free_pages
                ));
            }
        }
        Ok(())
    }
}

/// `[start, end)` minus the sorted ranges in `holes`.
fn subtract(start: u64, end: u64, holes: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut at = start;
    for &(hs, he) in holes {
        if he <= at || hs >= end {
            continue;
        }
        if hs > at {
            out.push((at, hs));
        }
        at = at.max(he);
    }
    if at < end {
        out.push((at, end));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{GIB, MIB};
    use crate::e820::E820Map;
    use crate::layout::{compute, LayoutRequest};
    use crate::profile::ProfileId;

    fn rules_2_6() -> BuddyRules {
        BuddyRules {
            max_order: 11,
            split_keeps_upper: false,
            merge_likely_to_tail: false,
            boot_lowmem_to_tail: false,
        }
    }

    fn mem(id: ProfileId, ram: u64, rules: BuddyRules, reserved: Vec<Reservation>) -> PhysMem {
        let l = compute(&LayoutRequest::new(id, E820Map::qemu_pc(ram).unwrap())).unwrap();
        PhysMem::boot(&l, rules, reserved)
    }

    #[test]
    fn boot_gives_maximal_aligned_blocks_per_zone() {
        let m = mem(ProfileId::V6_1, 64 * MIB, rules_2_6(), vec![]);
        m.check_invariants().unwrap();
        let dma = &m.zones()[0];
        // 6.1's DMA zone starts at frame 1: blocks of order 0, 1, 2… up to the 640 KiB hole.
        // 6.1's DMA zone starts at frame 1, and RAM stops at 0x9f: order-0 blocks at 1 and
        // 0x9e; with head insertion the one freed last comes first.
        assert_eq!(dma.free[0].iter().collect::<Vec<_>>(), [0x9e, 1]);
        assert_eq!(dma.managed, dma.present);
        assert!(m.buddyinfo().starts_with("Node 0, zone      DMA "));
    }

    #[test]
    fn alloc_splits_and_free_merges_back() {
        let mut m = mem(ProfileId::V2_6_24, 64 * MIB, rules_2_6(), vec![]);
        let normal = m.zonelist(ZoneKind::Normal)[0];
        // Empty the small orders so that the next allocation must split an order-10 block.
        while m.zones()[normal].free[..10].iter().any(|l| !l.is_empty()) {
            let o = (0..10)
                .find(|&o| !m.zones()[normal].free[o].is_empty())
                .unwrap();
            m.alloc_from(normal, o as u32).unwrap();
        }
        let before = m.clone();
        let rec = m.alloc_from(normal, 0).unwrap();
        // 2.6 keeps the lower half at each split: ten halves went back, one per order.
        assert_eq!(rec.took_order, 10);
        assert_eq!(rec.split.len(), 10);
        assert_eq!(rec.pfn, rec.took_pfn);
        m.check_invariants().unwrap();
        let free = m.free(rec.pfn, 0).unwrap();
        assert_eq!(free.merged.len(), 10);
        assert_eq!(free.block, (10, rec.took_pfn));
        m.check_invariants().unwrap();
        assert_eq!(m, before);
    }

    #[test]
    fn two_four_hands_out_the_upper_half() {
        let rules = BuddyRules {
            max_order: 10,
            split_keeps_upper: true,
            ..rules_2_6()
        };
        let mut m = mem(ProfileId::V2_4_22, 64 * MIB, rules, vec![]);
        let normal = m.zonelist(ZoneKind::Normal)[0];
        let rec = m.alloc_from(normal, 0).unwrap();
        // Whatever block it split, the page handed out is its last one.
        assert_eq!(rec.pfn, rec.took_pfn + (1 << rec.took_order) - 1);
        assert_eq!(rec.split.len() as u32, rec.took_order);
        m.check_invariants().unwrap();
    }

    #[test]
    fn zonelists_fall_back_downwards() {
        let m = mem(ProfileId::V6_1, 2 * GIB, rules_2_6(), vec![]);
        let kinds = |k| {
            m.zonelist(k)
                .into_iter()
                .map(|i| m.zones()[i].kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(ZoneKind::HighMem),
            [ZoneKind::HighMem, ZoneKind::Normal, ZoneKind::Dma]
        );
        assert_eq!(kinds(ZoneKind::Normal), [ZoneKind::Normal, ZoneKind::Dma]);
        assert_eq!(kinds(ZoneKind::Dma), [ZoneKind::Dma]);
    }

    #[test]
    fn bad_frees_are_refused_and_change_nothing() {
        let mut m = mem(ProfileId::V2_6_32, 64 * MIB, rules_2_6(), vec![]);
        let zi = m.zonelist(ZoneKind::Normal)[0];
        let rec = m.alloc_from(zi, 2).unwrap();
        let before = m.clone();
        assert_eq!(
            m.free(rec.pfn, 1),
            Err(FreeError::WrongBlock {
                pfn: rec.pfn,
                order: 1
            })
        );
        assert_eq!(
            m.free(rec.pfn + 1, 0),
            Err(FreeError::WrongBlock {
                pfn: rec.pfn + 1,
                order: 0
            })
        );
        assert_eq!(m.free(1 << 30, 0), Err(FreeError::NotManaged(1 << 30)));
        assert_eq!(m, before);
        m.free(rec.pfn, 2).unwrap();
        assert_eq!(m.free(rec.pfn, 2), Err(FreeError::DoubleFree(rec.pfn)));
    }

    #[test]
    fn reservations_are_never_free() {
        let r = Reservation {
            start: Pfn::new(0x1000),
            end: Pfn::new(0x1400),
            label: "kernel image".into(),
        };
        let m = mem(ProfileId::V2_6_32, 64 * MIB, rules_2_6(), vec![r]);
        assert_eq!(m.frame(0x1000).kind(), FrameKind::Reserved);
        assert_eq!(m.frame(0x13ff).kind(), FrameKind::Reserved);
        assert_eq!(m.frame(0x1400).kind(), FrameKind::Free);
        m.check_invariants().unwrap();
    }

    #[test]
    fn contents_exist_only_where_written() {
        let mut m = mem(ProfileId::V6_1, 64 * MIB, rules_2_6(), vec![]);
        assert_eq!(m.read_u64(PhysAddr::new(0x10_0000)), 0);
        m.write_u64(PhysAddr::new(0x10_0ffc), 0x1122_3344_5566_7788);
        assert_eq!(m.read_u64(PhysAddr::new(0x10_0ffc)), 0x1122_3344_5566_7788);
        assert_eq!(m.stored_frames(), 2);
        // Beyond RAM: all ones, and writes vanish.
        m.write_u32(PhysAddr::new(0xfee0_0000), 5);
        assert_eq!(m.read_u32(PhysAddr::new(0xfee0_0000)), 0xffff_ffff);
    }

    #[test]
    fn subtract_ranges() {
        assert_eq!(
            subtract(0, 10, &[(2, 4), (6, 7)]),
            [(0, 2), (4, 6), (7, 10)]
        );
        assert_eq!(subtract(3, 5, &[(0, 10)]), []);
    }
}
