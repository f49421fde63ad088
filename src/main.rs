//! The `idscope` binary: the command line in [`cli`], the terminal explorer in the `idscope`
//! library (`src/tui`), the engine in the `idscope-core` crate.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;

fn main() {
    std::process::exit(cli::main());
}
