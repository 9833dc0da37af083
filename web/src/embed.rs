//! Embedding: one view alone with minimal chrome (`?embed=1&view=pkmap&…`), for an iframe in
//! a course page, and the `postMessage` protocol a host page drives it with.
//!
//! Protocol, version 1 (docs/EMBEDDING.md is the reference). Every message, both ways, is a
//! plain object `{ source: 'highmem-lab', version: 1, type, … }`; an `id` a host puts in a
//! request comes back in the reply.
//!
//! - host → widget: `set-state` `{ state: { script, step?, addr?, addrCpu? } }`; `run`
//!   `{ op: 'kmap A pfn=0x50000' }` (one line of the scenario format); `reset` (back to the
//!   state the iframe's URL describes); `get-state`.
//! - widget → host: `ready` `{ view, state }`; `state` `{ state }` after every change;
//!   `done` `{ request, id, … }` for a request carried out (`run` adds `result`, `value`,
//!   `message`); `error` `{ request, id, message }` for one refused; `height` `{ height }`, and
//!   the same height as the LMS convention `{ subject: 'lti.frameResize', height }`.
//!
//! Messages are taken only from the parent window and only when their origin is one the URL's
//! `origins=` lists; they are posted only to the parent, and only with a listed origin as the
//! target (never `'*'`). Without `origins=` there is no messaging at all.

use crate::permalink::{self, Link};
use crate::state::State;
use highmem_engine::machine::{Outcome, ResultKind};
use highmem_engine::script;

/// The `source` every message carries.
pub const SOURCE: &str = "highmem-lab";
/// The protocol's version.
pub const PROTOCOL: u32 = 1;
/// The longest op line a host may send.
pub const MAX_OP_TEXT: usize = 1000;

/// A view that can be shown alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// The 4 GiB virtual address space to scale, with the derivation of a boundary.
    VirtualMap,
    /// Physical memory: zones and firmware ranges.
    PhysicalMap,
    /// What the kernel prints at boot.
    BootLog,
    /// The address explorer: a page walk level by level.
    PageWalk,
    /// The TLBs per CPU.
    Tlb,
    /// Physical memory as the allocator sees it: buddy free lists, named blocks.
    PhysMem,
    /// The pkmap window: `pkmap_count`, `last_pkmap_nr`.
    Pkmap,
    /// Where a page's address is kept: `page->virtual` or the hash table.
    AddressStore,
    /// `pkmap_map_wait`.
    WaitQueue,
    /// The kmap slots of the temporary maps.
    KmapSlots,
    /// The CPUs' contexts (and 6.1's kmap_local stacks).
    Contexts,
    /// The fixmap.
    Fixmap,
    /// The vmalloc range to scale, and the chosen area's frames.
    Vmalloc,
    /// The era's call graphs, lit by the last op.
    CallGraph,
    /// What the last op did, and the history.
    Outcome,
}

impl View {
    /// Every view.
    pub const ALL: [View; 15] = [
        View::VirtualMap,
        View::PhysicalMap,
        View::BootLog,
        View::PageWalk,
        View::Tlb,
        View::PhysMem,
        View::Pkmap,
        View::AddressStore,
        View::WaitQueue,
        View::KmapSlots,
        View::Contexts,
        View::Fixmap,
        View::Vmalloc,
        View::CallGraph,
        View::Outcome,
    ];

