//! The hardware page walk, one level per function, recorded step by step.
//!
//! ```text
//! PAE:      CR3 → PDPTE register [31:30] → PDE [29:21] → PTE [20:12] → frame + [11:0]
//! non-PAE:  CR3 → PDE [31:22] → PTE [21:12] → frame + [11:0]
//! ```
//!
//! With PAE the four PDPTEs are not read from memory during a walk: the CPU loaded them into
//! internal registers when CR3 was written (SDM vol. 3A §4.4.1), so a change to the PDPT in
//! memory has no effect until the next CR3 load. Access rights combine over the levels: a
//! write needs R/W at every level, a user access U/S at every level, and any XD bit forbids
//! instruction fetches (§4.6). A successful walk sets A in the entries it used and, for a
//! write, D in the entry that maps the page (§4.8).

use crate::addr::{PhysAddr, VirtAddr, PAGE_SIZE};
use crate::paging::{
    entry_addr, read_entry, write_entry, Entry, EntryFlags, Level, PagingMode, Split,
};
use crate::phys::PhysMem;
use serde::Serialize;

/// What kind of access is translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// A data read.
    Read,
    /// A data write.
    Write,
    /// An instruction fetch.
    Execute,
}

/// The CPU state a walk depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkCtx {
    /// The paging mode.
    pub mode: PagingMode,
    /// CR3: the PDPT (PAE) or the page directory.
    pub cr3: PhysAddr,
    /// The PDPTE registers loaded at the last CR3 write (PAE).
    pub pdptes: [u64; 4],
    /// `IA32_EFER.NXE`.
    pub nxe: bool,
    /// CR0.WP: supervisor writes honour R/W (Linux always sets it).
    pub wp: bool,
    /// The access comes from user mode (CPL 3).
    pub user: bool,
}

/// One step of a walk: the entry the CPU used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WalkStep {
    /// The level.
    pub level: Level,
    /// The index into that level's table.
    pub index: u64,
    /// Where the entry was read; `None` for a PDPTE taken from its register.
    pub entry_addr: Option<PhysAddr>,
    /// The entry's raw value as the walk found it.
    pub raw: u64,
    /// Its flags by name.
    pub flags: Vec<&'static str>,
    /// What the step decided, in words.
    pub note: String,
}

/// Why a walk failed, and the error code the CPU would push (SDM §4.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageFault {
    /// Which kind.
    pub kind: FaultKind,
    /// The level where it happened.
    pub level: Level,
    /// The page-fault error code: bit 0 P, 1 W/R, 2 U/S, 3 RSVD, 4 I/D.
    pub error_code: u32,
    /// A sentence for the reader.
    pub reason: String,
}

/// The kinds of page fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// An entry on the way was not present.
    NotPresent,
    /// The rights of the entries forbid the access.
    Protection,
    /// An entry had a reserved bit set.
    ReservedBit,
}

/// The rights a translation grants, combined over the levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rights {
    /// Writes allowed.
    pub writable: bool,
    /// User-mode accesses allowed.
    pub user: bool,
    /// Instruction fetches forbidden.
    pub nx: bool,
    /// The mapping is global.
    pub global: bool,
    /// The final entry's D flag.
    pub dirty: bool,
}

/// A translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Translation {
    /// The physical address reached.
    pub phys: PhysAddr,
    /// The physical base of the page.
    pub frame: PhysAddr,
    /// The page's size (4 KiB, 2 MiB or 4 MiB).
    pub page_size: u64,
    /// The rights.
    pub rights: Rights,
}

/// A recorded walk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Walk {
    /// The address translated.
    pub va: VirtAddr,
    /// Its bit fields.
    pub split: Split,
    /// The entries used.
    pub steps: Vec<WalkStep>,
    /// The translation, or the fault.
    pub result: Result<Translation, PageFault>,
    /// Accessed/dirty bits a successful walk sets: (entry address, old raw value, new raw
    /// value). [`walk`] only computes them; [`apply_ad_updates`] writes them, as the CPU does.
    pub ad_updates: Vec<(PhysAddr, u64, u64)>,
}

fn error_code(ctx: &WalkCtx, access: Access, present: bool, reserved: bool) -> u32 {
    let mut code = 0;
    if present {
        code |= 1;
    }
    if access == Access::Write {
        code |= 2;
    }
    if ctx.user {
        code |= 4;
    }
    if reserved {
        code |= 8;
    }
    if access == Access::Execute && ctx.nxe {
        code |= 16;
    }
    code
}

