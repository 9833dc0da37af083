//! A call graph of the era's kmap code (`kmap()`, `kunmap()`, `kmap_atomic()`, …) drawn as
//! SVG, with the path the last op took lit up and the decision taken at each lit branch.
//!
//! The graph is the engine's ([`highmem_engine::highmem::graph`]); so is the lighting
//! ([`lit`]). The drawing is an indented tree: one row per node in the engine's depth-first
//! order, indented by depth, each edge an elbow from its parent with the edge's condition
//! written above the child. Every node links to its function on Bootlin Elixir. A lit node is
//! told apart by a check mark, a heavier outline and a solid edge, not by colour alone.

use crate::lab::Run;
use highmem_engine::highmem::graph::{lit, CallGraph, GraphNode, NodeKind};
use highmem_engine::trace::{Call, Decision};
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`CallGraphView`].
#[derive(Properties, PartialEq)]
pub struct CallGraphViewProps {
    /// The graph (one of the era's, from `graph::graphs`).
    pub graph: Rc<CallGraph>,
    /// The kernel, to say whose code this is.
    pub kernel: AttrValue,
    /// The last run: its last op lights the graph.
    pub last: Option<Rc<Run>>,
}

/// Width of a character of the graph's monospace font (12 px).
const CH: f64 = 7.2;
/// A node's box.
const BOX_H: f64 = 22.0;
/// The line above a node that holds its edge's condition.
const WHEN_H: f64 = 14.0;
/// Space between rows.
const GAP: f64 = 5.0;
/// Indent per level.
const INDENT: f64 = 18.0;
/// Margin around the drawing.
const PAD: f64 = 6.0;

/// Where a node is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    /// Left edge of its box.
    pub x: f64,
    /// Top of its box.
    pub y: f64,
    /// Width of its box.
    pub w: f64,
}

/// The text in a node's box.
fn label(n: &GraphNode, lit: bool) -> String {
    if lit {
        format!("✓ {}", n.label)
    } else {
        n.label.clone()
    }
}

/// Lays the graph out: each node's box, and the drawing's width and height.
pub fn layout(g: &CallGraph, lit: &[String]) -> (Vec<Placed>, f64, f64) {
    let mut y = PAD;
    let mut width: f64 = 0.0;
    let mut out = Vec::with_capacity(g.nodes.len());
    for n in &g.nodes {
        if n.when.is_some() {
            y += WHEN_H;
        }
        let is_lit = lit.contains(&n.id);
        let x = PAD + f64::from(n.depth) * INDENT;
        let text = label(n, is_lit).chars().count() as f64;
        let w = text * CH + 16.0;
        let when = n
            .when
            .map_or(0.0, |w| (w.chars().count() + 3) as f64 * 6.0 + 4.0);
        width = width.max(x + w + 28.0).max(x + when);
        out.push(Placed { x, y, w });
        y += BOX_H + GAP;
    }
    (out, width + PAD, y + PAD)
}

/// The calls of a trace with the path of graph functions above them (the engine's
/// reduction in [`lit`]), so a lit node can show the decisions its calls took.
fn calls_with_paths<'a>(
    call: &'a Call,
    known: &[&str],
    stack: &mut Vec<&'a str>,
    out: &mut Vec<(Vec<&'a str>, &'a Call)>,
) {
    stack.push(&call.function);
    let reduced: Vec<&str> = stack
        .iter()
        .copied()
        .filter(|f| known.contains(f))
        .collect();
    out.push((reduced, call));
    for c in &call.children {
        calls_with_paths(c, known, stack, out);
    }
    stack.pop();
}