    /// The name in `view=`.
    pub fn name(self) -> &'static str {
        match self {
            View::VirtualMap => "virtual-map",
            View::PhysicalMap => "physical-map",
            View::BootLog => "boot-log",
            View::PageWalk => "page-walk",
            View::Tlb => "tlb",
            View::PhysMem => "phys-mem",
            View::Pkmap => "pkmap",
            View::AddressStore => "address-store",
            View::WaitQueue => "wait-queue",
            View::KmapSlots => "kmap-slots",
            View::Contexts => "contexts",
            View::Fixmap => "fixmap",
            View::Vmalloc => "vmalloc",
            View::CallGraph => "call-graph",
            View::Outcome => "outcome",
        }
    }

    /// The view of this name (a few other names are read too: `atomic` for the kmap slots,
    /// `hash-table`).
    pub fn parse(name: &str) -> Option<View> {
        match name {
            "atomic" => Some(View::KmapSlots),
            "hash-table" => Some(View::AddressStore),
            "walk" => Some(View::PageWalk),
            _ => View::ALL.into_iter().find(|v| v.name() == name),
        }
    }

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            View::VirtualMap => "Virtual address space",
            View::PhysicalMap => "Physical memory",
            View::BootLog => "What the kernel prints",
            View::PageWalk => "Address explorer",
            View::Tlb => "TLBs",
            View::PhysMem => "Physical memory and the buddy allocator",
            View::Pkmap => "The pkmap window",
            View::AddressStore => "Where a page's address is kept",
            View::WaitQueue => "pkmap_map_wait",
            View::KmapSlots => "kmap slots",
            View::Contexts => "Contexts",
            View::Fixmap => "The fixmap",
            View::Vmalloc => "The vmalloc range",
            View::CallGraph => "Call graphs",
            View::Outcome => "What happened",
        }
    }

    /// The chapter (route name) the view belongs to.
    pub fn chapter(self) -> &'static str {
        match self {
            View::VirtualMap | View::PhysicalMap | View::BootLog => "why-highmem",
            View::PageWalk | View::Tlb | View::PhysMem => "paging",
            View::Pkmap | View::AddressStore | View::WaitQueue | View::CallGraph => "pkmap",
            View::KmapSlots | View::Contexts | View::Fixmap => "atomic",
            View::Vmalloc => "vmalloc",
            View::Outcome => "paging",
        }
    }

    /// The view a chapter is best embedded by.
    pub fn of_chapter(route: &str) -> View {
        match route {
            "paging" => View::PageWalk,
            "pkmap" => View::Pkmap,
            "atomic" => View::KmapSlots,
            "vmalloc" => View::Vmalloc,
            _ => View::VirtualMap,
        }
    }

    /// The id of the view's card title in the full page, to scroll to.
    pub fn card_id(self) -> &'static str {
        match self {
            View::VirtualMap => "vmap-title",
            View::PhysicalMap => "pmap-title",
            View::BootLog => "log-title",
            View::PageWalk => "explorer-title",
            View::Tlb => "tlb-title",
            View::PhysMem => "phys-title",
            View::Pkmap => "pkmap-title",
            View::AddressStore => "store-title",
            View::WaitQueue => "wait-title",
            View::KmapSlots => "slots-title",
            View::Contexts => "contexts-title",
            View::Fixmap => "fixmap-title",
            View::Vmalloc => "vm-range-title",
            View::CallGraph => "graphs-title",
            View::Outcome => "outcome-title",
        }
    }

    /// Whether it shows the machine (rather than only the layout).
    pub fn needs_machine(self) -> bool {
        !matches!(self, View::VirtualMap | View::PhysicalMap | View::BootLog)
    }
}

/// An origin as `origins=` may list it, normalised (`https://a.example:8443`), or `None`:
/// `http` or `https`, a host of letters, digits, dots and dashes (or `[…]` for IPv6), an
/// optional port, no path, no user, no wildcard.
pub fn check_origin(text: &str) -> Option<String> {
    let lower = text.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        if inside.is_empty() || !inside.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return None;
        }
        (&rest[..inside.len() + 2], after.strip_prefix(':'))
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !host.starts_with('.')
            && !host.starts_with('-'));
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 5
            && p.chars().all(|c| c.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= 65535)
    });
    (host_ok && port_ok).then_some(lower.trim_end_matches('/').to_string())
}

/// Who the widget hears and whom it tells, from `origins=` and what the browser says of the
/// parent's origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The allowed origins.
    pub origins: Vec<String>,
    /// The origin replies go to: the parent's, once known and allowed.
    pub target: Option<String>,
    /// The parent's origin is known and not allowed: nothing is heard or posted.
    pub barred: bool,
}

impl Policy {
    /// The policy for these allowed origins and the parent's origin, if the browser tells it.
    pub fn new(origins: Vec<String>, parent: Option<String>) -> Policy {
        let barred = parent.as_ref().is_some_and(|o| !origins.contains(o));
        let target = parent.filter(|o| origins.contains(o));
        Policy {
            origins,
            target,
            barred,
        }
    }

