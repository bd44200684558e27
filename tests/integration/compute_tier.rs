//! The compute tier of issue 6 as one stack (tests/fixtures/compute-tier): role + log group +
//! function from a local folder + REST API proxy method + deployment + stage (no DependsOn) +
//! permission + alarm deploys with the integration URI pointing at the function and re-plans
//! empty; editing one source file plans and applies exactly one code update; touching nothing
//! plans nothing; a new version of a secret the function reads makes it update.

use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::{MotoServer, fuelflow, stderr, stdout};
use std::collections::BTreeMap;
use std::path::Path;

const NAME: &str = "compute-tier-test";

struct Run {
    moto: MotoServer,
    dir: tempfile::TempDir,
}

impl Run {
    /// The fixture copied to a temp dir, so its source can be edited.
    fn new() -> Run {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compute-tier");
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "fuelflow.yaml",
            "compute.yaml",
            "fn/index.js",
            "fn/lib/greeting.js",
        ] {
            let to = dir.path().join(file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(fixture.join(file), to).unwrap();
        }
        Run {
            moto: MotoServer::start(),
            dir,
        }
    }

    /// `plan --detailed-exitcode` (changes expected) through a counting proxy: its text and
    /// the calls it made by (service, action).
    async fn counted_plan(&self) -> (String, BTreeMap<(String, String), u64>) {
        let upstream = format!("127.0.0.1:{}", self.moto.port).parse().unwrap();
        let proxy = Proxy::start(upstream, ProxyConfig::default()).await;
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_fuelflow"))
            .current_dir(self.dir.path())
            .args(["plan", "--env", "test", "--detailed-exitcode"])
            .envs(self.moto.env())
            .env("AWS_ENDPOINT_URL", proxy.endpoint())
            .env("NO_COLOR", "1")
            .env_remove("AWS_PROFILE")
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        (stdout(&out), proxy.stats.snapshot())
    }

    fn expect(&self, code: i32, args: &[&str]) -> String {
        let out = fuelflow(self.dir.path(), args, Some(&self.moto));
        assert_eq!(
            out.status.code(),
            Some(code),
            "fuelflow {}\n{}\n{}",
            args.join(" "),
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// `plan --json` as (logical id, action, changed properties, reason) per change.
    fn planned(&self) -> Vec<(String, String, Vec<String>, Option<String>)> {
        let json = self.expect(0, &["plan", "--env", "test", "--json"]);
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let props = c["properties"].as_array().unwrap();
                let paths = props
                    .iter()
                    .map(|p| p["path"].as_str().unwrap().to_string());
                (
                    c["logical_id"].as_str().unwrap().to_string(),
                    c["action"].as_str().unwrap().to_string(),
                    paths.collect(),
                    c["reason"].as_str().map(str::to_string),
                )
            })
            .collect()
    }
}

