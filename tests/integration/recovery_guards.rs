//! Recovery under real faults, the guards half (issue 12): the run's own lock after a lost
//! PutItem reply, force-unlock of any well-formed lock and of one dead run's locks at once, no
//! AWS call nor lock before the templates validate, and hostile input (special files, code
//! paths leaving the project, oversized zips). Through the CLI, against moto.

use crate::support::project::{Project, code};
use crate::support::proxy::{Block, Proxy, ProxyConfig};
use crate::support::{MotoServer, fuelflow, stderr, stdout};
use aws_sdk_dynamodb::types::AttributeValue;

const BUCKET: &str = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n";

async fn proxy(moto: &MotoServer, config: ProxyConfig) -> Proxy {
    Proxy::start(format!("127.0.0.1:{}", moto.port).parse().unwrap(), config).await
}

fn both(out: &std::process::Output) -> String {
    format!("{}\n{}", stdout(out), stderr(out))
}

/// A lock item as another tool (or an older fuelflow) writes it: `LockID` and the
/// Terraform-compatible `Info` JSON only, no `LockIdValue`.
async fn put_info_only_lock(p: &Project, config: &aws_config::SdkConfig, stack: &str, id: &str) {
    let path = p.backend(config).lock_request("dev", stack, "apply").path;
    let info = serde_json::json!({
        "ID": id, "Operation": "apply", "Who": "ci@runner", "Version": "1.5.0",
        "Created": "2026-11-30T10:00:00Z", "Path": path,
    });
    aws_sdk_dynamodb::Client::new(config)
        .put_item()
        .table_name(p.lock_table())
        .item("LockID", AttributeValue::S(path))
        .item("Info", AttributeValue::S(info.to_string()))
        .send()
        .await
        .unwrap();
}

async fn lock_holder(p: &Project, config: &aws_config::SdkConfig, stack: &str) -> Option<String> {
    let backend = p.backend(config);
    let path = backend.lock_request("dev", stack, "apply").path;
    backend.locker.current(&path).await.unwrap().map(|h| h.id)
}

/// The project with more stacks (each a copy of `app.yaml`).
fn add_stacks(p: &Project, stacks: &[&str]) {
    let mut entries = String::from("  app: app.yaml\n");
    for s in stacks {
        std::fs::copy(
            p.path().join("app.yaml"),
            p.path().join(format!("{s}.yaml")),
        )
        .unwrap();
        entries.push_str(&format!("  {s}: {s}.yaml\n"));
    }
    let name = &p.name;
    std::fs::write(
        p.path().join("fuelflow.yaml"),
        format!("project: {name}\nregion: us-east-1\nbackend: {{bucket: {name}-state, lock_table: {name}-locks}}\nstacks:\n{entries}environments:\n  dev: {{}}\n"),
    )
    .unwrap();
}

/// The lock put was carried out but its answer lost: the SDK's retry finds the item with the
/// run's own id, so the run holds the lock (it used to exit 3 naming itself, and leave it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_lock_put_reply_is_the_runs_own_lock() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let mut p = Project::new("lostlock", moto, |_| BUCKET.to_string());
    let block = Block {
        service: "dynamodb".into(),
        method: Some("POST".into()),
        after: 0,
        times: Some(1),
        lose_response: true,
        ..Default::default()
    };
    let faults = proxy(
        moto,
        ProxyConfig {
            block: Some(block),
            ..Default::default()
        },
    )
    .await;
    p.endpoint = faults.endpoint();
    // `plan` takes the lock as `apply` does.
    let out = p.run(&["plan", "--env", "dev"]);
    assert_eq!(code(&out), Some(0), "{}", both(&out));
    assert_eq!(
        faults
            .stats
            .blocked
            .load(std::sync::atomic::Ordering::Relaxed),
        1,
        "the first lock put lost its answer"
    );
    assert!(stdout(&out).contains("Plan: 1 to add"), "{}", both(&out));
    assert_eq!(p.lock_items(&config).await, 0, "the lock is released");
}

