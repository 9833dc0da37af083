//! vmalloc, vmap and ioremap per era: the acceptance replay of the real 6.1 boot's
//! `/proc/vmallocinfo`, where each era places areas, what a free clears and flushes and when,
//! the failure messages, the vmalloc fault, interrupt context, and misuse.

use highmem_engine::machine::{Machine, Outcome, ResultKind};
use highmem_engine::profile::ProfileId;
use highmem_engine::script;

fn play(text: &str) -> (Machine, Vec<(usize, Outcome)>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let read = |f: &str| std::fs::read_to_string(format!("{dir}{f}")).map_err(|e| e.to_string());
    let s = script::parse(text, &read).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let (m, ran) = script::run(&s, true).unwrap_or_else(|e| panic!("{e}"));
    (
        m,
        ran.into_iter().map(|r| (r.step.line, r.outcome)).collect(),
    )
}

fn at(outs: &[(usize, Outcome)], line: usize) -> &Outcome {
    &outs.iter().find(|(l, _)| *l == line).unwrap().1
}

fn value(outs: &[(usize, Outcome)], line: usize) -> u32 {
    at(outs, line)
        .value
        .unwrap_or_else(|| panic!("line {line}: {:?}", at(outs, line))) as u32
}

/// The acceptance test: the first seven areas of the real boot's `/proc/vmallocinfo`,
/// replayed from its VMALLOC_START with the callers, sizes and physical addresses the log
/// shows, come out line for line.
#[test]
fn the_first_seven_areas_of_the_real_6_1_boot_are_reproduced() {
    let (m, outs) = play(
        "machine profile=6.1 e820=boot-6.1-686-pae-2G.txt\n\
         ioremap_cache cpu=0 phys=0x7ffe1000 size=4K caller=acpi_os_map_iomem+0x215/0x240\n\
         ioremap_cache cpu=0 phys=0x7ffe0000 size=8K caller=acpi_os_map_iomem+0x215/0x240\n\
         ioremap cpu=0 phys=0xfed00000 size=1K caller=hpet_enable+0xc7/0x3dc\n\
         vmalloc cpu=0 size=4K caller=gen_pool_add_owner+0x2a/0xb0\n\
         vmalloc cpu=0 size=4K caller=bpf_prog_alloc_no_stats+0x2b/0x1b0\n\
         ioremap_cache cpu=0 phys=0xfed00000 size=4K caller=acpi_os_map_iomem+0x215/0x240\n\
         ioremap_cache cpu=0 phys=0xf5000 size=4K caller=memremap+0xc4/0x1a0\n",
    );
    assert!(outs.iter().all(|(_, o)| o.result == ResultKind::Ok));
    let log = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/boot-6.1-686-pae-2G.txt"
    ))
    .unwrap();
    let real: Vec<&str> = log
        .lines()
        .skip_while(|l| *l != "=====VMALLOCINFO")
        .skip(1)
        .take(7)
        .collect();
    let info = m.vmallocinfo().unwrap();
    let ours: Vec<&str> = info.lines().collect();
    assert_eq!(ours, real);
    // VmallocTotal matches the boot's /proc/meminfo too.
    assert!(m
        .meminfo_vmalloc()
        .unwrap()
        .contains("VmallocTotal:     122880 kB"));
}

/// Three one-page vmallocs: the eras before 2.6.28 and 6.1 put them two pages apart (the
/// page and its guard); 2.6.32's search restarts a page past each area, so three apart.
#[test]
fn consecutive_areas_are_spaced_by_the_eras_rule() {
    for (id, step) in [
        (ProfileId::V2_4_22, 2),
        (ProfileId::V2_6_11, 2),
        (ProfileId::V2_6_24, 2),
        (ProfileId::V2_6_32, 3),
        (ProfileId::V6_1, 2),
    ] {
        let (m, outs) = play(&format!(
            "machine profile={id} ram=2G\ntask A cpu=0\n\
             vmalloc A size=4K\nvmalloc A size=4K\nvmalloc A size=100\n"
        ));
        let (a, b, c) = (value(&outs, 3), value(&outs, 4), value(&outs, 5));
        assert_eq!(a, m.layout().vmalloc_start() as u32, "{id}");
        assert_eq!(b - a, step * 4096, "{id}");
        assert_eq!(c - b, step * 4096, "{id}");
    }
}

