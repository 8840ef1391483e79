//! `linkwork`: the one binary. See `linkwork --help`.

mod backup;
mod commands;
mod config;
mod http_feed;
mod import;
mod measures;
mod reference;
mod report;
mod store;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = config::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
