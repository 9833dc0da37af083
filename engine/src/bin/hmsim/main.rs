//! `hmsim`: the engine on the command line.
//!
//! ```text
//! hmsim layout --profile P (--e820 FILE | --ram SIZE) [--pae on|off] [--highmem on|off]
//!              [--nr-cpus N] [--vmalloc SIZE] [--config NAME=y|n]... [--json]
//! hmsim run SCRIPT [--json]
//! hmsim profiles
//! ```
//!
//! Bad input gets one line on stderr and exit code 2; nothing here may panic on input.

use highmem_engine::e820::E820Map;
use highmem_engine::layout::{self, print, LayoutRequest};
use highmem_engine::profile::{KernelConfig, ProfileId};
use highmem_engine::script;
use highmem_engine::size::parse_size;

mod report;
use std::io::Read;
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  hmsim layout --profile P (--e820 FILE | --ram SIZE) [options] [--json]
      the kernel's virtual address map and zones, printed as that kernel prints them
      --profile P        2.4.22, 2.6.11, 2.6.24, 2.6.32 or 6.1
      --e820 FILE        a kernel log whose BIOS-e820: lines give the memory map (- for stdin)
      --ram SIZE         a QEMU pc machine with this much RAM (16M .. 64G), instead of --e820
      --pae on|off       CONFIG_X86_PAE / HIGHMEM64G (default on)
      --highmem on|off   CONFIG_HIGHMEM (default on)
      --nr-cpus N        CONFIG_NR_CPUS (default: the profile's reference kernel)
      --vmalloc SIZE     the vmalloc= boot option
      --config NAME=y|n  set or clear a layout-relevant option (see `hmsim profiles`)
      --json             the whole computation as JSON, with the printed text as \"log\"
  hmsim run SCRIPT [--json]
      runs a scenario (one operation per line; the README lists them) and prints each
      operation's outcome and the final state; --json adds every call trace
  hmsim profiles
      the profiles, their reference kernels and their options
";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    Layout {
        request: LayoutRequest,
        json: bool,
    },
    Run {
        path: String,
        text: String,
        json: bool,
    },
    Profiles,
    Help,
}

/// An error for the user: one line, exit code 2.
#[derive(Debug, PartialEq)]
struct Usage(String);

/// How a command failed: a usage error (printed after `hmsim: error:`), or a malformed script
/// (printed as `FILE:LINE:COL: message`, the way compilers report).
#[derive(Debug, PartialEq)]
enum Fail {
    Usage(String),
    Script(String),
}

