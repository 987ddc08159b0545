//! The progress display of `weft run`: one spinner line on stderr, with retries and
//! failures printed above it. Shown only when stderr is a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use weft::Event;

/// Running totals shown on the spinner line.
pub struct Progress {
    bar: ProgressBar,
    nodes: usize,
    finished: usize,
    pages: usize,
    errors: usize,
}

impl Progress {
    /// Returns a display on stderr, or `None` when stderr is not a terminal.
    pub fn for_stderr() -> Option<Self> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::new_spinner();
        let style = ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(Progress {
            bar,
            nodes: 0,
            finished: 0,
            pages: 0,
            errors: 0,
        })
    }

    /// Updates the totals from one event.
    pub fn show(&mut self, event: &Event) {
        match event {
            Event::BatchStarted { nodes, .. } => self.nodes = *nodes,
            Event::PageFetched { .. } => self.pages += 1,
            Event::NodeFinished { .. } => self.finished += 1,
            Event::Retrying {
                node,
                attempt,
                reason,
                delay_ms,
                ..
            } => {
                let node = node.as_deref().unwrap_or("connector");
                self.bar.println(format!(
                    "retrying {node} (attempt {attempt}, {reason}) in {delay_ms} ms"
                ));
            }
            Event::Failed {
                node,
                status,
                message,
            } => {
                self.errors += 1;
                self.bar.println(format!("{node}: {status} {message}"));
            }
            _ => {}
        }
        self.bar.set_message(format!(
            "nodes {}/{}, pages {}, errors {}",
            self.finished, self.nodes, self.pages, self.errors
        ));
    }

    /// Prints `line` above the spinner line.
    pub fn println(&self, line: &str) {
        self.bar.println(line);
    }

    /// Removes the spinner line.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
