//! Failed writes to standard output: a full disk, a reader that went away.
//!
//! A closed stdout (`weft … >&-`) looks the same as `>/dev/null`, because Rust's
//! runtime opens `/dev/null` on every closed standard descriptor before `main` runs.

/// The start of the message for any failed write to standard output.
pub const WRITE_FAILED: &str = "could not write the output";

/// Exit status of a process whose reader closed the pipe: 128 + SIGPIPE.
const BROKEN_PIPE_STATUS: i32 = 141;

/// Turns a failed `println!`, which panics, into `error: could not write the output:
/// …` and exit code 2; a closed pipe (`weft … | head`) ends the process quietly with
/// the usual status 141, as other command-line tools do. Other panics keep the
/// default report.
pub fn report_print_failures() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if let Some(reason) = message.strip_prefix("failed printing to stdout: ") {
            if reason.contains("Broken pipe") {
                std::process::exit(BROKEN_PIPE_STATUS);
            }
            eprintln!("error: {WRITE_FAILED}: {reason}");
            std::process::exit(2);
        }
        default_hook(info);
    }));
}
