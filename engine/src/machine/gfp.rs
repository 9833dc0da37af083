//! Allocation flags as scripts write them: `GFP_KERNEL`, `GFP_HIGHUSER`,
//! `GFP_KERNEL|__GFP_HIGHMEM`…
//!
//! The model needs what decides the zone (`__GFP_DMA`, `__GFP_HIGHMEM`) and whether the
//! caller may sleep (`__GFP_WAIT`, later `__GFP_DIRECT_RECLAIM`). There is no `GFP_HIGHMEM`
//! in any kernel; high memory is asked for with `__GFP_HIGHMEM`, as `GFP_HIGHUSER` does.

use crate::layout::memory::ZoneKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A set of allocation flags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gfp {
    /// `__GFP_DMA`: only ZONE_DMA.
    pub dma: bool,
    /// `__GFP_HIGHMEM`: ZONE_HIGHMEM allowed.
    pub highmem: bool,
    /// The caller may sleep.
    pub wait: bool,
    /// As written.
    pub text: String,
}

/// A flag name the model does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GfpError(pub String);

impl fmt::Display for GfpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown allocation flag '{}': use GFP_KERNEL, GFP_USER, GFP_HIGHUSER, GFP_ATOMIC, \
             GFP_NOWAIT, GFP_NOIO, GFP_NOFS, GFP_DMA, __GFP_HIGHMEM or __GFP_DMA, joined with |",
            self.0
        )
    }
}

impl Gfp {
    /// Parses `A|B|…`.
    pub fn parse(text: &str) -> Result<Gfp, GfpError> {
        let mut g = Gfp {
            dma: false,
            highmem: false,
            wait: false,
            text: text.trim().to_string(),
        };
        for part in text.split('|').map(str::trim) {
            match part {
                "GFP_KERNEL" | "GFP_USER" | "GFP_NOIO" | "GFP_NOFS" => g.wait = true,
                "GFP_HIGHUSER" | "GFP_HIGHUSER_MOVABLE" => {
                    g.wait = true;
                    g.highmem = true;
                }
                "GFP_ATOMIC" | "GFP_NOWAIT" | "0" => {}
                "GFP_DMA" | "__GFP_DMA" => g.dma = true,
                "__GFP_HIGHMEM" => g.highmem = true,
                "__GFP_WAIT" | "__GFP_DIRECT_RECLAIM" => g.wait = true,
                "__GFP_ZERO" | "__GFP_NOWARN" | "__GFP_COMP" => {}
                other => return Err(GfpError(other.to_string())),
            }
        }
        Ok(g)
    }

    /// The highest zone the flags allow; DMA wins over HIGHMEM, as `gfp_zone()` checks it
    /// first.
    pub fn highest_zone(&self) -> ZoneKind {
        if self.dma {
            ZoneKind::Dma
        } else if self.highmem {
            ZoneKind::HighMem
        } else {
            ZoneKind::Normal
        }
    }

    /// The same flags without `__GFP_HIGHMEM`.
    pub fn without_highmem(&self) -> Gfp {
        Gfp {
            highmem: false,
            text: format!("{} & ~__GFP_HIGHMEM", self.text),
            ..self.clone()
        }
    }
}

impl fmt::Display for Gfp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_from_flags() {
        assert_eq!(
            Gfp::parse("GFP_KERNEL").unwrap().highest_zone(),
            ZoneKind::Normal
        );
        assert_eq!(
            Gfp::parse("GFP_HIGHUSER").unwrap().highest_zone(),
            ZoneKind::HighMem
        );
        assert_eq!(
            Gfp::parse("GFP_KERNEL | __GFP_HIGHMEM")
                .unwrap()
                .highest_zone(),
            ZoneKind::HighMem
        );
        assert_eq!(
            Gfp::parse("GFP_DMA|__GFP_HIGHMEM").unwrap().highest_zone(),
            ZoneKind::Dma
        );
        assert!(!Gfp::parse("GFP_ATOMIC").unwrap().wait);
        assert_eq!(
            Gfp::parse("GFP_HIGHMEM"),
            Err(GfpError("GFP_HIGHMEM".into()))
        );
    }
}
