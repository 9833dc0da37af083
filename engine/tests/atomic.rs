//! Temporary kernel maps per era: the typed slots of 2.4.22 – 2.6.32 (what each era checks,
//! clears and flushes, debug and not), the preempt count they raise, and 6.1's per-task
//! stack with its save and restore across context switches.

use highmem_engine::machine::{Machine, Outcome, ResultKind};
use highmem_engine::profile::ProfileId;
use highmem_engine::script;

/// Runs a script with the invariant checker after every op; the outcomes by script line.
fn play(text: &str) -> (Machine, Vec<(usize, Outcome)>) {
    let s = script::parse(text, &|f| Err(format!("no file {f}"))).unwrap_or_else(|e| {
        panic!("{e}\n{text}");
    });
    let (m, ran) = script::run(&s, true).unwrap_or_else(|e| panic!("{e}"));
    let outs = ran.into_iter().map(|r| (r.step.line, r.outcome)).collect();
    (m, outs)
}

fn at(outs: &[(usize, Outcome)], line: usize) -> &Outcome {
    &outs
        .iter()
        .find(|(l, _)| *l == line)
        .unwrap_or_else(|| panic!("no op on line {line}"))
        .1
}

const TYPED: [ProfileId; 4] = [
    ProfileId::V2_4_22,
    ProfileId::V2_6_11,
    ProfileId::V2_6_24,
    ProfileId::V2_6_32,
];

/// The fixmap address of a kmap slot, from the layout's own enum.
fn slot_addr(m: &Machine, slot: u32) -> u32 {
    let begin = m
        .layout()
        .fixmap
        .entries
        .iter()
        .find(|e| e.name == "KMAP_BEGIN")
        .unwrap()
        .first;
    (m.layout().fixaddr_top() - u64::from(begin + slot) * 4096) as u32
}

#[test]
fn a_typed_slot_is_type_plus_km_type_nr_times_cpu() {
    for id in TYPED {
        for debug in [false, true] {
            let config = if debug { " config=DEBUG_HIGHMEM=y" } else { "" };
            let (m, outs) = play(&format!(
                "machine profile={id} ram=2G cpus=2{config}\n\
                 alloc_pages gfp=GFP_HIGHUSER as=p\n\
                 kmap_atomic cpu=1 page=p type=KM_USER1\n"
            ));
            let per_cpu = m.layout().fixmap.km_slots_per_cpu;
            // KM_USER1 is the fifth type in every era; with the debug fences (2.6 only)
            // every type n sits at 2n + 1.
            let fenced = debug && id != ProfileId::V2_4_22;
            let ty = if fenced { 9 } else { 4 };
            let want = slot_addr(&m, ty + per_cpu);
            let out = at(&outs, 3);
            assert_eq!(out.result, ResultKind::Ok, "{id}: {}", out.message);
            assert_eq!(out.value, Some(u64::from(want)), "{id} debug={debug}");
            let km_type_nr = match (id, fenced) {
                (ProfileId::V2_4_22, _) => 8,
                (ProfileId::V2_6_32, false) => 19,
                (_, false) => 13,
                (ProfileId::V2_6_32, true) => 39,
                (_, true) => 27,
            };
            assert_eq!(per_cpu, km_type_nr, "{id} debug={debug}");
        }
    }
}

