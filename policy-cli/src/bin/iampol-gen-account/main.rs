//! `iampol-gen-account`: writes synthetic AWS accounts and an organization for benchmarks.
//!
//! ```text
//! iampol-gen-account --principals N --accounts K [--seed S] [--out DIR] [--url-encode]
//! ```
//!
//! Writes the snapshot layout `iampol --account` reads (the one `scripts/dump-account.sh`
//! writes): `accounts/<id>/gaad.json` per account (`aws iam get-account-authorization-details`
//! as the AWS CLI prints it, or with `--url-encode` the raw API form whose policy documents are
//! URL-encoded strings), `accounts/<id>/resources/<ARN>.json` (S3, KMS and SQS resource
//! policies), and `organization/` (the AWS Organizations calls). N principals (users and roles)
//! are spread over K accounts, the first the biggest. Deterministic for a seed. Prints the
//! files' sizes. Exit status 0, or 2 when the files cannot be written.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use generate::{write_snapshot, GenOptions};

mod generate;

/// Write synthetic AWS accounts (GAAD, resource policies, an organization) for benchmarks.
#[derive(Debug, Parser)]
#[command(name = "iampol-gen-account", version, about, long_about = None)]
struct Args {
    /// Principals (IAM users and roles) over all accounts.
    #[arg(long, default_value_t = 1000)]
    principals: usize,
    /// Accounts in the organization (the last one is its management account).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=1000))]
    accounts: u16,
    /// The random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The directory to write into (made if missing).
    #[arg(long, default_value = "snapshot")]
    out: PathBuf,
    /// Write GAAD policy documents as URL-encoded strings (the raw API form).
    #[arg(long)]
    url_encode: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let start = Instant::now();
    let options = GenOptions {
        principals: args.principals,
        accounts: usize::from(args.accounts),
        seed: args.seed,
        url_encode: args.url_encode,
    };
    match write_snapshot(&args.out, &options) {
        Ok(stats) => {
            let mb = |b: u64| {
                #[expect(clippy::cast_precision_loss, reason = "sizes for people")]
                let m = b as f64 / 1e6;
                m
            };
            #[expect(clippy::print_stderr, reason = "the tool's report")]
            {
                for a in &stats.accounts {
                    eprintln!(
                        "{}: {} users, {} roles, {} groups, {} managed policies, {} resource policies; gaad.json {:.2} MB",
                        a.id,
                        a.users,
                        a.roles,
                        a.groups,
                        a.policies,
                        a.resources,
                        mb(a.gaad_bytes)
                    );
                }
                eprintln!(
                    "wrote {} files, {:.2} MB, to {} in {:.2} s",
                    stats.files.len(),
                    mb(stats.total_bytes()),
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
