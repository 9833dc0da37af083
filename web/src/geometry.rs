//! Where things go in the figures: to-scale panels, the guides between them, and labels spread
//! so they never overlap. Pure arithmetic, so it is tested without a browser.

use highmem_engine::addr::MIB;
use highmem_engine::layout::{Layout, Region, PAGE_OFFSET};

/// The top of the 32-bit address space.
pub const FOUR_GIB: u64 = 1 << 32;

/// A vertical bar that draws the addresses `[lo, hi)` to scale, high addresses at the top.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Panel {
    /// Left edge.
    pub x: f64,
    /// Top edge (where `hi` is).
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// The lowest address shown.
    pub lo: u64,
    /// One past the highest address shown.
    pub hi: u64,
}

impl Panel {
    /// The y coordinate of an address, clamped to the panel.
    pub fn y_of(&self, addr: u64) -> f64 {
        let a = addr.clamp(self.lo, self.hi);
        self.y + self.h * (self.hi - a) as f64 / (self.hi - self.lo) as f64
    }

    /// The drawn extent `(top, bottom)` of `[start, end)`, if any of it is in the panel.
    pub fn span(&self, start: u64, end: u64) -> Option<(f64, f64)> {
        if end <= self.lo || start >= self.hi {
            return None;
        }
        Some((self.y_of(end), self.y_of(start)))
    }

    /// The right edge.
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    /// The bottom edge.
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

/// The three panels of the virtual map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelId {
    /// All 4 GiB.
    Full,
    /// The kernel's 1 GiB, from `PAGE_OFFSET`.
    Kernel,
    /// The top few MiB, where the small windows are.
    Top,
}

/// The panel in which a region is labelled: the widest view that still shows it readably.
pub fn primary_panel(region: &Region, top_lo: u64) -> PanelId {
    if region.end <= PAGE_OFFSET {
        PanelId::Full
    } else if region.start >= top_lo {
        PanelId::Top
    } else {
        PanelId::Kernel
    }
}

/// Where the zoomed panel starts: a MiB-aligned address a little below `VMALLOC_END`, so the
/// end of the vmalloc area shows beneath the small windows above it.
pub fn zoom_start(layout: &Layout) -> u64 {
    layout.vmalloc_end().saturating_sub(MIB) & !(MIB - 1)
}

/// The virtual map's layout: panels, label columns, overall size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VmapGeometry {
    /// viewBox width.
    pub width: f64,
    /// viewBox height.
    pub height: f64,
    /// All 4 GiB.
    pub full: Panel,
    /// The kernel's 1 GiB.
    pub kernel: Panel,
    /// The zoom on the top.
    pub top: Panel,
    /// Left edge of the kernel panel's labels.
    pub kernel_labels_x: f64,
    /// Left edge of the top panel's labels.
    pub top_labels_x: f64,
    /// Width of the kernel panel's label column.
    pub kernel_labels_w: f64,
    /// Whether the zoom sits above the kernel panel (narrow screens) instead of beside it.
    pub stacked: bool,
}

impl VmapGeometry {
    /// Lays the panels out. `top_lo` is where the zoom starts.
    ///
    /// Wide: three columns side by side, each zoom to the right of what it enlarges. Narrow:
    /// the zoom moves above the kernel panel, its funnel pointing down to the slice it shows.
    pub fn new(stacked: bool, top_lo: u64) -> VmapGeometry {
        if stacked {
            let top = Panel {
                x: 92.0,
                y: 30.0,
                w: 40.0,
                h: 250.0,
                lo: top_lo,
                hi: FOUR_GIB,
            };
            let row = 340.0;
            let h = 330.0;
            VmapGeometry {
                width: 340.0,
                height: row + h + 30.0,
                full: Panel {
                    x: 38.0,
                    y: row,
                    w: 28.0,
                    h,
                    lo: 0,
                    hi: FOUR_GIB,
                },
                kernel: Panel {
                    x: 98.0,
                    y: row,
                    w: 28.0,
                    h,
                    lo: PAGE_OFFSET,
                    hi: FOUR_GIB,
                },
                top,
                kernel_labels_x: 133.0,
                top_labels_x: 140.0,
                kernel_labels_w: 340.0 - 133.0,
                stacked,
            }
        } else {
            let y = 34.0;
            let h = 430.0;
            VmapGeometry {
                width: 620.0,
                height: y + h + 14.0,
                full: Panel {
                    x: 44.0,
                    y,
                    w: 30.0,
                    h,
                    lo: 0,
                    hi: FOUR_GIB,
                },
                kernel: Panel {
                    x: 110.0,
                    y,
                    w: 30.0,
                    h,
                    lo: PAGE_OFFSET,
                    hi: FOUR_GIB,
                },
                top: Panel {
                    x: 372.0,
                    y,
                    w: 34.0,
                    h,
                    lo: top_lo,
                    hi: FOUR_GIB,
                },
                kernel_labels_x: 152.0,
                top_labels_x: 416.0,
                kernel_labels_w: 372.0 - 34.0 - 152.0 - 4.0,
                stacked,
            }
        }
    }