/// A lock with `Info` alone is removed by `force-unlock <its ID>` (the id the locked message
/// names), and a wrong id still leaves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_with_only_info_is_force_unlocked_by_its_id() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("infolock", moto, |_| BUCKET.to_string());
    put_info_only_lock(&p, &config, "app", "tf-lock-1").await;

    let out = p.run(&["plan", "--env", "dev"]);
    assert_eq!(code(&out), Some(3), "{}", both(&out));
    assert!(
        stderr(&out).contains("fuelflow force-unlock --env dev --stack app tf-lock-1"),
        "{}",
        both(&out)
    );
    let wrong = p.run(&["force-unlock", "--env", "dev", "--stack", "app", "other"]);
    assert_eq!(code(&wrong), Some(1), "{}", both(&wrong));
    assert!(
        stderr(&wrong).contains("held by lock id tf-lock-1"),
        "{}",
        both(&wrong)
    );
    assert_eq!(
        lock_holder(&p, &config, "app").await.as_deref(),
        Some("tf-lock-1")
    );

    let out = p.run(&[
        "force-unlock",
        "--env",
        "dev",
        "--stack",
        "app",
        "tf-lock-1",
    ]);
    assert_eq!(code(&out), Some(0), "{}", both(&out));
    assert!(
        stdout(&out).contains("Removed lock tf-lock-1 on stack app"),
        "{}",
        both(&out)
    );
    assert_eq!(p.lock_items(&config).await, 0);
    let out = p.run(&["plan", "--env", "dev"]);
    assert_eq!(code(&out), Some(0), "{}", both(&out));
}

/// A killed multi-stack run leaves one lock per stack, all with the run's id: one command
/// clears them, and a lock of another run is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_unlock_all_stacks_clears_one_dead_runs_locks_only() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("allstacks", moto, |_| BUCKET.to_string());
    add_stacks(&p, &["web", "db"]);
    // What a killed run leaves (a run gives all its locks one id): app and web; db is another's.
    for stack in ["app", "web"] {
        put_info_only_lock(&p, &config, stack, "run-1").await;
    }
    put_info_only_lock(&p, &config, "db", "run-2").await;

    let out = p.run(&["force-unlock", "--env", "dev", "--all-stacks", "run-1"]);
    assert_eq!(code(&out), Some(0), "{}", both(&out));
    let text = stdout(&out);
    assert!(text.contains("Removed lock run-1 on stack app"), "{text}");
    assert!(text.contains("Removed lock run-1 on stack web"), "{text}");
    assert!(
        text.contains("Left the lock on stack db: it is held by another run (lock id run-2"),
        "{text}"
    );
    assert_eq!(lock_holder(&p, &config, "app").await, None);
    assert_eq!(lock_holder(&p, &config, "web").await, None);
    assert_eq!(
        lock_holder(&p, &config, "db").await.as_deref(),
        Some("run-2")
    );

    let again = p.run(&["force-unlock", "--env", "dev", "--all-stacks", "run-1"]);
    assert_eq!(code(&again), Some(1), "{}", both(&again));
    assert!(
        stderr(&again).contains("no stack of dev is locked with id run-1"),
        "{}",
        both(&again)
    );
    let both_flags = p.run(&[
        "force-unlock",
        "--env",
        "dev",
        "--all-stacks",
        "--stack",
        "app",
        "x",
    ]);
    assert_eq!(code(&both_flags), Some(2), "{}", both(&both_flags));
}

/// A real run's locks share one id: a run blocked on one stack names the id that clears all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_stack_runs_locks_share_one_id() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("runid", moto, |_| BUCKET.to_string());
    add_stacks(&p, &["web"]);
    let backend = p.backend(&config);
    let requests = [
        backend.lock_request("dev", "app", "apply"),
        backend.lock_request("dev", "web", "apply"),
    ];
    let held =
        fuelflow::state::lock::lock_all(&*backend.locker, &requests, std::time::Duration::ZERO)
            .await
            .unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[0].id, held[1].id, "one id per run");
    let out = p.run(&["force-unlock", "--env", "dev", "--all-stacks", &held[0].id]);
    assert_eq!(code(&out), Some(0), "{}", both(&out));
    assert_eq!(p.lock_items(&config).await, 0);
}