#[test]
fn an_interrupt_reusing_km_user0_corrupts_silently_until_2_6_24_bugs() {
    for id in TYPED {
        let (_, outs) = play(&format!(
            "machine profile={id} ram=2G\n\
             task A cpu=0\n\
             alloc_pages gfp=GFP_HIGHUSER as=p\n\
             alloc_pages gfp=GFP_HIGHUSER as=q\n\
             kmap_atomic A page=p type=KM_USER0\n\
             irq_enter cpu=0\n\
             kmap_atomic cpu=0 page=q type=KM_USER0\n\
             kunmap_atomic cpu=0 type=KM_USER0 page=q\n\
             irq_exit cpu=0\n"
        ));
        let a = at(&outs, 5).value.unwrap() as u32;
        let (_, reread) = play(&format!(
            "machine profile={id} ram=2G\n\
             task A cpu=0\n\
             alloc_pages gfp=GFP_HIGHUSER as=p\n\
             alloc_pages gfp=GFP_HIGHUSER as=q\n\
             kmap_atomic A page=p type=KM_USER0\n\
             irq_enter cpu=0\n\
             kmap_atomic cpu=0 page=q type=KM_USER0\n\
             kunmap_atomic cpu=0 type=KM_USER0 page=q\n\
             irq_exit cpu=0\n\
             read cpu=0 vaddr={a:#x}\n"
        ));
        let clobber = at(&outs, 7);
        let read = at(&reread, 10);
        match id {
            ProfileId::V2_4_22 | ProfileId::V2_6_11 => {
                // No check without CONFIG_DEBUG_HIGHMEM: the map is replaced, and A reads q.
                assert_eq!(clobber.result, ResultKind::Ok, "{id}");
                assert!(clobber.message.contains("HAZARD"), "{}", clobber.message);
                assert_eq!(read.result, ResultKind::Ok, "{id}: {}", read.message);
                assert!(
                    read.message.contains("CORRUPTED ACCESS"),
                    "{id}: {}",
                    read.message
                );
            }
            _ => {
                let line = if id == ProfileId::V2_6_24 { 42 } else { 45 };
                assert_eq!(clobber.result, ResultKind::Bug, "{id}");
                assert!(
                    clobber
                        .message
                        .contains(&format!("kernel BUG at arch/x86/mm/highmem_32.c:{line}!")),
                    "{id}: {}",
                    clobber.message
                );
                assert!(clobber.message.contains("Fatal exception in interrupt"));
            }
        }
    }
}

#[test]
fn debug_builds_catch_a_busy_slot_in_2_4_and_2_6_11() {
    let (_, outs) = play(
        "machine profile=2.4.22 ram=2G config=DEBUG_HIGHMEM=y\n\
         task A cpu=0\n\
         alloc_pages gfp=GFP_HIGHUSER as=p\n\
         kmap_atomic A page=p type=KM_USER0\n\
         kmap_atomic A page=p type=KM_USER0\n",
    );
    let out = at(&outs, 5);
    assert_eq!(out.result, ResultKind::Bug);
    assert!(
        out.message
            .starts_with("kernel BUG in header file at line 101\nkernel BUG at panic.c:141!"),
        "{}",
        out.message
    );
    // An unmap of a lowmem address returns quietly; any other address but the slot's BUGs.
    let script = |vaddr: &str| {
        format!(
            "machine profile=2.6.11 ram=2G config=DEBUG_HIGHMEM=y\n\
             task A cpu=0\n\
             alloc_pages gfp=GFP_HIGHUSER as=p\n\
             kmap_atomic A page=p type=KM_USER0\n\
             kunmap_atomic A type=KM_USER0 vaddr={vaddr}\n"
        )
    };
    let (_, outs) = play(&script("0xc0001000"));
    assert_eq!(at(&outs, 5).result, ResultKind::Ok);
    let user1 = at(&outs, 4).value.unwrap() - 0x2000;
    let (_, outs) = play(&script(&format!("{user1:#x}")));
    let out = at(&outs, 5);
    assert_eq!(out.result, ResultKind::Bug);
    assert!(
        out.message
            .contains("kernel BUG at arch/i386/mm/highmem.c:63!"),
        "{}",
        out.message
    );
}

