//! The `idscope` command line (format spec §2). Data goes to stdout, diagnostics to stderr;
//! exit 0 ok, 1 a check failed, 2 invalid input or usage.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod resolve_cmd;

fn main() {
    std::process::exit(cli::main());
}
