//! Whether a recorded resource exists live, asked of the service itself through the SDK: one
//! concrete check per resource type (bucket exists, role exists, table exists, ...).

use aws_config::SdkConfig;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub resource_type: String,
    pub physical_id: String,
    pub properties: Value,
    pub attributes: Value,
}

/// The resources of one stack from `state show` JSON.
pub fn recorded(stack: &Value) -> Vec<Recorded> {
    let Some(resources) = stack["resources"].as_object() else {
        return Vec::new();
    };
    resources
        .values()
        .map(|r| Recorded {
            resource_type: r["resource_type"].as_str().unwrap_or_default().to_string(),
            physical_id: r["physical_id"].as_str().unwrap_or_default().to_string(),
            properties: r["properties"].clone(),
            attributes: r["attributes"].clone(),
        })
        .collect()
}

/// Settings rather than resources: deleting them leaves the setting, so "gone" is not checked.
pub fn is_singleton(resource_type: &str) -> bool {
    resource_type == "AWS::ApiGateway::Account"
}

fn prop(r: &Recorded, key: &str) -> String {
    match &r.properties[key] {
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

/// `Some(true)` exists, `Some(false)` gone, `None` no check for this type.
pub async fn exists(config: &SdkConfig, r: &Recorded) -> Option<bool> {
    let id = r.physical_id.as_str();
    let found = match r.resource_type.as_str() {
        "AWS::S3::Bucket" => {
            let s3 = fuelflow::aws::s3_client(config);
            s3.head_bucket().bucket(id).send().await.is_ok()
        }
        "AWS::S3::BucketPolicy" => {
            let s3 = fuelflow::aws::s3_client(config);
            let bucket = prop(r, "Bucket");
            s3.get_bucket_policy()
                .bucket(bucket)
                .send()
                .await
                .is_ok_and(|p| p.policy().is_some_and(|p| !p.is_empty()))
        }
        "AWS::IAM::Role" => {
            let iam = aws_sdk_iam::Client::new(config);
            iam.get_role().role_name(id).send().await.is_ok()
        }
        "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" => {
            let iam = aws_sdk_iam::Client::new(config);
            let role = match prop(r, "RoleName") {
                name if name.is_empty() => prop(r, "Roles"),
                name => name,
            };
            iam.get_role_policy()
                .role_name(role)
                .policy_name(prop(r, "PolicyName"))
                .send()
                .await
                .is_ok()
        }
        "AWS::IAM::ManagedPolicy" => {
            let iam = aws_sdk_iam::Client::new(config);
            iam.get_policy().policy_arn(id).send().await.is_ok()
        }
        "AWS::DynamoDB::Table" => {
            let ddb = aws_sdk_dynamodb::Client::new(config);
            ddb.describe_table().table_name(id).send().await.is_ok()
        }
        "AWS::SecretsManager::Secret" => {
            let sm = aws_sdk_secretsmanager::Client::new(config);
            let d = sm.describe_secret().secret_id(id).send().await;
            d.is_ok_and(|d| d.deleted_date().is_none())
        }
        "AWS::RDS::DBInstance" => {
            let rds = aws_sdk_rds::Client::new(config);
            let d = rds
                .describe_db_instances()
                .db_instance_identifier(id)
                .send()
                .await;
            d.is_ok_and(|d| !d.db_instances().is_empty())
        }
        "AWS::RDS::DBSubnetGroup" => {
            let rds = aws_sdk_rds::Client::new(config);
            let d = rds
                .describe_db_subnet_groups()
                .db_subnet_group_name(id)
                .send()
                .await;
            d.is_ok_and(|d| !d.db_subnet_groups().is_empty())
        }
        "AWS::EC2::SecurityGroup" => {
            let ec2 = aws_sdk_ec2::Client::new(config);
            let group = r.attributes["GroupId"].as_str().unwrap_or(id);
            let d = ec2.describe_security_groups().group_ids(group).send().await;
            d.is_ok_and(|d| !d.security_groups().is_empty())
        }
        "AWS::EC2::VPC" => {
            let ec2 = aws_sdk_ec2::Client::new(config);
            let d = ec2.describe_vpcs().vpc_ids(id).send().await;
            d.is_ok_and(|d| !d.vpcs().is_empty())
        }
        "AWS::EC2::Subnet" => {
            let ec2 = aws_sdk_ec2::Client::new(config);
            let d = ec2.describe_subnets().subnet_ids(id).send().await;
            d.is_ok_and(|d| !d.subnets().is_empty())
        }
        "AWS::Lambda::Function" => {
            let lambda = aws_sdk_lambda::Client::new(config);
            lambda.get_function().function_name(id).send().await.is_ok()
        }
        "AWS::Lambda::Permission" => {
            let lambda = aws_sdk_lambda::Client::new(config);
            let policy = lambda
                .get_policy()
                .function_name(prop(r, "FunctionName"))
                .send()
                .await;
            policy.is_ok_and(|p| p.policy().is_some_and(|p| p.contains(id)))
        }
        "AWS::Logs::LogGroup" => {
            let logs = aws_sdk_cloudwatchlogs::Client::new(config);
            let d = logs
                .describe_log_groups()
                .log_group_name_prefix(id)
                .send()
                .await;
            d.is_ok_and(|d| {
                d.log_groups()
                    .iter()
                    .any(|g| g.log_group_name() == Some(id))
            })
        }
        "AWS::CloudWatch::Alarm" => {
            let cw = aws_sdk_cloudwatch::Client::new(config);
            let d = cw.describe_alarms().alarm_names(id).send().await;
            d.is_ok_and(|d| !d.metric_alarms().is_empty())
        }
        t if t.starts_with("AWS::ApiGateway::") => return api_gateway(config, r).await,
        _ => return None,
    };
    Some(found)
}

async fn api_gateway(config: &SdkConfig, r: &Recorded) -> Option<bool> {
    let api = aws_sdk_apigateway::Client::new(config);
    let id = r.physical_id.as_str();
    let rest = prop(r, "RestApiId");
    let found = match r.resource_type.as_str() {
        "AWS::ApiGateway::RestApi" => api.get_rest_api().rest_api_id(id).send().await.is_ok(),
        "AWS::ApiGateway::Resource" => api
            .get_resource()
            .rest_api_id(rest)
            .resource_id(id)
            .send()
            .await
            .is_ok(),
        "AWS::ApiGateway::Method" => api
            .get_method()
            .rest_api_id(rest)
            .resource_id(prop(r, "ResourceId"))
            .http_method(prop(r, "HttpMethod"))
            .send()
            .await
            .is_ok(),
        "AWS::ApiGateway::Deployment" => api
            .get_deployment()
            .rest_api_id(rest)
            .deployment_id(id)
            .send()
            .await
            .is_ok(),
        "AWS::ApiGateway::Stage" => api
            .get_stage()
            .rest_api_id(rest)
            .stage_name(id)
            .send()
            .await
            .is_ok(),
        "AWS::ApiGateway::Model" => api
            .get_model()
            .rest_api_id(rest)
            .model_name(id)
            .send()
            .await
            .is_ok(),
        "AWS::ApiGateway::Account" => {
            let account = api.get_account().send().await;
            account.is_ok_and(|a| a.cloudwatch_role_arn() == Some(&prop(r, "CloudWatchRoleArn")))
        }
        _ => return None,
    };
    Some(found)
}