async fn code_sha(lambda: &aws_sdk_lambda::Client) -> String {
    let f = lambda.get_function_configuration().function_name(NAME);
    f.send().await.unwrap().code_sha256().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compute_tier_deploys_and_updates_exactly_what_changed() {
    let run = Run::new();
    let config = run.moto.sdk_config().await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let apigw = aws_sdk_apigateway::Client::new(&config);
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    run.expect(0, &["bootstrap", "--env", "test", "--auto-approve"]);
    run.expect(0, &["apply", "--env", "test", "--auto-approve"]);

    // Live: the proxy method invokes the function, the stage serves a deployment, API Gateway
    // may invoke the function, the alarm watches it, the log group keeps 7 days.
    let f = lambda.get_function_configuration().function_name(NAME);
    let f = f.send().await.unwrap();
    let arn = f.function_arn().unwrap().to_string();
    assert_eq!(f.runtime().unwrap().as_str(), "nodejs22.x");
    assert!(f.role().unwrap().ends_with(&format!("role/{NAME}-fn")));
    let apis = apigw.get_rest_apis().send().await.unwrap();
    let api_id = apis.items()[0].id().unwrap().to_string();
    let resources = apigw.get_resources().rest_api_id(&api_id).send().await;
    let resources = resources.unwrap();
    let proxy = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/{proxy+}"))
        .expect("proxy resource");
    let method = apigw
        .get_method()
        .rest_api_id(&api_id)
        .resource_id(proxy.id().unwrap())
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    let integration = method.method_integration().unwrap();
    assert_eq!(integration.r#type().unwrap().as_str(), "AWS_PROXY");
    assert_eq!(
        integration.uri(),
        Some(
            &format!(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
            )[..]
        )
    );
    let stage = apigw.get_stage().rest_api_id(&api_id).stage_name("test");
    let deployment_id = stage
        .send()
        .await
        .unwrap()
        .deployment_id()
        .unwrap()
        .to_string();
    let deployments = apigw.get_deployments().rest_api_id(&api_id).send().await;
    assert_eq!(deployments.unwrap().items().len(), 1);
    let policy = lambda
        .get_policy()
        .function_name(NAME)
        .send()
        .await
        .unwrap();
    assert!(
        policy
            .policy()
            .unwrap()
            .contains("apigateway.amazonaws.com")
    );
    let alarms = aws_sdk_cloudwatch::Client::new(&config).describe_alarms();
    let alarms = alarms.alarm_names(format!("{NAME}-errors")).send().await;
    let alarm = alarms.unwrap().metric_alarms()[0].clone();
    assert_eq!(alarm.dimensions()[0].value(), Some(NAME));
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix(format!("/aws/lambda/{NAME}"));
    let groups = groups.send().await.unwrap();
    assert_eq!(groups.log_groups()[0].retention_in_days(), Some(7));

    let plan = run.expect(0, &["plan", "--env", "test", "--detailed-exitcode"]);
    assert!(plan.contains("No changes"), "{plan}");

    // One source file edited: exactly one update, of the function's code. The method and its
    // integration URI (the function's ARN) do not change, so no redeploy is planned: an
    // AWS_PROXY integration calls the function's latest code.
    let before = code_sha(&lambda).await;
    let source = run.dir.path().join("fn/lib/greeting.js");
    std::fs::write(&source, "exports.greeting = () => \"hello again\";\n").unwrap();
    let plan = run.expect(2, &["plan", "--env", "test", "--detailed-exitcode"]);
    assert!(
        plan.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{plan}"
    );
    assert_eq!(
        run.planned(),
        [(
            "Function".to_string(),
            "update".to_string(),
            vec!["Code".to_string()],
            None
        )]
    );
    run.expect(0, &["apply", "--env", "test", "--auto-approve"]);
    let after = code_sha(&lambda).await;
    assert_ne!(before, after, "new CodeSha256");
    let stage = apigw.get_stage().rest_api_id(&api_id).stage_name("test");
    assert_eq!(
        stage.send().await.unwrap().deployment_id(),
        Some(&deployment_id[..])
    );

    // Touching nothing plans nothing (a rewrite with the same bytes and a new mtime included).
    std::fs::write(&source, "exports.greeting = () => \"hello again\";\n").unwrap();
    run.expect(0, &["plan", "--env", "test", "--detailed-exitcode"]);
    assert_eq!(code_sha(&lambda).await, after);

    // A new secret version out of band: the function updates so it gets the new value.
    secrets
        .put_secret_value()
        .secret_id(format!("{NAME}-api-key"))
        .secret_string(r#"{"user":"svc","key":"rotated-out-of-band-42"}"#)
        .send()
        .await
        .unwrap();
    let (plan, calls) = run.counted_plan().await;
    assert!(
        plan.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{plan}"
    );
    assert!(!plan.contains("rotated-out-of-band-42"), "{plan}");
    // The plan learned of the new version without reading any secret value.
    let secrets_calls = |action: &str| calls.get(&("secretsmanager".into(), action.into()));
    assert_eq!(secrets_calls("GetSecretValue"), None, "{calls:?}");
    assert!(secrets_calls("DescribeSecret").is_some(), "{calls:?}");
    assert_eq!(
        run.planned(),
        [(
            "Function".to_string(),
            "update".to_string(),
            vec!["Environment".to_string()],
            Some("a secret it uses has a new version".to_string())
        )]
    );
    run.expect(0, &["apply", "--env", "test", "--auto-approve"]);
    let f = lambda.get_function_configuration().function_name(NAME);
    let vars = f
        .send()
        .await
        .unwrap()
        .environment()
        .unwrap()
        .variables()
        .unwrap()
        .clone();
    assert_eq!(vars["API_KEY"], "rotated-out-of-band-42");
    run.expect(0, &["plan", "--env", "test", "--detailed-exitcode"]);

    run.expect(0, &["destroy", "--env", "test", "--auto-approve"]);
    assert!(
        lambda
            .get_function()
            .function_name(NAME)
            .send()
            .await
            .is_err()
    );
    let apis = apigw.get_rest_apis().send().await.unwrap();
    assert!(apis.items().is_empty());
}
