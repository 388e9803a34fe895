//! The `jiugai` binary: parses the command line and hands over to `cmd`. Nothing else lives here.

// Commands return the store's error, which carries both messages and the refusing rule.
#![allow(clippy::result_large_err)]

mod cli;
mod cmd;
mod output;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    // The printing commands behave like other command-line tools when the reader of their output goes away
    // (`| head`): the default SIGPIPE ends them quietly. The server must never get it: a client that closes
    // its socket while a response is written would kill the process (Rust's runtime ignores SIGPIPE, so a
    // write to a closed socket is an `EPIPE` error that hyper handles).
    if args.command.prints_to_a_pipe() {
        #[cfg(unix)]
        // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    init_tracing(&args.command);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    rt.block_on(cmd::run(args))
}

/// Logs to standard error, filtered by `RUST_LOG` (e.g. `RUST_LOG=jiugai::request=info,sqlx=warn`). Without
/// it the server logs one line per request and warnings; the other commands only warnings, so that their
/// output stays what scripts read.
fn init_tracing(command: &cli::Command) {
    use tracing_subscriber::EnvFilter;
    let default = if command.prints_to_a_pipe() { "warn" } else { "info,sqlx=warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(true)
        .init();
}
