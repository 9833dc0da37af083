//! The chapters, compiled from Markdown by `build.rs` into the data types below, and the two
//! extensions the prose uses: live values (`{{NAME}}`) and links into the selected kernel's
//! source (`ident:NAME`, `src:PATH`).

use highmem_engine::layout::derive::ValueKind;
use highmem_engine::layout::Layout;
use highmem_engine::size::format_size;

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
pub fn live_value(layout: &Layout, name: &str) -> Option<LiveValue> {
    let mem = &layout.memory;
    let mb = |pages: u64| (pages >> 8).to_string();
    let summary = |text: String, rule: &str| {
        Some(LiveValue {
            text,
            rule: rule.to_string(),
        })
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
    }
}

/// Elixir's identifier search for one kernel tag.
pub fn elixir_ident(tag: &str, name: &str) -> String {
    format!("https://elixir.bootlin.com/linux/{tag}/A/ident/{name}")
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
    fn blocks(v: &'static [Block], out: &mut Vec<&'static str>) {
        for b in v {
            match b {
                Block::Heading { inlines: v, .. } | Block::Paragraph(v) | Block::Plain(v) => {
                    inlines(v, out)
                }
                Block::List { items, .. } => items.iter().for_each(|i| blocks(i, out)),
                Block::Quote(v) => blocks(v, out),
                Block::Table { head, rows } => {
                    head.iter().for_each(|c| inlines(c, out));
                    rows.iter()
                        .flat_map(|r| r.iter())
                        .for_each(|c| inlines(c, out));
                }
                Block::Code { .. } | Block::Rule => {}
            }
        }
    }
    let mut out = Vec::new();
    blocks(chapter.blocks, &mut out);
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

    #[test]
    fn chapter_one_is_compiled_in() {
        let c = chapter("01-why-highmem").expect("chapter 1");
        assert_eq!(c.lang, "en");
        assert_eq!(c.title, "Why high memory exists");
        assert!(matches!(c.blocks[0], Block::Heading { level: 1, .. }));
    }

    /// Every `{{NAME}}` in every chapter resolves for every kernel, in every mode the controls
    /// offer (a name only HIGHMEM kernels define would show as a broken value otherwise).
    #[test]
    fn every_live_value_resolves_everywhere() {
        for c in CHAPTERS {
            let names = live_names(c);
            assert!(!names.is_empty(), "{} uses live values", c.slug);
            for id in ProfileId::ALL {
                for (pae, highmem) in [(true, true), (false, true), (false, false)] {
                    for ram in [16 << 20, 2 << 30, 8 << 30] {
                        let l = layout(id, ram, pae, highmem);
                        for name in &names {
                            assert!(
                                live_value(&l, name).is_some(),
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
        let v = |n| live_value(&l, n).unwrap().text;
        assert_eq!(v("VMALLOC_START"), "0xf77fe000");
        assert_eq!(v("LOWMEM_MB"), "879");
        assert_eq!(v("HIGHMEM_MB"), "1167");
        assert_eq!(v("VMALLOC_MB"), "120");
        assert_eq!(v("PROFILE"), "6.1");
        assert_eq!(v("RAM"), "2 GiB");
        assert_eq!(v("PAGE_OFFSET"), "0xc0000000");
        assert_eq!(v("__VMALLOC_RESERVE"), "128 MiB");
        assert_eq!(v("MAXMEM"), "879.9 MiB");
        assert!(live_value(&l, "NO_SUCH_THING").is_none());
        let old = layout(ProfileId::V2_6_24, 2 << 30, true, true);
        assert_eq!(live_value(&old, "LOWMEM_MB").unwrap().text, "896");
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