#[test]
fn unmapping_clears_and_flushes_only_where_the_era_does() {
    for id in TYPED {
        for debug in [false, true] {
            let config = if debug { " config=DEBUG_HIGHMEM=y" } else { "" };
            let (m, outs) = play(&format!(
                "machine profile={id} ram=2G{config}\n\
                 task A cpu=0\n\
                 alloc_pages gfp=GFP_HIGHUSER as=p\n\
                 kmap_atomic A page=p type=KM_USER0\n"
            ));
            let va = at(&outs, 4).value.unwrap() as u32;
            let (m2, outs) = play(&format!(
                "machine profile={id} ram=2G{config}\n\
                 task A cpu=0\n\
                 alloc_pages gfp=GFP_HIGHUSER as=p\n\
                 kmap_atomic A page=p type=KM_USER0\n\
                 read cpu=0 vaddr={va:#x}\n\
                 kunmap_atomic A type=KM_USER0\n\
                 read cpu=0 vaddr={va:#x}\n"
            ));
            drop(m);
            let clears = debug || !matches!(id, ProfileId::V2_4_22 | ProfileId::V2_6_11);
            let after = at(&outs, 7);
            let slot = m2.kmap_slots().into_iter().find(|s| s.vaddr == va).unwrap();
            if clears {
                assert_eq!(after.result, ResultKind::Oops, "{id} debug={debug}");
                assert_eq!(slot.frame, None);
            } else {
                // The PTE and the TLB entry stay: the next kmap_atomic must flush.
                assert_eq!(after.result, ResultKind::Ok, "{id} debug={debug}");
                assert!(after.message.starts_with("TLB hit"), "{}", after.message);
                assert!(slot.frame.is_some());
            }
        }
    }
}

#[test]
fn the_wrong_type_leaves_the_slot_mapped_and_the_next_map_bugs() {
    let (_, outs) = play(
        "machine profile=2.6.24 ram=2G\n\
         task A cpu=0\n\
         alloc_pages gfp=GFP_HIGHUSER as=p\n\
         kmap_atomic A page=p type=KM_USER0\n\
         kunmap_atomic A type=KM_USER1 page=p\n\
         kmap_atomic A page=p type=KM_USER0\n",
    );
    assert_eq!(at(&outs, 5).result, ResultKind::Ok);
    let out = at(&outs, 6);
    assert_eq!(out.result, ResultKind::Bug, "{}", out.message);
    assert!(out
        .message
        .contains("kernel BUG at arch/x86/mm/highmem_32.c:42!"));
    // With CONFIG_DEBUG_HIGHMEM the wrong address is caught at the unmap: it is above
    // high_memory, the second of the two checks.
    let (_, outs) = play(
        "machine profile=2.6.32 ram=2G config=DEBUG_HIGHMEM=y\n\
         task A cpu=0\n\
         alloc_pages gfp=GFP_HIGHUSER as=p\n\
         kmap_atomic A page=p type=KM_USER0\n\
         kunmap_atomic A type=KM_USER1 page=p\n",
    );
    let out = at(&outs, 5);
    assert_eq!(out.result, ResultKind::Bug);
    assert!(
        out.message
            .contains("kernel BUG at arch/x86/mm/highmem_32.c:72!"),
        "{}",
        out.message
    );
}

#[test]
fn the_count_is_raised_even_for_lowmem_and_sleeping_is_reported_per_era() {
    for (id, count, report) in [
        (ProfileId::V2_4_22, 0, None),
        (
            ProfileId::V2_6_11,
            1,
            Some("scheduling while atomic: A/0x00000001/100"),
        ),
        (
            ProfileId::V2_6_24,
            1,
            Some("BUG: scheduling while atomic: A/100/0x00000001"),
        ),
        (
            ProfileId::V2_6_32,
            1,
            Some("BUG: scheduling while atomic: A/100/0x00000001"),
        ),
        (
            ProfileId::V6_1,
            1,
            Some("BUG: scheduling while atomic: A/100/0x00000002"),
        ),
    ] {
        let ty = if id == ProfileId::V6_1 {
            ""
        } else {
            " type=KM_USER0"
        };
        let (m, outs) = play(&format!(
            "machine profile={id} ram=2G\n\
             task A cpu=0\n\
             task B cpu=0\n\
             switch cpu=0 task=A\n\
             kmap_atomic A pfn=0x100{ty}\n\
             switch cpu=0 task=B\n"
        ));
        let lowmem = at(&outs, 5);
        assert_eq!(lowmem.value, Some(0xc010_0000), "{id}");
        let sleep = at(&outs, 6);
        match report {
            Some(r) => {
                assert_eq!(sleep.result, ResultKind::Bug, "{id}");
                assert_eq!(sleep.message, r, "{id}");
                assert_eq!(m.snapshot().cpus[0].preempt_count, count, "{id}");
            }
            None => {
                // 2.4 has no preempt count: nothing notices.
                assert_eq!(sleep.result, ResultKind::Ok, "{id}");
                assert_eq!(m.snapshot().cpus[0].current.as_deref(), Some("B"));
            }
        }
    }
}

