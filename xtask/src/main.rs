//! `cargo xtask`: the project's own commands.
//!
//! ```text
//! cargo xtask serve [--port N]   install what is missing, build the site, serve dist/
//! cargo xtask test               install what is missing, then every check CI runs
//! cargo xtask bench              the benchmarks: engine (criterion) and browser figures
//! cargo xtask sw [DIR]           write DIR/sw.js (default dist/) precaching DIR's files
//! ```
//!
//! Standard library only. Every tool this needs is installed on first use and found again
//! afterwards, so a second run installs nothing (see `install.rs`).

mod bench;
mod install;
mod pipeline;
mod pwa;
mod serve;
mod site;
mod util;
mod versions;

use std::path::PathBuf;
use std::process::ExitCode;

use util::{Ctx, Error};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  serve [--port N]   install what is missing, build the site with Trunk (release,
                     offline) and serve dist/ on http://127.0.0.1:N (default 8080)
  test               install what is missing, then: cargo fmt --check, clippy,
                     cargo test, wasm-bindgen tests in headless Chromium, the Trunk
                     release build and the end-to-end tests (npm test in tests/)
  bench              install what is missing, then the benchmarks: cargo bench
                     (engine/benches) and, on the built site in headless Chromium,
                     time to first render against a static page and the gzipped
                     size of dist/; figures are reported, never asserted
  sw [DIR]           write DIR/sw.js (default: dist/), the service worker that
                     precaches every file in DIR, as the build does after Trunk
  help               this text
";

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve {
        port: u16,
    },
    Test,
    Bench,
    /// Write the service worker for a built site (`dist/` when `None`).
    Sw {
        dir: Option<PathBuf>,
    },
    Help,
}

const DEFAULT_PORT: u16 = 8080;

fn parse_args(args: &[String]) -> Result<Command, String> {
    let Some((cmd, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    match cmd.as_str() {
        "serve" => {
            let mut port = DEFAULT_PORT;
            let mut it = rest.iter();
            while let Some(arg) = it.next() {
                let value = if let Some(v) = arg.strip_prefix("--port=") {
                    v.to_string()
                } else if arg == "--port" || arg == "-p" {
                    it.next().ok_or("--port needs a value")?.clone()
                } else {
                    return Err(format!("serve: unknown argument `{arg}`"));
                };
                port = value
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| format!("--port: `{value}` is not a port number (1-65535)"))?;
            }
            Ok(Command::Serve { port })
        }
        "test" => match rest.first() {
            None => Ok(Command::Test),
            Some(arg) => Err(format!("test: unknown argument `{arg}`")),
        },
        "bench" => match rest.first() {
            None => Ok(Command::Bench),
            Some(arg) => Err(format!("bench: unknown argument `{arg}`")),
        },
        "sw" => match rest {
            [] => Ok(Command::Sw { dir: None }),
            [dir] if !dir.starts_with('-') => Ok(Command::Sw {
                dir: Some(PathBuf::from(dir)),
            }),
            [arg, ..] if arg.starts_with('-') => Err(format!("sw: unknown argument `{arg}`")),
            _ => Err("sw takes one directory".to_string()),
        },
        "help" | "--help" | "-h" => Ok(Command::Help),
        other => Err(format!("unknown command `{other}`")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            print!("{USAGE}");
            Ok(())
        }
        Command::Serve { port } => Ctx::new().and_then(|ctx| serve::run(&ctx, port)),
        Command::Test => Ctx::new().and_then(|ctx| pipeline::run(&ctx)),
        Command::Bench => Ctx::new().and_then(|ctx| bench::run(&ctx)),
        Command::Sw { dir } => Ctx::new().and_then(|ctx| {
            let dir = dir.unwrap_or_else(|| ctx.dist_dir());
            site::write_service_worker(&ctx, &dir)
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error(msg)) => {
            eprintln!("\nerror: {msg}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_commands() {
        assert_eq!(parse_args(&args(&[])), Ok(Command::Help));
        assert_eq!(parse_args(&args(&["test"])), Ok(Command::Test));
        assert_eq!(parse_args(&args(&["bench"])), Ok(Command::Bench));
        assert_eq!(parse_args(&args(&["sw"])), Ok(Command::Sw { dir: None }));
        assert_eq!(
            parse_args(&args(&["sw", "/tmp/site"])),
            Ok(Command::Sw {
                dir: Some(PathBuf::from("/tmp/site"))
            })
        );
        assert_eq!(
            parse_args(&args(&["serve"])),
            Ok(Command::Serve { port: 8080 })
        );
        assert_eq!(
            parse_args(&args(&["serve", "--port", "9000"])),
            Ok(Command::Serve { port: 9000 })
        );
        assert_eq!(
            parse_args(&args(&["serve", "--port=9001"])),
            Ok(Command::Serve { port: 9001 })
        );
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(parse_args(&args(&["serve", "--port"])).is_err());
        assert!(parse_args(&args(&["serve", "--port", "0"])).is_err());
        assert!(parse_args(&args(&["serve", "--port", "70000"])).is_err());
        assert!(parse_args(&args(&["serve", "--verbose"])).is_err());
        assert!(parse_args(&args(&["test", "extra"])).is_err());
        assert!(parse_args(&args(&["bench", "--port", "1"])).is_err());
        assert!(parse_args(&args(&["bench", "mmu"])).is_err());
        assert!(parse_args(&args(&["sw", "a", "b"])).is_err());
        assert!(parse_args(&args(&["sw", "--port"])).is_err());
        assert!(parse_args(&args(&["deploy"])).is_err());
    }
}
