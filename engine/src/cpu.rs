//! The processors the profiles run on: paging features and data-TLB geometry.
//!
//! Each profile defaults to a CPU a reader of its era most likely had. TLB sizes come from the
//! CPUID leaf 2 descriptors (Intel SDM vol. 2A, and the kernel's own `intel_tlb_table[]`) and
//! from Intel's optimization manual; values the sources leave open are marked in `source`.
//! Only the data TLB is modelled: the walks the model shows are data accesses.

use serde::{Deserialize, Serialize};

/// A CPU model the machine can be configured with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CpuModel {
    /// Pentium III (Coppermine), 1999–2001.
    #[serde(rename = "p3")]
    PentiumIII,
    /// Pentium 4 (Northwood), 2002–2004.
    #[serde(rename = "p4")]
    Pentium4,
    /// Core 2 (Merom/Conroe), 2006–2009.
    #[serde(rename = "core2")]
    Core2,
    /// Atom N270 (Bonnell), the netbook CPU of 2008–2010.
    #[serde(rename = "atom")]
    Atom,
    /// Skylake, 2015: a modern core that still boots a 32-bit kernel.
    #[serde(rename = "skylake")]
    Skylake,
}

/// One data-TLB array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TlbArray {
    /// Entries.
    pub entries: u32,
    /// Ways per set (`entries` for fully associative).
    pub ways: u32,
    /// Holds 4 KiB translations.
    pub small: bool,
    /// Holds 2 MiB / 4 MiB translations.
    pub large: bool,
}

impl TlbArray {
    /// Sets in the array.
    pub fn sets(&self) -> u32 {
        (self.entries / self.ways.max(1)).max(1)
    }
}

/// What a CPU model offers the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CpuSpec {
    /// Which model.
    pub model: CpuModel,
    /// Its name.
    pub name: &'static str,
    /// Page-size extension: 4 MiB pages without PAE (PAE always has 2 MiB pages).
    pub pse: bool,
    /// Global pages (CR4.PGE).
    pub pge: bool,
    /// Execute disable (needs PAE and `IA32_EFER.NXE`).
    pub nx: bool,
    /// The data-TLB arrays.
    pub dtlb: &'static [TlbArray],
    /// Where the numbers come from, and what is uncertain.
    pub source: &'static str,
}

impl CpuModel {
    /// Every model.
    pub const ALL: [CpuModel; 5] = [
        CpuModel::PentiumIII,
        CpuModel::Pentium4,
        CpuModel::Core2,
        CpuModel::Atom,
        CpuModel::Skylake,
    ];

    /// The short name used in scripts (`cpu=core2`).
    pub fn key(self) -> &'static str {
        match self {
            CpuModel::PentiumIII => "p3",
            CpuModel::Pentium4 => "p4",
            CpuModel::Core2 => "core2",
            CpuModel::Atom => "atom",
            CpuModel::Skylake => "skylake",
        }
    }

    /// Looks a model up by its short name.
    pub fn parse(s: &str) -> Option<CpuModel> {
        CpuModel::ALL.into_iter().find(|m| m.key() == s)
    }

    /// The model's data.
    pub fn spec(self) -> CpuSpec {
        const P3: [TlbArray; 2] = [arr(64, 4, true, false), arr(8, 4, false, true)];
        const P4: [TlbArray; 1] = [arr(64, 64, true, true)];
        const CORE2: [TlbArray; 2] = [arr(256, 4, true, false), arr(32, 4, false, true)];
        const ATOM: [TlbArray; 2] = [arr(64, 4, true, false), arr(16, 16, false, true)];
        const SKYLAKE: [TlbArray; 2] = [arr(64, 4, true, false), arr(32, 4, false, true)];
        match self {
            CpuModel::PentiumIII => CpuSpec {
                model: self,
                name: "Pentium III (Coppermine)",
                pse: true,
                pge: true,
                nx: false,
                dtlb: &P3,
                source: "CPUID leaf 2 descriptors 03H (64 entries, 4-way, 4 KiB) and 04H \
                         (8 entries, 4-way, large pages), the P6 family's set",
            },
            CpuModel::Pentium4 => CpuSpec {
                model: self,
                name: "Pentium 4 (Northwood)",
                pse: true,
                pge: true,
                nx: false,
                dtlb: &P4,
                source: "descriptor 5BH: 64 entries for 4 KiB and 4 MiB pages together; the \
                         descriptor gives no associativity, the model makes it fully associative",
            },
            CpuModel::Core2 => CpuSpec {
                model: self,
                name: "Core 2 (Merom/Conroe)",
                pse: true,
                pge: true,
                nx: true,
                dtlb: &CORE2,
                source: "Intel optimization manual, Core microarchitecture: DTLB1 256 entries \
                         (4 KiB) and 32 entries (large), 4-way; the small DTLB0 in front of it is \
                         not modelled",
            },
            CpuModel::Atom => CpuSpec {
                model: self,
                name: "Atom N270 (Bonnell)",
                pse: true,
                pge: true,
                nx: true,
                dtlb: &ATOM,
                source: "64-entry data TLB as measured by microbenchmarks; its associativity and \
                         the large-page TLB's size are not documented (model choices: 4-way, 16 \
                         fully associative)",
            },
            CpuModel::Skylake => CpuSpec {
                model: self,
                name: "Skylake",
                pse: true,
                pge: true,
                nx: true,
                dtlb: &SKYLAKE,
                source: "L1 DTLB: 64 entries 4-way (4 KiB) and 32 entries 4-way (2/4 MiB); the \
                         1536-entry second-level TLB behind it is not modelled",
            },
        }
    }
}

const fn arr(entries: u32, ways: u32, small: bool, large: bool) -> TlbArray {
    TlbArray {
        entries,
        ways,
        small,
        large,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_geometry_is_whole() {
        for m in CpuModel::ALL {
            assert_eq!(CpuModel::parse(m.key()), Some(m));
            for a in m.spec().dtlb {
                assert_eq!(a.entries % a.ways, 0, "{m:?}");
                assert!(a.small || a.large);
            }
            assert!(m.spec().dtlb.iter().any(|a| a.small));
            assert!(m.spec().dtlb.iter().any(|a| a.large));
        }
        assert_eq!(CpuModel::PentiumIII.spec().dtlb[0].sets(), 16);
        assert_eq!(CpuModel::Pentium4.spec().dtlb[0].sets(), 1);
    }
}
