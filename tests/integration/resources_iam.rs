//! The IAM handlers against moto: every claim about the live role or policy is checked with the
//! SDK directly, not only through the handler's own `read`.

use crate::support;
use crate::support::handlers::{self, assert_no_drift, props};

use crate::support::MotoServer;
use fuelflow::resources::compare::equivalent;
use fuelflow::resources::{Ctx, Handler, handler};
use serde_json::{Value, json};

async fn ctx(logical_id: &str) -> Ctx {
    handlers::ctx_on(MotoServer::shared(), "test-stack", logical_id).await
}

fn h(type_name: &str) -> &'static dyn Handler {
    handler(type_name).expect("a handler")
}

fn trust(service: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": [service]}, "Action": "sts:AssumeRole"
    }]})
}

fn allow(action: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
}

/// A policy document as IAM returns it (percent-encoded JSON).
fn decode(text: &str) -> Value {
    let mut bytes = Vec::new();
    let mut i = 0;
    let raw = text.as_bytes();
    while i < raw.len() {
        if raw[i] == b'%' {
            bytes.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    serde_json::from_slice(&bytes).unwrap()
}

const LAMBDA_BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

async fn boundary(ctx: &Ctx) -> String {
    let out = ctx
        .clients
        .iam()
        .create_policy()
        .policy_name(support::unique("ff-boundary"))
        .policy_document(allow("s3:*").to_string())
        .send()
        .await
        .unwrap();
    out.policy().unwrap().arn().unwrap().to_owned()
}

#[tokio::test]
async fn role_create_read_update_drift_delete() {
    let ctx = ctx("AppRole").await;
    let role = h("AWS::IAM::Role");
    assert_eq!(role.name_property(), Some("RoleName"));
    assert_eq!(role.name_rules(), (64, false));
    let iam = ctx.clients.iam();
    let name = support::unique("ff-role");
    let desired = props(json!({
        "RoleName": name,
        "AssumeRolePolicyDocument": trust("lambda.amazonaws.com"),
        "Path": "/app/",
        "Description": "runs the app",
        "MaxSessionDuration": 7200,
        "PermissionsBoundary": boundary(&ctx).await,
        "Policies": [
            {"PolicyName": "logs", "PolicyDocument": allow("logs:PutLogEvents")},
            {"PolicyName": "bucket", "PolicyDocument": allow("s3:GetObject")}
        ],
        "ManagedPolicyArns": [LAMBDA_BASIC],
        "Tags": [{"Key": "team", "Value": "fuel"}]
    }));

    let created = role.create(&ctx, &desired).await.expect("create");
    assert_eq!(created.physical_id, name);
    assert_eq!(
        created.attributes["Arn"],
        json!(format!("arn:aws:iam::123456789012:role/app/{name}"))
    );
    assert!(
        created.attributes["RoleId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );

    // The live role, seen through the SDK.
    let live_role = iam
        .get_role()
        .role_name(&name)
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(live_role.path(), "/app/");
    assert_eq!(live_role.max_session_duration(), Some(7200));
    assert!(equivalent(
        &desired["AssumeRolePolicyDocument"],
        &decode(live_role.assume_role_policy_document().unwrap())
    ));
    let tags: Vec<(&str, &str)> = live_role
        .tags()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    assert!(
        tags.contains(&("team", "fuel")) && tags.contains(&("fuelflow:logical-id", "AppRole")),
        "{tags:?}"
    );
    let inline = iam
        .list_role_policies()
        .role_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(inline.policy_names().len(), 2);
    let attached = iam
        .list_attached_role_policies()
        .role_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(LAMBDA_BASIC)
    );

    let live = role
        .read(&ctx, &name, &desired)
        .await
        .unwrap()
        .expect("exists");
    assert_no_drift(&desired, &live.properties);
    assert_eq!(live.attributes, created.attributes);

    // Update in place: description, one policy changed, one dropped, one added, managed swapped.
    let mut updated = desired.clone();
    updated["Description"] = json!("runs the app v2");
    updated["Policies"] = json!([
        {"PolicyName": "logs", "PolicyDocument": allow("logs:*")},
        {"PolicyName": "queue", "PolicyDocument": allow("sqs:SendMessage")}
    ]);
    updated["ManagedPolicyArns"] = json!([READ_ONLY]);
    updated["Tags"] = json!([{"Key": "team", "Value": "flow"}, {"Key": "tier", "Value": "1"}]);
    updated.remove("PermissionsBoundary");
    role.update(&ctx, &name, &desired, &updated)
        .await
        .expect("update");
    let live_role = iam
        .get_role()
        .role_name(&name)
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(live_role.description(), Some("runs the app v2"));
    assert!(live_role.permissions_boundary().is_none());
    let mut names = iam
        .list_role_policies()
        .role_name(&name)
        .send()
        .await
        .unwrap()
        .policy_names()
        .to_vec();
    names.sort();
    assert_eq!(names, ["logs", "queue"]);
    let logs = iam
        .get_role_policy()
        .role_name(&name)
        .policy_name("logs")
        .send()
        .await
        .unwrap();
    assert!(equivalent(
        &allow("logs:*"),
        &decode(logs.policy_document())
    ));
    let attached = iam
        .list_attached_role_policies()
        .role_name(&name)
        .send()
        .await
        .unwrap();
    let arns: Vec<_> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    assert_eq!(arns, [READ_ONLY]);
    let live = role.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &live.properties);

    // Drift: an inline policy deleted and a tag changed out of band; read shows it, update repairs.
    iam.delete_role_policy()
        .role_name(&name)
        .policy_name("queue")
        .send()
        .await
        .unwrap();
    iam.tag_role()
        .role_name(&name)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("hijacked")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let live = role.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_eq!(live.properties["Policies"].as_array().unwrap().len(), 1);
    assert!(!equivalent(&updated["Tags"], &live.properties["Tags"]));
    role.update(&ctx, &name, &updated, &updated)
        .await
        .expect("repair");
    let live = role.read(&ctx, &name, &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &live.properties);

    // Adopt by name.
    assert_eq!(
        role.adopt(&ctx, &updated)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(name.clone())
    );

    // Delete removes what IAM requires gone first, an instance profile membership included.
    let profile = support::unique("ff-profile");
    iam.create_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&name)
        .send()
        .await
        .unwrap();
    role.delete(&ctx, &name, &updated).await.expect("delete");
    assert!(
        iam.get_role().role_name(&name).send().await.is_err(),
        "role gone"
    );
    role.delete(&ctx, &name, &updated)
        .await
        .expect("delete again");
}

#[tokio::test]
async fn role_deleted_out_of_band_reads_as_none_but_a_fresh_one_is_retried() {
    let ctx = ctx("Gone").await;
    let role = h("AWS::IAM::Role");
    let iam = ctx.clients.iam();

    // Made by someone else (not this process): gone means gone.
    let name = support::unique("ff-gone");
    iam.create_role()
        .role_name(&name)
        .assume_role_policy_document(trust("ec2.amazonaws.com").to_string())
        .send()
        .await
        .unwrap();
    let desired =
        props(json!({"RoleName": name, "AssumeRolePolicyDocument": trust("ec2.amazonaws.com")}));
    assert!(role.read(&ctx, &name, &desired).await.unwrap().is_some());
    iam.delete_role().role_name(&name).send().await.unwrap();
    assert!(role.read(&ctx, &name, &desired).await.unwrap().is_none());
    assert_eq!(
        role.adopt(&ctx, &desired)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );

    // Created by the handler moments ago: NoSuchEntity is IAM catching up, worth a retry.
    let fresh = support::unique("ff-fresh");
    let desired =
        props(json!({"RoleName": fresh, "AssumeRolePolicyDocument": trust("ec2.amazonaws.com")}));
    role.create(&ctx, &desired).await.unwrap();
    iam.delete_role().role_name(&fresh).send().await.unwrap();
    let err = role
        .read(&ctx, &fresh, &desired)
        .await
        .expect_err("not visible yet");
    assert_eq!(err.code, "NoSuchEntity");
    assert!(err.retryable, "{err:?}");
}

#[tokio::test]
async fn role_refuses_unsupported_properties() {
    let ctx = ctx("Refused").await;
    let name = support::unique("ff-refused");
    let bad = props(
        json!({"RoleName": name, "AssumeRolePolicyDocument": trust("ec2.amazonaws.com"), "Bogus": 1}),
    );
    let err = h("AWS::IAM::Role").create(&ctx, &bad).await.unwrap_err();
    assert_eq!(err.code, "InvalidProperty");
    assert!(
        ctx.clients
            .iam()
            .get_role()
            .role_name(&name)
            .send()
            .await
            .is_err()
    );
}

async fn make_role(ctx: &Ctx) -> String {
    let name = support::unique("ff-holder");
    ctx.clients
        .iam()
        .create_role()
        .role_name(&name)
        .assume_role_policy_document(trust("ec2.amazonaws.com").to_string())
        .send()
        .await
        .unwrap();
    name
}

#[tokio::test]
async fn managed_policy_versions_attachments_and_delete() {
    let ctx = ctx("Managed").await;
    let policy = h("AWS::IAM::ManagedPolicy");
    assert_eq!(policy.name_property(), Some("ManagedPolicyName"));
    let iam = ctx.clients.iam();
    let (role_a, role_b) = (make_role(&ctx).await, make_role(&ctx).await);
    let name = support::unique("ff-managed");
    let desired = props(json!({
        "ManagedPolicyName": name,
        "Description": "app access",
        "Path": "/app/",
        "PolicyDocument": allow("s3:GetObject"),
        "Roles": [role_a]
    }));
    let created = policy.create(&ctx, &desired).await.expect("create");
    let arn = created.physical_id.clone();
    assert_eq!(arn, format!("arn:aws:iam::123456789012:policy/app/{name}"));
    assert_eq!(created.attributes["PolicyArn"], json!(arn));
    let attached = iam
        .list_attached_role_policies()
        .role_name(&role_a)
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(arn.as_str())
    );
    let live = policy
        .read(&ctx, &arn, &desired)
        .await
        .unwrap()
        .expect("exists");
    assert_no_drift(&desired, &live.properties);

    // Six document changes: each a new default version, never more than five kept.
    let mut current = desired.clone();
    for i in 0..6 {
        let mut next = current.clone();
        next["PolicyDocument"] = allow(&format!("s3:Action{i}"));
        next["Roles"] = json!([role_b]);
        policy
            .update(&ctx, &arn, &current, &next)
            .await
            .expect("update");
        current = next;
    }
    let versions = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(
        versions.versions().len() <= 5,
        "{} versions",
        versions.versions().len()
    );
    let default = versions
        .versions()
        .iter()
        .find(|v| v.is_default_version())
        .unwrap();
    let doc = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id(default.version_id().unwrap())
        .send()
        .await
        .unwrap();
    assert!(equivalent(
        &allow("s3:Action5"),
        &decode(doc.policy_version().unwrap().document().unwrap())
    ));
    assert!(
        iam.list_attached_role_policies()
            .role_name(&role_a)
            .send()
            .await
            .unwrap()
            .attached_policies()
            .is_empty()
    );
    let live = policy.read(&ctx, &arn, &current).await.unwrap().unwrap();
    assert_no_drift(&current, &live.properties);

    // Drift: detached out of band; read shows it, update repairs it.
    iam.detach_role_policy()
        .role_name(&role_b)
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let live = policy.read(&ctx, &arn, &current).await.unwrap().unwrap();
    assert_eq!(live.properties["Roles"], json!([]));
    policy.update(&ctx, &arn, &current, &current).await.unwrap();
    let live = policy.read(&ctx, &arn, &current).await.unwrap().unwrap();
    assert_no_drift(&current, &live.properties);

    assert_eq!(
        policy
            .adopt(&ctx, &current)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(arn.clone())
    );
    // Delete detaches everything and drops old versions first.
    policy.delete(&ctx, &arn, &current).await.expect("delete");
    assert!(
        iam.get_policy().policy_arn(&arn).send().await.is_err(),
        "policy gone"
    );
    assert!(
        iam.list_attached_role_policies()
            .role_name(&role_b)
            .send()
            .await
            .unwrap()
            .attached_policies()
            .is_empty()
    );
    assert!(policy.read(&ctx, &arn, &current).await.unwrap().is_none());
    policy
        .delete(&ctx, &arn, &current)
        .await
        .expect("delete again");
    assert_eq!(
        policy
            .adopt(&ctx, &current)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}

#[tokio::test]
async fn inline_policy_on_roles_users_and_groups() {
    let ctx = ctx("Inline").await;
    let policy = h("AWS::IAM::Policy");
    let iam = ctx.clients.iam();
    let (role_a, role_b) = (make_role(&ctx).await, make_role(&ctx).await);
    let user = support::unique("ff-user");
    iam.create_user().user_name(&user).send().await.unwrap();
    let group = support::unique("ff-group");
    iam.create_group().group_name(&group).send().await.unwrap();
    let name = support::unique("ff-inline");
    let desired = props(json!({
        "PolicyName": name,
        "PolicyDocument": allow("sqs:SendMessage"),
        "Roles": [role_a, role_b],
        "Users": [user],
        "Groups": [group]
    }));
    let created = policy.create(&ctx, &desired).await.expect("create");
    assert_eq!(created.physical_id, name);
    assert_eq!(created.attributes["Id"], json!(name));
    for r in [&role_a, &role_b] {
        let out = iam
            .get_role_policy()
            .role_name(r)
            .policy_name(&name)
            .send()
            .await
            .unwrap();
        assert!(equivalent(
            &allow("sqs:SendMessage"),
            &decode(out.policy_document())
        ));
    }
    iam.get_user_policy()
        .user_name(&user)
        .policy_name(&name)
        .send()
        .await
        .unwrap();
    iam.get_group_policy()
        .group_name(&group)
        .policy_name(&name)
        .send()
        .await
        .unwrap();
    let live = policy.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &live.properties);

    // Drift: deleted from one role, changed on the user.
    iam.delete_role_policy()
        .role_name(&role_b)
        .policy_name(&name)
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name(&user)
        .policy_name(&name)
        .policy_document(allow("*").to_string())
        .send()
        .await
        .unwrap();
    let live = policy.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_eq!(live.properties["Roles"], json!([role_a]));
    assert!(!equivalent(
        &desired["PolicyDocument"],
        &live.properties["PolicyDocument"]
    ));
    policy
        .update(&ctx, &name, &desired, &desired)
        .await
        .expect("repair");
    let out = iam
        .get_user_policy()
        .user_name(&user)
        .policy_name(&name)
        .send()
        .await
        .unwrap();
    assert!(equivalent(
        &allow("sqs:SendMessage"),
        &decode(out.policy_document())
    ));
    let live = policy.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &live.properties);

    // Update: the user dropped.
    let mut updated = desired.clone();
    updated.remove("Users");
    policy
        .update(&ctx, &name, &desired, &updated)
        .await
        .unwrap();
    assert!(
        iam.get_user_policy()
            .user_name(&user)
            .policy_name(&name)
            .send()
            .await
            .is_err()
    );

    assert_eq!(
        policy
            .adopt(&ctx, &updated)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(name.clone())
    );
    policy.delete(&ctx, &name, &updated).await.expect("delete");
    assert!(
        iam.get_role_policy()
            .role_name(&role_a)
            .policy_name(&name)
            .send()
            .await
            .is_err()
    );
    assert!(
        iam.get_group_policy()
            .group_name(&group)
            .policy_name(&name)
            .send()
            .await
            .is_err()
    );
    assert!(policy.read(&ctx, &name, &updated).await.unwrap().is_none());
    policy
        .delete(&ctx, &name, &updated)
        .await
        .expect("delete again");
    assert_eq!(
        policy
            .adopt(&ctx, &updated)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}

