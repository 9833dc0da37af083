//! Scenario scripts: one operation per line, the kernel's own names.
//!
//! ```text
//! machine profile=2.6.24 ram=2G pae=on cpus=2   # always the first line
//! task A cpu=0
//! alloc_pages gfp=GFP_HIGHUSER order=0 as=page
//! read cpu=0 vaddr=0xc0100000
//! ```
//!
//! `#` starts a comment; numbers are decimal or `0x` hex; sizes may say `16K`, `2G`. A
//! script is checked whole before anything runs: an unknown op, key or value, a reference to
//! a task or a named block no earlier line created, or a CPU the machine lacks, is reported as
//! `LINE:COL: message` and nothing runs. The operations are listed in the README.

use crate::addr::PhysAddr;
use crate::cpu::CpuModel;
use crate::e820::{E820Entry, E820Map, E820Type};
use crate::machine::{
    AreaRef, Gfp, IoCache, Machine, MachineConfig, MachineError, Op, Outcome, PageRef, Prot,
    VmallocFlavor, Who,
};
use crate::profile::ProfileId;
use crate::size::parse_size;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A malformed script: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ScriptError {}

/// One parsed line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Its line number.
    pub line: usize,
    /// The line as written, without its comment.
    pub text: String,
    /// The operation.
    pub op: Op,
}

/// A parsed script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// The machine of the first line.
    pub config: MachineConfig,
    /// The operations.
    pub steps: Vec<Step>,
}

/// A word of a line and where it starts.
#[derive(Clone, Debug)]
struct Word<'a> {
    text: &'a str,
    col: usize,
}

impl<'a> Word<'a> {
    fn err(&self, line: usize, message: impl Into<String>) -> ScriptError {
        ScriptError {
            line,
            col: self.col,
            message: message.into(),
        }
    }

    fn split_kv(&self) -> Option<(&'a str, &'a str, usize)> {
        self.text
            .split_once('=')
            .map(|(k, v)| (k, v, self.col + k.chars().count() + 1))
    }
}

fn words(line: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push(Word {
                    text: &line[s..i],
                    col: line[..s].chars().count() + 1,
                });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(Word {
            text: &line[s..],
            col: line[..s].chars().count() + 1,
        });
    }
    out
}

/// Parses a number: decimal or `0x` hex.
pub fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// The arguments of one line: positional words and `key=value` pairs.
struct Args<'a> {
    line: usize,
    op: Word<'a>,
    positional: Vec<Word<'a>>,
    keys: BTreeMap<&'a str, (Word<'a>, &'a str, usize)>,
}

impl<'a> Args<'a> {
    fn new(line: usize, op: Word<'a>, rest: &[Word<'a>]) -> Result<Args<'a>, ScriptError> {
        let mut args = Args {
            line,
            op,
            positional: Vec::new(),
            keys: BTreeMap::new(),
        };
        for w in rest {
            match w.split_kv() {
                Some((k, v, vcol)) => {
                    if args.keys.insert(k, (w.clone(), v, vcol)).is_some() {
                        return Err(w.err(line, format!("{k}= is given twice")));
                    }
                }
                None => args.positional.push(w.clone()),
            }
        }
        Ok(args)
    }

    fn verr(&self, key: &str, message: impl Into<String>) -> ScriptError {
        let col = self.keys.get(key).map(|k| k.2).unwrap_or(self.op.col);
        ScriptError {
            line: self.line,
            col,
            message: message.into(),
        }
    }

    /// Refuses keys and positional words the op does not take.
    fn only(&self, keys: &[&str], positional: usize) -> Result<(), ScriptError> {
        for (k, (w, _, _)) in &self.keys {
            if !keys.contains(k) {
                let expected = if keys.is_empty() {
                    "no keys".to_string()
                } else {
                    keys.iter()
                        .map(|k| format!("{k}="))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return Err(w.err(
                    self.line,
                    format!("{} takes {expected}, not {k}=", self.op.text),
                ));
            }
        }
        if let Some(w) = self.positional.get(positional) {
            return Err(w.err(self.line, format!("unexpected '{}'", w.text)));
        }
        Ok(())
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.keys.get(key).map(|k| k.1)
    }

    fn require(&self, key: &str) -> Result<&'a str, ScriptError> {
        self.get(key).ok_or_else(|| ScriptError {
            line: self.line,
            col: self.op.col,
            message: format!("{} needs {key}=", self.op.text),
        })
    }

    fn number(&self, key: &str) -> Result<Option<u64>, ScriptError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_number(v)
                .map(Some)
                .ok_or_else(|| self.verr(key, format!("{key}: '{v}' is not a number"))),
        }
    }

    fn required_number(&self, key: &str) -> Result<u64, ScriptError> {
        self.require(key)?;
        self.number(key).map(|n| n.unwrap_or(0))
    }

    fn addr(&self, key: &str) -> Result<u32, ScriptError> {
        let v = self.require(key)?;
        let n = parse_number(v)
            .ok_or_else(|| self.verr(key, format!("{key}: '{v}' is not an address")))?;
        u32::try_from(n).map_err(|_| {
            self.verr(
                key,
                format!("{key}: {v} is beyond the 32-bit address space"),
            )
        })
    }

    fn on_off(&self, key: &str, default: bool) -> Result<bool, ScriptError> {
        match self.get(key) {
            None => Ok(default),
            Some("on" | "y" | "yes" | "1") => Ok(true),
            Some("off" | "n" | "no" | "0") => Ok(false),
            Some(v) => Err(self.verr(key, format!("{key}: expected on or off, not '{v}'"))),
        }
    }
}

/// What the checker knows while it reads the script.
struct Known {
    profile: ProfileId,
    cpus: usize,
    tasks: BTreeSet<String>,
    names: BTreeSet<String>,
    areas: BTreeSet<String>,
}

impl Known {
    fn cpu(&self, a: &Args) -> Result<usize, ScriptError> {
        let cpu = a.number("cpu")?.unwrap_or(0);
        if cpu >= self.cpus as u64 {
            return Err(a.verr(
                "cpu",
                format!(
                    "cpu={cpu}: the machine has {} CPU{}",
                    self.cpus,
                    if self.cpus == 1 { "" } else { "s" }
                ),
            ));
        }
        Ok(cpu as usize)
    }

    fn task<'a>(&self, a: &Args<'a>, w: &Word<'a>) -> Result<String, ScriptError> {
        if self.tasks.contains(w.text) {
            Ok(w.text.to_string())
        } else {
            Err(w.err(
                a.line,
                format!("no task '{}' was created before this line", w.text),
            ))
        }
    }
}

impl Known {
    /// The caller of a temporary-map op: a task named first, or `cpu=`.
    fn who(&self, a: &Args) -> Result<Who, ScriptError> {
        match (a.positional.first(), a.get("cpu")) {
            (Some(w), None) => Ok(Who::Task(self.task(a, w)?)),
            (None, _) => Ok(Who::Cpu(self.cpu(a)?)),
            (Some(_), Some(_)) => Err(a.verr("cpu", "name a task or give cpu=, not both")),
        }
    }

