//! The repository's own Fuel Flow platform (`fuelflow.yaml` + `stacks/`) and the `examples/`
//! projects validate for every environment with the security checks as errors (`--strict`),
//! and the platform's stacks are wired into one graph by their exports and imports.
//! No AWS calls: an unreachable endpoint makes any call fail loudly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fuelflow(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fuelflow"))
        .arg("-C")
        .arg(dir)
        .arg("--no-color")
        .args(args)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run fuelflow")
}

fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} exited with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_platform_validates_for_dev_and_prod() {
    for env in ["dev", "prod"] {
        let out = fuelflow(&repo(), &["validate", "--strict", "--env", env]);
        assert_success(&format!("validate --strict --env {env}"), &out);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("6 stacks"), "{stdout}");
    }
    // Without --env: every environment of the project.
    assert_success("validate", &fuelflow(&repo(), &["validate"]));
}

#[test]
fn the_state_backend_template_validates() {
    let out = fuelflow(
        &repo(),
        &["validate", "--strict", "-t", "stacks/state-backend.yaml"],
    );
    assert_success("validate -t stacks/state-backend.yaml", &out);
}

#[test]
fn every_example_validates() {
    let examples = repo().join("examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("fuelflow.yaml").is_file())
        .collect();
    dirs.sort();
    let names: Vec<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["function-api", "postgres", "static-site"]);
    for dir in &dirs {
        assert_success(
            &format!("validate in {}", dir.display()),
            &fuelflow(dir, &["validate", "--strict"]),
        );
    }
}

#[test]
fn imports_make_cross_stack_edges() {
    let out = fuelflow(&repo(), &["graph", "--env", "dev"]);
    assert_success("graph --env dev", &out);
    let dot = String::from_utf8_lossy(&out.stdout);
    for (from, to) in [
        ("api.ApiFunction", "iam.LambdaRole"),
        ("api.ApiFunction", "s3.AppDataBucket"),
        ("api.ApiFunction", "database.DatabaseSecret"),
        ("api.ApiFunction", "database.Database"),
        ("api.ApiFunction", "network.PrivateSubnetA"),
        ("api.ApiFunction", "network.LambdaSecurityGroup"),
        ("api.ApiAccount", "iam.ApiGatewayCloudWatchRole"),
        ("database.DatabaseSubnetGroup", "network.PrivateSubnetB"),
        ("database.Database", "network.DatabaseSecurityGroup"),
        ("database.Database", "iam.RdsMonitoringRole"),
        ("monitoring.LambdaErrorRateAlarm", "api.ApiFunction"),
        ("monitoring.Api5xxAlarm", "api.Stage"),
        ("monitoring.DatabaseCpuAlarm", "database.Database"),
    ] {
        let edge = format!("\"{from}\" -> \"{to}\" [label=\"Fn::ImportValue\"]");
        assert!(dot.contains(&edge), "missing edge {edge} in:\n{dot}");
    }
}
