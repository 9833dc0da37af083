//! Permalinks: the whole state of the lab in the URL, written in the engine's own scenario
//! script format, so a link opens exactly the machine, the history and the step it was made
//! from, and a reader can read (and `hmsim run`) what it carries.
//!
//! The parameters (all optional; docs/EMBEDDING.md is the reference):
//!
//! | key        | value |
//! |------------|-------|
//! | `v`        | the format's version, `1` |
//! | `s`        | a scenario script: the `machine` line, then one op per line ([`encode`]) |
//! | `step`     | how many of the script's ops are applied (the rest wait to be redone); default all |
//! | `addr`     | the address explorer's address (`0x…`) |
//! | `addr-cpu` | the CPU whose tables the explorer walks |
//! | `view`     | a view by name ([`crate::embed::View`]): the one shown when embedded, else the card scrolled to |
//! | `embed`    | `1`: show that view alone, for an iframe |
//! | `origins`  | for `embed=1`, the host pages allowed to drive it by `postMessage`, comma-separated |
//!
//! They may stand in the query (`index.html?s=…#/pkmap`) or after the chapter's route in the
//! hash (`index.html#/pkmap?s=…`), where the copy-link button puts them: a fragment is never
//! sent to the server, so a long history does not meet a server's limit on request lines.
//!
//! The script is written compactly and URL-safely by [`encode`]: letters, digits and
//! `- . _ = , :` as they are, a space as `+`, a line break as `~`, anything else `%XX`.
//!
//! A link is input like any other: it is checked whole before anything changes. Unknown or
//! repeated keys, a script the engine's parser refuses, a machine the lab cannot show, too
//! many ops, an op the model refuses, a step past the end: each gives a sentence for the
//! reader, and the page opens in its default state. Nothing in a link is run as code or
//! becomes markup; the script goes to the engine's parser, whose errors are shown as text.

use crate::embed::View;
use crate::state::{Action, Inputs, MachineOptions, State, MAX_CPUS};
use highmem_engine::e820::E820Map;
use highmem_engine::machine::{MachineConfig, Op};
use highmem_engine::script::{self, parse_number};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::Reducible;

/// The version of the parameters ([`VERSION`] in `v=`).
pub const VERSION: &str = "1";
/// The longest parameter text read (query and hash together), in bytes.
pub const MAX_PARAMS: usize = 512 * 1024;
/// The longest script a link may carry, in bytes once decoded.
pub const MAX_SCRIPT: usize = 256 * 1024;
/// The most ops a link may carry.
pub const MAX_OPS: usize = 5000;
/// The longest problem shown to the reader, in characters (an engine message may quote the
/// link's own text back).
const MAX_NOTICE: usize = 400;

/// The keys a link may have.
pub const KEYS: [&str; 8] = [
    "v", "s", "step", "addr", "addr-cpu", "view", "embed", "origins",
];

/// The parameters of a URL, by key. Each key at most once.
pub type Params = BTreeMap<String, String>;

/// Writes a script for a URL: letters, digits and `- . _ = , :` as they are, a space as `+`,
/// a line break as `~`, every other byte as `%XX`.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'=' | b',' | b':' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b'\n' => out.push('~'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Reads back what [`encode`] wrote (and what a browser or a mail program may have
/// percent-encoded on the way).
pub fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'~' => out.push(b'\n'),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        format!(
                            "a '%' at character {} is not followed by two hex digits",
                            i + 1
                        )
                    })?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "the text is not valid UTF-8".to_string())
}

/// Splits a `location.hash` into its route (`#/pkmap`) and its parameters (after a `?`).
pub fn split_hash(hash: &str) -> (&str, &str) {
    match hash.split_once('?') {
        Some((route, params)) => (route, params),
        None => (hash, ""),
    }
}

/// Reads the parameters of the query (`?a=1&b=2`, with or without its `?`) and of the hash's
/// parameter part. Unknown keys, a key given twice, and text beyond [`MAX_PARAMS`] are
/// refused. Values are kept as written (still encoded).
pub fn read_params(query: &str, hash_params: &str) -> Result<Params, String> {
    let query = query.strip_prefix('?').unwrap_or(query);
    if query.len() + hash_params.len() > MAX_PARAMS {
        return Err(format!(
            "the link's parameters are {} KiB long; at most {} KiB are read",
            (query.len() + hash_params.len()) / 1024,
            MAX_PARAMS / 1024
        ));
    }
    let mut params = Params::new();
    for pair in query.split('&').chain(hash_params.split('&')) {
        if pair.is_empty() {
            continue;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key).map_err(|e| format!("a parameter's name: {e}"))?;
        if !KEYS.contains(&key.as_str()) {
            return Err(format!(
                "the link has an unknown parameter '{}' (known: {})",
                clip(&key, 40),
                KEYS.join(", ")
            ));
        }
        if params.insert(key.clone(), value.to_string()).is_some() {
            return Err(format!("the link gives '{key}' twice"));
        }
    }
    Ok(params)
}

