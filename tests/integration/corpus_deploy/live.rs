//! What the services say about one recorded resource, asked through the SDK (never through the
//! handler's own `read`): `None` when it is gone, else a few of its properties under their
//! CloudFormation names (strings as the API answers them, documents as JSON).

use aws_config::SdkConfig;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub logical_id: String,
    pub resource_type: String,
    pub physical_id: String,
    pub properties: Value,
}

/// The resources of one stack from `state show` JSON.
pub fn recorded(stack: &Value) -> Vec<Recorded> {
    let Some(resources) = stack["resources"].as_object() else {
        return Vec::new();
    };
    resources
        .iter()
        .map(|(logical_id, r)| Recorded {
            logical_id: logical_id.clone(),
            resource_type: r["resource_type"].as_str().unwrap_or_default().to_string(),
            physical_id: r["physical_id"].as_str().unwrap_or_default().to_string(),
            properties: r["properties"].clone(),
        })
        .collect()
}

/// A property as text: a string as is, a list of one string as that string, else JSON.
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

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    Value::Array(items.into_iter().map(|s| json!(s)).collect())
}

/// An IAM policy document as IAM returns it (URL-encoded JSON).
fn iam_document(text: &str) -> Value {
    let decoded = percent_decode(text);
    serde_json::from_str(&decoded).unwrap_or(Value::String(decoded))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The live view of `r`; panics for a type this file has no check for (add one).
pub async fn read(config: &SdkConfig, r: &Recorded) -> Option<Value> {
    let id = r.physical_id.as_str();
    let service = r.resource_type.split("::").nth(1).unwrap_or_default();
    match service {
        "SNS" => sns(config, r).await,
        "SQS" => sqs(config, r).await,
        "SSM" => ssm(config, id).await,
        "KMS" => kms(config, r).await,
        "IAM" => iam(config, r).await,
        "Lambda" => lambda(config, r).await,
        "Events" => events(config, id).await,
        "StepFunctions" => state_machine(config, id).await,
        "ApiGateway" => api_gateway(config, r).await,
        _ => other(config, r).await,
    }
}

async fn sns(config: &SdkConfig, r: &Recorded) -> Option<Value> {
    let sns = aws_sdk_sns::Client::new(config);
    let id = r.physical_id.as_str();
    match r.resource_type.as_str() {
        "AWS::SNS::Topic" => {
            let a = sns.get_topic_attributes().topic_arn(id).send().await.ok()?;
            let mut live: Map<String, Value> = a
                .attributes()?
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            live.insert("TopicName".into(), json!(id.rsplit(':').next()));
            let subs = sns
                .list_subscriptions_by_topic()
                .topic_arn(id)
                .send()
                .await
                .ok()?;
            let subs: Vec<Value> = subs
                .subscriptions()
                .iter()
                .map(|s| json!({"Protocol": s.protocol(), "Endpoint": s.endpoint()}))
                .collect();
            live.insert("Subscription".into(), Value::Array(subs));
            let tags = sns
                .list_tags_for_resource()
                .resource_arn(id)
                .send()
                .await
                .ok()?;
            let tags: Map<String, Value> = tags
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), json!(t.value())))
                .collect();
            live.insert("Tags".into(), Value::Object(tags));
            Some(Value::Object(live))
        }
        "AWS::SNS::Subscription" => {
            let a = sns
                .get_subscription_attributes()
                .subscription_arn(id)
                .send()
                .await
                .ok()?;
            Some(json!(a.attributes()?))
        }
        "AWS::SNS::TopicPolicy" => {
            let topic = id.split(',').next()?;
            let a = sns
                .get_topic_attributes()
                .topic_arn(topic)
                .send()
                .await
                .ok()?;
            let policy = a.attributes()?.get("Policy")?;
            let policy: Value = serde_json::from_str(policy).ok()?;
            // Delete puts back the default policy (its `Id` is `__default_policy_ID`).
            (policy["Id"] != "__default_policy_ID").then(|| json!({"PolicyDocument": policy}))
        }
        t => panic!("no live check for {t}"),
    }
}

