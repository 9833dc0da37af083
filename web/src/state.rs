//! The page's one state: the engine's inputs, the layout computed from them, what the text
//! boxes hold, the last problem, and which region the reader is looking at.
//!
//! Every change goes through [`State::reduce`]. A change the engine refuses (a bad size, an
//! option the kernel does not have, a map that would not boot) leaves the inputs and the
//! layout as they were and records why, so the views never show a half-applied state.
//!
//! The state also owns the live [`Machine`] (in [`Lab`]) that the paging chapter drives: it
//! is booted from the same inputs plus the number of CPUs and the CPU model, booted again
//! (and its history dropped) whenever an input changes, and changed otherwise only by ops.
//! A layout that computes but a machine that does not boot (a 2.6.32 kernel loaded at
//! 16 MiB on a 16 MiB PC) is not a refused change: the layout views follow the input, and
//! the machine's views say why there is no machine.

use crate::lab::Lab;
use highmem_engine::addr::{GIB, MIB};
use highmem_engine::cpu::CpuModel;
use highmem_engine::e820::E820Map;
use highmem_engine::layout::{compute, Layout, LayoutRequest, RegionKind, PAGE_OFFSET};
use highmem_engine::machine::{Machine, MachineConfig, Op};
use highmem_engine::profile::{ConfigOpt, KernelConfig, Profile, ProfileId};
use highmem_engine::size::parse_size;
use std::rc::Rc;
use yew::Reducible;

/// The most CPUs the lab simulates (fewer if NR_CPUS is smaller).
pub const MAX_CPUS: usize = 4;

/// The RAM sizes the slider steps through: small machines, the sizes around the lowmem limit,
/// the 4 GiB line, and up to PAE's 64 GiB.
pub const RAM_STEPS: [u64; 21] = [
    16 * MIB,
    32 * MIB,
    64 * MIB,
    128 * MIB,
    256 * MIB,
    512 * MIB,
    768 * MIB,
    896 * MIB,
    GIB,
    1536 * MIB,
    2 * GIB,
    3 * GIB,
    3584 * MIB,
    4 * GIB,
    6 * GIB,
    8 * GIB,
    12 * GIB,
    16 * GIB,
    32 * GIB,
    48 * GIB,
    64 * GIB,
];

/// The slider position for a RAM size: the largest step not above it.
pub fn ram_step(ram: u64) -> usize {
    RAM_STEPS.iter().rposition(|&s| s <= ram).unwrap_or(0)
}

/// A size as the RAM and `vmalloc=` boxes show it: `2G`, `1536M`, `640K`.
pub fn size_text(bytes: u64) -> String {
    if bytes != 0 && bytes % GIB == 0 {
        format!("{}G", bytes / GIB)
    } else if bytes != 0 && bytes % MIB == 0 {
        format!("{}M", bytes / MIB)
    } else if bytes % 1024 == 0 && bytes != 0 {
        format!("{}K", bytes / 1024)
    } else {
        bytes.to_string()
    }
}

/// A machine option the later chapters offer: a debug option of the kernel, or a bug mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineOption {
    /// Build in the `might_sleep()` check (`CONFIG_DEBUG_SPINLOCK_SLEEP`, in 6.1
    /// `CONFIG_DEBUG_ATOMIC_SLEEP`).
    DebugSleep,
    /// Bug mode: `flush_all_zero_pkmaps()` forgets its TLB flush.
    SkipPkmapFlush,
    /// `CONFIG_DEBUG_HIGHMEM` (2.4.22 – 2.6.32) or `CONFIG_DEBUG_KMAP_LOCAL` (6.1).
    DebugKmap,
}

impl MachineOption {
    /// Every option, in the order the controls show them.
    pub const ALL: [MachineOption; 3] = [
        MachineOption::DebugKmap,
        MachineOption::DebugSleep,
        MachineOption::SkipPkmapFlush,
    ];

    /// The option as the controls and the stable ids name it.
    pub fn key(self) -> &'static str {
        match self {
            MachineOption::DebugSleep => "debug-sleep",
            MachineOption::SkipPkmapFlush => "skip-pkmap-flush",
            MachineOption::DebugKmap => "debug-kmap",
        }
    }

    /// What the option is called in this kernel (its Kconfig name, or the bug mode's).
    pub fn name(self, profile: &Profile) -> String {
        match self {
            MachineOption::DebugSleep => profile
                .messages
                .might_sleep
                .map(|(_, n)| format!("CONFIG_{n}"))
                .unwrap_or_else(|| "might_sleep() debugging".into()),
            MachineOption::SkipPkmapFlush => "skip_pkmap_flush (bug mode)".into(),
            MachineOption::DebugKmap => format!(
                "CONFIG_{}",
                profile
                    .config_name(debug_kmap_opt(profile))
                    .unwrap_or("DEBUG_HIGHMEM")
            ),
        }
    }
}

/// The kernel option behind "debug temporary maps": `DEBUG_HIGHMEM` in the typed eras,
/// `DEBUG_KMAP_LOCAL` in 6.1.
pub fn debug_kmap_opt(profile: &Profile) -> ConfigOpt {
    if profile.atomic.local.is_some() {
        ConfigOpt::DebugKmapLocal
    } else {
        ConfigOpt::DebugHighmem
    }
}

/// The machine options in force.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MachineOptions {
    /// [`MachineOption::DebugSleep`].
    pub debug_sleep: bool,
    /// [`MachineOption::SkipPkmapFlush`].
    pub skip_pkmap_flush: bool,
    /// [`MachineOption::DebugKmap`].
    pub debug_kmap: bool,
}

