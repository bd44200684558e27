//! The seed's properties (shared/seed/ARCHITECTURE.md) checked on the live resources through the
//! SDK, one function per tier, for an environment (`dev` or `prod`).

use super::{Clients, decode_policy};
use crate::support::s3::live_versioning;
use serde_json::Value;

pub const ACCOUNT: &str = "123456789012";

pub fn bucket(env: &str, purpose: &str) -> String {
    format!("fuel-flow-{env}-{purpose}-{ACCOUNT}")
}

pub async fn buckets(c: &Clients, env: &str) {
    for purpose in ["app-data", "logs", "backups"] {
        let name = bucket(env, purpose);
        let pab = c.s3.get_public_access_block().bucket(&name).send().await;
        let pab = pab.unwrap();
        let pab = pab.public_access_block_configuration().unwrap();
        assert_eq!(
            (
                pab.block_public_acls(),
                pab.block_public_policy(),
                pab.ignore_public_acls(),
                pab.restrict_public_buckets()
            ),
            (Some(true), Some(true), Some(true), Some(true)),
            "{name}: public access block"
        );
        let enc = c.s3.get_bucket_encryption().bucket(&name).send().await;
        let rules = enc.unwrap().server_side_encryption_configuration.unwrap();
        let algorithm = rules.rules()[0]
            .apply_server_side_encryption_by_default()
            .unwrap()
            .sse_algorithm()
            .as_str()
            .to_string();
        // prod's app-data and backups buckets use the customer-managed key (platform_prod.rs).
        let kms = env == "prod" && purpose != "logs";
        let want = if kms { "aws:kms" } else { "AES256" };
        assert_eq!(algorithm, want, "{name}: encryption");
        let versioned = purpose != "logs";
        let status = live_versioning(&c.s3, &name).await;
        assert_eq!(
            status == "Enabled",
            versioned,
            "{name}: versioning {status:?}"
        );
        let lifecycle =
            c.s3.get_bucket_lifecycle_configuration()
                .bucket(&name)
                .send()
                .await
                .unwrap();
        let rule = &lifecycle.rules()[0];
        assert_eq!(rule.status().as_str(), "Enabled", "{name}: lifecycle");
        match purpose {
            "app-data" => assert_eq!(
                rule.noncurrent_version_expiration()
                    .and_then(|e| e.noncurrent_days()),
                Some(30)
            ),
            "logs" => {
                let want = if env == "prod" { 365 } else { 90 };
                assert_eq!(rule.expiration().and_then(|e| e.days()), Some(want));
                let t = &rule.transitions()[0];
                assert_eq!(t.days(), Some(30));
                assert_eq!(t.storage_class().unwrap().as_str(), "STANDARD_IA");
            }
            _ => assert_eq!(
                rule.noncurrent_version_transitions()[0]
                    .storage_class()
                    .unwrap()
                    .as_str(),
                "GLACIER"
            ),
        }
    }
}

/// Every statement of every inline policy, and the managed policy ARNs, of a role.
async fn role_policies(c: &Clients, role: &str) -> (Vec<Value>, Vec<String>) {
    let mut statements = Vec::new();
    let names = c.iam.list_role_policies().role_name(role).send().await;
    for name in names.unwrap().policy_names() {
        let doc = c
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .unwrap();
        let doc = decode_policy(doc.policy_document());
        statements.extend(one_or_many(&doc["Statement"]));
    }
    let attached = c.iam.list_attached_role_policies().role_name(role).send();
    let attached = attached
        .await
        .unwrap()
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    (statements, attached)
}