    /// Whether a message from this origin is taken (only from the parent window).
    pub fn hears(&self, origin: &str, from_parent: bool) -> bool {
        from_parent && !self.barred && self.origins.iter().any(|o| o == origin)
    }

    /// A message was heard from this (allowed) origin: replies go there from now on.
    pub fn heard(&mut self, origin: &str) {
        if self.hears(origin, true) {
            self.target = Some(origin.to_string());
        }
    }

    /// The target origins of a post: the known one, else every allowed one (the browser
    /// delivers only where the origin matches); none when barred. Never `*`.
    pub fn targets(&self) -> Vec<String> {
        if self.barred {
            return Vec::new();
        }
        match &self.target {
            Some(o) => vec![o.clone()],
            None => self.origins.clone(),
        }
    }
}

/// What a `run` request did, for the `done` reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunReply {
    /// `ok`, `sleep`, `bug`, `oops` or `warn`, of the last op.
    pub result: &'static str,
    /// Its value as `0x…`, if it has one.
    pub value: Option<String>,
    /// Its message.
    pub message: String,
}

fn result_word(o: &Outcome) -> &'static str {
    match o.result {
        ResultKind::Ok => "ok",
        ResultKind::Sleep => "sleep",
        ResultKind::Bug => "bug",
        ResultKind::Oops => "oops",
        ResultKind::Warn => "warn",
    }
}

/// Runs one line of the scenario format on the state's machine: parsed by the engine in the
/// context of the history (so it may name the tasks and blocks made before), then applied.
/// A line the parser refuses, or an op the model refuses, changes nothing and says why.
pub fn run_text(state: &State, line: &str) -> Result<(State, RunReply), String> {
    if line.len() > MAX_OP_TEXT {
        return Err(format!("an op is at most {MAX_OP_TEXT} characters"));
    }
    let line = line.trim();
    if line.contains(['\n', '\r']) {
        return Err("send one op per message".into());
    }
    let m = state
        .machine()
        .ok_or("the machine does not boot, so there is nothing to run an op on")?;
    let mut text = script::script_text(m.config(), &state.lab.history().to_vec());
    let line_no = text.lines().count() + 1;
    text.push_str(line);
    text.push('\n');
    let parsed = script::parse(&text, &|_| Err("no files here".into())).map_err(|e| {
        if e.line == line_no {
            format!("column {}: {}", e.col, e.message)
        } else {
            e.to_string()
        }
    })?;
    let ops: Vec<_> = parsed
        .steps
        .into_iter()
        .filter(|s| s.line == line_no)
        .map(|s| s.op)
        .collect();
    if ops.is_empty() {
        return Err("the message's op is empty".into());
    }
    let before = state.lab.history().len();
    let n = ops.len();
    let label = (n > 1).then(|| crate::lab::ops_count(n));
    let lab = state.lab.apply_all(ops, label);
    let last = lab
        .last
        .as_ref()
        .and_then(|r| r.last())
        .ok_or("nothing ran")?;
    if lab.history().len() != before + n {
        return Err(format!(
            "the model refuses it: {}",
            last.outcome.message.lines().next().unwrap_or("")
        ));
    }
    let reply = RunReply {
        result: result_word(&last.outcome),
        value: last.outcome.value.map(|v| format!("{v:#x}")),
        message: last.outcome.message.clone(),
    };
    Ok((
        State {
            lab,
            ..state.clone()
        },
        reply,
    ))
}

/// A `set-state` request's state: a link's script and step (and explorer address).
pub fn set_state(
    script: Option<String>,
    step: Option<f64>,
    addr: Option<f64>,
    addr_cpu: Option<f64>,
) -> Result<State, String> {
    let whole = |v: Option<f64>, what: &str| -> Result<Option<u64>, String> {
        v.map(|n| {
            if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64 {
                Ok(n as u64)
            } else {
                Err(format!("{what} must be a whole number"))
            }
        })
        .transpose()
    };
    let script = script.ok_or("set-state needs state.script")?;
    if script.len() > permalink::MAX_SCRIPT {
        return Err(format!(
            "the script is longer than {} KiB",
            permalink::MAX_SCRIPT / 1024
        ));
    }
    let step = whole(step, "state.step")?.map(|n| n as usize);
    let addr = whole(addr, "state.addr")?;
    let cpu = whole(addr_cpu, "state.addrCpu")?;
    if cpu.is_some() && addr.is_none() {
        return Err("state.addrCpu is given without state.addr".into());
    }
    let link = Link {
        script: Some(script),
        step,
        addr: addr.map(|a| (a as u32, cpu.unwrap_or(0) as usize)),
        view: None,
        embed: true,
        origins: Vec::new(),
    };
    if let Some((_, cpu)) = link.addr {
        if cpu >= crate::state::MAX_CPUS {
            return Err(format!(
                "state.addrCpu: at most {} CPUs",
                crate::state::MAX_CPUS
            ));
        }
    }
    permalink::state_from_link(&link)
}