impl MachineOptions {
    /// The options a machine was booted with.
    pub fn of(config: &MachineConfig) -> MachineOptions {
        let p = config.profile.profile();
        MachineOptions {
            debug_sleep: config.debug_sleep,
            skip_pkmap_flush: config.skip_pkmap_flush,
            debug_kmap: config.config.is_some_and(|c| {
                c.has(debug_kmap_opt(p)) && !p.default_config.has(debug_kmap_opt(p))
            }),
        }
    }

    /// Whether an option is on.
    pub fn get(self, o: MachineOption) -> bool {
        match o {
            MachineOption::DebugSleep => self.debug_sleep,
            MachineOption::SkipPkmapFlush => self.skip_pkmap_flush,
            MachineOption::DebugKmap => self.debug_kmap,
        }
    }

    /// The same options with one set.
    pub fn with(mut self, o: MachineOption, on: bool) -> MachineOptions {
        match o {
            MachineOption::DebugSleep => self.debug_sleep = on,
            MachineOption::SkipPkmapFlush => self.skip_pkmap_flush = on,
            MachineOption::DebugKmap => self.debug_kmap = on,
        }
        self
    }
}

/// What the engine computes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inputs {
    /// The kernel.
    pub profile: ProfileId,
    /// RAM of the simulated PC, used when no log is.
    pub ram: u64,
    /// `CONFIG_X86_PAE`.
    pub pae: bool,
    /// `CONFIG_HIGHMEM`.
    pub highmem: bool,
    /// `vmalloc=`, if given.
    pub vmalloc: Option<u64>,
    /// `NR_CPUS`, if not the profile's default.
    pub nr_cpus: Option<u32>,
    /// The BIOS map read from the reader's kernel log, when "Use my machine" is on.
    pub log: Option<E820Map>,
    /// CPUs the machine simulates: 1 to [`MAX_CPUS`], at most NR_CPUS.
    pub cpus: usize,
    /// The CPU model; `None` for the profile's default.
    pub cpu_model: Option<CpuModel>,
    /// Debug options and bug modes.
    pub options: MachineOptions,
}

impl Default for Inputs {
    /// Debian 12's PAE kernel on a 2 GiB PC: the reference boot.
    fn default() -> Self {
        Inputs {
            profile: ProfileId::V6_1,
            ram: 2 * GIB,
            pae: true,
            highmem: true,
            vmalloc: None,
            nr_cpus: None,
            log: None,
            cpus: 2,
            cpu_model: None,
            options: MachineOptions::default(),
        }
    }
}

impl Inputs {
    /// The BIOS map: the pasted one, or the simulated PC's.
    fn e820(&self) -> Result<E820Map, String> {
        match &self.log {
            Some(map) => Ok(map.clone()),
            None => E820Map::qemu_pc(self.ram).map_err(|e| e.to_string()),
        }
    }

    /// The CPU model in force: the chosen one, or the kernel's default.
    pub fn cpu(&self) -> CpuModel {
        self.cpu_model
            .unwrap_or(self.profile.profile().boot.default_cpu)
    }

    /// The kernel configuration: the profile's, with the debug option for temporary maps
    /// when it is on (`None`: the profile's default).
    pub fn kernel_config(&self) -> Option<KernelConfig> {
        let p = self.profile.profile();
        self.options
            .debug_kmap
            .then(|| p.default_config.set(debug_kmap_opt(p), true))
    }

    /// What the machine is booted from.
    pub fn machine_config(&self) -> Result<MachineConfig, String> {
        Ok(MachineConfig {
            pae: self.pae,
            highmem: self.highmem,
            nr_cpus: self.nr_cpus,
            vmalloc: self.vmalloc,
            config: self.kernel_config(),
            cpus: self.cpus,
            cpu_model: self.cpu_model,
            debug_sleep: self.options.debug_sleep,
            skip_pkmap_flush: self.options.skip_pkmap_flush,
            ..MachineConfig::new(self.profile, self.e820()?)
        })
    }

    /// Boots the machine.
    fn boot(&self) -> Lab {
        match self.machine_config() {
            Ok(config) => Lab::boot(config),
            Err(message) => Lab::without_machine(message),
        }
    }

    /// Computes the layout, or says why not in the engine's words.
    pub fn compute(&self) -> Result<Layout, String> {
        let e820 = self.e820()?;
        let req = LayoutRequest {
            pae: self.pae,
            highmem: self.highmem,
            nr_cpus: self.nr_cpus,
            vmalloc: self.vmalloc,
            config: self.kernel_config(),
            ..LayoutRequest::new(self.profile, e820)
        };
        compute(&req).map_err(|e| e.to_string())
    }
}

/// A control, to say which one a problem is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The kernel selector.
    Profile,
    /// The RAM slider and box.
    Ram,
    /// The PAE switch.
    Pae,
    /// The HIGHMEM switch.
    Highmem,
    /// The `vmalloc=` box.
    Vmalloc,
    /// The `NR_CPUS` box.
    NrCpus,
    /// "Use my machine".
    Log,
    /// The number of CPUs.
    Cpus,
    /// The CPU model.
    CpuModel,
    /// A debug option or bug mode.
    Options,
}

/// Why the last change was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The control that asked for it.
    pub field: Field,
    /// The engine's message.
    pub message: String,
}

