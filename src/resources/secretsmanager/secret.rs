//! `AWS::SecretsManager::Secret`. Physical id: the secret ARN (what CloudFormation's `Ref`
//! returns). The secret value never leaves this file: `read` reports only the version id of the
//! current value, and errors from calls that carry the value are scrubbed of it.
//!
//! Delete schedules the deletion with the default 7-day recovery window (a mistaken destroy can
//! be undone with `RestoreSecret`); the name stays taken for those 7 days, which no fuelflow
//! flow needs since `Name` is create-only (a replacement always gets a new name).

use super::{boolean, integer, user_tags};
use crate::aws::AwsError;
use crate::resources::property::changed;
use crate::resources::sdk_error;
use crate::resources::tag_changes;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, text,
};
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, Tag};
use serde_json::{Value, json};

pub struct Secret;

/// The key under which `read` reports the version of a value it will not show.
pub const SENSITIVE_VERSION_KEY: &str = "fuelflow:sensitive-version";

const RECOVERY_WINDOW_DAYS: i64 = 7;
/// What `KmsKeyId` goes back to when the template stops setting it.
const DEFAULT_KMS_KEY: &str = "alias/aws/secretsmanager";

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "Description",
    "KmsKeyId",
    "SecretString",
    "GenerateSecretString",
    "Tags",
    "Name",
];

impl Resource for Secret {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn secret_properties(&self) -> &'static [&'static str] {
        &["SecretString"]
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("Name")
    }

    fn name_rules(&self) -> (usize, bool) {
        (512, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = props
            .get("Name")
            .and_then(text)
            .ok_or_else(|| ResourceError::invalid("Name", "missing"))?;
        let value = initial_value(ctx, props).await?;
        let tags = ctx
            .tags_with_ownership(props)
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build());
        let created = ctx
            .clients
            .secretsmanager()
            .create_secret()
            .name(&name)
            .set_description(props.get("Description").and_then(text))
            .set_kms_key_id(props.get("KmsKeyId").and_then(text))
            .set_secret_string(value.clone())
            .set_tags(Some(tags.collect()))
            // The pending create's token: a retry after a lost answer is the same request.
            .set_client_request_token(props.get(crate::resources::CLIENT_TOKEN).and_then(text))
            .send()
            .await;
        let out = match created {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_exists_exception()) =>
            {
                // A secret this resource had, deleted by a destroy and still in its recovery
                // window, keeps the name: take it back instead of failing.
                if let Some(arn) = restore_own(ctx, &name).await? {
                    let attributes = self.update(ctx, &arn, &Props::new(), props).await?;
                    return Ok(Created {
                        physical_id: arn,
                        attributes,
                    });
                }
                return Err(scrub(
                    AwsError::from_sdk("secretsmanager:CreateSecret", e).into(),
                    value.as_deref(),
                ));
            }
            Err(e) => {
                return Err(scrub(
                    AwsError::from_sdk("secretsmanager:CreateSecret", e).into(),
                    value.as_deref(),
                ));
            }
        };
        let arn = out.arn.unwrap_or_default();
        let mut attributes = Attributes::new();
        attributes.insert("Id".into(), json!(arn));
        if let Some(version) = out.version_id {
            attributes.insert("VersionId".into(), json!(version));
        }
        Ok(Created {
            physical_id: arn,
            attributes,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(secret) = describe(ctx, physical_id).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        if let Some(name) = &secret.name {
            properties.insert("Name".into(), json!(name));
        }
        if desired.contains_key("Description") {
            if let Some(d) = &secret.description {
                properties.insert("Description".into(), json!(d));
            }
        }
        if let (Some(want), Some(live)) = (
            desired.get("KmsKeyId").and_then(text),
            secret.kms_key_id.as_deref(),
        ) {
            properties.insert("KmsKeyId".into(), json!(same_key_as(&want, live)));
        }
        let version = current_version(&secret);
        if desired.contains_key("SecretString") {
            if let Some(v) = &version {
                properties.insert("SecretString".into(), json!({SENSITIVE_VERSION_KEY: v}));
            }
        }
        if desired.contains_key("Tags") {
            let tags = secret.tags().iter().map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            });
            properties.insert("Tags".into(), user_tags(tags));
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(&secret),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let client = ctx.clients.secretsmanager();
        // Each setting is sent only when it changed: a KmsKeyId sent again would make
        // Secrets Manager re-encrypt the current value for nothing.
        let description = changed(old, new, "Description")
            .then(|| new.get("Description").and_then(text).unwrap_or_default());
        let kms_key_id = changed(old, new, "KmsKeyId").then(|| {
            new.get("KmsKeyId")
                .and_then(text)
                .unwrap_or_else(|| DEFAULT_KMS_KEY.into())
        });
        if description.is_some() || kms_key_id.is_some() {
            client
                .update_secret()
                .secret_id(physical_id)
                .set_description(description)
                .set_kms_key_id(kms_key_id)
                .send()
                .await
                .map_err(|e| sdk_error("secretsmanager:UpdateSecret", e))?;
        }
        // A generated value is made once, at create: GenerateSecretString is never looked at
        // here. A template value is compared with the current one (the recorded one is only a
        // placeholder) and written only when it differs.
        if let Some(value) = new.get("SecretString").and_then(text) {
            if changed(old, new, "SecretString") {
                put_value_if_different(ctx, physical_id, &value).await?;
            }
        }
        let (set, removed) = tag_changes(old, new);
        if !removed.is_empty() {
            client
                .untag_resource()
                .secret_id(physical_id)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("secretsmanager:UntagResource", e))?;
        }
        if !set.is_empty() {
            let tags = set
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build());
            client
                .tag_resource()
                .secret_id(physical_id)
                .set_tags(Some(tags.collect()))
                .send()
                .await
                .map_err(|e| sdk_error("secretsmanager:TagResource", e))?;
        }
        let secret = describe(ctx, physical_id)
            .await?
            .ok_or_else(|| ResourceError::new("ResourceNotFoundException", "the secret is gone"))?;
        Ok(attributes(&secret))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        // A second DeleteSecret on a secret already scheduled for deletion is refused by
        // AWS, so "gone or going" is checked first.
        if describe(ctx, physical_id).await?.is_none() {
            return Ok(());
        }
        let result = ctx
            .clients
            .secretsmanager()
            .delete_secret()
            .secret_id(physical_id)
            .recovery_window_in_days(RECOVERY_WINDOW_DAYS)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(AwsError::from_sdk("secretsmanager:DeleteSecret", e).into()),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        if let Some(name) = props.get("Name").and_then(text) {
            return Ok(describe(ctx, &name).await?.and_then(|s| s.arn));
        }
        find_by_ownership_tags(ctx).await
    }
}