fn one_or_many(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

pub async fn roles(c: &Clients, env: &str) {
    let cases = [
        (
            "api-lambda",
            "lambda.amazonaws.com",
            "AWSLambdaVPCAccessExecutionRole",
        ),
        (
            "rds-monitoring",
            "monitoring.rds.amazonaws.com",
            "AmazonRDSEnhancedMonitoringRole",
        ),
        (
            "apigateway-logs",
            "apigateway.amazonaws.com",
            "AmazonAPIGatewayPushToCloudWatchLogs",
        ),
    ];
    for (suffix, service, managed) in cases {
        let name = format!("fuel-flow-{env}-{suffix}");
        let role = c.iam.get_role().role_name(&name).send().await.unwrap();
        let trust = decode_policy(role.role().unwrap().assume_role_policy_document().unwrap());
        let trust = one_or_many(&trust["Statement"]);
        assert_eq!(trust.len(), 1, "{name}: {trust:?}");
        assert_eq!(trust[0]["Principal"]["Service"], service, "{name}");
        assert_eq!(trust[0]["Action"], "sts:AssumeRole", "{name}");
        let (statements, attached) = role_policies(c, &name).await;
        assert!(
            attached.iter().any(|a| a.ends_with(managed)),
            "{name}: {attached:?}"
        );
        for s in &statements {
            let actions = one_or_many(&s["Action"]);
            let resources = one_or_many(&s["Resource"]);
            assert!(
                !actions.iter().any(|a| a == "*") || !resources.iter().any(|r| r == "*"),
                "{name}: `*` on `*` in {s}"
            );
            // Least privilege: every resource is one of this environment's (a KMS key's ARN
            // has no name in it: prod's data key, checked in platform_prod.rs).
            for r in resources {
                let data_key = |r: &str| env == "prod" && r.starts_with("arn:aws:kms:");
                assert!(
                    r.as_str()
                        .is_some_and(|r| r.contains(&format!("fuel-flow-{env}-")) || data_key(r)),
                    "{name}: {r} is not scoped to fuel-flow-{env}"
                );
            }
        }
        if suffix == "api-lambda" {
            let actions: Vec<Value> = statements
                .iter()
                .flat_map(|s| one_or_many(&s["Action"]))
                .collect();
            for want in [
                "s3:GetObject",
                "s3:PutObject",
                "logs:PutLogEvents",
                "secretsmanager:GetSecretValue",
            ] {
                assert!(actions.iter().any(|a| a == want), "{name}: no {want}");
            }
        }
    }
}

pub struct Network {
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub lambda_sg: String,
    pub db_sg: String,
}

fn tag_filter(key: &str, value: &str) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder()
        .name(format!("tag:{key}"))
        .values(value)
        .build()
}

fn filter(name: &str, value: &str) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder()
        .name(name)
        .values(value)
        .build()
}

/// The VPC and security groups carrying the platform's tags for `env` (empty when destroyed).
pub async fn platform_vpcs(c: &Clients, env: &str) -> Vec<aws_sdk_ec2::types::Vpc> {
    let vpcs = c
        .ec2
        .describe_vpcs()
        .filters(tag_filter("project", "fuel-flow"));
    let vpcs = vpcs.filters(tag_filter("environment", env)).send().await;
    vpcs.unwrap().vpcs().to_vec()
}

pub async fn network(c: &Clients, env: &str) -> Network {
    let vpcs = platform_vpcs(c, env).await;
    assert_eq!(vpcs.len(), 1, "one platform VPC: {vpcs:?}");
    let vpc = &vpcs[0];
    let vpc_id = vpc.vpc_id().unwrap().to_string();
    let cidr = vpc.cidr_block().unwrap().to_string();
    assert_eq!(cidr, "10.40.0.0/16");
    assert!(
        vpc.tags().iter().any(|t| t.key() == Some("fuelflow:stack")
            && t.value() == Some(&format!("fuel-flow-network-{env}")[..])),
        "ownership tags: {:?}",
        vpc.tags()
    );
    let attr = c
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&vpc_id)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(attr.enable_dns_hostnames().unwrap().value(), Some(true));
    let subnets = c
        .ec2
        .describe_subnets()
        .filters(filter("vpc-id", &vpc_id))
        .send()
        .await
        .unwrap();
    let subnets = subnets.subnets();
    assert_eq!(subnets.len(), 2);
    assert_ne!(
        subnets[0].availability_zone(),
        subnets[1].availability_zone(),
        "two AZs for the DB subnet group"
    );
    assert!(
        subnets
            .iter()
            .all(|s| s.map_public_ip_on_launch() == Some(false))
    );
    let subnet_ids = subnets
        .iter()
        .map(|s| s.subnet_id().unwrap().to_string())
        .collect();
    let group = |name: String| {
        let req = c.ec2.describe_security_groups();
        let req = req.filters(filter("group-name", &name));
        async move { req.send().await.unwrap().security_groups()[0].clone() }
    };
    let db = group(format!("fuel-flow-{env}-db")).await;
    assert_eq!(db.vpc_id(), Some(vpc_id.as_str()));
    db_rules_are_vpc_only(&db, &cidr);
    let lambda = group(format!("fuel-flow-{env}-lambda")).await;
    assert!(
        lambda.ip_permissions().is_empty(),
        "no inbound to the function"
    );
    Network {
        vpc_id,
        subnet_ids,
        lambda_sg: lambda.group_id().unwrap().to_string(),
        db_sg: db.group_id().unwrap().to_string(),
    }
}

