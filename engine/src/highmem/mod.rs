//! Persistent kernel maps: the pkmap window and how a page finds its address.
//!
//! The pkmap window is one page table of `LAST_PKMAP` entries at `PKMAP_BASE`. `kmap()` gives a
//! highmem page one of its slots, `kunmap()` gives it back. Each slot has a counter,
//! `pkmap_count[]`:
//!
//! - **0**: free, and unmapped since the last TLB flush: `map_new_virtual()` may hand it out;
//! - **1**: nobody uses it, but its PTE may still sit in a TLB, so it must not be reused until
//!   `flush_all_zero_pkmaps()` clears it and flushes, once for all such slots, when the scan
//!   wraps around;
//! - **n ≥ 2**: n − 1 users.
//!
//! How a page finds its pkmap address (`page_address()`) changed with the eras: 2.4 keeps it in
//! `page->virtual`; 2.6 hashes the `struct page` pointer into 128 buckets of entries taken from
//! a pool of `LAST_PKMAP`; 6.1 hashes too but uses the entry of the slot itself.
//! Source: `mm/highmem.c` of each era, e.g.
//! <https://elixir.bootlin.com/linux/v2.6.24/source/mm/highmem.c>.

use crate::trace::Tracer;

pub mod atomic;
pub mod graph;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// `PA_HASH_ORDER`: 2^7 = 128 buckets.
pub const PA_HASH_ORDER: u32 = 7;

/// Where a highmem page's pkmap address is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AddressStore {
    /// `page->virtual` in every `struct page` (2.4).
    PageVirtual,
    /// `page_address_htable` with entries from `page_address_pool` (2.6).
    HashedPool,
    /// `page_address_htable` with `page_address_maps[PKMAP_NR(vaddr)]` (6.1).
    HashedPerSlot,
}

/// One `page_address_map`: a page and its pkmap address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MapEntry {
    /// The page's frame.
    pub pfn: u64,
    /// Its pkmap address.
    pub vaddr: u32,
}

/// The pkmap state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pkmap {
    /// `PKMAP_BASE`.
    pub base: u32,
    /// `pkmap_count[LAST_PKMAP]`.
    pub count: Vec<u32>,
    /// `last_pkmap_nr`: the slot the last scan stopped at.
    pub last_pkmap_nr: u32,
    /// `pkmap_map_wait`: the tasks waiting for a free slot (task indices).
    pub wait: Vec<usize>,
    /// How addresses are recorded.
    pub store: AddressStore,
    /// 2.4's `page->virtual` of highmem pages.
    pub page_virtual: BTreeMap<u64, u32>,
    /// `page_address_maps[LAST_PKMAP]`.
    pub maps: Vec<Option<MapEntry>>,
    /// `page_address_htable[128]`: each bucket's chain of entry indices, in list order.
    pub buckets: Vec<Vec<usize>>,
    /// 2.6's `page_address_pool`: free entry indices, `pool.next` first.
    pub pool: VecDeque<usize>,
    /// Slots whose PTE was present since the last TLB flush of the window.
    pub dirty: Vec<bool>,
    /// The kernel address of `mem_map[0]`.
    pub mem_map: u32,
    /// `sizeof(struct page)`.
    pub struct_page: u32,
    /// The multiplier of `hash_ptr()`.
    pub hash_mul: u32,
}

impl Pkmap {
    /// The state at boot: every slot free, the scan at slot 0.
    pub fn new(
        base: u32,
        last_pkmap: u32,
        store: AddressStore,
        mem_map: u32,
        struct_page: u32,
        hash_mul: u32,
    ) -> Pkmap {
        let n = last_pkmap as usize;
        // page_address_init() list_add()s entry 0, 1, … at the head, so the last one added,
        // entry LAST_PKMAP − 1, is the first set_page_address() takes.
        let pool = if store == AddressStore::HashedPool {
            (0..n).rev().collect()
        } else {
            VecDeque::new()
        };
        Pkmap {
            base,
            count: vec![0; n],
            last_pkmap_nr: 0,
            wait: Vec::new(),
            store,
            page_virtual: BTreeMap::new(),
            maps: vec![None; n],
            buckets: vec![Vec::new(); 1 << PA_HASH_ORDER],
            pool,
            dirty: vec![false; n],
            mem_map,
            struct_page,
            hash_mul,
        }
    }

    /// `LAST_PKMAP`.
    pub fn slots(&self) -> u32 {
        self.count.len() as u32
    }

    /// `PKMAP_ADDR(nr)`.
    pub fn addr(&self, nr: u32) -> u32 {
        self.base + (nr << 12)
    }

    /// `PKMAP_NR(vaddr)`.
    pub fn nr(&self, vaddr: u32) -> u32 {
        (vaddr - self.base) >> 12
    }

    /// The `struct page *` of a frame: `mem_map + pfn`.
    pub fn page_ptr(&self, pfn: u64) -> u32 {
        self.mem_map
            .wrapping_add((pfn as u32).wrapping_mul(self.struct_page))
    }

