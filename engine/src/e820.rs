//! The BIOS e820 physical memory map: read from a kernel log, or made for a given RAM size.
//!
//! Kernels print the map they were given at boot, one `BIOS-e820:` line per range, in one of
//! two formats:
//!
//! - 2.4 and 2.6 (to about 3.10): `BIOS-e820: 0000000000100000 - 000000007ffe0000 (usable)`,
//!   hex without `0x`, end *exclusive*, the type in parentheses or as `type N`;
//! - later kernels (6.1): `BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable`,
//!   end *inclusive*.
//!
//! Both are read; anything before `BIOS-e820:` (timestamps, syslog prefixes) is ignored.
//! Source: `e820_print_map` / `e820__print_table` in `arch/x86/kernel/e820.c`, e.g.
//! <https://elixir.bootlin.com/linux/v6.1/source/arch/x86/kernel/e820.c>.

use crate::addr::{PhysAddr, GIB, MIB};
use crate::size::format_size;
use serde::{Deserialize, Serialize};
use std::fmt;

/// x86's architectural ceiling on physical addresses (MAXPHYADDR ≤ 52). A range beyond it
/// cannot come from any real firmware.
pub const MAX_PHYS_BITS: u32 = 52;

/// The least and most RAM [`E820Map::qemu_pc`] will build a machine with: 16 MiB, and the
/// 64 GiB that PAE's 36-bit physical addresses can reach.
pub const MIN_RAM: u64 = 16 * MIB;
/// See [`MIN_RAM`].
pub const MAX_RAM: u64 = 64 * GIB;

/// What the firmware says a range is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum E820Type {
    /// Type 1, `usable`: RAM the kernel may use.
    Usable,
    /// Type 2, `reserved`.
    Reserved,
    /// Type 3, `ACPI data`: reclaimable once ACPI tables are read.
    AcpiData,
    /// Type 4, `ACPI NVS`: firmware storage preserved across sleep.
    AcpiNvs,
    /// Type 5, `unusable`: RAM with errors.
    Unusable,
    /// Types 7 and 12, `persistent`: non-volatile memory.
    Persistent(u32),
    /// Any other type number, printed as `type N`.
    Other(u32),
}

impl E820Type {
    fn from_label(label: &str) -> Option<E820Type> {
        let label = label.trim();
        Some(match label {
            "usable" => E820Type::Usable,
            "reserved" => E820Type::Reserved,
            "ACPI data" => E820Type::AcpiData,
            "ACPI NVS" => E820Type::AcpiNvs,
            "unusable" => E820Type::Unusable,
            "soft reserved" | "reserved kern" => E820Type::Reserved,
            _ => {
                let inner = label
                    .strip_prefix("persistent (type ")
                    .and_then(|r| r.strip_suffix(')'));
                if let Some(n) = inner {
                    return n.trim().parse().ok().map(E820Type::Persistent);
                }
                let n = label.strip_prefix("type ")?.trim().parse().ok()?;
                return Some(match n {
                    1 => E820Type::Usable,
                    2 => E820Type::Reserved,
                    3 => E820Type::AcpiData,
                    4 => E820Type::AcpiNvs,
                    5 => E820Type::Unusable,
                    7 | 12 => E820Type::Persistent(n),
                    _ => E820Type::Other(n),
                });
            }
        })
    }

    /// The label 6.1 prints for the type.
    pub fn label(self) -> String {
        match self {
            E820Type::Usable => "usable".into(),
            E820Type::Reserved => "reserved".into(),
            E820Type::AcpiData => "ACPI data".into(),
            E820Type::AcpiNvs => "ACPI NVS".into(),
            E820Type::Unusable => "unusable".into(),
            E820Type::Persistent(n) => format!("persistent (type {n})"),
            E820Type::Other(n) => format!("type {n}"),
        }
    }
}

/// One range of the map, `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct E820Entry {
    /// First byte.
    pub start: PhysAddr,
    /// One past the last byte.
    pub end: PhysAddr,
    /// What the range is.
    pub kind: E820Type,
}

impl E820Entry {
    /// The range's length in bytes.
    pub fn size(&self) -> u64 {
        self.end.as_u64() - self.start.as_u64()
    }
}

/// Why a map was refused. Every variant names the offending line where there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum E820Error {
    /// The text holds no `BIOS-e820:` line at all.
    NoEntries,
    /// A `BIOS-e820:` line that is in neither kernel format.
    Malformed {
        /// 1-based line number in the text.
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// A range whose end lies before its start, or that is empty.
    Inverted {
        /// 1-based line number.
        line: usize,
    },
    /// A range reaching past what any x86 CPU can address.
    BeyondPhysWidth {
        /// 1-based line number.
        line: usize,
        /// The range's end.
        end: u64,
    },
    /// Two ranges that cover the same bytes.
    Overlap {
        /// Line of the earlier range.
        first: usize,
        /// Line of the range that overlaps it.
        second: usize,
    },
    /// Nothing marked usable above 1 MiB, where the kernel image must load.
    NoUsableRam,
    /// A RAM size outside what a 32-bit PAE machine can hold.
    RamSize(u64),
}