/// `plan`, `apply` and `destroy` of an invalid template fail before any AWS call: nothing
/// reaches the proxy, no lock is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_template_makes_no_aws_call_and_takes_no_lock() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let mut p = Project::new("novalid", moto, |_| BUCKET.to_string());
    let counter = proxy(moto, ProxyConfig::default()).await;
    p.endpoint = counter.endpoint();
    p.write_template(
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketNam: x\n",
    );
    for command in [
        vec!["plan", "--env", "dev"],
        vec!["apply", "--env", "dev", "--auto-approve"],
        vec!["destroy", "--env", "dev", "--auto-approve"],
    ] {
        let out = p.run(&command);
        assert_eq!(code(&out), Some(1), "{command:?}: {}", both(&out));
        assert!(
            stderr(&out).contains("app.yaml:5:7"),
            "{command:?}: {}",
            both(&out)
        );
        assert_eq!(
            counter.stats.total(),
            0,
            "{command:?}: {:?}",
            counter.stats.snapshot()
        );
    }
    assert_eq!(p.lock_items(&config).await, 0);
}

/// A template or project file that is a device or a FIFO is refused at once (it was read until
/// memory ran out, or hung).
#[test]
fn special_files_are_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = fuelflow(dir.path(), &["-t", "/dev/zero", "validate"], None);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        stderr(&out).contains("is not a regular file (a device)"),
        "{}",
        both(&out)
    );
    let out = fuelflow(dir.path(), &["--project", "/dev/zero", "validate"], None);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        stderr(&out).contains("is not a regular file (a device)"),
        "{}",
        both(&out)
    );
    let fifo = dir.path().join("t.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let started = std::time::Instant::now();
    let out = fuelflow(dir.path(), &["-t", "t.yaml", "validate"], None);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        stderr(&out).contains("is not a regular file (a FIFO)"),
        "{}",
        both(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

fn function(code: &str) -> String {
    format!(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Role: arn:aws:iam::123456789012:role/r\n      Code: {code}\n"
    )
}

/// Lambda code that climbs out of the project, is absolute, or links outside it is refused at
/// validate, at the path as written; a FIFO in a code folder and an oversized zip too.
#[test]
fn lambda_code_stays_inside_the_project_and_within_lambdas_limits() {
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("project");
    std::fs::create_dir_all(dir.join("fn")).unwrap();
    std::fs::write(dir.join("fn/index.py"), "def handler(e, c): return 1\n").unwrap();
    std::fs::write(
        dir.join("fuelflow.yaml"),
        "project: leak\nregion: us-east-1\nstacks:\n  app: app.yaml\nenvironments:\n  dev: {}\n",
    )
    .unwrap();
    let validate = |code: &str| {
        std::fs::write(dir.join("app.yaml"), function(code)).unwrap();
        fuelflow(&dir, &["validate"], None)
    };
    let ok = validate("./fn");
    assert_eq!(ok.status.code(), Some(0), "{}", both(&ok));
    for (code, message) in [
        ("../../../etc", "climbs out of the project directory"),
        ("/etc/passwd", "absolute paths are refused"),
        (
            "{fuelflow:LocalPath: ../..}",
            "climbs out of the project directory",
        ),
    ] {
        let out = validate(code);
        assert_eq!(out.status.code(), Some(1), "{code}: {}", both(&out));
        let text = stderr(&out);
        assert!(
            text.contains("app.yaml:8:13") || text.contains("app.yaml:8:"),
            "{code}: {text}"
        );
        assert!(text.contains(message), "{code}: {text}");
    }
    std::os::unix::fs::symlink("/etc/passwd", dir.join("fn/passwd")).unwrap();
    let out = validate("./fn");
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        stderr(&out).contains("leads outside the project directory"),
        "{}",
        both(&out)
    );
    std::fs::remove_file(dir.join("fn/passwd")).unwrap();

    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("fn/pipe"))
        .status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let out = validate("./fn");
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        stderr(&out).contains("is a FIFO; only regular files are packaged"),
        "{}",
        both(&out)
    );
    std::fs::remove_file(dir.join("fn/pipe")).unwrap();

    // Sparse: 1 GB on paper, nothing on disk; refused from its size, never read.
    let zip = std::fs::File::create(dir.join("big.zip")).unwrap();
    zip.set_len(1 << 30).unwrap();
    let out = validate("./big.zip");
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        stderr(&out).contains("Lambda's limit for a zip uploaded directly is 50 MB"),
        "{}",
        both(&out)
    );
}