/// The browser side: the message listener, the replies, the height.
pub mod host {
    use super::*;
    use crate::state::{Action, Replace};
    use js_sys::{Object, Reflect};
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use yew::prelude::*;

    /// The widget's end of the conversation: its [`Policy`], kept up to date.
    pub struct Channel(pub RefCell<Policy>);

    fn window() -> Option<web_sys::Window> {
        web_sys::window()
    }

    fn parent() -> Option<web_sys::Window> {
        let w = window()?;
        let p = w.parent().ok().flatten()?;
        // Not framed: the parent is the window itself.
        if JsValue::from(p.clone()) == JsValue::from(w) {
            None
        } else {
            Some(p)
        }
    }

    /// The embedding page's origin as the browser tells it: `location.ancestorOrigins[0]`
    /// (Chromium, Safari), else the origin of `document.referrer`.
    fn parent_origin() -> Option<String> {
        let w = window()?;
        let loc: JsValue = w.location().into();
        if let Ok(list) = Reflect::get(&loc, &"ancestorOrigins".into()) {
            if let Ok(first) = Reflect::get(&list, &0.into()) {
                if let Some(s) = first.as_string() {
                    return check_origin(&s);
                }
            }
        }
        let referrer = w.document()?.referrer();
        let scheme_end = referrer.find("://")? + 3;
        let end = referrer[scheme_end..]
            .find('/')
            .map_or(referrer.len(), |i| scheme_end + i);
        check_origin(&referrer[..end])
    }

    impl Channel {
        /// A channel for these origins, with the parent's origin as the browser tells it.
        pub fn new(origins: Vec<String>) -> Channel {
            Channel(RefCell::new(Policy::new(origins, parent_origin())))
        }

        /// Posts to the parent, at the policy's targets.
        pub fn post(&self, msg: &JsValue) {
            let Some(p) = parent() else { return };
            for o in self.0.borrow().targets() {
                let _ = p.post_message(msg, &o);
            }
        }
    }

    fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
        let _ = Reflect::set(o, &k.into(), &v.into());
    }

    /// A message of the protocol.
    pub fn message(kind: &str) -> Object {
        let o = Object::new();
        set(&o, "source", SOURCE);
        set(&o, "version", PROTOCOL);
        set(&o, "type", kind);
        o
    }

    /// The state as messages carry it.
    pub fn state_object(state: &State, view: View) -> JsValue {
        let o = Object::new();
        match permalink::state_script(state) {
            Ok((script, step)) => {
                set(&o, "script", script);
                set(&o, "step", step as u32);
            }
            Err(why) => set(&o, "error", why),
        }
        set(&o, "addr", state.explore.va);
        set(&o, "addrCpu", state.explore.cpu as u32);
        set(&o, "view", view.name());
        set(&o, "profile", state.inputs.profile.name());
        if let Ok(p) = permalink::state_params(state) {
            set(&o, "link", full_link(&p, view.chapter()));
        }
        o.into()
    }

    /// The site's address with these parameters after a chapter's route.
    pub fn full_link(params: &str, chapter: &str) -> String {
        let Some(loc) = window().map(|w| w.location()) else {
            return String::new();
        };
        let base = format!(
            "{}{}",
            loc.origin().unwrap_or_default(),
            loc.pathname().unwrap_or_default()
        );
        format!("{base}#/{chapter}?{params}")
    }

    fn get_str(o: &JsValue, k: &str) -> Option<String> {
        Reflect::get(o, &k.into()).ok()?.as_string()
    }

    fn get_num(o: &JsValue, k: &str) -> Result<Option<f64>, String> {
        match Reflect::get(o, &k.into()) {
            Ok(v) if v.is_undefined() || v.is_null() => Ok(None),
            Ok(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| format!("{k} must be a number")),
            Err(_) => Ok(None),
        }
    }

    /// Handles one message from the host; the reply, if any.
    fn handle(
        data: &JsValue,
        current: &Rc<RefCell<Rc<State>>>,
        start: &Rc<State>,
        dispatch: &Callback<Action>,
        view: View,
    ) -> Option<Object> {
        if !data.is_object() || get_str(data, "source").as_deref() != Some(SOURCE) {
            return None;
        }
        let kind = get_str(data, "type").unwrap_or_default();
        if kind.is_empty()
            || matches!(
                kind.as_str(),
                "ready" | "state" | "done" | "error" | "height"
            )
        {
            // Not a request (perhaps our own message echoed).
            return None;
        }
        let id = Reflect::get(data, &"id".into()).unwrap_or(JsValue::UNDEFINED);
        let reply = |ok: Result<Object, String>| {
            let o = match ok {
                Ok(o) => o,
                Err(why) => {
                    let o = message("error");
                    set(&o, "message", why);
                    o
                }
            };
            set(&o, "request", kind.as_str());
            if !id.is_undefined() {
                set(&o, "id", id.clone());
            }
            o
        };
        let version = Reflect::get(data, &"version".into())
            .ok()
            .and_then(|v| v.as_f64());
        if version != Some(f64::from(PROTOCOL)) {
            return Some(reply(Err(format!(
                "this widget speaks version {PROTOCOL} of the protocol"
            ))));
        }
        let commit = |s: State| {
            let s = Rc::new(s);
            *current.borrow_mut() = s.clone();
            dispatch.emit(Action::Replace(Replace(s)));
        };
        let result = match kind.as_str() {
            "run" => match get_str(data, "op") {
                None => Err("run needs op: one line of the scenario format".to_string()),
                Some(op) => {
                    let now = current.borrow().clone();
                    run_text(&now, &op).map(|(s, r)| {
                        commit(s);
                        let o = message("done");
                        set(&o, "result", r.result);
                        if let Some(v) = r.value {
                            set(&o, "value", v);
                        }
                        set(&o, "message", r.message);
                        o
                    })
                }
            },
            "set-state" => {
                let st = Reflect::get(data, &"state".into()).unwrap_or(JsValue::UNDEFINED);
                if !st.is_object() {
                    Err("set-state needs state: { script, step }".to_string())
                } else {
                    (|| {
                        set_state(
                            get_str(&st, "script"),
                            get_num(&st, "step")?,
                            get_num(&st, "addr")?,
                            get_num(&st, "addrCpu")?,
                        )
                    })()
                    .map(|s| {
                        commit(s);
                        message("done")
                    })
                }
            }
            "reset" => {
                commit((**start).clone());
                Ok(message("done"))
            }
            "get-state" => {
                let o = message("done");
                set(&o, "state", state_object(&current.borrow(), view));
                Ok(o)
            }
            other => Err(format!(
                "unknown request '{}': use set-state, run, reset or get-state",
                other.chars().take(40).collect::<String>()
            )),
        };
        Some(reply(result))
    }

    /// Listens for the host's messages, posts `ready`, `state` on every change, and the
    /// height whenever it changes. `current` mirrors the page state (the app keeps it fresh).
    #[hook]
    pub fn use_protocol(
        origins: Vec<String>,
        view: View,
        current: Rc<RefCell<Rc<State>>>,
        start: Rc<State>,
        dispatch: Callback<Action>,
    ) {
        let channel = use_memo((), move |_| Channel::new(origins));
        // Messages from the host.
        {
            let channel = channel.clone();
            let current = current.clone();
            use_effect_with((), move |_| {
                let w = window();
                let listener = {
                    let channel = channel.clone();
                    Closure::<dyn Fn(web_sys::MessageEvent)>::new(
                        move |e: web_sys::MessageEvent| {
                            let from_parent = match (e.source(), parent()) {
                                (Some(s), Some(p)) => JsValue::from(s) == JsValue::from(p),
                                _ => false,
                            };
                            let origin = e.origin();
                            if !channel.0.borrow().hears(&origin, from_parent) {
                                return;
                            }
                            channel.0.borrow_mut().heard(&origin);
                            if let Some(reply) =
                                handle(&e.data(), &current, &start, &dispatch, view)
                            {
                                channel.post(&reply.into());
                            }
                        },
                    )
                };
                if let Some(w) = &w {
                    let _ = w.add_event_listener_with_callback(
                        "message",
                        listener.as_ref().unchecked_ref(),
                    );
                }
                move || {
                    if let Some(w) = &w {
                        let _ = w.remove_event_listener_with_callback(
                            "message",
                            listener.as_ref().unchecked_ref(),
                        );
                    }
                    drop(listener);
                }
            });
        }
        // `ready`, then `state` whenever the link of the state changes.
        {
            let channel = channel.clone();
            let state = current.borrow().clone();
            let params = permalink::state_params(&state).unwrap_or_default();
            let ready = use_mut_ref(|| false);
            use_effect_with(params, move |_| {
                let first = !std::mem::replace(&mut *ready.borrow_mut(), true);
                let o = message(if first { "ready" } else { "state" });
                if first {
                    set(&o, "view", view.name());
                }
                set(&o, "state", state_object(&state, view));
                channel.post(&o.into());
            });
        }
        // The height, for auto-resizing iframes.
        {
            let channel = channel.clone();
            use_effect_with((), move |_| {
                let last = Rc::new(RefCell::new(0u32));
                let send = {
                    let channel = channel.clone();
                    move || {
                        let Some(doc) = window().and_then(|w| w.document()) else {
                            return;
                        };
                        let Some(el) = doc.document_element() else {
                            return;
                        };
                        let h = el.get_bounding_client_rect().height().ceil().max(0.0) as u32;
                        if h == 0 || *last.borrow() == h {
                            return;
                        }
                        *last.borrow_mut() = h;
                        let lti = Object::new();
                        set(&lti, "subject", "lti.frameResize");
                        set(&lti, "height", h);
                        channel.post(&lti.into());
                        let o = message("height");
                        set(&o, "height", h);
                        channel.post(&o.into());
                    }
                };
                send();
                let cb = Closure::<dyn Fn()>::new(send);
                let observer = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()).ok();
                if let (Some(o), Some(el)) = (
                    &observer,
                    window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.document_element()),
                ) {
                    o.observe(&el);
                }
                move || {
                    if let Some(o) = observer {
                        o.disconnect();
                    }
                    drop(cb);
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Action;
    use std::rc::Rc;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use yew::Reducible;

    #[test]
    fn views_have_unique_names_that_parse_back() {
        for v in View::ALL {
            assert_eq!(View::parse(v.name()), Some(v));
            assert!(!v.title().is_empty());
            assert!(crate::content::CHAPTERS
                .iter()
                .any(|c| crate::route::route_name(c) == v.chapter()));
        }
        assert_eq!(View::parse("PKMAP"), None);
        assert_eq!(View::parse(""), None);
    }

    #[test]
    fn origins_are_checked_and_normalised() {
        assert_eq!(
            check_origin("HTTPS://Course.Example:8443/").as_deref(),
            Some("https://course.example:8443")
        );
        assert_eq!(
            check_origin("http://127.0.0.1:5000").as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(
            check_origin("http://[::1]:80").as_deref(),
            Some("http://[::1]:80")
        );
        for bad in [
            "*",
            "null",
            "javascript:alert(1)",
            "https://a.example/path",
            "https://user@a.example",
            "ftp://a.example",
            "https://",
            "https://a.example:99999",
            "https://a.example:",
            "https://*.example",
            "https://a example",
            "https://[zz]",
        ] {
            assert_eq!(check_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_listed_origins_are_heard_and_told() {
        let listed = vec![
            "https://a.example".to_string(),
            "https://b.example".to_string(),
        ];
        // The parent is known and listed: heard from the parent only, told at its origin.
        let mut p = Policy::new(listed.clone(), Some("https://b.example".into()));
        assert!(p.hears("https://b.example", true));
        assert!(
            p.hears("https://a.example", true),
            "listed, if the browser said otherwise"
        );
        assert!(!p.hears("https://b.example", false), "another window");
        assert!(!p.hears("https://c.example", true));
        assert!(!p.hears("*", true) && !p.hears("null", true));
        assert_eq!(p.targets(), vec!["https://b.example".to_string()]);
        // The parent is known and not listed: nothing heard, nothing posted.
        let p2 = Policy::new(listed.clone(), Some("https://c.example".into()));
        assert!(!p2.hears("https://a.example", true));
        assert!(p2.targets().is_empty());
        // Unknown parent: each listed origin, until one is heard from.
        let mut p3 = Policy::new(listed.clone(), None);
        assert_eq!(p3.targets(), listed);
        p3.heard("https://c.example");
        assert_eq!(p3.targets(), listed, "an unlisted origin is not learnt");
        p3.heard("https://a.example");
        assert_eq!(p3.targets(), vec!["https://a.example".to_string()]);
        // No origins: no messaging.
        let none = Policy::new(Vec::new(), Some("https://a.example".into()));
        assert!(!none.hears("https://a.example", true) && none.targets().is_empty());
        p.heard("https://a.example");
        assert!(p.targets().iter().all(|o| o != "*"));
    }

    #[test]
    fn a_host_runs_ops_by_their_script_text() {
        let s = State::default();
        let (s, r) = run_text(&s, "task A cpu=0").unwrap();
        assert_eq!(r.result, "ok");
        let hi = s.machine().unwrap().layout().memory.highstart_pfn.as_u64();
        let (s, r) = run_text(&s, &format!("kmap A pfn={hi:#x}")).unwrap();
        assert_eq!(r.result, "ok");
        let p = s.machine().unwrap().pkmap().unwrap();
        assert!(r.value.is_some());
        assert!(p.count.contains(&2), "one slot held");
        assert_eq!(s.lab.history().len(), 2);
        // The parser's refusal, with its column.
        let e = run_text(&s, "kmap B pfn=0x1").unwrap_err();
        assert!(e.contains("no task 'B'"), "{e}");
        // The model's refusal: nothing changes.
        let mut deep = s.clone();
        let e = loop {
            match run_text(&deep, "irq_enter cpu=1") {
                Ok((next, _)) if next.lab.history().len() < 20 => deep = next,
                Ok(_) => panic!("interrupts nest without end"),
                Err(e) => break e,
            }
        };
        assert!(e.contains("refuses") && e.contains("nest"), "{e}");
        for bad in ["", "# just a comment", "machine profile=6.1 ram=1G", "a\nb"] {
            assert!(run_text(&s, bad).is_err(), "{bad:?}");
        }
        assert!(run_text(&s, &"x".repeat(MAX_OP_TEXT + 1)).is_err());
        // No machine: said so.
        let none = Rc::new(State::default()).reduce(Action::SetRam(16 << 20));
        let none = none.reduce(Action::SetProfile(
            highmem_engine::profile::ProfileId::V2_6_32,
        ));
        if none.machine().is_none() {
            assert!(run_text(&none, "flush_tlb_all").is_err());
        }
    }

    #[test]
    fn a_host_sets_the_state_by_a_script() {
        let s = set_state(
            Some("machine profile=2.6.24 ram=1G cpus=1\ntask A cpu=0\nflush_tlb_all\n".into()),
            Some(1.0),
            Some(f64::from(0xc000_1000u32)),
            None,
        )
        .unwrap();
        assert_eq!(s.lab.history().len(), 1);
        assert_eq!(crate::permalink::pending_ops(&s).len(), 1);
        assert_eq!(s.explore.va, 0xc000_1000);
        for (script, step) in [
            (None, None),
            (Some("nonsense".to_string()), None),
            (Some("machine profile=6.1 ram=1G".into()), Some(-1.0)),
            (Some("machine profile=6.1 ram=1G".into()), Some(0.5)),
            (Some("machine profile=6.1 ram=1G".into()), Some(f64::NAN)),
            (Some("machine profile=6.1 ram=1G".into()), Some(2.0)),
        ] {
            assert!(
                set_state(script.clone(), step, None, None).is_err(),
                "{script:?} {step:?}"
            );
        }
    }
}
