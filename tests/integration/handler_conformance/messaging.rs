//! Conformance fixtures of Messaging and configuration: SQS, SNS, SSM and the other types of issue 15.

#[allow(unused_imports)]
use super::*;
use aws_sdk_sqs::types::QueueAttributeName;

impl Env {
    /// A queue: (URL, ARN). A FIFO one gets its `.fifo` name from the handler.
    async fn queue(&self, fifo: bool) -> (String, String) {
        let desired = json!({"QueueName": unique("conform-q"), "FifoQueue": fifo});
        let created = self.make("AWS::SQS::Queue", desired).await;
        (created.physical_id, text_of(&created.attributes["Arn"]))
    }

    async fn iam_group(&self) -> String {
        let desired = json!({"GroupName": unique("conform-group")});
        self.make("AWS::IAM::Group", desired).await.physical_id
    }

    async fn iam_user(&self) -> String {
        let desired = json!({"UserName": unique("conform-user")});
        self.make("AWS::IAM::User", desired).await.physical_id
    }

    async fn topic(&self) -> String {
        self.make(
            "AWS::SNS::Topic",
            json!({"TopicName": unique("conform-topic")}),
        )
        .await
        .physical_id
    }
}

fn text_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn team(value: &str) -> Value {
    json!([{"Key": "team", "Value": value}])
}

/// A resource policy letting the account's root do `action` on `resource`.
fn resource_policy(action: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": action, "Resource": resource
    }]})
}

/// The ARN of the queue at `url` (moto's account and region).
fn queue_arn(url: &str) -> String {
    let name = url.rsplit('/').next().unwrap_or_default();
    format!("arn:aws:sqs:us-east-1:123456789012:{name}")
}

/// The queue's `Policy` attribute, when it has one.
async fn queue_policy(ctx: &Ctx, url: &str) -> Option<String> {
    let out = ctx.clients.sqs().get_queue_attributes().queue_url(url);
    let out = out.attribute_names(QueueAttributeName::Policy).send().await;
    out.ok()?
        .attributes()?
        .get(&QueueAttributeName::Policy)
        .filter(|p| !p.is_empty())
        .cloned()
}

/// The topic's `Policy` attribute, when it is not the default SNS gives every topic.
async fn topic_policy(ctx: &Ctx, arn: &str) -> Option<String> {
    let out = ctx.clients.sns().get_topic_attributes().topic_arn(arn);
    let policy = out.send().await.ok()?.attributes()?.get("Policy")?.clone();
    (!policy.contains("__default_policy_ID")).then_some(policy)
}

