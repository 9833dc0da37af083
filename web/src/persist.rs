//! The page's state kept in `localStorage` across reloads: the machine's settings, every op
//! recorded (the undone ones too), the position in the history, and the chapter.
//!
//! The stored text is a header, then a scenario script in the public format (the engine's
//! `script_text`, read back with its own `parse`):
//!
//! ```text
//! highmem-lab-state
//! version=1
//! chapter=pkmap
//! pos=12
//! machine profile=6.1 ram=2G pae=on highmem=on cpus=2
//! task A cpu=0
//! …
//! ```
//!
//! Anything else — another version, a broken script, a position past the end, more text than
//! [`MAX_CHARS`], a line that would expand into many ops — is not read: the page starts from
//! the defaults and says why ([`Trouble`]). Nothing stored can reach a panic: the engine's
//! parser answers every input with a script or a positioned error.

use crate::lab::Lab;
use crate::state::{Drafts, Inputs, MachineOptions, State};
use crate::timeline::{Brief, Timeline};
use highmem_engine::e820::E820Map;
use highmem_engine::machine::{Machine, MachineConfig, Op};
use highmem_engine::script;
use std::rc::Rc;

/// The `localStorage` key.
pub const KEY: &str = "highmem-lab.state";

/// The first line of the stored text.
const MAGIC: &str = "highmem-lab-state";

/// The version of the stored text: a change of format or of the random generator (whose ops
/// the history holds as plain ops, so only the format matters) bumps it.
pub const VERSION: u32 = 1;

/// The most characters stored: browsers allow about five million per site.
pub const MAX_CHARS: usize = 3_000_000;

/// What is kept.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    /// The machine's settings.
    pub config: MachineConfig,
    /// Every op recorded.
    pub ops: Vec<Op>,
    /// How many are in force.
    pub pos: usize,
    /// The chapter's route name (`pkmap`), if any.
    pub chapter: Option<String>,
}

/// Why stored state was not used (or not stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trouble {
    /// Not our format, or a script that does not read.
    Corrupt(String),
    /// Written by another version.
    Outdated(String),
    /// Too long to read (or to write).
    Oversized(usize),
    /// The browser would not store it.
    NotSaved(String),
}

impl Trouble {
    /// The notice the page shows.
    pub fn notice(&self) -> String {
        match self {
            Trouble::Corrupt(why) => format!(
                "The state saved by your last visit could not be read ({why}), so the lab \
                 starts afresh."
            ),
            Trouble::Outdated(v) => format!(
                "The state saved by your last visit is from another version of the lab \
                 ({v}), so the lab starts afresh."
            ),
            Trouble::Oversized(n) => format!(
                "The history is too long to keep across reloads ({n} characters, the limit is \
                 {MAX_CHARS}); only the machine's settings are kept."
            ),
            Trouble::NotSaved(why) => format!(
                "The browser did not keep the lab's state ({why}); it will be lost on reload."
            ),
        }
    }
}

/// The stored text for a state.
pub fn encode(saved: &Saved) -> String {
    let mut out = format!("{MAGIC}\nversion={VERSION}\n");
    if let Some(c) = &saved.chapter {
        out.push_str(&format!("chapter={c}\n"));
    }
    out.push_str(&format!("pos={}\n", saved.pos));
    out.push_str(&script::script_text(&saved.config, &saved.ops));
    out
}

