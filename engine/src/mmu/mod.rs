//! The memory-management unit: the hardware page walk ([`walk`]) and the per-CPU data TLB
//! ([`tlb`]).

pub mod tlb;
pub mod walk;

pub use tlb::{Slot, Tlb, TlbEntry};
pub use walk::{
    apply_ad_updates, walk, Access, FaultKind, PageFault, Rights, Translation, Walk, WalkCtx,
    WalkStep,
};
