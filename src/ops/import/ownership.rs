//! The ownership tags (`fuelflow:stack`, `fuelflow:logical-id`) put on an imported resource, so
//! it is found by them like the resources fuelflow creates. One tagging call per service: the
//! handlers' `update` deliberately never touches `fuelflow:` tags (a template cannot remove
//! them), so there is no generic path through it. Tags already on the resource stay.
//!
//! Covered: S3 buckets, IAM roles and managed policies, Lambda functions, API Gateway REST APIs,
//! RDS instances and subnet groups, EC2 VPCs, subnets, security groups, internet and NAT
//! gateways, route tables and VPC endpoints, Secrets Manager secrets, DynamoDB tables,
//! CloudWatch log groups, SQS queues, SNS topics, KMS keys, SSM parameters. Other types are
//! recorded untagged.

use crate::resources::{Attributes, Ctx, ResourceError, Result, sdk_error};

/// Tags the resource; `Ok(None)` when fuelflow does not tag this type.
pub(in crate::ops) async fn tag(
    ctx: &Ctx,
    resource_type: &str,
    physical_id: &str,
    attributes: &Attributes,
) -> Result<Option<()>> {
    let tags = ctx.ownership_tags();
    let c = &ctx.clients;
    let arn = |service: &str, resource: &str| {
        attribute(attributes, "Arn").unwrap_or_else(|| {
            format!(
                "arn:{}:{service}:{}:{}:{resource}",
                partition(&ctx.region),
                ctx.region,
                ctx.account_id
            )
        })
    };
    match resource_type {
        "AWS::S3::Bucket" => s3(ctx, physical_id).await?,
        "AWS::IAM::Role" => {
            let tags = tags
                .iter()
                .map(|(k, v)| iam_tag(k, v))
                .collect::<Result<_>>()?;
            c.iam()
                .tag_role()
                .role_name(physical_id)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("iam:TagRole", e))?;
        }
        "AWS::IAM::ManagedPolicy" => {
            let tags = tags
                .iter()
                .map(|(k, v)| iam_tag(k, v))
                .collect::<Result<_>>()?;
            c.iam()
                .tag_policy()
                .policy_arn(physical_id)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("iam:TagPolicy", e))?;
        }
        "AWS::Lambda::Function" => {
            c.lambda()
                .tag_resource()
                .resource(arn("lambda", &format!("function:{physical_id}")))
                .set_tags(Some(tags.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("lambda:TagResource", e))?;
        }
        "AWS::ApiGateway::RestApi" => {
            let arn = format!(
                "arn:{}:apigateway:{}::/restapis/{physical_id}",
                partition(&ctx.region),
                ctx.region
            );
            c.apigateway()
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:TagResource", e))?;
        }
        "AWS::RDS::DBInstance" | "AWS::RDS::DBSubnetGroup" => {
            let kind = if resource_type == "AWS::RDS::DBInstance" {
                "db"
            } else {
                "subgrp"
            };
            let arn = attribute(attributes, "DBInstanceArn")
                .or_else(|| attribute(attributes, "DBSubnetGroupArn"))
                .unwrap_or_else(|| arn("rds", &format!("{kind}:{physical_id}")));
            let tags = tags
                .iter()
                .map(|(k, v)| aws_sdk_rds::types::Tag::builder().key(k).value(v).build())
                .collect();
            c.rds()
                .add_tags_to_resource()
                .resource_name(arn)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("rds:AddTagsToResource", e))?;
        }
        "AWS::EC2::VPC"
        | "AWS::EC2::Subnet"
        | "AWS::EC2::SecurityGroup"
        | "AWS::EC2::InternetGateway"
        | "AWS::EC2::RouteTable"
        | "AWS::EC2::NatGateway"
        | "AWS::EC2::VPCEndpoint" => {
            let tags = tags
                .iter()
                .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
                .collect();
            c.ec2()
                .create_tags()
                .resources(physical_id)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("ec2:CreateTags", e))?;
        }
        "AWS::SecretsManager::Secret" => {
            let tags = tags
                .iter()
                .map(|(k, v)| {
                    aws_sdk_secretsmanager::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                })
                .collect();
            c.secretsmanager()
                .tag_resource()
                .secret_id(physical_id)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("secretsmanager:TagResource", e))?;
        }
        "AWS::DynamoDB::Table" => {
            let tags = tags
                .iter()
                .map(|(k, v)| {
                    aws_sdk_dynamodb::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                        .map_err(|e| ResourceError::new("InvalidTag", e.to_string()))
                })
                .collect::<Result<_>>()?;
            c.dynamodb()
                .tag_resource()
                .resource_arn(arn("dynamodb", &format!("table/{physical_id}")))
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("dynamodb:TagResource", e))?;
        }
        "AWS::Logs::LogGroup" => {
            // The log group's `Arn` attribute ends with `:*`, which TagResource refuses.
            let arn = arn("logs", &format!("log-group:{physical_id}"));
            c.logs()
                .tag_resource()
                .resource_arn(arn.trim_end_matches(":*"))
                .set_tags(Some(tags.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("logs:TagResource", e))?;
        }
        "AWS::SQS::Queue" => {
            c.sqs()
                .tag_queue()
                .queue_url(physical_id)
                .set_tags(Some(tags.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("sqs:TagQueue", e))?;
        }
        "AWS::SNS::Topic" => {
            let tags = tags
                .iter()
                .map(|(k, v)| {
                    aws_sdk_sns::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                        .map_err(|e| ResourceError::new("InvalidTag", e.to_string()))
                })
                .collect::<Result<_>>()?;
            c.sns()
                .tag_resource()
                .resource_arn(physical_id)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("sns:TagResource", e))?;
        }
        "AWS::KMS::Key" => {
            let tags = tags
                .iter()
                .map(|(k, v)| {
                    aws_sdk_kms::types::Tag::builder()
                        .tag_key(k)
                        .tag_value(v)
                        .build()
                        .map_err(|e| ResourceError::new("InvalidTag", e.to_string()))
                })
                .collect::<Result<_>>()?;
            c.kms()
                .tag_resource()
                .key_id(physical_id)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("kms:TagResource", e))?;
        }
        "AWS::SSM::Parameter" => {
            let tags = tags
                .iter()
                .map(|(k, v)| {
                    aws_sdk_ssm::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                        .map_err(|e| ResourceError::new("InvalidTag", e.to_string()))
                })
                .collect::<Result<_>>()?;
            c.ssm()
                .add_tags_to_resource()
                .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
                .resource_id(physical_id)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("ssm:AddTagsToResource", e))?;
        }
        _ => return Ok(None),
    }
    Ok(Some(()))
}

