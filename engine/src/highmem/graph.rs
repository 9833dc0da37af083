//! The call graphs of `kmap()` and `kunmap()` for an era, as data the front-end draws, and
//! which of their nodes and edges an operation's trace went through.
//!
//! Every node is a function (or lock operation) the era's code calls on that path, with a
//! link to it in the era's tree. A node is identified by its path from the root, so that
//! `page_address` under `kmap` (the lowmem shortcut) and under `kmap_high` (the hash lookup)
//! light up separately.

use crate::profile::{IrqCheck, Profile};
use crate::trace::Call;
use serde::Serialize;

/// What a node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A function.
    Function,
    /// Taking or dropping `kmap_lock`.
    Lock,
    /// A TLB flush.
    Tlb,
    /// Going to sleep or waking.
    Sleep,
    /// A BUG or a debug check.
    Check,
}

/// A node of a call graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GraphNode {
    /// The path of function names from the root, joined with `>`.
    pub id: String,
    /// The function's name (as traces name it).
    pub function: &'static str,
    /// A label for the reader, if it differs from the function's name.
    pub label: String,
    /// What it is.
    pub kind: NodeKind,
    /// The function in the era's tree on Bootlin Elixir.
    pub url: String,
    /// Depth from the root (for a layered drawing).
    pub depth: u32,
    /// The edge's condition from its parent, if the call is conditional.
    pub when: Option<&'static str>,
}

/// A call graph: nodes in depth-first order; each node's parent is the node whose id is its
/// id minus the last `>` component.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CallGraph {
    /// `kmap` or `kunmap`.
    pub root: &'static str,
    /// The nodes.
    pub nodes: Vec<GraphNode>,
}

impl CallGraph {
    /// The parent id of a node.
    pub fn parent(id: &str) -> Option<&str> {
        id.rsplit_once('>').map(|(p, _)| p)
    }
}

struct Builder<'p> {
    profile: &'p Profile,
    nodes: Vec<GraphNode>,
    path: Vec<&'static str>,
}

impl Builder<'_> {
    fn node(
        &mut self,
        function: &'static str,
        label: &str,
        kind: NodeKind,
        when: Option<&'static str>,
    ) {
        let mut path = self.path.clone();
        path.push(function);
        self.nodes.push(GraphNode {
            id: path.join(">"),
            function,
            label: if label.is_empty() {
                function.to_string()
            } else {
                label.to_string()
            },
            kind,
            url: self
                .profile
                .ident_url(function.trim_start_matches("BUG").trim()),
            depth: self.path.len() as u32,
            when,
        });
    }

    fn with(
        &mut self,
        function: &'static str,
        label: &str,
        kind: NodeKind,
        when: Option<&'static str>,
        inner: impl FnOnce(&mut Self),
    ) {
        self.node(function, label, kind, when);
        self.path.push(function);
        inner(self);
        self.path.pop();
    }
}

fn irq_node(b: &mut Builder, check: IrqCheck) {
    match check {
        IrqCheck::OutOfLineBug(_) => b.node(
            "out_of_line_bug",
            "",
            NodeKind::Check,
            Some("in_interrupt()"),
        ),
        IrqCheck::Bug(_) => b.node("BUG", "BUG()", NodeKind::Check, Some("in_interrupt()")),
        IrqCheck::MightSleep(_) => b.node("might_sleep", "", NodeKind::Check, None),
    }
}

