//! `AWS::SecretsManager::Secret` and dynamic references against moto, through the library.

use crate::support::handlers::{self, props};
use crate::support::{MotoServer, unique};
use fuelflow::resources::secretsmanager::dynamic_ref;
use fuelflow::resources::{Ctx, Handler, compare, handler};
use serde_json::{Value, json};

async fn ctx(logical_id: &str) -> Ctx {
    handlers::ctx_on(MotoServer::shared(), "test-stack", logical_id).await
}

fn secret() -> &'static dyn Handler {
    handler("AWS::SecretsManager::Secret").unwrap()
}

async fn current_value(ctx: &Ctx, id: &str) -> String {
    let out = ctx
        .clients
        .secretsmanager()
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .unwrap();
    out.secret_string.unwrap()
}

fn assert_no_value(text: &str, value: &str) {
    assert!(!text.contains(value), "secret value leaked into: {text}");
}

#[tokio::test]
async fn generated_secret_lifecycle() {
    let ctx = ctx("DbSecret").await;
    let name = unique("gen-secret");
    let desired = props(json!({
        "Name": name,
        "Description": "db credentials",
        "GenerateSecretString": {
            "SecretStringTemplate": "{\"username\": \"app\"}",
            "GenerateStringKey": "password",
            "PasswordLength": 24,
            "ExcludeCharacters": "\"@/\\",
            "ExcludePunctuation": true,
            "RequireEachIncludedType": true
        },
        "Tags": [{"Key": "team", "Value": "data"}]
    }));
    let created = secret().create(&ctx, &desired).await.unwrap();
    assert!(created.physical_id.starts_with("arn:aws:secretsmanager:"));
    assert_eq!(created.attributes["Id"], json!(created.physical_id));
    assert!(created.attributes.contains_key("VersionId"));

    // The value is in Secrets Manager, shaped as asked.
    let stored: Value =
        serde_json::from_str(&current_value(&ctx, &created.physical_id).await).unwrap();
    assert_eq!(stored["username"], "app");
    let password = stored["password"].as_str().unwrap().to_string();
    assert_eq!(password.chars().count(), 24);
    assert!(
        password.chars().all(|c| c.is_ascii_alphanumeric()),
        "{password}"
    );

    // read: the desired props hold, and neither the value nor the generator comes back.
    let live = secret()
        .read(&ctx, &created.physical_id, &desired)
        .await
        .unwrap()
        .unwrap();
    for key in ["Name", "Description", "Tags"] {
        assert!(
            compare::equivalent(&desired[key], &live.properties[key]),
            "{key}: {live:?}"
        );
    }
    assert!(!live.properties.contains_key("GenerateSecretString"));
    assert_no_value(&format!("{live:?}"), &password);

    // Other generator options on update keep the value; Description and Tags change in place.
    let mut changed = desired.clone();
    changed["Description"] = json!("rotated description");
    changed["GenerateSecretString"]["PasswordLength"] = json!(40);
    changed["Tags"] = json!([{"Key": "team", "Value": "platform"}]);
    let attrs = secret()
        .update(&ctx, &created.physical_id, &desired, &changed)
        .await
        .unwrap();
    assert_no_value(&format!("{attrs:?}"), &password);
    let after: Value =
        serde_json::from_str(&current_value(&ctx, &created.physical_id).await).unwrap();
    assert_eq!(after["password"], password.as_str());
    let described = ctx
        .clients
        .secretsmanager()
        .describe_secret()
        .secret_id(&created.physical_id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.description(), Some("rotated description"));
    let tag = |k: &str| {
        described
            .tags()
            .iter()
            .find(|t| t.key() == Some(k))
            .and_then(|t| t.value().map(str::to_string))
    };
    assert_eq!(tag("team").as_deref(), Some("platform"));
    assert_eq!(tag("fuelflow:stack").as_deref(), Some("test-stack"));
    assert_eq!(tag("fuelflow:logical-id").as_deref(), Some("DbSecret"));

    // Drift: description changed out of band shows in read and update puts it back.
    ctx.clients
        .secretsmanager()
        .update_secret()
        .secret_id(&created.physical_id)
        .description("hand edited")
        .send()
        .await
        .unwrap();
    let live = secret()
        .read(&ctx, &created.physical_id, &changed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.properties["Description"], "hand edited");
    secret()
        .update(&ctx, &created.physical_id, &live.properties, &changed)
        .await
        .unwrap();
    let live = secret()
        .read(&ctx, &created.physical_id, &changed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.properties["Description"], "rotated description");

    // adopt: by name, then by ownership tags.
    assert_eq!(
        secret()
            .adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id)
            .as_deref(),
        Some(created.physical_id.as_str())
    );
    let mut nameless = changed.clone();
    nameless.remove("Name");
    assert_eq!(
        secret()
            .adopt(&ctx, &nameless)
            .await
            .unwrap()
            .map(|a| a.physical_id)
            .as_deref(),
        Some(created.physical_id.as_str())
    );

    // delete schedules deletion; the secret then reads as gone, and a second delete is fine.
    secret()
        .delete(&ctx, &created.physical_id, &changed)
        .await
        .unwrap();
    let described = ctx
        .clients
        .secretsmanager()
        .describe_secret()
        .secret_id(&created.physical_id)
        .send()
        .await
        .unwrap();
    assert!(described.deleted_date.is_some());
    assert!(
        secret()
            .read(&ctx, &created.physical_id, &changed)
            .await
            .unwrap()
            .is_none()
    );
    secret()
        .delete(&ctx, &created.physical_id, &changed)
        .await
        .unwrap();
    assert_eq!(
        secret()
            .adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}

