//! `import --from-terraform STATEFILE`: the `aws_*` resources of a Terraform state (format v4)
//! matched to the template's resources of the same type: by physical name (the template's
//! `BucketName`, `RoleName`... equal to the state's `bucket`, `name`...), else, for the types
//! whose id AWS generates (VPC, subnet, gateways, KMS key, REST API...), by the Terraform
//! resource name equal to the logical id (`aws_vpc.main` and `Main`, case and `_`/`-` aside).

use super::{ImportItem, Unmatched};
use crate::plan::run::known_props;
use crate::template::stack::Stack;
use serde_json::Value as Json;

/// The largest state file read (bigger ones are refused before parsing).
pub const MAX_STATE_BYTES: u64 = 64 * 1024 * 1024;

/// Terraform type -> (fuelflow type, attribute holding the name the template sets, attribute
/// holding what `Ref` returns).
const TYPES: &[(&str, &str, &str, &str)] = &[
    ("aws_s3_bucket", "AWS::S3::Bucket", "bucket", "bucket"),
    ("aws_iam_role", "AWS::IAM::Role", "name", "name"),
    ("aws_iam_policy", "AWS::IAM::ManagedPolicy", "name", "arn"),
    (
        "aws_lambda_function",
        "AWS::Lambda::Function",
        "function_name",
        "function_name",
    ),
    (
        "aws_api_gateway_rest_api",
        "AWS::ApiGateway::RestApi",
        "name",
        "id",
    ),
    (
        "aws_db_instance",
        "AWS::RDS::DBInstance",
        "identifier",
        "identifier",
    ),
    (
        "aws_db_subnet_group",
        "AWS::RDS::DBSubnetGroup",
        "name",
        "name",
    ),
    (
        "aws_security_group",
        "AWS::EC2::SecurityGroup",
        "name",
        "id",
    ),
    ("aws_vpc", "AWS::EC2::VPC", "", "id"),
    ("aws_subnet", "AWS::EC2::Subnet", "", "id"),
    (
        "aws_secretsmanager_secret",
        "AWS::SecretsManager::Secret",
        "name",
        "arn",
    ),
    ("aws_dynamodb_table", "AWS::DynamoDB::Table", "name", "name"),
    (
        "aws_cloudwatch_log_group",
        "AWS::Logs::LogGroup",
        "name",
        "name",
    ),
    ("aws_sqs_queue", "AWS::SQS::Queue", "name", "url"),
    ("aws_sns_topic", "AWS::SNS::Topic", "name", "arn"),
    ("aws_kms_key", "AWS::KMS::Key", "", "key_id"),
    ("aws_ssm_parameter", "AWS::SSM::Parameter", "name", "name"),
    (
        "aws_internet_gateway",
        "AWS::EC2::InternetGateway",
        "",
        "id",
    ),
    ("aws_route_table", "AWS::EC2::RouteTable", "", "id"),
    ("aws_nat_gateway", "AWS::EC2::NatGateway", "", "id"),
    ("aws_vpc_endpoint", "AWS::EC2::VPCEndpoint", "", "id"),
];

/// One managed resource instance of the state.
#[derive(Debug, Clone, PartialEq)]
pub struct TfResource {
    /// `aws_s3_bucket.assets` (with its module and index when it has them).
    pub address: String,
    pub tf_type: String,
    pub name: String,
    pub attributes: serde_json::Map<String, Json>,
}

