//! Paging-structure entries as the hardware reads them.
//!
//! Two formats (Intel SDM vol. 3A, chapter 4):
//!
//! - **32-bit paging** (§4.3), Linux's non-PAE kernels: 4-byte entries, 1024 per table;
//!   a page-directory entry with PS = 1 maps a 4 MiB page.
//! - **PAE paging** (§4.4), `CONFIG_X86_PAE`: 8-byte entries, 512 per table, a 4-entry
//!   page-directory-pointer table on top; a PDE with PS = 1 maps a 2 MiB page; bit 63 is
//!   execute-disable when `IA32_EFER.NXE` is set.
//!
//! Both are held here as [`Entry`]: the raw 64-bit value plus which format it is in, so the
//! reserved-bit rules (§4.3 and §4.4, tables 4-4 to 4-11) can be checked per level.

use crate::addr::PhysAddr;
use bitflags::bitflags;
use serde::{Deserialize, Serialize};

bitflags! {
    /// The flag bits of a paging-structure entry. Bit positions are shared by both formats
    /// except `NO_EXECUTE`, which only PAE entries have.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct EntryFlags: u64 {
        /// Bit 0, P: the entry maps something; when clear every other bit is ignored.
        const PRESENT = 1 << 0;
        /// Bit 1, R/W: writes allowed (for supervisor accesses only if CR0.WP is set).
        const WRITABLE = 1 << 1;
        /// Bit 2, U/S: user-mode (CPL 3) accesses allowed.
        const USER = 1 << 2;
        /// Bit 3, PWT: page-level write-through.
        const WRITE_THROUGH = 1 << 3;
        /// Bit 4, PCD: page-level cache disable.
        const NO_CACHE = 1 << 4;
        /// Bit 5, A: set by the CPU when the entry is used in a translation.
        const ACCESSED = 1 << 5;
        /// Bit 6, D: set by the CPU on a write through a PTE or a large-page PDE.
        const DIRTY = 1 << 6;
        /// Bit 7: PS in a page-directory entry (maps a 2 MiB / 4 MiB page); PAT in a PTE.
        const HUGE_OR_PAT = 1 << 7;
        /// Bit 8, G: global; survives a CR3 reload when CR4.PGE is set.
        const GLOBAL = 1 << 8;
        /// Bits 9–11: ignored by the CPU, free for the OS.
        const SOFTWARE = 0b111 << 9;
        /// Bit 63, XD/NX: instruction fetches forbidden (PAE with IA32_EFER.NXE only).
        const NO_EXECUTE = 1 << 63;
    }
}

/// Which paging mode an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PagingMode {
    /// 32-bit paging: 10/10/12 split, 4-byte entries.
    NonPae,
    /// PAE paging: 2/9/9/12 split, 8-byte entries.
    Pae,
}

impl PagingMode {
    /// Bytes per entry.
    pub const fn entry_size(self) -> u64 {
        match self {
            PagingMode::NonPae => 4,
            PagingMode::Pae => 8,
        }
    }

    /// Entries per page directory or page table.
    pub const fn entries_per_table(self) -> u64 {
        match self {
            PagingMode::NonPae => 1024,
            PagingMode::Pae => 512,
        }
    }

    /// The size of a large page a PDE maps.
    pub const fn large_page_size(self) -> u64 {
        match self {
            PagingMode::NonPae => 4 << 20,
            PagingMode::Pae => 2 << 20,
        }
    }
}

/// The level an entry sits at, for the reserved-bit rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Level {
    /// A PAE page-directory-pointer-table entry.
    Pdpte,
    /// A page-directory entry.
    Pde,
    /// A page-table entry.
    Pte,
}

/// The address field of a PAE entry, bits 51:12. The era's CPUs implement 36 of them
/// (`MAXPHYADDR`); a frame above 64 GiB still fits the field, as the kernel's `mk_pte` writes
/// it, and the walk then finds reserved bits set.
pub const PAE_ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;
/// Physical-address bits 31:12 of a 32-bit-paging entry.
pub const NON_PAE_ADDR_MASK: u64 = 0xffff_f000;

