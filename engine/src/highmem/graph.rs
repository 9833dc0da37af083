//! The call graphs of `kmap()`, `kunmap()`, `kmap_atomic()`, `kunmap_atomic()` (and 6.1's
//! `kmap_local_page()`, `kunmap_local()`), `vmalloc()` and `vfree()` for an era, as data the front-end draws, and which
//! of their nodes and edges an operation's trace went through.
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

/// The call graph of `kmap_atomic()` in this era (6.1: the wrapper around the local stack).
pub fn kmap_atomic_graph(p: &Profile) -> CallGraph {
    let mut b = Builder {
        profile: p,
        nodes: Vec::new(),
        path: Vec::new(),
    };
    b.with("kmap_atomic", "", NodeKind::Function, None, |b| {
        if p.atomic.local.is_some() {
            b.node("preempt_disable", "", NodeKind::Check, None);
            b.node("pagefault_disable", "", NodeKind::Check, None);
            local_map_nodes(b);
            return;
        }
        if let Some((up, _)) = p.atomic.count_fns {
            b.node(up, "", NodeKind::Check, None);
        }
        b.node(
            "page_address",
            "page_address (lowmem)",
            NodeKind::Function,
            Some("lowmem page"),
        );
        if p.atomic.debug_types.is_some() {
            b.node(
                "debug_kmap_atomic",
                "",
                NodeKind::Check,
                Some("CONFIG_DEBUG_HIGHMEM"),
            );
        }
        b.node(
            "__fix_to_virt",
            "__fix_to_virt(FIX_KMAP_BEGIN + idx)",
            NodeKind::Function,
            Some("highmem page"),
        );
        bug_node(
            b,
            p.atomic.busy.file,
            if p.atomic.busy.debug_only {
                "slot busy (CONFIG_DEBUG_HIGHMEM)"
            } else {
                "slot busy"
            },
        );
        b.node(
            "set_pte",
            "set_pte(kmap_pte - idx)",
            NodeKind::Function,
            Some("highmem page"),
        );
        if p.atomic.flush_on_map {
            b.node(
                "__flush_tlb_one",
                "__flush_tlb_one (invlpg)",
                NodeKind::Tlb,
                Some("highmem page"),
            );
        }
    });
    CallGraph {
        root: "kmap_atomic",
        nodes: b.nodes,
    }
}

fn bug_node(b: &mut Builder, file: &str, when: &'static str) {
    if file.ends_with(".h") {
        b.node("out_of_line_bug", "", NodeKind::Check, Some(when));
    } else {
        b.node("BUG", "BUG()", NodeKind::Check, Some(when));
    }
}

fn local_map_nodes(b: &mut Builder) {
    b.with(
        "__kmap_local_page_prot",
        "",
        NodeKind::Function,
        None,
        |b| {
            b.node(
                "page_address",
                "page_address (lowmem)",
                NodeKind::Function,
                Some("lowmem page"),
            );
            b.with(
                "__kmap_local_pfn_prot",
                "",
                NodeKind::Function,
                Some("highmem page"),
                |b| {
                    b.node("migrate_disable", "", NodeKind::Check, None);
                    b.node("preempt_disable", "", NodeKind::Check, None);
                    b.node(
                        "kmap_local_idx_push",
                        "kmap_local_idx_push (current->kmap_ctrl)",
                        NodeKind::Function,
                        None,
                    );
                    b.node(
                        "kmap_local_calc_idx",
                        "kmap_local_calc_idx: slot + KM_MAX_IDX × cpu",
                        NodeKind::Function,
                        None,
                    );
                    b.node(
                        "BUG",
                        "BUG()",
                        NodeKind::Check,
                        Some("stack full or slot busy"),
                    );
                    b.node(
                        "set_pte_at",
                        "set_pte_at (no flush)",
                        NodeKind::Function,
                        None,
                    );
                    b.node("preempt_enable", "", NodeKind::Check, None);
                },
            );
        },
    );
}

