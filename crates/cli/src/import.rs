//! `comity import requests FILE`: brings a court's past registers into Comity, checking the
//! whole file first and reporting every problem by row and field.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use comity_app::{
    import::{parse_csv, parse_json, ImportReport},
    Actor, Comity,
};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import requests for cooperation with their lines and history (CSV or JSON; see
    /// docs/import.md). Rows already imported (same reference) are left unchanged.
    Requests(ImportArgs),
    /// Import past warrants with their persons and status histories (a JSON array; see
    /// docs/import.md). Warrants already known (same reference) are skipped.
    Warrants(WarrantImportArgs),
}

#[derive(Args)]
pub struct WarrantImportArgs {
    /// The JSON file.
    pub file: PathBuf,
    /// Check everything and report, but store nothing.
    #[arg(long)]
    pub dry_run: bool,
}

async fn warrants(app: &Comity, args: WarrantImportArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let rows: Vec<comity_app::warrants::WarrantImportRow> = match serde_json::from_str(&text) {
        Ok(rows) => rows,
        Err(e) => {
            println!("{}: not a JSON array of warrants: {e}", args.file.display());
            return Ok(ExitCode::from(2));
        }
    };
    eprintln!(
        "{} {} warrant(s) from {}…",
        if args.dry_run { "checking" } else { "importing" },
        rows.len(),
        args.file.display()
    );
    let r = app.import_warrants(&Actor::operator(), &rows, args.dry_run).await?;
    for e in &r.errors {
        println!("row {}: {}: {}", e.row, e.field, e.problem);
    }
    if !r.errors.is_empty() {
        println!("{} problem(s) found; nothing was imported.", r.errors.len());
        return Ok(ExitCode::from(2));
    }
    let verb = if r.dry_run { "dry run: would import" } else { "imported" };
    println!("{verb} {} warrant(s); {} already known.", r.imported, r.skipped);
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct ImportArgs {
    /// The register: a .csv or .json file.
    pub file: PathBuf,
    /// Check everything and report, but store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// csv or json; by default taken from the file's extension.
    #[arg(long)]
    pub format: Option<String>,
}

pub async fn run(app: &Comity, cmd: ImportCommand) -> Result<ExitCode> {
    let args = match cmd {
        ImportCommand::Requests(args) => args,
        ImportCommand::Warrants(args) => return warrants(app, args).await,
    };
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let format = match args.format.as_deref() {
        Some(f) => f.to_ascii_lowercase(),
        None => args.file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase(),
    };
    let rows = match format.as_str() {
        "csv" => match parse_csv(&text) {
            Ok(rows) => rows,
            Err(problems) => {
                print_report(&ImportReport { dry_run: args.dry_run, problems, ..ImportReport::default() });
                return Ok(ExitCode::from(2));
            }
        },
        "json" => match parse_json(&text) {
            Ok(records) => records.into_iter().enumerate().map(|(i, r)| (i + 1, r)).collect(),
            Err(p) => {
                print_report(&ImportReport { dry_run: args.dry_run, problems: vec![p], ..ImportReport::default() });
                return Ok(ExitCode::from(2));
            }
        },
        other => bail!("cannot tell the format of '{other}': name the file .csv or .json, or pass --format"),
    };
    let total = rows.len();
    eprintln!("{} {total} row(s) from {}…", if args.dry_run { "checking" } else { "importing" }, args.file.display());
    let step = (total / 10).max(1000);
    let report = app
        .import_requests(&Actor::operator(), &rows, args.dry_run, |n| {
            if n % step == 0 && n < total {
                eprintln!("  {n}/{total} ({}%)", n * 100 / total.max(1));
            }
        })
        .await?;
    print_report(&report);
    Ok(if report.problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn print_report(r: &ImportReport) {
    for p in &r.problems {
        let reference = if p.reference.is_empty() { String::new() } else { format!(" ({})", p.reference) };
        println!("row {}{reference}: {}: {}", p.row, p.field, p.problem);
    }
    if !r.problems.is_empty() {
        println!("{} problem(s) found; nothing was imported.", r.problems.len());
    } else if r.dry_run {
        println!(
            "dry run: {} row(s) checked; {} would be created, {} already imported.",
            r.rows, r.created, r.unchanged
        );
    } else {
        println!(
            "{} row(s): {} request(s) created, {} already imported and left unchanged.",
            r.rows, r.created, r.unchanged
        );
    }
}
