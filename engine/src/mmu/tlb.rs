//! A CPU's data TLB: set-associative arrays of cached translations.
//!
//! The hardware rules (SDM vol. 3A §4.10): a CR3 write drops every non-global entry;
//! clearing CR4.PGE drops everything; `invlpg` drops the entries for one page; nothing else
//! removes an entry except replacement. A changed page-table entry is *not* noticed: until one
//! of those flushes, the TLB keeps answering with the old translation. That staleness is what
//! the kernel's flushes exist for, so the model keeps it and can say, for any hit, whether the
//! answer still matches the tables.
//!
//! Replacement: Intel does not document it. The model uses true LRU within each set, which is
//! also what a fully associative array of the sizes here would most plausibly approximate.

use crate::cpu::TlbArray;
use crate::mmu::walk::Rights;
use serde::Serialize;

/// A cached translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TlbEntry {
    /// The virtual page's base address.
    pub va: u64,
    /// The physical frame's base address.
    pub frame: u64,
    /// The page size.
    pub page_size: u64,
    /// The rights cached with it.
    pub rights: Rights,
    /// For LRU: the tick of the last use.
    pub last_used: u64,
}

impl TlbEntry {
    /// Whether the entry covers an address.
    pub fn covers(&self, va: u64) -> bool {
        va & !(self.page_size - 1) == self.va
    }
}

/// One array's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlbArrayState {
    /// Its geometry.
    pub spec: TlbArray,
    /// `sets[set][way]`.
    pub sets: Vec<Vec<Option<TlbEntry>>>,
}

/// Where an entry sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Slot {
    /// Which array.
    pub array: usize,
    /// Which set.
    pub set: usize,
    /// Which way.
    pub way: usize,
}

/// Counters, as a CPU's performance monitors would report them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TlbCounters {
    /// Lookups that found an entry.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Entries dropped by `invlpg`.
    pub invlpg: u64,
    /// Non-global flushes (CR3 writes).
    pub cr3_flushes: u64,
    /// Full flushes (CR4.PGE toggles).
    pub global_flushes: u64,
}

/// A data TLB.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tlb {
    /// The arrays.
    pub arrays: Vec<TlbArrayState>,
    /// The counters.
    pub counters: TlbCounters,
    tick: u64,
}

impl Tlb {
    /// An empty TLB with these arrays.
    pub fn new(arrays: &[TlbArray]) -> Tlb {
        Tlb {
            arrays: arrays
                .iter()
                .map(|a| TlbArrayState {
                    spec: *a,
                    sets: vec![vec![None; a.ways as usize]; a.sets() as usize],
                })
                .collect(),
            counters: TlbCounters::default(),
            tick: 0,
        }
    }

    fn set_of(spec: &TlbArray, va: u64, page_size: u64) -> usize {
        ((va / page_size) % u64::from(spec.sets())) as usize
    }

    /// Looks an address up; on a hit the entry becomes most recently used.
    pub fn lookup(&mut self, va: u64) -> Option<(Slot, TlbEntry)> {
        self.tick += 1;
        let tick = self.tick;
        for (ai, a) in self.arrays.iter_mut().enumerate() {
            let sizes: &[u64] = match (a.spec.small, a.spec.large) {
                (true, true) => &[4096, 2 << 20, 4 << 20],
                (true, false) => &[4096],
                _ => &[2 << 20, 4 << 20],
            };
            for &size in sizes {
                let set = Self::set_of(&a.spec, va, size);
                for (way, e) in a.sets[set].iter_mut().enumerate() {
                    if let Some(e) = e {
                        if e.page_size == size && e.covers(va) {
                            e.last_used = tick;
                            self.counters.hits += 1;
                            return Some((
                                Slot {
                                    array: ai,
                                    set,
                                    way,
                                },
                                *e,
                            ));
                        }
                    }
                }
            }
        }
        self.counters.misses += 1;
        None
    }

    /// Caches a translation, evicting the set's least recently used entry if it is full.
    /// Returns where it went and what it evicted.
    pub fn insert(
        &mut self,
        va: u64,
        frame: u64,
        page_size: u64,
        rights: Rights,
    ) -> Option<(Slot, Option<TlbEntry>)> {
        self.tick += 1;
        let large = page_size > 4096;
        let ai = self
            .arrays
            .iter()
            .position(|a| if large { a.spec.large } else { a.spec.small })?;
        let a = &mut self.arrays[ai];
        let base = va & !(page_size - 1);
        let set = Self::set_of(&a.spec, base, page_size);
        let ways = &mut a.sets[set];
        // Replace an existing entry for the same page, else a free way, else the LRU one.
        let way = ways
            .iter()
            .position(|e| e.is_some_and(|e| e.va == base && e.page_size == page_size))
            .or_else(|| ways.iter().position(Option::is_none))
            .unwrap_or_else(|| {
                ways.iter()
                    .enumerate()
                    .min_by_key(|(_, e)| e.map(|e| e.last_used).unwrap_or(0))
                    .map(|(i, _)| i)
                    .unwrap_or(0)
            });
        let evicted = ways[way].filter(|e| !(e.va == base && e.page_size == page_size));
        ways[way] = Some(TlbEntry {
            va: base,
            frame,
            page_size,
            rights,
            last_used: self.tick,
        });
        Some((
            Slot {
                array: ai,
                set,
                way,
            },
            evicted,
        ))
    }

