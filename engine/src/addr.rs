//! Address and frame-number newtypes.
//!
//! A 32-bit x86 kernel lives in a 4 GiB *linear* (virtual) address space but, with PAE, reaches
//! a 36-bit *physical* one. Mixing the two up is the classic highmem bug, so they are distinct
//! types here and no bare integer crosses a module border.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The size of a small page on i386: 4 KiB (`PAGE_SHIFT` = 12).
pub const PAGE_SHIFT: u32 = 12;
/// `PAGE_SIZE` in bytes.
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;

/// One mebibyte, the unit of the kernel's `NNNMB` boot messages.
pub const MIB: u64 = 1 << 20;
/// One gibibyte.
pub const GIB: u64 = 1 << 30;

/// A 32-bit linear address, as the CPU sees it before paging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct VirtAddr(u32);

impl VirtAddr {
    /// Wraps a 32-bit linear address. Every `u32` is a valid linear address.
    pub const fn new(addr: u32) -> Self {
        VirtAddr(addr)
    }

    /// Builds a linear address from a wider value, if it fits in 32 bits.
    pub fn try_from_u64(addr: u64) -> Option<Self> {
        u32::try_from(addr).ok().map(VirtAddr)
    }

    /// The raw 32-bit value.
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The value widened for arithmetic with sizes.
    pub const fn as_u64(self) -> u64 {
        self.0 as u64
    }
}

impl fmt::Display for VirtAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}

/// A physical address. PAE CPUs of the era drive 36 address lines; the e820 map a firmware
/// reports can name higher addresses (a 64-bit machine booting a 32-bit kernel), so the type
/// holds 64 bits and the code that consumes it applies the kernel's own limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PhysAddr(u64);

impl PhysAddr {
    /// Wraps a physical address.
    pub const fn new(addr: u64) -> Self {
        PhysAddr(addr)
    }

    /// The raw value.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// The frame holding this address (`addr >> PAGE_SHIFT`).
    pub const fn pfn_down(self) -> Pfn {
        Pfn(self.0 >> PAGE_SHIFT)
    }

    /// The first frame starting at or above this address (`PFN_UP`).
    pub const fn pfn_up(self) -> Pfn {
        Pfn(self.0.div_ceil(PAGE_SIZE))
    }
}

impl fmt::Display for PhysAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#011x}", self.0)
    }
}

/// A page frame number: a physical address divided by `PAGE_SIZE`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Pfn(u64);

impl Pfn {
    /// Wraps a frame number.
    pub const fn new(pfn: u64) -> Self {
        Pfn(pfn)
    }

    /// The raw frame number.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// The physical address of the frame's first byte.
    pub const fn addr(self) -> PhysAddr {
        PhysAddr(self.0 << PAGE_SHIFT)
    }

    /// The kernel's `pages_to_mb()`: whole mebibytes in `pages` frames, rounded down.
    pub const fn pages_to_mb(pages: u64) -> u64 {
        pages >> (20 - PAGE_SHIFT)
    }
}

impl fmt::Display for Pfn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pfn_rounding_matches_pfn_up_and_pfn_down() {
        assert_eq!(PhysAddr::new(0x9fc00).pfn_down(), Pfn::new(0x9f));
        assert_eq!(PhysAddr::new(0x9fc00).pfn_up(), Pfn::new(0xa0));
        assert_eq!(PhysAddr::new(0x100000).pfn_up(), Pfn::new(0x100));
        assert_eq!(Pfn::new(0x7ffe0).addr(), PhysAddr::new(0x7ffe_0000));
    }

    #[test]
    fn pages_to_mb_truncates() {
        // 0x48fe2 highmem pages of the reference 6.1 boot are 1167.9 MiB: the kernel says 1167.
        assert_eq!(Pfn::pages_to_mb(0x48fe2), 1167);
        assert_eq!(Pfn::pages_to_mb(255), 0);
    }

    #[test]
    fn virt_addr_formats_as_kernel_hex() {
        assert_eq!(VirtAddr::new(0xff80_0000).to_string(), "0xff800000");
        assert_eq!(VirtAddr::try_from_u64(1 << 32), None);
    }
}
