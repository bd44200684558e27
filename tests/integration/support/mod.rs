//! Shared support for the integration tests.
#![allow(dead_code)]

pub mod moto;
pub mod proxy;

use std::process::{Command, Output};

pub use moto::MotoServer;

/// Runs the `fuelflow` binary with `args`, in `dir`, against `moto` when given.
pub fn fuelflow(dir: &std::path::Path, args: &[&str], moto: Option<&MotoServer>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fuelflow"));
    cmd.current_dir(dir).args(args).env("NO_COLOR", "1");
    for key in [
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        cmd.env_remove(key);
    }
    if let Some(moto) = moto {
        for (key, value) in moto.env() {
            cmd.env(key, value);
        }
    }
    cmd.output().expect("run fuelflow")
}

/// A name no other test uses, for resources created on the shared server.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{n}-{nanos:x}", std::process::id())
}

/// A [`unique`] project name, lower case and at most 28 characters, so every resource name built
/// from it (buckets, roles, the state bucket) stays within AWS's limits.
pub fn short_name(prefix: &str) -> String {
    unique(prefix)
        .to_lowercase()
        .chars()
        .take(28)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
pub mod handlers;
pub mod project;
pub mod s3;