/// What the text boxes show. They hold what the reader typed until it is applied, so a typo
/// is never wiped out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drafts {
    /// The RAM box.
    pub ram: String,
    /// The `vmalloc=` box (empty: the default).
    pub vmalloc: String,
    /// The `NR_CPUS` box (empty: the profile's default).
    pub nr_cpus: String,
}

impl Drafts {
    pub(crate) fn of(inputs: &Inputs) -> Drafts {
        Drafts {
            ram: size_text(inputs.ram),
            vmalloc: inputs.vmalloc.map(size_text).unwrap_or_default(),
            nr_cpus: inputs.nr_cpus.map(|n| n.to_string()).unwrap_or_default(),
        }
    }
}

/// Text typed into a box. `commit` is true when the reader is done (Enter, or leaving the box):
/// only then is a bad value reported; while typing, values that work are applied at once and
/// the others wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The box's content.
    pub text: String,
    /// Whether the reader has finished typing.
    pub commit: bool,
}

/// Everything that can happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Choose a kernel.
    SetProfile(ProfileId),
    /// Choose a RAM size (the slider).
    SetRam(u64),
    /// Type a RAM size.
    SetRamText(Edit),
    /// Turn PAE on or off.
    SetPae(bool),
    /// Turn HIGHMEM on or off.
    SetHighmem(bool),
    /// Type a `vmalloc=` size (empty: the default).
    SetVmalloc(Edit),
    /// Type NR_CPUS (empty: the profile's default).
    SetNrCpus(Edit),
    /// Read the BIOS map from a pasted kernel log.
    UseLog(String),
    /// Go back to the simulated PC.
    ClearLog,
    /// The pointer is over a region (by index in `layout.regions`), or over none.
    Hover(Option<usize>),
    /// A region has keyboard focus, or none has.
    Focus(Option<usize>),
    /// Simulate this many CPUs.
    SetCpus(usize),
    /// Choose a CPU model (`None`: the kernel's default).
    SetCpuModel(Option<CpuModel>),
    /// Turn a debug option or bug mode on or off.
    SetOption(MachineOption, bool),
    /// Run an op on the machine.
    Apply(Op),
    /// Run ops in order, as one run (`kmap` of N consecutive frames).
    ApplyAll(Vec<Op>),
    /// Run this many random persistent-map ops (see [`crate::random`]) from this seed.
    RunRandom {
        /// How many.
        count: usize,
        /// The seed: the same seed on the same machine gives the same ops.
        seed: u64,
    },
    /// Undo the last op (rebuild the machine without it); it goes to the redo list.
    Undo,
    /// Run the first op of the redo list again.
    Redo,
    /// Go to a position in the history (0: the boot; n: after the n-th op).
    JumpTo(usize),
    /// Start a long run of random persistent-map ops, done in chunks (see [`crate::travel`]).
    StartLongRun {
        /// How many.
        count: usize,
        /// The seed.
        seed: u64,
    },
    /// The next chunk of long run `id`: at most `max` ops (and, in the browser, a few
    /// milliseconds' worth).
    RunChunk {
        /// The run.
        id: u64,
        /// The most ops.
        max: usize,
    },
    /// Stop the long run; the ops done stay.
    CancelRun,
    /// Start again from the defaults (the stored state is cleared by the shell).
    ResetAll,
    /// Boot the machine again, with no history.
    ResetMachine,
    /// Run a scenario (see [`crate::scenarios`]) from a fresh boot: all at once, or its first
    /// step with `stepwise`.
    RunScenario {
        /// The scenario's id.
        id: &'static str,
        /// One step at a time.
        stepwise: bool,
    },
    /// The next step of the scenario being stepped through.
    NextStep,
    /// The rest of it at once.
    FinishScenario,
    /// Leave step-by-step mode.
    StopScenario,
    /// Text typed into the address explorer's box.
    ExploreText(Edit),
    /// Show an address in the explorer.
    ExploreAt(u32),
    /// Walk the explorer's address on this CPU.
    ExploreCpu(usize),
    /// Run the next op a link carried beyond its step (see [`crate::permalink::Pending`]).
    RedoLinked,
    /// Put a whole state in force (a link opened by an embedding page).
    Replace(Replace),
}

/// A whole state for [`Action::Replace`], equal only to itself.
#[derive(Clone, Debug)]
pub struct Replace(pub Rc<State>);

impl PartialEq for Replace {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Replace {}

/// The address explorer's input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explore {
    /// The address shown.
    pub va: u32,
    /// The CPU whose tables are walked.
    pub cpu: usize,
    /// What the box holds.
    pub text: String,
    /// Why the box's text is not an address (after Enter).
    pub error: Option<String>,
}

impl Explore {
    fn at(va: u32, cpu: usize) -> Explore {
        Explore {
            va,
            cpu,
            text: format!("{va:#010x}"),
            error: None,
        }
    }
}

/// The page's state.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// The inputs of the layout shown.
    pub inputs: Inputs,
    /// The layout shown.
    pub layout: Rc<Layout>,
    /// The text boxes.
    pub drafts: Drafts,
    /// Why the last change was refused, until the next change succeeds.
    pub problem: Option<Problem>,
    /// The region under the pointer.
    pub hovered: Option<usize>,
    /// The region with keyboard focus.
    pub focused: Option<usize>,
    /// The live machine, its history and the last run.
    pub lab: Lab,
    /// The address explorer.
    pub explore: Explore,
}

impl Default for State {
    fn default() -> Self {
        let inputs = Inputs::default();
        let layout = inputs
            .compute()
            .expect("the default machine is the reference boot and always computes");
        State {
            drafts: Drafts::of(&inputs),
            lab: inputs.boot(),
            inputs,
            layout: Rc::new(layout),
            problem: None,
            hovered: None,
            focused: None,
            explore: Explore::at(PAGE_OFFSET as u32, 0),
        }
    }
}