/// S3 keeps one tag set per bucket: the ownership tags are added to the tags it has.
async fn s3(ctx: &Ctx, bucket: &str) -> Result<()> {
    use aws_sdk_s3::types::{Tag, Tagging};
    let s3 = ctx.clients.s3();
    let mut tags: Vec<(String, String)> = match s3.get_bucket_tagging().bucket(bucket).send().await
    {
        Ok(out) => out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        Err(e) if e.as_service_error().and_then(|s| s.meta().code()) == Some("NoSuchTagSet") => {
            Vec::new()
        }
        Err(e) => return Err(sdk_error("s3:GetBucketTagging", e)),
    };
    tags.retain(|(k, _)| !k.starts_with("fuelflow:"));
    tags.extend(ctx.ownership_tags());
    let set = tags
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| ResourceError::new("InvalidTag", e.to_string()))?;
    let tagging = Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .map_err(|e| ResourceError::new("InvalidTag", e.to_string()))?;
    s3.put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| sdk_error("s3:PutBucketTagging", e))?;
    Ok(())
}

fn iam_tag(key: &str, value: &str) -> Result<aws_sdk_iam::types::Tag> {
    aws_sdk_iam::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .map_err(|e| ResourceError::new("InvalidTag", e.to_string()))
}

fn attribute(attributes: &Attributes, name: &str) -> Option<String> {
    attributes
        .get(name)
        .and_then(|v| v.as_str())
        .filter(|s| s.starts_with("arn:"))
        .map(str::to_string)
}

/// The ARN partition of a region.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}