/// 5432 from the VPC CIDR, and nothing else, reaches the database.
pub fn db_rules_are_vpc_only(sg: &aws_sdk_ec2::types::SecurityGroup, cidr: &str) {
    let rules = sg.ip_permissions();
    assert_eq!(rules.len(), 1, "{rules:?}");
    let r = &rules[0];
    assert_eq!(
        (r.ip_protocol(), r.from_port(), r.to_port()),
        (Some("tcp"), Some(5432), Some(5432))
    );
    let cidrs: Vec<_> = r.ip_ranges().iter().filter_map(|x| x.cidr_ip()).collect();
    assert_eq!(cidrs, [cidr], "{rules:?}");
    assert!(r.user_id_group_pairs().is_empty() && r.ipv6_ranges().is_empty());
}

pub struct Database {
    pub secret_arn: String,
    pub endpoint: String,
}

pub async fn database(c: &Clients, env: &str, net: &Network) -> Database {
    let name = format!("fuel-flow-{env}-db");
    let secret = c.secrets.get_secret_value().secret_id(&name).send().await;
    let secret = secret.unwrap();
    let value: Value = serde_json::from_str(secret.secret_string().unwrap()).unwrap();
    assert_eq!(value["username"], "fuelflow");
    assert_eq!(value["password"].as_str().map(str::len), Some(32));
    let db = c.rds.describe_db_instances().db_instance_identifier(&name);
    let db = db.send().await.unwrap().db_instances()[0].clone();
    assert_eq!(db.engine(), Some("postgres"));
    assert_eq!(db.storage_encrypted(), Some(true));
    assert_eq!(db.storage_type(), Some("gp3"));
    let retention = if env == "prod" { 14 } else { 7 };
    assert_eq!(db.backup_retention_period(), Some(retention));
    assert_eq!(
        db.enabled_cloudwatch_logs_exports(),
        ["postgresql", "upgrade"]
    );
    assert_eq!(db.monitoring_interval(), Some(60));
    assert_eq!(
        db.monitoring_role_arn(),
        Some(&format!("arn:aws:iam::{ACCOUNT}:role/fuel-flow-{env}-rds-monitoring")[..])
    );
    assert_eq!(db.publicly_accessible(), Some(false));
    let prod = env == "prod";
    assert_eq!(db.multi_az(), Some(prod), "Multi-AZ only in prod");
    assert_eq!(
        db.deletion_protection(),
        Some(prod),
        "protected only in prod"
    );
    let class = if prod { "db.t3.small" } else { "db.t3.micro" };
    assert_eq!(db.db_instance_class(), Some(class));
    // The master credentials are the generated secret's.
    assert_eq!(db.master_username(), value["username"].as_str());
    let groups: Vec<_> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id())
        .collect();
    assert_eq!(groups, [net.db_sg.as_str()]);
    let subnet_group = db.db_subnet_group().unwrap();
    assert_eq!(subnet_group.db_subnet_group_name(), Some(name.as_str()));
    let mut in_group: Vec<_> = subnet_group
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_identifier().map(str::to_string))
        .collect();
    in_group.sort();
    let mut subnets = net.subnet_ids.clone();
    subnets.sort();
    assert_eq!(in_group, subnets);
    Database {
        secret_arn: secret.arn().unwrap().to_string(),
        endpoint: db.endpoint().unwrap().address().unwrap().to_string(),
    }
}

pub async fn function(c: &Clients, env: &str, net: &Network, db: &Database) -> String {
    let name = format!("fuel-flow-{env}-api");
    let f = c.lambda.get_function_configuration().function_name(&name);
    let f = f.send().await.unwrap();
    assert_eq!(f.runtime().map(|r| r.as_str()), Some("nodejs22.x"));
    assert_eq!(f.handler(), Some("index.handler"));
    assert_eq!(
        f.role(),
        Some(&format!("arn:aws:iam::{ACCOUNT}:role/fuel-flow-{env}-api-lambda")[..])
    );
    let vpc = f.vpc_config().unwrap();
    let mut subnets = vpc.subnet_ids().to_vec();
    subnets.sort();
    let mut want = net.subnet_ids.clone();
    want.sort();
    assert_eq!(subnets, want, "function in the platform subnets");
    assert_eq!(vpc.security_group_ids(), [net.lambda_sg.as_str()]);
    let vars = f.environment().unwrap().variables().unwrap();
    assert_eq!(vars["DATA_BUCKET"], bucket(env, "app-data"));
    assert_eq!(vars["DB_SECRET_ARN"], db.secret_arn);
    assert_eq!(vars["DB_HOST"], db.endpoint);
    assert_eq!(vars["DB_NAME"], "fuelflow");
    assert_eq!(vars["ENVIRONMENT"], env);
    f.function_arn().unwrap().to_string()
}

pub async fn log_group_retention(c: &Clients, name: &str) -> Option<i32> {
    let groups = c.logs.describe_log_groups().log_group_name_prefix(name);
    let groups = groups.send().await.unwrap();
    let group = groups
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name));
    group.expect("log group exists").retention_in_days()
}

