//! Throughput of reading trail files (`CloudTrail`), on synthetic data (not a timed test: run
//! it by hand).
//!
//! ```text
//! cargo bench -p policy-cli --bench cloudtrail_read
//! ```
//!
//! Environment:
//! - `IAMPOL_BENCH_DIR`: where the data is, or is written (default: the system temp directory,
//!   `iampol-bench-cloudtrail`). Two trees under it: `plain/` (`.json`) and `gzip/` (`.json.gz`),
//!   written with the generator of the `iampol-gen-cloudtrail` tool (compiled into this bench) when
//!   missing.
//! - `IAMPOL_BENCH_SIZE`: bytes of JSON per tree when writing (default `256MB`; use `1GB` for
//!   the figures in the README).
//! - `IAMPOL_BENCH_THREADS`: reading threads to try, comma-separated (default `1,2`).
//! - `IAMPOL_BENCH_STAGES`: `split` (records only), `parse` (records parsed into events),
//!   `generate` (the whole generator: selection, mapping, aggregation, policies); default all.
//! - `IAMPOL_BENCH_FORMATS`: `plain`, `gzip` (default both).
//!
//! Each line: stage, format, threads, MB of JSON, wall seconds, MB/s, MB/s per thread, CPU
//! seconds (user + system) and MB per CPU second (the per-core figure that a loaded machine
//! does not distort). For peak memory, run one configuration under `/usr/bin/time -v`.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss
)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use policy_lint::generate::aggregate::Selection;
use policy_lint::generate::cloudtrail::{
    collect_inputs, read_inputs, CountingSink, Input, ReadOptions,
};
use policy_lint::generate::emit::{emit, EmitOptions};
use policy_lint::generate::read_activity;
use policy_lint::generate::split::{Item, RecordReader};
use synthetic::{parse_size, write_trail, SyntheticOptions};

// The generator of the benchmark tool `iampol-gen-cloudtrail` (a binary built only with
// `--features dev-tools`), compiled into this bench.
#[path = "../src/bin/iampol-gen-cloudtrail/synthetic.rs"]
mod synthetic;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn ensure(dir: &Path, gzip: bool, size: &str) -> PathBuf {
    let tree = dir.join(if gzip { "gzip" } else { "plain" });
    if !tree.join("AWSLogs").exists() {
        eprintln!(
            "writing {size} of synthetic CloudTrail to {}",
            tree.display()
        );
        let options = SyntheticOptions {
            size: parse_size(size).unwrap_or_else(|| panic!("`{size}` is not a size")),
            gzip,
            ..SyntheticOptions::default()
        };
        write_trail(&tree, &options).expect("write synthetic CloudTrail");
    }
    tree
}

/// CPU seconds this process used so far (user + system), from `/proc/self/stat`; `None`
/// elsewhere. Under load, MB per CPU second is the per-core throughput.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn split_only(paths: &[PathBuf], threads: usize) -> u64 {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let total = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(path) = paths.get(i) else { break };
                let file = std::fs::File::open(path).expect("open");
                let gz = path.extension().is_some_and(|e| e == "gz");
                let reader: Box<dyn std::io::Read> = if gz {
                    Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
                        file,
                    )))
                } else {
                    Box::new(file)
                };
                let mut r = RecordReader::new(reader);
                let mut records = 0u64;
                while let Some(item) = r.next_item() {
                    if let Item::Record { bytes, .. } = item {
                        records += u64::from(!bytes.is_empty());
                    }
                }
                assert!(records > 0);
                total.fetch_add(r.offset(), std::sync::atomic::Ordering::Relaxed);
            });
        }
    });
    total.into_inner()
}

fn main() {
    let dir = env("IAMPOL_BENCH_DIR").map_or_else(
        || std::env::temp_dir().join("iampol-bench-cloudtrail"),
        PathBuf::from,
    );
    let size = env("IAMPOL_BENCH_SIZE").unwrap_or_else(|| "256MB".into());
    let threads: Vec<usize> = env("IAMPOL_BENCH_THREADS")
        .unwrap_or_else(|| "1,2".into())
        .split(',')
        .filter_map(|t| t.trim().parse().ok())
        .collect();
    let stages = env("IAMPOL_BENCH_STAGES").unwrap_or_else(|| "split,parse,generate".into());
    let formats = env("IAMPOL_BENCH_FORMATS").unwrap_or_else(|| "plain,gzip".into());
    println!(
        "{:<9} {:<6} {:>7} {:>10} {:>8} {:>9} {:>12} {:>8} {:>13}",
        "stage",
        "format",
        "threads",
        "MB JSON",
        "seconds",
        "MB/s",
        "MB/s/thread",
        "CPU s",
        "MB/CPU-second"
    );
    for format in formats.split(',') {
        let gzip = format.trim() == "gzip";
        let tree = ensure(&dir, gzip, &size);
        let (paths, problems) = collect_inputs(std::slice::from_ref(&tree));
        assert!(problems.is_empty(), "{problems:?}");
        for stage in stages.split(',') {
            for &t in &threads {
                let cpu_start = cpu_seconds();
                let start = Instant::now();
                let json_bytes = match stage.trim() {
                    "split" => split_only(&paths, t),
                    "parse" => {
                        let inputs = paths.iter().cloned().map(Input::Path).collect();
                        let sinks = read_inputs(
                            inputs,
                            &ReadOptions {
                                threads: t,
                                ..ReadOptions::default()
                            },
                            None,
                            CountingSink::default,
                        );
                        sinks.iter().map(|s| s.stats.json_bytes).sum()
                    }
                    "generate" => {
                        let inputs = paths.iter().cloned().map(Input::Path).collect();
                        let activity = read_activity(
                            inputs,
                            Selection::default(),
                            &ReadOptions {
                                threads: t,
                                ..ReadOptions::default()
                            },
                            None,
                        );
                        let mut policies = 0;
                        for p in activity.principals.values() {
                            policies += emit(p, &EmitOptions::default()).len();
                        }
                        assert!(policies > 0);
                        activity.counts.json_bytes
                    }
                    other => {
                        eprintln!("unknown stage `{other}`");
                        continue;
                    }
                };
                let secs = start.elapsed().as_secs_f64();
                let cpu = match (cpu_start, cpu_seconds()) {
                    (Some(a), Some(b)) => b - a,
                    _ => f64::NAN,
                };
                let mb = json_bytes as f64 / 1e6;
                println!(
                    "{:<9} {:<6} {:>7} {:>10.1} {:>8.2} {:>9.1} {:>12.1} {:>8.2} {:>13.1}",
                    stage.trim(),
                    format.trim(),
                    t,
                    mb,
                    secs,
                    mb / secs,
                    mb / secs / t as f64,
                    cpu,
                    mb / cpu
                );
            }
        }
    }
}