    /// `hash_ptr(page, PA_HASH_ORDER)`: the bucket a page hashes to.
    pub fn bucket_of(&self, pfn: u64) -> usize {
        (self.page_ptr(pfn).wrapping_mul(self.hash_mul) >> (32 - PA_HASH_ORDER)) as usize
    }

    /// The page's pkmap address, if it has one (no trace).
    pub fn lookup(&self, pfn: u64) -> Option<u32> {
        match self.store {
            AddressStore::PageVirtual => self.page_virtual.get(&pfn).copied(),
            _ => self.buckets[self.bucket_of(pfn)]
                .iter()
                .filter_map(|&e| self.maps[e])
                .find(|m| m.pfn == pfn)
                .map(|m| m.vaddr),
        }
    }

    /// `page_address()` of a highmem page, traced: the bucket and the chain it walked.
    pub fn page_address(&self, t: &mut Tracer, pfn: u64) -> Option<u32> {
        let found = self.lookup(pfn);
        if !t.on() {
            return found;
        }
        t.enter(
            "page_address",
            &[(
                "page",
                format!("{:#010x} (frame {pfn:#x})", self.page_ptr(pfn)),
            )],
        );
        t.decide("PageHighMem(page)?", "yes");
        match self.store {
            AddressStore::PageVirtual => {
                t.decide(
                    "page->virtual",
                    found
                        .map(|v| format!("{v:#010x}"))
                        .unwrap_or_else(|| "NULL".into()),
                );
            }
            _ => {
                let b = self.bucket_of(pfn);
                let chain: Vec<String> = self.buckets[b]
                    .iter()
                    .filter_map(|&e| self.maps[e])
                    .map(|m| format!("{:#x}", m.pfn))
                    .collect();
                t.decide(
                    "bucket",
                    format!("{b} (hash_ptr of {:#010x})", self.page_ptr(pfn)),
                );
                t.decide(
                    "chain",
                    if chain.is_empty() {
                        "empty".to_string()
                    } else {
                        chain.join(" → ")
                    },
                );
                t.decide("found?", if found.is_some() { "yes" } else { "no" });
            }
        }
        t.result(
            found
                .map(|v| format!("{v:#010x}"))
                .unwrap_or_else(|| "NULL".into()),
        );
        t.exit();
        found
    }

    /// `set_page_address(page, vaddr)`, or with `None` its removal. Fails only where the kernel
    /// would BUG: an empty pool.
    pub fn set_page_address(
        &mut self,
        t: &mut Tracer,
        pfn: u64,
        vaddr: Option<u32>,
    ) -> Result<(), String> {
        if t.on() {
            t.enter(
                "set_page_address",
                &[
                    ("page", format!("frame {pfn:#x}")),
                    (
                        "virtual",
                        vaddr
                            .map(|v| format!("{v:#010x}"))
                            .unwrap_or_else(|| "NULL".into()),
                    ),
                ],
            );
        }
        let result = match (self.store, vaddr) {
            (AddressStore::PageVirtual, Some(v)) => {
                self.page_virtual.insert(pfn, v);
                if t.on() {
                    t.change(
                        format!("page[{pfn:#x}].virtual"),
                        "NULL",
                        format!("{v:#010x}"),
                    );
                }
                Ok(())
            }
            (AddressStore::PageVirtual, None) => {
                if let Some(old) = self.page_virtual.remove(&pfn).filter(|_| t.on()) {
                    t.change(
                        format!("page[{pfn:#x}].virtual"),
                        format!("{old:#010x}"),
                        "NULL",
                    );
                }
                Ok(())
            }
            (store, Some(v)) => {
                let e = if store == AddressStore::HashedPool {
                    match self.pool.pop_front() {
                        Some(e) => {
                            if t.on() {
                                t.decide(
                                    "entry",
                                    format!("page_address_maps[{e}], taken from page_address_pool"),
                                );
                            }
                            e
                        }
                        None => {
                            t.exit();
                            return Err("the page_address_pool is empty (BUG_ON(list_empty(&page_address_pool)))".into());
                        }
                    }
                } else {
                    let e = self.nr(v) as usize;
                    if t.on() {
                        t.decide("entry", format!("page_address_maps[{e}], the slot's own"));
                    }
                    e
                };
                self.maps[e] = Some(MapEntry { pfn, vaddr: v });
                let b = self.bucket_of(pfn);
                self.buckets[b].push(e);
                if t.on() {
                    t.decide("bucket", format!("{b}: appended at the tail"));
                    t.change(
                        format!("page_address_htable[{b}]"),
                        "-",
                        format!("+frame {pfn:#x} → {v:#010x}"),
                    );
                }
                Ok(())
            }
            (store, None) => {
                let b = self.bucket_of(pfn);
                if let Some(pos) = self.buckets[b]
                    .iter()
                    .position(|&e| self.maps[e].is_some_and(|m| m.pfn == pfn))
                {
                    let e = self.buckets[b].remove(pos);
                    let old = self.maps[e].take();
                    if store == AddressStore::HashedPool {
                        self.pool.push_back(e);
                        if t.on() {
                            t.decide(
                                "entry",
                                format!("page_address_maps[{e}] back to the pool's tail"),
                            );
                        }
                    }
                    if let Some(m) = old.filter(|_| t.on()) {
                        t.change(
                            format!("page_address_htable[{b}]"),
                            format!("frame {:#x} → {:#010x}", m.pfn, m.vaddr),
                            "-",
                        );
                    }
                }
                Ok(())
            }
        };
        t.exit();
        result
    }