impl fmt::Display for E820Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            E820Error::NoEntries => write!(
                f,
                "no BIOS-e820 lines found: paste the start of a kernel boot log (dmesg)"
            ),
            E820Error::Malformed { line, reason } => {
                write!(f, "line {line}: unreadable BIOS-e820 line: {reason}")
            }
            E820Error::Inverted { line } => {
                write!(f, "line {line}: the range ends before it starts")
            }
            E820Error::BeyondPhysWidth { line, end } => write!(
                f,
                "line {line}: the range ends at {end:#x}, beyond the {MAX_PHYS_BITS}-bit physical \
                 address width of any x86 CPU"
            ),
            E820Error::Overlap { first, second } => {
                write!(f, "lines {first} and {second}: the ranges overlap")
            }
            E820Error::NoUsableRam => write!(f, "the map has no usable RAM above 1 MiB"),
            E820Error::RamSize(bytes) => write!(
                f,
                "RAM size {} is outside 16 MiB .. 64 GiB (PAE's 36-bit physical address reaches \
                 64 GiB) or not a whole number of MiB",
                format_size(*bytes)
            ),
        }
    }
}

impl std::error::Error for E820Error {}

/// A physical memory map, sorted by address, without overlaps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct E820Map {
    entries: Vec<E820Entry>,
}

impl E820Map {
    /// Reads every `BIOS-e820:` line of a kernel log. Other lines are ignored.
    pub fn parse_log(text: &str) -> Result<E820Map, E820Error> {
        let mut found: Vec<(usize, E820Entry)> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let Some(pos) = raw.find("BIOS-e820:") else {
                continue;
            };
            let body = raw[pos + "BIOS-e820:".len()..].trim();
            let entry =
                parse_entry(body).map_err(|reason| E820Error::Malformed { line, reason })?;
            let (start, end) = entry;
            if end <= start {
                return Err(E820Error::Inverted { line });
            }
            if end > 1u64 << MAX_PHYS_BITS {
                return Err(E820Error::BeyondPhysWidth { line, end });
            }
            found.push((
                line,
                E820Entry {
                    start: PhysAddr::new(start),
                    end: PhysAddr::new(end),
                    kind: entry_kind(body)
                        .map_err(|reason| E820Error::Malformed { line, reason })?,
                },
            ));
        }
        if found.is_empty() {
            return Err(E820Error::NoEntries);
        }
        found.sort_by_key(|(_, e)| (e.start, e.end));
        for pair in found.windows(2) {
            let ((l1, a), (l2, b)) = (&pair[0], &pair[1]);
            if b.start < a.end {
                let (first, second) = if l1 < l2 { (*l1, *l2) } else { (*l2, *l1) };
                return Err(E820Error::Overlap { first, second });
            }
        }
        let map = E820Map {
            entries: found.into_iter().map(|(_, e)| e).collect(),
        };
        map.require_usable_ram()?;
        Ok(map)
    }

    /// The map SeaBIOS gives a QEMU `pc` (i440fx) guest with `ram` bytes, the machine of the
    /// reference boots: 639 KiB of conventional memory, the EBDA and BIOS areas reserved, RAM
    /// from 1 MiB with its top 128 KiB reserved by the firmware, the 256 KiB BIOS ROM under
    /// 4 GiB, and, from 3.5 GiB of RAM up, everything past 3 GiB moved above 4 GiB (QEMU's
    /// gigabyte-aligned PCI hole).
    pub fn qemu_pc(ram: u64) -> Result<E820Map, E820Error> {
        if !(MIN_RAM..=MAX_RAM).contains(&ram) || ram % MIB != 0 {
            return Err(E820Error::RamSize(ram));
        }
        let (below_4g, above_4g) = if ram >= 0xe000_0000 {
            (0xc000_0000, ram - 0xc000_0000)
        } else {
            (ram, 0)
        };
        let mut entries = vec![
            entry(0, 0x9_fc00, E820Type::Usable),
            entry(0x9_fc00, 0xa_0000, E820Type::Reserved),
            entry(0xf_0000, 0x10_0000, E820Type::Reserved),
            entry(0x10_0000, below_4g - 0x2_0000, E820Type::Usable),
            entry(below_4g - 0x2_0000, below_4g, E820Type::Reserved),
            entry(0xfffc_0000, 0x1_0000_0000, E820Type::Reserved),
        ];
        if above_4g > 0 {
            entries.push(entry(
                0x1_0000_0000,
                0x1_0000_0000 + above_4g,
                E820Type::Usable,
            ));
        }
        Ok(E820Map { entries })
    }

    /// Builds a map from ranges already known to be sorted and disjoint (used by tests and
    /// the web front-end's presets); refuses what [`E820Map::parse_log`] would refuse.
    pub fn from_entries(mut entries: Vec<E820Entry>) -> Result<E820Map, E820Error> {
        entries.sort_by_key(|e| (e.start, e.end));
        for (i, e) in entries.iter().enumerate() {
            if e.end <= e.start {
                return Err(E820Error::Inverted { line: i + 1 });
            }
            if e.end.as_u64() > 1u64 << MAX_PHYS_BITS {
                return Err(E820Error::BeyondPhysWidth {
                    line: i + 1,
                    end: e.end.as_u64(),
                });
            }
            if i > 0 && e.start < entries[i - 1].end {
                return Err(E820Error::Overlap {
                    first: i,
                    second: i + 1,
                });
            }
        }
        let map = E820Map { entries };
        map.require_usable_ram()?;
        Ok(map)
    }

    fn require_usable_ram(&self) -> Result<(), E820Error> {
        let usable_above_1m = self
            .entries
            .iter()
            .any(|e| e.kind == E820Type::Usable && e.end.as_u64() > MIB);
        if usable_above_1m {
            Ok(())
        } else {
            Err(E820Error::NoUsableRam)
        }
    }

    /// The ranges, in address order.
    pub fn entries(&self) -> &[E820Entry] {
        &self.entries
    }

    /// Total bytes marked usable.
    pub fn usable_bytes(&self) -> u64 {
        self.entries
            .iter()
            .filter(|e| e.kind == E820Type::Usable)
            .map(E820Entry::size)
            .sum()
    }

    /// The map as 6.1 prints it, one `BIOS-e820: [mem …] type` line per range.
    pub fn to_log_6_1(&self) -> String {
        self.entries
            .iter()
            .map(|e| {
                format!(
                    "BIOS-e820: [mem {:#018x}-{:#018x}] {}\n",
                    e.start.as_u64(),
                    e.end.as_u64() - 1,
                    e.kind.label()
                )
            })
            .collect()
    }
}

