//! How a command ends: a [`Status`] when it ran (0 every message verified,
//! 1 not every message, 2 something could not be done but the run went on),
//! or a [`CliError`] when it stopped. [`CliError::report`] is the one place
//! that prints a stopping error.
//!
//! A closed standard output (`mailproof ... | head`) is a normal end: the
//! consumer stopped reading, so the command stops with status 0 and prints
//! nothing.

use std::io;
use std::process::ExitCode;

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Every message verified (or the command did what it was asked).
    Success,
    /// Some message not verified, or nothing matched.
    NotVerified,
    /// An operational error that did not stop the run (an unreadable input,
    /// a failed summary write); it was named on stderr as it happened.
    Trouble,
}

impl Status {
    /// `Trouble` when `trouble`, else `self`.
    pub fn or_trouble(self, trouble: bool) -> Status {
        if trouble { Status::Trouble } else { self }
    }
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(match s {
            Status::Success => 0,
            Status::NotVerified => 1,
            Status::Trouble => 2,
        })
    }
}

/// Why a command stopped.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments or `--help`/`--version` (clap prints these itself).
    Usage(clap::Error),
    /// A failure that stops the command, said in one line.
    Failed(String),
    /// Writing the output failed.
    Output(io::Error),
}

impl CliError {
    /// A stopping failure with this message.
    pub fn msg(m: impl Into<String>) -> CliError {
        CliError::Failed(m.into())
    }

    /// Prints the error (nothing for a closed pipe) and gives the exit
    /// status: 2, or 0 for `--help`, `--version` and a closed stdout.
    pub fn report(self) -> ExitCode {
        match self {
            CliError::Usage(e) => {
                let _ = e.print();
                ExitCode::from(if e.use_stderr() { 2 } else { 0 })
            }
            // the consumer stopped reading (`| head`): a normal end
            CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            CliError::Output(e) => {
                eprintln!("mailproof: cannot write output: {e}");
                ExitCode::from(2)
            }
            CliError::Failed(m) => {
                eprintln!("mailproof: {m}");
                ExitCode::from(2)
            }
        }
    }
}

impl From<io::Error> for CliError {
    /// An I/O error while writing the output.
    fn from(e: io::Error) -> CliError {
        CliError::Output(e)
    }
}

impl From<String> for CliError {
    fn from(m: String) -> CliError {
        CliError::Failed(m)
    }
}

/// Writes `text` to stdout and flushes; a closed stdout is a
/// [`CliError::Output`] of kind `BrokenPipe` (a normal end).
pub fn print(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