    /// A panel by id.
    pub fn panel(&self, id: PanelId) -> &Panel {
        match id {
            PanelId::Full => &self.full,
            PanelId::Kernel => &self.kernel,
            PanelId::Top => &self.top,
        }
    }

    /// The outline of the guide from the full panel's kernel quarter to the kernel panel.
    pub fn kernel_guide(&self) -> Vec<(f64, f64)> {
        let (f, k) = (&self.full, &self.kernel);
        vec![
            (f.right(), f.y_of(FOUR_GIB)),
            (k.x, k.y),
            (k.x, k.bottom()),
            (f.right(), f.y_of(PAGE_OFFSET)),
        ]
    }

    /// The outline of the guide from the kernel panel's top slice to the zoom.
    pub fn top_guide(&self) -> Vec<(f64, f64)> {
        let (k, t) = (&self.kernel, &self.top);
        let (slice_top, slice_bottom) = (k.y_of(FOUR_GIB), k.y_of(t.lo));
        if self.stacked {
            vec![
                (t.x, t.bottom()),
                (t.right(), t.bottom()),
                (k.right(), slice_top),
                (k.x, slice_top),
            ]
        } else {
            // Along the top of the kernel labels, then fanning out to the zoom.
            let fan = self.kernel_labels_x + self.kernel_labels_w + 4.0;
            vec![
                (k.right(), slice_top),
                (fan, slice_top),
                (t.x, t.y),
                (t.x, t.bottom()),
                (fan, slice_bottom),
                (k.right(), slice_bottom),
            ]
        }
    }

    /// The highest a kernel-panel label may start: below the guide that crosses the label
    /// column on wide screens.
    pub fn kernel_labels_min_y(&self) -> f64 {
        if self.stacked {
            self.kernel.y - 8.0
        } else {
            self.kernel.y_of(self.top.lo) + 4.0
        }
    }
}

/// The physical map: one bar for all RAM, and a zoom on the first GiB when there is more.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// First address shown.
    pub lo: u64,
    /// One past the last.
    pub hi: u64,
}

impl Bar {
    /// The x coordinate of an address, clamped to the bar.
    pub fn x_of(&self, addr: u64) -> f64 {
        let a = addr.clamp(self.lo, self.hi);
        self.x + self.w * (a - self.lo) as f64 / (self.hi - self.lo) as f64
    }

    /// The drawn extent `(left, right)` of `[start, end)`, if any of it is on the bar.
    pub fn span(&self, start: u64, end: u64) -> Option<(f64, f64)> {
        if end <= self.lo || start >= self.hi {
            return None;
        }
        Some((self.x_of(start), self.x_of(end)))
    }
}

/// A round end for the physical bar: the next multiple of 256 MiB (64 MiB below 1 GiB,
/// 4 MiB below 64 MiB) at or above `end`.
pub fn round_top(end: u64) -> u64 {
    let step = if end <= 64 * MIB {
        4 * MIB
    } else if end <= 1024 * MIB {
        64 * MIB
    } else {
        256 * MIB
    };
    end.div_ceil(step) * step
}