fn entry(start: u64, end: u64, kind: E820Type) -> E820Entry {
    E820Entry {
        start: PhysAddr::new(start),
        end: PhysAddr::new(end),
        kind,
    }
}

/// Parses the address part of a line body into `[start, end)`.
fn parse_entry(body: &str) -> Result<(u64, u64), String> {
    if let Some(rest) = body.strip_prefix("[mem ") {
        // 6.1: `[mem 0xSTART-0xEND] type`, end inclusive.
        let close = rest.find(']').ok_or("missing ']'")?;
        let (start, end) = rest[..close]
            .split_once('-')
            .ok_or("expected 0xSTART-0xEND")?;
        let start = parse_hex(start)?;
        let last = parse_hex(end)?;
        let end = last.checked_add(1).ok_or("end address overflows")?;
        Ok((start, end))
    } else {
        // 2.4 / 2.6: `START - END (type)`, end exclusive.
        let (start, rest) = body.split_once(" - ").ok_or(
            "expected '[mem 0xSTART-0xEND] type' (newer kernels) or 'START - END (type)' (2.4/2.6)",
        )?;
        let end = rest
            .split_whitespace()
            .next()
            .ok_or("missing end address")?;
        Ok((parse_hex(start)?, parse_hex(end)?))
    }
}

/// Parses the type part of a line body.
fn entry_kind(body: &str) -> Result<E820Type, String> {
    let label = if let Some(close) = body.find(']') {
        body[close + 1..].trim()
    } else {
        let rest = body.split_once(" - ").map(|(_, r)| r).unwrap_or("");
        let after_end = rest.trim_start();
        let after_end = after_end
            .find(char::is_whitespace)
            .map(|i| after_end[i..].trim())
            .unwrap_or("");
        after_end
            .strip_prefix('(')
            .and_then(|l| l.strip_suffix(')'))
            .unwrap_or(after_end)
    };
    E820Type::from_label(label).ok_or_else(|| format!("unknown range type '{label}'"))
}

