//! The `riskdeck` binary: parses the command line, then runs a headless command or the app.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // clap prints usage errors itself and exits with code 2, `--help`/`--version` with 0.
    let cli = riskdeck::cli::Cli::parse();
    match cli.command {
        Some(command) => riskdeck::cli::run(command, cli.offline),
        None => match cli.file.as_deref().and_then(riskdeck::cli::not_a_file) {
            Some(usage) => {
                eprintln!("riskdeck: {usage}");
                ExitCode::from(2)
            }
            None => match riskdeck::app::run(cli.file, cli.offline) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("riskdeck: cannot start the window: {err}");
                    ExitCode::from(1)
                }
            },
        },
    }
}
