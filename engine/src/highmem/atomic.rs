//! Temporary kernel maps: the fixmap's kmap slots and who holds them.
//!
//! Until 2.6.36 a temporary map is named by a `km_type` and a CPU: slot
//! `type + KM_TYPE_NR × cpu` of the `FIX_KMAP_BEGIN` range, one page each. Nothing records
//! who holds a slot; the code that uses a type promises that nobody else on that CPU uses it
//! at the same time, which is why interrupt handlers have types of their own. The model keeps
//! the record the kernel does not ([`AtomicMap`]), so that it can show a slot taken twice.
//!
//! 6.1 has no types: `kmap_local_page()` and `kmap_atomic()` push onto a stack in the task
//! (`current->kmap_ctrl`), slot `stack index + KM_MAX_IDX × cpu`, and the scheduler saves
//! and restores the stack's PTEs when it switches tasks ([`KmapCtrl`]).
//! Sources: `arch/x86/mm/highmem_32.c` (2.6.24, 2.6.32), `mm/highmem.c` (6.1), e.g.
//! <https://elixir.bootlin.com/linux/v6.1/source/mm/highmem.c>.

use serde::Serialize;

/// A typed-era temporary map someone took and has not given back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AtomicMap {
    /// The CPU it was taken on.
    pub cpu: usize,
    /// The `km_type`.
    pub km_type: String,
    /// Its slot in the kmap range (`type + KM_TYPE_NR × cpu`), or `None` for a lowmem page,
    /// which got its direct-map address and no slot.
    pub slot: Option<u32>,
    /// The address `kmap_atomic()` returned.
    pub vaddr: u32,
    /// The page's frame.
    pub pfn: u64,
    /// Who took it: a task, or an interrupt and the task it interrupted.
    pub holder: String,
    /// How many interrupt contexts were open on the CPU when it was taken.
    pub depth: usize,
    /// Someone mapped another page into the slot while this map was held: who, and which
    /// frame. The holder's reads now see that frame.
    pub clobbered: Option<String>,
}

/// One entry of a 6.1 task's `kmap_ctrl` stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalEntry {
    /// The saved PTE (`kmap_ctrl.pteval[i]`).
    pub pteval: u64,
    /// The frame it maps.
    pub pfn: u64,
    /// `kmap_local_page` or `kmap_atomic`.
    pub via: String,
    /// The context that pushed it: the task, or an interrupt on top of it.
    pub context: String,
    /// How many interrupt contexts were open on the CPU when it was pushed.
    pub depth: usize,
}

/// 6.1's `struct kmap_ctrl`, kept in every task (and here for each CPU's idle task).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KmapCtrl {
    /// `kmap_ctrl.idx`: how far the stack has been pushed (by `KM_INCR` per map).
    pub idx: u32,
    /// `kmap_ctrl.pteval[]`, with what the model knows of each entry.
    pub entries: Vec<Option<LocalEntry>>,
    /// `current->migration_disabled`: maps of highmem pages held (each `migrate_disable()`s).
    pub migration_disabled: u32,
    /// The CPU the task is held on while migration is disabled.
    pub pinned: Option<usize>,
    /// `current->pagefault_disabled`: `kmap_atomic()`s held.
    pub pagefault_disabled: u32,
    /// The addresses handed out and not yet given back, as the caller sees them: (frame,
    /// address). After an out-of-order unmap this differs from the stack.
    pub given: Vec<(u64, u32)>,
}

impl KmapCtrl {
    /// The stack slot of the top mapping (`kmap_local_idx()`), if any.
    pub fn top(&self) -> Option<u32> {
        self.idx.checked_sub(1)
    }

    /// The held entries with their stack slots, bottom first.
    pub fn held(&self) -> impl Iterator<Item = (u32, &LocalEntry)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|e| (i as u32, e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_of_an_empty_stack_is_none() {
        let mut c = KmapCtrl::default();
        assert_eq!(c.top(), None);
        c.idx = 2;
        c.entries = vec![None, None];
        c.entries[1] = Some(LocalEntry {
            pteval: 0x1234_5163,
            pfn: 0x12345,
            via: "kmap_local_page".into(),
            context: "A".into(),
            depth: 0,
        });
        assert_eq!(c.top(), Some(1));
        assert_eq!(c.held().map(|(i, _)| i).collect::<Vec<_>>(), [1]);
    }
}