    /// The page mapped at a slot, if any.
    pub fn page_at(&self, nr: u32) -> Option<u64> {
        let v = self.addr(nr);
        if self.store == AddressStore::HashedPerSlot {
            return self.maps.get(nr as usize).copied().flatten().map(|m| m.pfn);
        }
        match self.store {
            AddressStore::PageVirtual => self
                .page_virtual
                .iter()
                .find(|(_, &a)| a == v)
                .map(|(&p, _)| p),
            _ => self
                .maps
                .iter()
                .flatten()
                .find(|m| m.vaddr == v)
                .map(|m| m.pfn),
        }
    }

    /// The page at every slot, in one pass: `slot_pages()[nr]` = `page_at(nr)`.
    pub fn slot_pages(&self) -> Vec<Option<u64>> {
        let mut out = vec![None; self.count.len()];
        let mut record = |pfn: u64, v: u32| {
            if v >= self.base {
                if let Some(slot) = out.get_mut(((v - self.base) >> 12) as usize) {
                    *slot = Some(pfn);
                }
            }
        };
        match self.store {
            AddressStore::PageVirtual => self.page_virtual.iter().for_each(|(&p, &v)| record(p, v)),
            _ => self
                .maps
                .iter()
                .flatten()
                .for_each(|m| record(m.pfn, m.vaddr)),
        }
        out
    }

    /// The pkmap invariants that concern this structure alone: a slot is in use exactly when
    /// a page is recorded at its address; no page holds two slots; the 2.6 pool and hash
    /// entries add up to `LAST_PKMAP`; every entry sits in the bucket its page hashes to.
    pub fn check(&self) -> Result<(), String> {
        let mut seen = BTreeMap::new();
        let pages = self.slot_pages();
        for nr in 0..self.slots() {
            let page = pages[nr as usize];
            let count = self.count[nr as usize];
            if (count > 0) != page.is_some() {
                return Err(format!("pkmap slot {nr}: count {count} but page {page:?}"));
            }
            if let Some(p) = page {
                if let Some(other) = seen.insert(p, nr) {
                    return Err(format!("frame {p:#x} holds slots {other} and {nr}"));
                }
            }
        }
        if self.store != AddressStore::PageVirtual {
            let hashed: usize = self.buckets.iter().map(Vec::len).sum();
            if self.store == AddressStore::HashedPool
                && hashed + self.pool.len() != self.slots() as usize
            {
                return Err(format!(
                    "{hashed} hash entries + {} pool entries != LAST_PKMAP",
                    self.pool.len()
                ));
            }
            for (b, chain) in self.buckets.iter().enumerate() {
                for &e in chain {
                    let m = self.maps[e]
                        .ok_or_else(|| format!("bucket {b} holds the empty entry {e}"))?;
                    if self.bucket_of(m.pfn) != b {
                        return Err(format!(
                            "frame {:#x} sits in bucket {b}, hashes elsewhere",
                            m.pfn
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_buckets_of_the_trace_pointer() {
        // The first page of the real 6.1 kmap trace, 0xf6eef3e8: bucket 2 with 6.1's
        // multiplier, 70 with 2.6's.
        let p61 = Pkmap::new(
            0xff00_0000,
            512,
            AddressStore::HashedPerSlot,
            0xf6ee_f3e8,
            40,
            0x61c8_8647,
        );
        assert_eq!(p61.bucket_of(0), 2);
        let p26 = Pkmap::new(
            0xff80_0000,
            512,
            AddressStore::HashedPool,
            0xf6ee_f3e8,
            32,
            0x9e37_0001,
        );
        assert_eq!(p26.bucket_of(0), 70);
    }

    #[test]
    fn pool_entries_come_and_go() {
        let mut p = Pkmap::new(
            0xff80_0000,
            512,
            AddressStore::HashedPool,
            0xc100_0000,
            32,
            0x9e37_0001,
        );
        let mut t = Tracer::new();
        p.count[1] = 1;
        p.set_page_address(&mut t, 0x50000, Some(p.addr(1)))
            .unwrap();
        assert_eq!(p.lookup(0x50000), Some(0xff80_1000));
        assert_eq!(
            p.maps[511].unwrap().pfn,
            0x50000,
            "the pool hands out its last-added entry first"
        );
        p.check().unwrap();
        p.set_page_address(&mut t, 0x50000, None).unwrap();
        p.count[1] = 0;
        assert_eq!(p.lookup(0x50000), None);
        assert_eq!(p.pool.back(), Some(&511));
        p.check().unwrap();
    }
}