/// The call graph of `kmap()` in this era.
pub fn kmap_graph(p: &Profile) -> CallGraph {
    let mut b = Builder {
        profile: p,
        nodes: Vec::new(),
        path: Vec::new(),
    };
    let hashed = p.pkmap.store != crate::highmem::AddressStore::PageVirtual;
    b.with("kmap", "", NodeKind::Function, None, |b| {
        irq_node(b, p.pkmap.kmap_irq);
        b.node(
            "page_address",
            "page_address (lowmem)",
            NodeKind::Function,
            Some("lowmem page"),
        );
        b.with(
            "kmap_high",
            "",
            NodeKind::Function,
            Some("highmem page"),
            |b| {
                b.node("spin_lock", "spin_lock(&kmap_lock)", NodeKind::Lock, None);
                b.node(
                    "page_address",
                    if hashed {
                        "page_address (hash lookup)"
                    } else {
                        "page->virtual"
                    },
                    NodeKind::Function,
                    None,
                );
                b.with(
                    "map_new_virtual",
                    "",
                    NodeKind::Function,
                    Some("not mapped"),
                    |b| {
                        b.with(
                            "flush_all_zero_pkmaps",
                            "",
                            NodeKind::Function,
                            Some("wrapped to slot 0"),
                            |b| {
                                if hashed {
                                    b.node(
                                        "set_page_address",
                                        "set_page_address(page, NULL)",
                                        NodeKind::Function,
                                        Some("slot at count 1"),
                                    );
                                }
                                b.with(p.pkmap.flush_fn, "", NodeKind::Tlb, None, |b| {
                                    b.node(
                                        "do_flush_tlb_all",
                                        "do_flush_tlb_all (each CPU)",
                                        NodeKind::Tlb,
                                        None,
                                    );
                                });
                            },
                        );
                        b.node(
                            "set_pte",
                            "set_pte(pkmap_page_table[nr])",
                            NodeKind::Function,
                            Some("slot found"),
                        );
                        if hashed {
                            b.node(
                                "set_page_address",
                                "",
                                NodeKind::Function,
                                Some("slot found"),
                            );
                        }
                        b.node(
                            "add_wait_queue",
                            "add_wait_queue(&pkmap_map_wait)",
                            NodeKind::Sleep,
                            Some("no free slot"),
                        );
                        b.node(
                            "spin_unlock",
                            "spin_unlock(&kmap_lock)",
                            NodeKind::Lock,
                            Some("no free slot"),
                        );
                        b.node(
                            "schedule",
                            "schedule (sleep)",
                            NodeKind::Sleep,
                            Some("no free slot"),
                        );
                        b.node("remove_wait_queue", "", NodeKind::Sleep, Some("woken"));
                    },
                );
                b.node(
                    "spin_unlock",
                    "spin_unlock(&kmap_lock)",
                    NodeKind::Lock,
                    None,
                );
            },
        );
    });
    CallGraph {
        root: "kmap",
        nodes: b.nodes,
    }
}

/// The call graph of `kunmap()` in this era.
pub fn kunmap_graph(p: &Profile) -> CallGraph {
    let mut b = Builder {
        profile: p,
        nodes: Vec::new(),
        path: Vec::new(),
    };
    let hashed = p.pkmap.store != crate::highmem::AddressStore::PageVirtual;
    b.with("kunmap", "", NodeKind::Function, None, |b| {
        irq_node(b, p.pkmap.kunmap_irq);
        b.with(
            "kunmap_high",
            "",
            NodeKind::Function,
            Some("highmem page"),
            |b| {
                b.node("spin_lock", "spin_lock(&kmap_lock)", NodeKind::Lock, None);
                b.node(
                    "page_address",
                    if hashed {
                        "page_address (hash lookup)"
                    } else {
                        "page->virtual"
                    },
                    NodeKind::Function,
                    None,
                );
                b.node(
                    "spin_unlock",
                    "spin_unlock(&kmap_lock)",
                    NodeKind::Lock,
                    None,
                );
                b.node(
                    "wake_up",
                    "wake_up(&pkmap_map_wait)",
                    NodeKind::Sleep,
                    Some("count fell to 1 and tasks wait"),
                );
            },
        );
    });
    CallGraph {
        root: "kunmap",
        nodes: b.nodes,
    }
}

