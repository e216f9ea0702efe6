//! The `mailproof` command line. A thin shell over the library: parse
//! arguments, gather inputs, verify, render, set the exit status.

mod cli;

/// The batch path allocates and frees many small buffers per message;
/// mimalloc does that faster than the system allocator (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run());
}
