//! `AWS::Lambda::LayerVersion`: one published version of a layer. `Content` is an S3 object or,
//! as a function's `Code` may be, a local folder or file (`Content: ./layer`, or
//! `{fuelflow:LocalPath: ./layer}`) that fuelflow zips deterministically and sends itself. Every
//! property is create-only: a change publishes a new version (a replacement) and delete deletes
//! that one version. Physical id (`Ref`): the layer version ARN.
//! PublishLayerVersion is not idempotent (each call is a new version), so it is sent once, without
//! SDK retries; after a lost answer `find` takes the newest version of the layer, published since
//! the create started, with the template's description and the content's hash.

use super::code::{CODE_SHA_KEY, LOCAL_PATH_KEY, TEMPLATE_DIR_KEY};
use super::package;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, CREATE_STARTED, Created, Ctx, Live, Props, Resource, ResourceError, Result,
    is_earlier_copy,
};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, LayerVersionContentInput, Runtime};
use serde_json::{Value, json};
use std::path::Path;

pub struct LayerVersion;

const MANAGED: &[&str] = &[
    "CompatibleArchitectures",
    "CompatibleRuntimes",
    "Content",
    "Description",
    "LayerName",
    "LicenseInfo",
];

/// A local content path may not leave the template's directory: `validate`'s project-wide check
/// of local paths covers function code only.
const OUTSIDE: &str = "must be inside the template's directory";

/// How far AWS's clock may be behind ours when `find` compares creation dates.
const CLOCK_SKEW_SECONDS: i64 = 300;

/// The layer's content as the template gives it.
enum Content {
    /// Packaged here: the zip and its CodeSha256.
    Zip(Vec<u8>, String),
    S3 {
        bucket: String,
        key: String,
        version: Option<String>,
    },
}

impl Content {
    fn input(&self) -> LayerVersionContentInput {
        match self {
            Content::Zip(bytes, _) => LayerVersionContentInput::builder()
                .zip_file(Blob::new(bytes.clone()))
                .build(),
            Content::S3 {
                bucket,
                key,
                version,
            } => LayerVersionContentInput::builder()
                .s3_bucket(bucket)
                .s3_key(key)
                .set_s3_object_version(version.clone())
                .build(),
        }
    }

    fn sha(&self) -> Option<&str> {
        match self {
            Content::Zip(_, sha) => Some(sha),
            Content::S3 { .. } => None,
        }
    }
}

/// The local path the template names, when `Content` is one.
fn local_path(props: &Props) -> Option<&str> {
    match props.get("Content")? {
        Value::String(path) => Some(path),
        Value::Object(c) => c.get(LOCAL_PATH_KEY)?.as_str(),
        _ => None,
    }
}

fn package_local(props: &Props, written: &str) -> Result<Content> {
    let dir = Path::new(
        props
            .get(TEMPLATE_DIR_KEY)
            .and_then(Value::as_str)
            .unwrap_or("."),
    );
    super::code::check_local_path(written, dir, dir).map_err(|m| {
        let why = if m.contains("climbs out") {
            OUTSIDE.to_string()
        } else {
            m
        };
        ResourceError::invalid("Content", format!("`{written}`: {why}"))
    })?;
    // package() names `Code` in its errors: here it is the layer's `Content`.
    let (bytes, sha) = package::package(&dir.join(written)).map_err(|e| {
        let why = e
            .message
            .trim_start_matches("property `Code`: ")
            .to_string();
        ResourceError::invalid("Content", why)
    })?;
    Ok(Content::Zip(bytes, sha))
}

fn content(props: &Props) -> Result<Content> {
    if let Some(path) = local_path(props) {
        return package_local(props, path);
    }
    let Some(c) = property::object(props, "Content")? else {
        return Err(ResourceError::invalid(
            "Content",
            "is required: a local path or {S3Bucket, S3Key}",
        ));
    };
    if let Some(other) = c
        .keys()
        .find(|k| !matches!(k.as_str(), "S3Bucket" | "S3Key" | "S3ObjectVersion"))
    {
        return Err(ResourceError::invalid(
            "Content",
            format!("`{other}` is not supported by fuelflow yet"),
        ));
    }
    let c = c.clone();
    Ok(Content::S3 {
        bucket: property::required(&c, "S3Bucket")
            .map_err(|_| ResourceError::invalid("Content", "S3Bucket is required"))?,
        key: property::required(&c, "S3Key")
            .map_err(|_| ResourceError::invalid("Content", "S3Key is required"))?,
        version: property::string(&c, "S3ObjectVersion"),
    })
}

/// (layer name, version number) of `arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`.
fn parts(arn: &str) -> Result<(&str, i64)> {
    let fields: Vec<&str> = arn.split(':').collect();
    match fields.as_slice() {
        [.., "layer", name, version] => match version.parse::<i64>() {
            Ok(n) => Ok((name, n)),
            Err(_) => Err(not_a_layer_version(arn)),
        },
        _ => Err(not_a_layer_version(arn)),
    }
}