/// The value a new secret starts with: the template's, a generated one, or none (an empty secret,
/// as CloudFormation makes when neither is given).
async fn initial_value(ctx: &Ctx, props: &Props) -> Result<Option<String>> {
    match (props.get("SecretString"), props.get("GenerateSecretString")) {
        (Some(_), Some(_)) => Err(ResourceError::invalid(
            "GenerateSecretString",
            "cannot be used together with SecretString",
        )),
        (Some(v), None) => {
            Ok(Some(text(v).ok_or_else(|| {
                ResourceError::invalid("SecretString", "expected a string")
            })?))
        }
        (None, Some(spec)) => generate(ctx, spec).await.map(Some),
        (None, None) => Ok(None),
    }
}

/// A password from `GetRandomPassword`, placed under `GenerateStringKey` in the
/// `SecretStringTemplate` JSON object when a template is given.
async fn generate(ctx: &Ctx, spec: &Value) -> Result<String> {
    const P: &str = "GenerateSecretString";
    let spec = spec
        .as_object()
        .ok_or_else(|| ResourceError::invalid(P, "expected an object"))?;
    let flag = |key: &str| boolean(spec.get(key), &format!("{P}.{key}"));
    let template = spec.get("SecretStringTemplate").and_then(text);
    let key = spec.get("GenerateStringKey").and_then(text);
    let template = match (template, key) {
        (Some(t), Some(k)) => {
            let object: serde_json::Map<String, Value> =
                serde_json::from_str(&t).map_err(|_| {
                    ResourceError::invalid(
                        &format!("{P}.SecretStringTemplate"),
                        "must be a JSON object",
                    )
                })?;
            Some((object, k))
        }
        (None, None) => None,
        _ => {
            return Err(ResourceError::invalid(
                P,
                "SecretStringTemplate and GenerateStringKey go together",
            ));
        }
    };
    let out = ctx
        .clients
        .secretsmanager()
        .get_random_password()
        .set_password_length(integer(
            spec.get("PasswordLength"),
            &format!("{P}.PasswordLength"),
        )?)
        .set_exclude_characters(spec.get("ExcludeCharacters").and_then(text))
        .set_exclude_lowercase(flag("ExcludeLowercase")?)
        .set_exclude_uppercase(flag("ExcludeUppercase")?)
        .set_exclude_numbers(flag("ExcludeNumbers")?)
        .set_exclude_punctuation(flag("ExcludePunctuation")?)
        .set_include_space(flag("IncludeSpace")?)
        .set_require_each_included_type(flag("RequireEachIncludedType")?)
        .send()
        .await
        .map_err(|e| sdk_error("secretsmanager:GetRandomPassword", e))?;
    let password = out.random_password.unwrap_or_default();
    Ok(match template {
        Some((mut object, key)) => {
            object.insert(key, Value::String(password));
            Value::Object(object).to_string()
        }
        None => password,
    })
}