/// The decisions taken in the calls behind each lit node, in graph order; nodes whose calls
/// decided nothing are left out.
pub fn decisions<'a>(
    g: &CallGraph,
    trace: &'a Call,
    lit: &[String],
) -> Vec<(String, Vec<&'a Decision>)> {
    let known: Vec<&str> = g.nodes.iter().map(|n| n.function).collect();
    let mut calls = Vec::new();
    calls_with_paths(trace, &known, &mut Vec::new(), &mut calls);
    let rooted = calls.iter().any(|(p, _)| p.contains(&g.root));
    g.nodes
        .iter()
        .filter(|n| lit.contains(&n.id))
        .filter_map(|n| {
            let want: Vec<&str> = n.id.split('>').collect();
            let ds: Vec<&Decision> = calls
                .iter()
                .filter(|(p, _)| {
                    if rooted {
                        *p == want
                    } else {
                        want.len() > 1 && p.ends_with(&want[1..])
                    }
                })
                .flat_map(|(_, c)| c.decisions.iter())
                .collect();
            (!ds.is_empty()).then(|| (n.id.clone(), ds))
        })
        .collect()
}

fn kind_id(k: NodeKind) -> &'static str {
    match k {
        NodeKind::Function => "function",
        NodeKind::Lock => "lock",
        NodeKind::Tlb => "tlb",
        NodeKind::Sleep => "sleep",
        NodeKind::Check => "check",
    }
}

fn kind_words(k: NodeKind) -> &'static str {
    match k {
        NodeKind::Function => "function",
        NodeKind::Lock => "kmap_lock",
        NodeKind::Tlb => "TLB flush",
        NodeKind::Sleep => "sleep or wake-up",
        NodeKind::Check => "check",
    }
}