/// Walks the tables for `va`, reading memory only. A successful walk lists in `ad_updates`
/// the accessed/dirty flags the CPU sets; the caller applies them with [`apply_ad_updates`]
/// for a real access, or leaves memory alone for a look (the page-walk view, the check of
/// whether a TLB entry has gone stale).
pub fn walk(mem: &PhysMem, ctx: &WalkCtx, va: VirtAddr, access: Access) -> Walk {
    let split = Split::of(ctx.mode, va);
    let mut w = Walk {
        va,
        split,
        steps: Vec::new(),
        result: Err(PageFault {
            kind: FaultKind::NotPresent,
            level: Level::Pde,
            error_code: 0,
            reason: String::new(),
        }),
        ad_updates: Vec::new(),
    };
    let pd = match split.pdpt {
        Some(i) => match pdpte_step(ctx, &mut w, i.get(), access) {
            Ok(pd) => pd,
            Err(f) => {
                w.result = Err(f);
                return w;
            }
        },
        None => ctx.cr3,
    };
    let mut used: Vec<(PhysAddr, Entry, Level)> = Vec::new();
    let mut rights = Rights {
        writable: true,
        user: true,
        nx: false,
        global: false,
        dirty: false,
    };
    let result =
        pde_step(mem, ctx, &mut w, pd, access, &mut used, &mut rights).and_then(
            |step| match step {
                PdeStep::Large(t) => Ok(t),
                PdeStep::Table(pt) => {
                    pte_step(mem, ctx, &mut w, pt, access, &mut used, &mut rights)
                }
            },
        );
    let result = result.and_then(|t| check_rights(ctx, access, t));
    if result.is_ok() {
        plan_accessed_dirty(&mut w, &used, access);
    }
    w.result = result;
    w
}

/// Step 1 (PAE): the PDPTE register for bits 31:30.
fn pdpte_step(
    ctx: &WalkCtx,
    w: &mut Walk,
    index: u64,
    access: Access,
) -> Result<PhysAddr, PageFault> {
    let e = Entry::from_raw(ctx.mode, ctx.pdptes[index as usize]);
    let reserved = e.reserved_bits(Level::Pdpte, ctx.nxe);
    let note = if !e.is_present() {
        "not present: no page directory for this gigabyte".to_string()
    } else if reserved != 0 {
        format!("reserved bits {reserved:#x} set")
    } else {
        format!("page directory at {}", e.addr())
    };
    w.steps.push(WalkStep {
        level: Level::Pdpte,
        index,
        entry_addr: None,
        raw: e.raw(),
        flags: e.flag_names(Level::Pdpte),
        note: format!("PDPTE register {index} (loaded at the last CR3 write): {note}"),
    });
    if !e.is_present() {
        return Err(fault(
            ctx,
            access,
            FaultKind::NotPresent,
            Level::Pdpte,
            "the PDPTE is not present",
        ));
    }
    if reserved != 0 {
        return Err(fault(
            ctx,
            access,
            FaultKind::ReservedBit,
            Level::Pdpte,
            "a PDPTE has reserved bits set",
        ));
    }
    Ok(e.addr())
}

enum PdeStep {
    Large(Translation),
    Table(PhysAddr),
}

/// Step 2: the page-directory entry; a PS = 1 entry maps a large page.
fn pde_step(
    mem: &PhysMem,
    ctx: &WalkCtx,
    w: &mut Walk,
    pd: PhysAddr,
    access: Access,
    used: &mut Vec<(PhysAddr, Entry, Level)>,
    rights: &mut Rights,
) -> Result<PdeStep, PageFault> {
    let index = w.split.pd.get();
    let at = entry_addr(ctx.mode, pd, index);
    let e = read_entry(mem, ctx.mode, pd, index);
    let reserved = e.reserved_bits(Level::Pde, ctx.nxe);
    let (note, out) = if !e.is_present() {
        (
            "not present".to_string(),
            Err(fault(
                ctx,
                access,
                FaultKind::NotPresent,
                Level::Pde,
                "the page-directory entry is not present",
            )),
        )
    } else if reserved != 0 {
        (
            format!("reserved bits {reserved:#x} set"),
            Err(fault(
                ctx,
                access,
                FaultKind::ReservedBit,
                Level::Pde,
                "the page-directory entry has reserved bits set",
            )),
        )
    } else if e.is_large() {
        combine(rights, e);
        rights.global = e.flags().contains(EntryFlags::GLOBAL);
        rights.dirty = e.flags().contains(EntryFlags::DIRTY);
        used.push((at, e, Level::Pde));
        let size = ctx.mode.large_page_size();
        let frame = e.large_page_addr();
        let phys = PhysAddr::new(frame.as_u64() + (u64::from(w.va.as_u32()) & (size - 1)));
        (
            format!("PS = 1: a {} MiB page at {frame}", size >> 20),
            Ok(PdeStep::Large(Translation {
                phys,
                frame,
                page_size: size,
                rights: *rights,
            })),
        )
    } else {
        combine(rights, e);
        used.push((at, e, Level::Pde));
        (
            format!("page table at {}", e.addr()),
            Ok(PdeStep::Table(e.addr())),
        )
    };
    w.steps.push(WalkStep {
        level: Level::Pde,
        index,
        entry_addr: Some(at),
        raw: e.raw(),
        flags: e.flag_names(Level::Pde),
        note,
    });
    out
}

