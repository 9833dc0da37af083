//! The buddy allocator of one zone: a free list per order, split on allocation, merge on free.
//!
//! A block of order *n* is 2^n frames whose first frame number is a multiple of 2^n. Its
//! *buddy* is the other half of the order-(n+1) block containing it: `pfn ^ (1 << n)`. Freeing
//! a block merges it with its buddy for as long as the buddy is free, of the same order and in
//! the same zone (`page_is_buddy`, `mm/page_alloc.c`). The eras differ in details the model
//! keeps, because they decide *which* frame an allocation returns:
//!
//! - where a freed block goes on its list (the head in 2.4 and 2.6; 6.1 puts it at the tail
//!   when the merged block's own buddy is free, so that the two are likely to merge soon);
//! - which half a split keeps (2.4 hands out the upper half, 2.6 and 6.1 the lower);
//! - the largest order (9 in 2.4.22, 10 later).

use std::collections::BTreeMap;

/// Where a freed block is put on its free list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insert {
    /// At the head: the next allocation of that order takes it.
    Head,
    /// At the tail.
    Tail,
}

/// One free list: blocks in order, with O(log n) removal of any block (a merge removes the
/// buddy from the middle of its list).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FreeList {
    head: Option<u64>,
    tail: Option<u64>,
    /// For each block on the list: (previous, next).
    links: BTreeMap<u64, (Option<u64>, Option<u64>)>,
}

impl FreeList {
    /// How many blocks the list holds (`free_area[order].nr_free`).
    pub fn len(&self) -> usize {
        self.links.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// Whether a block is on the list.
    pub fn contains(&self, pfn: u64) -> bool {
        self.links.contains_key(&pfn)
    }

    /// The first block, the one an allocation takes.
    pub fn first(&self) -> Option<u64> {
        self.head
    }

    /// Adds a block at the head or the tail.
    pub fn insert(&mut self, pfn: u64, at: Insert) {
        debug_assert!(!self.contains(pfn));
        match at {
            Insert::Head => {
                let old = self.head;
                self.links.insert(pfn, (None, old));
                match old {
                    Some(o) => self.set_prev(o, Some(pfn)),
                    None => self.tail = Some(pfn),
                }
                self.head = Some(pfn);
            }
            Insert::Tail => {
                let old = self.tail;
                self.links.insert(pfn, (old, None));
                match old {
                    Some(o) => self.set_next(o, Some(pfn)),
                    None => self.head = Some(pfn),
                }
                self.tail = Some(pfn);
            }
        }
    }

    /// Removes a block; returns whether it was there.
    pub fn remove(&mut self, pfn: u64) -> bool {
        let Some((prev, next)) = self.links.remove(&pfn) else {
            return false;
        };
        match prev {
            Some(p) => self.set_next(p, next),
            None => self.head = next,
        }
        match next {
            Some(n) => self.set_prev(n, prev),
            None => self.tail = prev,
        }
        true
    }

    /// The blocks from head to tail.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        std::iter::successors(self.head, move |p| self.links.get(p).and_then(|l| l.1))
    }

    fn set_prev(&mut self, pfn: u64, prev: Option<u64>) {
        if let Some(l) = self.links.get_mut(&pfn) {
            l.0 = prev;
        }
    }

    fn set_next(&mut self, pfn: u64, next: Option<u64>) {
        if let Some(l) = self.links.get_mut(&pfn) {
            l.1 = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_and_tail_insertion_and_removal_keep_order() {
        let mut l = FreeList::default();
        l.insert(8, Insert::Head);
        l.insert(16, Insert::Head);
        l.insert(24, Insert::Tail);
        assert_eq!(l.iter().collect::<Vec<_>>(), [16, 8, 24]);
        assert!(l.remove(8));
        assert!(!l.remove(8));
        assert_eq!(l.iter().collect::<Vec<_>>(), [16, 24]);
        assert!(l.remove(16));
        assert_eq!(l.first(), Some(24));
        assert!(l.remove(24));
        assert!(l.is_empty());
        assert_eq!(l.first(), None);
        l.insert(4, Insert::Tail);
        assert_eq!(l.iter().collect::<Vec<_>>(), [4]);
    }
}
