//! Creates and replacements that survive real faults, through the CLI against moto:
//! - runs killed with SIGKILL at several moments of an apply of create-before-delete
//!   replacements (unnamed security groups whose create-only `GroupDescription` changed): after
//!   recovery exactly the template's groups exist, nothing untracked carries the stack's tag, no
//!   deposed object or pending create is left, and the plan is empty. (Buckets are not in it:
//!   the only create-only bucket property fuelflow manages is `BucketName`, and a named
//!   replacement deletes first.)
//! - a run killed during a DB instance create that the proxy slows down: the next apply
//!   converges (adopts the instance) and the plan after it is empty;
//! - lost answers of `CreateVpc`, `CreateRestApi` and `CreateDeployment` (the proxy carries the
//!   call out and drops the connection): exactly one of each exists and the next plan is empty.

use crate::support::MotoServer;
use crate::support::project::{Project, code};
use crate::support::proxy::{LoseAnswer, Proxy, ProxyConfig};
use crate::support::{stderr, stdout};
use fuelflow::resources::{OWNER_LOGICAL_ID_TAG, OWNER_STACK_TAG};
use std::process::Stdio;
use std::time::Duration;

const GROUPS: usize = 10;

fn groups(description: &str) -> String {
    let mut t = String::from("Resources:\n");
    for i in 0..GROUPS {
        t.push_str(&format!(
            "  Group{i}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: {description} {i}\n"
        ));
    }
    t
}

async fn proxy_to(moto: &MotoServer, config: ProxyConfig) -> Proxy {
    let upstream = format!("127.0.0.1:{}", moto.port).parse().unwrap();
    Proxy::start(upstream, config).await
}

