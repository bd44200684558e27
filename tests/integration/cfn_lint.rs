//! fuelflow against cfn-lint (when installed): over the invalid fixtures and the shared corpus,
//! fuelflow must not accept a template that cfn-lint rejects with an error (E-class) on a
//! resource of a type fuelflow supports, unless the case is a known difference listed below
//! with its reason. Skipped, with the reason printed, when `cfn-lint` is not on PATH
//! (`scripts/bench` installs it into a venv; `pip install cfn-lint` does too).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (file, cfn-lint rule) pairs fuelflow accepts on purpose, with the reason.
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "aws-cloudformation-templates/S3_LambdaTrigger.yaml",
        "E2533",
        "runtime deprecation dates: fuelflow checks the runtime name (src/schema/supplement.json), not AWS's moving deprecation calendar",
    ),
    (
        "cfn101-workshop/lambda-function.yaml",
        "E2533",
        "runtime deprecation dates, as above",
    ),
    (
        "localstack/cfn_lambda_permission_multiple.yaml",
        "E2533",
        "runtime deprecation dates, as above",
    ),
];

fn cfn_lint() -> Option<String> {
    let out = Command::new("cfn-lint").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The type of each resource of a template, read with fuelflow's own parser.
fn resource_types(path: &Path) -> HashMap<String, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return HashMap::new();
    };
    let mut sources = fuelflow::source::SourceMap::new();
    let id = sources.add(path, text);
    let Ok(root) = fuelflow::template::yaml::parse(id, sources.get(id)) else {
        return HashMap::new();
    };
    let mut types = HashMap::new();
    if let Some(fuelflow::template::yaml::Kind::Map(entries)) =
        root.get("Resources").map(|r| &r.kind)
    {
        for (k, v) in entries {
            if let Some(t) = v.get("Type").and_then(|t| t.as_str()) {
                types.insert(k.name.clone(), t.to_string());
            }
        }
    }
    types
}

#[test]
fn fuelflow_rejects_what_cfn_lint_rejects_on_supported_types() {
    let Some(version) = cfn_lint() else {
        println!("skipped: cfn-lint is not installed (pip install cfn-lint, or scripts/bench)");
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus/cfn");
    // (label, path, parameters for fuelflow)
    let mut files: Vec<(String, PathBuf, Vec<String>)> = Vec::new();
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures/invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "non_utf8.yaml"))
        .collect();
    fixtures.sort();
    for p in fixtures {
        let label = format!("invalid/{}", p.file_name().unwrap().to_string_lossy());
        files.push((label, p, vec![]));
    }
    for (file, parameters) in super::corpus::files_and_parameters() {
        files.push((
            file.to_string(),
            corpus.join(file),
            parameters.iter().map(|p| p.to_string()).collect(),
        ));
    }

    let out = Command::new("cfn-lint")
        .args(["--format", "json", "--"])
        .args(files.iter().map(|(_, p, _)| p))
        .output()
        .expect("run cfn-lint");
    let matches: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cfn-lint output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    // file path -> [(rule, logical id, line, message)]
    let mut errors: HashMap<PathBuf, Vec<(String, String, u64, String)>> = HashMap::new();
    for m in matches.as_array().unwrap() {
        if m["Level"] != "Error" {
            continue;
        }
        let path: Vec<&str> = m["Location"]["Path"]
            .as_array()
            .map(|p| p.iter().map(|s| s.as_str().unwrap_or("")).collect())
            .unwrap_or_default();
        let ["Resources", id, ..] = path.as_slice() else {
            continue;
        };
        let file = PathBuf::from(m["Filename"].as_str().unwrap_or_default());
        errors.entry(file).or_default().push((
            m["Rule"]["Id"].as_str().unwrap_or_default().to_string(),
            id.to_string(),
            m["Location"]["Start"]["LineNumber"].as_u64().unwrap_or(0),
            m["Message"].as_str().unwrap_or_default().to_string(),
        ));
    }

    let mut missed = Vec::new();
    let mut compared = 0;
    for (label, path, parameters) in &files {
        let Some(found) = errors.get(path) else {
            continue;
        };
        let types = resource_types(path);
        let supported: Vec<_> = found
            .iter()
            .filter(|(_, id, _, _)| {
                types
                    .get(id)
                    .is_some_and(|t| fuelflow::schema::lookup(t).is_some())
            })
            .filter(|(rule, _, _, _)| !KNOWN.iter().any(|(f, r, _)| f == label && r == rule))
            .collect();
        if supported.is_empty() {
            continue;
        }
        compared += 1;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fuelflow"));
        cmd.args(["--no-color", "validate", "-t"])
            .arg(path)
            .env_remove("AWS_REGION")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
        for p in parameters {
            cmd.args(["--parameter", p]);
        }
        let result = cmd.output().unwrap();
        if result.status.success() {
            for (rule, id, line, message) in supported {
                missed.push(format!("{label}:{line}: {rule} on `{id}`: {message}"));
            }
        }
    }
    println!("{version}: compared {compared} templates with E-class findings on supported types");
    assert!(
        missed.is_empty(),
        "fuelflow accepts what cfn-lint rejects (fix the check, or list the case in KNOWN with its reason):\n{}",
        missed.join("\n")
    );
}