#[test]
fn ioremap_alignment_and_the_isa_hole_follow_the_era() {
    for (id, two_page_align, isa_direct) in [
        (ProfileId::V2_4_22, 0x1000, true),
        (ProfileId::V2_6_24, 0x4000, true),
        (ProfileId::V2_6_32, 0x4000, true),
        (ProfileId::V6_1, 0x2000, false),
    ] {
        let (_, outs) = play(&format!(
            "machine profile={id} ram=1G\ntask A cpu=0\n\
             vmalloc A size=4K\nioremap A phys=0xfebf0000 size=8K\nioremap A phys=0xa0000 size=4K\n"
        ));
        let io = value(&outs, 4);
        assert_eq!(io % two_page_align, 0, "{id}: {io:#x}");
        let isa = value(&outs, 5);
        assert_eq!(isa == 0xc00a_0000, isa_direct, "{id}: {isa:#x}");
    }
}

/// 2.4's ioremap sizes the mapping as `PAGE_ALIGN(last_addr) - phys_addr`: a page-sized
/// request maps its page, and a range that ends one byte into the next page loses that page
/// (2.6 aligns `last_addr + 1` instead).
#[test]
fn ioremap_2_4_rounds_the_last_address_up() {
    for (id, pages_for_4097) in [(ProfileId::V2_4_22, 1), (ProfileId::V2_6_11, 2)] {
        let (_, outs) = play(&format!(
            "machine profile={id} ram=1G\ntask A cpu=0\n\
             ioremap A phys=0xfed00000 size=4K\nioremap A phys=0xfec00000 size=4097\n\
             ioremap A phys=0xfeb00000 size=1K\n"
        ));
        for (line, pages) in [(3, 1), (4, pages_for_4097), (5, 1)] {
            let o = at(&outs, line);
            assert_eq!(o.result, ResultKind::Ok, "{id} line {line}: {}", o.message);
            let want = format!("({pages} page{}", if pages == 1 { "" } else { "s" });
            assert!(o.message.contains(&want), "{id} line {line}: {}", o.message);
        }
    }
}

#[test]
fn ioremap_of_ram_is_refused() {
    let (_, outs) = play("machine profile=6.1 ram=1G\nioremap cpu=0 phys=0x8000000 size=4K\n");
    let out = at(&outs, 2);
    assert_eq!(out.value, Some(0));
    assert!(
        out.message
            .contains("ioremap on RAM at 0x0000000008000000 - 0x0000000008000fff"),
        "{}",
        out.message
    );
    assert!(out.message.contains("at arch/x86/mm/ioremap.c:211"));
    let (_, outs) = play("machine profile=2.6.24 ram=1G\nioremap cpu=0 phys=0x8000000 size=4K\n");
    assert_eq!(at(&outs, 2).value, Some(0));
    // Reserved RAM (the kernel image) may be remapped in 2.6.
    let (_, outs) = play("machine profile=2.6.24 ram=1G\nioremap cpu=0 phys=0x100000 size=4K\n");
    assert!(value(&outs, 2) >= 0xf000_0000);
}