async fn queue_attributes(config: &SdkConfig, url: &str) -> Option<Map<String, Value>> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let a = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .ok()?;
    Some(
        a.attributes()?
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), json!(v)))
            .collect(),
    )
}

async fn sqs(config: &SdkConfig, r: &Recorded) -> Option<Value> {
    let id = r.physical_id.as_str();
    match r.resource_type.as_str() {
        "AWS::SQS::Queue" => {
            let mut live = queue_attributes(config, id).await?;
            live.insert("QueueName".into(), json!(id.rsplit('/').next()));
            let sqs = aws_sdk_sqs::Client::new(config);
            let tags = sqs.list_queue_tags().queue_url(id).send().await.ok()?;
            live.insert("Tags".into(), json!(tags.tags()));
            Some(Value::Object(live))
        }
        "AWS::SQS::QueuePolicy" => {
            let live = queue_attributes(config, id.split(',').next()?).await?;
            let policy = live.get("Policy")?.as_str()?;
            let policy: Value = serde_json::from_str(policy).ok()?;
            Some(json!({"PolicyDocument": policy}))
        }
        t => panic!("no live check for {t}"),
    }
}

async fn ssm(config: &SdkConfig, name: &str) -> Option<Value> {
    let ssm = aws_sdk_ssm::Client::new(config);
    let p = ssm.get_parameter().name(name).send().await.ok()?;
    let p = p.parameter()?;
    let described = ssm
        .describe_parameters()
        .parameter_filters(
            aws_sdk_ssm::types::ParameterStringFilter::builder()
                .key("Name")
                .values(name)
                .build()
                .ok()?,
        )
        .send()
        .await
        .ok()?;
    let meta = described.parameters().first();
    let tags = ssm
        .list_tags_for_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .ok()?;
    let tags: Map<String, Value> = tags
        .tag_list()
        .iter()
        .map(|t| (t.key().to_string(), json!(t.value())))
        .collect();
    Some(json!({
        "Type": p.r#type().map(|t| t.as_str()),
        "Value": p.value(),
        "Description": meta.and_then(|m| m.description()),
        "AllowedPattern": meta.and_then(|m| m.allowed_pattern()),
        "Tier": meta.and_then(|m| m.tier()).map(|t| t.as_str()),
        "Tags": tags,
    }))
}

async fn kms(config: &SdkConfig, r: &Recorded) -> Option<Value> {
    let kms = aws_sdk_kms::Client::new(config);
    let id = r.physical_id.as_str();
    match r.resource_type.as_str() {
        "AWS::KMS::Key" => {
            let d = kms.describe_key().key_id(id).send().await.ok()?;
            let m = d.key_metadata()?;
            let state = m.key_state().map(|s| s.as_str().to_string());
            if state.as_deref() == Some("PendingDeletion") {
                return None;
            }
            let rotation = kms.get_key_rotation_status().key_id(id).send().await;
            let policy = kms
                .get_key_policy()
                .key_id(id)
                .policy_name("default")
                .send();
            let policy = policy.await.ok();
            let policy = policy
                .as_ref()
                .and_then(|p| p.policy())
                .and_then(|p| serde_json::from_str::<Value>(p).ok());
            Some(json!({
                "Enabled": m.enabled(),
                "KeyState": state,
                "KeyUsage": m.key_usage().map(|u| u.as_str()),
                "KeySpec": m.key_spec().map(|s| s.as_str()),
                "Description": m.description(),
                "EnableKeyRotation": rotation.ok().map(|r| r.key_rotation_enabled()),
                "KeyPolicy": policy,
            }))
        }
        "AWS::KMS::Alias" => {
            let aliases = kms.list_aliases().send().await.ok()?;
            let alias = aliases
                .aliases()
                .iter()
                .find(|a| a.alias_name() == Some(id))?;
            Some(json!({"AliasName": alias.alias_name(), "TargetKeyId": alias.target_key_id()}))
        }
        t => panic!("no live check for {t}"),
    }
}

