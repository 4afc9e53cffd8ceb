//! The `kasefet` binary: harden the process, parse the command line, dispatch.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() {
    if let Err(e) = kasefet::harden::harden_process() {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "kasefet: cannot harden the process ({e}); refusing to run"
        );
        std::process::exit(1);
    }
    let cli = kasefet::cli::Cli::parse();
    std::process::exit(kasefet::cli::run(cli));
}
