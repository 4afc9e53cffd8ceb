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
    let mut json_lines = false;
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
                json_lines = ctx.json || parsed.json;
                let json = ctx.json;
                ctx.json = json || parsed.json;
                let r = execute(ctx, parsed.command);
                ctx.json = json;
                r
            });
        match result {
            Ok(out) => {
                ok += 1;
                let out = if json_lines { one_line(&out) } else { out };
                if let Err(e) = print(&out) {
                    // Nobody reads the rest: stop, as a pipeline expects, with the code so far.
                    return Err(match e.is_output_closed() {
                        true => CliError::output_closed(first_failure.map_or(e.code, |f| f.code)),
                        false => e,
                    });
                }
            }
            Err(e) => {
                failed += 1;
                warnln!(
                    "kasefet: line {lineno}: {}",
                    super::output::clean(&e.message)
                );
                first_failure.get_or_insert(e);
            }
        }
    }
    warnln!("batch: {ok} succeeded, {failed} failed");
    match first_failure {
        None => Ok(()),
        Some(e) => Err(CliError {
            code: e.code,
            message: format!("{failed} line(s) failed; the first: {}", e.message),
        }),
    }
}

/// A command's JSON document on one line, so `batch --json` prints JSON Lines (one document
/// per command, in order). Output that is not JSON is left as it is.
fn one_line(out: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(out) {
        Ok(v) => format!("{v}\n"),
        Err(_) => out.to_string(),
    }
}

fn first_line_of(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid command")
        .trim()
        .to_string()
}
