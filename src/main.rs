//! The `mailproof` command line. A thin shell over the library: parse
//! arguments, gather inputs, verify, render, set the exit status.

mod cli;

/// The binary's allocator. A report is built from many small strings
/// (addresses, header values, sentences), about a thousand allocations per
/// message; with glibc's malloc they took about 15% of a batch run's CPU
/// time, and mimalloc (Microsoft's allocator, built from C by the `cc`
/// crate, no system library) runs the same batch in about 10% less CPU
/// (docs/performance.md). The library leaves the choice to its users.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run().unwrap_or_else(cli::CliError::report)
}