/// Parses a Terraform state (v4): its managed resources' instances.
pub fn parse(bytes: &[u8]) -> Result<Vec<TfResource>, String> {
    let state: Json =
        serde_json::from_slice(bytes).map_err(|e| format!("not a Terraform state (JSON): {e}"))?;
    match state.get("version").and_then(Json::as_u64) {
        Some(4) => {}
        Some(v) => {
            return Err(format!(
                "Terraform state version {v} is not supported (only 4, Terraform 0.12 and later)"
            ));
        }
        None => return Err("not a Terraform state: no `version`".into()),
    }
    let mut found = Vec::new();
    for r in state["resources"].as_array().into_iter().flatten() {
        if r["mode"].as_str() != Some("managed") {
            continue; // data sources are not managed by anyone
        }
        let (Some(tf_type), Some(name)) = (r["type"].as_str(), r["name"].as_str()) else {
            continue;
        };
        let module = r["module"]
            .as_str()
            .map(|m| format!("{m}."))
            .unwrap_or_default();
        for instance in r["instances"].as_array().into_iter().flatten() {
            let index = match &instance["index_key"] {
                Json::Null => String::new(),
                key => format!("[{key}]"),
            };
            found.push(TfResource {
                address: format!("{module}{tf_type}.{name}{index}"),
                tf_type: tf_type.to_string(),
                name: name.to_string(),
                attributes: instance["attributes"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }
    Ok(found)
}

/// The fuelflow type of a Terraform type, when fuelflow maps it.
pub fn fuelflow_type(tf_type: &str) -> Option<&'static str> {
    TYPES.iter().find(|t| t.0 == tf_type).map(|t| t.1)
}

/// Matches the state's resources to `stack`'s: the items to import, and what did not match.
pub fn resolve(
    resources: &[TfResource],
    stack: &Stack,
    registry: &crate::resources::Registry,
) -> (Vec<ImportItem>, Vec<Unmatched>) {
    let mut items: Vec<ImportItem> = Vec::new();
    let mut unmatched = Vec::new();
    for r in resources {
        let miss = |reason: String| Unmatched {
            id: r.address.clone(),
            resource_type: r.tf_type.clone(),
            reason,
        };
        let Some(&(_, cfn_type, name_attr, id_attr)) = TYPES.iter().find(|t| t.0 == r.tf_type)
        else {
            unmatched.push(miss("fuelflow does not map this Terraform type".into()));
            continue;
        };
        let text = |attr: &str| {
            r.attributes
                .get(attr)
                .and_then(Json::as_str)
                .map(str::to_string)
        };
        let Some(physical_id) = text(id_attr).or_else(|| text("id")) else {
            unmatched.push(miss(format!("the state has no `{id_attr}`")));
            continue;
        };
        let live_name = (!name_attr.is_empty()).then(|| text(name_attr)).flatten();
        let by_name = live_name.as_deref().and_then(|name| {
            stack.resources.values().find(|e| {
                e.resource_type == cfn_type
                    && registry
                        .get(cfn_type)
                        .and_then(|h| h.name_property())
                        .and_then(|p| known_props(&e.properties).get(p).cloned())
                        .is_some_and(|v| v.as_str() == Some(name))
            })
        });
        let by_logical_id = || {
            stack
                .resources
                .values()
                .find(|e| e.resource_type == cfn_type && same_name(&e.logical_id, &r.name))
        };
        match by_name.or_else(by_logical_id) {
            Some(e) if items.iter().any(|i| i.logical_id == e.logical_id) => {
                unmatched.push(miss(format!(
                    "{} is matched by another resource of the state",
                    e.logical_id
                )))
            }
            Some(e) => items.push(ImportItem {
                logical_id: e.logical_id.clone(),
                physical_id,
            }),
            None => unmatched.push(miss(match live_name {
                Some(name) => format!(
                    "no {cfn_type} of the template is named `{name}` or has the logical id `{}`",
                    r.name
                ),
                None => format!(
                    "no {cfn_type} of the template has the logical id `{}`",
                    r.name
                ),
            })),
        }
    }
    (items, unmatched)
}

/// `main` and `Main`, `app_logs` and `AppLogs`: the same name.
fn same_name(logical_id: &str, tf_name: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    norm(logical_id) == norm(tf_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn managed_instances_are_read_with_their_address_and_data_sources_are_not() {
        let state = json!({
            "version": 4,
            "resources": [
                {"mode": "managed", "type": "aws_s3_bucket", "name": "assets", "provider": "p",
                 "instances": [{"attributes": {"id": "b1", "bucket": "b1"}}]},
                {"mode": "managed", "type": "aws_subnet", "name": "private", "module": "module.net",
                 "instances": [{"index_key": 0, "attributes": {"id": "subnet-1"}},
                               {"index_key": 1, "attributes": {"id": "subnet-2"}}]},
                {"mode": "data", "type": "aws_caller_identity", "name": "me",
                 "instances": [{"attributes": {}}]}
            ]
        });
        let found = parse(state.to_string().as_bytes()).unwrap();
        let addresses: Vec<&str> = found.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            addresses,
            [
                "aws_s3_bucket.assets",
                "module.net.aws_subnet.private[0]",
                "module.net.aws_subnet.private[1]"
            ]
        );
        assert_eq!(found[1].attributes["id"], json!("subnet-1"));
    }

    #[test]
    fn other_state_versions_and_non_json_are_refused() {
        let v3 = parse(br#"{"version": 3, "modules": []}"#).unwrap_err();
        assert!(v3.contains("version 3 is not supported"), "{v3}");
        assert!(
            parse(b"not json")
                .unwrap_err()
                .contains("not a Terraform state")
        );
    }

    #[test]
    fn names_match_across_case_and_separators() {
        assert!(same_name("AppLogs", "app_logs"));
        assert!(same_name("Main", "main"));
        assert!(!same_name("Main", "other"));
        assert_eq!(
            fuelflow_type("aws_iam_policy"),
            Some("AWS::IAM::ManagedPolicy")
        );
        assert_eq!(fuelflow_type("aws_instance"), None);
    }
}
