//! Properties of the layout over many random machines and options: whatever the input, the
//! engine answers (a layout or a reasoned error, never a panic), and every layout it gives
//! obeys the kernel's own consistency rules.

use highmem_engine::addr::{PhysAddr, GIB, MIB};
use highmem_engine::e820::{E820Entry, E820Map, E820Type};
use highmem_engine::layout::{compute, LayoutError, LayoutRequest, RegionKind, PAGE_OFFSET};
use highmem_engine::profile::{ConfigOpt, MaxPfnRule, ProfileId};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

/// A random but well-formed BIOS map: conventional memory, then a few RAM and reserved
/// ranges at page-ish granularity, some above 4 GiB.
fn random_map(rng: &mut Rng) -> E820Map {
    let mut entries = vec![E820Entry {
        start: PhysAddr::new(0),
        end: PhysAddr::new(0x9_fc00),
        kind: E820Type::Usable,
    }];
    let mut at = MIB;
    for _ in 0..1 + rng.below(6) {
        let len = (1 + rng.below(8 * 1024)) * MIB / 2 + rng.below(4) * 0x400;
        let kind = match rng.below(5) {
            0 => E820Type::Reserved,
            1 => E820Type::AcpiNvs,
            _ => E820Type::Usable,
        };
        entries.push(E820Entry {
            start: PhysAddr::new(at),
            end: PhysAddr::new(at + len),
            kind,
        });
        at += len + rng.below(3) * 64 * MIB;
    }
    entries[1].kind = E820Type::Usable;
    E820Map::from_entries(entries).expect("well-formed")
}

#[test]
fn random_machines_give_consistent_layouts() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut computed = 0;
    for _ in 0..3000 {
        let profile = ProfileId::ALL[rng.below(5) as usize];
        let p = profile.profile();
        let map = if rng.coin() {
            random_map(&mut rng)
        } else {
            E820Map::qemu_pc((16 + rng.below(64 * 1024 - 16)) * MIB).unwrap()
        };
        let mut config = p.default_config;
        for opt in ConfigOpt::ALL {
            if p.config_name(opt).is_some() && rng.below(4) == 0 {
                config = config.set(opt, rng.coin());
            }
        }
        let req = LayoutRequest {
            pae: rng.coin(),
            highmem: rng.below(4) != 0,
            nr_cpus: rng.coin().then(|| 1 + rng.below(600) as u32),
            vmalloc: rng.coin().then(|| rng.below(1024) * MIB),
            config: Some(config),
            ..LayoutRequest::new(profile, map)
        };
        let l = match compute(&req) {
            Ok(l) => l,
            Err(e) => {
                // Every refusal has the reason the request predicts.
                let nr_ok = req.nr_cpus.is_none_or(|n| p.nr_cpus_allowed.allows(n));
                match e {
                    LayoutError::NrCpus { .. } => assert!(!nr_ok),
                    LayoutError::NoVmallocOption(_) => assert!(req.vmalloc.is_some()),
                    LayoutError::PaeNeedsHighmem(_) => {
                        assert!(req.pae && !req.highmem && p.pae_requires_highmem)
                    }
                    LayoutError::WouldNotBoot(_) => {
                        assert!(req.vmalloc.is_some() || req.nr_cpus.is_some(), "{e}")
                    }
                }
                continue;
            }
        };
        computed += 1;
        let ctx = format!("{req:?}");
        // The regions tile [0, 4 GiB).
        let mut at = 0;
        for r in &l.regions {
            assert_eq!(r.start, at, "{ctx}");
            at = r.end;
        }
        assert_eq!(at, 4 * GIB, "{ctx}");
        // The kernel's mem_init() checks.
        assert!(l.high_memory() <= l.vmalloc_start(), "{ctx}");
        assert!(l.vmalloc_start() < l.vmalloc_end(), "{ctx}");
        if let Some(pkmap) = l.pkmap_base() {
            assert!(l.vmalloc_end() < pkmap, "{ctx}");
            assert!(
                pkmap + u64::from(l.last_pkmap) * 4096 <= l.fixaddr_start(),
                "{ctx}"
            );
            assert_eq!(pkmap % if req.pae { 2 * MIB } else { 4 * MIB }, 0, "{ctx}");
        }
        // Lowmem fits under MAXMEM, and the zones are contiguous and end where RAM does.
        let m = &l.memory;
        let maxmem = l.symbol("MAXMEM").unwrap().value;
        assert!(m.max_low_pfn.as_u64() * 4096 <= maxmem, "{ctx}");
        assert_eq!(l.high_memory(), PAGE_OFFSET + m.max_low_pfn.as_u64() * 4096);
        for pair in m.zones.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "{ctx}");
        }
        assert_eq!(m.zones.len(), if req.highmem { 3 } else { 2 }, "{ctx}");
        // 2.6.32 and 6.1 cap max_pfn at MAX_ARCH_PFN; older kernels only clip non-PAE to 4 GiB.
        let last = m.zones.last().unwrap();
        if p.max_pfn == MaxPfnRule::CappedAtMaxArchPfn || !req.pae {
            assert!(
                last.end.as_u64() <= if req.pae { 1 << 24 } else { 1 << 20 },
                "{ctx}"
            );
        }
        for z in &m.zones {
            assert!(z.ram_pages <= z.spanned(), "{ctx}");
        }
        // The pkmap region exists exactly on HIGHMEM kernels.
        let has_pkmap = l.regions.iter().any(|r| r.kind == RegionKind::Pkmap);
        assert_eq!(has_pkmap, req.highmem, "{ctx}");
        // The printed log is produced without trouble.
        assert!(!highmem_engine::layout::print::boot_log(&l).is_empty());
    }
    assert!(
        computed > 1500,
        "only {computed} of 3000 requests gave a layout"
    );
}

#[test]
fn random_text_never_panics_the_log_parser() {
    let mut rng = Rng(42);
    let alphabet: Vec<char> =
        "BIOS-e820: [mem 0x0123456789abcdefABCDEF-] usable reserved ( ) type\n\t\u{0}é"
            .chars()
            .collect();
    for _ in 0..20_000 {
        let len = rng.below(120) as usize;
        let mut text = String::from(if rng.coin() { "BIOS-e820: " } else { "" });
        for _ in 0..len {
            text.push(alphabet[rng.below(alphabet.len() as u64) as usize]);
        }
        if let Ok(map) = E820Map::parse_log(&text) {
            // Whatever it accepts is sorted and disjoint.
            for pair in map.entries().windows(2) {
                assert!(pair[0].end <= pair[1].start, "{text:?}");
            }
        }
    }
}

#[test]
fn every_profile_accepts_its_own_defaults_on_every_ram_size() {
    for id in ProfileId::ALL {
        let mut ram = 16 * MIB;
        while ram <= 64 * GIB {
            let req = LayoutRequest::new(id, E820Map::qemu_pc(ram).unwrap());
            let l = compute(&req).unwrap_or_else(|e| panic!("{id} {ram}: {e}"));
            assert!(l.memory.max_low_pfn.as_u64() > 0);
            ram *= 2;
        }
    }
}
