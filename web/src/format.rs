//! How numbers and names appear on the page.

use highmem_engine::layout::RegionKind;
use highmem_engine::machine::{MachineConfig, Op, Prot};
use highmem_engine::paging::PagingMode;
use highmem_engine::profile::ConfigOpt;
use highmem_engine::size::{format_size, format_size_approx};

/// A 32-bit address as the kernel prints it: `0x` and eight lowercase hex digits (the end of
/// the address space, 2^32, needs nine: `0x100000000`).
pub fn hex32(value: u64) -> String {
    format!("{value:#010x}")
}

/// A page frame number in hex, as the test attributes carry it.
pub fn hex(value: u64) -> String {
    format!("{value:#x}")
}

/// A size for labels: exact when it is a whole number of KiB/MiB/GiB in the largest unit
/// (`2 MiB`), else one decimal (`879.9 MiB`).
pub fn size_short(bytes: u64) -> String {
    let exact = format_size(bytes);
    let approx = format_size_approx(bytes);
    // format_size falls back to a smaller unit when the larger one does not divide; prefer
    // the approximate larger unit then, since the exact range is printed beside it.
    if unit_rank(&exact) >= unit_rank(&approx) {
        exact
    } else {
        approx
    }
}

/// A size for tables: exact, with the approximate reading when the exact one is awkward.
pub fn size_exact(bytes: u64) -> String {
    let exact = format_size(bytes);
    let approx = format_size_approx(bytes);
    if unit_rank(&exact) >= unit_rank(&approx) {
        exact
    } else {
        format!("{exact} ≈ {approx}")
    }
}

/// A size as an exact figure and, when that figure is awkward, an approximate reading:
/// `("901112 KiB", Some("879.9 MiB"))`, `("2 MiB", None)`.
pub fn size_parts(bytes: u64) -> (String, Option<String>) {
    let exact = format_size(bytes);
    let approx = format_size_approx(bytes);
    if unit_rank(&exact) >= unit_rank(&approx) {
        (exact, None)
    } else {
        (exact, Some(approx))
    }
}

fn unit_rank(s: &str) -> u8 {
    if s.ends_with("TiB") {
        4
    } else if s.ends_with("GiB") {
        3
    } else if s.ends_with("MiB") {
        2
    } else if s.ends_with("KiB") {
        1
    } else {
        0
    }
}

/// The region kind as the engine's JSON spells it (`data-region` attributes, CSS classes).
pub fn region_id(kind: RegionKind) -> &'static str {
    match kind {
        RegionKind::User => "user",
        RegionKind::Lowmem => "lowmem",
        RegionKind::VmallocGap => "vmalloc_gap",
        RegionKind::Vmalloc => "vmalloc",
        RegionKind::Guard => "guard",
        RegionKind::Pkmap => "pkmap",
        RegionKind::LdtRemap => "ldt_remap",
        RegionKind::CpuEntryArea => "cpu_entry_area",
        RegionKind::FixmapBoot => "fixmap_boot",
        RegionKind::Fixmap => "fixmap",
        RegionKind::Top => "top",
        RegionKind::Unused => "unused",
    }
}

/// Whether a region has nothing mapped in it (drawn hatched, as empty space).
pub fn is_hole(kind: RegionKind) -> bool {
    matches!(
        kind,
        RegionKind::VmallocGap | RegionKind::Guard | RegionKind::Unused | RegionKind::Top
    )
}

/// A page-table entry's raw value: 16 hex digits with PAE, 8 without.
pub fn entry_hex(mode: PagingMode, raw: u64) -> String {
    match mode {
        PagingMode::Pae => format!("{raw:#018x}"),
        PagingMode::NonPae => format!("{raw:#010x}"),
    }
}

/// A number as a reader types it: decimal, or hexadecimal with `0x`. Underscores and
/// spaces between digit groups are ignored.
pub fn parse_number(text: &str) -> Option<u64> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| *c != '_' && *c != ' ')
        .collect();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) if !h.is_empty() => u64::from_str_radix(h, 16).ok(),
        Some(_) => None,
        None if t.is_empty() => None,
        None => t.parse().ok(),
    }
}

/// A 32-bit virtual address, or a sentence saying what is wrong with the text.
pub fn parse_vaddr(text: &str) -> Result<u32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("type an address, such as 0xc0001000".into());
    }
    match parse_number(t) {
        Some(v) => u32::try_from(v).map_err(|_| {
            format!("{t} is beyond 4 GiB: linear addresses are 32 bits, even with PAE")
        }),
        None => Err(format!(
            "“{t}” is not an address: write it in hex with 0x (0xc0001000) or in decimal"
        )),
    }
}

/// A TLB slot named as the engine names it in traces: `cpu0.tlb1[3][2]` is CPU 0, array 1,
/// set 3, way 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotRef {
    /// The CPU.
    pub cpu: usize,
    /// The array.
    pub array: usize,
    /// The set.
    pub set: usize,
    /// The way.
    pub way: usize,
}

impl SlotRef {
    /// Reads `cpuN.tlbA[S][W]`.
    pub fn parse(text: &str) -> Option<SlotRef> {
        let rest = text.trim().strip_prefix("cpu")?;
        let (cpu, rest) = rest.split_once(".tlb")?;
        let (array, rest) = rest.split_once('[')?;
        let (set, rest) = rest.split_once("][")?;
        let way = rest.strip_suffix(']')?;
        Some(SlotRef {
            cpu: cpu.parse().ok()?,
            array: array.parse().ok()?,
            set: set.parse().ok()?,
            way: way.parse().ok()?,
        })
    }
}