/// The call graph of 6.1's `kmap_local_page()`.
pub fn kmap_local_graph(p: &Profile) -> CallGraph {
    let mut b = Builder {
        profile: p,
        nodes: Vec::new(),
        path: Vec::new(),
    };
    b.with(
        "kmap_local_page",
        "",
        NodeKind::Function,
        None,
        local_map_nodes,
    );
    CallGraph {
        root: "kmap_local_page",
        nodes: b.nodes,
    }
}

fn local_unmap_nodes(b: &mut Builder) {
    b.with("kunmap_local_indexed", "", NodeKind::Function, None, |b| {
        b.node("preempt_disable", "", NodeKind::Check, Some("a kmap slot"));
        b.node(
            "kmap_local_idx",
            "kmap_local_idx (top of the stack)",
            NodeKind::Function,
            Some("a kmap slot"),
        );
        b.node("BUG", "BUG()", NodeKind::Check, Some("empty stack"));
        b.node(
            "pte_clear",
            "pte_clear (the top slot)",
            NodeKind::Function,
            Some("a kmap slot"),
        );
        b.node(
            "flush_tlb_one_kernel",
            "flush_tlb_one_kernel (the address passed)",
            NodeKind::Tlb,
            Some("a kmap slot"),
        );
        b.node(
            "kmap_local_idx_pop",
            "",
            NodeKind::Function,
            Some("a kmap slot"),
        );
        b.node("preempt_enable", "", NodeKind::Check, Some("a kmap slot"));
        b.node("migrate_enable", "", NodeKind::Check, Some("a kmap slot"));
    });
}

/// The call graph of 6.1's `kunmap_local()`.
pub fn kunmap_local_graph(p: &Profile) -> CallGraph {
    let mut b = Builder {
        profile: p,
        nodes: Vec::new(),
        path: Vec::new(),
    };
    b.with(
        "kunmap_local",
        "",
        NodeKind::Function,
        None,
        local_unmap_nodes,
    );
    CallGraph {
        root: "kunmap_local",
        nodes: b.nodes,
    }
}

/// The call graph of `kunmap_atomic()` in this era.
pub fn kunmap_atomic_graph(p: &Profile) -> CallGraph {
    let mut b = Builder {
        profile: p,
        nodes: Vec::new(),
        path: Vec::new(),
    };
    let rules = p.atomic;
    b.with("kunmap_atomic", "", NodeKind::Function, None, |b| {
        if rules.local.is_some() {
            local_unmap_nodes(b);
            b.node("pagefault_enable", "", NodeKind::Check, None);
            b.node("preempt_enable", "", NodeKind::Check, None);
            return;
        }
        let debug_when = if rules.unmap_clears_only_in_debug {
            "CONFIG_DEBUG_HIGHMEM, the type's slot"
        } else {
            "the type's slot"
        };
        if rules.wrong_address_lowmem_rule {
            b.node(
                "kpte_clear_flush",
                "kpte_clear_flush",
                NodeKind::Function,
                Some(debug_when),
            );
        } else {
            b.node("pte_clear", "", NodeKind::Function, Some(debug_when));
        }
        b.node(
            "__flush_tlb_one",
            "__flush_tlb_one (invlpg)",
            NodeKind::Tlb,
            Some(debug_when),
        );
        bug_node(
            b,
            rules.wrong_address.file,
            "CONFIG_DEBUG_HIGHMEM, another address",
        );
        if let Some((_, down)) = rules.count_fns {
            b.node(down, "", NodeKind::Check, None);
        }
    });
    CallGraph {
        root: "kunmap_atomic",
        nodes: b.nodes,
    }
}