/// Spreads labels of height `h` so none overlap, each as close as it can be to its ideal
/// centre, all within `[min, max]`. `ideal` must be sorted ascending; the result is the centres,
/// in the same order. When there is not room for all, they are packed evenly from `min`.
///
/// Labels that would overlap are merged into a cluster placed at the mean of its members'
/// ideal positions, which minimises the total squared displacement.
pub fn spread(ideal: &[f64], h: f64, min: f64, max: f64) -> Vec<f64> {
    let n = ideal.len();
    if n == 0 {
        return Vec::new();
    }
    if n as f64 * h > max - min {
        let pitch = (max - min) / n as f64;
        return (0..n).map(|i| min + pitch * (i as f64 + 0.5)).collect();
    }
    // Each cluster: (first index, count, top edge).
    let mut clusters: Vec<(usize, usize, f64)> = Vec::new();
    let place = |first: usize, count: usize| {
        let mean: f64 = (0..count)
            .map(|k| ideal[first + k] - h * (k as f64 + 0.5))
            .sum::<f64>()
            / count as f64;
        mean.clamp(min, max - h * count as f64)
    };
    for i in 0..n {
        clusters.push((i, 1, place(i, 1)));
        // Merge the newest cluster into the one before while they overlap.
        while let [.., (f1, c1, t1), (_, c2, t2)] = clusters[..] {
            if t1 + h * c1 as f64 <= t2 + 1e-9 {
                break;
            }
            clusters.truncate(clusters.len() - 2);
            clusters.push((f1, c1 + c2, place(f1, c1 + c2)));
        }
    }
    let mut out = Vec::with_capacity(n);
    for (_, count, top) in clusters {
        for k in 0..count {
            out.push(top + h * (k as f64 + 0.5));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn panels_are_to_scale() {
        let g = VmapGeometry::new(false, 0xfee0_0000);
        // PAGE_OFFSET is three quarters of the way up the full panel.
        let quarter = g.full.y + g.full.h / 4.0;
        assert!((g.full.y_of(PAGE_OFFSET) - quarter).abs() < 1e-9);
        // The kernel panel spans its whole height over 1 GiB.
        assert_eq!(g.kernel.y_of(PAGE_OFFSET), g.kernel.bottom());
        assert_eq!(g.kernel.y_of(FOUR_GIB), g.kernel.y);
        // A 2 MiB window in an 18 MiB zoom takes a ninth of it.
        let (t, b) = g.top.span(0xff00_0000, 0xff20_0000).unwrap();
        assert!(((b - t) - g.top.h / 9.0).abs() < 1e-9);
        assert_eq!(g.top.span(0, 0x1000), None);
    }

    #[test]
    fn spread_keeps_ideal_positions_when_there_is_room() {
        assert_eq!(spread(&[10.0, 50.0], 20.0, 0.0, 100.0), vec![10.0, 50.0]);
    }

    #[test]
    fn spread_separates_crowded_labels_around_their_mean() {
        let out = spread(&[50.0, 50.0, 50.0], 10.0, 0.0, 100.0);
        assert_eq!(out, vec![40.0, 50.0, 60.0]);
        for w in out.windows(2) {
            assert!(w[1] - w[0] >= 10.0 - 1e-9);
        }
    }

    #[test]
    fn spread_stays_within_bounds() {
        let out = spread(&[0.0, 1.0, 2.0, 99.0, 100.0], 10.0, 0.0, 100.0);
        assert!(out[0] >= 5.0 - 1e-9);
        assert!(out[4] <= 95.0 + 1e-9);
        for w in out.windows(2) {
            assert!(w[1] - w[0] >= 10.0 - 1e-9, "{out:?}");
        }
        // Too many for the room: packed evenly.
        let out = spread(&[0.0; 20], 10.0, 0.0, 100.0);
        assert_eq!(out.len(), 20);
        assert!(out[19] <= 100.0);
    }

    #[test]
    fn the_physical_bar_ends_on_a_round_number() {
        assert_eq!(round_top(0x7ffe_0000), 2048 * MIB);
        assert_eq!(round_top(16 * MIB - 0x2_0000), 16 * MIB);
        assert_eq!(round_top(900 * MIB), 960 * MIB);
    }
}