/// The ids of the nodes a trace went through: a node is lit when some call of the trace, with
/// its ancestors reduced to the functions the graph knows, has exactly the node's path. A
/// trace without the root function (a `kmap()` finished after a sleep, inside a `switch`)
/// lights a node when a call's reduced path ends with the node's path minus the root.
pub fn lit(graph: &CallGraph, trace: &Call) -> Vec<String> {
    let known: Vec<&str> = graph.nodes.iter().map(|n| n.function).collect();
    let mut paths: Vec<Vec<&str>> = Vec::new();
    collect(trace, &mut Vec::new(), &mut paths);
    let reduced: Vec<Vec<&str>> = paths
        .into_iter()
        .map(|p| p.into_iter().filter(|f| known.contains(f)).collect())
        .collect();
    let rooted = reduced.iter().any(|p| p.contains(&graph.root));
    graph
        .nodes
        .iter()
        .filter(|n| {
            let want: Vec<&str> = n.id.split('>').collect();
            reduced.iter().any(|p| {
                if rooted {
                    *p == want
                } else {
                    want.len() > 1 && p.ends_with(&want[1..])
                }
            })
        })
        .map(|n| n.id.clone())
        .collect()
}

fn collect<'a>(call: &'a Call, stack: &mut Vec<&'a str>, out: &mut Vec<Vec<&'a str>>) {
    stack.push(&call.function);
    out.push(stack.clone());
    for c in &call.children {
        collect(c, stack, out);
    }
    stack.pop();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ProfileId;
    use crate::trace::Tracer;

    #[test]
    fn graphs_follow_the_era() {
        let g24 = kmap_graph(ProfileId::V2_4_22.profile());
        assert!(g24.nodes.iter().any(|n| n.function == "out_of_line_bug"));
        assert!(g24.nodes.iter().any(|n| n.function == "flush_tlb_all"));
        assert!(!g24.nodes.iter().any(|n| n.function == "set_page_address"));
        let g61 = kmap_graph(ProfileId::V6_1.profile());
        assert!(g61.nodes.iter().any(|n| n.function == "might_sleep"));
        assert!(g61.nodes.iter().any(
            |n| n.id == "kmap>kmap_high>map_new_virtual>flush_all_zero_pkmaps>set_page_address"
        ));
        assert!(g61.nodes[0].url.ends_with("/v6.1/A/ident/kmap"));
        let k26 = kunmap_graph(ProfileId::V2_6_24.profile());
        assert!(k26.nodes.iter().any(|n| n.function == "BUG"));
        for g in [&g24, &g61, &k26] {
            for n in &g.nodes[1..] {
                let parent = CallGraph::parent(&n.id).unwrap();
                assert!(g.nodes.iter().any(|m| m.id == parent), "{}", n.id);
            }
        }
    }

    #[test]
    fn lit_nodes_follow_the_trace() {
        let g = kmap_graph(ProfileId::V2_6_24.profile());
        let mut t = Tracer::new();
        t.enter("kmap", &[]);
        t.enter("kmap_high", &[]);
        t.leaf("spin_lock", &[], "");
        t.leaf("page_address", &[], "");
        t.enter("map_new_virtual", &[]);
        t.leaf("set_pte", &[], "");
        t.leaf("set_page_address", &[], "");
        t.exit();
        t.leaf("spin_unlock", &[], "");
        let (trace, _) = t.finish();
        let lit = lit(&g, &trace);
        assert!(lit.contains(&"kmap>kmap_high>map_new_virtual>set_pte".to_string()));
        assert!(lit.contains(&"kmap>kmap_high>page_address".to_string()));
        assert!(
            !lit.contains(&"kmap>page_address".to_string()),
            "the lowmem shortcut was not taken"
        );
        assert!(!lit.iter().any(|n| n.contains("flush_all_zero_pkmaps")));
        // A kmap finished after a sleep: its trace starts at schedule.
        let mut t = Tracer::new();
        t.enter("schedule", &[]);
        t.exit();
        t.enter("kmap_high", &[]);
        t.enter("map_new_virtual", &[]);
        t.leaf("set_pte", &[], "");
        let (trace, _) = t.finish();
        assert!(lit_has(
            &g,
            &trace,
            "kmap>kmap_high>map_new_virtual>set_pte"
        ));
    }

    fn lit_has(g: &CallGraph, t: &Call, id: &str) -> bool {
        lit(g, t).iter().any(|n| n == id)
    }
}
