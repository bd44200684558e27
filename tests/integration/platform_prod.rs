//! The production enhancements (issue 16) of the repo's own platform: `plan --env prod` on a
//! fresh emulator creates the customer-managed KMS key and its alias, the WAF web ACL and its
//! association with the API stage, and reserves the function's concurrency; after `apply`, each
//! is checked live with the SDK (never through fuelflow's handlers), and the key is the one the
//! database, the app-data and backups buckets and the secret are encrypted with. dev plans none
//! of them.

use crate::platform::Platform;
use crate::platform::live::{ACCOUNT, bucket};

/// Resources only prod has, as the plan names them.
const PROD_ONLY: &[&str] = &[
    "DataKey",
    "DataKeyAlias",
    "ApiWebAcl",
    "ApiWebAclAssociation",
];

/// The line of the plan that creates `logical_id` (`+ DataKey (AWS::KMS::Key)`).
fn creates(plan: &str, logical_id: &str) -> bool {
    plan.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with('+') && l.contains(&format!(" {logical_id} ("))
    })
}

#[test]
fn dev_plans_none_of_the_prod_enhancements() {
    let p = Platform::new();
    p.expect(0, &["validate", "--strict", "--env", "dev"]);
    p.expect(0, &["bootstrap", "--env", "dev", "--auto-approve"]);
    let plan = p.expect(2, &["plan", "--env", "dev", "--detailed-exitcode"]);
    for id in PROD_ONLY {
        assert!(!creates(&plan, id), "dev plans {id}:\n{plan}");
    }
    assert!(!plan.contains("ReservedConcurrentExecutions"), "{plan}");
    assert!(
        !plan.contains("aws:kms"),
        "dev buckets stay SSE-S3:\n{plan}"
    );
}

#[tokio::test]
async fn prod_creates_the_key_the_web_acl_and_the_reserved_concurrency_live() {
    let p = Platform::new();
    p.expect(0, &["validate", "--strict", "--env", "prod"]);
    p.expect(0, &["bootstrap", "--env", "prod", "--auto-approve"]);
    let plan = p.expect(2, &["plan", "--env", "prod", "--detailed-exitcode"]);
    for id in PROD_ONLY {
        assert!(creates(&plan, id), "prod does not plan {id}:\n{plan}");
    }
    assert!(plan.contains("ReservedConcurrentExecutions: 50"), "{plan}");

    p.expect(0, &["apply", "--env", "prod", "--auto-approve"]);
    let config = p.moto.sdk_config().await;
    let key_arn = key(&config).await;
    encrypted_with(&config, &key_arn).await;
    web_acl_on_the_stage(&config).await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let concurrency = lambda
        .get_function_concurrency()
        .function_name("fuel-flow-prod-api")
        .send()
        .await
        .unwrap();
    assert_eq!(concurrency.reserved_concurrent_executions(), Some(50));
    // Applied as planned: nothing left to do.
    p.expect(0, &["plan", "--env", "prod", "--detailed-exitcode"]);
}

/// The CloudFront option of stacks/api.yaml (`EnableCdn`, off by default): a distribution whose
/// origin is the prod stage, checked live, priced by `fuelflow cost`, re-planned empty.
#[tokio::test]
async fn prod_with_the_cdn_option_puts_cloudfront_in_front_of_the_stage() {
    let p = Platform::new();
    p.set_parameter("prod", "EnableCdn", "true");
    p.expect(0, &["validate", "--strict", "--env", "prod"]);
    let cost = p.expect(0, &["cost", "--env", "prod"]);
    assert!(cost.contains("api.ApiDistribution"), "{cost}");
    p.expect(0, &["bootstrap", "--env", "prod", "--auto-approve"]);
    p.expect(0, &["apply", "--env", "prod", "--auto-approve"]);

    let config = p.moto.sdk_config().await;
    let apigw = aws_sdk_apigateway::Client::new(&config);
    let apis = apigw.get_rest_apis().send().await.unwrap();
    let api = apis
        .items()
        .iter()
        .find(|a| a.name() == Some("fuel-flow-prod-api"))
        .expect("the prod API");
    let origin = format!("{}.execute-api.us-east-1.amazonaws.com", api.id().unwrap());
    let cloudfront = aws_sdk_cloudfront::Client::new(&config);
    let list = cloudfront.list_distributions().send().await.unwrap();
    let summaries = list
        .distribution_list()
        .map(|l| l.items())
        .unwrap_or_default();
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    let id = summaries[0].id();
    let got = cloudfront
        .get_distribution_config()
        .id(id)
        .send()
        .await
        .unwrap();
    let config = got.distribution_config().unwrap();
    assert!(config.enabled());
    let origins = config.origins().unwrap().items();
    assert_eq!(origins[0].domain_name(), origin);
    assert_eq!(origins[0].origin_path(), Some("/prod"));
    let custom = origins[0].custom_origin_config().unwrap();
    assert_eq!(custom.origin_protocol_policy().as_str(), "https-only");
    let behavior = config.default_cache_behavior().unwrap();
    assert_eq!(behavior.viewer_protocol_policy().as_str(), "https-only");
    p.expect(0, &["plan", "--env", "prod", "--detailed-exitcode"]);
}