/// The graph.
#[component]
pub fn CallGraphView(props: &CallGraphViewProps) -> Html {
    let g: &CallGraph = &props.graph;
    let seq = props.last.as_ref().map_or(0, |r| r.seq);
    let done = props.last.as_ref().and_then(|r| r.last_done());
    let lit_ids: Vec<String> = done.map(|a| lit(g, &a.outcome.trace)).unwrap_or_default();
    let decided = done
        .map(|a| decisions(g, &a.outcome.trace, &lit_ids))
        .unwrap_or_default();
    let (placed, width, height) = layout(g, &lit_ids);
    let id = format!("cg-{}", g.root);
    let index_of = |node: &str| g.nodes.iter().position(|n| n.id == node);
    let numbered: Vec<(usize, usize)> = decided
        .iter()
        .enumerate()
        .filter_map(|(k, (node, _))| index_of(node).map(|i| (i, k + 1)))
        .collect();
    let title = format!("The call graph of {}() in Linux {}", g.root, props.kernel);
    let desc = if lit_ids.is_empty() {
        format!(
            "{} nodes. The last operation did not go through {}().",
            g.nodes.len(),
            g.root
        )
    } else {
        let names: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| lit_ids.contains(&n.id))
            .map(|n| n.label.as_str())
            .collect();
        format!(
            "{} nodes; the last operation went through {}: {}.",
            g.nodes.len(),
            names.len(),
            names.join(", ")
        )
    };
    let edges = g.nodes.iter().enumerate().filter_map(|(i, n)| {
        let parent = CallGraph::parent(&n.id).and_then(index_of)?;
        let (p, c) = (placed[parent], placed[i]);
        let px = p.x + 9.0;
        let cy = c.y + BOX_H / 2.0;
        let on = lit_ids.contains(&n.id) && lit_ids.contains(&g.nodes[parent].id);
        Some(html! {
            <path class={classes!("cg-edge", on.then_some("lit"))}
                  d={format!("M{px:.1},{:.1} V{cy:.1} H{:.1}", p.y + BOX_H, c.x)} />
        })
    });
    let nodes = g.nodes.iter().enumerate().map(|(i, n)| {
        let at = placed[i];
        let on = lit_ids.contains(&n.id);
        let number = numbered.iter().find(|(j, _)| *j == i).map(|(_, k)| *k);
        let aria = format!(
            "{}{} ({}){}: its source in Linux {} on Elixir",
            n.label,
            n.when.map(|w| format!(", if {w}")).unwrap_or_default(),
            kind_words(n.kind),
            if on { ", ran in the last operation" } else { "" },
            props.kernel
        );
        let key = if on { format!("{}@{seq}", n.id) } else { n.id.clone() };
        html! {
            <g key={key} class={classes!("cg-node", format!("kind-{}", kind_id(n.kind)), on.then_some("lit"))}
               data-node={n.id.clone()} data-lit={on.to_string()}>
                if let Some(w) = n.when {
                    <text class="cg-when" x={format!("{:.1}", at.x + 2.0)} y={format!("{:.1}", at.y - 4.0)}
                          aria-hidden="true">{ format!("if {w}") }</text>
                }
                <a href={n.url.clone()} class="cg-link" aria-label={aria} rel="noopener">
                    <rect class="cg-box" x={format!("{:.1}", at.x)} y={format!("{:.1}", at.y)}
                          width={format!("{:.1}", at.w)} height={BOX_H.to_string()} rx={
                              if n.kind == NodeKind::Lock { "11" } else { "3" }
                          } />
                    <text class="cg-label" x={format!("{:.1}", at.x + 8.0)} y={format!("{:.1}", at.y + 15.0)}>
                        { label(n, on) }
                    </text>
                </a>
                if let Some(k) = number {
                    <g class="cg-mark" aria-hidden="true">
                        <circle cx={format!("{:.1}", at.x + at.w + 12.0)} cy={format!("{:.1}", at.y + BOX_H / 2.0)} r="9" />
                        <text x={format!("{:.1}", at.x + at.w + 12.0)} y={format!("{:.1}", at.y + BOX_H / 2.0 + 4.0)}
                              text-anchor="middle">{ k }</text>
                    </g>
                }
            </g>
        }
    });
    html! {
        <div class="call-graph" data-root={g.root} data-lit={lit_ids.len().to_string()}>
            <div class="graph-wrap">
                <svg class="cg-svg" width={format!("{width:.0}")} height={format!("{height:.0}")}
                     viewBox={format!("0 0 {width:.0} {height:.0}")} role="group"
                     aria-labelledby={format!("{id}-title {id}-desc")}>
                    <title id={format!("{id}-title")}>{ title }</title>
                    <desc id={format!("{id}-desc")}>{ desc }</desc>
                    <g class="cg-edges" aria-hidden="true">{ for edges }</g>
                    { for nodes }
                </svg>
            </div>
            if lit_ids.is_empty() {
                <p class="hint cg-none">{ format!("The last operation did not call {}().", g.root) }</p>
            } else if !decided.is_empty() {
                <ol class="cg-decisions" aria-label={format!("Decisions taken in {}()", g.root)}>
                    { for decided.iter().map(|(node, ds)| {
                        let n = g.nodes.iter().find(|x| &x.id == node);
                        html! {
                            <li data-node={node.clone()}>
                                <code class="cg-fn">{ n.map(|n| n.function).unwrap_or_default() }</code>
                                <ul class="cg-answers">
                                    { for ds.iter().map(|d| html! {
                                        <li>
                                            <span class="question">{ d.question.clone() }</span>
                                            <span class="answer">{ format!(" {}", d.answer) }</span>
                                        </li>
                                    }) }
                                </ul>
                            </li>
                        }
                    }) }
                </ol>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use highmem_engine::highmem::graph::kmap_graph;
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn rows_go_down_and_indent_by_depth() {
        let g = kmap_graph(ProfileId::V2_6_24.profile());
        let (placed, w, h) = layout(&g, &[]);
        assert_eq!(placed.len(), g.nodes.len());
        for (i, n) in g.nodes.iter().enumerate() {
            assert_eq!(placed[i].x, PAD + f64::from(n.depth) * INDENT);
            if i > 0 {
                assert!(placed[i].y > placed[i - 1].y);
            }
            assert!(placed[i].x + placed[i].w <= w);
            assert!(placed[i].y + BOX_H <= h);
        }
        // A lit label is wider (its check mark), never cut off.
        let all: Vec<String> = g.nodes.iter().map(|n| n.id.clone()).collect();
        let (lit, lw, _) = layout(&g, &all);
        assert!(lit[0].w > placed[0].w && lw >= w);
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod dom_tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use crate::lab::Lab;
    use highmem_engine::e820::E820Map;
    use highmem_engine::highmem::graph::graphs;
    use highmem_engine::machine::{MachineConfig, Op, PageRef, Who};
    use highmem_engine::profile::ProfileId;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Every graph of the era, rendered after the lab's last op: the nodes marked lit are
    /// exactly the ones `lit()` returns, each node links to its Elixir page, and the listed
    /// decisions are the lit nodes' own.
    async fn assert_lit_as_the_engine_says(l: &Lab) -> usize {
        let m = l.machine().unwrap();
        let trace = &l.last.as_ref().unwrap().last_done().unwrap().outcome.trace;
        let mut lit_total = 0;
        for g in graphs(m.profile()) {
            let want = lit(&g, trace);
            let root = render::<CallGraphView>(CallGraphViewProps {
                graph: Rc::new(g.clone()),
                kernel: m.profile().name.into(),
                last: l.last.clone(),
            })
            .await;
            let nodes = all(&root, "g.cg-node");
            assert_eq!(nodes.len(), g.nodes.len());
            let shown: Vec<String> = nodes
                .iter()
                .filter(|n| attr(n, "data-lit") == "true")
                .map(|n| attr(n, "data-node"))
                .collect();
            assert_eq!(shown, want, "{}: {}", m.profile().name, g.root);
            for (n, el) in g.nodes.iter().zip(&nodes) {
                let a = el.query_selector("a").unwrap().unwrap();
                assert_eq!(attr(&a, "href"), n.url);
                let label = el
                    .query_selector(".cg-label")
                    .unwrap()
                    .unwrap()
                    .text_content()
                    .unwrap();
                assert_eq!(label.starts_with('✓'), want.contains(&n.id), "{}", n.id);
            }
            let listed: Vec<String> = all(&root, ".cg-decisions > li")
                .iter()
                .map(|li| attr(li, "data-node"))
                .collect();
            let decided: Vec<String> = decisions(&g, trace, &want)
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            assert_eq!(listed, decided);
            assert!(listed.iter().all(|id| want.contains(id)));
            assert_eq!(all(&root, "svg > title").len(), 1);
            assert_eq!(all(&root, "svg > desc").len(), 1);
            lit_total += want.len();
        }
        lit_total
    }

    fn kmap(pfn: u64) -> Op {
        Op::Kmap {
            task: "A".into(),
            page: PageRef::Pfn(pfn),
            nonblock: false,
        }
    }

    #[test]
    async fn kmap_paths_light_the_engines_nodes_in_every_era() {
        for profile in [ProfileId::V2_4_22, ProfileId::V2_6_24, ProfileId::V6_1] {
            let mut l = Lab::boot(MachineConfig::new(
                profile,
                E820Map::qemu_pc(2 << 30).unwrap(),
            ))
            .apply(Op::Task {
                name: "A".into(),
                cpu: 0,
                kthread: false,
            });
            let high = l.machine().unwrap().layout().memory.highstart_pfn.as_u64();
            for op in [
                kmap(high),  // a new slot
                kmap(high),  // found by the lookup
                kmap(0x100), // a low page
                Op::Kunmap {
                    task: "A".into(),
                    page: PageRef::Pfn(high),
                },
                Op::KmapAtomic {
                    who: Who::Cpu(0),
                    page: PageRef::Pfn(high + 1),
                    km_type: profile.profile().atomic.types.get(3).map(|t| t.to_string()),
                },
            ] {
                l = l.apply(op);
                assert!(assert_lit_as_the_engine_says(&l).await > 0, "{profile}");
            }
        }
    }
}
