//! `iampol-gen-cloudtrail`: writes synthetic CloudTrail for benchmarks.
//!
//! ```text
//! iampol-gen-cloudtrail --size 1GB --out DIR [--gzip] [--seed N] [--file-size 4MiB] [--threads N]
//! ```
//!
//! Files as S3 delivers them (`{"Records":[…]}`, about `--file-size` of JSON each, `.json.gz`
//! with `--gzip`) under `OUT/AWSLogs/<account>/CloudTrail/<region>/2024/08/<dd>/`, with records
//! shaped after real ones (see the `synthetic` module). `--size` counts JSON bytes
//! before compression. Deterministic for a seed. Exit status 0, or 2 when the files cannot be
//! written or the arguments are wrong.
#![expect(
    clippy::doc_markdown,
    reason = "doc comments are the help text: product names (CloudTrail) stay plain"
)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use synthetic::{parse_size, write_trail, SyntheticOptions};

mod synthetic;

/// Write synthetic CloudTrail files for benchmarks.
#[derive(Debug, Parser)]
#[command(name = "iampol-gen-cloudtrail", version, about, long_about = None)]
struct Args {
    /// Bytes of JSON to write in all (before compression): `1GB`, `512MB`, `64MiB`.
    #[arg(long, value_parser = size)]
    size: u64,
    /// The directory to write into (made if missing).
    #[arg(long)]
    out: PathBuf,
    /// Write `.json.gz` files.
    #[arg(long)]
    gzip: bool,
    /// The random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Bytes of JSON per file (about).
    #[arg(long, value_parser = size, default_value = "4MiB")]
    file_size: u64,
    /// Writing threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

fn size(text: &str) -> Result<u64, String> {
    parse_size(text).ok_or_else(|| format!("`{text}` is not a size such as `1GB` or `64MiB`"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let start = Instant::now();
    let options = SyntheticOptions {
        size: args.size,
        file_size: args.file_size,
        gzip: args.gzip,
        seed: args.seed,
        threads: args.threads,
    };
    match write_trail(&args.out, &options) {
        Ok(stats) => {
            #[expect(clippy::cast_precision_loss, reason = "sizes for people")]
            let (json, disk) = (stats.json_bytes as f64 / 1e6, stats.disk_bytes as f64 / 1e6);
            #[expect(clippy::print_stderr, reason = "the tool's report")]
            {
                eprintln!(
                    "wrote {} files, {} records, {json:.1} MB of JSON ({disk:.1} MB on disk) to {} in {:.1} s",
                    stats.files,
                    stats.records,
                    args.out.display(),
                    start.elapsed().as_secs_f64()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            #[expect(clippy::print_stderr, reason = "the tool's error")]
            {
                eprintln!("error: {}: {e}", args.out.display());
            }
            ExitCode::from(2)
        }
    }
}