/// Reads stored text.
pub fn decode(text: &str) -> Result<Saved, Trouble> {
    if text.len() > MAX_CHARS {
        return Err(Trouble::Oversized(text.len()));
    }
    let mut lines = text.split_inclusive('\n');
    let mut consumed = 0;
    let mut next = || {
        consumed += 1;
        lines.next().map(|l| l.trim_end_matches(['\n', '\r']))
    };
    if next() != Some(MAGIC) {
        return Err(Trouble::Corrupt("it is not the lab's format".into()));
    }
    let version = next().and_then(|l| l.strip_prefix("version="));
    match version.map(str::parse::<u32>) {
        Some(Ok(VERSION)) => {}
        Some(Ok(v)) => return Err(Trouble::Outdated(format!("version {v}"))),
        _ => return Err(Trouble::Corrupt("no version".into())),
    }
    let mut chapter = None;
    let mut line = next();
    if let Some(c) = line.and_then(|l| l.strip_prefix("chapter=")) {
        if c.is_empty()
            || c.len() > 64
            || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
        {
            return Err(Trouble::Corrupt("a bad chapter name".into()));
        }
        chapter = Some(c.to_string());
        line = next();
    }
    let pos = line
        .and_then(|l| l.strip_prefix("pos="))
        .and_then(|p| p.parse::<usize>().ok())
        .ok_or_else(|| Trouble::Corrupt("no position".into()))?;
    let mut rest = Vec::new();
    while let Some(l) = next() {
        rest.push(l);
    }
    // The header's lines come before the script's (the last call found no line).
    let header = consumed - rest.len() - 1;
    let rest = rest.join("\n");
    // The encoder writes one op per line; a `count=` line could expand a small text into
    // millions of ops, so it is refused before parsing.
    if rest.contains("count=") {
        return Err(Trouble::Corrupt("a line that repeats".into()));
    }
    let parsed = script::parse(&rest, &|_| Err("no files here".into()))
        .map_err(|e| Trouble::Corrupt(format!("line {}: {}", e.line + header, e.message)))?;
    let ops: Vec<Op> = parsed.steps.into_iter().map(|s| s.op).collect();
    if pos > ops.len() {
        return Err(Trouble::Corrupt("a position past the end".into()));
    }
    Ok(Saved {
        config: parsed.config,
        ops,
        pos,
        chapter,
    })
}

/// The inputs that boot this machine, if the controls can express it.
pub fn inputs_of(config: &MachineConfig) -> Option<Inputs> {
    let ram = config.e820.usable_bytes() + 0x8_0400;
    let qemu = E820Map::qemu_pc(ram).ok().as_ref() == Some(&config.e820);
    let inputs = Inputs {
        profile: config.profile,
        ram: if qemu { ram } else { Inputs::default().ram },
        pae: config.pae,
        highmem: config.highmem,
        vmalloc: config.vmalloc,
        nr_cpus: config.nr_cpus,
        log: (!qemu).then(|| config.e820.clone()),
        cpus: config.cpus,
        cpu_model: config.cpu_model,
        options: MachineOptions::of(config),
    };
    (inputs.machine_config().ok().as_ref() == Some(config)).then_some(inputs)
}

/// What to store for a state.
pub fn saved_of(state: &State, chapter: Option<&str>) -> Option<Saved> {
    let config = state.inputs.machine_config().ok()?;
    let t = &state.lab.timeline;
    Some(Saved {
        config,
        ops: t.ops.to_vec(),
        pos: t.pos,
        chapter: chapter.map(str::to_string),
    })
}

/// The page state for saved state: the settings, every op replayed (quietly; the op at the
/// position is traced), at the position saved.
pub fn restore(saved: &Saved) -> Result<State, Trouble> {
    let inputs = inputs_of(&saved.config)
        .ok_or_else(|| Trouble::Corrupt("settings the controls cannot show".into()))?;
    let layout = inputs.compute().map_err(Trouble::Corrupt)?;
    let mut lab = Lab::boot(saved.config.clone());
    if let Ok(start) = &lab.machine {
        let mut m: Machine = (*start.0).clone();
        let mut t = Timeline::new(&m);
        for op in &saved.ops {
            let (result, value) = m.apply_quiet(op);
            t.record(op.clone(), Brief::quiet(result, value), &m);
        }
        lab.timeline = t;
        lab.machine = Ok(crate::shared::Shared(Rc::new(m)));
        lab = lab.jump(saved.pos);
    } else if !saved.ops.is_empty() {
        return Err(Trouble::Corrupt(
            "ops for a machine that does not boot".into(),
        ));
    }
    if !saved.ops.is_empty() {
        lab.note = Some(format!(
            "Restored from your last visit: {} op{}, at op {}.",
            saved.ops.len(),
            if saved.ops.len() == 1 { "" } else { "s" },
            saved.pos
        ));
    }
    Ok(State {
        drafts: Drafts::of(&inputs),
        layout: Rc::new(layout),
        explore: State::default().explore,
        inputs,
        lab,
        ..State::default()
    })
}

/// The state to start with, from stored text (`None`: nothing stored), and what to tell the
/// reader if it could not be used.
pub fn start_from(text: Option<&str>) -> (State, Option<String>, Option<String>) {
    let Some(text) = text else {
        return (State::default(), None, None);
    };
    match decode(text).and_then(|s| restore(&s).map(|st| (st, s.chapter))) {
        Ok((state, chapter)) => (state, chapter, None),
        Err(t) => (State::default(), None, Some(t.notice())),
    }
}