/// The TLB flush of a kernel range as the era does it.
fn flush_range_nodes(b: &mut Builder, p: &Profile, when: Option<&'static str>) {
    let name = if p.name == "2.4.22" {
        "flush_tlb_all"
    } else {
        "flush_tlb_kernel_range"
    };
    b.with(name, "", NodeKind::Tlb, when, |b| {
        b.node(
            "do_flush_tlb_all",
            "do_flush_tlb_all (each CPU)",
            NodeKind::Tlb,
            p.vmalloc.flush_ceiling.map(|_| "more than 33 pages"),
        );
        if p.vmalloc.flush_ceiling.is_some() {
            b.node(
                "do_kernel_range_flush",
                "do_kernel_range_flush (invlpg per page, each CPU)",
                NodeKind::Tlb,
                Some("33 pages or fewer"),
            );
        }
    });
}

fn purge_nodes(b: &mut Builder, p: &Profile, when: Option<&'static str>) {
    b.with(
        "__purge_vmap_area_lazy",
        "",
        NodeKind::Function,
        when,
        |b| {
            if p.vmalloc.allocator == crate::vmalloc::Allocator::VmapLazy {
                b.node(
                    "unmap_vmap_area",
                    "unmap_vmap_area (clear the PTEs now)",
                    NodeKind::Function,
                    None,
                );
            }
            flush_range_nodes(b, p, None);
        },
    );
}

/// The call graph of `vmalloc()` in this era.
pub fn vmalloc_graph(p: &Profile) -> CallGraph {
    let mut b = Builder {
        profile: p,
        nodes: Vec::new(),
        path: Vec::new(),
    };
    let v = p.vmalloc;
    let lazy = matches!(
        v.allocator,
        crate::vmalloc::Allocator::VmapLazy | crate::vmalloc::Allocator::VmapFreeTree
    );
    let pages = |b: &mut Builder| {
        if v.pages_array {
            b.node(
                v.names.inner,
                &format!("{} (the pages array)", v.names.inner),
                NodeKind::Function,
                Some("more than 1,024 pages"),
            );
        }
        b.with(
            "__alloc_pages",
            "alloc_page (each page)",
            NodeKind::Function,
            None,
            |b| {
                b.node(
                    "rmqueue",
                    "rmqueue (zone by zone)",
                    NodeKind::Function,
                    None,
                )
            },
        );
        b.with(v.names.map, "", NodeKind::Function, None, |b| {
            b.with(
                "pte_alloc_kernel",
                "",
                NodeKind::Function,
                Some("no page table yet"),
                |b| {
                    b.with(
                        "__alloc_pages",
                        "alloc_page (a page table)",
                        NodeKind::Function,
                        None,
                        |b| b.node("rmqueue", "", NodeKind::Function, None),
                    )
                },
            );
            if v.eager_sync {
                b.node(
                    "arch_sync_kernel_mappings",
                    "arch_sync_kernel_mappings (every pgd)",
                    NodeKind::Function,
                    Some("new PDE, no PAE"),
                );
            }
        });
    };
    b.with("vmalloc", "", NodeKind::Function, None, |b| {
        b.with(v.names.inner, "", NodeKind::Function, None, |b| {
            b.with(v.names.get_area, "", NodeKind::Function, None, |b| {
                if v.get_area_irq_bug.is_some() {
                    b.node("BUG", "BUG()", NodeKind::Check, Some("in_interrupt()"));
                }
                if lazy {
                    b.with("alloc_vmap_area", "", NodeKind::Function, None, |b| {
                        purge_nodes(b, p, Some("no room: purge, retry once"));
                    });
                }
            });
            match v.names.area {
                Some(area) => b.with(area, "", NodeKind::Function, None, pages),
                None => pages(b),
            }
        });
    });
    CallGraph {
        root: "vmalloc",
        nodes: b.nodes,
    }
}