fn not_a_layer_version(arn: &str) -> ResourceError {
    ResourceError::new(
        "InvalidPhysicalId",
        format!("`{arn}` is not a Lambda layer version ARN"),
    )
}

/// `LayerName` may be a name or a layer ARN (`arn:...:layer:NAME`): the name.
fn layer_name(written: &str) -> &str {
    match written.split_once(":layer:") {
        Some((_, name)) => name,
        None => written,
    }
}

fn attributes(arn: &str) -> Attributes {
    Attributes::from([("LayerVersionArn".to_string(), json!(arn))])
}

fn runtimes(props: &Props) -> Result<Option<Vec<Runtime>>> {
    Ok(property::strings_if_set(props, "CompatibleRuntimes")?
        .map(|l| l.iter().map(|r| Runtime::from(r.as_str())).collect()))
}

fn architectures(props: &Props) -> Result<Option<Vec<Architecture>>> {
    Ok(property::strings_if_set(props, "CompatibleArchitectures")?
        .map(|l| l.iter().map(|a| Architecture::from(a.as_str())).collect()))
}

/// A creation date as Lambda writes it (`2026-11-27T15:10:45.123+0000`), in unix seconds.
fn created_seconds(date: &str) -> Option<i64> {
    use aws_smithy_types::date_time::{DateTime, Format};
    let rfc3339 = match date.strip_suffix("+0000") {
        Some(utc) => format!("{utc}Z"),
        None => date.to_string(),
    };
    DateTime::from_str(&rfc3339, Format::DateTime)
        .ok()
        .map(|d| d.secs())
}

async fn get(
    ctx: &Ctx,
    name: &str,
    version: i64,
) -> Result<Option<aws_sdk_lambda::operation::get_layer_version::GetLayerVersionOutput>> {
    let answer = ctx
        .clients
        .lambda()
        .get_layer_version()
        .layer_name(name)
        .version_number(version)
        .send()
        .await;
    super::event_source_mapping::found("lambda:GetLayerVersion", answer, |s| {
        s.is_resource_not_found_exception()
    })
}