/// The text to store for a state: the whole history, or only the settings when it is too
/// long (with the notice saying so).
pub fn text_for(state: &State, chapter: Option<&str>) -> Option<(String, Option<Trouble>)> {
    let saved = saved_of(state, chapter)?;
    let text = encode(&saved);
    if text.len() <= MAX_CHARS {
        return Some((text, None));
    }
    let settings = encode(&Saved {
        ops: Vec::new(),
        pos: 0,
        ..saved
    });
    Some((settings, Some(Trouble::Oversized(text.len()))))
}

/// The browser's storage, if it offers one.
#[cfg(target_arch = "wasm32")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The stored text, if any.
pub fn load() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        storage()?.get_item(KEY).ok().flatten()
    }
    #[cfg(not(target_arch = "wasm32"))]
    None
}

/// Stores the text; the error says why the browser refused (a full quota, storage off).
pub fn store(text: &str) -> Result<(), String> {
    #[cfg(target_arch = "wasm32")]
    {
        let s = storage().ok_or("no local storage in this browser")?;
        s.set_item(KEY, text)
            .map_err(|_| "its storage for this site is full or turned off".to_string())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = text;
        Ok(())
    }
}

/// Forgets the stored state.
pub fn clear() {
    #[cfg(target_arch = "wasm32")]
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
}

/// How long the state must stay still before it is written (a long run writes once, at its
/// end; typing writes once, after the last key).
pub const SAVE_DELAY_MS: i32 = 500;

/// Writes the state some time after it last changed, and reports a trouble (a full quota, a
/// history too long) once, not at every write. The state the page starts with is written only
/// when `save_start`: storage that could not be read (and so gave a notice) stays as it was
/// until the reader changes something, rather than being replaced behind the notice.
#[yew::hook]
pub fn use_saving(
    state: &yew::UseReducerHandle<State>,
    chapter: Option<&'static str>,
    notice: yew::UseStateSetter<Option<String>>,
    enabled: bool,
    save_start: bool,
) {
    use yew::prelude::*;
    let reported = use_mut_ref(|| None::<std::mem::Discriminant<Trouble>>);
    let first = use_mut_ref(|| true);
    let t = &state.lab.timeline;
    let key = (
        state.lab.seq,
        t.pos,
        t.ops.len(),
        state.inputs.clone(),
        chapter,
        state.lab.job.is_some() || !enabled,
    );
    let st = state.clone();
    use_effect_with(key, move |k| {
        let (chapter, busy) = (k.4, k.5);
        let start = std::mem::replace(&mut *first.borrow_mut(), false);
        let timer = if busy || (start && !save_start) {
            None
        } else {
            crate::timer::Timeout::new(SAVE_DELAY_MS, move || {
                let trouble = text_for(&st, chapter).and_then(|(text, over)| match store(&text) {
                    Err(why) => Some(Trouble::NotSaved(why)),
                    Ok(()) => over,
                });
                let kind = trouble.as_ref().map(std::mem::discriminant);
                if let Some(t) = &trouble {
                    if *reported.borrow() != kind {
                        notice.set(Some(t.notice()));
                    }
                }
                *reported.borrow_mut() = kind;
            })
        };
        move || drop(timer)
    });
}

