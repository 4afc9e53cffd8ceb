//! `kasefet batch`: one command per line from standard input under a single sign-in, since
//! a TOTP code works only once.

use std::io::BufRead;

use clap::Parser;

use super::args::BatchLine;
use super::{CliError, Ctx, execute, print};

pub fn run(ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let stdin = std::io::stdin();
    let mut first_failure: Option<CliError> = None;
    let (mut ok, mut failed) = (0usize, 0usize);
    for (n, line) in stdin.lock().lines().enumerate() {
        let lineno = n + 1;
        let line =
            line.map_err(|e| CliError::failure(format!("cannot read standard input: {e}")))?;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let result = super::shell_words::split(trimmed)
            .map_err(CliError::invalid)
            .and_then(|words| {
                BatchLine::try_parse_from(words)
                    .map_err(|e| CliError::invalid(first_line_of(&e.to_string())))
            })
            .and_then(|parsed| {
                let json = ctx.json;
                ctx.json = json || parsed.json;
                let r = execute(ctx, parsed.command);
                ctx.json = json;
                r
            });
        match result {
            Ok(out) => {
                ok += 1;
                print(&out)?;
            }
            Err(e) => {
                failed += 1;
                eprintln!(
                    "kasefet: line {lineno}: {}",
                    super::output::clean(&e.message)
                );
                first_failure.get_or_insert(e);
            }
        }
    }
    eprintln!("batch: {ok} succeeded, {failed} failed");
    match first_failure {
        None => Ok(()),
        Some(e) => Err(CliError {
            code: e.code,
            message: format!("{failed} line(s) failed; the first: {}", e.message),
        }),
    }
}

fn first_line_of(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid command")
        .trim()
        .to_string()
}
