//! The API's handler end to end against a real PostgreSQL and moto (issue 16): the platform's
//! dev environment applied by the CLI on a private moto, so Secrets Manager generated the
//! database secret and the stack set the function's environment; then a PostgreSQL started here
//! (TLS only) with the login role and database the secret and the stack name, and the handler run
//! by `node --test functions/api/e2e/postgres.e2e.js` with exactly the function's live
//! environment (its database address pointed at the local server), the AWS SDK clients the
//! Lambda runtime would provide on `NODE_PATH`, and moto as the endpoint. No fake database.
//!
//! The secret's format, the variables the stack sets and what the handler expects are checked
//! together: the variable names and the secret's keys here, their use by the handler in node.

mod postgres;

use crate::platform::Platform;
use postgres::Postgres;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const FUNCTION: &str = "fuel-flow-dev-api";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The SDK v3 clients of the nodejs22.x runtime (`tests/integration/api_postgres/package.json`,
/// pinned by its lock file), installed once under the target dir with `npm ci`: test-only, so
/// never in `functions/api/node_modules` and never in the function's zip.
fn runtime_sdk() -> PathBuf {
    let source = repo().join("tests/integration/api_postgres");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("api-postgres-sdk");
    let lock = std::fs::read(source.join("package-lock.json")).unwrap();
    let installed = dir.join("node_modules/.installed-lock.json");
    if std::fs::read(&installed).ok().as_ref() != Some(&lock) {
        std::fs::create_dir_all(&dir).unwrap();
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(source.join(file), dir.join(file)).unwrap();
        }
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .expect("npm must be installed (it comes with node)");
        assert!(
            out.status.success(),
            "npm ci in {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&installed, &lock).unwrap();
    }
    dir.join("node_modules")
}

/// Entry names of a zip.
fn zip_names(bytes: Vec<u8>) -> Vec<String> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    archive.file_names().map(str::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handler_keeps_deliveries_in_postgres_with_the_generated_secret() {
    let sdk = runtime_sdk();
    let p = Platform::new();
    p.expect(0, &["bootstrap", "--env", "dev", "--auto-approve"]);
    p.expect(0, &["apply", "--env", "dev", "--auto-approve"]);
    let c = p.clients().await;

    // The code deployed is the folder with its vendored pg, zipped by fuelflow.
    let f = c
        .lambda
        .get_function_configuration()
        .function_name(FUNCTION);
    let f = f.send().await.unwrap();
    let (zip, sha) = fuelflow::resources::lambda::package(&p.path().join("functions/api")).unwrap();
    assert_eq!(
        f.code_sha256(),
        Some(sha.as_str()),
        "the live code is the folder's zip"
    );
    let names = zip_names(zip);
    for name in [
        "index.js",
        "db.js",
        "deliveries.js",
        "package-lock.json",
        "node_modules/pg/package.json",
        "node_modules/pg-pool/index.js",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
    let (_, repo_sha) =
        fuelflow::resources::lambda::package(&repo().join("functions/api")).unwrap();
    assert_eq!(repo_sha, sha, "the test copy is the repository's folder");

    // The environment the stack sets: what the handler reads, nothing else.
    let vars: BTreeMap<String, String> = f
        .environment()
        .and_then(|e| e.variables())
        .expect("the function's variables")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let keys: Vec<&str> = vars.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "DATA_BUCKET",
            "DB_HOST",
            "DB_NAME",
            "DB_PORT",
            "DB_SECRET_ARN",
            "ENVIRONMENT",
            "NODE_EXTRA_CA_CERTS"
        ]
    );
    assert_eq!(vars["DB_NAME"], "fuelflow");
    assert_eq!(vars["DB_PORT"], "5432");
    assert!(vars["DB_HOST"].starts_with("fuel-flow-dev-db."), "{vars:?}");
    assert_eq!(vars["NODE_EXTRA_CA_CERTS"], "/var/runtime/ca-cert.pem");

    // The secret as Secrets Manager generated it from the data stack's GenerateSecretString.
    let secret = c
        .secrets
        .get_secret_value()
        .secret_id(&vars["DB_SECRET_ARN"]);
    let secret = secret.send().await.unwrap();
    let secret: serde_json::Value = serde_json::from_str(secret.secret_string().unwrap()).unwrap();
    let mut fields: Vec<&String> = secret.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["password", "username"], "{fields:?}");
    let user = secret["username"].as_str().unwrap();
    let password = secret["password"].as_str().unwrap();
    assert_eq!(user, "fuelflow");
    assert_eq!(password.chars().count(), 32);
    assert!(!password.contains(['"', '@', '/', '\\', ' ']));

    // The database RDS would have made from that secret and DBName, reachable only over TLS.
    let pg = Postgres::start();
    pg.create_owner(user, password, &vars["DB_NAME"]);

    let mut node = Command::new("node");
    node.args(["--test", "e2e/postgres.e2e.js"])
        .current_dir(repo().join("functions/api"))
        .env_clear()
        .envs(&vars)
        .env("DB_HOST", "127.0.0.1")
        .env("DB_PORT", pg.port().to_string())
        .env("NODE_EXTRA_CA_CERTS", pg.ca_file())
        .env("NODE_PATH", &sdk)
        .envs(p.moto.env());
    for key in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(key) {
            node.env(key, value);
        }
    }
    let out = node.output().expect("node must be installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "node --test e2e/postgres.e2e.js\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("# pass 6") && stdout.contains("# fail 0"),
        "{stdout}"
    );

    // What the handler left in the database, seen from the server's side: tables owned by the
    // secret's user, and the deliveries the e2e test stored.
    let owners = pg.psql(
        "fuelflow",
        "SELECT tablename || ':' || tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    assert_eq!(owners, "deliveries:fuelflow\nschema_migrations:fuelflow");
    let count = pg.psql("fuelflow", "SELECT count(*) FROM deliveries");
    assert_eq!(
        count, "7",
        "one stored, five for paging, one between two pages"
    );
}
