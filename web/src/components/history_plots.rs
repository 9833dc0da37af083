//! Plots over the history: the TLB hit rate so far, the pkmap slots in use, and the vmalloc
//! range's fragmentation, per op, from the engine's [`Metrics`] sampled as the ops ran (every
//! op in short histories, thinning out in long ones). A line marks the position in force.
//!
//! Each plot is an SVG with a one-sentence description (`role="img"`, `aria-label`), and one
//! table under them lists the sampled values.

use crate::seq::Seq;
use crate::timeline::Sample;
use highmem_engine::machine::Metrics;
use yew::prelude::*;

/// Props of [`HistoryPlots`].
#[derive(Properties, PartialEq)]
pub struct HistoryPlotsProps {
    /// The samples.
    pub samples: Seq<Sample>,
    /// Ops recorded.
    pub total: usize,
    /// The position in force.
    pub pos: usize,
}

/// A plotted quantity: an id, a title, its value as a share of its scale (0–1), and the value
/// as words.
struct Series {
    id: &'static str,
    title: &'static str,
    share: fn(&Metrics) -> f64,
    words: fn(&Metrics) -> String,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

const SERIES: [Series; 3] = [
    Series {
        id: "tlb",
        title: "TLB hit rate so far",
        share: |m| m.tlb_hit_rate(),
        words: |m| {
            format!(
                "{} ({} hits, {} misses)",
                pct(m.tlb_hit_rate()),
                m.tlb_hits,
                m.tlb_misses
            )
        },
    },
    Series {
        id: "pkmap",
        title: "pkmap slots in use",
        share: |m| {
            if m.pkmap_slots == 0 {
                0.0
            } else {
                f64::from(m.pkmap_in_use) / f64::from(m.pkmap_slots)
            }
        },
        words: |m| {
            if m.pkmap_slots == 0 {
                "no pkmap window".into()
            } else {
                format!("{} of {}", m.pkmap_in_use, m.pkmap_slots)
            }
        },
    },
    Series {
        id: "vmfrag",
        title: "vmalloc fragmentation",
        share: |m| m.vmalloc_fragmentation(),
        words: |m| {
            format!(
                "{} ({} holes)",
                pct(m.vmalloc_fragmentation()),
                m.vmalloc_holes
            )
        },
    },
];

const W: f64 = 320.0;
const H: f64 = 72.0;
const PAD: f64 = 4.0;

/// The sample in force at a position: the last one at or before it.
pub fn sample_at(samples: &Seq<Sample>, pos: usize) -> Option<&Sample> {
    samples.iter().rev().find(|s| s.at <= pos)
}

/// The polyline's points for a series.
fn points(samples: &Seq<Sample>, total: usize, share: fn(&Metrics) -> f64) -> String {
    let span = total.max(1) as f64;
    samples
        .iter()
        .map(|s| {
            let x = PAD + (W - 2.0 * PAD) * s.at as f64 / span;
            let y = H - PAD - (H - 2.0 * PAD) * share(&s.metrics).clamp(0.0, 1.0);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The sentence a plot is described by.
pub fn describe(samples: &Seq<Sample>, total: usize, pos: usize, which: usize) -> String {
    let s = &SERIES[which];
    let (Some(first), Some(last)) = (samples.get(0), samples.last()) else {
        return format!("{}: no data.", s.title);
    };
    let now = sample_at(samples, pos).map_or_else(String::new, |at| {
        format!(
            " At the position shown (op {pos}), {}.",
            (s.words)(&at.metrics)
        )
    });
    let peak = samples
        .iter()
        .map(|x| (s.share)(&x.metrics))
        .fold(0.0f64, f64::max);
    format!(
        "{} over {}: {} at boot, {} at op {}, peak {}.{now}",
        s.title,
        crate::lab::ops_count(total),
        (s.words)(&first.metrics),
        (s.words)(&last.metrics),
        last.at,
        pct(peak),
    )
}

/// The most rows of the table of values.
const TABLE_ROWS: usize = 24;

/// The plots.
#[component]
pub fn HistoryPlots(props: &HistoryPlotsProps) -> Html {
    let samples = &props.samples;
    let span = props.total.max(1) as f64;
    let marker = PAD + (W - 2.0 * PAD) * props.pos.min(props.total) as f64 / span;
    let n = samples.len();
    let step = n.div_ceil(TABLE_ROWS).max(1);
    let rows: Vec<&Sample> = samples
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i + 1 == n)
        .map(|(_, s)| s)
        .collect();
    html! {
        <div id="history-plots" class="history-plots">
            { for SERIES.iter().enumerate().map(|(k, s)| {
                let label = describe(samples, props.total, props.pos, k);
                html! {
                    <figure class="plot" id={format!("plot-{}", s.id)}>
                        <figcaption class="plot-title">{ s.title }</figcaption>
                        <svg viewBox={format!("0 0 {W} {H}")} class="plot-svg" role="img" aria-label={label.clone()}
                             preserveAspectRatio="none">
                            <rect class="plot-frame" x={PAD.to_string()} y={PAD.to_string()}
                                  width={(W - 2.0 * PAD).to_string()} height={(H - 2.0 * PAD).to_string()} />
                            <line class="plot-half" x1={PAD.to_string()} x2={(W - PAD).to_string()}
                                  y1={(H / 2.0).to_string()} y2={(H / 2.0).to_string()} />
                            <polyline class={classes!("plot-line", format!("plot-{}", s.id))}
                                      points={points(samples, props.total, s.share)} />
                            <line class="plot-pos" x1={marker.to_string()} x2={marker.to_string()}
                                  y1="0" y2={H.to_string()} />
                        </svg>
                        <p class="plot-summary">{ label }</p>
                    </figure>
                }
            }) }
            <details class="plot-data">
                <summary>{ format!("The values ({} samples{})", n,
                                   if step > 1 { format!(", every {step}th shown") } else { String::new() }) }</summary>
                <div class="table-wrap" tabindex="0" role="region" aria-label="Sampled values">
                    <table>
                        <thead><tr>
                            <th scope="col">{ "after op" }</th>
                            { for SERIES.iter().map(|s| html! { <th scope="col">{ s.title }</th> }) }
                        </tr></thead>
                        <tbody>
                            { for rows.into_iter().map(|x| html! {
                                <tr>
                                    <th scope="row">{ x.at.to_string() }</th>
                                    { for SERIES.iter().map(|s| html! { <td>{ (s.words)(&x.metrics) }</td> }) }
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </details>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Lab;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::MachineConfig;
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn descriptions_come_from_the_samples() {
        let l = Lab::boot(MachineConfig {
            cpus: 2,
            ..MachineConfig::new(ProfileId::V6_1, E820Map::qemu_pc(3 << 30).unwrap())
        });
        let mut l = l.start_long_run(600, 2);
        let id = l.job.as_ref().unwrap().id;
        while l.job.is_some() {
            l = l.run_chunk(id, &mut |_| true);
        }
        let t = &l.timeline;
        let end = l.machine().unwrap().metrics();
        let d = describe(&t.samples, 600, 600, 1);
        assert!(
            d.contains(&format!(
                "{} of {} at op 600",
                end.pkmap_in_use, end.pkmap_slots
            )),
            "{d}"
        );
        let boot = format!(
            "pkmap slots in use over 600 operations: 0 of {} at boot",
            end.pkmap_slots
        );
        assert!(d.starts_with(&boot), "{d}");
        let at = sample_at(&t.samples, 250).unwrap();
        assert!(at.at <= 250);
        let tlb = describe(&t.samples, 600, 250, 0);
        assert!(tlb.contains(&pct(at.metrics.tlb_hit_rate())), "{tlb}");
        assert_eq!(
            points(&t.samples, 600, SERIES[0].share).split(' ').count(),
            t.samples.len()
        );
        assert_eq!(
            describe(&Seq::new(), 0, 0, 2),
            "vmalloc fragmentation: no data."
        );
    }
}