    /// Updates the cached D flag of an entry after a walk set it in memory.
    pub fn mark_dirty(&mut self, slot: Slot) {
        if let Some(Some(e)) = self
            .arrays
            .get_mut(slot.array)
            .and_then(|a| a.sets.get_mut(slot.set))
            .and_then(|s| s.get_mut(slot.way))
        {
            e.rights.dirty = true;
        }
    }

    /// `invlpg`: drops every entry covering `va`. Returns what was dropped.
    pub fn invlpg(&mut self, va: u64) -> Vec<TlbEntry> {
        let dropped = self.drop_where(|e| e.covers(va));
        self.counters.invlpg += dropped.len() as u64;
        dropped
    }

    /// A CR3 write: drops every non-global entry.
    pub fn flush_nonglobal(&mut self) -> Vec<TlbEntry> {
        self.counters.cr3_flushes += 1;
        self.drop_where(|e| !e.rights.global)
    }

    /// A CR4.PGE toggle: drops everything.
    pub fn flush_all(&mut self) -> Vec<TlbEntry> {
        self.counters.global_flushes += 1;
        self.drop_where(|_| true)
    }

    fn drop_where(&mut self, pred: impl Fn(&TlbEntry) -> bool) -> Vec<TlbEntry> {
        let mut dropped = Vec::new();
        for a in &mut self.arrays {
            for set in &mut a.sets {
                for way in set.iter_mut() {
                    if way.is_some_and(|e| pred(&e)) {
                        dropped.extend(way.take());
                    }
                }
            }
        }
        dropped
    }

    /// Every valid entry with its slot.
    pub fn entries(&self) -> Vec<(Slot, TlbEntry)> {
        let mut out = Vec::new();
        for (ai, a) in self.arrays.iter().enumerate() {
            for (si, set) in a.sets.iter().enumerate() {
                for (wi, e) in set.iter().enumerate() {
                    if let Some(e) = e {
                        out.push((
                            Slot {
                                array: ai,
                                set: si,
                                way: wi,
                            },
                            *e,
                        ));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rights(global: bool) -> Rights {
        Rights {
            writable: true,
            user: false,
            nx: false,
            global,
            dirty: false,
        }
    }

    fn p3() -> Tlb {
        Tlb::new(crate::cpu::CpuModel::PentiumIII.spec().dtlb)
    }

    #[test]
    fn hit_after_insert_and_miss_elsewhere() {
        let mut t = p3();
        assert!(t.lookup(0xc000_5000).is_none());
        t.insert(0xc000_5123, 0x1234_5000, 4096, rights(false));
        let (slot, e) = t.lookup(0xc000_5fff).unwrap();
        assert_eq!(e.frame, 0x1234_5000);
        assert_eq!(slot.array, 0);
        assert_eq!(slot.set, 5, "page 5 of a 16-set array");
        assert_eq!((t.counters.hits, t.counters.misses), (1, 1));
        // A large page goes to the large-page array and covers 2 MiB.
        t.insert(0xc020_0000, 0x20_0000, 2 << 20, rights(true));
        assert_eq!(t.lookup(0xc03f_ffff).unwrap().0.array, 1);
    }

    #[test]
    fn lru_evicts_the_least_recently_used_way() {
        let mut t = p3();
        // Five pages that map to set 0 of a 4-way set.
        let pages: Vec<u64> = (0..5).map(|i| i * 16 * 4096).collect();
        for &p in &pages[..4] {
            t.insert(p, p, 4096, rights(false));
        }
        t.lookup(pages[0]); // page 0 is now the most recent
        let (_, evicted) = t.insert(pages[4], pages[4], 4096, rights(false)).unwrap();
        assert_eq!(evicted.unwrap().va, pages[1]);
        assert!(t.lookup(pages[0]).is_some());
        assert!(t.lookup(pages[1]).is_none());
    }

    #[test]
    fn flushes_respect_the_global_bit() {
        let mut t = p3();
        t.insert(0x1000, 0x1000, 4096, rights(false));
        t.insert(0xc000_1000, 0x1000, 4096, rights(true));
        assert_eq!(t.flush_nonglobal().len(), 1);
        assert!(t.lookup(0xc000_1000).is_some());
        assert_eq!(t.invlpg(0xc000_1abc).len(), 1);
        assert!(t.lookup(0xc000_1000).is_none());
        t.insert(0xc000_2000, 0x2000, 4096, rights(true));
        assert_eq!(t.flush_all().len(), 1);
        assert!(t.entries().is_empty());
        assert_eq!(t.counters.global_flushes, 1);
    }

    #[test]
    fn reinserting_a_page_replaces_it_in_place() {
        let mut t = p3();
        t.insert(0x5000, 0x1000, 4096, rights(false));
        let (_, evicted) = t.insert(0x5000, 0x2000, 4096, rights(false)).unwrap();
        assert!(evicted.is_none());
        assert_eq!(t.entries().len(), 1);
        assert_eq!(t.lookup(0x5000).unwrap().1.frame, 0x2000);
    }
}