    /// `pfn=` or `page=NAME`, if either is given.
    fn page(&self, a: &Args) -> Result<Option<PageRef>, ScriptError> {
        match (a.number("pfn")?, a.get("page")) {
            (Some(_), Some(_)) => Err(a.verr("page", "give pfn= or page=, not both")),
            (Some(pfn), None) => Ok(Some(PageRef::Pfn(pfn))),
            (None, Some(n)) if self.names.contains(n) => Ok(Some(PageRef::Name(n.to_string()))),
            (None, Some(n)) => Err(a.verr(
                "page",
                format!("nothing was allocated as '{n}' before this line"),
            )),
            (None, None) => Ok(None),
        }
    }

    /// The caller and the area of `vfree`-like lines: `vfree A buf`, `vfree cpu=0 buf`, or
    /// `vaddr=` in place of the name.
    fn who_and_area(&self, a: &Args) -> Result<(Who, AreaRef), ScriptError> {
        let (who, rest) = match a.get("cpu") {
            Some(_) => (Who::Cpu(self.cpu(a)?), &a.positional[..]),
            None => {
                let w = a.positional.first().ok_or_else(|| {
                    a.op.err(
                        a.line,
                        format!(
                            "{} needs a task (or cpu=) and an area: {} A buf",
                            a.op.text, a.op.text
                        ),
                    )
                })?;
                (Who::Task(self.task(a, w)?), &a.positional[1..])
            }
        };
        let area = match (rest.first(), a.get("vaddr")) {
            (Some(w), None) => {
                if !self.areas.contains(w.text) {
                    return Err(w.err(
                        a.line,
                        format!("no area was created as '{}' before this line", w.text),
                    ));
                }
                AreaRef::Name(w.text.to_string())
            }
            (None, Some(_)) => AreaRef::Addr(a.addr("vaddr")?),
            _ => {
                return Err(a.op.err(
                    a.line,
                    format!("{} takes an area name (as=) or vaddr=", a.op.text),
                ))
            }
        };
        if rest.len() > 1 {
            return Err(rest[1].err(a.line, format!("unexpected '{}'", rest[1].text)));
        }
        Ok((who, area))
    }

    /// `as=` for a new area.
    fn new_area(&mut self, a: &Args) -> Result<Option<String>, ScriptError> {
        match a.get("as") {
            None => Ok(None),
            Some(n) if self.areas.contains(n) => {
                Err(a.verr("as", format!("an area '{n}' exists already")))
            }
            Some(n) => {
                self.areas.insert(n.to_string());
                Ok(Some(n.to_string()))
            }
        }
    }

    /// `type=`: required and one of the era's types before 6.1, refused in 6.1.
    fn km_type(&self, a: &Args) -> Result<Option<String>, ScriptError> {
        let rules = self.profile.profile().atomic;
        match a.get("type") {
            Some(_) if rules.local.is_some() => Err(a.verr(
                "type",
                format!("{}'s {} takes no type", self.profile, a.op.text),
            )),
            Some(t) if rules.types.contains(&t) => Ok(Some(t.to_string())),
            Some(t) => Err(a.verr(
                "type",
                format!(
                    "{} has no km_type '{t}': use one of {}",
                    self.profile,
                    rules.types.join(", ")
                ),
            )),
            None if rules.local.is_none() => Err(a.op.err(
                a.line,
                format!("{} needs type= in {}", a.op.text, self.profile),
            )),
            None => Ok(None),
        }
    }
}

/// Parses and checks a script. `read_file` reads the `e820=FILE` of the machine line.
pub fn parse(
    text: &str,
    read_file: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Script, ScriptError> {
    let mut config = None;
    let mut steps = Vec::new();
    let mut known = Known {
        profile: ProfileId::V6_1,
        cpus: 0,
        tasks: BTreeSet::new(),
        names: BTreeSet::new(),
        areas: BTreeSet::new(),
    };
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let body = raw.split('#').next().unwrap_or("");
        let ws = words(body);
        let Some((first, rest)) = ws.split_first() else {
            continue;
        };
        let args = Args::new(line, first.clone(), rest)?;
        if config.is_none() {
            if first.text != "machine" {
                return Err(first.err(line, "a script starts with a 'machine' line"));
            }
            let cfg = parse_machine_line(&args, read_file)?;
            known.cpus = cfg.cpus;
            known.profile = cfg.profile;
            config = Some(cfg);
            continue;
        }
        if first.text == "machine" {
            return Err(first.err(line, "only the first line may be a 'machine' line"));
        }
        for op in op_line(&args, &mut known)? {
            steps.push(Step {
                line,
                text: body.trim().to_string(),
                op,
            });
        }
    }
    let config = config.ok_or(ScriptError {
        line: 1,
        col: 1,
        message: "the script is empty: it needs at least a 'machine' line".into(),
    })?;
    Ok(Script { config, steps })
}