/// Removes the lock a killed run left (it stays until force-unlock, which needs its id).
async fn unlock_after_kill(project: &Project, config: &aws_config::SdkConfig) {
    // A request the dead run had in the proxy still lands after the latency: let it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let backend = project.backend(config);
    let lock_path = backend.lock_request("dev", "app", "apply").path;
    if let Some(held) = backend.locker.current(&lock_path).await.unwrap() {
        let out = project.run(&["force-unlock", "--env", "dev", "--stack", "app", &held.id]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

/// Runs `apply` and kills it with SIGKILL after `delay`; whether it was still running.
async fn apply_killed_after(project: &Project, delay: Duration) -> bool {
    let mut child = project
        .command(&["apply", "--env", "dev", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(delay).await;
    let finished = child.try_wait().unwrap().is_some();
    child.kill().ok();
    child.wait().unwrap();
    !finished
}

fn assert_applies_then_plans_empty(project: &Project) {
    let out = project.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let out = project.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "{}\n{}", stdout(&out), stderr(&out));
}

/// `(ownership tag key, value)` filters for EC2 describe calls.
fn tag_filter(key: &str, value: &str) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder()
        .name(format!("tag:{key}"))
        .values(value)
        .build()
}

/// The security groups carrying `stack`'s ownership tag, sorted.
async fn tagged_groups(config: &aws_config::SdkConfig, stack: &str) -> Vec<String> {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let out = ec2
        .describe_security_groups()
        .filters(tag_filter(OWNER_STACK_TAG, stack))
        .send()
        .await
        .unwrap();
    let mut ids: Vec<String> = out
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_replacements_converge_to_exactly_the_template() {
    let moto = MotoServer::shared();
    let proxy = proxy_to(
        moto,
        ProxyConfig {
            latency: Duration::from_millis(40),
            jitter: Duration::from_millis(10),
            ..Default::default()
        },
    )
    .await;
    let mut project = Project::new("repl", moto, |_| groups("v0"));
    project.endpoint = proxy.endpoint();
    let config = moto.sdk_config().await;
    assert_applies_then_plans_empty(&project);
    let stack = format!("{}-app-dev", project.name);
    assert_eq!(tagged_groups(&config, &stack).await.len(), GROUPS);

    // Each round changes every group's description (a replacement each) and kills the run at
    // a later moment: before the creates, between creates and deletes, during the deletes.
    let mut kills = 0;
    for (round, delay_ms) in [400u64, 800, 1200, 1700, 2300, 3000]
        .into_iter()
        .enumerate()
    {
        project.write_template(&groups(&format!("v{}", round + 1)));
        if apply_killed_after(&project, Duration::from_millis(delay_ms)).await {
            kills += 1;
        }
        unlock_after_kill(&project, &config).await;
    }
    assert!(kills >= 3, "only {kills} runs were killed mid-apply");

    assert_applies_then_plans_empty(&project);
    let state = project.state(&config).await.unwrap();
    assert!(
        state.deposed.is_empty(),
        "deposed left: {:?}",
        state.deposed
    );
    assert!(
        state.pending.is_empty(),
        "pending left: {:?}",
        state.pending
    );
    let recorded = Project::recorded(&state, "AWS::EC2::SecurityGroup");
    assert_eq!(recorded.len(), GROUPS);
    // Searched by the ownership tag, as one looks for orphans: exactly the recorded groups.
    assert_eq!(tagged_groups(&config, &stack).await, recorded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_during_a_database_create_is_converged_by_the_next() {
    let moto = MotoServer::shared();
    let proxy = proxy_to(
        moto,
        ProxyConfig {
            slow_actions: vec![("CreateDBInstance".into(), Duration::from_secs(3))],
            ..Default::default()
        },
    )
    .await;
    let template = "Resources:
  Db:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Delete
    Properties:
      Engine: postgres
      DBInstanceClass: db.t3.micro
      AllocatedStorage: 20
      MasterUsername: app
      MasterUserPassword: a-Secret-99-value
";
    let mut project = Project::new("dbkill", moto, |_| template.to_string());
    project.endpoint = proxy.endpoint();
    let config = moto.sdk_config().await;
    // Killed while the create call waits in the proxy (it still reaches moto afterwards): once
    // the pending create is in the state, the call is under way.
    let mut child = project
        .command(&["apply", "--env", "dev", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let state = project.state(&config).await;
        if state.is_some_and(|s| s.pending.iter().any(|p| p.logical_id == "Db")) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no pending create of Db"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the apply ended before its create"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    child.kill().ok();
    child.wait().unwrap();
    unlock_after_kill(&project, &config).await;
    // Let the held-back create land, as a slow create would finish on AWS.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let state = project.state(&config).await.unwrap();
    assert_eq!(state.pending.len(), 1, "{:?}", state.pending);
    let name = state.pending[0].physical_id.clone().unwrap();

    proxy.set(ProxyConfig::default());
    assert_applies_then_plans_empty(&project);
    let state = project.state(&config).await.unwrap();
    assert_eq!(
        Project::recorded(&state, "AWS::RDS::DBInstance"),
        std::slice::from_ref(&name)
    );
    let rds = aws_sdk_rds::Client::new(&config);
    let stack = format!("{}-app-dev", project.name);
    let mut ours = Vec::new();
    for db in rds
        .describe_db_instances()
        .send()
        .await
        .unwrap()
        .db_instances()
    {
        if db
            .tag_list()
            .iter()
            .any(|t| t.key() == Some(OWNER_STACK_TAG) && t.value() == Some(stack.as_str()))
        {
            ours.push(db.db_instance_identifier().unwrap_or_default().to_string());
        }
    }
    assert_eq!(ours, [name]);
    let out = project.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_of_non_idempotent_creates_leave_exactly_one_of_each() {
    let moto = MotoServer::shared();
    let proxy = proxy_to(moto, ProxyConfig::default()).await;
    let template = "Resources:
  Network:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.40.0.0/16
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: lost-answers
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{\"statusCode\": 200}'}
  Release:
    Type: AWS::ApiGateway::Deployment
    Properties:
      RestApiId: !Ref Api
      Description: first release
";
    let mut project = Project::new("lost", moto, |_| template.to_string());
    project.endpoint = proxy.endpoint();
    let config = moto.sdk_config().await;
    let rules = [
        LoseAnswer::new("ec2", "CreateVpc", 1),
        LoseAnswer::new("apigateway", "POST /restapis", 1).ending_with("/restapis"),
        LoseAnswer::new("apigateway", "POST /restapis", 1).ending_with("/deployments"),
    ];
    proxy.set(ProxyConfig {
        lose: rules.to_vec(),
        ..Default::default()
    });
    assert_applies_then_plans_empty(&project);
    for rule in &rules {
        assert_eq!(rule.lost(), 1, "{rule:?} lost no answer");
    }

    let stack = format!("{}-app-dev", project.name);
    let state = project.state(&config).await.unwrap();
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let vpcs = ec2
        .describe_vpcs()
        .filters(tag_filter(OWNER_STACK_TAG, &stack))
        .filters(tag_filter(OWNER_LOGICAL_ID_TAG, "Network"))
        .send()
        .await
        .unwrap();
    let vpcs: Vec<&str> = vpcs.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
    assert_eq!(vpcs, [state.resources["Network"].physical_id.as_str()]);

    let apigateway = aws_sdk_apigateway::Client::new(&config);
    let apis = apigateway.get_rest_apis().limit(500).send().await.unwrap();
    let apis: Vec<&str> = apis
        .items()
        .iter()
        .filter(|a| a.tags().and_then(|t| t.get(OWNER_STACK_TAG)) == Some(&stack))
        .filter_map(|a| a.id())
        .collect();
    let api = state.resources["Api"].physical_id.as_str();
    assert_eq!(apis, [api]);
    let deployments = apigateway
        .get_deployments()
        .rest_api_id(api)
        .send()
        .await
        .unwrap();
    let deployments: Vec<&str> = deployments.items().iter().filter_map(|d| d.id()).collect();
    assert_eq!(
        deployments,
        [state.resources["Release"].physical_id.as_str()]
    );
    let out = project.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert!(out.status.success(), "{}", stderr(&out));
}
