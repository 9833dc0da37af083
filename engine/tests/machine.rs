//! The machine: boot of every era, the direct map against a real boot, TLB staleness and
//! flushes, contexts, and the page allocator's behaviour per era.

use highmem_engine::addr::{VirtAddr, GIB, MIB};
use highmem_engine::e820::E820Map;
use highmem_engine::machine::{
    Gfp, Machine, MachineConfig, Op, Outcome, PageRef, Prot, ResultKind,
};
use highmem_engine::profile::ProfileId;

fn config(id: ProfileId, ram: u64, pae: bool) -> MachineConfig {
    MachineConfig {
        pae,
        cpus: 2,
        ..MachineConfig::new(id, E820Map::qemu_pc(ram).unwrap())
    }
}

fn machine(id: ProfileId, ram: u64, pae: bool) -> Machine {
    Machine::new(config(id, ram, pae)).unwrap_or_else(|e| panic!("{id} {ram} {pae}: {e}"))
}

fn run(m: &mut Machine, op: Op) -> Outcome {
    let out = m.apply(&op);
    if let Err(e) = m.check_invariants() {
        panic!("after {op:?}: {e}\n{out:?}");
    }
    out
}

fn read(cpu: usize, vaddr: u32) -> Op {
    Op::Read { cpu, vaddr }
}

#[test]
fn every_era_boots_with_a_working_direct_map() {
    for id in ProfileId::ALL {
        for ram in [16 * MIB, 768 * MIB, 3 * GIB, 16 * GIB] {
            for pae in [true, false] {
                // Kernels loaded at 16 MiB cannot boot on a 16 MiB machine, and say so.
                if ram == 16 * MIB && id.profile().boot.kernel_phys_start >= 16 * MIB {
                    let err = Machine::new(config(id, ram, pae)).unwrap_err();
                    assert!(err.to_string().contains("does not fit"), "{err}");
                    continue;
                }
                let mut m = machine(id, ram, pae);
                m.check_invariants().unwrap();
                let lowmem = m.layout().memory.max_low_pfn.as_u64() << 12;
                for phys in [0x1000, 0x10_0000, lowmem / 2, lowmem - 4] {
                    let out = run(&mut m, read(0, (0xc000_0000 + phys) as u32));
                    assert_eq!(
                        out.result,
                        ResultKind::Ok,
                        "{id} {ram} {pae}: {}",
                        out.message
                    );
                    assert_eq!(out.value, Some(phys), "{id} {ram} {pae}");
                }
                // The vmalloc area has no page tables yet: the walk stops at the PDE.
                let vs = m.layout().vmalloc_start() as u32;
                let out = run(&mut m, read(0, vs + 0x20_0000));
                assert_eq!(out.result, ResultKind::Oops, "{id}: {}", out.message);
                // The local APIC's registers are mapped uncached in the fixmap.
                let apic = m
                    .layout()
                    .fixmap
                    .entries
                    .iter()
                    .find(|e| e.name == "APIC_BASE")
                    .unwrap();
                let va = m.layout().fixaddr_top() - u64::from(apic.first) * 4096;
                let out = run(&mut m, read(0, va as u32));
                assert_eq!(out.value, Some(0xfee0_0000), "{id}");
            }
        }
    }
}

#[test]
fn six_one_direct_map_matches_the_real_boot() {
    let reference = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/boot-6.1-686-pae-2G.txt"
    ))
    .unwrap();
    let want: Vec<&str> = reference
        .lines()
        .filter(|l| l.starts_with("DirectMap"))
        .collect();
    assert_eq!(want.len(), 2);
    let m = machine(ProfileId::V6_1, 2 * GIB, true);
    let ours = m.kernel_tables().meminfo_direct_map();
    assert_eq!(ours.lines().collect::<Vec<_>>(), want);
}

#[test]
fn large_pages_where_each_era_uses_them() {
    // 2.6.24 maps lowmem with large pages from address 0; 2.6.32 keeps the first 2 MiB in
    // 4 KiB pages.
    let walk_size = |m: &Machine, va: u32| {
        m.probe(0, VirtAddr::new(va))
            .unwrap()
            .result
            .unwrap()
            .page_size
    };
    let m = machine(ProfileId::V2_6_24, GIB, true);
    assert_eq!(walk_size(&m, 0xc000_1000), 2 * MIB);
    let m = machine(ProfileId::V2_6_32, GIB, true);
    assert_eq!(walk_size(&m, 0xc000_1000), 4096);
    assert_eq!(walk_size(&m, 0xc100_0000), 2 * MIB);
    let m = machine(ProfileId::V2_4_22, GIB, false);
    assert_eq!(walk_size(&m, 0xc000_1000), 4 * MIB);
}