/// What a freed area leaves behind, read through the old address on the CPU that touched it.
#[test]
fn a_free_clears_and_flushes_when_the_era_does() {
    for id in ProfileId::ALL {
        let text = |extra: &str| {
            format!(
                "machine profile={id} ram=1G cpus=2\ntask A cpu=0\n\
                 vmalloc A size=4K as=buf\n{extra}"
            )
        };
        let (_, outs) = play(&text(""));
        let va = value(&outs, 3);
        let (m, outs) = play(&text(&format!(
            "write cpu=0 vaddr={va:#x} value=0x55\nvfree A buf\nread cpu=0 vaddr={va:#x}\n"
        )));
        let after = at(&outs, 6);
        match id {
            // Cleared and flushed at once.
            ProfileId::V2_4_22 | ProfileId::V2_6_11 | ProfileId::V2_6_24 => {
                assert_eq!(after.result, ResultKind::Oops, "{id}: {}", after.message);
                assert!(m.cpus().iter().all(|c| c.tlb.entries().is_empty()
                    || c.tlb.entries().iter().all(|(_, e)| e.va != u64::from(va))));
            }
            // 2.6.32: the PTE still maps the page, which is already free.
            ProfileId::V2_6_32 => {
                assert_eq!(after.result, ResultKind::Ok, "{id}: {}", after.message);
                assert_eq!(m.snapshot().vmalloc_lazy.len(), 1);
            }
            // 6.1: the PTE is gone, but CPU 0's TLB still holds the translation.
            ProfileId::V6_1 => {
                assert_eq!(after.result, ResultKind::Ok, "{id}");
                assert!(after.message.contains("STALE"), "{}", after.message);
            }
        }
        if matches!(id, ProfileId::V2_6_32 | ProfileId::V6_1) {
            let (m, outs) = play(&text(&format!(
                "write cpu=0 vaddr={va:#x} value=0x55\nvfree A buf\npurge_vmap_area_lazy\n\
                 read cpu=0 vaddr={va:#x}\nvmalloc A size=4K\n"
            )));
            assert_eq!(
                at(&outs, 7).result,
                ResultKind::Oops,
                "{id}: after the purge"
            );
            assert_eq!(value(&outs, 8), va, "{id}: the range is free again");
            assert_eq!(m.snapshot().vmap_lazy_nr, 0);
        }
    }
}

#[test]
fn vmalloc_until_it_fails_prints_the_eras_message() {
    for (id, text) in [
        (
            ProfileId::V2_4_22,
            "NULL: no room in the vmalloc range (2.4 prints nothing)",
        ),
        (
            ProfileId::V2_6_11,
            "allocation failed: out of vmalloc space - use vmalloc=<size> to increase size.",
        ),
        (
            ProfileId::V2_6_32,
            "vmap allocation for size 16781312 failed: use vmalloc=<size> to increase size.",
        ),
        (
            ProfileId::V6_1,
            "vmap allocation for size 16781312 failed: use vmalloc=<size> to increase size\n\
             A: vmalloc error: size 16777216, vm_struct allocation failed",
        ),
    ] {
        let mut script = format!("machine profile={id} ram=2G\ntask A cpu=0\n");
        for _ in 0..9 {
            script.push_str("vmalloc A size=16M\n");
        }
        let (m, outs) = play(&script);
        let ok = outs
            .iter()
            .skip(1)
            .filter(|(_, o)| o.result == ResultKind::Ok)
            .count();
        let total = m.layout().vmalloc_end() - m.layout().vmalloc_start();
        assert_eq!(ok as u64, (total / (16 << 20 | 4096)).min(8), "{id}");
        let last = &outs.last().unwrap().1;
        assert_eq!(last.value, Some(0), "{id}");
        assert!(last.message.starts_with(text), "{id}: {}", last.message);
    }
}