#[test]
fn in_2_4_a_sleeping_holder_loses_its_slot_to_the_next_task() {
    let (_, outs) = play(
        "machine profile=2.4.22 ram=2G\n\
         task A cpu=0\n\
         task B cpu=0\n\
         alloc_pages gfp=GFP_HIGHUSER as=p\n\
         alloc_pages gfp=GFP_HIGHUSER as=q\n\
         switch cpu=0 task=A\n\
         kmap_atomic A page=p type=KM_USER0\n\
         switch cpu=0 task=B\n\
         kmap_atomic B page=q type=KM_USER0\n\
         kunmap_atomic B type=KM_USER0\n\
         switch cpu=0 task=A\n",
    );
    let va = at(&outs, 7).value.unwrap();
    assert!(at(&outs, 9)
        .message
        .contains("HAZARD: A still holds KM_USER0"));
    let (_, more) = play(&format!(
        "machine profile=2.4.22 ram=2G\n\
         task A cpu=0\n\
         task B cpu=0\n\
         alloc_pages gfp=GFP_HIGHUSER as=p\n\
         alloc_pages gfp=GFP_HIGHUSER as=q\n\
         switch cpu=0 task=A\n\
         kmap_atomic A page=p type=KM_USER0\n\
         switch cpu=0 task=B\n\
         kmap_atomic B page=q type=KM_USER0\n\
         kunmap_atomic B type=KM_USER0\n\
         switch cpu=0 task=A\n\
         read cpu=0 vaddr={va:#x}\n"
    ));
    let read = at(&more, 12);
    assert!(
        read.message.contains("CORRUPTED ACCESS"),
        "{}",
        read.message
    );
}

#[test]
fn debug_kmap_atomic_warns_about_the_wrong_type_in_2_6_32() {
    let (_, outs) = play(
        "machine profile=2.6.32 ram=2G config=DEBUG_HIGHMEM=y\n\
         task A cpu=0\n\
         alloc_pages gfp=GFP_HIGHUSER as=p\n\
         irq_enter cpu=0\n\
         kmap_atomic cpu=0 page=p type=KM_USER0\n\
         kunmap_atomic cpu=0 type=KM_USER0\n\
         kmap_atomic cpu=0 page=p type=KM_IRQ0\n\
         kunmap_atomic cpu=0 type=KM_IRQ0\n\
         irq_exit cpu=0\n\
         kmap_atomic A page=p type=KM_IRQ0\n",
    );
    let wrong = at(&outs, 5);
    assert_eq!(wrong.result, ResultKind::Warn);
    assert!(
        wrong
            .message
            .contains("WARNING: at mm/highmem.c:444 debug_kmap_atomic"),
        "{}",
        wrong.message
    );
    assert_eq!(
        at(&outs, 7).result,
        ResultKind::Ok,
        "KM_IRQ0 suits a hardirq"
    );
    let irqs_on = at(&outs, 10);
    assert!(
        irqs_on.message.contains("mm/highmem.c:464"),
        "{}",
        irqs_on.message
    );
}