#[tokio::test]
async fn role_policy_lifecycle() {
    let ctx = ctx("RolePolicy").await;
    let policy = h("AWS::IAM::RolePolicy");
    let iam = ctx.clients.iam();
    let role = make_role(&ctx).await;
    let desired = props(json!({
        "PolicyName": "app",
        "RoleName": role,
        // CloudFormation also takes the document as a JSON string.
        "PolicyDocument": allow("dynamodb:GetItem").to_string()
    }));
    let created = policy.create(&ctx, &desired).await.expect("create");
    assert_eq!(created.physical_id, "app");
    let out = iam
        .get_role_policy()
        .role_name(&role)
        .policy_name("app")
        .send()
        .await
        .unwrap();
    assert!(equivalent(
        &allow("dynamodb:GetItem"),
        &decode(out.policy_document())
    ));
    let live = policy.read(&ctx, "app", &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &live.properties);

    let mut updated = desired.clone();
    updated["PolicyDocument"] = allow("dynamodb:*");
    policy
        .update(&ctx, "app", &desired, &updated)
        .await
        .unwrap();
    let out = iam
        .get_role_policy()
        .role_name(&role)
        .policy_name("app")
        .send()
        .await
        .unwrap();
    assert!(equivalent(
        &allow("dynamodb:*"),
        &decode(out.policy_document())
    ));

    // Drift: changed out of band, repaired.
    iam.put_role_policy()
        .role_name(&role)
        .policy_name("app")
        .policy_document(allow("*").to_string())
        .send()
        .await
        .unwrap();
    let live = policy.read(&ctx, "app", &updated).await.unwrap().unwrap();
    assert!(!equivalent(
        &updated["PolicyDocument"],
        &live.properties["PolicyDocument"]
    ));
    policy
        .update(&ctx, "app", &updated, &updated)
        .await
        .unwrap();
    let live = policy.read(&ctx, "app", &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &live.properties);

    assert_eq!(
        policy
            .adopt(&ctx, &updated)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some("app".into())
    );
    policy.delete(&ctx, "app", &updated).await.expect("delete");
    assert!(
        iam.get_role_policy()
            .role_name(&role)
            .policy_name("app")
            .send()
            .await
            .is_err()
    );
    assert!(policy.read(&ctx, "app", &updated).await.unwrap().is_none());
    policy
        .delete(&ctx, "app", &updated)
        .await
        .expect("delete again");
    assert_eq!(
        policy
            .adopt(&ctx, &updated)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}