impl State {
    /// The region the derivation panel explains: the one under the pointer, else the focused
    /// one, else the direct map (the chapter's subject).
    pub fn shown_region(&self) -> usize {
        self.hovered
            .or(self.focused)
            .filter(|&i| i < self.layout.regions.len())
            .or_else(|| {
                self.layout
                    .regions
                    .iter()
                    .position(|r| r.kind == RegionKind::Lowmem)
            })
            .unwrap_or(0)
    }

    /// Whether the reader picked the shown region (rather than it being the default).
    pub fn region_chosen(&self) -> bool {
        self.hovered.or(self.focused).is_some()
    }

    /// Tries new inputs. `typing` names a box whose draft must be kept as typed.
    fn attempt(&self, field: Field, mut inputs: Inputs, typing: Option<(Field, String)>) -> State {
        match inputs.compute() {
            Ok(layout) => {
                // A kernel built for fewer CPUs than the lab simulates runs as many as it can.
                let nr_cpus = layout.resolved.nr_cpus as usize;
                let clamped = inputs.cpus > nr_cpus;
                inputs.cpus = inputs.cpus.clamp(1, nr_cpus.clamp(1, MAX_CPUS));
                let mut drafts = Drafts::of(&inputs);
                if let Some((f, text)) = typing {
                    *draft_mut(&mut drafts, f) = text;
                }
                let hovered = remap(&self.layout, &layout, self.hovered);
                let focused = remap(&self.layout, &layout, self.focused);
                let lab = if inputs == self.inputs {
                    self.lab.clone()
                } else {
                    let mut lab = match inputs.machine_config() {
                        Ok(config) => self.lab.rebuilt(config),
                        Err(_) => inputs.boot(),
                    };
                    if clamped {
                        let note = lab.note.take().unwrap_or_default();
                        lab.note = Some(format!(
                            "{note} NR_CPUS={nr_cpus}, so the machine runs {} CPU{}.",
                            inputs.cpus,
                            if inputs.cpus == 1 { "" } else { "s" }
                        ));
                    }
                    lab
                };
                let explore = Explore {
                    cpu: self.explore.cpu.min(inputs.cpus - 1),
                    ..self.explore.clone()
                };
                State {
                    inputs,
                    layout: Rc::new(layout),
                    drafts,
                    problem: None,
                    hovered,
                    focused,
                    lab,
                    explore,
                }
            }
            Err(message) => self.refuse(field, message, typing),
        }
    }

    /// Runs a scenario from a fresh boot, first setting the machine options it needs (which
    /// boots the machine again, and the note says so).
    fn run_scenario(&self, s: &'static crate::scenarios::Scenario, stepwise: bool) -> State {
        let options = s
            .options
            .iter()
            .fold(self.inputs.options, |o, &(opt, on)| o.with(opt, on));
        if options == self.inputs.options {
            return self.with_lab(self.lab.start_scenario(s, stepwise));
        }
        let base = self.attempt(
            Field::Options,
            Inputs {
                options,
                ..self.inputs.clone()
            },
            None,
        );
        if base.problem.is_some() {
            return base;
        }
        let profile = self.inputs.profile.profile();
        let set: Vec<String> = s
            .options
            .iter()
            .filter(|&&(o, on)| self.inputs.options.get(o) != on)
            .map(|&(o, on)| format!("{} {}", o.name(profile), if on { "on" } else { "off" }))
            .collect();
        let mut lab = base.lab.start_scenario(s, stepwise);
        lab.note = Some(format!(
            "“{}” needs {}: the machine was booted again with {}.",
            s.title,
            set.join(" and "),
            if set.len() == 1 { "it" } else { "them" }
        ));
        base.with_lab(lab)
    }

    /// The default state with these inputs in force, or why they do not compute.
    pub fn from_inputs(inputs: Inputs) -> Result<State, String> {
        let s = State::default().attempt(Field::Profile, inputs.clone(), None);
        match s.problem {
            Some(p) => Err(p.message),
            None if s.inputs != inputs => Err(format!(
                "NR_CPUS={} runs fewer CPUs than the {} asked for",
                s.layout.resolved.nr_cpus, inputs.cpus
            )),
            None => Ok(State {
                lab: Lab {
                    note: None,
                    ..s.lab.clone()
                },
                ..s
            }),
        }
    }

    /// The machine, if it boots.
    pub fn machine(&self) -> Option<&Machine> {
        self.lab.machine()
    }

    /// A new lab, everything else kept.
    fn with_lab(&self, lab: Lab) -> State {
        State {
            lab,
            ..self.clone()
        }
    }

    /// Text typed into the explorer's box: shown at once when it is an address, reported
    /// only on Enter when it is not.
    fn explore_text(&self, edit: Edit) -> State {
        let explore = match crate::format::parse_vaddr(&edit.text) {
            Ok(va) => Explore {
                va,
                text: edit.text,
                error: None,
                ..self.explore.clone()
            },
            Err(why) => Explore {
                text: edit.text,
                error: edit.commit.then_some(why),
                ..self.explore.clone()
            },
        };
        State {
            explore,
            ..self.clone()
        }
    }

