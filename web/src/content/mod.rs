//! The chapters, compiled from Markdown by `build.rs` into the data types below, and the
//! extensions the prose uses: live values (`{{NAME}}`), links into the selected kernel's
//! source (`ident:NAME`, `src:PATH`) and buttons that run a scenario (`try:ID`).

use highmem_engine::cpu::{CpuModel, CpuSpec, TlbArray};
use highmem_engine::highmem::AddressStore;
use highmem_engine::layout::derive::ValueKind;
use highmem_engine::layout::Layout;
use highmem_engine::machine::Machine;
use highmem_engine::paging::PagingMode;
use highmem_engine::size::format_size;
use highmem_engine::vmalloc::{Allocator, VmallocSpace};

/// One chapter: its blocks, in reading order.
#[derive(Debug, PartialEq)]
pub struct Chapter {
    /// The content folder's language (`en`).
    pub lang: &'static str,
    /// The file name without `.md`, e.g. `01-why-highmem`.
    pub slug: &'static str,
    /// The text of the chapter's `# Title`.
    pub title: &'static str,
    /// Its content.
    pub blocks: &'static [Block],
}

/// A block of text.
#[derive(Debug, PartialEq)]
pub enum Block {
    /// `#`…`######`, with an anchor id made from its text.
    Heading {
        /// 1 to 6.
        level: u8,
        /// The anchor.
        id: &'static str,
        /// Its text.
        inlines: &'static [Inline],
    },
    /// A paragraph.
    Paragraph(&'static [Inline]),
    /// Text without a paragraph around it (a tight list item, a table cell).
    Plain(&'static [Inline]),
    /// A fenced or indented code block.
    Code {
        /// The info string's language, or empty.
        lang: &'static str,
        /// The code, verbatim.
        code: &'static str,
    },
    /// A list; `start` is the first number of an ordered list.
    List {
        /// `Some(n)` for an ordered list starting at n.
        start: Option<u64>,
        /// Each item's blocks.
        items: &'static [&'static [Block]],
    },
    /// A block quote (used for asides).
    Quote(&'static [Block]),
    /// A table: a header row and body rows of cells.
    Table {
        /// Header cells.
        head: &'static [&'static [Inline]],
        /// Rows of cells.
        rows: &'static [&'static [&'static [Inline]]],
    },
    /// A thematic break.
    Rule,
}

/// Inline text.
#[derive(Debug, PartialEq)]
pub enum Inline {
    /// Plain text.
    Text(&'static str),
    /// `*emphasis*`.
    Emphasis(&'static [Inline]),
    /// `**strong**`.
    Strong(&'static [Inline]),
    /// `` `code` ``.
    Code(&'static str),
    /// Inline code holding live values: `` `{{LOWMEM_MB}}MB LOWMEM available.` `` shows the
    /// boot line with this machine's number in it.
    CodeWith(&'static [Inline]),
    /// A link.
    Link {
        /// Where it goes.
        target: Target,
        /// Its text.
        inlines: &'static [Inline],
    },
    /// `{{NAME}}`: a value from the current layout; see [`live_value`].
    Live(&'static str),
    /// A line break in the source, shown as a space.
    SoftBreak,
    /// A forced line break.
    HardBreak,
}

/// A link target.
#[derive(Debug, PartialEq)]
pub enum Target {
    /// An `https://` address.
    Url(&'static str),
    /// `#id`: a heading of this page.
    Anchor(&'static str),
    /// `ident:NAME`: the identifier in the selected kernel's tree on Elixir.
    Ident(&'static str),
    /// `src:PATH`: a file of the selected kernel's tree on Elixir.
    Source(&'static str),
    /// `try:ID`: runs the scenario ID (see [`crate::scenarios`]) on the live machine.
    Try(&'static str),
}

include!(concat!(env!("OUT_DIR"), "/chapters.rs"));

impl Chapter {
    /// The anchor of the chapter's `# Title`.
    pub fn title_id(&self) -> &'static str {
        self.blocks
            .iter()
            .find_map(|b| match b {
                Block::Heading { level: 1, id, .. } => Some(*id),
                _ => None,
            })
            .unwrap_or("")
    }

    /// The chapter's number, from its slug (`01-why-highmem` is chapter 1).
    pub fn number(&self) -> Option<u32> {
        self.slug.split('-').next()?.parse().ok()
    }
}

/// A chapter by slug.
pub fn chapter(slug: &str) -> Option<&'static Chapter> {
    CHAPTERS.iter().find(|c| c.slug == slug)
}

/// A live value as shown in the text, with the rule behind it for a tooltip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveValue {
    /// What the reader sees.
    pub text: String,
    /// How it is obtained, in words.
    pub rule: String,
}

/// What live values are computed from: the layout, the CPU model, and the machine when it
/// boots.
#[derive(Clone, Copy, Debug)]
pub struct Live<'a> {
    /// The layout.
    pub layout: &'a Layout,
    /// The CPU model.
    pub cpu: CpuSpec,
    /// The machine, or why it does not boot.
    pub machine: Result<&'a Machine, &'a str>,
}

impl<'a> Live<'a> {
    /// A layout alone, on its kernel's default CPU, with no machine.
    pub fn of_layout(layout: &'a Layout) -> Live<'a> {
        Live {
            layout,
            cpu: layout.resolved.profile.profile().boot.default_cpu.spec(),
            machine: Err("no machine"),
        }
    }

    /// A layout, a CPU model, and the machine (or why it does not boot).
    pub fn new(
        layout: &'a Layout,
        cpu: CpuModel,
        machine: Result<&'a Machine, &'a str>,
    ) -> Live<'a> {
        Live {
            layout,
            cpu: cpu.spec(),
            machine,
        }
    }

    fn mode(&self) -> PagingMode {
        if self.layout.resolved.pae {
            PagingMode::Pae
        } else {
            PagingMode::NonPae
        }
    }
}

/// An array's geometry in words: "256 entries, 4-way", "64 entries, fully associative".
pub fn tlb_geometry(a: &TlbArray) -> String {
    if a.ways >= a.entries {
        format!("{} entries, fully associative", a.entries)
    } else {
        format!("{} entries, {}-way", a.entries, a.ways)
    }
}

/// Resolves `{{NAME}}` against a layout.
///
/// NAME is either a symbol the engine derives (any [`Layout::symbol`] name, e.g.
/// `VMALLOC_START`, `max_low_pfn`, `PKMAP_BASE`), shown as the kernel would print it, or one of
/// these summaries:
///
/// | name | value |
/// |---|---|
/// | `PROFILE` | the kernel version |
/// | `RAM` | usable RAM in the BIOS map, e.g. `2 GiB` |
/// | `LOWMEM_MB`, `HIGHMEM_MB` | the numbers of the boot lines `NNNMB LOWMEM/HIGHMEM available.` |
/// | `MAXMEM_MB` | MAXMEM in whole MiB |
/// | `VMALLOC_MB` | VMALLOC_END − VMALLOC_START in whole MiB |
/// | `UNUSED_MB` | RAM the kernel leaves unused, in whole MiB |
/// | `PKMAP_SIZE` | the pkmap window's size (`LAST_PKMAP` pages) |
/// | `ADDRESS_SPLIT` | the linear-address split: `2 + 9 + 9 + 12` or `10 + 10 + 12` |
/// | `PTRS_PER_TABLE` | entries in a page directory or page table: 512 or 1024 |
/// | `LARGE_PAGE` | what one page-directory entry maps: `2 MiB` or `4 MiB` |
/// | `PAGE_KERNEL` | `PAGE_KERNEL`'s flag bits on this machine, e.g. `0x8000000000000163` |
/// | `CPU` | the CPU model's name |
/// | `DTLB_4K`, `DTLB_LARGE` | its data TLB for 4 KiB and for large pages, e.g. `64 entries, 4-way` |
/// | `DTLB_SETS` | sets of the 4 KiB data TLB |
/// | `CPUS` | CPUs the machine simulates |
/// | `DIRECTMAP_4K`, `DIRECTMAP_LARGE` | `/proc/meminfo`'s `DirectMap4k` and `DirectMap2M`/`4M`, e.g. `10232 kB` (machine) |
/// | `DIRECTMAP_LARGE_NAME` | `DirectMap2M` or `DirectMap4M` |
/// | `SWAPPER_PG_DIR` | the physical address of `swapper_pg_dir` (machine) |
/// | `PAGE_ADDRESS_STORE` | where `page_address()` finds a mapped high page's address: `page->virtual` or `page_address_htable` |
/// | `PKMAP_FLUSH` | the TLB flush `flush_all_zero_pkmaps()` calls |
/// | `KM_PER_CPU` | kmap slots per CPU in the fixmap (`KM_TYPE_NR`, or 6.1's `KM_MAX_IDX`) |
/// | `KM_SLOTS` | kmap slots in all: `KM_PER_CPU` × `NR_CPUS` |
/// | `KM_TYPES` | how many `km_type`s the era has, or `no` (6.1) |
/// | `FIX_KMAP_BEGIN` | the fixmap index of the first kmap slot, or "none" without HIGHMEM |
/// | `KMAP_SLOT0` | the address of CPU 0's first kmap slot, or "none" without HIGHMEM |
/// | `VMALLOC_OFFSET` | the gap kept at least between `high_memory` and `VMALLOC_START` (8 MiB) |
/// | `VMALLOC_GAP` | `VMALLOC_START − high_memory` on this layout |
/// | `VMALLOC_ALLOCATOR` | where the era keeps its areas: `a vm_struct list`, `a vmap_area tree`, `two vmap_area trees` |
/// | `LAZY_MAX_PAGES` | `lazy_max_pages()` for the machine's CPUs (machine) |
///
/// Names marked *machine* need the booted machine; without one they show "n/a" and say why.
pub fn live_value(live: &Live, name: &str) -> Option<LiveValue> {
    let layout = live.layout;
    let mem = &layout.memory;
    let mb = |pages: u64| (pages >> 8).to_string();
    let summary = |text: String, rule: &str| {
        Some(LiveValue {
            text,
            rule: rule.to_string(),
        })
    };
    let pae = live.mode() == PagingMode::Pae;
    let small = live.cpu.dtlb.iter().find(|a| a.small);
    let large = live.cpu.dtlb.iter().find(|a| a.large);
    let machine = |f: &dyn Fn(&Machine) -> String, rule: &str| match live.machine {
        Ok(m) => summary(f(m), rule),
        Err(why) => summary("n/a".into(), &format!("{rule}; no machine: {why}")),
    };
    match name {
        "PROFILE" => summary(
            layout.resolved.profile.name().to_string(),
            "the kernel selected in the controls",
        ),
        "RAM" => summary(
            format_size(ram_size(layout)),
            "the RAM marked usable in the BIOS map, rounded up to a whole MiB (firmware keeps \
             a few KiB of it)",
        ),
        "LOWMEM_MB" => summary(
            mb(mem.max_low_pfn.as_u64()),
            "max_low_pfn in MiB, as the boot line “LOWMEM available” prints it",
        ),
        "HIGHMEM_MB" => summary(
            mb(mem.highend_pfn.as_u64() - mem.highstart_pfn.as_u64()),
            "highend_pfn − highstart_pfn in MiB, as the boot line “HIGHMEM available” prints it",
        ),
        "MAXMEM_MB" => summary(
            (layout.symbol("MAXMEM")?.value >> 20).to_string(),
            "MAXMEM in whole MiB",
        ),
        "VMALLOC_MB" => summary(
            ((layout.vmalloc_end() - layout.vmalloc_start()) >> 20).to_string(),
            "VMALLOC_END − VMALLOC_START in whole MiB",
        ),
        "UNUSED_MB" => summary(
            mb(mem.unused_pages),
            "RAM this kernel cannot use, in whole MiB",
        ),
        "PKMAP_SIZE" => summary(
            format_size(u64::from(layout.last_pkmap) << 12),
            "LAST_PKMAP pages of 4 KiB",
        ),
        "ADDRESS_SPLIT" => summary(
            if pae {
                "2 + 9 + 9 + 12"
            } else {
                "10 + 10 + 12"
            }
            .into(),
            "bits of the linear address per level, highest first, then the page offset",
        ),
        "PTRS_PER_TABLE" => summary(
            live.mode().entries_per_table().to_string(),
            "4096-byte tables of 8-byte (PAE) or 4-byte entries",
        ),
        "LARGE_PAGE" => summary(
            format_size(live.mode().large_page_size()),
            "what one page-directory entry with PS set maps",
        ),
        "PAGE_KERNEL" => {
            let p = layout.resolved.profile.profile();
            let bits = highmem_engine::paging::kernel::page_kernel(p, layout, &live.cpu).bits();
            summary(
                format!("{bits:#x}"),
                "P | RW | A | D, with G when the CPU has global pages and NX when PAE, the CPU \
                 and the kernel all support it",
            )
        }
        "CPU" => summary(live.cpu.name.to_string(), live.cpu.source),
        "DTLB_4K" => summary(small.map(tlb_geometry).unwrap_or_default(), live.cpu.source),
        "DTLB_LARGE" => summary(
            match large {
                Some(a) if a.small => "shared with 4 KiB pages".to_string(),
                Some(a) => tlb_geometry(a),
                None => "none".to_string(),
            },
            live.cpu.source,
        ),
        "DTLB_SETS" => summary(
            small.map(|a| a.sets().to_string()).unwrap_or_default(),
            "entries ÷ ways of the 4 KiB data TLB",
        ),
        "CPUS" => machine(
            &|m| m.cpus().len().to_string(),
            "CPUs the machine simulates",
        ),
        "DIRECTMAP_4K" => machine(
            &|m| format!("{} kB", m.kernel_tables().direct_map_4k * 4),
            "4 KiB pages of the direct map, as /proc/meminfo's DirectMap4k line counts them",
        ),
        "DIRECTMAP_LARGE" => machine(
            &|m| {
                let t = m.kernel_tables();
                format!(
                    "{} kB",
                    t.direct_map_large * (t.mode.large_page_size() >> 10)
                )
            },
            "large pages of the direct map, as /proc/meminfo's DirectMap2M or DirectMap4M \
             line counts them",
        ),
        "DIRECTMAP_LARGE_NAME" => summary(
            if pae { "DirectMap2M" } else { "DirectMap4M" }.into(),
            "the /proc/meminfo line for large direct-map pages",
        ),
        "PAGE_ADDRESS_STORE" => summary(
            match layout.resolved.profile.profile().pkmap.store {
                AddressStore::PageVirtual => "page->virtual",
                _ => "page_address_htable",
            }
            .into(),
            "the era's page_address(): a field of struct page in 2.4, a hash table from 2.6 on",
        ),
        "PKMAP_FLUSH" => summary(
            layout.resolved.profile.profile().pkmap.flush_fn.to_string(),
            "the TLB flush flush_all_zero_pkmaps() calls: flush_tlb_all() in 2.4, \
             flush_tlb_kernel_range() over the window from 2.6 (a full flush on x86 either way)",
        ),
        "KM_PER_CPU" => summary(
            layout.fixmap.km_slots_per_cpu.to_string(),
            "KM_TYPE_NR (with the debug fences if CONFIG_DEBUG_HIGHMEM), or 6.1's KM_MAX_IDX",
        ),
        "KM_SLOTS" => summary(
            (layout.fixmap.km_slots_per_cpu * layout.resolved.nr_cpus).to_string(),
            "slots per CPU × NR_CPUS",
        ),
        "KM_TYPES" => {
            let types = layout.resolved.profile.profile().atomic.types;
            summary(
                if types.is_empty() {
                    "no".into()
                } else {
                    types.len().to_string()
                },
                &format!(
                    "enum km_type of the era{}",
                    match (types.first(), types.last()) {
                        (Some(a), Some(b)) => format!(": {a} to {b}"),
                        _ => ": 6.1 has none".into(),
                    }
                ),
            )
        }
        "FIX_KMAP_BEGIN" => summary(
            kmap_begin(layout)
                .map(|i| i.to_string())
                .unwrap_or_else(|| "none (no HIGHMEM)".into()),
            "the index of FIX_KMAP_BEGIN in enum fixed_addresses",
        ),
        "KMAP_SLOT0" => summary(
            kmap_begin(layout)
                .map(|i| format!("{:#010x}", layout.fixaddr_top() - u64::from(i) * 4096))
                .unwrap_or_else(|| "none (no HIGHMEM)".into()),
            "__fix_to_virt(FIX_KMAP_BEGIN) = FIXADDR_TOP − FIX_KMAP_BEGIN × 4096",
        ),
        "VMALLOC_OFFSET" => summary(
            format_size(highmem_engine::layout::VMALLOC_OFFSET),
            "the gap the kernel keeps at least between high_memory and VMALLOC_START",
        ),
        "VMALLOC_GAP" => {
            let gap = layout.vmalloc_start().saturating_sub(layout.high_memory());
            summary(
                crate::format::size_short(gap),
                "VMALLOC_START − high_memory: VMALLOC_OFFSET, rounded as the era rounds it",
            )
        }
        "VMALLOC_ALLOCATOR" => summary(
            match layout.resolved.profile.profile().vmalloc.allocator {
                Allocator::Vmlist24 | Allocator::Vmlist26 => "a vm_struct list",
                Allocator::VmapLazy => "a vmap_area tree",
                Allocator::VmapFreeTree => "two vmap_area trees",
            }
            .into(),
            "where the era keeps its areas: vmlist searched first fit and freed at once (2.4 to \
             2.6.24); a red-black tree with lazy freeing (2.6.32); busy and free trees with \
             lazy freeing (6.1)",
        ),
        "LAZY_MAX_PAGES" => machine(
            &|m| VmallocSpace::lazy_max_pages(m.cpus().len() as u32).to_string(),
            "lazy_max_pages(): fls(online CPUs) × 32 MiB of pages; on a kernel that frees \
             at once the figure is not used",
        ),
        "SWAPPER_PG_DIR" => machine(
            &|m| format!("{:#x}", m.kernel_tables().swapper_pg_dir.as_u64()),
            "the physical address of swapper_pg_dir, the kernel's reference page directory",
        ),
        _ => {
            let s = layout.symbol(name)?;
            let text = match s.kind {
                // Sizes read better without the hex the derivation panel adds.
                ValueKind::Bytes => crate::format::size_short(s.value),
                _ => s.display_value(),
            };
            Some(LiveValue {
                text,
                rule: format!("{} = {}", s.rule, s.work),
            })
        }
    }
}

/// The fixmap index of the first kmap slot, on HIGHMEM kernels.
fn kmap_begin(layout: &Layout) -> Option<u32> {
    layout
        .fixmap
        .entries
        .iter()
        .find(|e| e.name == "KMAP_BEGIN")
        .map(|e| e.first)
}

/// The machine's RAM as a reader would state it: what the BIOS map marks usable, rounded up
/// to a whole MiB (a PC with 2 GiB reports a few hundred KiB less, kept by the firmware).
pub fn ram_size(layout: &Layout) -> u64 {
    let usable: u64 = layout
        .memory
        .e820
        .iter()
        .filter(|e| e.kind == highmem_engine::e820::E820Type::Usable)
        .map(|e| e.size())
        .sum();
    usable.div_ceil(1 << 20) << 20
}

/// Where a link goes, for the selected kernel.
pub fn href(layout: &Layout, target: &Target) -> String {
    let profile = layout.resolved.profile.profile();
    match target {
        Target::Url(url) => url.to_string(),
        Target::Anchor(id) => format!("#{id}"),
        Target::Ident(name) => elixir_ident(profile.elixir_tag, name),
        Target::Source(path) => profile.source_url(path),
        Target::Try(_) => String::new(),
    }
}

/// Elixir's identifier search for one kernel tag.
pub fn elixir_ident(tag: &str, name: &str) -> String {
    format!("https://elixir.bootlin.com/linux/{tag}/A/ident/{name}")
}

/// Every scenario a chapter's `try:` links run, in order of appearance.
pub fn try_ids(chapter: &Chapter) -> Vec<&'static str> {
    fn inlines(v: &'static [Inline], out: &mut Vec<&'static str>) {
        for i in v {
            match i {
                Inline::Link {
                    target: Target::Try(id),
                    inlines: v,
                } => {
                    out.push(id);
                    inlines(v, out)
                }
                Inline::Emphasis(v)
                | Inline::Strong(v)
                | Inline::CodeWith(v)
                | Inline::Link { inlines: v, .. } => inlines(v, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk_blocks(chapter.blocks, &mut |v| inlines(v, &mut out));
    out
}

/// Calls `f` with every run of inlines in `blocks`.
fn walk_blocks(blocks: &'static [Block], f: &mut dyn FnMut(&'static [Inline])) {
    for b in blocks {
        match b {
            Block::Heading { inlines: v, .. } | Block::Paragraph(v) | Block::Plain(v) => f(v),
            Block::List { items, .. } => items.iter().for_each(|i| walk_blocks(i, f)),
            Block::Quote(v) => walk_blocks(v, f),
            Block::Table { head, rows } => {
                head.iter().for_each(|c| f(c));
                rows.iter().flat_map(|r| r.iter()).for_each(|c| f(c));
            }
            Block::Code { .. } | Block::Rule => {}
        }
    }
}

/// Every live-value name a chapter uses, in order of appearance.
pub fn live_names(chapter: &Chapter) -> Vec<&'static str> {
    fn inlines(v: &'static [Inline], out: &mut Vec<&'static str>) {
        for i in v {
            match i {
                Inline::Live(name) => out.push(name),
                Inline::Emphasis(v)
                | Inline::Strong(v)
                | Inline::CodeWith(v)
                | Inline::Link { inlines: v, .. } => inlines(v, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk_blocks(chapter.blocks, &mut |v| inlines(v, &mut out));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use highmem_engine::e820::E820Map;
    use highmem_engine::layout::{compute, LayoutRequest};
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn layout(id: ProfileId, ram: u64, pae: bool, highmem: bool) -> Layout {
        let req = LayoutRequest {
            pae,
            highmem,
            ..LayoutRequest::new(id, E820Map::qemu_pc(ram).unwrap())
        };
        compute(&req).unwrap()
    }

    fn machine(id: ProfileId, ram: u64, pae: bool, highmem: bool) -> Result<Machine, String> {
        Machine::new(highmem_engine::machine::MachineConfig {
            pae,
            highmem,
            cpus: 2,
            ..highmem_engine::machine::MachineConfig::new(id, E820Map::qemu_pc(ram).unwrap())
        })
        .map_err(|e| e.to_string())
    }

    fn value(l: &Layout, name: &str) -> String {
        live_value(&Live::of_layout(l), name).unwrap().text
    }

    #[test]
    fn chapters_are_compiled_in_order() {
        let c = chapter("01-why-highmem").expect("chapter 1");
        assert_eq!(c.lang, "en");
        assert_eq!(c.title, "Why high memory exists");
        assert!(matches!(c.blocks[0], Block::Heading { level: 1, .. }));
        let two = chapter("02-paging").expect("chapter 2");
        assert_eq!(two.title, "PAE paging and the TLB");
        assert_eq!(two.number(), Some(2));
        assert_eq!(CHAPTERS[0].slug, "01-why-highmem");
        assert_eq!(CHAPTERS[1].slug, "02-paging");
    }

    /// Every `try:` link runs a scenario that exists.
    #[test]
    fn every_try_link_names_a_scenario() {
        let ids: Vec<_> = CHAPTERS.iter().flat_map(try_ids).collect();
        assert!(ids.contains(&"stale-tlb"));
        for id in ids {
            assert!(crate::scenarios::find(id).is_some(), "try:{id}");
        }
    }

    /// Every `{{NAME}}` in every chapter resolves for every kernel, in every mode the controls
    /// offer (a name only HIGHMEM kernels define would show as a broken value otherwise), with
    /// and without a machine that boots.
    #[test]
    fn every_live_value_resolves_everywhere() {
        for c in CHAPTERS {
            let names = live_names(c);
            assert!(!names.is_empty(), "{} uses live values", c.slug);
            for id in ProfileId::ALL {
                for (pae, highmem) in [(true, true), (false, true), (false, false)] {
                    for ram in [16 << 20, 2 << 30, 8 << 30] {
                        let l = layout(id, ram, pae, highmem);
                        let m = machine(id, ram, pae, highmem);
                        let cpu = id.profile().boot.default_cpu;
                        let live = Live::new(&l, cpu, m.as_ref().map_err(|e| e.as_str()));
                        for name in &names {
                            let v = live_value(&live, name);
                            assert!(
                                v.as_ref().is_some_and(|v| !v.text.is_empty()),
                                "{}: {{{{{name}}}}} does not resolve for {id} pae={pae} \
                                 highmem={highmem}",
                                c.slug
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn live_values_follow_the_layout() {
        let l = layout(ProfileId::V6_1, 2 << 30, true, true);
        let v = |n| value(&l, n);
        assert_eq!(v("VMALLOC_START"), "0xf77fe000");
        assert_eq!(v("LOWMEM_MB"), "879");
        assert_eq!(v("HIGHMEM_MB"), "1167");
        assert_eq!(v("VMALLOC_MB"), "120");
        assert_eq!(v("PROFILE"), "6.1");
        assert_eq!(v("RAM"), "2 GiB");
        assert_eq!(v("PAGE_OFFSET"), "0xc0000000");
        assert_eq!(v("__VMALLOC_RESERVE"), "128 MiB");
        assert_eq!(v("MAXMEM"), "879.9 MiB");
        assert!(live_value(&Live::of_layout(&l), "NO_SUCH_THING").is_none());
        let old = layout(ProfileId::V2_6_24, 2 << 30, true, true);
        assert_eq!(value(&old, "LOWMEM_MB"), "896");
    }

    #[test]
    fn paging_values_follow_the_mode_the_cpu_and_the_machine() {
        let l = layout(ProfileId::V6_1, 2 << 30, true, true);
        let m = machine(ProfileId::V6_1, 2 << 30, true, true).unwrap();
        let live = Live::new(&l, CpuModel::Skylake, Ok(&m));
        let v = |n| live_value(&live, n).unwrap().text;
        assert_eq!(v("ADDRESS_SPLIT"), "2 + 9 + 9 + 12");
        assert_eq!(v("PTRS_PER_TABLE"), "512");
        assert_eq!(v("LARGE_PAGE"), "2 MiB");
        assert_eq!(v("PAGE_KERNEL"), "0x8000000000000163");
        assert_eq!(v("CPU"), "Skylake");
        assert_eq!(v("DTLB_4K"), "64 entries, 4-way");
        assert_eq!(v("DTLB_LARGE"), "32 entries, 4-way");
        assert_eq!(v("DTLB_SETS"), "16");
        assert_eq!(v("CPUS"), "2");
        // The reference boot's /proc/meminfo (Debian 12, 6.1 686-pae, 2 GiB).
        assert_eq!(v("DIRECTMAP_4K"), "10232 kB");
        assert_eq!(v("DIRECTMAP_LARGE"), "890880 kB");
        assert_eq!(v("DIRECTMAP_LARGE_NAME"), "DirectMap2M");
        // The vmalloc range: 8 MiB after high_memory, two trees, 32 MiB × fls(2) of pages.
        assert_eq!(v("VMALLOC_OFFSET"), "8 MiB");
        assert_eq!(v("VMALLOC_GAP"), "8 MiB");
        assert_eq!(v("VMALLOC_ALLOCATOR"), "two vmap_area trees");
        assert_eq!(v("LAZY_MAX_PAGES"), "16384");

        let l = layout(ProfileId::V2_4_22, 2 << 30, false, true);
        let live = Live::new(&l, CpuModel::Pentium4, Err("boot fails"));
        let v = |n| live_value(&live, n).unwrap();
        assert_eq!(v("ADDRESS_SPLIT").text, "10 + 10 + 12");
        assert_eq!(v("PTRS_PER_TABLE").text, "1024");
        assert_eq!(v("LARGE_PAGE").text, "4 MiB");
        assert_eq!(v("PAGE_KERNEL").text, "0x163");
        assert_eq!(v("DTLB_4K").text, "64 entries, fully associative");
        assert_eq!(v("DTLB_LARGE").text, "shared with 4 KiB pages");
        assert_eq!(v("DIRECTMAP_4K").text, "n/a");
        assert_eq!(v("LAZY_MAX_PAGES").text, "n/a");
        assert_eq!(v("VMALLOC_ALLOCATOR").text, "a vm_struct list");
        assert!(v("DIRECTMAP_4K").rule.contains("boot fails"));
    }

    #[test]
    fn kernel_links_follow_the_selected_kernel() {
        let l = layout(ProfileId::V2_6_24, 1 << 30, true, true);
        assert_eq!(
            href(&l, &Target::Ident("kmap_high")),
            "https://elixir.bootlin.com/linux/v2.6.24/A/ident/kmap_high"
        );
        assert_eq!(
            href(&l, &Target::Source("mm/highmem.c")),
            "https://elixir.bootlin.com/linux/v2.6.24/source/mm/highmem.c"
        );
        assert_eq!(href(&l, &Target::Anchor("zones")), "#zones");
    }
}