pub(super) static FIXTURES: &[Fixture] = &[
    Fixture {
        type_name: "AWS::IAM::Group",
        desired: |_| {
            Box::pin(async move {
                props(json!({
                    "GroupName": unique("conform-group"), "Path": "/conform/",
                    "Policies": [{"PolicyName": "read", "PolicyDocument": allow("s3:GetObject")}]
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                ctx.clients
                    .iam()
                    .get_group()
                    .group_name(id)
                    .send()
                    .await
                    .is_ok()
            })
        },
        update: Update::Property("Policies", |_, _| {
            value(json!([{"PolicyName": "read", "PolicyDocument": allow("s3:ListBucket")}]))
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::IAM::InstanceProfile",
        desired: |env| {
            Box::pin(async move {
                let (role, _) = env.role("ec2.amazonaws.com").await;
                props(json!({
                    "InstanceProfileName": unique("conform-profile"), "Path": "/", "Roles": [role]
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx
                    .clients
                    .iam()
                    .get_instance_profile()
                    .instance_profile_name(id);
                out.send().await.is_ok()
            })
        },
        update: Update::Property("Roles", |env, _| {
            Box::pin(async move { json!([env.role("ec2.amazonaws.com").await.0]) })
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::IAM::OIDCProvider",
        desired: |_| {
            Box::pin(async move {
                let host = unique("oidc").to_lowercase();
                props(json!({
                    "Url": format!("https://{host}.example.com"),
                    "ClientIdList": ["sts.amazonaws.com"],
                    "ThumbprintList": ["a".repeat(40)], "Tags": team("fuel")
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.iam().get_open_id_connect_provider();
                out.open_id_connect_provider_arn(id).send().await.is_ok()
            })
        },
        // The thumbprints rather than the client ids: moto 5.2.1 has no
        // AddClientIDToOpenIDConnectProvider (the handler's call is checked through the proxy in
        // resources_iam_oidc.rs).
        update: Update::Property("ThumbprintList", |_, _| value(json!(["b".repeat(40)]))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::IAM::User",
        desired: |env| {
            Box::pin(async move {
                let group = env.iam_group().await;
                props(json!({
                    "UserName": unique("conform-user"), "Path": "/conform/", "Groups": [group],
                    "Policies": [{"PolicyName": "read", "PolicyDocument": allow("s3:GetObject")}],
                    "Tags": team("fuel")
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                ctx.clients
                    .iam()
                    .get_user()
                    .user_name(id)
                    .send()
                    .await
                    .is_ok()
            })
        },
        update: Update::Property("Tags", |_, _| value(team("flow"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::IAM::UserToGroupAddition",
        desired: |env| {
            Box::pin(async move {
                let group = env.iam_group().await;
                let user = env.iam_user().await;
                props(json!({"GroupName": group, "Users": [user]}))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let out = ctx
                    .clients
                    .iam()
                    .get_group()
                    .group_name(text(&p, "GroupName"));
                let user = p["Users"][0].as_str().unwrap_or_default().to_string();
                out.send()
                    .await
                    .is_ok_and(|o| o.users().iter().any(|u| u.user_name() == user))
            })
        },
        update: Update::Property("Users", |env, p| {
            Box::pin(async move {
                let second = env.iam_user().await;
                json!([p["Users"][0].clone(), second])
            })
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::SNS::Subscription",
        desired: |env| {
            Box::pin(async move {
                let topic = env.topic().await;
                let (_, queue) = env.queue(false).await;
                props(json!({
                    "TopicArn": topic, "Protocol": "sqs", "Endpoint": queue,
                    "RawMessageDelivery": true, "FilterPolicy": {"kind": ["order"]}
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.sns().get_subscription_attributes();
                out.subscription_arn(id).send().await.is_ok()
            })
        },
        update: Update::Property("FilterPolicy", |_, _| {
            value(json!({"kind": ["order", "refund"]}))
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::SNS::Topic",
        desired: |env| {
            Box::pin(async move {
                let (_, queue) = env.queue(false).await;
                props(json!({
                    "TopicName": unique("conform-topic"), "DisplayName": "Orders",
                    "Subscription": [{"Protocol": "sqs", "Endpoint": queue}],
                    "Tags": team("fuel")
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.sns().get_topic_attributes().topic_arn(id);
                out.send().await.is_ok()
            })
        },
        update: Update::Property("DisplayName", |_, _| value(json!("Orders and refunds"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::SNS::TopicPolicy",
        desired: |env| {
            Box::pin(async move {
                let topic = env.topic().await;
                let document = resource_policy("sns:Publish", &topic);
                props(json!({"Topics": [topic], "PolicyDocument": document}))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let topic = p["Topics"][0].as_str().unwrap_or_default().to_string();
                topic_policy(&ctx, &topic).await.is_some()
            })
        },
        update: Update::Property("PolicyDocument", |_, p| {
            let topic = p["Topics"][0].as_str().unwrap_or_default();
            value(resource_policy("sns:Subscribe", topic))
        }),
        not_read_back: &[],
        skip: &[],
    },
    // A FIFO queue (its name gets `.fifo`) with a FIFO dead-letter queue and SQS-managed
    // encryption.
    Fixture {
        type_name: "AWS::SQS::Queue",
        desired: |env| {
            Box::pin(async move {
                let (_, dlq) = env.queue(true).await;
                props(json!({
                    "QueueName": unique("conform-queue"), "FifoQueue": true,
                    "ContentBasedDeduplication": true, "VisibilityTimeout": 45,
                    "MessageRetentionPeriod": 86400, "DelaySeconds": 2,
                    "SqsManagedSseEnabled": true,
                    "RedrivePolicy": {"deadLetterTargetArn": dlq, "maxReceiveCount": 3},
                    "Tags": team("fuel")
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.sqs().get_queue_attributes().queue_url(id);
                out.send().await.is_ok()
            })
        },
        update: Update::Property("VisibilityTimeout", |_, _| value(json!(90))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::SQS::QueuePolicy",
        desired: |env| {
            Box::pin(async move {
                let (url, arn) = env.queue(false).await;
                let document = resource_policy("sqs:SendMessage", &arn);
                props(json!({"Queues": [url], "PolicyDocument": document}))
            })
        },
        exists: |ctx, _, p| {
            Box::pin(async move {
                let url = p["Queues"][0].as_str().unwrap_or_default().to_string();
                queue_policy(&ctx, &url).await.is_some()
            })
        },
        update: Update::Property("PolicyDocument", |_, p| {
            let url = p["Queues"][0].as_str().unwrap_or_default();
            value(resource_policy("sqs:ReceiveMessage", &queue_arn(url)))
        }),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::SSM::Parameter",
        desired: |_| {
            Box::pin(async move {
                props(json!({
                    "Name": format!("/conform/{}", unique("parameter")), "Type": "String",
                    "Value": "blue", "Description": "the deployment colour",
                    "Tags": {"team": "fuel"}
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.ssm().get_parameter().name(id);
                out.send().await.is_ok()
            })
        },
        update: Update::Property("Value", |_, _| value(json!("green"))),
        not_read_back: &[],
        skip: &[],
    },
];