#[tokio::test]
async fn template_value_reads_as_a_version_and_is_repaired() {
    let ctx = ctx("ApiKey").await;
    let name = unique("plain-secret");
    let value = "s3cr3t-value-123";
    let desired = props(json!({"Name": name, "SecretString": value}));
    let created = secret().create(&ctx, &desired).await.unwrap();
    assert_eq!(current_value(&ctx, &created.physical_id).await, value);

    let live = secret()
        .read(&ctx, &created.physical_id, &desired)
        .await
        .unwrap()
        .unwrap();
    let version = created.attributes["VersionId"].clone();
    assert_eq!(
        live.properties["SecretString"],
        json!({"fuelflow:sensitive-version": version})
    );
    assert_eq!(live.attributes["VersionId"], version);
    assert_no_value(&format!("{live:?}"), value);

    // Changed out of band: the version moves; update with the template value writes it back.
    ctx.clients
        .secretsmanager()
        .put_secret_value()
        .secret_id(&created.physical_id)
        .secret_string("tampered")
        .send()
        .await
        .unwrap();
    let drifted = secret()
        .read(&ctx, &created.physical_id, &desired)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(drifted.attributes["VersionId"], version);
    secret()
        .update(&ctx, &created.physical_id, &drifted.properties, &desired)
        .await
        .unwrap();
    assert_eq!(current_value(&ctx, &created.physical_id).await, value);

    // A new template value is written; an unchanged one makes no new version.
    let mut changed = desired.clone();
    changed["SecretString"] = json!("second-value-456");
    secret()
        .update(&ctx, &created.physical_id, &desired, &changed)
        .await
        .unwrap();
    assert_eq!(
        current_value(&ctx, &created.physical_id).await,
        "second-value-456"
    );
    let before = secret()
        .read(&ctx, &created.physical_id, &changed)
        .await
        .unwrap()
        .unwrap();
    let placeholder = before.properties.clone();
    secret()
        .update(&ctx, &created.physical_id, &placeholder, &changed)
        .await
        .unwrap();
    let after = secret()
        .read(&ctx, &created.physical_id, &changed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        before.attributes["VersionId"],
        after.attributes["VersionId"]
    );

    // Deleted out of band: read says gone.
    ctx.clients
        .secretsmanager()
        .delete_secret()
        .secret_id(&created.physical_id)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    assert!(
        secret()
            .read(&ctx, &created.physical_id, &changed)
            .await
            .unwrap()
            .is_none()
    );
    secret()
        .delete(&ctx, &created.physical_id, &changed)
        .await
        .unwrap();
}