async fn iam(config: &SdkConfig, r: &Recorded) -> Option<Value> {
    let iam = aws_sdk_iam::Client::new(config);
    let id = r.physical_id.as_str();
    match r.resource_type.as_str() {
        "AWS::IAM::Role" => {
            let role = iam.get_role().role_name(id).send().await.ok()?;
            let role = role.role()?;
            let attached = iam
                .list_attached_role_policies()
                .role_name(id)
                .send()
                .await
                .ok()?;
            let inline = iam.list_role_policies().role_name(id).send().await.ok()?;
            Some(json!({
                "Path": role.path(),
                "MaxSessionDuration": role.max_session_duration(),
                "AssumeRolePolicyDocument":
                    role.assume_role_policy_document().map(iam_document),
                "ManagedPolicyArns": strings(
                    attached.attached_policies().iter().filter_map(|p| p.policy_arn())
                ),
                "Policies": strings(inline.policy_names().iter().map(String::as_str)),
            }))
        }
        "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" => {
            let name = match prop(r, "PolicyName") {
                n if n.is_empty() => id.to_string(),
                n => n,
            };
            let role = match prop(r, "RoleName") {
                n if n.is_empty() => prop(r, "Roles"),
                n => n,
            };
            let user = prop(r, "Users");
            let document = if !role.is_empty() {
                let p = iam
                    .get_role_policy()
                    .role_name(role)
                    .policy_name(&name)
                    .send()
                    .await
                    .ok()?;
                p.policy_document().to_string()
            } else {
                let p = iam
                    .get_user_policy()
                    .user_name(user)
                    .policy_name(&name)
                    .send()
                    .await
                    .ok()?;
                p.policy_document().to_string()
            };
            Some(json!({"PolicyName": name, "PolicyDocument": iam_document(&document)}))
        }
        "AWS::IAM::User" => {
            let user = iam.get_user().user_name(id).send().await.ok()?;
            let user = user.user()?;
            Some(json!({"UserName": user.user_name(), "Path": user.path()}))
        }
        "AWS::IAM::InstanceProfile" => {
            let p = iam
                .get_instance_profile()
                .instance_profile_name(id)
                .send()
                .await
                .ok()?;
            let p = p.instance_profile()?;
            Some(json!({
                "Path": p.path(),
                "Roles": strings(p.roles().iter().map(|r| r.role_name())),
            }))
        }
        "AWS::IAM::OIDCProvider" => {
            let p = iam
                .get_open_id_connect_provider()
                .open_id_connect_provider_arn(id)
                .send()
                .await
                .ok()?;
            Some(json!({
                "Url": p.url(),
                "ClientIdList": strings(p.client_id_list().iter().map(String::as_str)),
                "ThumbprintList": strings(p.thumbprint_list().iter().map(String::as_str)),
            }))
        }
        t => panic!("no live check for {t}"),
    }
}