    /// Keeps everything but records the problem; the boxes show the values in force again,
    /// except the one being typed into.
    fn refuse(&self, field: Field, message: String, typing: Option<(Field, String)>) -> State {
        let mut drafts = Drafts::of(&self.inputs);
        if let Some((f, text)) = typing {
            *draft_mut(&mut drafts, f) = text;
        }
        State {
            drafts,
            problem: Some(Problem { field, message }),
            ..self.clone()
        }
    }

    /// A typed value: applied when it parses and computes; reported only on commit.
    fn edit(
        &self,
        field: Field,
        edit: Edit,
        parse: impl FnOnce(&str, &Inputs) -> Result<Inputs, String>,
    ) -> State {
        let typing = Some((field, edit.text.clone()));
        let next = match parse(edit.text.trim(), &self.inputs) {
            Ok(inputs) => self.attempt(field, inputs, typing.clone()),
            Err(message) => self.refuse(field, message, typing.clone()),
        };
        if next.problem.is_some() && !edit.commit {
            // Half-typed: keep the draft, say nothing yet.
            let mut drafts = self.drafts.clone();
            *draft_mut(&mut drafts, field) = edit.text;
            return State {
                drafts,
                ..self.clone()
            };
        }
        next
    }
}

fn draft_mut(drafts: &mut Drafts, field: Field) -> &mut String {
    match field {
        Field::Vmalloc => &mut drafts.vmalloc,
        Field::NrCpus => &mut drafts.nr_cpus,
        _ => &mut drafts.ram,
    }
}

/// The same region in a new layout: the one of the same kind, if there still is one.
fn remap(old: &Layout, new: &Layout, index: Option<usize>) -> Option<usize> {
    let kind = old.regions.get(index?)?.kind;
    new.regions.iter().position(|r| r.kind == kind)
}

fn parse_ram(text: &str, inputs: &Inputs) -> Result<Inputs, String> {
    let ram = parse_size(text).map_err(|e| e.to_string())?;
    Ok(Inputs {
        ram,
        log: None,
        ..inputs.clone()
    })
}

fn parse_vmalloc(text: &str, inputs: &Inputs) -> Result<Inputs, String> {
    let vmalloc = if text.is_empty() {
        None
    } else {
        Some(parse_size(text).map_err(|e| format!("vmalloc=: {e}"))?)
    };
    Ok(Inputs {
        vmalloc,
        ..inputs.clone()
    })
}