impl std::fmt::Display for SlotRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cpu{}.tlb{}[{}][{}]",
            self.cpu, self.array, self.set, self.way
        )
    }
}

/// A protection as `set_pte` scripts write it.
pub fn prot_text(prot: Prot) -> String {
    highmem_engine::script::prot_text(prot)
}

/// An op as a line of a scenario script (`read cpu=0 vaddr=0xc0001000`).
pub fn op_text(op: &Op) -> String {
    highmem_engine::script::op_text(op)
}

/// The `machine` line a script starts with, for a configuration built from a RAM size
/// (`ram`) or from a pasted map (`None`: the line says `e820=FILE`).
pub fn machine_line(config: &MachineConfig, ram: Option<u64>) -> String {
    let mut line = format!("machine profile={}", config.profile.name());
    match ram {
        Some(r) => line.push_str(&format!(" ram={}", crate::state::size_text(r))),
        None => line.push_str(" e820=boot.log"),
    }
    let on = |b: bool| if b { "on" } else { "off" };
    line.push_str(&format!(
        " pae={} highmem={} cpus={}",
        on(config.pae),
        on(config.highmem),
        config.cpus
    ));
    if let Some(n) = config.nr_cpus {
        line.push_str(&format!(" nr_cpus={n}"));
    }
    if let Some(v) = config.vmalloc {
        line.push_str(&format!(" vmalloc={}", crate::state::size_text(v)));
    }
    if let Some(m) = config.cpu_model {
        line.push_str(&format!(" cpu={}", m.key()));
    }
    if let Some(c) = config.config {
        let p = config.profile.profile();
        let changed: Vec<String> = ConfigOpt::ALL
            .iter()
            .filter(|&&o| c.has(o) != p.default_config.has(o))
            .filter_map(|&o| {
                let name = p.config_name(o)?;
                // A negated name (`!X86_F00F_WORKS_OK`) is set when the option is off.
                let (name, on) = match name.strip_prefix('!') {
                    Some(n) => (n, !c.has(o)),
                    None => (name, c.has(o)),
                };
                Some(format!("{name}={}", if on { "y" } else { "n" }))
            })
            .collect();
        if !changed.is_empty() {
            line.push_str(&format!(" config={}", changed.join(",")));
        }
    }
    if config.debug_sleep {
        line.push_str(" debug_sleep=on");
    }
    if config.skip_pkmap_flush {
        line.push_str(" skip_pkmap_flush=on");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use highmem_engine::machine::PageRef;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn addresses_have_eight_digits_and_the_top_nine() {
        assert_eq!(hex32(0), "0x00000000");
        assert_eq!(hex32(0xf77f_e000), "0xf77fe000");
        assert_eq!(hex32(1 << 32), "0x100000000");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size_short(2 << 20), "2 MiB");
        assert_eq!(size_short(0x36ff_e000), "879.9 MiB");
        assert_eq!(size_short(8192), "8 KiB");
        assert_eq!(size_exact(0x36ff_e000), "901112 KiB ≈ 879.9 MiB");
        assert_eq!(size_exact(3 << 30), "3 GiB");
    }

    #[test]
    fn numbers_and_addresses_parse_as_typed() {
        assert_eq!(parse_number("0xc000_1000"), Some(0xc000_1000));
        assert_eq!(parse_number(" 4096 "), Some(4096));
        assert_eq!(parse_number("0x"), None);
        assert_eq!(parse_number("zz"), None);
        assert_eq!(parse_vaddr("0xF77FE000"), Ok(0xf77f_e000));
        assert!(parse_vaddr("0x100000000")
            .unwrap_err()
            .contains("beyond 4 GiB"));
        assert!(parse_vaddr("hello").unwrap_err().contains("not an address"));
        assert!(parse_vaddr("").is_err());
    }

    #[test]
    fn tlb_slots_round_trip() {
        let s = SlotRef::parse("cpu1.tlb0[13][2]").unwrap();
        assert_eq!((s.cpu, s.array, s.set, s.way), (1, 0, 13, 2));
        assert_eq!(s.to_string(), "cpu1.tlb0[13][2]");
        assert_eq!(SlotRef::parse("cpu1.tlb"), None);
        assert_eq!(SlotRef::parse("mem[0x1000]"), None);
    }

    #[test]
    fn ops_print_as_script_lines() {
        use highmem_engine::machine::Gfp;
        let op = Op::AllocPages {
            gfp: Gfp::parse("GFP_KERNEL | __GFP_HIGHMEM").unwrap(),
            order: 3,
            name: Some("buf".into()),
        };
        assert_eq!(
            op_text(&op),
            "alloc_pages gfp=GFP_KERNEL|__GFP_HIGHMEM order=3 as=buf"
        );
        assert_eq!(
            op_text(&Op::SetPte {
                vaddr: 0xf77f_e000,
                pfn: 0x50000,
                prot: Prot::Raw(0x63)
            }),
            "set_pte vaddr=0xf77fe000 pfn=0x50000 prot=0x063"
        );
        assert_eq!(
            op_text(&Op::FreePages {
                page: PageRef::Name("buf".into()),
                order: None
            }),
            "free_pages buf"
        );
        assert_eq!(
            entry_hex(PagingMode::Pae, 0x8000_0000_0000_0163),
            "0x8000000000000163"
        );
        assert_eq!(entry_hex(PagingMode::NonPae, 0x163), "0x00000163");
    }
}
