//! Scripts from anywhere — a permalink, a pasted file, an instructor's typo — never crash the
//! model: random token soups and random bytes are either refused with `LINE:COL: message` or
//! run to the end, every op leaving the machine consistent; and a whole history printed with
//! `script_text` reads back to the same machine and ops.

use highmem_engine::machine::ResultKind;
use highmem_engine::script;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

const OPS: &[&str] = &[
    "task",
    "switch",
    "read",
    "write",
    "invlpg",
    "reload_cr3",
    "toggle_pge",
    "flush_tlb_all",
    "irq_enter",
    "irq_exit",
    "softirq_enter",
    "softirq_exit",
    "alloc_pages",
    "free_pages",
    "__get_free_pages",
    "set_pte",
    "pte_clear",
    "kmap",
    "kunmap",
    "kmap_nonblock",
    "kmap_flush_unused",
    "kmap_atomic",
    "kunmap_atomic",
    "kmap_local",
    "kunmap_local",
    "set_fixmap",
    "clear_fixmap",
    "vmalloc",
    "vmalloc_32",
    "vfree",
    "vmap",
    "vunmap",
    "ioremap",
    "ioremap_cache",
    "iounmap",
    "purge_vmap_area_lazy",
    "vmallocinfo",
    "machine",
    "frob",
];
const WORDS: &[&str] = &[
    "A",
    "B",
    "kthread",
    "buf",
    "p",
    "cpu=0",
    "cpu=1",
    "cpu=9",
    "cpu=-1",
    "task=A",
    "task=B",
    "vaddr=0xc0100000",
    "vaddr=0xf8800000",
    "vaddr=0xffff1000",
    "vaddr=0x100000000",
    "vaddr=oops",
    "value=7",
    "value=0x1ffffffff",
    "pfn=0x40000",
    "pfn=0x100",
    "pfn=99999999999",
    "page=p",
    "page=nope",
    "count=3",
    "count=0",
    "count=100000",
    "gfp=GFP_KERNEL",
    "gfp=GFP_HIGHUSER",
    "gfp=__GFP_DMA|GFP_ATOMIC",
    "gfp=",
    "order=0",
    "order=11",
    "order=99",
    "as=p",
    "as=buf",
    "as=",
    "type=KM_USER0",
    "type=KM_IRQ0",
    "type=KM_BOGUS",
    "size=4K",
    "size=16M",
    "size=0",
    "size=1T",
    "size=-4",
    "phys=0xfed00000",
    "phys=0xa0000",
    "pages=p,p",
    "pages=",
    "prot=PAGE_KERNEL_RO",
    "prot=0x1ff",
    "prot=junk",
    "FIX_KMAP_BEGIN+1",
    "FIX_APIC_BASE",
    "FIX_NOPE",
    "99999",
    "caller=f+0x1/0x2",
    "=",
    "==",
    "x=y=z",
    "é",
    "\u{202e}",
    "#",
    "pae=maybe",
];
const TEMPLATES: &[&str] = &[
    "read cpu={cpu} vaddr={va}",
    "write cpu={cpu} vaddr={va} value=0x55",
    "invlpg cpu={cpu} vaddr={va}",
    "irq_enter cpu={cpu}",
    "irq_exit cpu={cpu}",
    "alloc_pages gfp=GFP_HIGHUSER order=0",
    "kmap A pfn={pfn}",
    "kunmap A pfn={pfn}",
    "kmap_atomic cpu={cpu} pfn={pfn} type={type}",
    "kunmap_atomic cpu={cpu} type={type}",
    "kmap_atomic cpu={cpu} pfn={pfn}",
    "kunmap_atomic cpu={cpu} pfn={pfn}",
    "kmap_local A pfn={pfn}",
    "kunmap_local A",
    "vmalloc A size={size}",
    "vmalloc_32 cpu={cpu} size={size}",
    "vfree A vaddr={va}",
    "ioremap A phys=0xfed00000 size={size}",
    "purge_vmap_area_lazy",
    "set_pte vaddr={va} pfn={pfn}",
    "pte_clear vaddr={va}",
    "flush_tlb_all",
];
const MACHINES: &[&str] = &[
    "machine profile=2.4.22 ram=256M cpus=2",
    "machine profile=2.6.11 ram=1G pae=off cpus=2",
    "machine profile=2.6.24 ram=1G vmalloc=64M",
    "machine profile=2.6.32 ram=512M cpus=2 config=DEBUG_HIGHMEM=y",
    "machine profile=6.1 ram=1G cpus=2 config=DEBUG_KMAP_LOCAL=y",
    "machine profile=6.1 e820map=0x0-0x9fc00:1,0x100000-0x8000000:1,0xfec00000-0x100000000:2",
];