fn parse_nr_cpus(text: &str, inputs: &Inputs) -> Result<Inputs, String> {
    let nr_cpus = if text.is_empty() {
        None
    } else {
        Some(
            text.parse::<u32>()
                .map_err(|_| format!("NR_CPUS must be a whole number, not '{text}'"))?,
        )
    };
    Ok(Inputs {
        nr_cpus,
        ..inputs.clone()
    })
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let i = &self.inputs;
        let next = match action {
            Action::SetProfile(profile) => self.attempt(
                Field::Profile,
                Inputs {
                    profile,
                    ..i.clone()
                },
                None,
            ),
            Action::SetRam(ram) => self.attempt(
                Field::Ram,
                Inputs {
                    ram,
                    log: None,
                    ..i.clone()
                },
                None,
            ),
            Action::SetRamText(edit) => self.edit(Field::Ram, edit, parse_ram),
            Action::SetPae(pae) => self.attempt(Field::Pae, Inputs { pae, ..i.clone() }, None),
            Action::SetHighmem(highmem) => self.attempt(
                Field::Highmem,
                Inputs {
                    highmem,
                    ..i.clone()
                },
                None,
            ),
            Action::SetVmalloc(edit) => self.edit(Field::Vmalloc, edit, parse_vmalloc),
            Action::SetNrCpus(edit) => self.edit(Field::NrCpus, edit, parse_nr_cpus),
            Action::UseLog(text) => match E820Map::parse_log(&text) {
                Ok(map) => self.attempt(
                    Field::Log,
                    Inputs {
                        log: Some(map),
                        ..i.clone()
                    },
                    None,
                ),
                Err(e) => self.refuse(Field::Log, e.to_string(), None),
            },
            Action::ClearLog => self.attempt(
                Field::Log,
                Inputs {
                    log: None,
                    ..i.clone()
                },
                None,
            ),
            Action::Hover(hovered) => {
                if hovered == self.hovered {
                    return self;
                }
                State {
                    hovered,
                    ..(*self).clone()
                }
            }
            Action::Focus(focused) => {
                if focused == self.focused {
                    return self;
                }
                State {
                    focused,
                    ..(*self).clone()
                }
            }
            Action::SetCpus(cpus) => self.attempt(Field::Cpus, Inputs { cpus, ..i.clone() }, None),
            Action::SetCpuModel(cpu_model) => self.attempt(
                Field::CpuModel,
                Inputs {
                    cpu_model,
                    ..i.clone()
                },
                None,
            ),
            Action::SetOption(o, on) => self.attempt(
                Field::Options,
                Inputs {
                    options: i.options.with(o, on),
                    ..i.clone()
                },
                None,
            ),
            Action::Apply(op) => self.with_lab(self.lab.apply(op)),
            Action::ApplyAll(ops) => {
                let label = (ops.len() > 1).then(|| crate::lab::ops_count(ops.len()));
                self.with_lab(self.lab.apply_all(ops, label))
            }
            Action::RunRandom { count, seed } => {
                let mut rng = crate::random::Rng::new(seed);
                let label = format!(
                    "{} chosen at random (seed {seed})",
                    crate::lab::ops_count(count)
                );
                self.with_lab(
                    self.lab
                        .generate(count, label, &mut |m| crate::random::next_op(m, &mut rng)),
                )
            }
            Action::Undo => self.with_lab(self.lab.undo()),
            Action::Redo => self.with_lab(self.lab.redo()),
            Action::JumpTo(to) => self.with_lab(self.lab.jump(to)),
            Action::StartLongRun { count, seed } => {
                self.with_lab(self.lab.start_long_run(count, seed))
            }
            Action::RunChunk { id, max } => {
                let mut more = crate::travel::chunk_budget(max);
                self.with_lab(self.lab.run_chunk(id, &mut more))
            }
            Action::CancelRun => self.with_lab(self.lab.cancel_job()),
            Action::ResetAll => State::default(),
            Action::ResetMachine => self.with_lab(self.lab.reset()),
            Action::RunScenario { id, stepwise } => match crate::scenarios::find(id) {
                Some(s) => self.run_scenario(s, stepwise),
                None => return self,
            },
            Action::NextStep => self.with_lab(self.lab.next_step()),
            Action::FinishScenario => self.with_lab(self.lab.finish_scenario()),
            Action::StopScenario => self.with_lab(self.lab.stop_scenario()),
            Action::ExploreText(edit) => self.explore_text(edit),
            Action::ExploreAt(va) => State {
                explore: Explore::at(va, self.explore.cpu),
                ..(*self).clone()
            },
            Action::ExploreCpu(cpu) => State {
                explore: Explore {
                    cpu: cpu.min(self.inputs.cpus - 1),
                    ..self.explore.clone()
                },
                ..(*self).clone()
            },
            Action::RedoLinked => self.with_lab(self.lab.redo()),
            Action::Replace(r) => return r.0,
        };
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn start() -> Rc<State> {
        Rc::new(State::default())
    }

    fn typed(text: &str, commit: bool) -> Edit {
        Edit {
            text: text.into(),
            commit,
        }
    }

    #[test]
    fn default_is_the_reference_boot() {
        let s = start();
        assert_eq!(s.layout.vmalloc_start(), 0xf77f_e000);
        assert_eq!(s.drafts.ram, "2G");
        assert_eq!(s.problem, None);
    }

    #[test]
    fn a_good_change_recomputes_at_once() {
        let s = start().reduce(Action::SetRam(512 * MIB));
        assert_eq!(s.inputs.ram, 512 * MIB);
        assert_eq!(s.drafts.ram, "512M");
        assert_eq!(s.layout.memory.highend_pfn, s.layout.memory.highstart_pfn);
        let s = s.reduce(Action::SetProfile(ProfileId::V2_6_24));
        assert_eq!(s.layout.resolved.profile, ProfileId::V2_6_24);
    }

    #[test]
    fn an_engine_error_keeps_the_previous_layout() {
        let s = start().reduce(Action::SetProfile(ProfileId::V2_6_24));
        let before = s.layout.clone();
        // 2.6.24 builds PAE only as part of HIGHMEM64G.
        let s = s.reduce(Action::SetHighmem(false));
        assert!(Rc::ptr_eq(&s.layout, &before));
        assert!(s.inputs.highmem);
        let p = s.problem.clone().expect("a problem");
        assert_eq!(p.field, Field::Highmem);
        assert!(p.message.contains("HIGHMEM64G"), "{}", p.message);
        // The next good change clears it.
        let s = s.reduce(Action::SetRam(GIB));
        assert_eq!(s.problem, None);
    }

    #[test]
    fn vmalloc_on_2_4_22_is_refused_in_the_engines_words() {
        let s = start().reduce(Action::SetProfile(ProfileId::V2_4_22));
        let s = s.reduce(Action::SetVmalloc(typed("256M", true)));
        assert_eq!(s.inputs.vmalloc, None);
        assert_eq!(s.drafts.vmalloc, "256M", "the typed text stays");
        assert_eq!(
            s.problem.clone().unwrap().message,
            "2.4.22 has no vmalloc= boot option (it came with 2.6)"
        );
    }

    #[test]
    fn typing_applies_good_values_and_reports_bad_ones_only_on_commit() {
        let s = start().reduce(Action::SetRamText(typed("3", false)));
        assert_eq!(s.problem, None, "half-typed: no message yet");
        assert_eq!(s.drafts.ram, "3");
        assert_eq!(s.inputs.ram, 2 * GIB);
        let s = s.reduce(Action::SetRamText(typed("3G", false)));
        assert_eq!(s.inputs.ram, 3 * GIB);
        assert_eq!(s.drafts.ram, "3G");
        let s = s.reduce(Action::SetRamText(typed("3Q", true)));
        assert_eq!(s.inputs.ram, 3 * GIB);
        assert_eq!(s.drafts.ram, "3Q");
        assert!(s
            .problem
            .clone()
            .unwrap()
            .message
            .contains("unit must be K, M, G or T"));
    }

    #[test]
    fn ram_outside_the_machine_range_is_refused() {
        let s = start().reduce(Action::SetRamText(typed("128G", true)));
        assert_eq!(s.inputs.ram, 2 * GIB);
        assert!(s
            .problem
            .clone()
            .unwrap()
            .message
            .contains("16 MiB .. 64 GiB"));
    }

    #[test]
    fn a_pasted_log_drives_the_map_and_garbage_is_refused() {
        let log = "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n\
                   BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable\n";
        let s = start().reduce(Action::UseLog(log.into()));
        assert!(s.inputs.log.is_some());
        assert_eq!(s.layout.memory.max_pfn.as_u64(), 0x7ffe0);
        let s = s.reduce(Action::UseLog("hello".into()));
        assert!(s.inputs.log.is_some(), "the previous map stays");
        assert_eq!(
            s.problem.clone().unwrap().message,
            "no BIOS-e820 lines found: paste the start of a kernel boot log (dmesg)"
        );
        let s = s.reduce(Action::ClearLog);
        assert!(s.inputs.log.is_none());
    }

    #[test]
    fn the_selection_follows_the_region_kind_across_layouts() {
        let s = start();
        let pkmap = s
            .layout
            .regions
            .iter()
            .position(|r| r.kind == RegionKind::Pkmap)
            .unwrap();
        let s = s.reduce(Action::Focus(Some(pkmap)));
        assert_eq!(s.shown_region(), pkmap);
        let s = s.reduce(Action::SetProfile(ProfileId::V2_6_32));
        let shown = &s.layout.regions[s.shown_region()];
        assert_eq!(shown.kind, RegionKind::Pkmap);
        // HIGHMEM off: no pkmap window, so nothing stays selected and the default shows.
        let s = s.reduce(Action::SetHighmem(false));
        assert_eq!(s.focused, None);
        assert_eq!(s.layout.regions[s.shown_region()].kind, RegionKind::Lowmem);
    }

    #[test]
    fn ram_steps_cover_the_range_and_round_down() {
        assert_eq!(RAM_STEPS[0], 16 * MIB);
        assert_eq!(RAM_STEPS[RAM_STEPS.len() - 1], 64 * GIB);
        assert_eq!(ram_step(2 * GIB), 10);
        assert_eq!(ram_step(1000 * MIB), 7);
        assert_eq!(size_text(3584 * MIB), "3584M");
        assert_eq!(size_text(0), "0");
    }

    fn read(cpu: usize, vaddr: u32) -> Action {
        Action::Apply(Op::Read { cpu, vaddr })
    }

    #[test]
    fn the_default_state_boots_the_reference_machine_on_two_cpus() {
        let s = start();
        let m = s.machine().expect("the reference boot boots");
        assert_eq!(m.cpus().len(), 2);
        assert_eq!(m.cpu_spec().model, CpuModel::Skylake);
        assert!(s.lab.history().is_empty() && s.lab.note.is_none());
        assert_eq!(s.explore.va, 0xc000_0000);
    }

    #[test]
    fn ops_change_the_machine_and_undo_replays_the_rest() {
        let s = start()
            .reduce(read(0, 0xc000_1000))
            .reduce(read(1, 0xc000_2000));
        assert_eq!(s.lab.history().len(), 2);
        let hits_before = s.machine().unwrap().cpus()[1].tlb.counters.misses;
        assert_eq!(hits_before, 1);
        let s = s.reduce(Action::Undo);
        assert_eq!(
            s.lab.history().to_vec(),
            vec![Op::Read {
                cpu: 0,
                vaddr: 0xc000_1000
            }]
        );
        let m = s.machine().unwrap();
        assert_eq!(m.cpus()[1].tlb.counters.misses, 0);
        assert_eq!(m.cpus()[0].tlb.counters.misses, 1);
        assert!(s.lab.note.as_deref().unwrap().starts_with("Undid"));
    }

    #[test]
    fn a_refused_op_is_shown_and_changes_nothing() {
        let s = start().reduce(read(0, 0xc000_1000));
        let before = s.lab.machine.clone().unwrap();
        let s = s.reduce(read(3, 0xc000_1000));
        let run = s.lab.last.clone().unwrap();
        assert!(run.steps[0].refused);
        assert!(run.steps[0].outcome.message.contains("no CPU 3"));
        assert!(Rc::ptr_eq(&s.lab.machine.clone().unwrap().0, &before.0));
        assert_eq!(s.lab.history().len(), 1);
    }

    #[test]
    fn changing_a_control_boots_again_and_says_so() {
        let s = start().reduce(read(0, 0xc000_1000));
        // Typing the value in force changes nothing.
        let same: Rc<State> = s.clone();
        let s2 = Rc::clone(&same).reduce(Action::SetRamText(typed("2G", true)));
        assert_eq!(s2.lab, s.lab);
        let s = same.reduce(Action::SetPae(false));
        assert!(s.lab.history().is_empty());
        let note = s.lab.note.clone().unwrap();
        assert!(
            note.contains("booted again") && note.contains("1 operation you ran"),
            "{note}"
        );
        assert_eq!(
            s.machine().unwrap().kernel_tables().mode,
            highmem_engine::paging::PagingMode::NonPae
        );
        let s = s.reduce(Action::SetCpuModel(Some(CpuModel::Pentium4)));
        assert_eq!(s.machine().unwrap().cpu_spec().model, CpuModel::Pentium4);
        let s = s.reduce(Action::SetCpus(4));
        assert_eq!(s.machine().unwrap().cpus().len(), 4);
        // NR_CPUS below the CPUs simulated: the machine runs as many as the kernel can.
        let s = s.reduce(Action::SetNrCpus(typed("2", true)));
        assert_eq!(s.inputs.cpus, 2);
        assert_eq!(s.machine().unwrap().cpus().len(), 2);
        assert!(s.lab.note.clone().unwrap().contains("NR_CPUS=2"));
    }

    #[test]
    fn a_machine_that_does_not_boot_leaves_the_layout_views_working() {
        let s = start()
            .reduce(Action::SetProfile(ProfileId::V2_6_32))
            .reduce(Action::SetRam(16 * MIB));
        assert_eq!(s.problem, None, "the layout computes");
        assert_eq!(s.inputs.ram, 16 * MIB);
        let why = s.lab.machine.clone().unwrap_err();
        assert!(why.contains("does not fit"), "{why}");
        // Ops wait for a machine; more RAM brings it back.
        let s = s.reduce(read(0, 0xc000_0000));
        assert!(s.lab.last.is_none());
        let s = s.reduce(Action::SetRam(GIB));
        assert!(s.machine().is_some());
    }

    #[test]
    fn the_explorer_takes_typed_and_picked_addresses() {
        let s = start().reduce(Action::ExploreText(typed("0xf77f", false)));
        assert_eq!(s.explore.va, 0xf77f);
        let s = s.reduce(Action::ExploreText(typed("0xzz", false)));
        assert_eq!(s.explore.va, 0xf77f, "the last good address stays");
        assert_eq!(s.explore.error, None, "no complaint while typing");
        let s = s.reduce(Action::ExploreText(typed("0xzz", true)));
        assert!(s.explore.error.clone().unwrap().contains("not an address"));
        let s = s.reduce(Action::ExploreAt(0xc000_1000));
        assert_eq!(
            (s.explore.va, s.explore.text.as_str()),
            (0xc000_1000, "0xc0001000")
        );
        assert_eq!(s.explore.error, None);
        let s = s.reduce(Action::ExploreCpu(9));
        assert_eq!(s.explore.cpu, 1, "clamped to the CPUs there are");
    }

    #[test]
    fn a_scenario_that_needs_the_bug_mode_turns_it_on() {
        let s = start().reduce(Action::RunScenario {
            id: "pkmap-stale-bug",
            stepwise: false,
        });
        assert!(s.inputs.options.skip_pkmap_flush);
        assert!(s.machine().unwrap().config().skip_pkmap_flush);
        let note = s.lab.note.clone().unwrap();
        assert!(
            note.contains("skip_pkmap_flush") && note.contains("booted again"),
            "{note}"
        );
        let run = s.lab.last.clone().unwrap();
        let read = &run.steps.last().unwrap().outcome;
        assert!(
            read.message.contains("STALE") && read.message.contains("0x0000aaaa"),
            "{}",
            read.message
        );
        // Running it again changes nothing more: the option is already on.
        let again = Rc::clone(&s).reduce(Action::RunScenario {
            id: "pkmap-stale-bug",
            stepwise: true,
        });
        let note = again.lab.note.clone().unwrap_or_default();
        assert!(!note.contains("skip_pkmap_flush"), "{note}");
        assert!(again.inputs.options.skip_pkmap_flush);
    }

    #[test]
    fn options_reach_the_machine_and_the_layout() {
        let s = start().reduce(Action::SetProfile(ProfileId::V2_6_24));
        let before = s.layout.fixmap.km_slots_per_cpu;
        let s = s.reduce(Action::SetOption(MachineOption::DebugKmap, true));
        assert_eq!(s.problem, None);
        assert!(
            s.layout.fixmap.km_slots_per_cpu > before,
            "fences between the types"
        );
        assert_eq!(
            s.machine().unwrap().layout().fixmap.km_slots_per_cpu,
            s.layout.fixmap.km_slots_per_cpu
        );
        let s = s.reduce(Action::SetOption(MachineOption::DebugSleep, true));
        assert!(s.machine().unwrap().config().debug_sleep);
        let line = crate::format::machine_line(s.machine().unwrap().config(), Some(2 * GIB));
        assert!(
            line.ends_with("config=DEBUG_HIGHMEM=y debug_sleep=on"),
            "{line}"
        );
        let s = s.reduce(Action::SetProfile(ProfileId::V6_1));
        let c = s.machine().unwrap().config().config.unwrap();
        assert!(c.has(ConfigOpt::DebugKmapLocal) && !c.has(ConfigOpt::DebugHighmem));
    }

    #[test]
    fn batches_and_random_runs_go_into_the_history() {
        let s = start().reduce(Action::Apply(Op::Task {
            name: "A".into(),
            cpu: 0,
            kthread: false,
        }));
        let ops: Vec<Op> = (0..3)
            .map(|k| Op::Kmap {
                task: "A".into(),
                page: highmem_engine::machine::PageRef::Pfn(0x50000 + k),
                nonblock: false,
            })
            .collect();
        let s = s.reduce(Action::ApplyAll(ops));
        assert_eq!(s.lab.history().len(), 4);
        assert_eq!(
            s.lab.last.clone().unwrap().label.as_deref(),
            Some("3 operations")
        );
        let s = s.reduce(Action::RunRandom { count: 50, seed: 9 });
        assert_eq!(s.lab.history().len(), 54);
        let run = s.lab.last.clone().unwrap();
        assert!(run.label.clone().unwrap().contains("seed 9"));
        // Undo takes back the last random op only, by replaying the rest.
        let undone = Rc::clone(&s).reduce(Action::Undo);
        assert_eq!(undone.lab.history(), s.lab.history().prefix(53));
    }

    #[test]
    fn scenarios_run_through_the_reducer() {
        let s = start().reduce(Action::RunScenario {
            id: "stale-tlb",
            stepwise: true,
        });
        assert_eq!(s.lab.stepping.as_ref().unwrap().next, 1);
        let s = s.reduce(Action::FinishScenario);
        assert!(s.lab.stepping.is_none());
        assert_eq!(s.lab.history().len(), 8);
        let unknown = Rc::clone(&s).reduce(Action::RunScenario {
            id: "no-such",
            stepwise: false,
        });
        assert_eq!(unknown.lab, s.lab);
    }
}