#[test]
fn a_stale_tlb_entry_returns_the_old_frames_data() {
    let mut m = machine(ProfileId::V2_6_24, 2 * GIB, true);
    let va = m.layout().vmalloc_start() as u32;
    let (a, b) = (0x5_0000, 0x5_0001);
    let set = |pfn| Op::SetPte {
        vaddr: va,
        pfn,
        prot: Prot::Kernel,
    };
    run(&mut m, set(a));
    run(
        &mut m,
        Op::Write {
            cpu: 0,
            vaddr: va,
            value: 0xaaaa,
        },
    );
    run(&mut m, set(b));
    run(
        &mut m,
        Op::Write {
            cpu: 1,
            vaddr: va,
            value: 0xbbbb,
        },
    );
    // CPU 0 still holds the old translation: it reads frame A's data and is told so.
    let out = run(&mut m, read(0, va));
    assert_eq!(out.value, Some(a << 12));
    assert!(out.message.contains("0x0000aaaa"), "{}", out.message);
    assert!(out.message.contains("STALE"), "{}", out.message);
    assert_eq!(
        out.trace.answer("entry still matches the page tables?"),
        Some("no: stale")
    );
    // A CR3 reload does not help: vmalloc mappings are global.
    run(&mut m, Op::ReloadCr3 { cpu: 0 });
    assert_eq!(run(&mut m, read(0, va)).value, Some(a << 12));
    // invlpg does.
    run(&mut m, Op::Invlpg { cpu: 0, vaddr: va });
    let out = run(&mut m, read(0, va));
    assert_eq!(out.value, Some(b << 12));
    assert!(out.message.contains("0x0000bbbb"));
}

#[test]
fn flush_tlb_all_reaches_every_cpu_and_the_global_entries() {
    let mut m = machine(ProfileId::V6_1, 2 * GIB, true);
    for cpu in 0..2 {
        run(&mut m, read(cpu, 0xc010_0000));
    }
    assert!(m.cpus().iter().all(|c| !c.tlb.entries().is_empty()));
    let out = run(&mut m, Op::FlushTlbAll);
    assert!(m.cpus().iter().all(|c| c.tlb.entries().is_empty()));
    assert_eq!(
        out.trace
            .functions()
            .iter()
            .filter(|f| **f == "do_flush_tlb_all")
            .count(),
        2
    );
    // Toggling PGE flushes globals too; only a non-global entry goes with a CR3 write.
    run(&mut m, read(0, 0xc010_0000));
    run(&mut m, Op::TogglePge { cpu: 0 });
    assert!(m.cpus()[0].tlb.entries().is_empty());
}

#[test]
fn non_pae_page_directories_fall_behind_the_reference() {
    let mut m = machine(ProfileId::V2_6_11, 2 * GIB, false);
    run(
        &mut m,
        Op::Task {
            name: "A".into(),
            cpu: 0,
            kthread: false,
        },
    );
    let va = m.layout().vmalloc_start() as u32 + 0x40_0000;
    let out = run(
        &mut m,
        Op::SetPte {
            vaddr: va,
            pfn: 0x1234,
            prot: Prot::Kernel,
        },
    );
    assert_eq!(
        out.trace
            .answer("visible to existing processes?")
            .map(|a| &a[..2]),
        Some("no")
    );
    // A's page directory was copied before the new page table existed: the access faults,
    // and the vmalloc fault copies the entry from init_mm; the next access needs nothing.
    let out = run(&mut m, read(0, va));
    assert_eq!(out.result, ResultKind::Ok);
    assert!(out.trace.find("vmalloc_fault").is_some());
    let again = run(&mut m, read(0, va + 0x1000));
    assert!(again.trace.find("vmalloc_fault").is_none());
    // Where init_mm has nothing either there is nothing to copy: an oops.
    let out = run(&mut m, read(0, va + 0x40_0000));
    assert_eq!(out.result, ResultKind::Oops);
    assert!(out
        .message
        .starts_with("Unable to handle kernel paging request at virtual address"));
    assert_eq!(
        out.trace.answer("vmalloc fault?"),
        Some("no: init_mm has no entry either")
    );
    // A process created afterwards copies it.
    run(
        &mut m,
        Op::Task {
            name: "B".into(),
            cpu: 1,
            kthread: false,
        },
    );
    assert_eq!(run(&mut m, read(1, va)).value, Some(0x1234 << 12));
    // With PAE the kernel's page directory is shared, so nothing falls behind.
    let mut m = machine(ProfileId::V2_6_11, 2 * GIB, true);
    run(
        &mut m,
        Op::Task {
            name: "A".into(),
            cpu: 0,
            kthread: false,
        },
    );
    run(
        &mut m,
        Op::SetPte {
            vaddr: va,
            pfn: 0x1234,
            prot: Prot::Kernel,
        },
    );
    assert_eq!(run(&mut m, read(0, va)).value, Some(0x1234 << 12));
}