#[test]
fn a_large_vmalloc_vmallocs_its_pages_array() {
    for (id, vpages) in [(ProfileId::V2_6_32, true), (ProfileId::V6_1, true)] {
        let (m, _) = play(&format!(
            "machine profile={id} ram=1G\ntask A cpu=0\nvmalloc A size=8M as=big\n"
        ));
        let info = m.vmallocinfo().unwrap();
        let lines: Vec<&str> = info.lines().collect();
        assert_eq!(lines.len(), 2, "{info}");
        // 2048 pages × 4 bytes = 8 KiB of pointers: two pages, vmalloc'ed after the area.
        assert!(
            lines[0].contains("pages=2048 vmalloc") && lines[0].ends_with(" vpages") == vpages,
            "{info}"
        );
        assert!(lines[1].contains("pages=2 vmalloc"), "{info}");
    }
}

/// Without PAE each process has its own copy of the kernel's page-directory entries. Before
/// 6.1 a process finds a new vmalloc page table through a vmalloc fault; 6.1 copies it into
/// every process when it is made; with PAE the kernel PMD is shared and nothing is needed.
#[test]
fn the_vmalloc_fault_copies_a_missing_entry() {
    for (id, pae, fault) in [
        (ProfileId::V2_4_22, false, true),
        (ProfileId::V2_6_24, false, true),
        (ProfileId::V2_6_32, false, true),
        (ProfileId::V6_1, false, false),
        (ProfileId::V2_6_32, true, false),
    ] {
        let pae = if pae { "on" } else { "off" };
        let base = format!(
            "machine profile={id} ram=512M pae={pae}\ntask A cpu=0\nvmalloc A size=4K as=x\n"
        );
        let (_, outs) = play(&base);
        let va = value(&outs, 3);
        let (_, outs) = play(&format!("{base}read cpu=0 vaddr={va:#x}\n"));
        let read = at(&outs, 4);
        assert_eq!(
            read.result,
            ResultKind::Ok,
            "{id} pae={pae}: {}",
            read.message
        );
        assert_eq!(
            read.trace.find("vmalloc_fault").is_some(),
            fault,
            "{id} pae={pae}: {}",
            read.message
        );
    }
}

#[test]
fn vfree_in_interrupt_context_per_era() {
    for (id, expect) in [
        (ProfileId::V2_6_11, "kernel BUG at mm/vmalloc.c:403!"),
        (ProfileId::V2_6_24, "kernel BUG at mm/vmalloc.c:375!"),
        (ProfileId::V2_6_32, "kernel BUG at mm/vmalloc.c:1347!"),
        (ProfileId::V6_1, "queued"),
    ] {
        let (m, outs) = play(&format!(
            "machine profile={id} ram=1G\ntask A cpu=0\nvmalloc A size=4K as=x\n\
             irq_enter cpu=0\nvfree cpu=0 x\nirq_exit cpu=0\n"
        ));
        let out = at(&outs, 5);
        assert!(out.message.contains(expect), "{id}: {}", out.message);
        if id == ProfileId::V6_1 {
            assert!(
                at(&outs, 6).message.contains("deferred vfree"),
                "{:?}",
                at(&outs, 6)
            );
            assert!(m.snapshot().vmalloc.is_empty());
        } else {
            assert!(out.message.contains("Fatal exception in interrupt"));
            assert_eq!(m.snapshot().vmalloc.len(), 1, "the BUG left the area");
        }
    }
}

#[test]
fn bad_frees_are_reported_as_the_kernel_does() {
    let (m, outs) = play(
        "machine profile=2.6.24 ram=1G\ntask A cpu=0\nvmalloc A size=4K as=x\n\
         vfree A vaddr=0xf8801000\nvfree A vaddr=0xf8800010\n",
    );
    assert!(at(&outs, 4)
        .message
        .starts_with("Trying to vfree() nonexistent vm area (f8801000)"));
    assert!(at(&outs, 5)
        .message
        .starts_with("Trying to vfree() bad address (f8800010)"));
    assert_eq!(m.snapshot().vmalloc.len(), 1);
}

