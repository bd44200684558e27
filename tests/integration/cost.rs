//! `fuelflow cost` reproduces the platform's reference budget (../shared/seed) within 10% with the
//! repository's usage assumptions: dev ≈ $17/month, prod ≈ $96/month for the seed's resources;
//! what issue 16 added (VPC endpoints, the production enhancements) is asserted line by line on
//! top of that baseline.

use std::process::Command;

fn estimate(env: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_fuelflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["cost", "--env", env, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn line(e: &serde_json::Value, item: &str) -> f64 {
    e["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item"] == item)
        .unwrap_or_else(|| panic!("no line {item}"))["monthly_usd"]
        .as_f64()
        .unwrap()
}

/// The seed's resource types (../shared/seed), and `-` for data transfer: the reference budget.
const SEED_TYPES: &[&str] = &[
    "AWS::Lambda::Function",
    "AWS::ApiGateway::RestApi",
    "AWS::RDS::DBInstance",
    "AWS::S3::Bucket",
    "AWS::DynamoDB::Table",
    "AWS::SecretsManager::Secret",
    "AWS::CloudWatch::Alarm",
    "AWS::Logs::LogGroup",
    "-",
];

/// The total of the seed's lines only.
fn seed_total(e: &serde_json::Value) -> f64 {
    let lines = e["lines"].as_array().unwrap();
    lines
        .iter()
        .filter(|l| SEED_TYPES.contains(&l["resource_type"].as_str().unwrap()))
        .map(|l| l["monthly_usd"].as_f64().unwrap())
        .sum()
}

/// Both environments: the S3 gateway endpoint is free, the Secrets Manager interface endpoint
/// costs 2 AZ x 730 h x $0.01, and no NAT gateway (off by default) is priced.
fn network_lines(e: &serde_json::Value) {
    assert_eq!(line(e, "network.S3Endpoint"), 0.0);
    assert!(within(
        line(e, "network.SecretsManagerEndpoint"),
        14.60,
        0.001
    ));
    let lines = e["lines"].as_array().unwrap();
    assert!(
        !lines
            .iter()
            .any(|l| l["resource_type"] == "AWS::EC2::NatGateway"),
        "{lines:?}"
    );
}

fn within(actual: f64, reference: f64, share: f64) -> bool {
    (actual - reference).abs() <= reference * share
}

#[test]
fn dev_matches_the_reference_budget() {
    let e = estimate("dev");
    let seed = seed_total(&e);
    assert!(within(seed, 17.0, 0.10), "dev seed total {seed}");
    network_lines(&e);
    // dev adds nothing else to the seed: $17.23 + $14.60.
    let total = e["total_usd"].as_f64().unwrap();
    assert!(within(total, 31.83, 0.005), "dev total {total}");
    assert!(
        within(line(&e, "database.Database"), 13.14, 0.01),
        "db.t3.micro single-AZ"
    );
    assert!(within(line(&e, "api.Api"), 3.50, 0.01), "1M REST requests");
    assert!(line(&e, "database.DatabaseSecret") == 0.40);
    // dev stays cheap: the prod enhancements are not in it.
    let lines = e["lines"].as_array().unwrap();
    for prod_only in ["iam.DataKey", "api.ApiWebAcl"] {
        assert!(!lines.iter().any(|l| l["item"] == prod_only), "{prod_only}");
    }
}

#[test]
fn prod_matches_the_reference_budget() {
    let e = estimate("prod");
    let seed = seed_total(&e);
    assert!(within(seed, 96.0, 0.10), "prod seed total {seed}");
    network_lines(&e);
    assert!(
        within(line(&e, "database.Database"), 52.56, 0.01),
        "db.t3.small Multi-AZ"
    );
    assert!(within(line(&e, "api.Api"), 35.0, 0.01), "10M REST requests");
    assert!(within(line(&e, "data transfer out"), 5.0, 0.05));
}

/// The network of issue 16 in both environments: the S3 gateway endpoint is free, the Secrets
/// Manager interface endpoint costs 2 AZ x 730 h x $0.01, and no NAT gateway (off by default)
/// is priced; dev's total is the seed's $17.23 and that $14.60.
#[test]
fn both_environments_price_the_vpc_endpoints_and_no_nat_gateway() {
    for env in ["dev", "prod"] {
        let e = estimate(env);
        assert_eq!(line(&e, "network.S3Endpoint"), 0.0, "{env}");
        let interface = line(&e, "network.SecretsManagerEndpoint");
        assert!(within(interface, 14.60, 0.001), "{env}: {interface}");
        let lines = e["lines"].as_array().unwrap();
        let priced = |t: &str| lines.iter().any(|l| l["resource_type"] == t);
        assert!(
            !priced("AWS::EC2::NatGateway") && !priced("AWS::EC2::EIP"),
            "{env}"
        );
    }
    let total = estimate("dev")["total_usd"].as_f64().unwrap();
    assert!(within(total, 31.83, 0.005), "dev total {total}");
}

/// The production enhancements of issue 16, each on its own line: prod is the seed's budget,
/// the VPC endpoint and these.
#[test]
fn prod_prices_each_enhancement_on_its_own_line() {
    let e = estimate("prod");
    // $1 a month + (100k S3 + 10k Secrets Manager requests) x $0.03 per 10k.
    let key = line(&e, "iam.DataKey");
    assert!(within(key, 1.33, 0.01), "KMS key {key}");
    // $5 a month + 3 rules x $1 + 10M requests x $0.60 per million.
    let acl = line(&e, "api.ApiWebAcl");
    assert!(within(acl, 14.0, 0.01), "WAF web ACL {acl}");
    let total = e["total_usd"].as_f64().unwrap();
    let expected = seed_total(&e) + 14.60 + key + acl;
    assert!(within(total, expected, 0.001), "prod total {total}");
    // Multi-AZ doubles the instance: 2 x 730 h x $0.036.
    assert!(within(line(&e, "database.Database"), 52.56, 0.01));
}