#[tokio::test]
async fn errors_never_carry_the_value() {
    let ctx = ctx("Bad").await;
    let value = "do-not-print-me-789";
    // Both a value and a generator: refused before any call.
    let both = props(json!({
        "Name": unique("bad"),
        "SecretString": value,
        "GenerateSecretString": {"PasswordLength": 12}
    }));
    let err = secret().create(&ctx, &both).await.unwrap_err();
    assert_eq!(err.code, "InvalidProperty");
    assert_no_value(&format!("{err} {err:?}"), value);

    // A name already taken: the service error comes back without the value.
    let name = unique("taken");
    let first = props(json!({"Name": name, "SecretString": value}));
    let created = secret().create(&ctx, &first).await.unwrap();
    let err = secret().create(&ctx, &first).await.unwrap_err();
    assert_eq!(err.code, "ResourceExistsException");
    assert_no_value(&format!("{err} {err:?}"), value);

    // A dynamic reference to a key the secret does not have.
    let text = format!("{{{{resolve:secretsmanager:{name}:SecretString:password}}}}");
    let err = dynamic_ref::resolve_string(&ctx.clients, &text)
        .await
        .unwrap_err();
    assert_eq!(err.code, "InvalidDynamicReference");
    assert_no_value(&format!("{err} {err:?}"), value);
    secret()
        .delete(&ctx, &created.physical_id, &first)
        .await
        .unwrap();
}

#[tokio::test]
async fn dynamic_references_resolve() {
    let ctx = ctx("Creds").await;
    let name = unique("dyn");
    let creds = props(json!({
        "Name": name,
        "SecretString": "{\"username\": \"app\", \"password\": \"pw-1\", \"port\": 5432}"
    }));
    let created = secret().create(&ctx, &creds).await.unwrap();
    let version = created.attributes["VersionId"]
        .as_str()
        .unwrap()
        .to_string();

    let text = format!(
        "postgres://{{{{resolve:secretsmanager:{name}:SecretString:username}}}}:{{{{resolve:secretsmanager:{arn}:SecretString:password::{version}}}}}@db:{{{{resolve:secretsmanager:{name}:SecretString:port:AWSCURRENT}}}}/app",
        arn = created.physical_id
    );
    let (resolved, used) = dynamic_ref::resolve_string(&ctx.clients, &text)
        .await
        .unwrap();
    assert_eq!(resolved, "postgres://app:pw-1@db:5432/app");
    assert_eq!(used, vec![(created.physical_id.clone(), version.clone())]);

    // The whole value, and text without references left alone.
    let whole = format!("{{{{resolve:secretsmanager:{name}}}}}");
    let (resolved, _) = dynamic_ref::resolve_string(&ctx.clients, &whole)
        .await
        .unwrap();
    assert!(resolved.contains("\"password\": \"pw-1\""));
    let (plain, used) = dynamic_ref::resolve_string(&ctx.clients, "no refs")
        .await
        .unwrap();
    assert_eq!((plain.as_str(), used.len()), ("no refs", 0));

    // A missing secret and a malformed reference are errors.
    let missing = dynamic_ref::resolve_string(
        &ctx.clients,
        "{{resolve:secretsmanager:no-such-secret-xyz:SecretString:k}}",
    )
    .await
    .unwrap_err();
    assert_eq!(missing.code, "ResourceNotFoundException");
    let malformed =
        dynamic_ref::resolve_string(&ctx.clients, "{{resolve:secretsmanager:x:SecretBinary}}")
            .await
            .unwrap_err();
    assert_eq!(malformed.code, "InvalidDynamicReference");
    secret()
        .delete(&ctx, &created.physical_id, &creds)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_secret_deleted_by_destroy_is_taken_back_by_the_next_create() {
    let ctx = ctx("Recreated").await;
    let name = unique("recreated");
    let desired = props(json!({"Name": name, "SecretString": "first-value"}));
    let created = secret().create(&ctx, &desired).await.unwrap();
    secret()
        .delete(&ctx, &created.physical_id, &desired)
        .await
        .unwrap();
    // The name is still reserved (recovery window): a plain create would fail.
    let again = props(json!({"Name": name, "SecretString": "second-value"}));
    let restored = secret()
        .create(&ctx, &again)
        .await
        .expect("restored instead of failing");
    assert_eq!(restored.physical_id, created.physical_id);
    assert_eq!(
        current_value(&ctx, &restored.physical_id).await,
        "second-value"
    );

    // Someone else's deleted secret of the same name is not taken.
    let other = Ctx {
        logical_id: "SomethingElse".into(),
        ..ctx.clone()
    };
    secret()
        .delete(&ctx, &restored.physical_id, &again)
        .await
        .unwrap();
    assert!(secret().create(&other, &again).await.is_err());
}