#[test]
fn the_lazy_threshold_triggers_a_purge() {
    // One CPU: lazy_max_pages() = 8192 pages (32 MiB). Two 16 MiB areas (4097 pages each
    // with the guard, plus their 5-page arrays) freed pass it.
    let (m, outs) = play(
        "machine profile=6.1 ram=2G\ntask A cpu=0\nvmalloc A size=16M as=a\nvmalloc A size=16M as=b\n\
         vfree A a\nvfree A b\n",
    );
    assert!(!at(&outs, 5).message.contains("purged"));
    assert!(
        at(&outs, 6).message.contains("purged"),
        "{}",
        at(&outs, 6).message
    );
    // The pages array (16 KiB of pointers, vmalloc'ed) is freed after the purge, as
    // __vunmap does: its 5 pages wait for the next one.
    assert_eq!(m.snapshot().vmap_lazy_nr, 5);
    assert_eq!(m.snapshot().vmalloc_lazy.len(), 1);
}

#[test]
fn vmalloc_32_stays_in_low_memory_and_vmap_keeps_the_pages() {
    for id in ProfileId::ALL {
        let (m, _) = play(&format!(
            "machine profile={id} ram=2G\ntask A cpu=0\nvmalloc_32 A size=64K as=low\n\
             alloc_pages gfp=GFP_HIGHUSER as=p\nalloc_pages gfp=GFP_HIGHUSER as=q\n\
             vmap A pages=p,q as=v\nvunmap A v\n"
        ));
        let s = m.snapshot();
        let low = &s.vmalloc[0];
        let max_low = m.layout().memory.max_low_pfn.as_u64();
        assert!(
            low.frames
                .iter()
                .all(|f| u64::from_str_radix(&f[2..], 16).unwrap() < max_low),
            "{id}"
        );
        assert!(
            s.handles["p"].pfn >= max_low && !s.handles["p"].freed,
            "{id}"
        );
    }
}

#[test]
fn misuse_and_era_limits_are_script_errors() {
    for (text, err) in [
        (
            "machine profile=2.6.24 ram=1G\npurge_vmap_area_lazy\n",
            "2:1: 2.6.24 frees vmalloc areas at once",
        ),
        (
            "machine profile=6.1 ram=1G\ntask A cpu=0\nvfree A nothing\n",
            "3:9: no area was created as 'nothing'",
        ),
        (
            "machine profile=6.1 ram=1G\ntask A cpu=0\nvmalloc A size=4K as=x\nvmalloc A size=4K as=x\n",
            "4:22: an area 'x' exists already",
        ),
    ] {
        let e = script::parse(text, &|_| Err(String::new())).unwrap_err();
        assert!(e.to_string().starts_with(err), "{e}");
    }
    let (_, outs) = play("machine profile=2.6.11 ram=1G\nvmallocinfo\n");
    let out = at(&outs, 2);
    assert!(out.refused);
    assert!(out.message.contains("came with 2.6.25") && out.message.contains("VmallocTotal:"));
}

