//! `comity receipt`: the Court's receipt keys and offline verification. Verifying needs no
//! database and no network: the receipt file and the published key ring are enough.

use std::{path::Path, process::ExitCode};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use comity_domain::receipt;

use crate::GlobalArgs;

#[derive(Subcommand)]
pub enum ReceiptCommand {
    /// Make a new signing key: writes the secret key file (readable by its owner only) and
    /// prints the public key line to publish. Point COMITY_RECEIPT_KEY at the file.
    Keygen {
        /// Where to write the secret key; must not exist yet.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Print the key ring: every key that has signed this database's receipts, current and
    /// retired, as `verify --keys` reads it.
    Keys,
    /// Check a receipt file offline against the Court's key ring. Exits 0 if it verifies, 2
    /// if it does not.
    Verify {
        /// The receipt (the JSON file as downloaded).
        file: std::path::PathBuf,
        /// The key ring (GET /api/v1/receipts/keys.txt, or `comity receipt keys`).
        #[arg(long)]
        keys: std::path::PathBuf,
    },
}

pub async fn run(g: &GlobalArgs, cmd: ReceiptCommand) -> Result<ExitCode> {
    match cmd {
        ReceiptCommand::Keygen { out } => {
            let mut seed = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            write_secret(&out, &receipt::secret_key_text(&key))?;
            eprintln!("secret key written to {} (keep it out of backups of the database)", out.display());
            eprintln!("key id {}; publish this line in the key ring:", receipt::key_id(&key.verifying_key()));
            println!("{}", receipt::public_key_text(&key.verifying_key()));
            Ok(ExitCode::SUCCESS)
        }
        ReceiptCommand::Keys => {
            let app = crate::open(g, false).await?;
            print!("{}", comity_app::receipts::key_ring_text(&app.receipt_keys().await?));
            Ok(ExitCode::SUCCESS)
        }
        ReceiptCommand::Verify { file, keys } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let ring = std::fs::read_to_string(&keys).with_context(|| format!("reading {}", keys.display()))?;
            let ring = receipt::parse_public_keys(&ring).map_err(|e| anyhow::anyhow!("{}: {e}", keys.display()))?;
            match receipt::verify(&bytes, &ring) {
                Ok(s) => {
                    let r = &s.receipt;
                    println!("receipt verified: signed by key {}", s.key_id);
                    println!("  request {} ({}), receipt {}", r.request_reference, r.request_id, r.number);
                    println!(
                        "  {} effective {}, recorded {} UTC",
                        r.event,
                        r.effective_on,
                        r.recorded_at.format("%Y-%m-%d %H:%M:%S")
                    );
                    println!("  by {} ({}), {}", r.by.name, r.by.user, r.by.unit);
                    for d in &r.documents {
                        println!("  document {} ({} bytes) sha256 {}", d.filename, d.size, d.sha256);
                    }
                    println!("  previous receipt sha256 {}", r.previous.as_deref().unwrap_or("none (first receipt)"));
                    println!("  this receipt sha256 {}", s.file_sha256());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("receipt NOT verified: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}

/// Reads the secret key file that COMITY_RECEIPT_KEY names.
pub fn read_secret_key(path: &Path) -> Result<ed25519_dalek::SigningKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("COMITY_RECEIPT_KEY: reading {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "COMITY_RECEIPT_KEY: {} is readable by others (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            );
        }
    }
    receipt::parse_secret_key(&text).map_err(|e| anyhow::anyhow!("COMITY_RECEIPT_KEY: {}: {e}", path.display()))
}

fn write_secret(path: &Path, text: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    std::io::Write::write_all(&mut f, text.as_bytes())?;
    Ok(())
}