async fn lambda(config: &SdkConfig, r: &Recorded) -> Option<Value> {
    let lambda = aws_sdk_lambda::Client::new(config);
    let id = r.physical_id.as_str();
    match r.resource_type.as_str() {
        "AWS::Lambda::Function" | "AWS::Lambda::Version" => {
            let c = lambda
                .get_function_configuration()
                .function_name(id)
                .send()
                .await
                .ok()?;
            let concurrency = lambda.get_function_concurrency().function_name(id).send();
            let reserved = concurrency
                .await
                .ok()
                .and_then(|c| c.reserved_concurrent_executions());
            Some(json!({
                "FunctionName": c.function_name(),
                "Version": c.version(),
                "Description": c.description(),
                "Runtime": c.runtime().map(|r| r.as_str()),
                "Handler": c.handler(),
                "Role": c.role(),
                "TracingConfig": c.tracing_config().and_then(|t| t.mode()).map(|m| m.as_str()),
                "ReservedConcurrentExecutions": reserved,
                "Layers": strings(c.layers().iter().filter_map(|l| l.arn())),
            }))
        }
        "AWS::Lambda::Alias" => {
            // arn:aws:lambda:<region>:<account>:function:<name>:<alias>
            let mut parts = id.rsplitn(3, ':');
            let (alias, function) = (parts.next()?, parts.next()?);
            let a = lambda
                .get_alias()
                .function_name(function)
                .name(alias)
                .send()
                .await
                .ok()?;
            Some(json!({"Name": a.name(), "FunctionVersion": a.function_version()}))
        }
        "AWS::Lambda::Permission" => {
            let policy = lambda
                .get_policy()
                .function_name(prop(r, "FunctionName"))
                .send()
                .await
                .ok()?;
            let policy: Value = serde_json::from_str(policy.policy()?).ok()?;
            let statement = policy["Statement"]
                .as_array()?
                .iter()
                .find(|s| s["Sid"] == id)?
                .clone();
            Some(json!({"Statement": statement}))
        }
        "AWS::Lambda::EventSourceMapping" => {
            let m = lambda
                .get_event_source_mapping()
                .uuid(id)
                .send()
                .await
                .ok()?;
            Some(json!({
                "BatchSize": m.batch_size(),
                "EventSourceArn": m.event_source_arn(),
                "FunctionArn": m.function_arn(),
                "State": m.state(),
            }))
        }
        t => panic!("no live check for {t}"),
    }
}

async fn events(config: &SdkConfig, id: &str) -> Option<Value> {
    let events = aws_sdk_eventbridge::Client::new(config);
    // The physical id is the rule name, or its ARN (`.../rule/[bus/]name`).
    let name = id.rsplit('/').next()?;
    let bus = id
        .split(":rule/")
        .nth(1)
        .and_then(|rest| rest.rsplit_once('/'))
        .map(|(bus, _)| bus.to_string());
    let mut describe = events.describe_rule().name(name);
    let mut targets = events.list_targets_by_rule().rule(name);
    if let Some(bus) = &bus {
        describe = describe.event_bus_name(bus);
        targets = targets.event_bus_name(bus);
    }
    let rule = describe.send().await.ok()?;
    let targets = targets.send().await.ok()?;
    Some(json!({
        "Name": rule.name(),
        "State": rule.state().map(|s| s.as_str()),
        "EventPattern": rule.event_pattern().and_then(|p| serde_json::from_str::<Value>(p).ok()),
        "Targets": targets
            .targets()
            .iter()
            .map(|t| json!({"Id": t.id(), "Arn": t.arn()}))
            .collect::<Vec<_>>(),
    }))
}

async fn state_machine(config: &SdkConfig, arn: &str) -> Option<Value> {
    let sfn = aws_sdk_sfn::Client::new(config);
    let m = sfn.describe_state_machine().state_machine_arn(arn);
    let m = m.send().await.ok()?;
    let logging = m.logging_configuration();
    Some(json!({
        "Name": m.name(),
        "Type": m.r#type().as_str(),
        "Definition": serde_json::from_str::<Value>(m.definition()).ok(),
        "LoggingConfiguration": {"Level": logging.and_then(|l| l.level()).map(|l| l.as_str())},
        "TracingConfiguration": {"Enabled": m.tracing_configuration().map(|t| t.enabled())},
    }))
}