#[test]
fn context_switches_flush_non_global_entries_and_kthreads_borrow() {
    let mut m = machine(ProfileId::V2_6_32, GIB, true);
    run(
        &mut m,
        Op::Task {
            name: "A".into(),
            cpu: 0,
            kthread: false,
        },
    );
    let cr3_a = m.cpus()[0].cr3;
    run(
        &mut m,
        Op::Task {
            name: "kswapd".into(),
            cpu: 0,
            kthread: true,
        },
    );
    assert_eq!(
        m.cpus()[0].cr3,
        cr3_a,
        "a kernel thread keeps the borrowed CR3"
    );
    assert!(m.cpus()[0].lazy);
    run(
        &mut m,
        Op::Task {
            name: "B".into(),
            cpu: 0,
            kthread: false,
        },
    );
    assert_ne!(m.cpus()[0].cr3, cr3_a);
    // flush_tlb_all makes a lazy CPU leave the borrowed mm in 2.6.32.
    run(
        &mut m,
        Op::Switch {
            cpu: 0,
            task: "kswapd".into(),
        },
    );
    let out = run(&mut m, Op::FlushTlbAll);
    assert!(out.trace.find("leave_mm").is_some());
    assert_eq!(m.cpus()[0].cr3, m.kernel_tables().swapper_pg_dir);
}

#[test]
fn scheduling_from_an_interrupt_is_reported_per_era() {
    for (id, start) in [
        (ProfileId::V2_4_22, "Scheduling in interrupt"),
        (
            ProfileId::V2_6_11,
            "scheduling while atomic: swapper/0/0x00010000/0",
        ),
        (
            ProfileId::V6_1,
            // schedule() counts its own preempt_disable() in 6.1.
            "BUG: scheduling while atomic: swapper/0/0/0x00010001",
        ),
    ] {
        let mut m = machine(id, GIB, true);
        run(&mut m, Op::IrqEnter { cpu: 0 });
        let before = m.snapshot();
        let out = run(
            &mut m,
            Op::Task {
                name: "A".into(),
                cpu: 0,
                kthread: false,
            },
        );
        assert_eq!(out.result, ResultKind::Bug, "{id}");
        assert!(out.message.contains(start), "{id}: {}", out.message);
        assert_eq!(m.snapshot().cpus, before.cpus, "{id}: nothing switched");
        // Leaving a context never entered is refused.
        run(&mut m, Op::IrqExit { cpu: 0 });
        assert_eq!(run(&mut m, Op::IrqExit { cpu: 0 }).result, ResultKind::Warn);
    }
}

#[test]
fn get_free_pages_with_highmem_by_era() {
    let gfp = Gfp::parse("GFP_HIGHUSER").unwrap();
    for (id, value_is_zero) in [
        (ProfileId::V2_4_22, true),
        (ProfileId::V2_6_24, true),
        (ProfileId::V2_6_32, true),
        (ProfileId::V6_1, false),
    ] {
        let mut m = machine(id, 2 * GIB, true);
        let out = run(
            &mut m,
            Op::GetFreePages {
                gfp: gfp.clone(),
                order: 0,
                name: Some("p".into()),
            },
        );
        assert_eq!(out.value == Some(0), value_is_zero, "{id}: {}", out.message);
        if value_is_zero {
            assert!(out.message.contains("leaked"));
        } else {
            assert!(out.value.unwrap() >= 0xc000_0000);
        }
    }
}

