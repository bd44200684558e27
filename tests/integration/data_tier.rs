//! The data tier of issue 5 as one stack (tests/fixtures/data-tier): VPC + 2 subnets + security
//! group + DB subnet group + generated secret + PostgreSQL using it by dynamic reference +
//! DynamoDB table deploys, re-plans empty and destroys. Meanwhile every byte fuelflow prints,
//! every version of every state object and the lock table are scanned for the generated password
//! and for a secret given in plain text (`SecretString` from a `NoEcho` parameter): neither may
//! appear anywhere.

use crate::support::{MotoServer, fuelflow, stderr, stdout};
use std::path::Path;
use std::process::Output;

const STATE_BUCKET: &str = "data-tier-state-123456789012";
const PLAIN_TOKEN: &str = "plain-token-0f9d8c7b6a5e4d3c";
const NEW_TOKEN: &str = "plain-token-rotated-77aa66bb";

/// The fixture copied to a temp dir, and everything fuelflow printed there.
struct Run {
    moto: MotoServer,
    dir: tempfile::TempDir,
    printed: Vec<(String, Vec<u8>)>,
}

impl Run {
    fn new() -> Run {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data-tier");
        let dir = tempfile::tempdir().unwrap();
        for file in ["fuelflow.yaml", "data.yaml"] {
            std::fs::copy(fixture.join(file), dir.path().join(file)).unwrap();
        }
        Run {
            moto: MotoServer::start(),
            dir,
            printed: Vec::new(),
        }
    }