async fn api_gateway(config: &SdkConfig, r: &Recorded) -> Option<Value> {
    let api = aws_sdk_apigateway::Client::new(config);
    let id = r.physical_id.as_str();
    let rest = prop(r, "RestApiId");
    match r.resource_type.as_str() {
        "AWS::ApiGateway::RestApi" => {
            let a = api.get_rest_api().rest_api_id(id).send().await.ok()?;
            Some(json!({"Name": a.name()}))
        }
        "AWS::ApiGateway::Method" => {
            let m = api
                .get_method()
                .rest_api_id(rest)
                .resource_id(prop(r, "ResourceId"))
                .http_method(prop(r, "HttpMethod"))
                .send()
                .await
                .ok()?;
            Some(
                json!({"HttpMethod": m.http_method(), "AuthorizationType": m.authorization_type()}),
            )
        }
        "AWS::ApiGateway::Deployment" => {
            let d = api
                .get_deployment()
                .rest_api_id(rest)
                .deployment_id(id)
                .send()
                .await
                .ok()?;
            Some(json!({"Description": d.description()}))
        }
        "AWS::ApiGateway::Stage" => {
            let s = api
                .get_stage()
                .rest_api_id(rest)
                .stage_name(id)
                .send()
                .await
                .ok()?;
            Some(json!({"StageName": s.stage_name(), "DeploymentId": s.deployment_id()}))
        }
        "AWS::ApiGateway::UsagePlan" => {
            let p = api.get_usage_plan().usage_plan_id(id).send().await.ok()?;
            Some(json!({
                "UsagePlanName": p.name(),
                "Quota": p.quota().map(|q| json!({"Limit": q.limit(), "Period": q.period().map(|p| p.as_str())})),
                "ApiStages": p.api_stages().iter().map(|s| json!({"ApiId": s.api_id(), "Stage": s.stage()})).collect::<Vec<_>>(),
                "Tags": p.tags(),
            }))
        }
        t => panic!("no live check for {t}"),
    }
}

async fn other(config: &SdkConfig, r: &Recorded) -> Option<Value> {
    let id = r.physical_id.as_str();
    match r.resource_type.as_str() {
        "AWS::S3::Bucket" => {
            let s3 = fuelflow::aws::s3_client(config);
            s3.head_bucket().bucket(id).send().await.ok()?;
            let encryption = s3.get_bucket_encryption().bucket(id).send().await.ok();
            let sse = encryption.as_ref().and_then(|e| {
                let rule = e.server_side_encryption_configuration()?.rules().first()?;
                let default = rule.apply_server_side_encryption_by_default()?;
                Some(json!({
                    "SSEAlgorithm": default.sse_algorithm().as_str(),
                    "KMSMasterKeyID": default.kms_master_key_id(),
                }))
            });
            let versioning = crate::support::s3::live_versioning(&s3, id).await;
            Some(json!({
                "BucketName": id,
                "Encryption": sse,
                "Versioning": versioning,
            }))
        }
        "AWS::S3::BucketPolicy" => {
            let s3 = fuelflow::aws::s3_client(config);
            let p = s3
                .get_bucket_policy()
                .bucket(prop(r, "Bucket"))
                .send()
                .await
                .ok()?;
            let policy: Value = serde_json::from_str(p.policy()?).ok()?;
            Some(json!({"PolicyDocument": policy}))
        }
        "AWS::DynamoDB::Table" => {
            let ddb = aws_sdk_dynamodb::Client::new(config);
            let t = ddb.describe_table().table_name(id).send().await.ok()?;
            let t = t.table()?;
            Some(json!({
                "KeySchema": t.key_schema().iter().map(|k| json!({
                    "AttributeName": k.attribute_name(),
                    "KeyType": k.key_type().as_str(),
                })).collect::<Vec<_>>(),
                "ReadCapacityUnits": t.provisioned_throughput().and_then(|p| p.read_capacity_units()),
            }))
        }
        "AWS::CloudWatch::Alarm" => {
            let cw = aws_sdk_cloudwatch::Client::new(config);
            let d = cw.describe_alarms().alarm_names(id).send().await.ok()?;
            let a = d.metric_alarms().first()?;
            Some(json!({
                "MetricName": a.metric_name(),
                "Namespace": a.namespace(),
                "Threshold": a.threshold(),
                "AlarmActions": strings(a.alarm_actions().iter().map(String::as_str)),
            }))
        }
        "AWS::Logs::LogGroup" => {
            let logs = aws_sdk_cloudwatchlogs::Client::new(config);
            let d = logs
                .describe_log_groups()
                .log_group_name_prefix(id)
                .send()
                .await
                .ok()?;
            let g = d
                .log_groups()
                .iter()
                .find(|g| g.log_group_name() == Some(id))?;
            Some(json!({"LogGroupName": id, "RetentionInDays": g.retention_in_days()}))
        }
        t => panic!("no live check for {t}"),
    }
}