#[test]
fn the_6_1_stack_holds_15_maps_or_16_with_guards() {
    for (config, fits) in [("", 15), (" config=DEBUG_KMAP_LOCAL=y", 16)] {
        let mut text = format!("machine profile=6.1 ram=2G{config}\ntask A cpu=0\n");
        for _ in 0..=fits {
            text.push_str("kmap_local A pfn=0x40000 count=1\n");
        }
        // count= is a kmap-only key; write the lines out.
        let text = text.replace(" count=1", "");
        let (m, outs) = play(&text);
        let results: Vec<ResultKind> = outs.iter().skip(1).map(|(_, o)| o.result).collect();
        assert!(
            results[..fits].iter().all(|r| *r == ResultKind::Ok),
            "{config}: {results:?}"
        );
        let last = &outs.last().unwrap().1;
        assert_eq!(last.result, ResultKind::Bug, "{config}");
        assert!(last.message.contains("kernel BUG at mm/highmem.c:466!"));
        // The slots used: 0..14, or the odd ones with guard pages between.
        let used: Vec<u32> = m
            .kmap_slots()
            .into_iter()
            .filter(|s| s.frame.is_some())
            .map(|s| s.slot)
            .collect();
        let want: Vec<u32> = if config.is_empty() {
            (0..15).collect()
        } else {
            (0..16).map(|i| 2 * i + 1).collect()
        };
        assert_eq!(used, want, "{config}");
    }
}

#[test]
fn a_6_1_context_switch_saves_and_restores_local_maps() {
    let (m, outs) = play(
        "machine profile=6.1 ram=2G\n\
         task A cpu=0\n\
         task B cpu=0\n\
         alloc_pages gfp=GFP_HIGHUSER as=p\n\
         alloc_pages gfp=GFP_HIGHUSER as=q\n\
         switch cpu=0 task=A\n\
         kmap_local A page=p\n\
         switch cpu=0 task=B\n\
         kmap_local B page=q\n",
    );
    let a = at(&outs, 7).value.unwrap();
    let b = at(&outs, 9).value.unwrap();
    assert_eq!(a, b, "B takes the slot A's switch-out emptied");
    let sched_out = at(&outs, 8).trace.find("__kmap_local_sched_out");
    assert!(sched_out.is_some());
    drop(m);
    let (m, outs) = play(&format!(
        "machine profile=6.1 ram=2G\n\
         task A cpu=0\n\
         task B cpu=0\n\
         alloc_pages gfp=GFP_HIGHUSER as=p\n\
         alloc_pages gfp=GFP_HIGHUSER as=q\n\
         switch cpu=0 task=A\n\
         kmap_local A page=p\n\
         write cpu=0 vaddr={a:#x} value=0xaaaa\n\
         switch cpu=0 task=B\n\
         kmap_local B page=q\n\
         write cpu=0 vaddr={a:#x} value=0xbbbb\n\
         switch cpu=0 task=A\n\
         read cpu=0 vaddr={a:#x}\n"
    ));
    let p = m.handles()["p"].pfn;
    let read = at(&outs, 13);
    assert_eq!(read.value, Some(p << 12), "{}", read.message);
    assert!(
        read.message.ends_with("read 0x0000aaaa"),
        "{}",
        read.message
    );
}

#[test]
fn migration_is_disabled_while_local_maps_are_held() {
    let (_, outs) = play(
        "machine profile=6.1 ram=2G cpus=2\n\
         task A cpu=0\n\
         task B cpu=0\n\
         task C cpu=1\n\
         switch cpu=0 task=A\n\
         kmap_local A pfn=0x40000\n\
         switch cpu=0 task=B\n\
         task D cpu=1\n\
         switch cpu=1 task=A\n\
         switch cpu=0 task=A\n\
         kunmap_local A pfn=0x40000\n\
         switch cpu=0 task=B\n\
         switch cpu=1 task=A\n",
    );
    let refused = at(&outs, 9);
    assert_eq!(refused.result, ResultKind::Warn);
    assert!(
        refused.message.contains("keeps it on CPU 0"),
        "{}",
        refused.message
    );
    assert_eq!(at(&outs, 10).result, ResultKind::Ok);
    assert_eq!(at(&outs, 13).result, ResultKind::Ok, "free to move again");
}