fn parse_machine_line(
    a: &Args,
    read_file: &dyn Fn(&str) -> Result<String, String>,
) -> Result<MachineConfig, ScriptError> {
    a.only(
        &[
            "profile",
            "ram",
            "e820",
            "pae",
            "highmem",
            "cpus",
            "nr_cpus",
            "vmalloc",
            "cpu",
            "tlb",
            "config",
            "debug_sleep",
            "skip_pkmap_flush",
            "e820map",
        ],
        0,
    )?;
    let p = a.require("profile")?;
    let profile = ProfileId::parse(p).ok_or_else(|| {
        a.verr(
            "profile",
            format!(
                "unknown profile '{p}': use one of {}",
                ProfileId::ALL.map(|p| p.name()).join(", ")
            ),
        )
    })?;
    let given = ["ram", "e820", "e820map"]
        .iter()
        .filter(|k| a.get(k).is_some())
        .count();
    if given > 1 {
        return Err(a.verr("e820", "give one of ram=, e820= or e820map="));
    }
    let e820 = match (a.get("ram"), a.get("e820"), a.get("e820map")) {
        (Some(r), _, _) => {
            let bytes = parse_size(r).map_err(|e| a.verr("ram", e.to_string()))?;
            E820Map::qemu_pc(bytes).map_err(|e| a.verr("ram", e.to_string()))?
        }
        (_, Some(file), _) => {
            let text = read_file(file).map_err(|e| a.verr("e820", e))?;
            E820Map::parse_log(&text).map_err(|e| a.verr("e820", format!("{file}: {e}")))?
        }
        (_, _, Some(list)) => parse_e820map(list).map_err(|e| a.verr("e820map", e))?,
        _ => {
            return Err(a.verr(
                "profile",
                "the machine needs ram=SIZE, e820=FILE or e820map=START-END:TYPE,…",
            ))
        }
    };
    let size = |key: &str| -> Result<Option<u64>, ScriptError> {
        a.get(key)
            .map(|v| parse_size(v).map_err(|e| a.verr(key, format!("{key}: {e}"))))
            .transpose()
    };
    let cpus = a.number("cpus")?.unwrap_or(1);
    let nr_cpus = a.number("nr_cpus")?;
    let cpu_model = match a.get("cpu") {
        None => None,
        Some(c) => Some(CpuModel::parse(c).ok_or_else(|| {
            a.verr(
                "cpu",
                format!(
                    "unknown CPU '{c}': use one of {}",
                    CpuModel::ALL.map(|m| m.key()).join(", ")
                ),
            )
        })?),
    };
    let tlb = match a.get("tlb") {
        None => None,
        Some(t) => {
            let parsed = t
                .split_once('x')
                .and_then(|(e, w)| Some((e.parse::<u32>().ok()?, w.parse::<u32>().ok()?)));
            Some(parsed.ok_or_else(|| {
                a.verr("tlb", format!("tlb: '{t}' is not ENTRIESxWAYS, e.g. 64x4"))
            })?)
        }
    };
    let mut kconfig = None;
    if let Some(list) = a.get("config") {
        let prof = profile.profile();
        let mut c = prof.default_config;
        for item in list.split(',') {
            let (name, v) = item.split_once('=').ok_or_else(|| {
                a.verr(
                    "config",
                    format!("config: '{item}' is not NAME=y or NAME=n"),
                )
            })?;
            let on = match v {
                "y" => true,
                "n" => false,
                _ => return Err(a.verr("config", format!("config: {name}={v}: use y or n"))),
            };
            let opt = prof.config_by_name(name).ok_or_else(|| {
                a.verr(
                    "config",
                    format!("config: {profile} has no layout option '{name}'"),
                )
            })?;
            let negated = prof.config_name(opt).is_some_and(|n| n.starts_with('!'));
            c = c.set(opt, on != negated);
        }
        kconfig = Some(c);
    }
    let cfg = MachineConfig {
        profile,
        e820,
        pae: a.on_off("pae", true)?,
        highmem: a.on_off("highmem", true)?,
        nr_cpus: nr_cpus.map(|n| n.min(u64::from(u32::MAX)) as u32),
        vmalloc: size("vmalloc")?,
        config: kconfig,
        cpus: cpus.min(1 << 16) as usize,
        cpu_model,
        tlb,
        debug_sleep: a.on_off("debug_sleep", false)?,
        skip_pkmap_flush: a.on_off("skip_pkmap_flush", false)?,
    };
    // Build it once now, so that an impossible machine is a script error, not a run failure.
    Machine::new(cfg.clone()).map_err(|e: MachineError| ScriptError {
        line: a.line,
        col: a.op.col,
        message: e.to_string(),
    })?;
    Ok(cfg)
}

/// An e820 map written inline: `START-END:TYPE,…`, hex bounds (end exclusive), type numbers
/// as the firmware gives them (1 usable, 2 reserved, 3 ACPI data, 4 ACPI NVS, 5 unusable).
fn parse_e820map(list: &str) -> Result<E820Map, String> {
    let mut entries = Vec::new();
    for (i, item) in list.split(',').enumerate() {
        let bad = || format!("e820map: entry {} ('{item}') is not START-END:TYPE", i + 1);
        let (range, kind) = item.split_once(':').ok_or_else(bad)?;
        let (start, end) = range.split_once('-').ok_or_else(bad)?;
        let (start, end) = (
            parse_number(start).ok_or_else(bad)?,
            parse_number(end).ok_or_else(bad)?,
        );
        let kind = match kind.parse::<u32>().map_err(|_| bad())? {
            1 => E820Type::Usable,
            2 => E820Type::Reserved,
            3 => E820Type::AcpiData,
            4 => E820Type::AcpiNvs,
            5 => E820Type::Unusable,
            n @ (7 | 12) => E820Type::Persistent(n),
            n => E820Type::Other(n),
        };
        entries.push(E820Entry {
            start: PhysAddr::new(start),
            end: PhysAddr::new(end),
            kind,
        });
    }
    if entries.len() > 128 {
        return Err("e820map: more than 128 entries".into());
    }
    E820Map::from_entries(entries).map_err(|e| format!("e820map: {e}"))
}

fn e820_type_number(kind: E820Type) -> u32 {
    match kind {
        E820Type::Usable => 1,
        E820Type::Reserved => 2,
        E820Type::AcpiData => 3,
        E820Type::AcpiNvs => 4,
        E820Type::Unusable => 5,
        E820Type::Persistent(n) | E820Type::Other(n) => n,
    }
}

fn size_word(bytes: u64) -> String {
    const K: u64 = 1024;
    match bytes {
        0 => "0".into(),
        b if b % (K * K * K) == 0 => format!("{}G", b / (K * K * K)),
        b if b % (K * K) == 0 => format!("{}M", b / (K * K)),
        b if b % K == 0 => format!("{}K", b / K),
        b => b.to_string(),
    }
}

/// The `machine` line that [`parse`] reads back into this configuration: `ram=` when the map
/// is the QEMU map of that much RAM, else the map inline (`e820map=`).
pub fn machine_line(config: &MachineConfig) -> String {
    let mut line = format!("machine profile={}", config.profile.name());
    // qemu_pc(ram) leaves ram − 0x80400 bytes usable (640 KiB − 1 KiB, less the top 128 KiB).
    let ram = config.e820.usable_bytes() + 0x8_0400;
    if E820Map::qemu_pc(ram).as_ref() == Ok(&config.e820) {
        line.push_str(&format!(" ram={}", size_word(ram)));
    } else {
        let list: Vec<String> = config
            .e820
            .entries()
            .iter()
            .map(|e| {
                format!(
                    "{:#x}-{:#x}:{}",
                    e.start.as_u64(),
                    e.end.as_u64(),
                    e820_type_number(e.kind)
                )
            })
            .collect();
        line.push_str(&format!(" e820map={}", list.join(",")));
    }
    let on = |b: bool| if b { "on" } else { "off" };
    line.push_str(&format!(
        " pae={} highmem={} cpus={}",
        on(config.pae),
        on(config.highmem),
        config.cpus
    ));
    if let Some(n) = config.nr_cpus {
        line.push_str(&format!(" nr_cpus={n}"));
    }
    if let Some(v) = config.vmalloc {
        line.push_str(&format!(" vmalloc={}", size_word(v)));
    }
    if let Some(m) = config.cpu_model {
        line.push_str(&format!(" cpu={}", m.key()));
    }
    if let Some((entries, ways)) = config.tlb {
        line.push_str(&format!(" tlb={entries}x{ways}"));
    }
    if let Some(c) = config.config {
        let p = config.profile.profile();
        let changed: Vec<String> = crate::profile::ConfigOpt::ALL
            .iter()
            .filter(|&&o| c.has(o) != p.default_config.has(o))
            .filter_map(|&o| {
                let name = p.config_name(o)?;
                // A negated name (`!X86_F00F_WORKS_OK`) is set when the option is off.
                let (name, on) = match name.strip_prefix('!') {
                    Some(n) => (n, !c.has(o)),
                    None => (name, c.has(o)),
                };
                Some(format!("{name}={}", if on { "y" } else { "n" }))
            })
            .collect();
        if !changed.is_empty() {
            line.push_str(&format!(" config={}", changed.join(",")));
        }
    }
    if config.debug_sleep {
        line.push_str(" debug_sleep=on");
    }
    if config.skip_pkmap_flush {
        line.push_str(" skip_pkmap_flush=on");
    }
    line
}