fn parse_hex(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if digits.is_empty() || digits.len() > 16 {
        return Err(format!("'{t}' is not a 64-bit hex address"));
    }
    u64::from_str_radix(digits, 16).map_err(|_| format!("'{t}' is not a hex address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOT_6_1: &str = include_str!("../tests/fixtures/boot-6.1-686-pae-2G.txt");

    #[test]
    fn reads_the_reference_6_1_boot() {
        let map = E820Map::parse_log(BOOT_6_1).unwrap();
        let e = map.entries();
        assert_eq!(e.len(), 6);
        assert_eq!(e[3].start.as_u64(), 0x10_0000);
        assert_eq!(e[3].end.as_u64(), 0x7ffe_0000);
        assert_eq!(e[3].kind, E820Type::Usable);
        assert_eq!(e[5].kind, E820Type::Reserved);
        // Printing it back gives the very lines of the log.
        for line in map.to_log_6_1().lines() {
            assert!(BOOT_6_1.contains(line), "{line}");
        }
    }

    #[test]
    fn the_qemu_map_of_2g_is_the_reference_map() {
        assert_eq!(
            E820Map::qemu_pc(2 * GIB).unwrap(),
            E820Map::parse_log(BOOT_6_1).unwrap()
        );
    }

    #[test]
    fn reads_the_2_6_format_with_prefixes() {
        let log = "\
[    0.000000] BIOS-provided physical RAM map:
[    0.000000]  BIOS-e820: 0000000000000000 - 000000000009f800 (usable)
[    0.000000]  BIOS-e820: 000000000009f800 - 00000000000a0000 (reserved)
[    0.000000]  BIOS-e820: 0000000000100000 - 000000007fff0000 (usable)
[    0.000000]  BIOS-e820: 000000007fff0000 - 000000007fff3000 (ACPI NVS)
[    0.000000]  BIOS-e820: 000000007fff3000 - 0000000080000000 (ACPI data)
Jan  1 kernel:  BIOS-e820: 00000000fec00000 - 00000000fec01000 type 20
";
        let map = E820Map::parse_log(log).unwrap();
        let kinds: Vec<_> = map.entries().iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                E820Type::Usable,
                E820Type::Reserved,
                E820Type::Usable,
                E820Type::AcpiNvs,
                E820Type::AcpiData,
                E820Type::Other(20)
            ]
        );
        assert_eq!(map.entries()[0].end.as_u64(), 0x9_f800);
        assert_eq!(map.usable_bytes(), 0x9_f800 + 0x7fef_0000);
    }

    #[test]
    fn refuses_bad_maps_with_line_numbers() {
        assert_eq!(
            E820Map::parse_log("hello\nworld\n"),
            Err(E820Error::NoEntries)
        );
        assert!(matches!(
            E820Map::parse_log("x\nBIOS-e820: [mem 0x1000-zz] usable"),
            Err(E820Error::Malformed { line: 2, .. })
        ));
        assert!(matches!(
            E820Map::parse_log("BIOS-e820: [mem 0x100000-0x1fffff] weird"),
            Err(E820Error::Malformed { line: 1, .. })
        ));
        assert_eq!(
            E820Map::parse_log("BIOS-e820: [mem 0x200000-0x1fffff] usable"),
            Err(E820Error::Inverted { line: 1 })
        );
        assert_eq!(
            E820Map::parse_log(
                "BIOS-e820: [mem 0x0-0x3fffffff] usable\nBIOS-e820: [mem 0x100000-0x1fffff] reserved"
            ),
            Err(E820Error::Overlap {
                first: 1,
                second: 2
            })
        );
        assert!(matches!(
            E820Map::parse_log("BIOS-e820: [mem 0x100000-0xffffffffffffffff] usable"),
            Err(E820Error::Malformed { .. })
        ));
        assert!(matches!(
            E820Map::parse_log("BIOS-e820: [mem 0x100000-0xfffffffffffffe] usable"),
            Err(E820Error::BeyondPhysWidth { line: 1, .. })
        ));
        assert_eq!(
            E820Map::parse_log("BIOS-e820: [mem 0x0-0x9ffff] usable"),
            Err(E820Error::NoUsableRam)
        );
    }

    #[test]
    fn qemu_maps_split_at_the_pci_hole() {
        let small = E820Map::qemu_pc(16 * MIB).unwrap();
        assert_eq!(small.entries()[3].end.as_u64(), 16 * MIB - 0x2_0000);
        let big = E820Map::qemu_pc(8 * GIB).unwrap();
        let last = big.entries().last().unwrap();
        assert_eq!(last.start.as_u64(), 4 * GIB);
        assert_eq!(last.end.as_u64(), 4 * GIB + 5 * GIB);
        // 3 GiB (less than 3.5 GiB) stays below the hole.
        let three = E820Map::qemu_pc(3 * GIB).unwrap();
        assert_eq!(three.entries()[3].end.as_u64(), 3 * GIB - 0x2_0000);
        for bad in [MIB, 65 * GIB, 16 * MIB + 1] {
            assert_eq!(E820Map::qemu_pc(bad), Err(E820Error::RamSize(bad)));
        }
    }
}