#[test]
fn out_of_order_unmapping_warns_once_and_leaves_a_mapping_behind() {
    let (m, outs) = play(
        "machine profile=6.1 ram=2G\n\
         task A cpu=0\n\
         alloc_pages gfp=GFP_HIGHUSER as=p\n\
         alloc_pages gfp=GFP_HIGHUSER as=q\n\
         kmap_local A page=p\n\
         kmap_local A page=q\n\
         kunmap_local A page=p\n",
    );
    let first = at(&outs, 7);
    assert_eq!(first.result, ResultKind::Warn);
    assert!(first
        .message
        .contains("WARNING: CPU: 0 PID: 100 at mm/highmem.c:609 kunmap_local_indexed"));
    // p's slot is still mapped; q's was cleared.
    let pa = at(&outs, 5).value.unwrap() as u32;
    let qa = at(&outs, 6).value.unwrap() as u32;
    let slots = m.kmap_slots();
    let frame = |va| slots.iter().find(|s| s.vaddr == va).unwrap().frame;
    assert_eq!(frame(pa), Some(m.handles()["p"].pfn));
    assert_eq!(frame(qa), None);
    let (m, outs) = play(
        "machine profile=6.1 ram=2G\n\
         task A cpu=0\n\
         alloc_pages gfp=GFP_HIGHUSER as=p\n\
         alloc_pages gfp=GFP_HIGHUSER as=q\n\
         kmap_local A page=p\n\
         kmap_local A page=q\n\
         kunmap_local A page=p\n\
         kunmap_local A page=q\n",
    );
    let second = at(&outs, 8);
    assert_eq!(second.result, ResultKind::Ok, "WARN_ON_ONCE: quiet now");
    assert!(m.kmap_slots().iter().all(|s| s.frame.is_none()));
}

#[test]
fn interrupts_push_onto_the_interrupted_tasks_stack() {
    let (m, outs) = play(
        "machine profile=6.1 ram=2G\n\
         task A cpu=0\n\
         kmap_local A pfn=0x40000\n\
         irq_enter cpu=0\n\
         kmap_atomic cpu=0 pfn=0x40001\n\
         irq_exit cpu=0\n",
    );
    let irq = at(&outs, 5);
    assert_eq!(irq.result, ResultKind::Ok);
    let ctrl = &m.tasks()[0].kmap_ctrl;
    assert_eq!(ctrl.idx, 2);
    assert!(at(&outs, 6).message.contains("never gave back"));
}

#[test]
fn set_fixmap_writes_the_fixmap_table_and_flushes_locally() {
    for id in ProfileId::ALL {
        let (m, outs) = play(&format!(
            "machine profile={id} ram=1G cpus=2\n\
             set_fixmap FIX_KMAP_BEGIN+1 pfn=0x1234 cpu=1\n"
        ));
        let out = at(&outs, 2);
        assert_eq!(out.result, ResultKind::Ok, "{id}: {}", out.message);
        let va = slot_addr(&m, 1);
        let (_, outs) = play(&format!(
            "machine profile={id} ram=1G cpus=2\n\
             set_fixmap FIX_KMAP_BEGIN+1 pfn=0x1234 cpu=1\n\
             read cpu=0 vaddr={:#x}\n\
             clear_fixmap FIX_KMAP_BEGIN+1\n\
             read cpu=0 vaddr={va:#x}\n\
             set_fixmap FIX_NOSUCH pfn=1\n",
            va + 8
        ));
        assert_eq!(at(&outs, 3).value, Some(0x123_4008), "{id}");
        assert_eq!(at(&outs, 5).result, ResultKind::Oops, "{id}");
        let bad = at(&outs, 6);
        assert_eq!(bad.result, ResultKind::Warn);
        assert!(bad.message.contains("no fixmap entry FIX_NOSUCH"));
    }
}