#[test]
fn alloc_and_free_by_name_and_misuse() {
    let mut m = machine(ProfileId::V6_1, GIB, true);
    let out = run(
        &mut m,
        Op::AllocPages {
            gfp: Gfp::parse("GFP_KERNEL").unwrap(),
            order: 3,
            name: Some("buf".into()),
        },
    );
    assert_eq!(out.result, ResultKind::Ok);
    let pfn = out.value.unwrap();
    assert_eq!(pfn % 8, 0);
    let before = m.snapshot();
    // Freeing with the wrong order is a BUG and changes nothing.
    let out = run(
        &mut m,
        Op::FreePages {
            page: PageRef::Pfn(pfn),
            order: Some(2),
        },
    );
    assert_eq!(out.result, ResultKind::Bug);
    assert_eq!(m.snapshot().zones, before.zones);
    let out = run(
        &mut m,
        Op::FreePages {
            page: PageRef::Name("buf".into()),
            order: None,
        },
    );
    assert_eq!(out.result, ResultKind::Ok, "{}", out.message);
    let out = run(
        &mut m,
        Op::FreePages {
            page: PageRef::Name("buf".into()),
            order: None,
        },
    );
    assert_eq!(out.result, ResultKind::Bug, "double free");
}

#[test]
fn buddyinfo_has_the_kernel_format() {
    let m = machine(ProfileId::V6_1, 2 * GIB, true);
    let info = m.snapshot().buddyinfo;
    let lines: Vec<&str> = info.lines().collect();
    assert_eq!(lines.len(), 3);
    for (line, zone) in lines.iter().zip(["DMA", "Normal", "HighMem"]) {
        assert!(
            line.starts_with(&format!("Node 0, zone {zone:>8} ")),
            "{line}"
        );
        assert!(line.ends_with(' '));
        assert_eq!(line.split_whitespace().count(), 4 + 11);
    }
    // The reference boot: HighMem is all free at boot, managed = present.
    let hm = &m.snapshot().zones[2];
    assert_eq!(hm.managed, hm.present);
}

#[test]
fn kmap_traces_light_the_call_graph_paths_taken() {
    use highmem_engine::highmem::graph::{kmap_graph, kunmap_graph, lit};
    let mut m = machine(ProfileId::V2_6_24, 2 * GIB, true);
    run(
        &mut m,
        Op::Task {
            name: "A".into(),
            cpu: 0,
            kthread: false,
        },
    );
    let g = kmap_graph(m.profile());
    let kmap = |m: &mut Machine, pfn| {
        run(
            m,
            Op::Kmap {
                task: "A".into(),
                page: PageRef::Pfn(pfn),
                nonblock: false,
            },
        )
    };
    let low = lit(&g, &kmap(&mut m, 0x100).trace);
    assert!(low.contains(&"kmap>page_address".to_string()), "{low:?}");
    assert!(!low.iter().any(|n| n.contains("kmap_high")));
    let high = lit(&g, &kmap(&mut m, 0x5_0000).trace);
    for id in [
        "kmap>might_sleep",
        "kmap>kmap_high>spin_lock",
        "kmap>kmap_high>page_address",
        "kmap>kmap_high>map_new_virtual>set_pte",
        "kmap>kmap_high>map_new_virtual>set_page_address",
        "kmap>kmap_high>spin_unlock",
    ] {
        assert!(high.contains(&id.to_string()), "{id} in {high:?}");
    }
    assert!(!high.iter().any(|n| n.contains("flush_all_zero_pkmaps")));
    // Fill the rest: the scan wraps and flushes.
    for pfn in 0x5_1000..0x5_1000 + 510 {
        kmap(&mut m, pfn);
    }
    let wrap = lit(&g, &kmap(&mut m, 0x5_2000).trace);
    assert!(wrap.contains(&"kmap>kmap_high>map_new_virtual>flush_all_zero_pkmaps>flush_tlb_kernel_range>do_flush_tlb_all".to_string()), "{wrap:?}");
    let sleep = lit(&g, &kmap(&mut m, 0x5_3000).trace);
    assert!(
        sleep.contains(&"kmap>kmap_high>map_new_virtual>schedule".to_string()),
        "{sleep:?}"
    );
    let kg = kunmap_graph(m.profile());
    let out = run(
        &mut m,
        Op::Task {
            name: "B".into(),
            cpu: 1,
            kthread: false,
        },
    );
    assert_eq!(out.result, ResultKind::Ok);
    let un = lit(
        &kg,
        &run(
            &mut m,
            Op::Kunmap {
                task: "B".into(),
                page: PageRef::Pfn(0x5_0000),
            },
        )
        .trace,
    );
    assert!(
        un.contains(&"kunmap>kunmap_high>wake_up".to_string()),
        "{un:?}"
    );
}
