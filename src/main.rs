//! The `mailproof` command line. A thin shell over the library: parse
//! arguments, gather inputs, verify, render, set the exit status.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run().unwrap_or_else(cli::CliError::report)
}