/// Step 3: the page-table entry.
fn pte_step(
    mem: &PhysMem,
    ctx: &WalkCtx,
    w: &mut Walk,
    pt: PhysAddr,
    access: Access,
    used: &mut Vec<(PhysAddr, Entry, Level)>,
    rights: &mut Rights,
) -> Result<Translation, PageFault> {
    let index = w.split.pt.get();
    let at = entry_addr(ctx.mode, pt, index);
    let e = read_entry(mem, ctx.mode, pt, index);
    let reserved = e.reserved_bits(Level::Pte, ctx.nxe);
    let (note, out) = if !e.is_present() {
        (
            "not present".to_string(),
            Err(fault(
                ctx,
                access,
                FaultKind::NotPresent,
                Level::Pte,
                "the page-table entry is not present",
            )),
        )
    } else if reserved != 0 {
        (
            format!("reserved bits {reserved:#x} set"),
            Err(fault(
                ctx,
                access,
                FaultKind::ReservedBit,
                Level::Pte,
                "the page-table entry has reserved bits set",
            )),
        )
    } else {
        combine(rights, e);
        rights.global = e.flags().contains(EntryFlags::GLOBAL);
        rights.dirty = e.flags().contains(EntryFlags::DIRTY);
        used.push((at, e, Level::Pte));
        let frame = e.addr();
        (
            format!("4 KiB page at {frame}"),
            Ok(Translation {
                phys: PhysAddr::new(frame.as_u64() + u64::from(w.split.offset)),
                frame,
                page_size: PAGE_SIZE,
                rights: *rights,
            }),
        )
    };
    w.steps.push(WalkStep {
        level: Level::Pte,
        index,
        entry_addr: Some(at),
        raw: e.raw(),
        flags: e.flag_names(Level::Pte),
        note,
    });
    out
}

fn combine(rights: &mut Rights, e: Entry) {
    let f = e.flags();
    rights.writable &= f.contains(EntryFlags::WRITABLE);
    rights.user &= f.contains(EntryFlags::USER);
    rights.nx |= f.contains(EntryFlags::NO_EXECUTE);
}

/// Step 4: do the combined rights allow the access? (SDM §4.6)
pub fn check_rights(
    ctx: &WalkCtx,
    access: Access,
    t: Translation,
) -> Result<Translation, PageFault> {
    let r = t.rights;
    let denied = if ctx.user && !r.user {
        Some("a user-mode access to a supervisor page")
    } else if access == Access::Write && !r.writable && (ctx.user || ctx.wp) {
        Some("a write to a read-only page")
    } else if access == Access::Execute && r.nx && ctx.nxe {
        Some("an instruction fetch from an execute-disabled page")
    } else {
        None
    };
    match denied {
        Some(why) => Err(fault(ctx, access, FaultKind::Protection, Level::Pte, why)),
        None => Ok(t),
    }
}

fn fault(ctx: &WalkCtx, access: Access, kind: FaultKind, level: Level, reason: &str) -> PageFault {
    PageFault {
        kind,
        level,
        error_code: error_code(
            ctx,
            access,
            kind == FaultKind::Protection || kind == FaultKind::ReservedBit,
            kind == FaultKind::ReservedBit,
        ),
        reason: reason.to_string(),
    }
}

/// Lists the A flags to set on every entry used and the D flag on the final one for a write.
fn plan_accessed_dirty(w: &mut Walk, used: &[(PhysAddr, Entry, Level)], access: Access) {
    let last = used.len().saturating_sub(1);
    for (i, &(at, e, _)) in used.iter().enumerate() {
        let mut new = e.with(EntryFlags::ACCESSED);
        if i == last && access == Access::Write {
            new = new.with(EntryFlags::DIRTY);
        }
        if new != e {
            w.ad_updates.push((at, e.raw(), new.raw()));
        }
    }
}