/// Shortens a text for a message.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// A problem with a link, as the notice shows it: "This link could not be opened: …".
pub fn notice(problem: &str) -> String {
    clip(
        &format!("This link could not be opened, so the lab shows its default machine: {problem}."),
        MAX_NOTICE,
    )
}

/// What a link asks for, checked, before the state is made from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The script, decoded.
    pub script: Option<String>,
    /// How many ops to apply; `None`: all.
    pub step: Option<usize>,
    /// The explorer's address and CPU.
    pub addr: Option<(u32, usize)>,
    /// The view asked for.
    pub view: Option<View>,
    /// Embed mode.
    pub embed: bool,
    /// The host origins that may drive an embedded view.
    pub origins: Vec<String>,
}

/// Checks the parameters' values (not yet the script against the engine).
pub fn read_link(params: &Params) -> Result<Link, String> {
    if let Some(v) = params.get("v") {
        if v != VERSION {
            return Err(format!(
                "it is written in version '{}' of the link format; this lab reads version {VERSION}",
                clip(v, 20)
            ));
        }
    }
    let script = match params.get("s") {
        None => None,
        Some(s) => {
            let text = decode(s).map_err(|e| format!("s= (the script): {e}"))?;
            if text.len() > MAX_SCRIPT {
                return Err(format!(
                    "its script is {} KiB long; a link may carry {} KiB",
                    text.len() / 1024,
                    MAX_SCRIPT / 1024
                ));
            }
            Some(text)
        }
    };
    let number = |key: &str| -> Result<Option<u64>, String> {
        params
            .get(key)
            .map(|v| {
                let v = decode(v)?;
                parse_number(&v).ok_or_else(|| format!("{key}='{}' is not a number", clip(&v, 30)))
            })
            .transpose()
    };
    let step = number("step")?;
    if step.is_some() && script.is_none() {
        return Err("step= is given without a script (s=)".into());
    }
    let step = step.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let addr = match (number("addr")?, number("addr-cpu")?) {
        (None, None) => None,
        (None, Some(_)) => return Err("addr-cpu= is given without addr=".into()),
        (Some(a), cpu) => {
            let a = u32::try_from(a)
                .map_err(|_| format!("addr={a:#x} is beyond the 32-bit address space"))?;
            let cpu = cpu.unwrap_or(0);
            if cpu >= MAX_CPUS as u64 {
                return Err(format!(
                    "addr-cpu={cpu}: the lab simulates at most {MAX_CPUS} CPUs"
                ));
            }
            Some((a, cpu as usize))
        }
    };
    let view = match params.get("view") {
        None => None,
        Some(v) => {
            let v = decode(v)?;
            Some(View::parse(&v).ok_or_else(|| {
                format!(
                    "there is no view '{}' (the views: {})",
                    clip(&v, 40),
                    View::ALL.map(|v| v.name()).join(", ")
                )
            })?)
        }
    };
    let embed = match params.get("embed").map(String::as_str) {
        None | Some("0") => false,
        Some("1") => true,
        Some(other) => return Err(format!("embed='{}': use embed=1", clip(other, 20))),
    };
    if embed && view.is_none() {
        return Err(format!(
            "embed=1 needs a view= (one of {})",
            View::ALL.map(|v| v.name()).join(", ")
        ));
    }
    let origins = match params.get("origins") {
        None => Vec::new(),
        Some(list) => {
            if !embed {
                return Err("origins= is only for embed=1".into());
            }
            let list = decode(list)?;
            let origins: Vec<String> = list
                .split(',')
                .filter(|o| !o.is_empty())
                .map(|o| {
                    crate::embed::check_origin(o).ok_or_else(|| {
                        format!(
                            "origins: '{}' is not an origin like https://example.org",
                            clip(o, 60)
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            if origins.len() > 16 {
                return Err("origins= lists more than 16 origins".into());
            }
            origins
        }
    };
    Ok(Link {
        script,
        step,
        addr,
        view,
        embed,
        origins,
    })
}

/// The ops still to redo: the timeline's ops after its position (a link opened at a step
/// leaves the rest there, as an undo does).
pub fn pending_ops(state: &State) -> Vec<Op> {
    let t = &state.lab.timeline;
    t.ops.range(t.pos, t.ops.len() - t.pos).cloned().collect()
}

/// The inputs that boot exactly this configuration, or why the lab cannot show it.
pub fn inputs_of(config: &MachineConfig) -> Result<Inputs, String> {
    let p = config.profile.profile();
    let qemu_ram = config.e820.usable_bytes() + 0x8_0400;
    let (ram, log) = if E820Map::qemu_pc(qemu_ram).as_ref() == Ok(&config.e820) {
        (qemu_ram, None)
    } else {
        (Inputs::default().ram, Some(config.e820.clone()))
    };
    // A `config=` that says only what the profile does anyway is no change.
    let kconfig = config.config.filter(|&c| c != p.default_config);
    let normal = MachineConfig {
        config: kconfig,
        ..config.clone()
    };
    if config.tlb.is_some() {
        return Err("tlb= (a TLB geometry) is not one the lab's controls can set".into());
    }
    if config.cpus > MAX_CPUS {
        return Err(format!(
            "cpus={}: the lab simulates at most {MAX_CPUS} CPUs",
            config.cpus
        ));
    }
    let inputs = Inputs {
        profile: config.profile,
        ram,
        pae: config.pae,
        highmem: config.highmem,
        vmalloc: config.vmalloc,
        nr_cpus: config.nr_cpus,
        log,
        cpus: config.cpus,
        cpu_model: config.cpu_model,
        options: MachineOptions::of(&normal),
    };
    match inputs.machine_config() {
        Ok(c) if c == normal => Ok(inputs),
        _ => Err(
            "config= sets kernel options the lab's controls do not offer (only the debug option for temporary maps)"
                .into(),
        ),
    }
}

/// Cheap checks on the script's text before the parser expands it: no more than
/// [`MAX_CPUS`] CPUs, and no more ops than [`MAX_OPS`] once `count=` repeats are counted.
fn precheck(text: &str) -> Result<(), String> {
    let mut ops = 0u64;
    let mut machine_seen = false;
    for line in text.lines() {
        let body = line.split('#').next().unwrap_or("");
        let mut words = body.split_whitespace();
        let Some(first) = words.next() else { continue };
        if !machine_seen {
            machine_seen = true;
            for w in words {
                if let Some(n) = w.strip_prefix("cpus=").and_then(parse_number) {
                    if n > MAX_CPUS as u64 {
                        return Err(format!(
                            "cpus={n}: the lab simulates at most {MAX_CPUS} CPUs"
                        ));
                    }
                }
            }
            continue;
        }
        let count = if first.starts_with("kmap") || first == "kunmap" {
            words
                .find_map(|w| w.strip_prefix("count=").and_then(parse_number))
                .unwrap_or(1)
        } else {
            1
        };
        ops = ops.saturating_add(count.max(1));
        if ops > MAX_OPS as u64 {
            return Err(format!("it carries more than {MAX_OPS} operations"));
        }
    }
    Ok(())
}

/// A state made from a link's script and step: the machine booted from its `machine` line,
/// its ops up to the step applied (the rest kept in [`Pending`]). Any op the model refuses
/// refuses the link.
pub fn state_from_script(text: &str, step: Option<usize>) -> Result<State, String> {
    precheck(text)?;
    let parsed = script::parse(text, &|file| {
        Err(format!(
            "e820={file}: a link cannot read files; write the map inline with e820map="
        ))
    })
    .map_err(|e| format!("its script, line {e}"))?;
    let ops: Vec<Op> = parsed.steps.into_iter().map(|s| s.op).collect();
    if ops.len() > MAX_OPS {
        return Err(format!("it carries more than {MAX_OPS} operations"));
    }
    let step = step.unwrap_or(ops.len());
    if step > ops.len() {
        return Err(format!(
            "step={step}, but the script has {}",
            crate::lab::ops_count(ops.len())
        ));
    }
    let inputs = inputs_of(&parsed.config)?;
    let mut state = State::from_inputs(inputs)?;
    // The machine the lab booted is the script's, up to a `config=` that changes nothing.
    let default = parsed.config.profile.profile().default_config;
    let expected = MachineConfig {
        config: parsed.config.config.filter(|&c| c != default),
        ..parsed.config.clone()
    };
    let Some(config) = state.machine().map(|m| m.config().clone()) else {
        return Err("its machine does not boot in the lab".into());
    };
    if config != expected {
        return Err("its machine is not one the lab's controls can set".into());
    }
    // Every op of the link runs (one refused refuses the link whole), then the timeline goes
    // back to the step: the ops after it are its redo list.
    let mut lab = state.lab.clone();
    if !ops.is_empty() {
        lab = lab.apply_all(ops.clone(), None);
    }
    if lab.timeline.ops.len() != ops.len() {
        let at = lab.timeline.ops.len();
        let why = lab
            .last
            .as_ref()
            .and_then(|r| r.last())
            .map(|a| a.outcome.message.clone())
            .unwrap_or_default();
        return Err(format!(
            "the model refuses operation {} (“{}”): {}",
            at + 1,
            clip(&script::op_text(&ops[at]), 80),
            clip(why.lines().next().unwrap_or(""), 160)
        ));
    }
    if step < ops.len() {
        lab = lab.jump(step);
    }
    if step > 0 {
        lab.note = Some(format!(
            "Opened from a link: the machine was booted and the {} replayed.",
            crate::lab::ops_count(step)
        ));
    }
    let _ = config;
    state.lab = lab;
    Ok(state)
}

/// The state a link opens: the default state with the link's script, step and explorer
/// address. Errors are sentences for [`notice`].
pub fn state_from_link(link: &Link) -> Result<State, String> {
    let mut state = Rc::new(match &link.script {
        Some(text) => state_from_script(text, link.step)?,
        None => State::default(),
    });
    if let Some((addr, cpu)) = link.addr {
        if cpu >= state.inputs.cpus {
            return Err(format!(
                "addr-cpu={cpu}: the machine has {} CPU{}",
                state.inputs.cpus,
                if state.inputs.cpus == 1 { "" } else { "s" }
            ));
        }
        state = state
            .reduce(Action::ExploreAt(addr))
            .reduce(Action::ExploreCpu(cpu));
    }
    Ok(Rc::try_unwrap(state).unwrap_or_else(|rc| (*rc).clone()))
}

/// Everything a page opened with these parameters starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct Opened {
    /// The state (the default one if the link was refused).
    pub state: State,
    /// The link as read (`None` if it was refused).
    pub link: Option<Link>,
    /// Why the link was refused.
    pub problem: Option<String>,
}

impl Opened {
    /// Whether the URL says anything about the state (a script or an explorer address, or a
    /// link that was refused). If not, a state kept from an earlier visit may be restored
    /// instead; a link always wins over it.
    pub fn carries_state(&self) -> bool {
        self.problem.is_some()
            || self
                .link
                .as_ref()
                .is_some_and(|l| l.script.is_some() || l.addr.is_some())
    }
}

/// Opens a page's parameters: the state they describe, or the default state and a notice.
/// When only the state is refused, the rest of the link (embed mode, its view and origins)
/// still holds, so an embedded view shows the default state with the notice.
pub fn open(query: &str, hash_params: &str) -> Opened {
    let link = match read_params(query, hash_params).and_then(|p| read_link(&p)) {
        Ok(link) => link,
        Err(problem) => {
            return Opened {
                state: State::default(),
                link: None,
                problem: Some(notice(&problem)),
            }
        }
    };
    match state_from_link(&link) {
        Ok(state) => Opened {
            state,
            link: Some(link),
            problem: None,
        },
        Err(problem) => Opened {
            state: State::default(),
            link: Some(Link {
                script: None,
                step: None,
                addr: None,
                ..link
            }),
            problem: Some(notice(&problem)),
        },
    }
}

/// The ops and step a link of this state carries: the whole timeline, ops undone included,
/// and the position in it.
pub fn ops_and_step(state: &State) -> (Vec<Op>, usize) {
    let t = &state.lab.timeline;
    (t.ops.to_vec(), t.pos)
}

/// The script a link of this state carries, and its step.
pub fn state_script(state: &State) -> Result<(String, usize), String> {
    let config = match state.machine() {
        Some(m) => m.config().clone(),
        None => {
            return Err(
                "this machine does not boot, and a link carries only machines that do".into(),
            )
        }
    };
    let (ops, step) = ops_and_step(state);
    if ops.len() > MAX_OPS {
        return Err(format!(
            "the history has {}; a link carries at most {MAX_OPS}. Export it as a script instead",
            crate::lab::ops_count(ops.len())
        ));
    }
    Ok((script::script_text(&config, &ops), step))
}

/// The parameters of a link to this state (without `?`): `v`, `s`, `step` when some ops wait
/// to be redone, and the explorer's address when it is not the default.
pub fn state_params(state: &State) -> Result<String, String> {
    let (text, step) = state_script(state)?;
    let ops = text.lines().count() - 1;
    let mut out = format!("v={VERSION}&s={}", encode(text.trim_end()));
    if step < ops {
        out.push_str(&format!("&step={step}"));
    }
    let e = &state.explore;
    let default = State::default().explore;
    if e.va != default.va || e.cpu != default.cpu {
        out.push_str(&format!("&addr={:#x}", e.va));
        if e.cpu != 0 {
            out.push_str(&format!("&addr-cpu={}", e.cpu));
        }
    }
    Ok(out)
}

/// Opens the page's own URL: its query and the parameters after its hash's route.
pub fn open_location() -> Opened {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return open("", "");
    };
    let query = loc.search().unwrap_or_default();
    let hash = loc.hash().unwrap_or_default();
    open(&query, split_hash(&hash).1)
}

/// Takes a link's parameters out of the address bar, keeping the route: once opened, the page
/// is no longer tied to the link (reloading does not undo what the reader did since).
fn strip_location() {
    let Some(w) = web_sys::window() else { return };
    let loc = w.location();
    let (search, hash) = (
        loc.search().unwrap_or_default(),
        loc.hash().unwrap_or_default(),
    );
    let (route, params) = split_hash(&hash);
    if search.is_empty() && params.is_empty() {
        return;
    }
    let url = format!("{}{route}", loc.pathname().unwrap_or_default());
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// Outside embed mode: clears the link from the address bar once read, and opens a link
/// pasted into the address bar of the open page (a change of hash only, which reloads
/// nothing). A bad one leaves the state as it is and says why.
#[yew::hook]
pub fn use_link_updates(
    dispatcher: yew::UseReducerDispatcher<State>,
    notice: yew::UseStateHandle<Option<String>>,
    embed: bool,
    view: Option<View>,
) {
    yew::use_effect_with((), move |_| {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let window = web_sys::window().filter(|_| !embed);
        if window.is_some() {
            strip_location();
            // The card of the view the link names, when the chapter shown has it.
            if let Some(v) = view {
                crate::route::go_to(v.card_id());
            }
        }
        let closure = Closure::<dyn Fn(web_sys::Event)>::new(move |_: web_sys::Event| {
            let Some(hash) = web_sys::window().and_then(|w| w.location().hash().ok()) else {
                return;
            };
            let params = split_hash(&hash).1;
            if params.is_empty() {
                return;
            }
            let result = read_params("", params)
                .and_then(|p| read_link(&p))
                .and_then(|l| state_from_link(&l));
            match result {
                Ok(s) => {
                    dispatcher.dispatch(Action::Replace(crate::state::Replace(Rc::new(s))));
                    notice.set(None);
                }
                Err(why) => notice.set(Some(clip(
                    &format!("This link could not be opened, so nothing changed: {why}."),
                    MAX_NOTICE,
                ))),
            }
            strip_location();
        });
        if let Some(w) = &window {
            let _ =
                w.add_event_listener_with_callback("hashchange", closure.as_ref().unchecked_ref());
        }
        move || {
            if let Some(w) = &window {
                let _ = w.remove_event_listener_with_callback(
                    "hashchange",
                    closure.as_ref().unchecked_ref(),
                );
            }
            drop(closure);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::Rng;
    use crate::state::MachineOption;
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn opened(params: &str) -> Opened {
        open("", params)
    }

    fn refused(params: &str) -> String {
        let o = opened(params);
        let d = State::default();
        assert!(
            o.state.inputs == d.inputs
                && o.state.lab.history().is_empty()
                && crate::permalink::pending_ops(&o.state).is_empty()
                && o.state.explore == d.explore,
            "not the default state: {}",
            clip(params, 80)
        );
        assert!(o.link.as_ref().is_none_or(|l| l.script.is_none()));
        o.problem.expect("a notice")
    }

    /// A state made by actions, as a reader would make it.
    fn made(actions: Vec<Action>) -> Rc<State> {
        actions
            .into_iter()
            .fold(Rc::new(State::default()), |s, a| s.reduce(a))
    }

    /// The state a state's own link opens.
    fn round_trip(s: &State) -> State {
        let params = state_params(s).unwrap();
        let o = opened(&params);
        assert_eq!(o.problem, None, "{params}");
        o.state
    }

    fn same(a: &State, b: &State) {
        assert_eq!(a.inputs, b.inputs);
        assert_eq!(a.lab.history().to_vec(), b.lab.history().to_vec());
        assert_eq!(
            a.machine().unwrap().snapshot(),
            b.machine().unwrap().snapshot()
        );
        assert_eq!(pending_ops(a), pending_ops(b));
        assert_eq!((a.explore.va, a.explore.cpu), (b.explore.va, b.explore.cpu));
    }

    #[test]
    fn encoding_is_compact_and_reads_back() {
        let text = "machine profile=6.1 ram=2G pae=on\ntask A cpu=0 # née ~&#%+\n";
        let e = encode(text);
        assert_eq!(&e[..40], "machine+profile=6.1+ram=2G+pae=on~task+A");
        assert!(e
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._=,:+~%".contains(c)));
        assert_eq!(decode(&e).unwrap(), text);
        // What a browser may have percent-encoded is read too.
        assert_eq!(decode("a%3Db%2C+c").unwrap(), "a=b, c");
        assert!(decode("%zz").is_err() && decode("%4").is_err() && decode("%FF").is_err());
    }

    #[test]
    fn the_default_state_links_to_itself() {
        let s = State::default();
        let params = state_params(&s).unwrap();
        assert_eq!(
            params,
            "v=1&s=machine+profile=6.1+ram=2G+pae=on+highmem=on+cpus=2"
        );
        same(&round_trip(&s), &s);
        let (route, p) = split_hash("#/pkmap?v=1&s=x");
        assert_eq!((route, p), ("#/pkmap", "v=1&s=x"));
        assert_eq!(split_hash("#/paging"), ("#/paging", ""));
    }

    #[test]
    fn a_machine_history_step_and_address_round_trip() {
        let s = made(vec![
            Action::SetProfile(ProfileId::V2_6_24),
            Action::SetRam(3 << 30),
            Action::SetCpus(1),
            Action::SetOption(MachineOption::DebugKmap, true),
            Action::SetOption(MachineOption::SkipPkmapFlush, true),
            Action::RunScenario {
                id: "pkmap-fill-sleep",
                stepwise: false,
            },
            Action::ExploreAt(0xff80_1000),
        ]);
        assert!(s.lab.history().len() > 3);
        same(&round_trip(&s), &s);
        // Undo twice: the link carries the two undone ops to redo.
        let u = Rc::clone(&s).reduce(Action::Undo);
        let u = u.reduce(Action::Undo);
        assert_eq!(pending_ops(&u).len(), 2, "the undone ops are the redo list");
        let back = round_trip(&u);
        same(&back, &u);
        // A link with a step keeps the rest to redo, and redoing reaches the end.
        let full = state_params(&s).unwrap();
        let n = s.lab.history().len();
        let o = opened(&format!("{full}&step={}", n - 2));
        assert_eq!(o.problem, None);
        let st = Rc::new(o.state);
        assert_eq!(st.lab.history().len(), n - 2);
        assert_eq!(pending_ops(&st).len(), 2);
        assert!(state_params(&st)
            .unwrap()
            .contains(&format!("&step={}", n - 2)));
        let st = st.reduce(Action::RedoLinked).reduce(Action::RedoLinked);
        assert!(pending_ops(&st).is_empty());
        assert_eq!(
            st.machine().unwrap().snapshot(),
            s.machine().unwrap().snapshot()
        );
        // A new op drops the rest.
        let o = opened(&format!("{full}&step=1"));
        let st = Rc::new(o.state).reduce(Action::Apply(Op::FlushTlbAll));
        assert!(pending_ops(&st).is_empty());
    }

    #[test]
    fn a_pasted_map_round_trips_inline() {
        let log = "BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable\n\
                   BIOS-e820: [mem 0x0000000000100000-0x000000005fffffff] usable\n\
                   BIOS-e820: [mem 0x00000000fec00000-0x00000000fec00fff] reserved\n";
        let s = made(vec![Action::UseLog(log.into())]);
        assert!(s.inputs.log.is_some(), "{:?}", s.problem);
        let params = state_params(&s).unwrap();
        assert!(params.contains("e820map="), "{params}");
        same(&round_trip(&s), &s);
    }

    #[test]
    fn random_histories_round_trip() {
        for seed in 0..12u64 {
            let mut rng = Rng::new(seed);
            let profile = ProfileId::ALL[rng.below(ProfileId::ALL.len())];
            let cpus = 1 + rng.below(2);
            let mut s = made(vec![Action::SetProfile(profile), Action::SetCpus(cpus)]);
            let count = 1 + rng.below(60);
            s = s.reduce(Action::RunRandom { count, seed });
            for _ in 0..rng.below(3) {
                s = s.reduce(Action::Undo);
            }
            if crate::random::available(s.machine().unwrap()).is_ok() {
                assert!(!s.lab.history().is_empty(), "seed {seed}");
            }
            same(&round_trip(&s), &s);
            // Every step of it opens, and the rest waits to be redone.
            // (The link of a state with undone ops already names its step: take it out.)
            let params = state_params(&s).unwrap();
            let params = params.split("&step=").next().unwrap();
            let all = s.lab.timeline.ops.to_vec();
            let n = all.len();
            let k = rng.below(n + 1);
            let o = opened(&format!("{params}&step={k}"));
            assert_eq!(o.problem, None);
            assert_eq!(o.state.lab.history().to_vec()[..], all[..k]);
            assert_eq!(pending_ops(&o.state).len(), n - k);
        }
    }

    #[test]
    fn every_scenario_round_trips_on_every_profile() {
        let mut ran = 0;
        for profile in ProfileId::ALL {
            for sc in &crate::scenarios::SCENARIOS {
                let s = made(vec![
                    Action::SetProfile(profile),
                    Action::RunScenario {
                        id: sc.id,
                        stepwise: false,
                    },
                ]);
                if s.lab.history().is_empty() {
                    continue; // not for this kernel
                }
                ran += 1;
                let back = round_trip(&s);
                same(&back, &s);
                // Half-way, with the rest to redo.
                let half = s.lab.history().len() / 2;
                let o = opened(&format!("{}&step={half}", state_params(&s).unwrap()));
                assert_eq!(o.problem, None, "{} on {profile}", sc.id);
                assert_eq!(pending_ops(&o.state)[..], s.lab.history().to_vec()[half..]);
            }
        }
        assert!(
            ran > 2 * crate::scenarios::SCENARIOS.len(),
            "only {ran} scenario runs"
        );
    }

    #[test]
    fn a_config_that_changes_nothing_is_no_change() {
        let o = opened(
            "s=machine+profile=2.6.24+ram=1G+cpus=1+config=DEBUG_HIGHMEM=n~task+A+cpu=0&step=0",
        );
        assert_eq!(o.problem, None);
        assert_eq!(pending_ops(&o.state).len(), 1, "the op waits to be redone");
        let o = opened("s=machine+profile=2.6.24+ram=1G+cpus=1+config=DEBUG_HIGHMEM=y");
        assert_eq!(o.problem, None);
        assert!(o.state.inputs.options.debug_kmap);
    }

    #[test]
    fn mutated_links_open_or_are_refused_whole() {
        let s = made(vec![
            Action::SetProfile(ProfileId::V2_6_32),
            Action::RunScenario {
                id: "pkmap-count-one",
                stepwise: false,
            },
        ]);
        let good = state_params(&s).unwrap();
        let bytes = good.as_bytes();
        let pool = b"~+=%0xaz9_-,.:&";
        let mut rng = Rng::new(42);
        for _ in 0..300 {
            let mut b = bytes.to_vec();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(b.len());
                match rng.below(3) {
                    0 => b[at] = pool[rng.below(pool.len())],
                    1 => {
                        b.remove(at);
                    }
                    _ => b.insert(at, pool[rng.below(pool.len())]),
                }
            }
            let text = String::from_utf8_lossy(&b).into_owned();
            let o = opened(&text);
            match o.problem {
                // Opened: a consistent state, whose own link opens the same again.
                None => {
                    if let Some(m) = o.state.machine() {
                        m.check_invariants().unwrap();
                    }
                    if o.state.machine().is_some() {
                        same(&round_trip(&o.state), &o.state);
                    }
                }
                Some(n) => {
                    assert!(o.state.lab.history().is_empty() && n.contains("could not be opened"))
                }
            }
        }
    }

    #[test]
    fn hostile_links_give_a_notice_and_the_default_state() {
        let cases: Vec<(String, &str)> = vec![
            ("s=machine+profile=9.9+ram=2G".into(), "unknown profile"),
            ("s=%3Cscript%3Ealert(1)%3C%2Fscript%3E".into(), "machine"),
            ("s=machine+profile=6.1+ram=2G~kmap+A+pfn=1".into(), "no task"),
            ("s=machine+profile=6.1+ram=banana".into(), "banana"),
            ("s=machine+profile=6.1+ram=2G+cpus=65536".into(), "at most 4 CPUs"),
            ("s=machine+profile=6.1+ram=2G+tlb=64x4".into(), "tlb="),
            ("s=machine+profile=6.1+e820=/etc/passwd".into(), "cannot read files"),
            ("s=machine+profile=6.1+ram=2G&step=3".into(), "step=3"),
            ("s=machine+profile=6.1+ram=2G&step=-1".into(), "not a number"),
            ("s=machine+profile=6.1+ram=2G&step=99999999999999999999".into(), "not a number"),
            ("s=machine+profile=6.1+ram=2G&s=x".into(), "twice"),
            ("evil=1".into(), "unknown parameter 'evil'"),
            ("%3Cimg+src=x%3E=1".into(), "unknown parameter"),
            ("v=2&s=x".into(), "version"),
            ("step=1".into(), "without a script"),
            ("s=%E0%A4".into(), "UTF-8"),
            ("s=%".into(), "hex"),
            ("view=nope".into(), "no view 'nope'"),
            ("embed=1".into(), "needs a view"),
            ("embed=yes&view=pkmap".into(), "embed=1"),
            ("origins=https://a.example".into(), "only for embed=1"),
            ("embed=1&view=pkmap&origins=javascript:alert(1)".into(), "not an origin"),
            ("embed=1&view=pkmap&origins=*".into(), "not an origin"),
            ("addr=0x1ffffffff".into(), "32-bit"),
            ("addr=0x1000&addr-cpu=7".into(), "at most 4"),
            ("addr=0x1000&addr-cpu=3".into(), "the machine has 2 CPUs"),
            ("addr-cpu=1".into(), "without addr"),
            (
                "s=machine+profile=6.1+ram=2G~task+A+cpu=0~kmap+A+pfn=0x50000+count=4096~kmap+A+pfn=0x60000+count=4096".into(),
                "more than 5000",
            ),
            (format!("s={}", "a".repeat(MAX_PARAMS)), "KiB"),
            (format!("s={}", "a".repeat(MAX_SCRIPT + 1)), "KiB"),
        ];
        for (params, expect) in cases {
            let n = refused(&params);
            assert!(n.contains(expect), "{}: {n}", clip(&params, 80));
            assert!(n.chars().count() <= MAX_NOTICE + 1);
        }
        // An op the parser accepts and the model refuses: interrupts nested too deep.
        let n = refused(&format!(
            "s=machine+profile=6.1+ram=2G{}",
            "~irq_enter+cpu=0".repeat(9)
        ));
        assert!(n.contains("refuses operation"), "{n}");
    }

    #[test]
    fn the_query_and_the_hash_are_one_set_of_parameters() {
        let s = made(vec![Action::SetCpus(1)]);
        let params = state_params(&s).unwrap();
        assert!(!open("", "").carries_state());
        assert!(!open("?embed=1&view=tlb", "").carries_state());
        assert!(open("", "evil=1").carries_state());
        let o = open(&format!("?{params}"), "");
        assert!(o.carries_state());
        assert_eq!(o.problem, None);
        same(&o.state, &s);
        let o = open("?embed=1&view=pkmap", &params);
        let link = o.link.unwrap();
        assert!(link.embed && link.view == Some(View::Pkmap));
        // A refused state keeps the embedding: the view, with the default state and the notice.
        let o = open("?embed=1&view=tlb", "s=machine+profile=9");
        assert!(o.problem.unwrap().contains("unknown profile"));
        assert_eq!(o.link.unwrap().view, Some(View::Tlb));
        assert!(open(
            "?s=machine+profile=6.1+ram=1G",
            "s=machine+profile=6.1+ram=1G"
        )
        .problem
        .unwrap()
        .contains("twice"));
    }

    #[test]
    fn arbitrary_text_never_panics() {
        let mut rng = Rng::new(7);
        let alphabet: Vec<char> =
            "ab=&%~+#?/.,:_-0x19 \n\t<>\"'éß\u{0}\u{202e}smachinprofle6.1ramGstepviewembedorigins"
                .chars()
                .collect();
        for _ in 0..400 {
            let len = rng.below(120);
            let text: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            let _ = open(&text, &text);
            let _ = decode(&text);
            let _ = open(
                "",
                &format!("s=machine+profile=6.1+ram=1G~{}", encode(&text)),
            );
        }
    }
}
