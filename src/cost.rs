//! Monthly cost estimates from a dated list-price table and the environment's usage assumptions.
//!
//! Prices: AWS public on-demand list prices for us-east-1 (`aws.amazon.com/<service>/pricing`),
//! as published in November 2025. The always-free tiers (Lambda's 1M requests and 400,000 GB-s,
//! CloudWatch's 10 alarms) are applied once per environment, as for one environment per account.
//! Not included: RDS storage and backup storage, taxes, and anything the usage assumptions do
//! not describe.

use crate::template::Value;
use crate::template::stack::Stack;
use indexmap::IndexMap;
use serde::Serialize;

pub const PRICES_AS_OF: &str = "2025-11 (us-east-1 on-demand list prices)";

const LAMBDA_PER_MILLION_REQUESTS: f64 = 0.20;
const LAMBDA_PER_GB_SECOND: f64 = 0.000_016_666_7;
const API_GATEWAY_REST_PER_MILLION: f64 = 3.50;
const S3_STANDARD_PER_GB_MONTH: f64 = 0.023;
const S3_PER_THOUSAND_REQUESTS: f64 = 0.0004;
const DYNAMODB_PER_MILLION_REQUESTS: f64 = 1.25;
const SECRET_PER_MONTH: f64 = 0.40;
const ALARM_PER_MONTH: f64 = 0.10;
const LOGS_PER_GB_INGESTED: f64 = 0.50;
/// A customer-managed KMS key, and the requests the services make with it.
const KMS_KEY_PER_MONTH: f64 = 1.00;
const KMS_PER_10K_REQUESTS: f64 = 0.03;
/// A WAF web ACL, each of its rules, and the requests it inspects.
const WAF_WEB_ACL_PER_MONTH: f64 = 5.00;
const WAF_RULE_PER_MONTH: f64 = 1.00;
const WAF_PER_MILLION_REQUESTS: f64 = 0.60;
const ROUTE53_HOSTED_ZONE_PER_MONTH: f64 = 0.50;
/// CloudFront: HTTPS requests, and data out to the internet (first 10 TB, North America and
/// Europe, which PriceClass_100 serves). The always-free tier (1 TB, 10M requests) is not applied.
const CLOUDFRONT_PER_10K_HTTPS_REQUESTS: f64 = 0.0075;
const CLOUDFRONT_PER_GB_OUT: f64 = 0.085;
const DATA_TRANSFER_OUT_PER_GB: f64 = 0.09;
const HOURS_PER_MONTH: f64 = 730.0;
/// VPC interface endpoints: per endpoint, per availability zone (subnet), per hour.
const INTERFACE_ENDPOINT_PER_AZ_HOUR: f64 = 0.01;
const NAT_GATEWAY_PER_HOUR: f64 = 0.045;
const NAT_GATEWAY_PER_GB: f64 = 0.045;
/// A public IPv4 address (an Elastic IP), per hour, attached or not.
const PUBLIC_IPV4_PER_HOUR: f64 = 0.005;
/// The data a NAT gateway processes when the usage does not say (`nat_data_gb`): the function's
/// S3 and Secrets Manager traffic goes through the endpoints, so only other egress is left.
const NAT_DATA_GB_ASSUMED: f64 = 10.0;
const LAMBDA_FREE_REQUESTS: f64 = 1_000_000.0;
const LAMBDA_FREE_GB_SECONDS: f64 = 400_000.0;
const FREE_ALARMS: f64 = 10.0;