/// One paging-structure entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    raw: u64,
    mode: PagingMode,
}

impl Entry {
    /// An entry with this raw value. A 32-bit-paging value must fit in 32 bits; higher bits
    /// are dropped, as a 4-byte store would drop them.
    pub const fn from_raw(mode: PagingMode, raw: u64) -> Entry {
        let raw = match mode {
            PagingMode::NonPae => raw & 0xffff_ffff,
            PagingMode::Pae => raw,
        };
        Entry { raw, mode }
    }

    /// A not-present entry (all zero).
    pub const fn empty(mode: PagingMode) -> Entry {
        Entry { raw: 0, mode }
    }

    /// An entry pointing at `addr` with `flags`. The address is masked to the format's
    /// address bits; `NO_EXECUTE` is dropped from a 32-bit-paging entry.
    pub fn new(mode: PagingMode, addr: PhysAddr, flags: EntryFlags) -> Entry {
        let (mask, flags) = match mode {
            PagingMode::NonPae => (NON_PAE_ADDR_MASK, flags - EntryFlags::NO_EXECUTE),
            PagingMode::Pae => (PAE_ADDR_MASK, flags),
        };
        Entry::from_raw(mode, (addr.as_u64() & mask) | flags.bits())
    }

    /// The raw value as stored in memory.
    pub const fn raw(self) -> u64 {
        self.raw
    }

    /// The format.
    pub const fn mode(self) -> PagingMode {
        self.mode
    }

    /// The flag bits.
    pub fn flags(self) -> EntryFlags {
        EntryFlags::from_bits_truncate(self.raw)
    }

    /// Whether P is set.
    pub fn is_present(self) -> bool {
        self.raw & 1 != 0
    }

    /// Whether a PDE maps a large page (PS set).
    pub fn is_large(self) -> bool {
        self.flags().contains(EntryFlags::HUGE_OR_PAT)
    }

    /// The physical address the entry points at (a table, or a page frame).
    pub fn addr(self) -> PhysAddr {
        PhysAddr::new(match self.mode {
            PagingMode::NonPae => self.raw & NON_PAE_ADDR_MASK,
            PagingMode::Pae => self.raw & PAE_ADDR_MASK,
        })
    }

    /// The base of the large page a PS = 1 PDE maps.
    pub fn large_page_addr(self) -> PhysAddr {
        PhysAddr::new(self.addr().as_u64() & !(self.mode.large_page_size() - 1))
    }

    /// The entry with flags added.
    #[must_use]
    pub fn with(self, flags: EntryFlags) -> Entry {
        Entry::from_raw(self.mode, self.raw | flags.bits())
    }

    /// The reserved bits that are set, for an entry at `level` (present entries only; a
    /// not-present entry's other bits are ignored). `nxe` is `IA32_EFER.NXE`.
    pub fn reserved_bits(self, level: Level, nxe: bool) -> u64 {
        if !self.is_present() {
            return 0;
        }
        let raw = self.raw;
        match self.mode {
            PagingMode::NonPae => match level {
                // A 4 MiB page without PSE-36 (Linux never uses PSE-36): bits 21:13 reserved.
                Level::Pde if self.is_large() => raw & 0x003f_e000,
                _ => 0,
            },
            PagingMode::Pae => {
                // Bits 62:36 are reserved at every level with a 36-bit MAXPHYADDR; bit 63
                // too unless NXE is on.
                let mut reserved = 0x7fff_fff0_0000_0000u64;
                if !nxe {
                    reserved |= 1 << 63;
                }
                match level {
                    // PDPTEs: bits 2:1 and 8:5 reserved, and no XD bit at all (§4.4.1).
                    Level::Pdpte => reserved |= 0b110 | (0b1111 << 5) | (1 << 63),
                    // A 2 MiB page: bits 20:13 reserved.
                    Level::Pde if self.is_large() => reserved |= 0x001f_e000,
                    _ => {}
                }
                raw & reserved
            }
        }
    }