impl From<Usage> for Fail {
    fn from(u: Usage) -> Fail {
        Fail::Usage(u.0)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = parse(&args, &read_input).map_err(Fail::from).and_then(run);
    match result {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(Fail::Usage(msg)) => {
            eprintln!("hmsim: error: {msg}");
            ExitCode::from(2)
        }
        Err(Fail::Script(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}

/// Reads a file, or stdin for `-`.
fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(text);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    // Kernel logs are ASCII; tolerate stray bytes rather than refuse the file.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn run(cmd: Command) -> Result<String, Fail> {
    match cmd {
        Command::Help => Ok(USAGE.to_string()),
        Command::Profiles => Ok(profiles()),
        Command::Run { path, text, json } => run_script(&path, &text, json),
        Command::Layout { request, json } => layout_report(&request, json).map_err(Fail::from),
    }
}

/// `hmsim layout`: the kernel's printout, or the whole computation as JSON.
fn layout_report(request: &LayoutRequest, json: bool) -> Result<String, Usage> {
    let layout = layout::compute(request).map_err(|e| Usage(e.to_string()))?;
    let log = print::boot_log(&layout);
    if !json {
        return Ok(log);
    }
    let mut value = serde_json::to_value(&layout).map_err(|e| Usage(format!("JSON: {e}")))?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("log".to_string(), serde_json::Value::String(log));
    }
    let text = serde_json::to_string_pretty(&value).map_err(|e| Usage(format!("JSON: {e}")))?;
    Ok(text + "\n")
}

/// Parses the script (reading an `e820=` file relative to it), runs it, prints the outcomes.
fn run_script(path: &str, text: &str, json: bool) -> Result<String, Fail> {
    let dir = std::path::Path::new(path)
        .parent()
        .map(|d| d.to_path_buf())
        .unwrap_or_default();
    let read_rel = |f: &str| read_input(&dir.join(f).to_string_lossy());
    let script = script::parse(text, &read_rel).map_err(|e| Fail::Script(format!("{path}:{e}")))?;
    let (machine, ran) = script::run(&script, false).map_err(Fail::Usage)?;
    Ok(if json {
        report::json(&machine, &ran)
    } else {
        report::text(&machine, &ran)
    })
}

fn parse(args: &[String], read: &dyn Fn(&str) -> Result<String, String>) -> Result<Command, Usage> {
    let Some((cmd, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    match cmd.as_str() {
        "help" | "--help" | "-h" => Ok(Command::Help),
        "profiles" => match rest.first() {
            None => Ok(Command::Profiles),
            Some(a) => Err(Usage(format!("profiles: unexpected argument '{a}'"))),
        },
        "layout" => parse_layout(rest, read),
        "run" => {
            let mut path = None;
            let mut json = false;
            for a in rest {
                match a.as_str() {
                    "--json" => json = true,
                    f if f.starts_with("--") => {
                        return Err(Usage(format!("run: unknown option '{f}'")))
                    }
                    p if path.is_none() => path = Some(p.to_string()),
                    p => return Err(Usage(format!("run: unexpected argument '{p}'"))),
                }
            }
            let path = path.ok_or_else(|| Usage("run needs a script file".into()))?;
            let text = read(&path).map_err(Usage)?;
            Ok(Command::Run { path, text, json })
        }
        other => Err(Usage(format!(
            "unknown command '{other}' (try `hmsim help`)"
        ))),
    }
}

fn parse_layout(
    args: &[String],
    read: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Command, Usage> {
    let mut profile = None;
    let mut e820_file = None;
    let mut ram = None;
    let mut pae = true;
    let mut highmem = true;
    let mut nr_cpus = None;
    let mut vmalloc = None;
    let mut json = false;
    let mut config_args: Vec<String> = Vec::new();

    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, Usage> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| Usage(format!("{name} needs a value"))),
            }
        };
        match flag {
            "--profile" => {
                let v = value(flag)?;
                profile = Some(ProfileId::parse(&v).ok_or_else(|| {
                    Usage(format!(
                        "unknown profile '{v}': use one of {}",
                        ProfileId::ALL.map(|p| p.name()).join(", ")
                    ))
                })?);
            }
            "--e820" => e820_file = Some(value(flag)?),
            "--ram" => {
                let v = value(flag)?;
                ram = Some(parse_size(&v).map_err(|e| Usage(format!("--ram: {e}")))?);
            }
            "--pae" => pae = on_off(flag, &value(flag)?)?,
            "--highmem" => highmem = on_off(flag, &value(flag)?)?,
            "--nr-cpus" => {
                let v = value(flag)?;
                nr_cpus = Some(
                    v.parse::<u32>()
                        .map_err(|_| Usage(format!("--nr-cpus: '{v}' is not a number of CPUs")))?,
                );
            }
            "--vmalloc" => {
                let v = value(flag)?;
                vmalloc = Some(parse_size(&v).map_err(|e| Usage(format!("--vmalloc: {e}")))?);
            }
            "--config" => config_args.push(value(flag)?),
            "--json" if inline.is_none() => json = true,
            _ => return Err(Usage(format!("layout: unknown option '{arg}'"))),
        }
    }

    let profile = profile.ok_or_else(|| Usage("layout needs --profile".into()))?;
    let e820 = match (e820_file, ram) {
        (Some(_), Some(_)) => {
            return Err(Usage(
                "give either --e820 FILE or --ram SIZE, not both".into(),
            ))
        }
        (None, None) => return Err(Usage("layout needs --e820 FILE or --ram SIZE".into())),
        (Some(file), None) => {
            let text = read(&file).map_err(Usage)?;
            E820Map::parse_log(&text).map_err(|e| Usage(format!("{file}: {e}")))?
        }
        (None, Some(bytes)) => E820Map::qemu_pc(bytes).map_err(|e| Usage(e.to_string()))?,
    };
    let config = if config_args.is_empty() {
        None
    } else {
        Some(apply_config(profile, &config_args)?)
    };
    Ok(Command::Layout {
        request: LayoutRequest {
            profile,
            e820,
            pae,
            highmem,
            nr_cpus,
            vmalloc,
            config,
        },
        json,
    })
}

fn on_off(flag: &str, v: &str) -> Result<bool, Usage> {
    match v {
        "on" | "y" | "yes" | "1" => Ok(true),
        "off" | "n" | "no" | "0" => Ok(false),
        _ => Err(Usage(format!("{flag}: expected on or off, not '{v}'"))),
    }
}

/// Applies `NAME=y|n` settings to the profile's default configuration, by the era's Kconfig
/// names. A name the era writes negated (2.4's `X86_F00F_WORKS_OK`) sets the opposite.
fn apply_config(profile: ProfileId, settings: &[String]) -> Result<KernelConfig, Usage> {
    let p = profile.profile();
    let mut config = p.default_config;
    for s in settings {
        let (name, v) = s
            .split_once('=')
            .ok_or_else(|| Usage(format!("--config: expected NAME=y or NAME=n, not '{s}'")))?;
        let on = on_off("--config", v)?;
        let opt = p.config_by_name(name).ok_or_else(|| {
            Usage(format!(
                "--config: {profile} has no layout option '{name}' (see `hmsim profiles`)"
            ))
        })?;
        let negated = p.config_name(opt).is_some_and(|n| n.starts_with('!'));
        config = config.set(opt, on != negated);
    }
    Ok(config)
}

fn profiles() -> String {
    let mut out = String::new();
    for id in ProfileId::ALL {
        let p = id.profile();
        let set: Vec<String> = p
            .config_names
            .iter()
            .map(|(opt, name)| {
                let on = p.default_config.has(*opt);
                match name.strip_prefix('!') {
                    Some(n) => format!("{n}={}", if on { "n" } else { "y" }),
                    None => format!("{name}={}", if on { "y" } else { "n" }),
                }
            })
            .collect();
        out.push_str(&format!(
            "{:<7} {} ({})\n        reference: {}\n        NR_CPUS {} ({}); options: {}\n",
            p.name,
            p.era,
            p.book,
            p.reference_kernel,
            p.default_nr_cpus,
            p.nr_cpus_allowed.describe(),
            set.join(" ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use highmem_engine::profile::ConfigOpt;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn no_files(path: &str) -> Result<String, String> {
        Err(format!(
            "cannot read {path}: No such file or directory (os error 2)"
        ))
    }

    fn parse_err(s: &str) -> String {
        match parse(&args(s), &no_files) {
            Err(Usage(m)) => m,
            Ok(c) => panic!("parsed: {c:?}"),
        }
    }

    #[test]
    fn parses_a_layout_request() {
        let cmd = parse(
            &args("layout --profile 2.6.24 --ram 2G --pae off --nr-cpus=4 --vmalloc 256M --json"),
            &no_files,
        )
        .unwrap();
        let Command::Layout { request, json } = cmd else {
            panic!()
        };
        assert!(json);
        assert_eq!(request.profile, ProfileId::V2_6_24);
        assert!(!request.pae && request.highmem);
        assert_eq!(request.nr_cpus, Some(4));
        assert_eq!(request.vmalloc, Some(256 << 20));
    }

    #[test]
    fn reads_the_map_through_the_reader() {
        let log = "BIOS-e820: [mem 0x0000000000000000-0x000000003fffffff] usable\n";
        let cmd = parse(&args("layout --profile 6.1 --e820 my.log"), &|_| {
            Ok(log.to_string())
        })
        .unwrap();
        let Command::Layout { request, .. } = cmd else {
            panic!()
        };
        assert_eq!(request.e820.usable_bytes(), 1 << 30);
    }

    #[test]
    fn every_bad_input_is_one_clear_line() {
        assert_eq!(
            parse_err("layout --profile 2.6.33 --ram 1G"),
            "unknown profile '2.6.33': use one of 2.4.22, 2.6.11, 2.6.24, 2.6.32, 6.1"
        );
        assert_eq!(parse_err("layout --ram 1G"), "layout needs --profile");
        assert_eq!(
            parse_err("layout --profile 6.1"),
            "layout needs --e820 FILE or --ram SIZE"
        );
        assert!(parse_err("layout --profile 6.1 --ram 2Q").starts_with("--ram: bad size"));
        assert!(parse_err("layout --profile 6.1 --ram 128G").contains("outside 16 MiB .. 64 GiB"));
        assert!(parse_err("layout --profile 6.1 --e820 nope.log").starts_with("cannot read"));
        assert_eq!(
            parse_err("layout --profile 6.1 --ram 1G --pae maybe"),
            "--pae: expected on or off, not 'maybe'"
        );
        assert_eq!(
            parse_err("layout --profile 6.1 --ram 1G --nr-cpus"),
            "--nr-cpus needs a value"
        );
        assert_eq!(
            parse_err("layout --profile 6.1 --ram 1G --frobnicate"),
            "layout: unknown option '--frobnicate'"
        );
        assert!(
            parse_err("layout --profile 6.1 --ram 1G --config ACPI=y").contains("no layout option")
        );
        assert_eq!(
            parse_err("bogus"),
            "unknown command 'bogus' (try `hmsim help`)"
        );
    }

    #[test]
    fn engine_errors_reach_the_user_as_text() {
        let cmd = parse(
            &args("layout --profile 2.4.22 --ram 1G --vmalloc 64M"),
            &no_files,
        )
        .unwrap();
        assert_eq!(
            run(cmd),
            Err(Fail::Usage(
                "2.4.22 has no vmalloc= boot option (it came with 2.6)".into()
            ))
        );
    }

    #[test]
    fn config_names_follow_the_era() {
        let c = apply_config(ProfileId::V2_4_22, &["X86_F00F_WORKS_OK=n".to_string()]).unwrap();
        assert!(c.has(ConfigOpt::F00fBug));
        let c = apply_config(ProfileId::V6_1, &["CONFIG_X86_IO_APIC=n".to_string()]).unwrap();
        assert!(!c.has(ConfigOpt::IoApic));
        assert!(c.has(ConfigOpt::LocalApic));
    }

    #[test]
    fn json_carries_the_log_and_the_regions() {
        let cmd = parse(&args("layout --profile 6.1 --ram 2G --json"), &no_files).unwrap();
        let out = run(cmd).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(v["log"]
            .as_str()
            .unwrap()
            .contains("879MB LOWMEM available."));
        assert_eq!(v["regions"][0]["kind"], "user");
        assert!(v["symbols"].as_array().unwrap().len() > 10);
    }
}
