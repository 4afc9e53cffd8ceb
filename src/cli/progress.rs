//! One line of progress on stderr for long work, redrawn in place; nothing at all when
//! stderr is not a terminal, so scripts and logs see only the result.

use std::io::{IsTerminal, Write};

pub struct Line {
    what: &'static str,
    on: bool,
    /// The last whole percent drawn: a redraw per percent, not per part.
    drawn: Option<usize>,
}

impl Line {
    pub fn new(what: &'static str) -> Line {
        Line {
            what,
            on: std::io::stderr().is_terminal(),
            drawn: None,
        }
    }

    /// `[#####.....]  40%  40000 of 100000 rows`.
    pub fn show(&mut self, done: usize, total: usize) {
        if !self.on {
            return;
        }
        let pct = (done * 100).checked_div(total).unwrap_or(100).min(100);
        if self.drawn == Some(pct) {
            return;
        }
        self.drawn = Some(pct);
        let bar = format!("{}{}", "#".repeat(pct / 5), ".".repeat(20 - pct / 5));
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "\rkasefet: {} [{bar}] {pct:>3}%  {done} of {total}",
            self.what
        );
        let _ = e.flush();
    }

    /// Ends the line, saying what comes next.
    pub fn finish(&mut self, next: &str) {
        if self.on {
            eprintln!("\nkasefet: {next}");
        }
    }
}
