//! What an operation did: the call tree it ran (function, arguments, the decision taken at
//! each branch, the result) and the cells of state it changed.
//!
//! The front-end lights up call graphs and changed counters from this record alone, never by
//! re-deriving what happened; `hmsim run --json` prints it.

use serde::Serialize;

/// A decision taken inside a function: the question the code asked and its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The question, e.g. "already mapped?".
    pub question: String,
    /// The answer, e.g. "no".
    pub answer: String,
}

/// One function call with what happened inside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Call {
    /// The kernel's (or the hardware's) name for it.
    pub function: String,
    /// Arguments, as name and value.
    pub args: Vec<(String, String)>,
    /// Decisions in the order taken.
    pub decisions: Vec<Decision>,
    /// What it returned, if anything worth saying.
    pub result: Option<String>,
    /// The calls it made, in order.
    pub children: Vec<Call>,
}

impl Call {
    fn new(function: &str, args: Vec<(String, String)>) -> Call {
        Call {
            function: function.to_string(),
            args,
            decisions: Vec::new(),
            result: None,
            children: Vec::new(),
        }
    }

    /// Every function name in the tree, depth first.
    pub fn functions(&self) -> Vec<&str> {
        let mut out = vec![self.function.as_str()];
        for c in &self.children {
            out.extend(c.functions());
        }
        out
    }

    /// The first call of a function anywhere in the tree.
    pub fn find(&self, function: &str) -> Option<&Call> {
        if self.function == function {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(function))
    }

    /// The answer to a question asked anywhere in the tree.
    pub fn answer(&self, question: &str) -> Option<&str> {
        self.decisions
            .iter()
            .find(|d| d.question == question)
            .map(|d| d.answer.as_str())
            .or_else(|| self.children.iter().find_map(|c| c.answer(question)))
    }
}

/// A cell of state that changed: a counter, a table entry, a TLB way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Which cell, in a stable notation (`tlb[0].dtlb0[3][1]`, `pte@0x1234000`, …).
    pub cell: String,
    /// Its value before.
    pub before: String,
    /// Its value after.
    pub after: String,
}

/// Builds a call tree while an operation runs.
#[derive(Debug, Default)]
pub struct Tracer {
    stack: Vec<Call>,
    done: Vec<Call>,
    changes: Vec<Change>,
    quiet: bool,
}

impl Tracer {
    /// A tracer with nothing recorded.
    pub fn new() -> Tracer {
        Tracer::default()
    }

    /// A tracer that records nothing: for runs where only the result matters (benchmarks,
    /// long random runs). Code that builds text only for the record asks [`Tracer::on`]
    /// first, or passes it through [`Tracer::text`].
    pub fn quiet() -> Tracer {
        Tracer {
            quiet: true,
            ..Tracer::default()
        }
    }

    /// Whether anything is recorded.
    #[inline]
    pub fn on(&self) -> bool {
        !self.quiet
    }

    /// Text for the record or the outcome's message, built only when recording.
    #[inline]
    pub fn text(&self, f: impl FnOnce() -> String) -> String {
        if self.quiet {
            String::new()
        } else {
            f()
        }
    }

    /// Enters a function.
    pub fn enter(&mut self, function: &str, args: &[(&str, String)]) {
        if self.quiet {
            return;
        }
        let args = args
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        self.stack.push(Call::new(function, args));
    }

    /// Records a decision in the current function.
    pub fn decide(&mut self, question: &str, answer: impl Into<String>) {
        if self.quiet {
            return;
        }
        if let Some(c) = self.stack.last_mut() {
            c.decisions.push(Decision {
                question: question.to_string(),
                answer: answer.into(),
            });
        }
    }

    /// Records the current function's result.
    pub fn result(&mut self, result: impl Into<String>) {
        if self.quiet {
            return;
        }
        if let Some(c) = self.stack.last_mut() {
            c.result = Some(result.into());
        }
    }

    /// Leaves the current function.
    pub fn exit(&mut self) {
        if self.quiet {
            return;
        }
        if let Some(c) = self.stack.pop() {
            match self.stack.last_mut() {
                Some(parent) => parent.children.push(c),
                None => self.done.push(c),
            }
        }
    }

    /// A leaf call: enter, result, exit.
    pub fn leaf(&mut self, function: &str, args: &[(&str, String)], result: impl Into<String>) {
        if self.quiet {
            return;
        }
        self.enter(function, args);
        self.result(result);
        self.exit();
    }

    /// Records a changed cell.
    pub fn change(
        &mut self,
        cell: impl Into<String>,
        before: impl Into<String>,
        after: impl Into<String>,
    ) {
        if self.quiet {
            return;
        }
        self.changes.push(Change {
            cell: cell.into(),
            before: before.into(),
            after: after.into(),
        });
    }

    /// Closes every open call and returns the tree (the first top-level call; others become
    /// its children) and the changes.
    pub fn finish(mut self) -> (Call, Vec<Change>) {
        while !self.stack.is_empty() {
            self.exit();
        }
        let mut roots = self.done.into_iter();
        let mut root = roots
            .next()
            .unwrap_or_else(|| Call::new("(nothing)", Vec::new()));
        root.children.extend(roots);
        (root, self.changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_nested_calls_with_decisions() {
        let mut t = Tracer::new();
        t.enter("kmap", &[("page", "0x50000".into())]);
        t.decide("highmem page?", "yes");
        t.enter("kmap_high", &[]);
        t.leaf("map_new_virtual", &[], "0xff801000");
        t.exit();
        t.result("0xff801000");
        t.change("pkmap_count[1]", "0", "2");
        let (root, changes) = t.finish();
        assert_eq!(root.functions(), ["kmap", "kmap_high", "map_new_virtual"]);
        assert_eq!(root.answer("highmem page?"), Some("yes"));
        assert_eq!(
            root.find("map_new_virtual").unwrap().result.as_deref(),
            Some("0xff801000")
        );
        assert_eq!(changes.len(), 1);
    }

    #[test]
    fn a_quiet_tracer_records_nothing() {
        let mut t = Tracer::quiet();
        assert!(!t.on());
        t.enter("kmap", &[("page", "0x50000".into())]);
        t.decide("highmem page?", "yes");
        t.change("pkmap_count[1]", "0", "2");
        assert_eq!(t.text(|| "message".into()), "");
        let (root, changes) = t.finish();
        assert_eq!(root.function, "(nothing)");
        assert!(changes.is_empty());
    }

    #[test]
    fn unclosed_calls_are_closed_and_empty_traces_have_a_root() {
        let mut t = Tracer::new();
        t.enter("a", &[]);
        t.enter("b", &[]);
        let (root, _) = t.finish();
        assert_eq!(root.functions(), ["a", "b"]);
        let (root, _) = Tracer::new().finish();
        assert_eq!(root.function, "(nothing)");
    }
}
