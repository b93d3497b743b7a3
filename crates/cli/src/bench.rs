//! `comity bench`: measures the server as deployed.

use std::process::ExitCode;

use anyhow::{bail, Result};

#[derive(clap::Args, Clone, Debug)]
pub struct BenchArgs {}

pub async fn run(_database_url: &Option<String>, _args: BenchArgs) -> Result<ExitCode> {
    bail!("not yet available")
}