/// On-demand hourly price of an RDS PostgreSQL instance class, single-AZ (Multi-AZ is twice).
fn rds_hourly(class: &str) -> Option<f64> {
    Some(match class {
        "db.t3.micro" => 0.018,
        "db.t3.small" => 0.036,
        "db.t3.medium" => 0.072,
        "db.t3.large" => 0.145,
        "db.t4g.micro" => 0.016,
        "db.t4g.small" => 0.032,
        "db.t4g.medium" => 0.065,
        "db.m5.large" => 0.178,
        "db.m6g.large" => 0.159,
        "db.r5.large" => 0.25,
        _ => return None,
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Line {
    /// `stack.LogicalId`, or a name for costs not tied to one resource (data transfer).
    pub item: String,
    pub resource_type: String,
    pub monthly_usd: f64,
    /// How it was computed, in words.
    pub basis: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Estimate {
    pub lines: Vec<Line>,
    pub total_usd: f64,
    pub prices_as_of: &'static str,
}

/// One resource to price: its name, type and (evaluated or recorded) properties.
pub struct Priced {
    pub item: String,
    pub resource_type: String,
    pub properties: Value,
}

/// Estimates the monthly cost of `stacks` with `usage` (the environment's assumptions).
pub fn estimate(stacks: &[Stack], usage: &IndexMap<String, f64>) -> Estimate {
    let resources: Vec<Priced> = stacks
        .iter()
        .flat_map(|s| {
            s.resources.values().map(|r| Priced {
                item: format!("{}.{}", s.id.key, r.logical_id),
                resource_type: r.resource_type.clone(),
                properties: r.properties.clone(),
            })
        })
        .collect();
    estimate_resources(&resources, usage)
}

/// Estimates the monthly cost of `resources` with `usage`; usage is shared among the resources
/// of a type (two functions share the requests).
pub fn estimate_resources(resources: &[Priced], usage: &IndexMap<String, f64>) -> Estimate {
    let u = |key: &str| usage.get(key).copied().unwrap_or(0.0);
    let count = |t: &str| {
        resources
            .iter()
            .filter(|r| r.resource_type == t)
            .count()
            .max(1) as f64
    };
    let mut lines = Vec::new();
    {
        for r in resources {
            let item = r.item.clone();
            let mut line = |usd: f64, basis: String| {
                lines.push(Line {
                    item: item.clone(),
                    resource_type: r.resource_type.clone(),
                    monthly_usd: usd,
                    basis,
                })
            };
            match r.resource_type.as_str() {
                "AWS::Lambda::Function" => {
                    let functions = count("AWS::Lambda::Function");
                    let requests = u("lambda_requests_per_month") / functions;
                    let memory_gb = number(&r.properties, "MemorySize")
                        .unwrap_or(u("lambda_memory_mb").max(128.0))
                        / 1024.0;
                    let seconds = u("lambda_avg_duration_ms") / 1000.0;
                    let billed_requests = (requests - LAMBDA_FREE_REQUESTS / functions).max(0.0);
                    let gb_seconds = requests * seconds * memory_gb;
                    let billed_gb_s = (gb_seconds - LAMBDA_FREE_GB_SECONDS / functions).max(0.0);
                    let usd = billed_requests / 1e6 * LAMBDA_PER_MILLION_REQUESTS
                        + billed_gb_s * LAMBDA_PER_GB_SECOND;
                    line(
                        usd,
                        format!(
                            "{} requests, {:.0} GB-s",
                            human(requests),
                            requests * seconds * memory_gb
                        ),
                    );
                }
                "AWS::ApiGateway::RestApi" => {
                    let requests = u("api_requests_per_month") / count("AWS::ApiGateway::RestApi");
                    line(
                        requests / 1e6 * API_GATEWAY_REST_PER_MILLION,
                        format!("{} REST requests", human(requests)),
                    );
                }
                "AWS::RDS::DBInstance" => {
                    let class = text(&r.properties, "DBInstanceClass").unwrap_or_default();
                    let multi_az = text(&r.properties, "MultiAZ").is_some_and(|m| m == "true");
                    match rds_hourly(&class) {
                        Some(hourly) => {
                            let usd = hourly * HOURS_PER_MONTH * if multi_az { 2.0 } else { 1.0 };
                            line(
                                usd,
                                format!(
                                    "{class} {}, {HOURS_PER_MONTH} h",
                                    if multi_az { "Multi-AZ" } else { "single-AZ" }
                                ),
                            );
                        }
                        None => line(0.0, format!("{class}: no price in the table")),
                    }
                }
                "AWS::S3::Bucket" => {
                    let buckets = count("AWS::S3::Bucket");
                    let gb = u("s3_storage_gb") / buckets;
                    let requests = u("s3_requests_per_month") / buckets;
                    line(
                        gb * S3_STANDARD_PER_GB_MONTH
                            + requests / 1000.0 * S3_PER_THOUSAND_REQUESTS,
                        format!("{gb:.1} GB, {} requests", human(requests)),
                    );
                }
                "AWS::DynamoDB::Table" => {
                    let requests = u("dynamodb_requests_per_month") / count("AWS::DynamoDB::Table");
                    line(
                        requests / 1e6 * DYNAMODB_PER_MILLION_REQUESTS,
                        format!("on-demand, {} requests", human(requests)),
                    );
                }
                "AWS::SecretsManager::Secret" => line(SECRET_PER_MONTH, "1 secret".into()),
                "AWS::KMS::Key" => {
                    // S3 (without bucket keys) and Secrets Manager call KMS on each request.
                    let requests = (u("s3_requests_per_month") + u("secret_api_calls_per_month"))
                        / count("AWS::KMS::Key");
                    line(
                        KMS_KEY_PER_MONTH + requests / 1e4 * KMS_PER_10K_REQUESTS,
                        format!("1 key, {} requests", human(requests)),
                    );
                }
                "AWS::WAFv2::WebACL" => {
                    let rules = match &r.properties {
                        Value::Map(map) => match map.get("Rules") {
                            Some(Value::List(rules)) => rules.len(),
                            _ => 0,
                        },
                        _ => 0,
                    };
                    let requests = u("api_requests_per_month") / count("AWS::WAFv2::WebACL");
                    line(
                        WAF_WEB_ACL_PER_MONTH
                            + rules as f64 * WAF_RULE_PER_MONTH
                            + requests / 1e6 * WAF_PER_MILLION_REQUESTS,
                        format!("1 web ACL, {rules} rules, {} requests", human(requests)),
                    );
                }
                "AWS::Route53::HostedZone" => {
                    line(ROUTE53_HOSTED_ZONE_PER_MONTH, "1 hosted zone".into())
                }
                // The API's requests and answers go through the distribution.
                "AWS::CloudFront::Distribution" => {
                    let share = count("AWS::CloudFront::Distribution");
                    let (requests, gb) = (
                        u("api_requests_per_month") / share,
                        u("data_transfer_gb") / share,
                    );
                    line(
                        requests / 1e4 * CLOUDFRONT_PER_10K_HTTPS_REQUESTS
                            + gb * CLOUDFRONT_PER_GB_OUT,
                        format!("{} HTTPS requests, {gb} GB out", human(requests)),
                    );
                }
                "AWS::CloudWatch::Alarm" => {
                    let alarms = count("AWS::CloudWatch::Alarm");
                    let billed = (alarms - FREE_ALARMS).max(0.0) / alarms;
                    line(
                        ALARM_PER_MONTH * billed,
                        "1 standard alarm (10 free per account)".into(),
                    );
                }
                "AWS::Logs::LogGroup" => {
                    let gb = u("cloudwatch_logs_gb") / count("AWS::Logs::LogGroup");
                    line(gb * LOGS_PER_GB_INGESTED, format!("{gb:.1} GB ingested"));
                }
                "AWS::EC2::VPCEndpoint" => {
                    let (usd, basis) = vpc_endpoint(&r.properties);
                    line(usd, basis);
                }
                "AWS::EC2::NatGateway" => {
                    let gb = usage
                        .get("nat_data_gb")
                        .copied()
                        .unwrap_or(NAT_DATA_GB_ASSUMED);
                    let gateways = count("AWS::EC2::NatGateway");
                    line(
                        NAT_GATEWAY_PER_HOUR * HOURS_PER_MONTH + gb / gateways * NAT_GATEWAY_PER_GB,
                        format!(
                            "{HOURS_PER_MONTH} h, {:.0} GB processed (usage nat_data_gb{})",
                            gb / gateways,
                            if usage.contains_key("nat_data_gb") {
                                String::new()
                            } else {
                                format!(", assumed {NAT_DATA_GB_ASSUMED} GB")
                            }
                        ),
                    );
                }
                "AWS::EC2::EIP" => line(
                    PUBLIC_IPV4_PER_HOUR * HOURS_PER_MONTH,
                    format!("1 public IPv4 address, {HOURS_PER_MONTH} h"),
                ),
                _ => {}
            }
        }
    }
    if !resources
        .iter()
        .any(|r| r.resource_type == "AWS::DynamoDB::Table")
        && u("dynamodb_requests_per_month") > 0.0
    {
        let requests = u("dynamodb_requests_per_month");
        lines.push(Line {
            item: "state backend lock table".into(),
            resource_type: "AWS::DynamoDB::Table".into(),
            monthly_usd: requests / 1e6 * DYNAMODB_PER_MILLION_REQUESTS,
            basis: format!("on-demand, {} requests", human(requests)),
        });
    }
    // Behind CloudFront the data leaves through it (origin to CloudFront is free).
    let cdn = resources
        .iter()
        .any(|r| r.resource_type == "AWS::CloudFront::Distribution");
    if u("data_transfer_gb") > 0.0 && !cdn {
        lines.push(Line {
            item: "data transfer out".into(),
            resource_type: "-".into(),
            monthly_usd: u("data_transfer_gb") * DATA_TRANSFER_OUT_PER_GB,
            basis: format!("{} GB to the internet", u("data_transfer_gb")),
        });
    }
    let total_usd = lines.iter().map(|l| l.monthly_usd).sum();
    Estimate {
        lines,
        total_usd,
        prices_as_of: PRICES_AS_OF,
    }
}

/// An interface endpoint is billed per hour in each availability zone it has a subnet in; a
/// gateway endpoint (S3, DynamoDB) is free. Data processed ($0.01/GB) is not priced: the
/// function's Secrets Manager calls are a few kilobytes each.
fn vpc_endpoint(props: &Value) -> (f64, String) {
    let kind = text(props, "VpcEndpointType").unwrap_or_else(|| "Gateway".into());
    if kind != "Interface" {
        return (0.0, "gateway endpoint (free)".into());
    }
    let zones = match props {
        Value::Map(map) => match map.get("SubnetIds") {
            Some(Value::List(subnets)) => subnets.len().max(1),
            _ => 1,
        },
        _ => 1,
    };
    (
        INTERFACE_ENDPOINT_PER_AZ_HOUR * HOURS_PER_MONTH * zones as f64,
        format!("interface endpoint in {zones} AZ, {HOURS_PER_MONTH} h each"),
    )
}

fn text(props: &Value, key: &str) -> Option<String> {
    match props {
        Value::Map(map) => map.get(key).and_then(Value::to_text),
        _ => None,
    }
}

fn number(props: &Value, key: &str) -> Option<f64> {
    text(props, key).and_then(|t| t.parse().ok())
}

fn human(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

#[cfg(test)]
mod network_tests {
    use super::*;

    fn priced(resource_type: &str, properties: &[(&str, Value)]) -> Priced {
        Priced {
            item: format!("network.{resource_type}"),
            resource_type: resource_type.into(),
            properties: Value::Map(
                properties
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            ),
        }
    }

    fn usd(resources: &[Priced], usage: &IndexMap<String, f64>) -> Vec<f64> {
        let lines = estimate_resources(resources, usage).lines;
        lines
            .iter()
            .map(|l| (l.monthly_usd * 100.0).round() / 100.0)
            .collect()
    }

    #[test]
    fn interface_endpoints_are_priced_per_zone_and_gateway_endpoints_are_free() {
        let subnets = Value::List(vec![Value::String("a".into()), Value::String("b".into())]);
        let interface = priced(
            "AWS::EC2::VPCEndpoint",
            &[
                ("VpcEndpointType", Value::String("Interface".into())),
                ("SubnetIds", subnets),
            ],
        );
        let gateway = priced(
            "AWS::EC2::VPCEndpoint",
            &[("VpcEndpointType", Value::String("Gateway".into()))],
        );
        assert_eq!(usd(&[interface, gateway], &IndexMap::new()), [14.60, 0.0]);
    }

    #[test]
    fn a_nat_gateway_is_priced_by_the_hour_and_the_gigabyte_with_its_address() {
        let resources = [
            priced("AWS::EC2::NatGateway", &[]),
            priced("AWS::EC2::EIP", &[]),
        ];
        // 730 h x $0.045 + the assumed 10 GB x $0.045; the address 730 h x $0.005.
        assert_eq!(usd(&resources, &IndexMap::new()), [33.30, 3.65]);
        let usage = IndexMap::from([("nat_data_gb".to_string(), 100.0)]);
        assert_eq!(usd(&resources, &usage)[0], 37.35);
        let line = &estimate_resources(&resources, &IndexMap::new()).lines[0];
        assert!(line.basis.contains("assumed 10 GB"), "{}", line.basis);
    }
}

#[cfg(test)]
mod prod_enhancement_tests {
    use super::*;

    fn priced(resource_type: &str, properties: Value) -> Priced {
        Priced {
            item: format!("x.{resource_type}"),
            resource_type: resource_type.into(),
            properties,
        }
    }

    #[test]
    fn a_key_a_web_acl_and_a_zone_each_have_their_line() {
        let rules = Value::List(vec![Value::Map(Default::default()); 3]);
        let acl = Value::Map([("Rules".to_string(), rules)].into_iter().collect());
        let resources = [
            priced("AWS::KMS::Key", Value::Map(Default::default())),
            priced("AWS::WAFv2::WebACL", acl),
            priced("AWS::Route53::HostedZone", Value::Map(Default::default())),
        ];
        let usage = IndexMap::from([
            ("s3_requests_per_month".to_string(), 90_000.0),
            ("secret_api_calls_per_month".to_string(), 10_000.0),
            ("api_requests_per_month".to_string(), 10_000_000.0),
        ]);
        let usd: Vec<f64> = estimate_resources(&resources, &usage)
            .lines
            .iter()
            .map(|l| (l.monthly_usd * 100.0).round() / 100.0)
            .collect();
        // $1 + 100k requests x $0.03/10k; $5 + 3 rules x $1 + 10M x $0.60/M; $0.50.
        assert_eq!(usd, [1.30, 14.0, 0.50]);
    }
}

#[cfg(test)]
mod cdn_tests {
    use super::*;

    #[test]
    fn a_distribution_prices_the_requests_and_the_data_out_in_place_of_the_regional_transfer() {
        let priced = |t: &str| Priced {
            item: format!("api.{t}"),
            resource_type: t.into(),
            properties: Value::Map(Default::default()),
        };
        let usage = IndexMap::from([
            ("api_requests_per_month".to_string(), 10_000_000.0),
            ("data_transfer_gb".to_string(), 55.0),
        ]);
        let without = estimate_resources(&[priced("AWS::ApiGateway::RestApi")], &usage);
        assert!(without.lines.iter().any(|l| l.item == "data transfer out"));
        let with = estimate_resources(
            &[
                priced("AWS::ApiGateway::RestApi"),
                priced("AWS::CloudFront::Distribution"),
            ],
            &usage,
        );
        let cdn: Vec<f64> = with
            .lines
            .iter()
            .filter(|l| l.resource_type == "AWS::CloudFront::Distribution")
            .map(|l| l.monthly_usd)
            .collect();
        // 1,000 x 10k requests x $0.0075 + 55 GB x $0.085.
        assert_eq!(cdn.len(), 1);
        assert!((cdn[0] - 12.175).abs() < 1e-9, "{cdn:?}");
        assert!(!with.lines.iter().any(|l| l.item == "data transfer out"));
    }
}