/// Opens a saved chapter when the address names none (`#/pkmap`), replacing the entry so
/// Back does not return to the empty address.
pub fn open_chapter_if_none(name: &str) {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return;
    };
    let hash = loc.hash().unwrap_or_default();
    let known = crate::content::CHAPTERS
        .iter()
        .any(|c| crate::route::route_name(c) == name);
    if known && (hash.is_empty() || hash == "#" || hash == "#/") {
        let _ = loc.replace(&format!("#/{name}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Action;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use yew::Reducible;

    fn ran() -> Rc<State> {
        Rc::new(State::default())
            .reduce(Action::RunScenario {
                id: "stale-tlb",
                stepwise: false,
            })
            .reduce(Action::Undo)
            .reduce(Action::Undo)
    }

    #[test]
    fn a_state_survives_the_round_trip() {
        let s = ran();
        let (text, trouble) = text_for(&s, Some("paging")).unwrap();
        assert_eq!(trouble, None);
        assert!(text.starts_with("highmem-lab-state\nversion=1\nchapter=paging\npos=6\nmachine "));
        let (back, chapter, notice) = start_from(Some(&text));
        assert_eq!(notice, None);
        assert_eq!(chapter.as_deref(), Some("paging"));
        assert_eq!(back.inputs, s.inputs);
        assert_eq!(back.lab.timeline.ops, s.lab.timeline.ops);
        assert_eq!(back.lab.timeline.pos, 6);
        assert_eq!(
            back.machine().unwrap().snapshot(),
            s.machine().unwrap().snapshot()
        );
        assert!(back.lab.note.clone().unwrap().contains("8 ops, at op 6"));
        // Pasted-map machines and options come back too.
        let log = "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n\
                   BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable\n";
        let s = Rc::new(State::default())
            .reduce(Action::UseLog(log.into()))
            .reduce(Action::SetOption(
                crate::state::MachineOption::DebugKmap,
                true,
            ))
            .reduce(Action::SetCpus(1));
        let (text, _) = text_for(&s, None).unwrap();
        let (back, _, notice) = start_from(Some(&text));
        assert_eq!(notice, None, "{text}");
        assert_eq!(back.inputs, s.inputs);
    }

    #[test]
    fn nothing_stored_is_the_default_without_a_notice() {
        let (s, chapter, notice) = start_from(None);
        assert_eq!((chapter, notice), (None, None));
        assert_eq!(s.lab.timeline.ops.len(), 0);
    }

    #[test]
    fn bad_storage_starts_afresh_with_a_notice() {
        let (good, _) = text_for(&ran(), None).unwrap();
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "not the lab's format"),
            ("{\"a\":1}".into(), "not the lab's format"),
            (good.replace("version=1", "version=0"), "another version"),
            (good.replace("version=1", "version=x"), "no version"),
            (good.replace("pos=6", "pos=600"), "past the end"),
            (good.replace("pos=6", "pos=-1"), "no position"),
            (
                good.replace("machine profile=6.1", "machine profile=9.9"),
                "line 4",
            ),
            (
                good.replace("read cpu=0", "read cpu=zz"),
                "could not be read",
            ),
            (format!("{good}kmap A pfn=0x50000 count=4096\n"), "repeats"),
            (good.replace("pos=6", "chapter=<b>\npos=6"), "bad chapter"),
            ("x".repeat(MAX_CHARS + 1), "too long"),
            (good[..good.len() / 2].to_string(), "could not be read"),
        ];
        for (text, says) in cases {
            let (s, chapter, notice) = start_from(Some(&text));
            let notice = notice.unwrap_or_else(|| panic!("no notice for {text:.80}"));
            assert!(notice.contains(says), "{says}: {notice}");
            assert_eq!(chapter, None);
            assert_eq!(s.inputs, Inputs::default());
            assert!(s.lab.timeline.ops.is_empty());
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let (good, _) = text_for(&ran(), None).unwrap();
        let mut rng = crate::random::Rng::new(11);
        for _ in 0..300 {
            let mut b = good.clone().into_bytes();
            for _ in 0..1 + rng.below(6) {
                let i = rng.below(b.len());
                b[i] = rng.next_u64() as u8;
            }
            let text = String::from_utf8_lossy(&b);
            let (s, _, notice) = start_from(Some(&text));
            if notice.is_none() {
                s.machine().unwrap().check_invariants().unwrap();
            }
        }
    }

    #[test]
    fn a_history_too_long_keeps_only_the_settings() {
        let s = Rc::new(State::default()).reduce(Action::SetRam(3 << 30));
        let mut lab = s.lab.start_long_run(150_000, 3);
        let id = lab.job.as_ref().unwrap().id;
        while lab.job.is_some() {
            lab = lab.run_chunk(id, &mut |_| true);
        }
        let s = State {
            lab,
            ..(*s).clone()
        };
        let (text, trouble) = text_for(&s, None).unwrap();
        assert!(matches!(trouble, Some(Trouble::Oversized(n)) if n > MAX_CHARS));
        assert!(text.ends_with("cpus=2\n"), "{text}");
        let (back, _, notice) = start_from(Some(&text));
        assert_eq!(notice, None);
        assert_eq!(back.inputs.ram, 3 << 30);
    }
}
