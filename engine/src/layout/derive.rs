//! Derivation records: every number the layout computes, with the rule that gives it, the
//! same rule with this machine's numbers filled in, and where the rule lives in the kernel.
//!
//! The front-end shows these when a reader hovers or focuses a boundary, so what it explains is
//! exactly what the engine computed, never a second derivation.

use crate::profile::Profile;
use serde::Serialize;

/// How a value reads best.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// A 32-bit virtual address.
    Addr,
    /// A size in bytes.
    Bytes,
    /// A page frame number.
    Pfn,
    /// A plain count (slots, pages, CPUs).
    Count,
}

/// One derived value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Symbol {
    /// The kernel's name for it (`PKMAP_BASE`, `max_low_pfn`…).
    pub name: &'static str,
    /// Its value.
    pub value: u64,
    /// How to read the value.
    pub kind: ValueKind,
    /// The rule, in symbols.
    pub rule: String,
    /// The rule with this machine's numbers.
    pub work: String,
    /// The names of the symbols the rule uses.
    pub inputs: Vec<&'static str>,
    /// The kernel source file that defines it.
    pub source: &'static str,
    /// A link to that file in the profile's tree on Bootlin Elixir.
    pub url: String,
}

impl Symbol {
    /// The value as the kernel would print it: hex for addresses and frames, decimal else.
    pub fn display_value(&self) -> String {
        fmt_value(self.kind, self.value)
    }
}

/// Formats a value of a given kind.
pub fn fmt_value(kind: ValueKind, value: u64) -> String {
    match kind {
        ValueKind::Addr => format!("{value:#010x}"),
        ValueKind::Pfn => format!("{value:#x}"),
        ValueKind::Bytes => {
            if value >= 1 << 20 && value % (1 << 20) == 0 {
                format!("{} MiB ({value:#x})", value >> 20)
            } else if value >= 1 << 10 && value % (1 << 10) == 0 {
                format!("{} KiB ({value:#x})", value >> 10)
            } else {
                format!("{value:#x}")
            }
        }
        ValueKind::Count => value.to_string(),
    }
}

/// Collects symbols as the layout is computed.
pub(crate) struct Deriver {
    profile: &'static Profile,
    symbols: Vec<Symbol>,
}

impl Deriver {
    pub(crate) fn new(profile: &'static Profile) -> Deriver {
        Deriver {
            profile,
            symbols: Vec::new(),
        }
    }

    /// Records a symbol and returns its value, so a computation reads as a chain of `define`s.
    /// (Each argument is one field of the record; a builder would only spread them out.)
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn define(
        &mut self,
        name: &'static str,
        kind: ValueKind,
        value: u64,
        rule: impl Into<String>,
        work: impl Into<String>,
        inputs: &[&'static str],
        source: &'static str,
    ) -> u64 {
        self.symbols.push(Symbol {
            name,
            value,
            kind,
            rule: rule.into(),
            work: work.into(),
            inputs: inputs.to_vec(),
            source,
            url: self.profile.source_url(source),
        });
        value
    }

    pub(crate) fn finish(self) -> Vec<Symbol> {
        self.symbols
    }
}

/// Shorthand for an address in derivation text.
pub(crate) fn a(value: u64) -> String {
    format!("{value:#010x}")
}

/// Shorthand for a hex number in derivation text.
pub(crate) fn h(value: u64) -> String {
    format!("{value:#x}")
}