impl Resource for LayerVersion {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("LayerName")
    }

    fn needs_template_dir(&self) -> bool {
        true
    }

    /// Local content compares by the hash its zip will have, so new files in the folder publish
    /// a new version; content in S3 compares as written.
    fn compare_view(&self, mut props: Props) -> Result<Props> {
        if local_path(&props).is_some() {
            if let Content::Zip(_, sha) = content(&props)? {
                props.insert("Content".into(), json!({ CODE_SHA_KEY: sha }));
            }
        }
        props.remove(TEMPLATE_DIR_KEY);
        Ok(props)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let content = content(props)?;
        let out = ctx
            .clients
            .lambda()
            .publish_layer_version()
            .layer_name(property::required(props, "LayerName")?)
            .content(content.input())
            .set_description(property::string(props, "Description"))
            .set_license_info(property::string(props, "LicenseInfo"))
            .set_compatible_runtimes(runtimes(props)?)
            .set_compatible_architectures(architectures(props)?)
            .customize()
            .config_override(super::event_source_mapping::sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("lambda:PublishLayerVersion", e))?;
        let arn = out.layer_version_arn().unwrap_or_default().to_string();
        parts(&arn)?;
        Ok(Created {
            attributes: attributes(&arn),
            physical_id: arn,
        })
    }

    async fn read(&self, ctx: &Ctx, arn: &str, desired: &Props) -> Result<Option<Live>> {
        let (name, version) = parts(arn)?;
        let Some(out) = get(ctx, name, version).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        let written = desired
            .get("LayerName")
            .filter(|w| w.as_str().map(layer_name) == Some(name));
        p.insert("LayerName".into(), written.cloned().unwrap_or(json!(name)));
        // Content in S3 cannot be compared without downloading it: it reads back as written.
        let live_sha = out.content().and_then(|c| c.code_sha256()).unwrap_or("");
        let content = match desired.get("Content") {
            Some(Value::Object(c)) if c.contains_key("S3Bucket") => Value::Object(c.clone()),
            _ => json!({ CODE_SHA_KEY: live_sha }),
        };
        p.insert("Content".into(), content);
        for (key, value) in [
            ("Description", out.description()),
            ("LicenseInfo", out.license_info()),
        ] {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                p.insert(key.into(), json!(v));
            }
        }
        let runtimes: Vec<&str> = out
            .compatible_runtimes()
            .iter()
            .map(|r| r.as_str())
            .collect();
        if !runtimes.is_empty() {
            p.insert("CompatibleRuntimes".into(), json!(runtimes));
        }
        let archs: Vec<&str> = out
            .compatible_architectures()
            .iter()
            .map(|a| a.as_str())
            .collect();
        if !archs.is_empty() {
            p.insert("CompatibleArchitectures".into(), json!(archs));
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(arn),
        }))
    }

    /// Nothing of a layer version changes in place (every property is create-only).
    async fn update(
        &self,
        _ctx: &Ctx,
        arn: &str,
        _old: &Props,
        _new: &Props,
    ) -> Result<Attributes> {
        Ok(attributes(arn))
    }

    async fn delete(&self, ctx: &Ctx, arn: &str, _props: &Props) -> Result<()> {
        let (name, version) = parts(arn)?;
        property::deleted(
            "lambda:DeleteLayerVersion",
            ctx.clients
                .lambda()
                .delete_layer_version()
                .layer_name(name)
                .version_number(version)
                .send()
                .await,
            // DeleteLayerVersion models no not-found error (AWS answers success); moto names one.
            |s| {
                aws_sdk_lambda::error::ProvideErrorMetadata::code(s)
                    == Some("ResourceNotFoundException")
            },
        )
    }

    /// The newest version of the layer with the template's description (and, for packaged
    /// content, its hash), published since the create started, that is no earlier copy.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(written) = property::string(props, "LayerName") else {
            return Ok(None);
        };
        let name = layer_name(&written);
        let sha = content(props)?.sha().map(str::to_string);
        let description = property::string(props, "Description").unwrap_or_default();
        let since = props
            .get(CREATE_STARTED)
            .and_then(Value::as_i64)
            .map(|s| s - CLOCK_SKEW_SECONDS);
        let mut pages = ctx
            .clients
            .lambda()
            .list_layer_versions()
            .layer_name(name)
            .into_paginator()
            .send();
        let mut candidates: Vec<(i64, String)> = Vec::new();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(page) => page,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_not_found_exception()) =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(sdk_error("lambda:ListLayerVersions", e)),
            };
            for v in page.layer_versions() {
                let Some(arn) = v.layer_version_arn() else {
                    continue;
                };
                let recent = match (since, v.created_date().and_then(created_seconds)) {
                    (Some(since), Some(created)) => created >= since,
                    _ => true,
                };
                if recent
                    && v.description().unwrap_or_default() == description
                    && !is_earlier_copy(props, arn)
                {
                    candidates.push((v.version(), arn.to_string()));
                }
            }
        }
        candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
        for (version, arn) in candidates {
            let Some(sha) = &sha else {
                return Ok(Some(arn));
            };
            let live = get(ctx, name, version).await?;
            if live.is_some_and(|l| l.content().and_then(|c| c.code_sha256()) == Some(sha)) {
                return Ok(Some(arn));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(v: Value) -> Props {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn layer_version_arns_split_into_name_and_number() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:layer:deps:3";
        assert_eq!(parts(arn).unwrap(), ("deps", 3));
        assert!(parts("arn:aws:lambda:us-east-1:123456789012:layer:deps").is_err());
        assert_eq!(
            layer_name("arn:aws:lambda:us-east-1:123456789012:layer:deps"),
            "deps"
        );
        assert_eq!(layer_name("deps"), "deps");
    }

    #[test]
    fn creation_dates_read_as_unix_seconds() {
        assert_eq!(
            created_seconds("1970-01-01T00:01:40.500+0000"),
            Some(100),
            "Lambda's own format"
        );
        assert_eq!(created_seconds("not a date"), None);
    }

    #[test]
    fn local_content_compares_by_hash_and_stays_inside_the_template_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("layer/python")).unwrap();
        std::fs::write(dir.path().join("layer/python/lib.py"), "X = 1\n").unwrap();
        let base = dir.path().to_str().unwrap();
        let (_, sha) = package::package(&dir.path().join("layer")).unwrap();
        for written in [json!("./layer"), json!({"fuelflow:LocalPath": "layer"})] {
            let p = props(json!({"Content": written, "fuelflow:TemplateDir": base}));
            let view = LayerVersion.compare_view(p).unwrap();
            assert_eq!(view["Content"], json!({ CODE_SHA_KEY: sha }));
            assert!(!view.contains_key(TEMPLATE_DIR_KEY));
        }
        let out = props(json!({"Content": "../elsewhere", "fuelflow:TemplateDir": base}));
        let e = LayerVersion.compare_view(out).unwrap_err();
        assert!(e.message.contains(OUTSIDE), "{}", e.message);
        let absolute = props(json!({"Content": "/etc", "fuelflow:TemplateDir": base}));
        assert!(LayerVersion.compare_view(absolute).is_err());
    }

    #[test]
    fn s3_content_compares_as_written_and_unknown_keys_are_refused() {
        let s3 = props(json!({"Content": {"S3Bucket": "b", "S3Key": "k.zip"}}));
        let view = LayerVersion.compare_view(s3.clone()).unwrap();
        assert_eq!(view["Content"], s3["Content"]);
        let mode = props(
            json!({"Content": {"S3Bucket": "b", "S3Key": "k", "S3ObjectStorageMode": "COPY"}}),
        );
        let e = content(&mode).err().unwrap();
        assert!(e.message.contains("S3ObjectStorageMode"), "{}", e.message);
        assert!(content(&props(json!({"Content": {"S3Bucket": "b"}}))).is_err());
        assert!(content(&Props::new()).is_err());
    }
}
