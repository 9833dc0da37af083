//! How `hmsim run` reports a scenario: a table of outcomes and the final state as text, or
//! everything (traces included) as JSON.

use highmem_engine::machine::{Machine, Outcome};
use highmem_engine::script::Ran;
use serde_json::{json, Value};
use std::fmt::Write;

fn value_text(o: &Outcome) -> String {
    o.value.map(|v| format!("{v:#x}")).unwrap_or_default()
}

/// The text report.
pub fn text(m: &Machine, ran: &[Ran]) -> String {
    let mut out = String::new();
    let c = m.config();
    let _ = writeln!(
        out,
        "machine: Linux {}, {}, {} CPU{} ({}), {} of RAM",
        m.profile().name,
        if c.pae { "PAE" } else { "non-PAE" },
        c.cpus,
        if c.cpus == 1 { "" } else { "s" },
        m.cpu_spec().name,
        highmem_engine::size::format_size_approx(c.e820.usable_bytes())
    );
    let width = ran
        .iter()
        .map(|r| r.step.text.len())
        .max()
        .unwrap_or(0)
        .min(48);
    for r in ran {
        let o = &r.outcome;
        let mut lines = o.message.lines();
        let _ = writeln!(
            out,
            "{:>4}  {:<width$}  {:<5} {:>10}  {}",
            r.step.line,
            r.step.text,
            o.result.name(),
            value_text(o),
            lines.next().unwrap_or("")
        );
        for more in lines {
            let _ = writeln!(
                out,
                "{:>4}  {:<width$}  {:<5} {:>10}  {more}",
                "", "", "", ""
            );
        }
    }
    out.push_str(&state_text(m));
    out
}