/// Writes `doc` as the stack's state object directly, as a person with `aws s3 cp` would.
async fn upload_state(
    p: &Project,
    config: &aws_config::SdkConfig,
    doc: &fuelflow::state::StateDocument,
) {
    fuelflow::aws::s3_client(config)
        .put_object()
        .bucket(p.state_bucket())
        .key("fuelflow/dev/app.json")
        .body(doc.to_json().into())
        .send()
        .await
        .unwrap();
}

fn first_version(listing: &str, serial: u64) -> String {
    listing
        .lines()
        .find(|l| l.contains(&format!("serial {serial},")))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no version at serial {serial} in:\n{listing}"))
        .to_string()
}

/// The state object deleted (the bucket keeps its versions behind a delete marker): plan
/// refuses, naming the stack and `state restore`, instead of planning every resource anew;
/// `state restore` lists the versions and puts one back; then plans work again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_state_is_refused_and_restored() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("delstate", moto, |_| BUCKET.to_string());
    let backend = p.backend(&config);
    let key = backend.key("dev", "app");
    let mut doc = fuelflow::state::StateDocument::new(format!("{}-app-dev", p.name));
    for _ in 0..2 {
        doc = doc.next_serial();
        let tag = backend.store.get(&key).await.unwrap().map(|(_, t)| t);
        backend.store.put(&key, &doc, tag.as_ref()).await.unwrap();
    }
    fuelflow::aws::s3_client(&config)
        .delete_object()
        .bucket(p.state_bucket())
        .key("fuelflow/dev/app.json")
        .send()
        .await
        .unwrap();

    let out = p.run(&["plan", "--env", "dev"]);
    assert_eq!(code(&out), Some(1), "{}", both(&out));
    let text = stderr(&out);
    assert!(
        text.contains("the state of stack app in dev is missing"),
        "{text}"
    );
    assert!(
        text.contains("fuelflow state restore --env dev --stack app --version <ID>"),
        "{text}"
    );
    assert!(!stdout(&out).contains("will create"), "{}", both(&out));
    assert_eq!(p.lock_items(&config).await, 0);

    let listing = p.run(&["state", "restore", "--env", "dev", "--stack", "app"]);
    assert_eq!(code(&listing), Some(0), "{}", both(&listing));
    let text = stdout(&listing);
    assert!(
        text.lines().next().unwrap_or_default().contains("deleted"),
        "{text}"
    );
    let version = first_version(&text, 2);
    let out = p.run(&[
        "state",
        "restore",
        "--env",
        "dev",
        "--stack",
        "app",
        "--version",
        &version,
    ]);
    assert_eq!(code(&out), Some(0), "{}", both(&out));
    assert!(stdout(&out).contains("now serial 3"), "{}", both(&out));
    let (restored, _) = backend.store.get(&key).await.unwrap().expect("restored");
    assert_eq!(
        (restored.lineage.as_str(), restored.serial),
        (doc.lineage.as_str(), 3)
    );
    let out = p.run(&["plan", "--env", "dev"]);
    assert_eq!(code(&out), Some(0), "{}", both(&out));
    assert_eq!(p.lock_items(&config).await, 0);
}

/// A state replaced by another lineage, or by an older copy, is refused naming the stack;
/// `--accept-state-change` takes it as it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_or_rewound_state_is_refused_unless_accepted() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("rewound", moto, |_| BUCKET.to_string());
    let backend = p.backend(&config);
    let key = backend.key("dev", "app");
    let name = format!("{}-app-dev", p.name);
    let first = fuelflow::state::StateDocument::new(name.clone())
        .next_serial()
        .next_serial();
    backend.store.put(&key, &first, None).await.unwrap();

    let older = fuelflow::state::StateDocument {
        serial: 1,
        ..first.clone()
    };
    upload_state(&p, &config, &older).await;
    let out = p.run(&["plan", "--env", "dev"]);
    assert_eq!(code(&out), Some(1), "{}", both(&out));
    assert!(
        stderr(&out).contains("the state of stack app in dev went back in serial since the previous version (serial 2 then, serial 1 now)"),
        "{}",
        both(&out)
    );

    let other = fuelflow::state::StateDocument::new(name)
        .next_serial()
        .next_serial()
        .next_serial();
    upload_state(&p, &config, &other).await;
    let out = p.run(&["plan", "--env", "dev"]);
    assert_eq!(code(&out), Some(1), "{}", both(&out));
    assert!(
        stderr(&out).contains("the state of stack app in dev changed lineage"),
        "{}",
        both(&out)
    );

    let out = p.run(&["plan", "--env", "dev", "--accept-state-change"]);
    assert_eq!(code(&out), Some(0), "{}", both(&out));
    assert_eq!(p.lock_items(&config).await, 0);
}