/// A whole script: the machine line and one line per op.
pub fn script_text(config: &MachineConfig, ops: &[Op]) -> String {
    let mut out = machine_line(config);
    out.push('\n');
    for op in ops {
        out.push_str(&op_text(op));
        out.push('\n');
    }
    out
}

/// The most operations one line may expand into (`count=`).
const MAX_COUNT: u64 = 4096;

fn op_line(a: &Args, known: &mut Known) -> Result<Vec<Op>, ScriptError> {
    let cpu_only = |a: &Args, known: &Known| -> Result<usize, ScriptError> {
        a.only(&["cpu"], 0)?;
        known.cpu(a)
    };
    let op = match a.op.text {
        "task" => {
            a.only(&["cpu"], 2)?;
            let name = a
                .positional
                .first()
                .ok_or_else(|| a.op.err(a.line, "task needs a name: task A cpu=0"))?;
            if known.tasks.contains(name.text) {
                return Err(name.err(a.line, format!("task '{}' exists already", name.text)));
            }
            let kthread = match a.positional.get(1) {
                None => false,
                Some(w) if w.text == "kthread" => true,
                Some(w) => {
                    return Err(w.err(
                        a.line,
                        format!("unexpected '{}' (did you mean kthread?)", w.text),
                    ))
                }
            };
            let cpu = known.cpu(a)?;
            known.tasks.insert(name.text.to_string());
            Op::Task {
                name: name.text.to_string(),
                cpu,
                kthread,
            }
        }
        "switch" => {
            a.only(&["cpu", "task"], 0)?;
            let cpu = known.cpu(a)?;
            let task = a.require("task")?;
            let w = a
                .keys
                .get("task")
                .map(|k| Word {
                    text: task,
                    col: k.2,
                })
                .unwrap_or(a.op.clone());
            Op::Switch {
                cpu,
                task: known.task(a, &w)?,
            }
        }
        "read" => {
            a.only(&["cpu", "vaddr"], 0)?;
            Op::Read {
                cpu: known.cpu(a)?,
                vaddr: a.addr("vaddr")?,
            }
        }
        "write" => {
            a.only(&["cpu", "vaddr", "value"], 0)?;
            let value = a.required_number("value")?;
            Op::Write {
                cpu: known.cpu(a)?,
                vaddr: a.addr("vaddr")?,
                value: u32::try_from(value)
                    .map_err(|_| a.verr("value", "value: a write stores 32 bits"))?,
            }
        }
        "invlpg" => {
            a.only(&["cpu", "vaddr"], 0)?;
            Op::Invlpg {
                cpu: known.cpu(a)?,
                vaddr: a.addr("vaddr")?,
            }
        }
        "reload_cr3" => Op::ReloadCr3 {
            cpu: cpu_only(a, known)?,
        },
        "toggle_pge" => Op::TogglePge {
            cpu: cpu_only(a, known)?,
        },
        "flush_tlb_all" => {
            a.only(&[], 0)?;
            Op::FlushTlbAll
        }
        "irq_enter" => Op::IrqEnter {
            cpu: cpu_only(a, known)?,
        },
        "irq_exit" => Op::IrqExit {
            cpu: cpu_only(a, known)?,
        },
        "softirq_enter" => Op::SoftirqEnter {
            cpu: cpu_only(a, known)?,
        },
        "softirq_exit" => Op::SoftirqExit {
            cpu: cpu_only(a, known)?,
        },
        "alloc_pages" | "__get_free_pages" => {
            a.only(&["gfp", "order", "as"], 0)?;
            let g = a.require("gfp")?;
            let gfp = Gfp::parse(g).map_err(|e| a.verr("gfp", e.to_string()))?;
            let order = a.number("order")?.unwrap_or(0);
            if order > 15 {
                return Err(a.verr("order", format!("order={order}: orders run from 0 to 10")));
            }
            let name = a.get("as").map(str::to_string);
            if let Some(n) = &name {
                known.names.insert(n.clone());
            }
            if a.op.text == "alloc_pages" {
                Op::AllocPages {
                    gfp,
                    order: order as u32,
                    name,
                }
            } else {
                Op::GetFreePages {
                    gfp,
                    order: order as u32,
                    name,
                }
            }
        }
        "free_pages" => {
            a.only(&["pfn", "order"], 1)?;
            let order = a.number("order")?.map(|o| o.min(15) as u32);
            let page = match (a.positional.first(), a.number("pfn")?) {
                (Some(w), None) => {
                    if !known.names.contains(w.text) {
                        return Err(w.err(
                            a.line,
                            format!("nothing was allocated as '{}' before this line", w.text),
                        ));
                    }
                    PageRef::Name(w.text.to_string())
                }
                (None, Some(pfn)) => PageRef::Pfn(pfn),
                _ => return Err(a.op.err(a.line, "free_pages takes a name (as=) or pfn=")),
            };
            Op::FreePages { page, order }
        }
        "set_pte" => {
            a.only(&["vaddr", "pfn", "prot"], 0)?;
            let pfn = a.required_number("pfn")?;
            Op::SetPte {
                vaddr: a.addr("vaddr")?,
                pfn,
                prot: prot(a)?,
            }
        }
        "kmap" | "kmap_nonblock" | "kunmap" => {
            a.only(&["pfn", "page", "count"], 1)?;
            let w = a.positional.first().ok_or_else(|| {
                a.op.err(
                    a.line,
                    format!("{} needs a task: {} A pfn=0x50000", a.op.text, a.op.text),
                )
            })?;
            let task = known.task(a, w)?;
            let page = match (a.number("pfn")?, a.get("page")) {
                (Some(pfn), None) => PageRef::Pfn(pfn),
                (None, Some(n)) => {
                    if !known.names.contains(n) {
                        return Err(a.verr(
                            "page",
                            format!("nothing was allocated as '{n}' before this line"),
                        ));
                    }
                    PageRef::Name(n.to_string())
                }
                _ => {
                    return Err(a
                        .op
                        .err(a.line, format!("{} takes pfn= or page=NAME", a.op.text)))
                }
            };
            if a.op.text == "kmap_nonblock" && !known.profile.profile().pkmap.kmap_nonblock {
                return Err(a.op.err(
                    a.line,
                    format!("{} has no kmap_nonblock (only 2.4 had it)", known.profile),
                ));
            }
            let count = a.number("count")?.unwrap_or(1);
            if count == 0 || count > MAX_COUNT {
                return Err(a.verr(
                    "count",
                    format!("count={count}: one line repeats 1 to {MAX_COUNT} times"),
                ));
            }
            let first = match &page {
                PageRef::Pfn(p) => *p,
                PageRef::Name(_) if count > 1 => {
                    return Err(a.verr("count", "count= needs pfn=, not page="));
                }
                PageRef::Name(_) => 0,
            };
            let ops = (0..count)
                .map(|i| {
                    let page = match &page {
                        PageRef::Pfn(_) => PageRef::Pfn(first + i),
                        named => named.clone(),
                    };
                    if a.op.text == "kunmap" {
                        Op::Kunmap {
                            task: task.clone(),
                            page,
                        }
                    } else {
                        Op::Kmap {
                            task: task.clone(),
                            page,
                            nonblock: a.op.text == "kmap_nonblock",
                        }
                    }
                })
                .collect();
            return Ok(ops);
        }
        "kmap_flush_unused" => {
            a.only(&[], 0)?;
            if !known.profile.profile().pkmap.flush_unused_event {
                return Err(a.op.err(
                    a.line,
                    format!("{} has no kmap_flush_unused()", known.profile),
                ));
            }
            Op::KmapFlushUnused
        }
        "kmap_atomic" => {
            a.only(&["cpu", "pfn", "page", "type"], 1)?;
            let who = known.who(a)?;
            let page = known
                .page(a)?
                .ok_or_else(|| a.op.err(a.line, "kmap_atomic takes pfn= or page=NAME"))?;
            Op::KmapAtomic {
                who,
                page,
                km_type: known.km_type(a)?,
            }
        }
        "kunmap_atomic" => {
            a.only(&["cpu", "pfn", "page", "type", "vaddr"], 1)?;
            let vaddr = match a.get("vaddr") {
                Some(_) => Some(a.addr("vaddr")?),
                None => None,
            };
            Op::KunmapAtomic {
                who: known.who(a)?,
                km_type: known.km_type(a)?,
                vaddr,
                page: known.page(a)?,
            }
        }
        "kmap_local" | "kmap_local_page" | "kunmap_local" => {
            if known.profile.profile().atomic.local.is_none() {
                return Err(a.op.err(
                    a.line,
                    format!(
                        "{} has no {} (it came with 5.11): use kmap_atomic with type=",
                        known.profile, a.op.text
                    ),
                ));
            }
            if a.op.text == "kunmap_local" {
                a.only(&["cpu", "pfn", "page", "vaddr"], 1)?;
                let vaddr = match a.get("vaddr") {
                    Some(_) => Some(a.addr("vaddr")?),
                    None => None,
                };
                Op::KunmapLocal {
                    who: known.who(a)?,
                    vaddr,
                    page: known.page(a)?,
                }
            } else {
                a.only(&["cpu", "pfn", "page"], 1)?;
                let who = known.who(a)?;
                let page = known.page(a)?.ok_or_else(|| {
                    a.op.err(a.line, format!("{} takes pfn= or page=NAME", a.op.text))
                })?;
                Op::KmapLocal { who, page }
            }
        }
        "set_fixmap" | "clear_fixmap" => {
            let set = a.op.text == "set_fixmap";
            if set {
                a.only(&["cpu", "pfn", "prot"], 1)?;
            } else {
                a.only(&["cpu"], 1)?;
            }
            let idx = a.positional.first().ok_or_else(|| {
                a.op.err(
                    a.line,
                    format!("{} needs an index: {} FIX_APIC_BASE", a.op.text, a.op.text),
                )
            })?;
            let cpu = known.cpu(a)?;
            if set {
                Op::SetFixmap {
                    cpu,
                    idx: idx.text.to_string(),
                    pfn: a.required_number("pfn")?,
                    prot: prot(a)?,
                }
            } else {
                Op::ClearFixmap {
                    cpu,
                    idx: idx.text.to_string(),
                }
            }
        }
        "vmalloc" | "vmalloc_32" => {
            a.only(&["cpu", "size", "as", "caller"], 1)?;
            let who = known.who(a)?;
            let size =
                parse_size(a.require("size")?).map_err(|e| a.verr("size", format!("size: {e}")))?;
            Op::Vmalloc {
                who,
                size,
                flavor: if a.op.text == "vmalloc" {
                    VmallocFlavor::Vmalloc
                } else {
                    VmallocFlavor::Vmalloc32
                },
                name: known.new_area(a)?,
                caller: a.get("caller").map(str::to_string),
            }
        }
        "vfree" | "vunmap" | "iounmap" => {
            a.only(&["cpu", "vaddr"], 2)?;
            let (who, area) = known.who_and_area(a)?;
            match a.op.text {
                "vfree" => Op::Vfree { who, area },
                "vunmap" => Op::Vunmap { who, area },
                _ => Op::Iounmap { who, area },
            }
        }
        "vmap" => {
            a.only(&["cpu", "pages", "pfn", "count", "as", "caller"], 1)?;
            let who = known.who(a)?;
            let pages = match (a.get("pages"), a.number("pfn")?) {
                (Some(list), None) => list
                    .split(',')
                    .map(|n| {
                        if known.names.contains(n) {
                            Ok(PageRef::Name(n.to_string()))
                        } else if let Some(p) = parse_number(n) {
                            Ok(PageRef::Pfn(p))
                        } else {
                            Err(a.verr("pages", format!("pages: nothing was allocated as '{n}'")))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                (None, Some(pfn)) => {
                    let count = a.number("count")?.unwrap_or(1);
                    if count == 0 || count > MAX_COUNT {
                        return Err(
                            a.verr("count", format!("count={count}: 1 to {MAX_COUNT} pages"))
                        );
                    }
                    (0..count).map(|i| PageRef::Pfn(pfn + i)).collect()
                }
                _ => {
                    return Err(a
                        .op
                        .err(a.line, "vmap takes pages=NAME,NAME… or pfn=P [count=N]"))
                }
            };
            Op::Vmap {
                who,
                pages,
                name: known.new_area(a)?,
                caller: a.get("caller").map(str::to_string),
            }
        }
        "ioremap" | "ioremap_cache" => {
            a.only(&["cpu", "phys", "size", "as", "caller"], 1)?;
            let who = known.who(a)?;
            let phys = a.required_number("phys")?;
            let size =
                parse_size(a.require("size")?).map_err(|e| a.verr("size", format!("size: {e}")))?;
            Op::Ioremap {
                who,
                phys,
                size,
                cache: if a.op.text == "ioremap" {
                    IoCache::Uncached
                } else {
                    IoCache::Cached
                },
                name: known.new_area(a)?,
                caller: a.get("caller").map(str::to_string),
            }
        }
        "purge_vmap_area_lazy" => {
            a.only(&[], 0)?;
            if matches!(
                known.profile.profile().vmalloc.allocator,
                crate::vmalloc::Allocator::Vmlist24 | crate::vmalloc::Allocator::Vmlist26
            ) {
                return Err(a.op.err(
                    a.line,
                    format!(
                        "{} frees vmalloc areas at once: it has no lazy purge",
                        known.profile
                    ),
                ));
            }
            Op::PurgeVmapAreaLazy
        }
        "vmallocinfo" => {
            a.only(&[], 0)?;
            Op::Vmallocinfo
        }
        "pte_clear" => {
            a.only(&["vaddr"], 0)?;
            Op::PteClear {
                vaddr: a.addr("vaddr")?,
            }
        }
        other => {
            return Err(a.op.err(
                a.line,
                format!("unknown operation '{other}' (the README lists them)"),
            ))
        }
    };
    Ok(vec![op])
}

/// `prot=`: a name or flag bits; `PAGE_KERNEL` by default.
fn prot(a: &Args) -> Result<Prot, ScriptError> {
    Ok(match a.get("prot") {
        None | Some("PAGE_KERNEL") => Prot::Kernel,
        Some("PAGE_KERNEL_RO") => Prot::KernelRo,
        Some("PAGE_KERNEL_EXEC") => Prot::KernelExec,
        Some("PAGE_KERNEL_NOCACHE") => Prot::KernelNocache,
        Some(v) => Prot::Raw(parse_number(v).ok_or_else(|| {
            a.verr(
                "prot",
                format!("prot: '{v}': use PAGE_KERNEL, PAGE_KERNEL_RO, PAGE_KERNEL_EXEC, PAGE_KERNEL_NOCACHE or flag bits"),
            )
        })?),
    })
}

/// A protection as `prot=` spells it.
pub fn prot_text(prot: Prot) -> String {
    match prot {
        Prot::Kernel => "PAGE_KERNEL".into(),
        Prot::KernelRo => "PAGE_KERNEL_RO".into(),
        Prot::KernelExec => "PAGE_KERNEL_EXEC".into(),
        Prot::KernelNocache => "PAGE_KERNEL_NOCACHE".into(),
        Prot::Raw(bits) => format!("{bits:#05x}"),
    }
}

/// An op as a line of a scenario script (`read cpu=0 vaddr=0xc0001000`): what [`parse`]
/// reads back into the same op.
pub fn op_text(op: &Op) -> String {
    let a = |v: u32| format!("{v:#010x}");
    match op {
        Op::Task { name, cpu, kthread } => {
            format!(
                "task {name}{} cpu={cpu}",
                if *kthread { " kthread" } else { "" }
            )
        }
        Op::Switch { cpu, task } => format!("switch cpu={cpu} task={task}"),
        Op::Read { cpu, vaddr } => format!("read cpu={cpu} vaddr={}", a(*vaddr)),
        Op::Write { cpu, vaddr, value } => {
            format!("write cpu={cpu} vaddr={} value={value:#x}", a(*vaddr))
        }
        Op::Invlpg { cpu, vaddr } => format!("invlpg cpu={cpu} vaddr={}", a(*vaddr)),
        Op::ReloadCr3 { cpu } => format!("reload_cr3 cpu={cpu}"),
        Op::TogglePge { cpu } => format!("toggle_pge cpu={cpu}"),
        Op::FlushTlbAll => "flush_tlb_all".into(),
        Op::IrqEnter { cpu } => format!("irq_enter cpu={cpu}"),
        Op::IrqExit { cpu } => format!("irq_exit cpu={cpu}"),
        Op::SoftirqEnter { cpu } => format!("softirq_enter cpu={cpu}"),
        Op::SoftirqExit { cpu } => format!("softirq_exit cpu={cpu}"),
        Op::AllocPages { gfp, order, name } | Op::GetFreePages { gfp, order, name } => {
            let verb = if matches!(op, Op::AllocPages { .. }) {
                "alloc_pages"
            } else {
                "__get_free_pages"
            };
            let name = name
                .as_ref()
                .map(|n| format!(" as={n}"))
                .unwrap_or_default();
            format!(
                "{verb} gfp={} order={order}{name}",
                gfp.text.replace(' ', "")
            )
        }
        Op::FreePages { page, order } => {
            let order = order.map(|o| format!(" order={o}")).unwrap_or_default();
            match page {
                PageRef::Name(n) => format!("free_pages {n}{order}"),
                PageRef::Pfn(p) => format!("free_pages pfn={p:#x}{order}"),
            }
        }
        Op::SetPte { vaddr, pfn, prot } => format!(
            "set_pte vaddr={} pfn={pfn:#x} prot={}",
            a(*vaddr),
            prot_text(*prot)
        ),
        Op::PteClear { vaddr } => format!("pte_clear vaddr={}", a(*vaddr)),
        Op::Kmap {
            task,
            page,
            nonblock,
        } => format!(
            "{} {task} {}",
            if *nonblock { "kmap_nonblock" } else { "kmap" },
            page_arg(page)
        ),
        Op::Kunmap { task, page } => format!("kunmap {task} {}", page_arg(page)),
        Op::KmapFlushUnused => "kmap_flush_unused".into(),
        Op::KmapAtomic { who, page, km_type } => {
            let t = km_type
                .as_ref()
                .map(|t| format!(" type={t}"))
                .unwrap_or_default();
            format!("kmap_atomic {} {}{t}", who_arg(who), page_arg(page))
        }
        Op::KunmapAtomic {
            who,
            km_type,
            vaddr,
            page,
        } => {
            let mut line = format!("kunmap_atomic {}", who_arg(who));
            if let Some(t) = km_type {
                line.push_str(&format!(" type={t}"));
            }
            if let Some(v) = vaddr {
                line.push_str(&format!(" vaddr={}", a(*v)));
            }
            if let Some(p) = page {
                line.push_str(&format!(" {}", page_arg(p)));
            }
            line
        }
        Op::KmapLocal { who, page } => {
            format!("kmap_local {} {}", who_arg(who), page_arg(page))
        }
        Op::KunmapLocal { who, vaddr, page } => {
            let mut line = format!("kunmap_local {}", who_arg(who));
            if let Some(v) = vaddr {
                line.push_str(&format!(" vaddr={}", a(*v)));
            }
            if let Some(p) = page {
                line.push_str(&format!(" {}", page_arg(p)));
            }
            line
        }
        Op::SetFixmap {
            cpu,
            idx,
            pfn,
            prot,
        } => format!(
            "set_fixmap {idx} cpu={cpu} pfn={pfn:#x} prot={}",
            prot_text(*prot)
        ),
        Op::ClearFixmap { cpu, idx } => format!("clear_fixmap {idx} cpu={cpu}"),
        Op::Vmalloc {
            who,
            size,
            flavor,
            name,
            caller,
        } => {
            let verb = match flavor {
                VmallocFlavor::Vmalloc => "vmalloc",
                VmallocFlavor::Vmalloc32 => "vmalloc_32",
            };
            format!(
                "{verb} {} size={size:#x}{}{}",
                who_arg(who),
                name.as_ref()
                    .map(|n| format!(" as={n}"))
                    .unwrap_or_default(),
                caller
                    .as_ref()
                    .map(|c| format!(" caller={c}"))
                    .unwrap_or_default()
            )
        }
        Op::Vfree { who, area } | Op::Vunmap { who, area } | Op::Iounmap { who, area } => {
            let verb = match op {
                Op::Vfree { .. } => "vfree",
                Op::Vunmap { .. } => "vunmap",
                _ => "iounmap",
            };
            let area = match area {
                AreaRef::Name(n) => n.clone(),
                AreaRef::Addr(v) => format!("vaddr={}", a(*v)),
            };
            format!("{verb} {} {area}", who_arg(who))
        }
        Op::Vmap {
            who,
            pages,
            name,
            caller,
        } => {
            let list: Vec<String> = pages
                .iter()
                .map(|p| match p {
                    PageRef::Name(n) => n.clone(),
                    PageRef::Pfn(p) => format!("{p:#x}"),
                })
                .collect();
            format!(
                "vmap {} pages={}{}{}",
                who_arg(who),
                list.join(","),
                name.as_ref()
                    .map(|n| format!(" as={n}"))
                    .unwrap_or_default(),
                caller
                    .as_ref()
                    .map(|c| format!(" caller={c}"))
                    .unwrap_or_default()
            )
        }
        Op::Ioremap {
            who,
            phys,
            size,
            cache,
            name,
            caller,
        } => format!(
            "{} {} phys={phys:#x} size={size:#x}{}{}",
            match cache {
                IoCache::Uncached => "ioremap",
                IoCache::Cached => "ioremap_cache",
            },
            who_arg(who),
            name.as_ref()
                .map(|n| format!(" as={n}"))
                .unwrap_or_default(),
            caller
                .as_ref()
                .map(|c| format!(" caller={c}"))
                .unwrap_or_default()
        ),
        Op::PurgeVmapAreaLazy => "purge_vmap_area_lazy".into(),
        Op::Vmallocinfo => "vmallocinfo".into(),
    }
}

/// A task or a CPU, as the temporary-map lines name it.
fn who_arg(who: &Who) -> String {
    match who {
        Who::Task(t) => t.clone(),
        Who::Cpu(c) => format!("cpu={c}"),
    }
}

/// A page as kmap and kunmap lines name it.
fn page_arg(page: &PageRef) -> String {
    match page {
        PageRef::Name(n) => format!("page={n}"),
        PageRef::Pfn(p) => format!("pfn={p:#x}"),
    }
}

/// One executed step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ran {
    /// The step.
    pub step: Step,
    /// What it did.
    pub outcome: Outcome,
}

/// Runs a parsed script on a fresh machine. `check` runs the invariant checker after every
/// op and stops with its complaint (the property tests use it).
pub fn run(script: &Script, check: bool) -> Result<(Machine, Vec<Ran>), String> {
    let mut m = Machine::new(script.config.clone()).map_err(|e| e.to_string())?;
    let mut ran = Vec::new();
    for step in &script.steps {
        let outcome = m.apply(&step.op);
        if check {
            m.check_invariants().map_err(|e| {
                format!(
                    "line {}: invariant broken after '{}': {e}",
                    step.line, step.text
                )
            })?;
        }
        ran.push(Ran {
            step: step.clone(),
            outcome,
        });
    }
    Ok((m, ran))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(f: &str) -> Result<String, String> {
        Err(format!("cannot read {f}"))
    }

    fn err(text: &str) -> String {
        parse(text, &no_files).unwrap_err().to_string()
    }

    #[test]
    fn parses_a_scenario() {
        let s = parse(
            "# a comment\nmachine profile=2.6.24 ram=2G pae=on cpus=2\n\ntask A cpu=1  # trailing\nread cpu=1 vaddr=0xc0001000\nalloc_pages gfp=GFP_HIGHUSER order=2 as=buf\nfree_pages buf\n",
            &no_files,
        )
        .unwrap();
        assert_eq!(s.config.cpus, 2);
        assert_eq!(s.steps.len(), 4);
        assert_eq!(s.steps[0].line, 4);
        assert_eq!(s.steps[0].text, "task A cpu=1");
        assert_eq!(
            s.steps[1].op,
            Op::Read {
                cpu: 1,
                vaddr: 0xc000_1000
            }
        );
    }

    #[test]
    fn errors_point_at_line_and_column() {
        assert_eq!(
            err("task A cpu=0"),
            "1:1: a script starts with a 'machine' line"
        );
        assert_eq!(
            err("machine profile=2.6.99 ram=1G"),
            "1:17: unknown profile '2.6.99': use one of 2.4.22, 2.6.11, 2.6.24, 2.6.32, 6.1"
        );
        assert_eq!(
            err("machine profile=6.1 ram=1G\nread cpu=1 vaddr=0"),
            "2:10: cpu=1: the machine has 1 CPU"
        );
        assert_eq!(
            err("machine profile=6.1 ram=1G\nswitch cpu=0 task=B"),
            "2:19: no task 'B' was created before this line"
        );
        assert_eq!(
            err("machine profile=6.1 ram=1G\nread vaddr=0x100000000"),
            "2:12: vaddr: 0x100000000 is beyond the 32-bit address space"
        );
        assert_eq!(
            err("machine profile=6.1 ram=1G\nread vaddr=high"),
            "2:12: vaddr: 'high' is not an address"
        );
        assert_eq!(
            err("machine profile=6.1 ram=1G\nfrob"),
            "2:1: unknown operation 'frob' (the README lists them)"
        );
        assert_eq!(
            err("machine profile=6.1 ram=1G\nread cpu=0 vadr=0x10"),
            "2:12: read takes cpu=, vaddr=, not vadr="
        );
        assert_eq!(
            err("machine profile=6.1 ram=1G\nfree_pages buf"),
            "2:12: nothing was allocated as 'buf' before this line"
        );
        assert_eq!(
            err("machine profile=2.6.32 ram=16M"),
            "1:1: boot fails: the kernel image (6400 KiB at 0x1000000) does not fit in this machine's low memory"
        );
        assert!(err("machine profile=6.1 e820=x.log").starts_with("1:26: cannot read x.log"));
        assert_eq!(
            err(""),
            "1:1: the script is empty: it needs at least a 'machine' line"
        );
        assert_eq!(
            err("machine profile=6.1 ram=1G ram=2G"),
            "1:28: ram= is given twice"
        );
        assert_eq!(
            err("machine profile=6.1 ram=1G\nalloc_pages gfp=GFP_HIGHMEM"),
            "2:17: unknown allocation flag 'GFP_HIGHMEM': use GFP_KERNEL, GFP_USER, GFP_HIGHUSER, GFP_ATOMIC, GFP_NOWAIT, GFP_NOIO, GFP_NOFS, GFP_DMA, __GFP_HIGHMEM or __GFP_DMA, joined with |"
        );
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(parse_number("0x10"), Some(16));
        assert_eq!(parse_number("42"), Some(42));
        assert_eq!(parse_number("0xzz"), None);
        let w = words("  é read  x=1");
        assert_eq!(w.iter().map(|w| w.col).collect::<Vec<_>>(), [3, 5, 11]);
    }

    /// A configuration printed as a machine line parses back to itself, whether its map is
    /// QEMU's or anything else (written inline).
    #[test]
    fn machine_lines_parse_back() {
        let log = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/boot-6.1-686-pae-2G.txt"
        ))
        .unwrap();
        let real = E820Map::parse_log(&log).unwrap();
        let mut configs = vec![
            MachineConfig::new(ProfileId::V6_1, E820Map::qemu_pc(2 << 30).unwrap()),
            MachineConfig::new(ProfileId::V6_1, real),
        ];
        let mut c = MachineConfig::new(ProfileId::V2_4_22, E820Map::qemu_pc(5 << 30).unwrap());
        c.pae = false;
        c.cpus = 2;
        c.nr_cpus = Some(32);
        c.cpu_model = Some(CpuModel::ALL[0]);
        c.tlb = Some((64, 4));
        c.debug_sleep = true;
        c.skip_pkmap_flush = true;
        let p = ProfileId::V2_4_22.profile();
        c.config = Some(
            p.default_config
                .set(crate::profile::ConfigOpt::DebugHighmem, true)
                .set(
                    crate::profile::ConfigOpt::F00fBug,
                    !p.default_config.has(crate::profile::ConfigOpt::F00fBug),
                ),
        );
        configs.push(c);
        let mut c = MachineConfig::new(ProfileId::V2_6_32, E820Map::qemu_pc(1 << 30).unwrap());
        c.vmalloc = Some(256 << 20);
        configs.push(c);
        for c in configs {
            let line = machine_line(&c);
            let s = parse(&line, &no_files).unwrap_or_else(|e| panic!("{e}\n{line}"));
            let want = MachineConfig {
                config: c
                    .config
                    .filter(|k| *k != c.profile.profile().default_config)
                    .or(c.config),
                ..c.clone()
            };
            assert_eq!(s.config.e820, want.e820, "{line}");
            assert_eq!(machine_line(&s.config), line);
        }
        assert!(parse("machine profile=6.1 e820map=0x0-0x1000:1", &no_files).is_err());
        assert!(parse("machine profile=6.1 e820map=zz", &no_files)
            .unwrap_err()
            .to_string()
            .contains("not START-END:TYPE"));
    }

    /// Every op the printer writes is read back as the same op.
    #[test]
    fn printed_ops_parse_back() {
        let text = "machine profile=2.6.24 ram=2G cpus=2\n\
             task A cpu=0\ntask K kthread cpu=1\nswitch cpu=1 task=A\n\
             alloc_pages gfp=GFP_HIGHUSER order=1 as=p\n__get_free_pages gfp=GFP_KERNEL\n\
             free_pages p\nfree_pages pfn=0x1234 order=2\nread cpu=1 vaddr=0xc0001000\n\
             write vaddr=0xc0001000 value=7\ninvlpg cpu=1 vaddr=0xc0001000\nreload_cr3\n\
             toggle_pge cpu=1\nflush_tlb_all\nirq_enter cpu=1\nirq_exit cpu=1\n\
             softirq_enter\nsoftirq_exit\nset_pte vaddr=0xf8800000 pfn=0x50 prot=PAGE_KERNEL_RO\n\
             set_pte vaddr=0xf8800000 pfn=0x50 prot=0x63\npte_clear vaddr=0xf8800000\n\
             kmap A pfn=0x50000\nkunmap A page=p\nkmap_flush_unused\n\
             kmap_atomic A page=p type=KM_USER0\nkunmap_atomic cpu=1 type=KM_USER0 vaddr=0xfff00000\n\
             kunmap_atomic A type=KM_USER1 pfn=0x50000\nset_fixmap FIX_KMAP_BEGIN+1 cpu=1 pfn=0x12\n\
             clear_fixmap 3\nvmalloc A size=16K as=buf caller=f+0x1/0x2\nvmalloc_32 cpu=1 size=4K\n\
             vmap A pages=p,0x50000 as=v\nvunmap A v\nvfree cpu=1 buf\n\
             ioremap A phys=0xfed00000 size=1K as=io\nioremap_cache A phys=0xfed00000 size=4K\n\
             iounmap A io\nvfree A vaddr=0xf8800000\nvmallocinfo\n";
        let s = parse(text, &no_files).unwrap();
        let printed: String = s.steps.iter().map(|st| op_text(&st.op) + "\n").collect();
        let again = parse(
            &format!("machine profile=2.6.24 ram=2G cpus=2\n{printed}"),
            &no_files,
        )
        .unwrap_or_else(|e| panic!("{e}\n{printed}"));
        let ops = |s: &Script| s.steps.iter().map(|st| st.op.clone()).collect::<Vec<_>>();
        assert_eq!(ops(&again), ops(&s));
        let six = "machine profile=6.1 ram=2G\ntask A cpu=0\nkmap_local A pfn=0x40000\n\
             kmap_atomic cpu=0 pfn=0x40001\nkunmap_atomic A pfn=0x40001\nkunmap_local cpu=0\n\
             purge_vmap_area_lazy\n";
        let s = parse(six, &no_files).unwrap();
        let printed: String = s.steps.iter().map(|st| op_text(&st.op) + "\n").collect();
        let again = parse(&format!("machine profile=6.1 ram=2G\n{printed}"), &no_files).unwrap();
        assert_eq!(ops(&again), ops(&s));
    }

    #[test]
    fn runs_and_checks() {
        let s = parse(
            "machine profile=6.1 ram=512M\ntask A cpu=0\nread vaddr=0xc0100000\nflush_tlb_all\n",
            &no_files,
        )
        .unwrap();
        let (m, ran) = run(&s, true).unwrap();
        assert_eq!(ran.len(), 3);
        assert_eq!(ran[1].outcome.value, Some(0x10_0000));
        assert_eq!(m.tasks().len(), 1);
    }
}