fn state_text(m: &Machine) -> String {
    let s = m.snapshot();
    let mut out = String::from("\nstate:\n");
    for c in &s.cpus {
        let _ = writeln!(
            out,
            "  cpu{}: running {}, {} context, preempt_count {:#x}, CR3 {}, PGE {}{}",
            c.id,
            c.current.as_deref().unwrap_or("the idle task"),
            c.context,
            c.preempt_count,
            c.cr3,
            if c.pge { "on" } else { "off" },
            if c.lazy { ", lazy TLB" } else { "" }
        );
        let k = c.tlb_counters;
        let _ = writeln!(
            out,
            "    TLB: {} {}; {} hits, {} misses, {} invlpg, {} CR3 flushes, {} global flushes",
            c.tlb.len(),
            if c.tlb.len() == 1 { "entry" } else { "entries" },
            k.hits,
            k.misses,
            k.invlpg,
            k.cr3_flushes,
            k.global_flushes
        );
        for e in &c.tlb {
            let _ = writeln!(
                out,
                "      tlb{}[{}][{}] {} -> {} ({} KiB{}{})",
                e.array,
                e.set,
                e.way,
                e.va,
                e.frame,
                e.page_size >> 10,
                if e.global { ", global" } else { "" },
                if e.writable {
                    ", writable"
                } else {
                    ", read-only"
                }
            );
        }
    }
    for t in &s.tasks {
        let _ = writeln!(
            out,
            "  task {} (pid {}{}): {:?}",
            t.name,
            t.pid,
            if t.kthread { ", kernel thread" } else { "" },
            t.state
        );
    }
    for (name, h) in &s.handles {
        let _ = writeln!(
            out,
            "  {name}: frame {:#x}, order {}{}",
            h.pfn,
            h.order,
            if h.freed { ", freed" } else { "" }
        );
    }
    if let Some(p) = &s.pkmap {
        let used: Vec<String> = p
            .pkmap_count
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(i, c)| format!("{i}:{c}"))
            .collect();
        let shown = if used.len() > 24 {
            format!("{} … ({} slots in use)", used[..24].join(" "), used.len())
        } else if used.is_empty() {
            "none in use".to_string()
        } else {
            used.join(" ")
        };
        let _ = writeln!(
            out,
            "  pkmap at {}: last_pkmap_nr {}; pkmap_count (slot:count) {shown}",
            p.pkmap_base, p.last_pkmap_nr
        );
        if !p.pkmap_wait.is_empty() {
            let _ = writeln!(out, "  pkmap_map_wait: {}", p.pkmap_wait.join(", "));
        }
        let hashed: Vec<String> = p
            .page_address_htable
            .iter()
            .enumerate()
            .filter(|(_, chain)| !chain.is_empty())
            .map(|(b, chain)| {
                let entries: Vec<String> = chain
                    .iter()
                    .map(|e| format!("{}→{}", e.pfn, e.vaddr))
                    .collect();
                format!("[{b}] {}", entries.join(" "))
            })
            .collect();
        if !hashed.is_empty() {
            let more = if hashed.len() > 8 {
                format!(" … ({} buckets in use)", hashed.len())
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  page_address_htable: {}{more}",
                hashed
                    .iter()
                    .take(8)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        for e in p.page_virtual.iter().take(8) {
            let _ = writeln!(out, "  page {}: virtual {}", e.pfn, e.vaddr);
        }
    }
    for k in &s.kmap_slots {
        let frame = k
            .frame
            .map(|f| format!("frame {f:#x}"))
            .unwrap_or_else(|| "no PTE".into());
        let holders: Vec<String> = k
            .holders
            .iter()
            .map(|h| {
                let note = h
                    .note
                    .as_ref()
                    .map(|n| format!(" [{n}]"))
                    .unwrap_or_default();
                format!("{} ({} of frame {:#x}){note}", h.who, h.via, h.pfn)
            })
            .collect();
        let _ = writeln!(
            out,
            "  kmap slot {} (cpu{} {}, {:#010x}): {frame}{}",
            k.slot,
            k.cpu,
            k.name,
            k.vaddr,
            if holders.is_empty() {
                ", held by nobody".to_string()
            } else {
                format!(", held by {}", holders.join("; "))
            }
        );
    }
    for t in &s.tasks {
        if let Some(c) = t.kmap_ctrl.as_ref().filter(|c| c.idx > 0) {
            let _ = writeln!(
                out,
                "  {}.kmap_ctrl: idx {}, migration disabled {}, pagefault_disabled {}",
                t.name, c.idx, c.migration_disabled, c.pagefault_disabled
            );
        }
    }
    for a in &s.vmalloc {
        let _ = writeln!(
            out,
            "  {} {}-{} ({} bytes{}){}",
            a.kind,
            a.start,
            a.end,
            a.size,
            if a.pages > 0 {
                format!(", {} pages", a.pages)
            } else {
                a.phys
                    .as_ref()
                    .map(|p| format!(", phys {p}"))
                    .unwrap_or_default()
            },
            a.name
                .as_ref()
                .map(|n| format!(" as {n}"))
                .unwrap_or_default()
        );
    }
    for l in &s.vmalloc_lazy {
        let _ = writeln!(
            out,
            "  lazily freed {:#010x}-{:#010x} (waits for a purge)",
            l.start, l.end
        );
    }
    if let Some(info) = &s.vmallocinfo {
        if !info.is_empty() {
            out.push_str("  /proc/vmallocinfo:\n");
            for l in info.lines() {
                let _ = writeln!(out, "    {l}");
            }
        }
    }
    if m.profile().boot.buddy.max_order == 10 {
        out.push_str("  /proc/buddyinfo (2.4.22 has no such file; shown in 2.6's format):\n");
    } else {
        out.push_str("  /proc/buddyinfo:\n");
    }
    for l in s.buddyinfo.lines() {
        let _ = writeln!(out, "    {l}");
    }
    out
}

/// The JSON report: `outcomes` (line, op, result, value as a `0x…` string, message, trace,
/// changes) and `state`.
pub fn json(m: &Machine, ran: &[Ran]) -> String {
    let outcomes: Vec<Value> = ran
        .iter()
        .map(|r| {
            let o = &r.outcome;
            json!({
                "line": r.step.line,
                "op": r.step.text,
                "result": o.result.name(),
                "value": o.value.map(|v| format!("{v:#x}")),
                "message": o.message,
                "trace": o.trace,
                "changes": o.changes,
            })
        })
        .collect();
    let snapshot = m.snapshot();
    let mut state = serde_json::to_value(&snapshot).unwrap_or(Value::Null);
    if let Some(obj) = state.as_object_mut() {
        let tlb: Vec<Value> = snapshot
            .cpus
            .iter()
            .map(|c| json!({ "cpu": c.id, "entries": c.tlb, "counters": c.tlb_counters }))
            .collect();
        obj.insert("tlb".into(), Value::Array(tlb));
        // The pkmap keys also at the top of `state`, where DESIGN.md's contract names them.
        if let Some(p) = snapshot.pkmap.as_ref() {
            for (k, v) in [
                ("pkmap_count", serde_json::to_value(&p.pkmap_count)),
                ("last_pkmap_nr", serde_json::to_value(p.last_pkmap_nr)),
                (
                    "page_address_htable",
                    serde_json::to_value(&p.page_address_htable),
                ),
                ("pkmap_wait", serde_json::to_value(&p.pkmap_wait)),
            ] {
                obj.insert(k.into(), v.unwrap_or(Value::Null));
            }
        }
    }
    let doc = json!({ "outcomes": outcomes, "state": state });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