    /// The flags as short names, as a reader of the SDM would list them.
    pub fn flag_names(self, level: Level) -> Vec<&'static str> {
        let f = self.flags();
        let mut names = Vec::new();
        let mut add = |flag: EntryFlags, name: &'static str| {
            if f.contains(flag) {
                names.push(name);
            }
        };
        add(EntryFlags::PRESENT, "P");
        add(EntryFlags::WRITABLE, "RW");
        add(EntryFlags::USER, "US");
        add(EntryFlags::WRITE_THROUGH, "PWT");
        add(EntryFlags::NO_CACHE, "PCD");
        add(EntryFlags::ACCESSED, "A");
        add(EntryFlags::DIRTY, "D");
        let bit7 = if level == Level::Pte { "PAT" } else { "PS" };
        add(EntryFlags::HUGE_OR_PAT, bit7);
        add(EntryFlags::GLOBAL, "G");
        add(EntryFlags::NO_EXECUTE, "NX");
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_entries_keep_36_bit_addresses_and_nx() {
        let e = Entry::new(
            PagingMode::Pae,
            PhysAddr::new(0xf_ffff_f000),
            EntryFlags::PRESENT | EntryFlags::WRITABLE | EntryFlags::NO_EXECUTE,
        );
        assert_eq!(e.raw(), 0x8000_000f_ffff_f003);
        assert_eq!(e.addr(), PhysAddr::new(0xf_ffff_f000));
        assert!(e.flags().contains(EntryFlags::NO_EXECUTE));
        assert_eq!(e.reserved_bits(Level::Pte, true), 0);
        assert_eq!(e.reserved_bits(Level::Pte, false), 1 << 63);
    }

    #[test]
    fn non_pae_entries_drop_high_bits_and_nx() {
        let e = Entry::new(
            PagingMode::NonPae,
            PhysAddr::new(0x1_2345_6000),
            EntryFlags::PRESENT | EntryFlags::NO_EXECUTE,
        );
        assert_eq!(e.raw(), 0x2345_6001);
        assert!(!e.flags().contains(EntryFlags::NO_EXECUTE));
    }

    #[test]
    fn reserved_bits_per_level() {
        let pae = |raw| Entry::from_raw(PagingMode::Pae, raw);
        // Address bit 36 is beyond a 36-bit MAXPHYADDR.
        assert_eq!(pae(0x10_0000_0001).reserved_bits(Level::Pte, true), 1 << 36);
        // A PDPTE may not have R/W set (bits 2:1 are reserved) nor XD.
        assert_eq!(pae(0x1003).reserved_bits(Level::Pdpte, true), 0b10);
        assert_eq!(
            pae(0x8000_0000_0000_1001).reserved_bits(Level::Pdpte, true),
            1 << 63
        );
        // A 2 MiB page's bits 20:13 are reserved; a PDE pointing at a table's are address.
        assert_eq!(pae(0x20_2083).reserved_bits(Level::Pde, true), 0x2000);
        assert_eq!(pae(0x20_2003).reserved_bits(Level::Pde, true), 0);
        // Not-present entries are never checked.
        assert_eq!(
            pae(0xffff_ffff_ffff_fffe).reserved_bits(Level::Pte, false),
            0
        );
        // A 4 MiB non-PAE page's bits 21:13.
        let big = Entry::from_raw(PagingMode::NonPae, 0x0040_2083);
        assert_eq!(big.reserved_bits(Level::Pde, false), 0x2000);
    }

    #[test]
    fn flag_names_read_bit_7_by_level() {
        let e = Entry::from_raw(PagingMode::Pae, 0x1e3);
        assert_eq!(e.flag_names(Level::Pde), ["P", "RW", "A", "D", "PS", "G"]);
        assert_eq!(e.flag_names(Level::Pte), ["P", "RW", "A", "D", "PAT", "G"]);
        assert!(e.is_large());
    }
}
