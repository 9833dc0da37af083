//! The glossary: the kernel names the chapters use, each with a short definition in our own
//! words. Wherever a chapter writes one of these names as code (`kmap()`, `pkmap_count`), the
//! reader gets its definition on hover or keyboard focus; `#/glossary` lists them all, with
//! the chapters that use each one and a link to the name in the selected kernel's source.
//!
//! Definitions are about what a name *is* in the model's five kernels. Numbers are never
//! written here: where a value matters, the chapters show it live from the engine.

use crate::content::{Block, Chapter, Inline, CHAPTERS};

/// A glossary entry.
#[derive(Debug, PartialEq, Eq)]
pub struct Term {
    /// The name as the kernel spells it.
    pub name: &'static str,
    /// Other spellings that mean the same thing in the text.
    pub also: &'static [&'static str],
    /// One or two sentences.
    pub definition: &'static str,
    /// The identifier to look up on Bootlin Elixir, when there is one.
    pub ident: Option<&'static str>,
    /// The chapter that explains it, by route name.
    pub chapter: &'static str,
}

/// The name a code span refers to: what is before an argument list or index (`kmap(page)` →
/// `kmap`, `page_address_maps[]` → `page_address_maps`), without a leading `struct ` or
/// `enum `, trimmed.
pub fn name_of(code: &str) -> &str {
    let t = code.trim();
    let t = t.split(['(', '[']).next().unwrap_or(t).trim();
    t.strip_prefix("struct ")
        .or_else(|| t.strip_prefix("enum "))
        .unwrap_or(t)
        .trim()
}

/// The entry for a code span, if the glossary has it.
pub fn lookup(code: &str) -> Option<&'static Term> {
    let name = name_of(code);
    if name.is_empty() {
        return None;
    }
    TERMS
        .iter()
        .find(|t| t.name == name || t.also.contains(&name))
}

/// Every code span of a chapter's text, in order.
pub fn code_spans(c: &Chapter) -> Vec<&'static str> {
    fn blocks(list: &'static [Block], out: &mut Vec<&'static str>) {
        for b in list {
            match b {
                Block::Heading { inlines, .. }
                | Block::Paragraph(inlines)
                | Block::Plain(inlines) => inl(inlines, out),
                Block::List { items, .. } => items.iter().for_each(|i| blocks(i, out)),
                Block::Quote(inner) => blocks(inner, out),
                Block::Table { head, rows } => {
                    head.iter().for_each(|c| inl(c, out));
                    rows.iter().flat_map(|r| r.iter()).for_each(|c| inl(c, out));
                }
                Block::Code { .. } | Block::Rule => {}
            }
        }
    }
    fn inl(list: &'static [Inline], out: &mut Vec<&'static str>) {
        for i in list {
            match i {
                Inline::Code(c) => out.push(c),
                Inline::Emphasis(v)
                | Inline::Strong(v)
                | Inline::CodeWith(v)
                | Inline::Link { inlines: v, .. } => inl(v, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    blocks(c.blocks, &mut out);
    out
}

/// The chapters whose text names a term, in order.
pub fn chapters_using(t: &Term) -> Vec<&'static Chapter> {
    CHAPTERS
        .iter()
        .filter(|c| {
            code_spans(c)
                .iter()
                .any(|s| lookup(s).is_some_and(|found| std::ptr::eq(found, t)))
        })
        .collect()
}

/// The terms in alphabetical order, ignoring case and leading underscores.
pub fn sorted() -> Vec<&'static Term> {
    let mut v: Vec<&'static Term> = TERMS.iter().collect();
    v.sort_by_key(|t| t.name.trim_start_matches('_').to_ascii_lowercase());
    v
}

/// An element id for a term (`gloss-kmap_atomic`).
pub fn anchor(t: &Term) -> String {
    let slug: String = t
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("gloss-{slug}")
}

const fn term(
    name: &'static str,
    also: &'static [&'static str],
    ident: Option<&'static str>,
    chapter: &'static str,
    definition: &'static str,
) -> Term {
    Term {
        name,
        also,
        definition,
        ident,
        chapter,
    }
}