    /// Runs fuelflow, keeps stdout and stderr for the scan, and checks the exit code.
    fn expect(&mut self, code: i32, args: &[&str]) -> String {
        let out: Output = fuelflow(self.dir.path(), args, Some(&self.moto));
        assert_eq!(
            out.status.code(),
            Some(code),
            "fuelflow {}\n{}\n{}",
            args.join(" "),
            stdout(&out),
            stderr(&out)
        );
        let label = args.join(" ");
        self.printed
            .push((format!("{label} (stdout)"), out.stdout.clone()));
        self.printed.push((format!("{label} (stderr)"), out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}

/// Where `needle` occurs among `haystacks`, by label.
fn found_in(haystacks: &[(String, Vec<u8>)], needle: &str) -> Vec<String> {
    let needle = needle.as_bytes();
    haystacks
        .iter()
        .filter(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle))
        .map(|(label, _)| label.clone())
        .collect()
}

/// Every version of every object in the state bucket (the bucket is versioned, so an old serial
/// holding a secret would still be readable).
async fn state_objects(s3: &aws_sdk_s3::Client) -> Vec<(String, Vec<u8>)> {
    let versions = s3.list_object_versions().bucket(STATE_BUCKET).send().await;
    let mut objects = Vec::new();
    for v in versions.unwrap().versions() {
        let (key, id) = (v.key().unwrap(), v.version_id().unwrap());
        let object = s3
            .get_object()
            .bucket(STATE_BUCKET)
            .key(key)
            .version_id(id)
            .send()
            .await
            .unwrap();
        let bytes = object.body.collect().await.unwrap().into_bytes().to_vec();
        objects.push((format!("s3://{STATE_BUCKET}/{key}?versionId={id}"), bytes));
    }
    assert!(!objects.is_empty(), "no state objects");
    objects
}

#[tokio::test]
async fn data_tier_deploys_replans_empty_destroys_and_never_leaks_a_secret() {
    let mut run = Run::new();
    let config = run.moto.sdk_config().await;
    let s3 = fuelflow::aws::s3_client(&config);
    let rds = aws_sdk_rds::Client::new(&config);
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let secrets = aws_sdk_secretsmanager::Client::new(&config);

    run.expect(0, &["validate", "--env", "test"]);
    run.expect(0, &["bootstrap", "--env", "test", "--auto-approve"]);
    let plan = run.expect(2, &["plan", "--env", "test", "--detailed-exitcode"]);
    assert!(
        plan.contains("Plan: 9 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    assert!(!plan.contains("MasterUserPassword: \""), "{plan}");
    assert!(plan.contains("SecretString: (sensitive)"), "{plan}");
    run.expect(0, &["apply", "--env", "test", "--auto-approve"]);

    // Live: the database uses the generated secret; the table is there.
    let secret = secrets
        .get_secret_value()
        .secret_id("data-tier-test-master");
    let secret = secret.send().await.unwrap();
    let value: serde_json::Value = serde_json::from_str(secret.secret_string().unwrap()).unwrap();
    let password = value["password"].as_str().unwrap().to_string();
    assert_eq!(password.len(), 40);
    let db = rds
        .describe_db_instances()
        .db_instance_identifier("data-tier-test");
    let db = db.send().await.unwrap().db_instances()[0].clone();
    assert_eq!(db.master_username(), Some("app"));
    assert_eq!(db.engine(), Some("postgres"));
    assert_eq!(db.storage_type(), Some("gp3"));
    assert_eq!(db.db_subnet_group().unwrap().subnets().len(), 2);
    let table = ddb.describe_table().table_name("data-tier-test-items");
    let table = table.send().await.unwrap();
    assert_eq!(
        table.table().unwrap().key_schema()[0].attribute_name(),
        "id"
    );
    let token = secrets
        .get_secret_value()
        .secret_id("data-tier-test-api-token");
    let token = token.send().await.unwrap();
    assert_eq!(token.secret_string(), Some(PLAIN_TOKEN));

    // Re-plans are empty, whatever the output form.
    let plan = run.expect(0, &["plan", "--env", "test", "--detailed-exitcode"]);
    assert!(plan.contains("No changes"), "{plan}");
    let json = run.expect(0, &["plan", "--env", "test", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["summary"]["add"], 0);
    run.expect(0, &["-v", "plan", "--env", "test"]);
    run.expect(0, &["-vv", "apply", "--env", "test", "--auto-approve"]);
    let outputs = run.expect(0, &["output", "--env", "test", "--json"]);
    let outputs: serde_json::Value = serde_json::from_str(&outputs).unwrap();
    assert_eq!(outputs["data"]["SecretArn"], secret.arn().unwrap());
    run.expect(0, &["output", "--env", "test"]);
    run.expect(0, &["state", "list", "--env", "test"]);
    let shown = run.expect(0, &["state", "show", "--env", "test"]);
    assert!(shown.contains("ApiTokenSecret"), "{shown}");
    run.expect(0, &["graph", "--env", "test"]);

    // The scan: printed bytes, every state version, the lock table.
    let mut scanned = run.printed.clone();
    let states = state_objects(&s3).await;
    // The plain-text secret is recorded as a salted hash (DESIGN.md, "State").
    assert!(!found_in(&states, "fuelflow:sha256").is_empty());
    scanned.extend(states);
    let locks = ddb
        .scan()
        .table_name("data-tier-locks")
        .send()
        .await
        .unwrap();
    scanned.push((
        "lock table".into(),
        format!("{:?}", locks.items()).into_bytes(),
    ));
    for (what, secret) in [
        ("generated password", &password[..]),
        ("plain token", PLAIN_TOKEN),
    ] {
        let leaks = found_in(&scanned, secret);
        assert!(leaks.is_empty(), "the {what} leaked into: {leaks:?}");
    }

    // A new plain-text value is an update shown only as `(sensitive)`, applied live.
    let mut done = Run {
        printed: Vec::new(),
        ..run
    };
    let project = done.dir.path().join("fuelflow.yaml");
    let text = std::fs::read_to_string(&project).unwrap();
    std::fs::write(&project, text.replace(PLAIN_TOKEN, NEW_TOKEN)).unwrap();
    let plan = done.expect(2, &["plan", "--env", "test", "--detailed-exitcode"]);
    assert!(
        plan.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{plan}"
    );
    assert!(
        plan.contains("SecretString: (sensitive) -> (sensitive)"),
        "{plan}"
    );
    done.expect(0, &["apply", "--env", "test", "--auto-approve"]);
    let token = secrets
        .get_secret_value()
        .secret_id("data-tier-test-api-token");
    assert_eq!(token.send().await.unwrap().secret_string(), Some(NEW_TOKEN));
    done.expect(0, &["plan", "--env", "test", "--detailed-exitcode"]);

    done.expect(0, &["destroy", "--env", "test", "--auto-approve"]);
    let gone = rds
        .describe_db_instances()
        .db_instance_identifier("data-tier-test");
    assert!(gone.send().await.is_err(), "database deleted");
    let gone = ddb.describe_table().table_name("data-tier-test-items");
    assert!(gone.send().await.is_err(), "table deleted");
    done.printed.extend(state_objects(&s3).await);
    for secret in [&password[..], PLAIN_TOKEN, NEW_TOKEN] {
        assert!(found_in(&done.printed, secret).is_empty());
    }
}