fn chain(name: &str) -> String {
    let role = |id: &str, tag: &str| {
        format!(
            "  {id}:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: {name}-{id}\n      AssumeRolePolicyDocument: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}\n{tag}"
        )
    };
    let tag = |of: &str| format!("      Tags: [{{Key: after, Value: !GetAtt {of}.Arn}}]\n");
    format!(
        "Resources:\n{}{}{}",
        role("A", ""),
        role("B", &tag("A")),
        role("C", &tag("B"))
    )
}

/// A chain A → B → C interrupted (SIGINT, SIGKILL) mid-apply: the next apply converges in one
/// run (it used to fail "UnresolvedValue" with 0 applied, and need a second run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_apply_after_an_interruption_converges() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    for signal in ["INT", "KILL"] {
        let mut p = Project::new("chain", moto, chain);
        let slow = proxy(
            moto,
            ProxyConfig {
                latency: std::time::Duration::from_millis(150),
                ..Default::default()
            },
        )
        .await;
        p.endpoint = slow.endpoint();
        let mut child = p
            .command(&["apply", "--env", "dev", "--auto-approve"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until A is recorded, then interrupt.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let recorded = p
                .state(&config)
                .await
                .map(|s| s.resources.len())
                .unwrap_or(0);
            if recorded >= 1 || std::time::Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let _ = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status();
        let _ = child.wait();
        let before = p
            .state(&config)
            .await
            .map(|s| s.resources.len())
            .unwrap_or(0);
        p.endpoint = moto.endpoint();
        if signal == "KILL" {
            let _ = p.run(&["force-unlock", "--env", "dev", "--all-stacks", "x"]);
            let ddb = aws_sdk_dynamodb::Client::new(&config);
            let items = ddb.scan().table_name(p.lock_table()).send().await.unwrap();
            if let Some(item) = items.items().first() {
                let info: serde_json::Value =
                    serde_json::from_str(item["Info"].as_s().unwrap()).unwrap();
                let id = info["ID"].as_str().unwrap().to_string();
                let out = p.run(&["force-unlock", "--env", "dev", "--all-stacks", &id]);
                assert_eq!(code(&out), Some(0), "{}", both(&out));
            }
        }
        let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
        assert_eq!(
            code(&out),
            Some(0),
            "{signal} (recorded before: {before}): {}",
            both(&out)
        );
        let state = p.state(&config).await.unwrap();
        assert_eq!(state.resources.len(), 3, "{signal}");
        assert!(state.pending.is_empty(), "{signal}: {:?}", state.pending);
        let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
        assert_eq!(code(&out), Some(0), "{signal}: {}", both(&out));
    }
}

/// An older version put back (A recorded, B and C live but unrecorded): one apply converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_apply_after_restoring_an_older_state_converges() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("restored", moto, chain);
    for _ in 0..2 {
        let out = p.run(&[
            "apply",
            "--env",
            "dev",
            "--auto-approve",
            "--parallelism",
            "1",
        ]);
        assert_eq!(code(&out), Some(0), "{}", both(&out));
    }
    let (p, config) = (&p, &config);
    let listing = stdout(&p.run(&["state", "restore", "--env", "dev", "--stack", "app"]));
    let older = listing
        .lines()
        .find(|l| l.contains(", 1 resources"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no version with only A in:\n{listing}"))
        .to_string();
    let out = p.run(&[
        "state",
        "restore",
        "--env",
        "dev",
        "--stack",
        "app",
        "--version",
        &older,
    ]);
    assert_eq!(code(&out), Some(0), "{}", both(&out));
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "restored: {}", both(&out));
    let state = p.state(config).await.unwrap();
    assert_eq!(state.resources.len(), 3);
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "restored: {}", both(&out));
}