pub async fn log_groups(c: &Clients, env: &str) {
    let days = if env == "prod" { 90 } else { 14 };
    for name in [
        format!("/aws/lambda/fuel-flow-{env}-api"),
        format!("/aws/apigateway/fuel-flow-{env}-api/access"),
    ] {
        assert_eq!(log_group_retention(c, &name).await, Some(days), "{name}");
    }
}

pub async fn api(c: &Clients, env: &str, function_arn: &str) {
    let apis = c.apigw.get_rest_apis().send().await.unwrap();
    let api = apis
        .items()
        .iter()
        .find(|a| a.name() == Some(&format!("fuel-flow-{env}-api")[..]))
        .expect("the REST API");
    let api_id = api.id().unwrap();
    let resources = c.apigw.get_resources().rest_api_id(api_id).limit(500);
    let resources = resources.send().await.unwrap();
    let mut paths: Vec<_> = resources.items().iter().filter_map(|r| r.path()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/",
            "/deliveries",
            "/deliveries/{id}",
            "/health",
            "/items",
            "/items/{id}"
        ]
    );
    let uri = format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    );
    let methods = [
        ("/health", "GET", "NONE"),
        ("/deliveries", "GET", "AWS_IAM"),
        ("/deliveries", "POST", "AWS_IAM"),
        ("/deliveries/{id}", "GET", "AWS_IAM"),
        ("/items/{id}", "GET", "AWS_IAM"),
        ("/items/{id}", "PUT", "AWS_IAM"),
    ];
    for (path, verb, auth) in methods {
        let resource = resources.items().iter().find(|r| r.path() == Some(path));
        let m = c
            .apigw
            .get_method()
            .rest_api_id(api_id)
            .resource_id(resource.unwrap().id().unwrap())
            .http_method(verb)
            .send()
            .await
            .unwrap();
        assert_eq!(m.authorization_type(), Some(auth), "{verb} {path}");
        let integration = m.method_integration().unwrap();
        assert_eq!(
            integration.r#type().map(|t| t.as_str()),
            Some("AWS_PROXY"),
            "{verb} {path}"
        );
        assert_eq!(integration.http_method(), Some("POST"));
        assert_eq!(integration.uri(), Some(uri.as_str()), "{verb} {path}");
    }
    let stage = c.apigw.get_stage().rest_api_id(api_id).stage_name(env);
    let stage = stage.send().await.unwrap();
    assert!(stage.deployment_id().is_some());
    let logs = stage.access_log_settings().expect("access logs");
    assert_eq!(
        logs.destination_arn(),
        Some(
            &format!(
                "arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/apigateway/fuel-flow-{env}-api/access"
            )[..]
        )
    );
    assert!(
        logs.format()
            .is_some_and(|f| f.contains("$context.requestId"))
    );
    // API Gateway may invoke the function, from this API only.
    let policy = c
        .lambda
        .get_policy()
        .function_name(function_arn)
        .send()
        .await;
    let policy: Value = serde_json::from_str(policy.unwrap().policy().unwrap()).unwrap();
    let statement = &policy["Statement"][0];
    assert_eq!(
        statement["Principal"]["Service"],
        "apigateway.amazonaws.com"
    );
    assert!(statement.to_string().contains(api_id), "{statement}");
}

pub async fn alarms(c: &Clients, env: &str) {
    let prefix = format!("fuel-flow-{env}-");
    let found = c.cloudwatch.describe_alarms().alarm_name_prefix(&prefix);
    let found = found.send().await.unwrap();
    let mut thresholds: Vec<(String, f64)> = found
        .metric_alarms()
        .iter()
        .map(|a| {
            let name = a.alarm_name().unwrap().trim_start_matches(&prefix);
            (name.to_string(), a.threshold().unwrap())
        })
        .collect();
    thresholds.sort_by(|a, b| a.0.cmp(&b.0));
    let want = [
        ("api-5xx", 1.0),
        ("api-lambda-duration", 8000.0),
        ("api-lambda-error-rate", 1.0),
        ("db-cpu", 80.0),
        ("db-free-storage", 2147483648.0),
        ("lock-table-throttles", 0.0),
    ];
    let want: Vec<(String, f64)> = want.iter().map(|(n, t)| (n.to_string(), *t)).collect();
    assert_eq!(thresholds, want);
    let duration = found
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some(&format!("{prefix}api-lambda-duration")[..]))
        .unwrap();
    assert_eq!(
        duration.dimensions()[0].value(),
        Some(&format!("fuel-flow-{env}-api")[..])
    );
}