#[test]
fn random_scripts_never_crash_the_model() {
    let mut rng = Rng(0x5c41_7e00);
    let (mut ran, mut refused) = (0, 0);
    for _ in 0..800 {
        let mut text = String::from(rng.pick(MACHINES));
        text.push('\n');
        text.push_str("task A cpu=0\n");
        for _ in 0..(rng.next() % 12) {
            if rng.next() % 10 < 8 {
                // A plausible line, with values that may still be wrong for this machine.
                let line = rng
                    .pick(TEMPLATES)
                    .replace("{cpu}", rng.pick(&["0", "1", "2"]))
                    .replace(
                        "{pfn}",
                        rng.pick(&["0x100", "0x3f000", "0x7fff0", "0x40001"]),
                    )
                    .replace(
                        "{va}",
                        rng.pick(&["0xc0100000", "0xf8800000", "0xfff00000", "0xffbfe000"]),
                    )
                    .replace("{type}", rng.pick(&["KM_USER0", "KM_USER1", "KM_IRQ0"]))
                    .replace("{size}", rng.pick(&["4K", "64K", "3M", "100"]));
                text.push_str(&line);
            } else {
                text.push_str(rng.pick(OPS));
                for _ in 0..(rng.next() % 5) {
                    text.push(' ');
                    text.push_str(rng.pick(WORDS));
                }
            }
            text.push('\n');
        }
        match script::parse(&text, &|f| Err(format!("no file {f}"))) {
            Err(e) => {
                refused += 1;
                assert!(e.line >= 1 && e.col >= 1, "{e}");
                assert!(!e.message.is_empty());
            }
            Ok(s) => {
                ran += 1;
                let (m, outs) = script::run(&s, true).unwrap_or_else(|e| panic!("{e}\n{text}"));
                for r in &outs {
                    if r.outcome.refused {
                        assert_eq!(r.outcome.result, ResultKind::Warn, "{text}");
                    }
                }
                m.check_invariants_full()
                    .unwrap_or_else(|e| panic!("{e}\n{text}"));
                // The history printed back is the same machine and the same ops.
                let ops: Vec<_> = s.steps.iter().map(|st| st.op.clone()).collect();
                let again = script::parse(&script::script_text(&s.config, &ops), &|_| {
                    Err(String::new())
                })
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
                assert_eq!(again.config.e820, s.config.e820);
                assert_eq!(
                    again
                        .steps
                        .iter()
                        .map(|st| st.op.clone())
                        .collect::<Vec<_>>(),
                    ops
                );
            }
        }
    }
    assert!(ran > 100 && refused > 100, "ran {ran}, refused {refused}");
}

#[test]
fn random_bytes_are_refused_not_panicked_on() {
    let mut rng = Rng(0xb17e_5000);
    for _ in 0..2000 {
        let len = (rng.next() % 200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = script::parse(&text, &|_| Err(String::new()));
        let with_machine = format!("machine profile=6.1 ram=64M\n{text}");
        if let Ok(s) = script::parse(&with_machine, &|_| Err(String::new())) {
            let _ = script::run(&s, true).unwrap();
        }
    }
}