#[test]
fn misuse_is_refused_with_the_machine_unchanged() {
    for (text, complaint) in [
        (
            "machine profile=2.6.24 ram=1G\ntask A cpu=0\nkunmap_atomic A type=KM_USER0\n",
            "holds no kmap_atomic",
        ),
        (
            "machine profile=6.1 ram=1G\ntask A cpu=0\nkunmap_local A\n",
            "holds no local map",
        ),
        (
            "machine profile=6.1 ram=1G\ntask A cpu=0\nkunmap_atomic A pfn=0x40000\n",
            "kunmap_atomic would underflow",
        ),
    ] {
        let s = script::parse(text, &|_| Err(String::new())).unwrap();
        let (last, first) = s.steps.split_last().unwrap();
        let head = script::Script {
            config: s.config.clone(),
            steps: first.to_vec(),
        };
        let (mut m, _) = script::run(&head, true).unwrap();
        let before = m.snapshot();
        let out = m.apply(&last.op);
        assert_eq!(out.result, ResultKind::Warn, "{text}");
        assert!(out.message.contains(complaint), "{}", out.message);
        assert_eq!(m.snapshot(), before);
    }
    // Scripts that name a wrong type, or use the wrong era's call, are script errors.
    for (text, err) in [
        (
            "machine profile=2.6.24 ram=1G\nkmap_atomic cpu=0 pfn=1 type=KM_FOO\n",
            "2:30: 2.6.24 has no km_type 'KM_FOO'",
        ),
        (
            "machine profile=6.1 ram=1G\nkmap_atomic cpu=0 pfn=1 type=KM_USER0\n",
            "2:30: 6.1's kmap_atomic takes no type",
        ),
        (
            "machine profile=2.6.32 ram=1G\nkmap_local cpu=0 pfn=1\n",
            "2:1: 2.6.32 has no kmap_local",
        ),
        (
            "machine profile=2.6.11 ram=1G\nkmap_atomic cpu=0 pfn=1\n",
            "2:1: kmap_atomic needs type= in 2.6.11",
        ),
    ] {
        let e = script::parse(text, &|_| Err(String::new())).unwrap_err();
        assert!(e.to_string().starts_with(err), "{e}");
    }
}

/// Every call of a temporary-map trace that its era's graph names sits on a node of that
/// graph, so the views light the path the call really took.
#[test]
fn traces_light_their_call_graphs() {
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
    let scripts = [
        "machine profile=2.4.22 ram=2G config=DEBUG_HIGHMEM=y\ntask A cpu=0\nkmap_atomic A pfn=0x40000 type=KM_USER0\nkmap_atomic A pfn=0x40000 type=KM_USER0\nkmap_atomic A pfn=0x100 type=KM_USER1\nkunmap_atomic A type=KM_USER0\n",
        "machine profile=2.6.11 ram=2G\ntask A cpu=0\nkmap_atomic A pfn=0x40000 type=KM_USER0\nkunmap_atomic A type=KM_USER0\n",
        "machine profile=2.6.24 ram=2G config=DEBUG_HIGHMEM=y\ntask A cpu=0\nkmap_atomic A pfn=0x40000 type=KM_USER0\nkunmap_atomic A type=KM_USER1 vaddr=0xfff00000\nkunmap_atomic A type=KM_USER0\n",
        "machine profile=2.6.32 ram=2G config=DEBUG_HIGHMEM=y\ntask A cpu=0\nkmap_atomic A pfn=0x40000 type=KM_IRQ0\nkunmap_atomic A type=KM_IRQ0\n",
        "machine profile=6.1 ram=2G\ntask A cpu=0\nkmap_local A pfn=0x40000\nkmap_atomic A pfn=0x40001\nkmap_atomic A pfn=0x100\nkunmap_atomic A pfn=0x100\nkunmap_atomic A\nkunmap_local A\nkunmap_local A\n",
    ];
    let mut lit_total = 0;
    for text in scripts {
        let (m, outs) = play(text);
        let graphs = graph::graphs(m.profile());
        for (line, out) in &outs {
            let Some(g) = graphs.iter().find(|g| g.root == out.trace.function) else {
                continue;
            };
            let known: Vec<&str> = g.nodes.iter().map(|n| n.function).collect();
            let mut all = Vec::new();
            paths(&out.trace, &mut Vec::new(), &mut all);
            for p in all {
                let reduced: Vec<&str> = p.into_iter().filter(|f| known.contains(f)).collect();
                let id = reduced.join(">");
                assert!(
                    g.nodes.iter().any(|n| n.id == id),
                    "{}: line {line}: {id} is not a node of {}",
                    m.profile().name,
                    g.root
                );
            }
            lit_total += graph::lit(g, &out.trace).len();
        }
    }
    assert!(lit_total > 40, "{lit_total}");
}