/// Every call of a vmalloc or vfree trace that the era's graph names sits on a node of it,
/// and the nodes the graph draws for a path really light up.
#[test]
fn traces_light_the_vmalloc_and_vfree_graphs() {
    use highmem_engine::highmem::graph;
    use highmem_engine::trace::Call;
    fn paths<'a>(c: &'a Call, stack: &mut Vec<&'a str>, out: &mut Vec<Vec<&'a str>>) {
        stack.push(&c.function);
        out.push(stack.clone());
        for k in &c.children {
            paths(k, stack, out);
        }
        stack.pop();
    }
    for id in ProfileId::ALL {
        let lazy = matches!(id, ProfileId::V2_6_32 | ProfileId::V6_1);
        let mut text = format!(
            "machine profile={id} ram=512M pae=off cpus=2\ntask A cpu=0\ntask B cpu=1\n\
             vmalloc A size=64K as=a\nvmalloc A size=4K as=b\nvfree A a\n"
        );
        if lazy {
            // Past lazy_max_pages() (64 MiB on two CPUs): the threshold purge.
            text.push_str("vmalloc A size=40M as=big1\nvmalloc A size=40M as=big2\n");
            text.push_str("vfree A big1\nvfree A big2\n");
        }
        text.push_str("irq_enter cpu=0\nvfree cpu=0 b\n");
        let (m, outs) = play(&text);
        let graphs = graph::graphs(m.profile());
        let mut lit = std::collections::BTreeSet::new();
        for (line, out) in &outs {
            let Some(g) = graphs.iter().find(|g| g.root == out.trace.function) else {
                continue;
            };
            if !["vmalloc", "vfree"].contains(&g.root) {
                continue;
            }
            let known: Vec<&str> = g.nodes.iter().map(|n| n.function).collect();
            let mut all = Vec::new();
            paths(&out.trace, &mut Vec::new(), &mut all);
            for p in all {
                let mut reduced: Vec<&str> = p.into_iter().filter(|f| known.contains(f)).collect();
                // A pages array is vmalloc'ed (and vfree'd) recursively: the graph shows the
                // recursive call, not the whole graph again below it.
                let inner = m.profile().vmalloc.names.inner;
                for rec in [inner, "vfree"] {
                    let at: Vec<usize> =
                        (0..reduced.len()).filter(|&i| reduced[i] == rec).collect();
                    if at.len() > 1 {
                        reduced.truncate(at[1] + 1);
                    }
                }
                let id_ = reduced.join(">");
                assert!(
                    g.nodes.iter().any(|n| n.id == id_),
                    "{id}: line {line}: {id_} is not a node of {}",
                    g.root
                );
            }
            lit.extend(graph::lit(g, &out.trace));
        }
        let names = m.profile().vmalloc.names;
        let map = format!(
            "vmalloc>{}>{}{}",
            names.inner,
            names.area.map(|a| format!("{a}>")).unwrap_or_default(),
            names.map
        );
        assert!(lit.contains(&map), "{id}: {lit:?}");
        assert!(
            lit.iter()
                .any(|n| n.starts_with("vfree>") && n.contains("flush")),
            "{id}: {lit:?}"
        );
        assert_eq!(
            lit.iter().any(|n| n.contains("__purge_vmap_area_lazy")),
            lazy,
            "{id}: {lit:?}"
        );
    }
}

/// The figures the history plots draw: fragmentation rises when every other area is freed,
/// TLB hits and misses count accesses, pkmap occupancy follows kmap.
#[test]
fn metrics_follow_the_machine() {
    let mut text = String::from("machine profile=6.1 ram=1G vmalloc=1M\ntask A cpu=0\n");
    for i in 1..=15 {
        text.push_str(&format!("vmalloc A size=64K as=a{i}\n"));
    }
    let (m, _) = play(&text);
    let full = m.metrics();
    assert_eq!(full.vmalloc_areas, 15);
    assert_eq!(full.vmalloc_used, 15 * 17 * 4096);
    for i in (1..=15).step_by(2) {
        text.push_str(&format!("vfree A a{i}\n"));
    }
    text.push_str("purge_vmap_area_lazy\nkmap A pfn=0x3f000\nkmap A pfn=0x3f001\n");
    let (m, outs) = play(&text);
    let after = m.metrics();
    assert_eq!(after.vmalloc_holes, 8);
    assert!(after.vmalloc_fragmentation() > 0.8, "{after:?}");
    assert_eq!(after.vmalloc_largest_free, 18 * 4096);
    assert_eq!(after.pkmap_in_use, 2);
    let va = outs.last().unwrap().1.value.unwrap();
    let (m, _) = play(&format!(
        "{text}read cpu=0 vaddr={va:#x}\nread cpu=0 vaddr={va:#x}\n"
    ));
    let m2 = m.metrics();
    assert_eq!(m2.tlb_hits - after.tlb_hits, 1);
    assert!(m2.tlb_hit_rate() > 0.0);
}