/// The alias names an enabled, rotating, customer-managed key: its ARN.
async fn key(config: &aws_config::SdkConfig) -> String {
    let kms = aws_sdk_kms::Client::new(config);
    let aliases = kms.list_aliases().send().await.unwrap();
    let alias = aliases
        .aliases()
        .iter()
        .find(|a| a.alias_name() == Some("alias/fuel-flow-prod-data"))
        .expect("the data key's alias");
    let key_id = alias.target_key_id().unwrap();
    let meta = kms.describe_key().key_id(key_id).send().await.unwrap();
    let meta = meta.key_metadata().unwrap();
    assert!(meta.enabled(), "the data key is enabled");
    assert_eq!(
        meta.key_manager().map(|m| m.as_str()),
        Some("CUSTOMER"),
        "customer-managed"
    );
    let rotation = kms.get_key_rotation_status().key_id(key_id).send().await;
    assert!(rotation.unwrap().key_rotation_enabled(), "rotation on");
    let policy = kms.get_key_policy().key_id(key_id).policy_name("default");
    let policy = policy.send().await.unwrap();
    let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"],
        format!("arn:aws:iam::{ACCOUNT}:root")
    );
    meta.arn().unwrap().to_string()
}

/// The database, the secret and the app-data and backups buckets use the data key; the logs
/// bucket stays SSE-S3.
async fn encrypted_with(config: &aws_config::SdkConfig, key_arn: &str) {
    let s3 = fuelflow::aws::s3_client(config);
    for (purpose, algorithm, key) in [
        ("app-data", "aws:kms", Some(key_arn)),
        ("backups", "aws:kms", Some(key_arn)),
        ("logs", "AES256", None),
    ] {
        let name = bucket("prod", purpose);
        let enc = s3
            .get_bucket_encryption()
            .bucket(&name)
            .send()
            .await
            .unwrap();
        let rules = enc.server_side_encryption_configuration.unwrap();
        let by_default = rules.rules()[0]
            .apply_server_side_encryption_by_default()
            .unwrap();
        assert_eq!(by_default.sse_algorithm().as_str(), algorithm, "{name}");
        assert_eq!(by_default.kms_master_key_id(), key, "{name}");
    }
    let secrets = aws_sdk_secretsmanager::Client::new(config);
    let secret = secrets.describe_secret().secret_id("fuel-flow-prod-db");
    let secret = secret.send().await.unwrap();
    assert_eq!(secret.kms_key_id(), Some(key_arn), "the secret's key");
    let rds = aws_sdk_rds::Client::new(config);
    let db = rds
        .describe_db_instances()
        .db_instance_identifier("fuel-flow-prod-db")
        .send()
        .await
        .unwrap();
    let db = &db.db_instances()[0];
    assert_eq!(db.storage_encrypted(), Some(true));
    assert_eq!(db.kms_key_id(), Some(key_arn), "the database's key");
    assert_eq!(db.multi_az(), Some(true));
}

/// The web ACL (two AWS managed rule groups and a rate limit) is the one on the prod stage.
async fn web_acl_on_the_stage(config: &aws_config::SdkConfig) {
    let apigw = aws_sdk_apigateway::Client::new(config);
    let apis = apigw.get_rest_apis().send().await.unwrap();
    let api = apis
        .items()
        .iter()
        .find(|a| a.name() == Some("fuel-flow-prod-api"))
        .expect("the prod API");
    let stage = format!(
        "arn:aws:apigateway:us-east-1::/restapis/{}/stages/prod",
        api.id().unwrap()
    );
    let waf = aws_sdk_wafv2::Client::new(config);
    let on_stage = waf.get_web_acl_for_resource().resource_arn(&stage);
    let on_stage = on_stage.send().await.unwrap();
    let acl = on_stage.web_acl().expect("a web ACL on the prod stage");
    assert_eq!(acl.name(), "fuel-flow-prod-api");
    assert!(acl.default_action().unwrap().allow().is_some());
    let rules = acl.rules();
    let managed: Vec<&str> = rules
        .iter()
        .filter_map(|r| r.statement()?.managed_rule_group_statement())
        .map(|m| m.name())
        .collect();
    assert_eq!(
        managed,
        [
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet"
        ]
    );
    let rate = rules
        .iter()
        .find_map(|r| Some((r, r.statement()?.rate_based_statement()?)))
        .expect("a rate-based rule");
    assert_eq!(rate.1.limit(), 2000);
    assert!(rate.0.action().unwrap().block().is_some(), "blocks");
}
