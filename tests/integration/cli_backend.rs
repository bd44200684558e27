//! The state backend through the CLI, against moto: bootstrap (idempotent, scripted), reading
//! state and outputs without a lock, and force-unlock refusing the wrong id.

use crate::support::{MotoServer, fuelflow, stderr, stdout, unique};
use fuelflow::state::{LockRequest, StateDocument, StateKey};

fn project(dir: &std::path::Path, name: &str) {
    std::fs::write(
        dir.join("fuelflow.yaml"),
        format!(
            "project: {name}\nregion: us-east-1\nbackend:\n  bucket: {name}-state-${{AWS::AccountId}}\n  lock_table: {name}-locks\nstacks:\n  web: web.yaml\nenvironments:\n  dev: {{}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("web.yaml"),
        "Resources:\n  Site:\n    Type: AWS::S3::Bucket\n",
    )
    .unwrap();
}

#[tokio::test]
async fn bootstrap_is_scripted_and_idempotent_and_state_is_readable() {
    let moto = MotoServer::shared();
    let dir = tempfile::tempdir().unwrap();
    let name = unique("cli").to_lowercase();
    project(dir.path(), &name);
    let bucket = format!("{name}-state-123456789012");

    let refused = fuelflow(dir.path(), &["bootstrap", "--env", "dev"], Some(moto));
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("--auto-approve"));

    let first = fuelflow(
        dir.path(),
        &["bootstrap", "--env", "dev", "--auto-approve"],
        Some(moto),
    );
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains(&format!("Created state bucket {bucket}")));
    let config = moto.sdk_config().await;
    let s3 = fuelflow::aws::s3_client(&config);
    s3.head_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("state bucket exists");
    let table = aws_sdk_dynamodb::Client::new(&config)
        .describe_table()
        .table_name(format!("{name}-locks"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        table.table().unwrap().key_schema()[0].attribute_name(),
        "LockID"
    );

    let second = fuelflow(
        dir.path(),
        &["bootstrap", "--env", "dev", "--auto-approve"],
        Some(moto),
    );
    assert!(second.status.success());
    assert!(
        stdout(&second).contains("no changes"),
        "{}",
        stdout(&second)
    );

    // A state written by an earlier apply (through the library) is read back by the CLI.
    let backend = fuelflow::backend::Backend::connect(
        &config,
        fuelflow::backend::BackendNames {
            bucket: bucket.clone(),
            lock_table: format!("{name}-locks"),
            key_prefix: "fuelflow".into(),
            kms_key_id: None,
        },
    );
    let mut doc = StateDocument::new("web");
    doc.outputs.insert(
        "SiteName".into(),
        fuelflow::state::model::OutputState {
            value: "site-123".into(),
            export_name: None,
            sensitive: false,
        },
    );
    doc.outputs.insert(
        "Token".into(),
        fuelflow::state::model::OutputState {
            value: "ref-only".into(),
            export_name: None,
            sensitive: true,
        },
    );
    backend
        .store
        .put(&StateKey::new("dev", "web"), &doc.next_serial(), None)
        .await
        .unwrap();

    let out = fuelflow(dir.path(), &["output", "--env", "dev"], Some(moto));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("web.SiteName = site-123"));
    assert!(stdout(&out).contains("web.Token = (sensitive)") && !stdout(&out).contains("ref-only"));
    let json = fuelflow(
        dir.path(),
        &["output", "--env", "dev", "--json"],
        Some(moto),
    );
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed["web"]["SiteName"], "site-123");

    let list = fuelflow(dir.path(), &["state", "list", "--env", "dev"], Some(moto));
    assert!(
        stdout(&list).contains("web (serial 1, 0 resources)"),
        "{}",
        stdout(&list)
    );

    // A lock left by a dead run: the wrong id is refused and leaves it, the right id frees it.
    let request = backend.lock_request("dev", "web", "apply");
    let held = backend
        .locker
        .try_lock(&LockRequest { ..request.clone() })
        .await
        .unwrap();
    let wrong = fuelflow(
        dir.path(),
        &[
            "force-unlock",
            "--env",
            "dev",
            "--stack",
            "web",
            "not-the-id",
        ],
        Some(moto),
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong).contains(&held.id),
        "names the actual holder: {}",
        stderr(&wrong)
    );
    assert!(
        backend
            .locker
            .current(&request.path)
            .await
            .unwrap()
            .is_some()
    );
    let right = fuelflow(
        dir.path(),
        &["force-unlock", "--env", "dev", "--stack", "web", &held.id],
        Some(moto),
    );
    assert!(right.status.success(), "{}", stderr(&right));
    assert!(
        backend
            .locker
            .current(&request.path)
            .await
            .unwrap()
            .is_none()
    );
}