/// Writes a walk's accessed/dirty updates (atomic read-modify-writes of the entries' low
/// words on a real CPU).
pub fn apply_ad_updates(mem: &mut PhysMem, mode: PagingMode, w: &Walk) {
    for &(at, _, new) in &w.ad_updates {
        let base = PhysAddr::new(at.as_u64() & !(PAGE_SIZE - 1));
        let index = (at.as_u64() & (PAGE_SIZE - 1)) / mode.entry_size();
        write_entry(mem, mode, base, index, Entry::from_raw(mode, new));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{Pfn, MIB};
    use crate::e820::E820Map;
    use crate::layout::{compute, LayoutRequest};
    use crate::phys::BuddyRules;
    use crate::profile::ProfileId;

    /// A tiny machine with hand-built tables: a PD at frame 0x100, a PT at 0x101, a PDPT at
    /// 0x102 (PAE).
    fn setup(mode: PagingMode) -> (PhysMem, WalkCtx) {
        let l = compute(&LayoutRequest {
            pae: mode == PagingMode::Pae,
            ..LayoutRequest::new(ProfileId::V6_1, E820Map::qemu_pc(64 * MIB).unwrap())
        })
        .unwrap();
        let rules = BuddyRules {
            max_order: 11,
            split_keeps_upper: false,
            merge_likely_to_tail: false,
            boot_lowmem_to_tail: false,
        };
        let mut mem = PhysMem::boot(&l, rules, vec![]);
        let pd = Pfn::new(0x100).addr();
        let pt = Pfn::new(0x101).addr();
        let pdpt = Pfn::new(0x102).addr();
        let mut pdptes = [0; 4];
        if mode == PagingMode::Pae {
            pdptes[3] = pd.as_u64() | 1;
            write_entry(&mut mem, mode, pdpt, 3, Entry::from_raw(mode, pdptes[3]));
        }
        let ctx = WalkCtx {
            mode,
            cr3: if mode == PagingMode::Pae { pdpt } else { pd },
            pdptes,
            nxe: true,
            wp: true,
            user: false,
        };
        // PDE for 0xc0000000: a page table; for 0xc0400000 (non-PAE) / 0xc0200000 (PAE):
        // a large page.
        let pd_base = if mode == PagingMode::Pae { 0 } else { 768 };
        write_entry(
            &mut mem,
            mode,
            pd,
            pd_base,
            Entry::from_raw(mode, pt.as_u64() | 0x063),
        );
        write_entry(
            &mut mem,
            mode,
            pd,
            pd_base + 1,
            Entry::from_raw(mode, 0x40_0000 | 0x083),
        );
        (mem, ctx)
    }

    /// A walk that, like a real access, writes its A/D updates.
    fn run(mem: &mut PhysMem, ctx: &WalkCtx, va: VirtAddr, access: Access) -> Walk {
        let w = walk(mem, ctx, va, access);
        apply_ad_updates(mem, ctx.mode, &w);
        w
    }

    fn set_pte(mem: &mut PhysMem, mode: PagingMode, index: u64, raw: u64) {
        write_entry(
            mem,
            mode,
            Pfn::new(0x101).addr(),
            index,
            Entry::from_raw(mode, raw),
        );
    }

    #[test]
    fn four_k_walk_sets_accessed_then_dirty() {
        for mode in [PagingMode::Pae, PagingMode::NonPae] {
            let (mut mem, ctx) = setup(mode);
            set_pte(&mut mem, mode, 5, 0x0123_4000 | 0x003);
            let va = VirtAddr::new(0xc000_5678);
            let w = run(&mut mem, &ctx, va, Access::Read);
            let t = w.result.clone().unwrap();
            assert_eq!(t.phys, PhysAddr::new(0x0123_4678));
            assert_eq!(t.page_size, 4096);
            assert_eq!(w.steps.len(), if mode == PagingMode::Pae { 3 } else { 2 });
            // The PDE already had A; the walk sets it on the PTE.
            assert_eq!(w.ad_updates.len(), 1);
            assert_eq!(w.ad_updates[0].2, 0x0123_4000 | 0x023);
            let w = run(&mut mem, &ctx, va, Access::Write);
            assert!(w.result.is_ok());
            let (_, old, new) = w.ad_updates[0];
            assert_eq!(new, old | 0x40, "D set on the PTE by the write");
        }
    }

    #[test]
    fn large_pages_per_mode() {
        let (mem, ctx) = setup(PagingMode::Pae);
        let w = walk(&mem, &ctx, VirtAddr::new(0xc021_2345), Access::Read);
        let t = w.result.unwrap();
        assert_eq!(t.page_size, 2 * MIB);
        assert_eq!(t.phys, PhysAddr::new(0x41_2345));
        let (mem, ctx) = setup(PagingMode::NonPae);
        let t = walk(&mem, &ctx, VirtAddr::new(0xc041_2345), Access::Read)
            .result
            .unwrap();
        assert_eq!(t.page_size, 4 * MIB);
        assert_eq!(t.phys, PhysAddr::new(0x41_2345));
    }

    #[test]
    fn not_present_at_each_level() {
        let (mut mem, ctx) = setup(PagingMode::Pae);
        let f = run(&mut mem, &ctx, VirtAddr::new(0x0800_0000), Access::Read)
            .result
            .unwrap_err();
        assert_eq!(
            (f.kind, f.level, f.error_code),
            (FaultKind::NotPresent, Level::Pdpte, 0)
        );
        let f = run(&mut mem, &ctx, VirtAddr::new(0xc080_0000), Access::Write)
            .result
            .unwrap_err();
        assert_eq!(
            (f.kind, f.level, f.error_code),
            (FaultKind::NotPresent, Level::Pde, 2)
        );
        let f = run(&mut mem, &ctx, VirtAddr::new(0xc000_9000), Access::Read)
            .result
            .unwrap_err();
        assert_eq!((f.kind, f.level), (FaultKind::NotPresent, Level::Pte));
    }

    #[test]
    fn protection_faults_rw_us_nx() {
        let (mut mem, mut ctx) = setup(PagingMode::Pae);
        // Read-only, supervisor, execute-disabled page.
        set_pte(&mut mem, PagingMode::Pae, 1, 0x8000_0000_0050_0001);
        let va = VirtAddr::new(0xc000_1000);
        let code = |mem: &mut PhysMem, ctx: &WalkCtx, a| {
            run(mem, ctx, va, a)
                .result
                .map(|_| ())
                .unwrap_err()
                .error_code
        };
        assert!(run(&mut mem, &ctx, va, Access::Read).result.is_ok());
        assert_eq!(code(&mut mem, &ctx, Access::Write), 0b00011);
        assert_eq!(code(&mut mem, &ctx, Access::Execute), 0b10001);
        ctx.user = true;
        assert_eq!(code(&mut mem, &ctx, Access::Read), 0b00101);
        // Without CR0.WP the kernel may write read-only pages.
        ctx.user = false;
        ctx.wp = false;
        assert!(run(&mut mem, &ctx, va, Access::Write).result.is_ok());
        // Without EFER.NXE bit 63 is reserved.
        ctx.nxe = false;
        let f = run(&mut mem, &ctx, va, Access::Read).result.unwrap_err();
        assert_eq!((f.kind, f.error_code), (FaultKind::ReservedBit, 0b01001));
    }

    #[test]
    fn pdpte_registers_hide_memory_changes_until_reload() {
        let (mut mem, ctx) = setup(PagingMode::Pae);
        set_pte(&mut mem, PagingMode::Pae, 2, 0x0060_0003);
        // Clear the PDPT entry in memory: the walk still uses the cached register.
        write_entry(
            &mut mem,
            PagingMode::Pae,
            ctx.cr3,
            3,
            Entry::empty(PagingMode::Pae),
        );
        let w = run(&mut mem, &ctx, VirtAddr::new(0xc000_2000), Access::Read);
        assert!(w.result.is_ok());
        assert_eq!(w.steps[0].entry_addr, None);
        // A reload (new registers from memory) sees it.
        let reloaded = WalkCtx {
            pdptes: [0; 4],
            ..ctx
        };
        assert!(run(
            &mut mem,
            &reloaded,
            VirtAddr::new(0xc000_2000),
            Access::Read
        )
        .result
        .is_err());
    }

    #[test]
    fn reserved_bits_in_a_large_pde() {
        let (mut mem, ctx) = setup(PagingMode::Pae);
        let pd = Pfn::new(0x100).addr();
        write_entry(
            &mut mem,
            PagingMode::Pae,
            pd,
            1,
            Entry::from_raw(PagingMode::Pae, 0x40_2083),
        );
        let f = run(&mut mem, &ctx, VirtAddr::new(0xc020_0000), Access::Read)
            .result
            .unwrap_err();
        assert_eq!((f.kind, f.level), (FaultKind::ReservedBit, Level::Pde));
    }
}
