//! Page tables stored in simulated physical memory.
//!
//! ```text
//! PAE:      2 bits PDPT | 9 bits PD | 9 bits PT | 12 bits offset     (SDM vol. 3A §4.4)
//! non-PAE:              10 bits PD | 10 bits PT | 12 bits offset     (SDM vol. 3A §4.3)
//! ```
//!
//! Linux names the levels pgd / pmd / pte. With PAE the pgd *is* the four-entry
//! page-directory-pointer table and the pmd is the page directory; without PAE the pmd is
//! folded into the pgd. Entries are read from and written to [`PhysMem`] byte for byte, so a
//! table is exactly what the hardware walk of [`crate::mmu`] finds.

pub mod entry;
pub mod kernel;

use crate::addr::{PhysAddr, VirtAddr, PAGE_SIZE};
use crate::phys::PhysMem;
pub use entry::{Entry, EntryFlags, Level, PagingMode};
use serde::Serialize;
use std::fmt;

/// An index into a PAE page-directory-pointer table: 0..4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PdptIndex(u8);

impl PdptIndex {
    /// Checks the value.
    pub fn new(i: u8) -> Option<PdptIndex> {
        (i < 4).then_some(PdptIndex(i))
    }

    /// Keeps the low two bits.
    pub fn new_truncate(i: u32) -> PdptIndex {
        PdptIndex((i & 3) as u8)
    }

    /// The value.
    pub fn get(self) -> u64 {
        u64::from(self.0)
    }
}

/// An index into a page directory or page table: 0..512 with PAE, 0..1024 without.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TableIndex(u16);

impl TableIndex {
    /// Checks the value against the mode's table size.
    pub fn new(mode: PagingMode, i: u16) -> Option<TableIndex> {
        (u64::from(i) < mode.entries_per_table()).then_some(TableIndex(i))
    }

    /// Keeps as many low bits as the mode's tables have entries.
    pub fn new_truncate(mode: PagingMode, i: u32) -> TableIndex {
        TableIndex((u64::from(i) & (mode.entries_per_table() - 1)) as u16)
    }

    /// The value.
    pub fn get(self) -> u64 {
        u64::from(self.0)
    }
}

/// A linear address cut into its table indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Split {
    /// The PDPT index (PAE only).
    pub pdpt: Option<PdptIndex>,
    /// The page-directory index.
    pub pd: TableIndex,
    /// The page-table index.
    pub pt: TableIndex,
    /// The byte offset in a 4 KiB page.
    pub offset: u32,
}

impl Split {
    /// Cuts an address: 2/9/9/12 with PAE, 10/10/12 without.
    pub fn of(mode: PagingMode, va: VirtAddr) -> Split {
        let v = va.as_u32();
        match mode {
            PagingMode::Pae => Split {
                pdpt: Some(PdptIndex::new_truncate(v >> 30)),
                pd: TableIndex::new_truncate(mode, v >> 21),
                pt: TableIndex::new_truncate(mode, v >> 12),
                offset: v & 0xfff,
            },
            PagingMode::NonPae => Split {
                pdpt: None,
                pd: TableIndex::new_truncate(mode, v >> 22),
                pt: TableIndex::new_truncate(mode, v >> 12),
                offset: v & 0xfff,
            },
        }
    }

    /// The bit fields as a reader would write them, high to low.
    pub fn describe(&self) -> String {
        match self.pdpt {
            Some(p) => format!(
                "PDPT {} | PD {} | PT {} | offset {:#05x}",
                p.get(),
                self.pd.get(),
                self.pt.get(),
                self.offset
            ),
            None => format!(
                "PD {} | PT {} | offset {:#05x}",
                self.pd.get(),
                self.pt.get(),
                self.offset
            ),
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The physical address of entry `index` of the table at `table`.
pub fn entry_addr(mode: PagingMode, table: PhysAddr, index: u64) -> PhysAddr {
    PhysAddr::new(table.as_u64() + index * mode.entry_size())
}

/// Reads one entry of a table.
pub fn read_entry(mem: &PhysMem, mode: PagingMode, table: PhysAddr, index: u64) -> Entry {
    let at = entry_addr(mode, table, index);
    match mode {
        PagingMode::Pae => Entry::from_raw(mode, mem.read_u64(at)),
        PagingMode::NonPae => Entry::from_raw(mode, u64::from(mem.read_u32(at))),
    }
}

/// Writes one entry of a table. A PAE entry is written the way Linux's `set_pte` does it:
/// the high half first, then (after a write barrier) the low half that carries P, so the
/// hardware never sees a present entry with half a frame number. Returns the old value.
pub fn write_entry(
    mem: &mut PhysMem,
    mode: PagingMode,
    table: PhysAddr,
    index: u64,
    entry: Entry,
) -> Entry {
    let old = read_entry(mem, mode, table, index);
    let at = entry_addr(mode, table, index);
    match mode {
        PagingMode::Pae => {
            mem.write_u32(PhysAddr::new(at.as_u64() + 4), (entry.raw() >> 32) as u32);
            mem.write_u32(at, entry.raw() as u32);
        }
        PagingMode::NonPae => mem.write_u32(at, entry.raw() as u32),
    }
    old
}

/// The entries of a table, all of them (512 or 1024; 4 for a PDPT).
pub fn read_table(mem: &PhysMem, mode: PagingMode, table: PhysAddr, entries: u64) -> Vec<Entry> {
    (0..entries)
        .map(|i| read_entry(mem, mode, table, i))
        .collect()
}

/// The virtual address a page-directory slot starts at.
pub fn pd_slot_base(mode: PagingMode, pdpt: u64, pd: u64) -> u64 {
    match mode {
        PagingMode::Pae => (pdpt << 30) | (pd << 21),
        PagingMode::NonPae => pd << 22,
    }
}

/// Bytes a page table covers (one page-directory entry's worth).
pub fn pt_span(mode: PagingMode) -> u64 {
    mode.entries_per_table() * PAGE_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_addresses_per_mode() {
        let s = Split::of(PagingMode::Pae, VirtAddr::new(0xff80_1234));
        assert_eq!(s.pdpt, PdptIndex::new(3));
        assert_eq!(s.pd.get(), 508);
        assert_eq!(s.pt.get(), 1);
        assert_eq!(s.offset, 0x234);
        assert_eq!(s.to_string(), "PDPT 3 | PD 508 | PT 1 | offset 0x234");
        let s = Split::of(PagingMode::NonPae, VirtAddr::new(0xff80_1234));
        assert_eq!((s.pdpt, s.pd.get(), s.pt.get()), (None, 1022, 1));
        assert_eq!(pd_slot_base(PagingMode::Pae, 3, 508), 0xff80_0000);
        assert_eq!(pd_slot_base(PagingMode::NonPae, 0, 1022), 0xff80_0000);
    }

    #[test]
    fn indices_are_bounded() {
        assert!(PdptIndex::new(4).is_none());
        assert!(TableIndex::new(PagingMode::Pae, 512).is_none());
        assert!(TableIndex::new(PagingMode::NonPae, 1023).is_some());
        assert_eq!(TableIndex::new_truncate(PagingMode::Pae, 513).get(), 1);
    }
}