async fn put_value_if_different(ctx: &Ctx, secret_id: &str, value: &str) -> Result<()> {
    let client = ctx.clients.secretsmanager();
    let current = client.get_secret_value().secret_id(secret_id).send().await;
    match current {
        Ok(out) if out.secret_string() == Some(value) => return Ok(()),
        Ok(_) => {}
        // An empty secret has no current version yet.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) => {}
        Err(e) => return Err(AwsError::from_sdk("secretsmanager:GetSecretValue", e).into()),
    }
    client
        .put_secret_value()
        .secret_id(secret_id)
        .secret_string(value)
        .send()
        .await
        .map_err(|e| {
            scrub(
                AwsError::from_sdk("secretsmanager:PutSecretValue", e).into(),
                Some(value),
            )
        })?;
    Ok(())
}

/// The secret, or `None` when it does not exist or is scheduled for deletion.
async fn describe(ctx: &Ctx, secret_id: &str) -> Result<Option<DescribeSecretOutput>> {
    match ctx
        .clients
        .secretsmanager()
        .describe_secret()
        .secret_id(secret_id)
        .send()
        .await
    {
        Ok(out) if out.deleted_date.is_some() => Ok(None),
        Ok(out) => Ok(Some(out)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(AwsError::from_sdk("secretsmanager:DescribeSecret", e).into()),
    }
}

async fn find_by_ownership_tags(ctx: &Ctx) -> Result<Option<String>> {
    let filter = Filter::builder()
        .key(FilterNameStringType::TagValue)
        .values(ctx.logical_id.clone())
        .build();
    let mut pages = ctx
        .clients
        .secretsmanager()
        .list_secrets()
        .filters(filter)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error("secretsmanager:ListSecrets", e))?;
        for secret in page.secret_list() {
            let owned = ctx.ownership_tags().iter().all(|(k, v)| {
                secret
                    .tags()
                    .iter()
                    .any(|t| t.key() == Some(k) && t.value() == Some(v))
            });
            if owned && secret.deleted_date.is_none() {
                return Ok(secret.arn.clone());
            }
        }
    }
    Ok(None)
}

fn attributes(secret: &DescribeSecretOutput) -> Attributes {
    let mut attributes = Attributes::new();
    if let Some(arn) = &secret.arn {
        attributes.insert("Id".into(), json!(arn));
    }
    if let Some(version) = current_version(secret) {
        attributes.insert("VersionId".into(), json!(version));
    }
    attributes
}

/// The version id labelled `AWSCURRENT`.
fn current_version(secret: &DescribeSecretOutput) -> Option<String> {
    secret
        .version_ids_to_stages()?
        .iter()
        .find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"))
        .map(|(id, _)| id.clone())
}

/// AWS may answer with the key's ARN where the template gave its id or alias: report the
/// template's spelling when both name the same key.
fn same_key_as(desired: &str, live: &str) -> String {
    let same = live == desired
        || live.ends_with(&format!("/{desired}"))
        || live.ends_with(&format!(":{desired}"));
    if same { desired } else { live }.to_string()
}

/// Removes a secret value from an error message, should a service ever echo it back.
pub(crate) fn scrub(mut e: ResourceError, value: Option<&str>) -> ResourceError {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        e.message = crate::resources::scrub::scrub(&e.message, v);
    }
    e
}

/// Restores the secret named `name` when it is scheduled for deletion and was made by this very
/// resource (its ownership tags say so); returns its ARN.
async fn restore_own(ctx: &Ctx, name: &str) -> Result<Option<String>> {
    let client = ctx.clients.secretsmanager();
    let described = client
        .describe_secret()
        .secret_id(name)
        .send()
        .await
        .map_err(|e| sdk_error("secretsmanager:DescribeSecret", e))?;
    let ours = ctx.ownership_tags().iter().all(|(k, v)| {
        described
            .tags()
            .iter()
            .any(|t| t.key() == Some(k.as_str()) && t.value() == Some(v.as_str()))
    });
    if described.deleted_date().is_none() || !ours {
        return Ok(None);
    }
    client
        .restore_secret()
        .secret_id(name)
        .send()
        .await
        .map_err(|e| sdk_error("secretsmanager:RestoreSecret", e))?;
    Ok(described.arn().map(str::to_string))
}