/// Every entry.
pub static TERMS: &[Term] = &[
    // ---- The address space -----------------------------------------------------------------
    term(
        "PAGE_OFFSET",
        &[],
        Some("PAGE_OFFSET"),
        "why-highmem",
        "Where the kernel's part of every address space begins: 0xc0000000 with the usual 3/1 \
         split. The direct map starts here, so a low frame's kernel address is its physical \
         address plus PAGE_OFFSET.",
    ),
    term(
        "high_memory",
        &[],
        Some("high_memory"),
        "why-highmem",
        "The kernel virtual address just past the end of the direct map. Frames below it have a \
         permanent kernel address; frames above it are high memory.",
    ),
    term(
        "max_low_pfn",
        &[],
        Some("max_low_pfn"),
        "why-highmem",
        "The number of the first frame the direct map cannot reach: every frame below it is low \
         memory. The boot prints it, in MB, as the LOWMEM line.",
    ),
    term(
        "MAXMEM",
        &[],
        Some("MAXMEM"),
        "why-highmem",
        "The most RAM the direct map can cover: the space from PAGE_OFFSET up to VMALLOC_END, \
         less the vmalloc reserve.",
    ),
    term(
        "__VMALLOC_RESERVE",
        &[],
        Some("__VMALLOC_RESERVE"),
        "why-highmem",
        "How much of the kernel gigabyte is kept for vmalloc instead of the direct map: 128 MiB \
         unless the vmalloc= boot option says otherwise.",
    ),
    term(
        "VMALLOC_START",
        &[],
        Some("VMALLOC_START"),
        "vmalloc",
        "The first address vmalloc may use: the end of the direct map plus an 8 MiB gap, rounded \
         up, so that a stray access just past lowmem faults.",
    ),
    term(
        "VMALLOC_END",
        &[],
        Some("VMALLOC_END"),
        "vmalloc",
        "The end of the vmalloc range, two pages below what sits above it: the pkmap window on \
         HIGHMEM kernels, else the fixmap (6.1: the LDT remap).",
    ),
    term(
        "VMALLOC_OFFSET",
        &[],
        Some("VMALLOC_OFFSET"),
        "why-highmem",
        "The 8 MiB hole between the direct map and the vmalloc range, left unmapped to catch \
         accesses that run off the end of low memory.",
    ),
    term(
        "ZONE_DMA",
        &[],
        Some("ZONE_DMA"),
        "why-highmem",
        "The first 16 MiB of RAM, kept for old ISA devices that can only reach that far.",
    ),
    term(
        "ZONE_NORMAL",
        &[],
        Some("ZONE_NORMAL"),
        "why-highmem",
        "Low memory above ZONE_DMA: frames the direct map covers, usable for any kernel data.",
    ),
    term(
        "ZONE_HIGHMEM",
        &["HighMem"],
        Some("ZONE_HIGHMEM"),
        "why-highmem",
        "Frames above the direct map. The kernel can use them only by mapping them first \
         (kmap, kmap_atomic, vmalloc), so they serve mostly user pages and the page cache.",
    ),
    term(
        "CONFIG_HIGHMEM",
        &[],
        None,
        "why-highmem",
        "The build option that lets a 32-bit kernel use RAM above the direct map. Without it \
         that RAM is simply never given to the allocator.",
    ),
    term(
        "__va",
        &[],
        Some("__va"),
        "why-highmem",
        "Turns a physical address in low memory into its direct-map address by adding \
         PAGE_OFFSET. Meaningless for a high frame, which has no such address.",
    ),
    term(
        "__pa",
        &[],
        Some("__pa"),
        "why-highmem",
        "The reverse of __va: a direct-map address less PAGE_OFFSET.",
    ),
    term(
        "vmalloc=",
        &[],
        None,
        "why-highmem",
        "The boot option that sets the size of the vmalloc reserve, and so, the other way \
         round, how much RAM the direct map covers.",
    ),
    // ---- Paging and the TLB ----------------------------------------------------------------
    term(
        "swapper_pg_dir",
        &[],
        Some("swapper_pg_dir"),
        "paging",
        "The kernel's own top-level page table, built at boot. Every process's tables share \
         (with PAE) or copy (without) its kernel part.",
    ),
    term(
        "init_mm",
        &[],
        Some("init_mm"),
        "paging",
        "The kernel's memory descriptor, whose page tables (swapper_pg_dir) are the reference \
         copy of every kernel mapping.",
    ),
    term(
        "pgd",
        &["PGD"],
        Some("pgd_t"),
        "paging",
        "The top-level page table (page global directory). Without PAE it has 1,024 entries of \
         4 MiB each; with PAE it is the 4-entry PDPT.",
    ),
    term(
        "pmd",
        &["PMD"],
        Some("pmd_t"),
        "paging",
        "The middle level (page middle directory). With PAE it is a real table of 512 entries \
         of 2 MiB; without PAE it folds into the pgd.",
    ),
    term(
        "pte",
        &["PTE"],
        Some("pte_t"),
        "paging",
        "A last-level page-table entry: the frame number of one 4 KiB page and its bits \
         (present, writable, user, accessed, dirty, global, and with PAE no-execute).",
    ),
    term(
        "pgd_alloc",
        &[],
        Some("pgd_alloc"),
        "paging",
        "Makes a new process's top-level table. Without PAE it copies the kernel's entries, \
         which can later fall behind swapper_pg_dir.",
    ),
    term(
        "CR3",
        &[],
        None,
        "paging",
        "The register holding the physical address of the current top-level page table. \
         Loading it switches address spaces and drops the TLB's non-global entries.",
    ),
    term(
        "TLB",
        &[],
        None,
        "paging",
        "The translation lookaside buffer: each CPU's cache of recent translations. It is not \
         kept coherent with the page tables; the kernel must flush it when it changes them.",
    ),
    term(
        "invlpg",
        &[],
        None,
        "paging",
        "The instruction that drops one page's translation from the current CPU's TLB, and \
         only that CPU's.",
    ),
    term(
        "__flush_tlb",
        &[],
        Some("__flush_tlb"),
        "paging",
        "Reloads CR3 on the current CPU: every non-global TLB entry is gone.",
    ),
    term(
        "__flush_tlb_global",
        &[],
        Some("__flush_tlb_global"),
        "paging",
        "Flushes the current CPU's TLB including global entries, for example by toggling \
         CR4.PGE.",
    ),
    term(
        "flush_tlb_all",
        &[],
        Some("flush_tlb_all"),
        "paging",
        "Flushes every TLB on every CPU, global entries too, by interrupting the other CPUs.",
    ),
    term(
        "flush_tlb_kernel_range",
        &[],
        Some("flush_tlb_kernel_range"),
        "pkmap",
        "Flushes kernel translations in a range on every CPU. The 2.6 kernels flush everything; \
         6.1 flushes page by page when the range is small and everything otherwise.",
    ),
    term(
        "leave_mm",
        &[],
        Some("leave_mm"),
        "paging",
        "What a CPU in lazy TLB mode does when asked to flush: it switches to the kernel's \
         tables so that it needs no further flushes for the old process.",
    ),
    term(
        "enter_lazy_tlb",
        &[],
        Some("enter_lazy_tlb"),
        "paging",
        "Called when a kernel thread runs: it keeps the previous process's tables loaded \
         instead of switching, to save a TLB flush.",
    ),
    term(
        "PAGE_KERNEL",
        &[],
        Some("PAGE_KERNEL"),
        "paging",
        "The protection bits of an ordinary kernel data mapping: present, writable, \
         supervisor only, and no-execute where available.",
    ),
    term(
        "alloc_pages",
        &[],
        Some("alloc_pages"),
        "paging",
        "Takes 2^order contiguous frames from the buddy allocator, from the zones the GFP \
         flags allow. Returns a struct page, not an address.",
    ),
    term(
        "__get_free_pages",
        &[],
        Some("__get_free_pages"),
        "paging",
        "alloc_pages that returns the block's kernel address, which only low memory has; so it \
         must not be asked for high memory.",
    ),
    term(
        "__GFP_HIGHMEM",
        &[],
        Some("__GFP_HIGHMEM"),
        "paging",
        "The allocation flag that allows ZONE_HIGHMEM, tried first, then Normal, then DMA.",
    ),
    term(
        "GFP_HIGHUSER",
        &[],
        Some("GFP_HIGHUSER"),
        "paging",
        "The flags for user pages: may sleep, may come from high memory.",
    ),
    term(
        "GFP_DMA",
        &[],
        Some("GFP_DMA"),
        "paging",
        "Asks for a frame from ZONE_DMA only.",
    ),
    // ---- Persistent kernel maps --------------------------------------------------------------
    term(
        "kmap",
        &[],
        Some("kmap"),
        "pkmap",
        "Gives a page a kernel address until kunmap: the direct-map address of a low page, or \
         a slot in the pkmap window for a high one. May sleep, so not for interrupt context.",
    ),
    term(
        "kunmap",
        &[],
        Some("kunmap"),
        "pkmap",
        "Gives back a kmap. The slot keeps its mapping until the next wrap-around flush.",
    ),
    term(
        "kmap_high",
        &[],
        Some("kmap_high"),
        "pkmap",
        "kmap's path for high pages: looks the page up, maps it into a new slot if needed, and \
         counts one more user, all under kmap_lock.",
    ),
    term(
        "kunmap_high",
        &[],
        Some("kunmap_high"),
        "pkmap",
        "kunmap's path for high pages: one user fewer, and a wake-up for tasks waiting for a \
         slot when the count drops to 1.",
    ),
    term(
        "kmap_nonblock",
        &[],
        Some("kmap_nonblock"),
        "pkmap",
        "2.4's kmap that returns nothing instead of sleeping when no slot is free.",
    ),
    term(
        "map_new_virtual",
        &[],
        Some("map_new_virtual"),
        "pkmap",
        "Finds a free pkmap slot for a high page, scanning from last_pkmap_nr; flushes at the \
         wrap-around and sleeps when no slot is free.",
    ),
    term(
        "flush_all_zero_pkmaps",
        &[],
        Some("flush_all_zero_pkmaps"),
        "pkmap",
        "At the wrap-around, clears every slot whose count is 1 (unused but still mapped) and \
         flushes the TLBs, so those slots can be reused.",
    ),
    term(
        "kmap_flush_unused",
        &[],
        Some("kmap_flush_unused"),
        "pkmap",
        "Runs the same clean-up as the wrap-around on request, to get rid of stale aliases.",
    ),
    term(
        "PKMAP_BASE",
        &[],
        Some("PKMAP_BASE"),
        "pkmap",
        "The start of the pkmap window, the range of kernel addresses kmap hands out.",
    ),
    term(
        "LAST_PKMAP",
        &[],
        Some("LAST_PKMAP"),
        "pkmap",
        "How many slots the pkmap window has: one page table's worth.",
    ),
    term(
        "PKMAP_ADDR",
        &[],
        Some("PKMAP_ADDR"),
        "pkmap",
        "The address of pkmap slot n: PKMAP_BASE plus n pages.",
    ),
    term(
        "pkmap_count",
        &[],
        Some("pkmap_count"),
        "pkmap",
        "One counter per pkmap slot: 0 free, 1 unused but still mapped (and maybe in a TLB), \
         n > 1 mapped with n − 1 users.",
    ),
    term(
        "last_pkmap_nr",
        &[],
        Some("last_pkmap_nr"),
        "pkmap",
        "Where the last search for a free slot stopped; the next one starts after it.",
    ),
    term(
        "pkmap_map_wait",
        &[],
        Some("pkmap_map_wait"),
        "pkmap",
        "The wait queue where kmap sleeps when every slot is taken, until a kunmap wakes it.",
    ),
    term(
        "kmap_lock",
        &[],
        Some("kmap_lock"),
        "pkmap",
        "The spinlock that protects the pkmap counts, the slots and the address table.",
    ),
    term(
        "page_address",
        &[],
        Some("page_address"),
        "pkmap",
        "A page's kernel address: computed for a low page, looked up for a high one, which \
         has one only while it is kmapped.",
    ),
    term(
        "page_address_htable",
        &[],
        Some("page_address_htable"),
        "pkmap",
        "From 2.6 on, the hash table of high pages that are kmapped, with their addresses, so \
         that struct page needs no field for it.",
    ),
    term(
        "page_address_maps",
        &[],
        Some("page_address_maps"),
        "pkmap",
        "The entries page_address_htable chains: one per pkmap slot.",
    ),
    term(
        "page_address_pool",
        &[],
        Some("page_address_pool"),
        "pkmap",
        "The list of page_address_maps entries not in use.",
    ),
    term(
        "set_page_address",
        &[],
        Some("set_page_address"),
        "pkmap",
        "Records (or removes) a high page's pkmap address.",
    ),
    term(
        "virtual",
        &[],
        None,
        "pkmap",
        "2.4's field of struct page that holds a high page's kmap address while it has one.",
    ),
    term(
        "struct page",
        &["page"],
        Some("page"),
        "paging",
        "The kernel's record of one physical frame: its flags, counts and list links. The \
         mem_map array holds one per frame.",
    ),
    term(
        "mem_map",
        &[],
        Some("mem_map"),
        "paging",
        "The array of struct page, one per frame, in low memory.",
    ),
    term(
        "might_sleep",
        &[],
        Some("might_sleep"),
        "atomic",
        "A debug check that complains if the caller may not sleep (holds a spinlock or an \
         atomic map, or runs in an interrupt).",
    ),
    term(
        "schedule",
        &[],
        Some("schedule"),
        "atomic",
        "Gives the CPU to another task. Called where the task must wait, as kmap does when \
         no slot is free.",
    ),
    // ---- Temporary kernel maps ---------------------------------------------------------------
    term(
        "kmap_atomic",
        &[],
        Some("kmap_atomic"),
        "atomic",
        "Maps a page into a per-CPU fixmap slot without sleeping. The caller may not sleep \
         until kunmap_atomic; page faults and preemption are off meanwhile.",
    ),
    term(
        "kunmap_atomic",
        &[],
        Some("kunmap_atomic"),
        "atomic",
        "Ends a kmap_atomic and turns preemption and page faults back on. Whether it also \
         clears the slot's entry depends on the era and the debug options; chapter 4 shows each.",
    ),
    term(
        "kmap_local_page",
        &[],
        Some("kmap_local_page"),
        "atomic",
        "6.1's temporary map: a slot from a small per-task stack, saved and restored when the \
         task is switched out, so the caller may be preempted.",
    ),
    term(
        "kunmap_local",
        &[],
        Some("kunmap_local"),
        "atomic",
        "Ends the most recent kmap_local_page; maps are given back in reverse order.",
    ),
    term(
        "kmap_ctrl",
        &[],
        Some("kmap_ctrl"),
        "atomic",
        "6.1's per-task record of its local maps, restored into the fixmap on a switch.",
    ),
    term(
        "km_type",
        &[],
        Some("km_type"),
        "atomic",
        "Before 6.1, the slot a kmap_atomic uses on its CPU, one per kind of caller (user \
         copies, interrupts, softirqs…), so that callers that nest never share a slot.",
    ),
    term(
        "KM_TYPE_NR",
        &[],
        Some("KM_TYPE_NR"),
        "atomic",
        "The number of km_types: slots per CPU in the fixmap.",
    ),
    term(
        "KM_MAX_IDX",
        &[],
        Some("KM_MAX_IDX"),
        "atomic",
        "6.1's number of local-map slots per CPU.",
    ),
    term(
        "KM_USER0",
        &["KM_USER1"],
        Some("KM_USER0"),
        "atomic",
        "The km_types for ordinary process-context code.",
    ),
    term(
        "KM_IRQ0",
        &["KM_IRQ1"],
        Some("KM_IRQ0"),
        "atomic",
        "The km_types for hard-interrupt handlers.",
    ),
    term(
        "KM_SOFTIRQ0",
        &["KM_SOFTIRQ1"],
        Some("KM_SOFTIRQ0"),
        "atomic",
        "The km_types for softirqs.",
    ),
    term(
        "KM_BH_IRQ",
        &[],
        Some("KM_BH_IRQ"),
        "atomic",
        "2.4's km_type for bottom halves and interrupts.",
    ),
    term(
        "KM_BOUNCE_READ",
        &[],
        Some("KM_BOUNCE_READ"),
        "atomic",
        "The km_type for copying bounce buffers for devices that cannot reach high memory.",
    ),
    term(
        "KM_SKB_DATA_SOFTIRQ",
        &[],
        Some("KM_SKB_DATA_SOFTIRQ"),
        "atomic",
        "The km_type networking uses for packet data in softirq context.",
    ),
    term(
        "CONFIG_DEBUG_HIGHMEM",
        &[],
        None,
        "atomic",
        "The debug option for high memory: extra checks on the use of kmap_atomic and, in some \
         eras, unmapped fence slots between the types, so that a stray access faults.",
    ),
    term(
        "CONFIG_DEBUG_KMAP_LOCAL",
        &[],
        None,
        "atomic",
        "6.1's debug option that leaves an unmapped guard slot between local maps.",
    ),
    term(
        "fixed_addresses",
        &[],
        Some("fixed_addresses"),
        "atomic",
        "The list of fixmap slots, each a compile-time index with a fixed address near the top \
         of memory: the APIC, the boot-time maps, and the kmap slots.",
    ),
    term(
        "FIXADDR_TOP",
        &[],
        Some("FIXADDR_TOP"),
        "atomic",
        "The top of the fixmap; slot i is i pages below it.",
    ),
    term(
        "FIXADDR_START",
        &[],
        Some("FIXADDR_START"),
        "atomic",
        "The lowest fixmap address: the bottom of its permanent slots.",
    ),
    term(
        "FIX_KMAP_BEGIN",
        &[],
        Some("FIX_KMAP_BEGIN"),
        "atomic",
        "The fixmap index of the first kmap_atomic slot; each CPU's slots follow.",
    ),
    term(
        "FIX_KMAP_END",
        &[],
        Some("FIX_KMAP_END"),
        "atomic",
        "The fixmap index of the last kmap_atomic slot.",
    ),
    term(
        "fix_to_virt",
        &["__fix_to_virt"],
        Some("fix_to_virt"),
        "atomic",
        "The address of a fixmap index: FIXADDR_TOP less that many pages.",
    ),
    term(
        "set_fixmap",
        &[],
        Some("set_fixmap"),
        "atomic",
        "Points a fixmap slot at a frame and flushes that address on the current CPU.",
    ),
    term(
        "clear_fixmap",
        &[],
        Some("clear_fixmap"),
        "atomic",
        "Clears a fixmap slot.",
    ),
    term(
        "preempt_count",
        &[],
        Some("preempt_count"),
        "atomic",
        "Per-task count of reasons not to reschedule; kmap_atomic raises it, and schedule() \
         complains if it is not zero.",
    ),
    term(
        "pagefault_disable",
        &[],
        Some("pagefault_disable"),
        "atomic",
        "Makes a page fault fail instead of sleeping; kmap_atomic calls it.",
    ),
    // ---- Non-contiguous memory ---------------------------------------------------------------
    term(
        "vmalloc",
        &[],
        Some("vmalloc"),
        "vmalloc",
        "Allocates memory that is contiguous in kernel virtual space but not physically: pages \
         one by one (high memory first), mapped side by side in the vmalloc range.",
    ),
    term(
        "vfree",
        &[],
        Some("vfree"),
        "vmalloc",
        "Frees a vmalloc area: its mappings, its pages and its range (at once before 2.6.28, \
         lazily after).",
    ),
    term(
        "vmalloc_32",
        &[],
        Some("vmalloc_32"),
        "vmalloc",
        "vmalloc from low memory only, for buffers that devices must reach with 32-bit \
         addresses.",
    ),
    term(
        "vmap",
        &[],
        Some("vmap"),
        "vmalloc",
        "Maps pages the caller already has into one contiguous range of the vmalloc space.",
    ),
    term(
        "vunmap",
        &[],
        Some("vunmap"),
        "vmalloc",
        "Removes a vmap mapping; the pages stay the caller's.",
    ),
    term(
        "ioremap",
        &[],
        Some("ioremap"),
        "vmalloc",
        "Maps device memory (a physical range that is not RAM) into the vmalloc range, \
         uncached.",
    ),
    term(
        "iounmap",
        &[],
        Some("iounmap"),
        "vmalloc",
        "Removes an ioremap mapping.",
    ),
    term(
        "vm_struct",
        &[],
        Some("vm_struct"),
        "vmalloc",
        "The record of one vmalloc area: address, size with its guard page, flags and pages. \
         Before 2.6.28 they form the sorted list vmlist.",
    ),
    term(
        "vmlist",
        &[],
        Some("vmlist"),
        "vmalloc",
        "The sorted list of vm_structs that the old allocator searches first fit.",
    ),
    term(
        "vmap_area",
        &[],
        Some("vmap_area"),
        "vmalloc",
        "From 2.6.28, the allocator's record of a busy or free range, kept in red-black trees \
         so that a search costs a logarithm, not a list walk.",
    ),
    term(
        "lazy_max_pages",
        &[],
        Some("lazy_max_pages"),
        "vmalloc",
        "How many freed pages may wait for a purge before vfree forces one.",
    ),
    term(
        "purge_vmap_area_lazy",
        &[],
        Some("purge_vmap_area_lazy"),
        "vmalloc",
        "Releases lazily freed ranges for reuse, after one TLB flush for all of them.",
    ),
    term(
        "vm_unmap_aliases",
        &[],
        Some("vm_unmap_aliases"),
        "vmalloc",
        "Forces a purge, so that no stale vmalloc alias of a page remains in any TLB.",
    ),
    term(
        "guard page",
        &[],
        None,
        "vmalloc",
        "The unmapped page after each vmalloc area, so that an overrun faults instead of \
         writing into the next area.",
    ),
    term(
        "vmalloc fault",
        &["vmalloc_fault"],
        Some("vmalloc_fault"),
        "vmalloc",
        "Without PAE, a process whose page directory lacks a kernel entry made after it was \
         created faults on first touch; the handler copies the entry from swapper_pg_dir and \
         retries.",
    ),
    term(
        "/proc/vmallocinfo",
        &[],
        None,
        "vmalloc",
        "One line per vmalloc area: its range, size, caller, page count and kind.",
    ),
    term(
        "/proc/meminfo",
        &[],
        None,
        "vmalloc",
        "The kernel's memory summary, including VmallocTotal, VmallocUsed and (in older \
         kernels) VmallocChunk.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_find_their_names() {
        assert_eq!(name_of("kmap_atomic(page, KM_USER0)"), "kmap_atomic");
        assert_eq!(name_of("page_address_maps[]"), "page_address_maps");
        assert_eq!(name_of("struct page *"), "page *");
        assert_eq!(name_of("enum km_type"), "km_type");
        assert_eq!(lookup("kmap(page)").map(|t| t.name), Some("kmap"));
        assert_eq!(
            lookup("enum fixed_addresses").map(|t| t.name),
            Some("fixed_addresses")
        );
        assert_eq!(lookup("KM_USER1").map(|t| t.name), Some("KM_USER0"));
        assert!(lookup("0xc0000000").is_none());
        assert!(lookup("").is_none());
        assert!(lookup("(").is_none());
    }

    #[test]
    fn names_are_unique_and_definitions_are_sentences() {
        let mut names: Vec<&str> = TERMS
            .iter()
            .flat_map(|t| std::iter::once(t.name).chain(t.also.iter().copied()))
            .collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "a name or alias is listed twice");
        for t in TERMS {
            assert!(t.definition.ends_with('.'), "{}", t.name);
            assert!(
                t.definition.len() < 400,
                "{} is too long for a tooltip",
                t.name
            );
            assert!(
                ["why-highmem", "paging", "pkmap", "atomic", "vmalloc"].contains(&t.chapter),
                "{}",
                t.name
            );
        }
        let s = sorted();
        assert_eq!(s.len(), TERMS.len());
        assert!(s.windows(2).all(|w| {
            w[0].name.trim_start_matches('_').to_ascii_lowercase()
                <= w[1].name.trim_start_matches('_').to_ascii_lowercase()
        }));
    }

    /// The kernel names the chapters use most are all defined.
    #[test]
    fn the_chapters_names_are_defined() {
        let all: Vec<&str> = CHAPTERS.iter().flat_map(code_spans).collect();
        for name in [
            "kmap",
            "kmap_atomic",
            "kunmap",
            "PAGE_OFFSET",
            "max_low_pfn",
            "MAXMEM",
        ] {
            assert!(
                all.iter().any(|c| name_of(c) == name),
                "{name} not in the text"
            );
            assert!(lookup(name).is_some(), "{name} not in the glossary");
        }
        // At least half of the identifier-like code spans are glossary entries.
        let idents: Vec<&&str> = all
            .iter()
            .filter(|c| {
                let n = name_of(c);
                !n.is_empty()
                    && n.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                    && n.chars().any(|ch| ch.is_ascii_alphabetic())
                    && !n.starts_with("0x")
            })
            .collect();
        let known = idents.iter().filter(|c| lookup(c).is_some()).count();
        assert!(
            known * 2 >= idents.len(),
            "{known} of {} identifiers defined",
            idents.len()
        );
        // And the page can say where each is used: kmap in chapter 3 at least.
        let kmap = lookup("kmap").unwrap();
        assert!(chapters_using(kmap)
            .iter()
            .any(|c| c.slug.starts_with("03-")));
    }
}