/// The call graph of `vfree()` in this era.
pub fn vfree_graph(p: &Profile) -> CallGraph {
    let mut b = Builder {
        profile: p,
        nodes: Vec::new(),
        path: Vec::new(),
    };
    let v = p.vmalloc;
    use crate::vmalloc::Allocator;
    b.with("vfree", "", NodeKind::Function, None, |b| {
        match v.vfree_irq {
            crate::profile::VfreeIrq::Bug(_) => {
                b.node("BUG", "BUG()", NodeKind::Check, Some("in_interrupt()"))
            }
            crate::profile::VfreeIrq::Deferred => b.node(
                "__vfree_deferred",
                "__vfree_deferred (a workqueue)",
                NodeKind::Sleep,
                Some("in_interrupt()"),
            ),
            crate::profile::VfreeIrq::Unchecked => {}
        }
        let body = |b: &mut Builder| match v.allocator {
            Allocator::Vmlist24 | Allocator::Vmlist26 => {
                b.node(
                    if v.allocator == Allocator::Vmlist24 {
                        "vmfree_area_pages"
                    } else {
                        "unmap_vm_area"
                    },
                    "",
                    NodeKind::Function,
                    None,
                );
                flush_range_nodes(b, p, None);
            }
            Allocator::VmapLazy => {
                b.node(
                    "free_unmap_vmap_area_noflush",
                    "free_unmap_vmap_area_noflush (PTEs stay)",
                    NodeKind::Function,
                    None,
                );
                b.node(
                    "try_purge_vmap_area_lazy",
                    "",
                    NodeKind::Function,
                    Some("vmap_lazy_nr > lazy_max_pages()"),
                );
                purge_nodes(b, p, Some("vmap_lazy_nr > lazy_max_pages()"));
            }
            Allocator::VmapFreeTree => {
                b.node(
                    "free_unmap_vmap_area",
                    "free_unmap_vmap_area (PTEs cleared, no flush)",
                    NodeKind::Function,
                    None,
                );
                b.node(
                    "drain_vmap_area_work",
                    "",
                    NodeKind::Function,
                    Some("vmap_lazy_nr > lazy_max_pages()"),
                );
                purge_nodes(b, p, Some("vmap_lazy_nr > lazy_max_pages()"));
            }
        };
        if v.allocator == Allocator::Vmlist24 {
            body(b);
        } else {
            b.with("remove_vm_area", "", NodeKind::Function, None, body);
        }
        b.node(
            "__free_page",
            "__free_page (each page)",
            NodeKind::Function,
            None,
        );
        if v.pages_array {
            b.node(
                "vfree",
                "vfree (the pages array)",
                NodeKind::Function,
                Some("more than 1,024 pages"),
            );
        }
    });
    CallGraph {
        root: "vfree",
        nodes: b.nodes,
    }
}

/// Every graph this era has, by root.
pub fn graphs(p: &Profile) -> Vec<CallGraph> {
    let mut g = vec![
        kmap_graph(p),
        kunmap_graph(p),
        kmap_atomic_graph(p),
        kunmap_atomic_graph(p),
        vmalloc_graph(p),
        vfree_graph(p),
    ];
    if p.atomic.local.is_some() {
        g.push(kmap_local_graph(p));
        g.push(kunmap_local_graph(p));
    }
    g
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
        let a24 = kmap_atomic_graph(ProfileId::V2_4_22.profile());
        assert!(a24.nodes.iter().any(|n| n.function == "out_of_line_bug"));
        assert!(a24.nodes.iter().any(|n| n.function == "__flush_tlb_one"));
        let a32 = kmap_atomic_graph(ProfileId::V2_6_32.profile());
        assert!(a32.nodes.iter().any(|n| n.function == "debug_kmap_atomic"));
        assert!(!a32.nodes.iter().any(|n| n.function == "__flush_tlb_one"));
        let a61 = kmap_atomic_graph(ProfileId::V6_1.profile());
        assert!(a61.nodes.iter().any(|n| n.id
            == "kmap_atomic>__kmap_local_page_prot>__kmap_local_pfn_prot>kmap_local_idx_push"));
        assert_eq!(graphs(ProfileId::V6_1.profile()).len(), 8);
        assert_eq!(graphs(ProfileId::V2_6_11.profile()).len(), 6);
        for g in graphs(ProfileId::V2_6_24.profile())
            .iter()
            .chain(graphs(ProfileId::V6_1.profile()).iter())
            .chain([&g24, &g61, &k26])
        {
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
