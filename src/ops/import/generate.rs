//! `import --generate`: a fuelflow template written from live resources, so a user starts from
//! what runs. Each resource is read by its type's handler with every property it manages asked
//! for; what comes back empty (unset, the service's default of nothing) or as the service's
//! documented default ([`DEFAULTS`]) is left out, and attributes (`Arn`, ids) are never
//! properties. Secrets cannot be read back: they are left out
//! with a warning. The YAML is plain block style, every string quoted.

use crate::resources::{Clients, Ctx, Handler, Live, Props, Registry, is_engine_key};
use serde_json::Value as Json;
use std::fmt::Write;
use std::sync::Arc;

/// Values AWS gives a property that is not set (the service documentation's defaults): left out
/// of a generated template, which then says only what was chosen.
const DEFAULTS: &[(&str, &str, &str)] = &[
    ("AWS::S3::Bucket", "AccessControl", r#""Private""#),
    ("AWS::IAM::Role", "Path", r#""/""#),
    ("AWS::IAM::Role", "MaxSessionDuration", "3600"),
    ("AWS::IAM::ManagedPolicy", "Path", r#""/""#),
    ("AWS::Lambda::Function", "Timeout", "3"),
    ("AWS::Lambda::Function", "MemorySize", "128"),
    ("AWS::Lambda::Function", "PackageType", r#""Zip""#),
    ("AWS::SQS::Queue", "DelaySeconds", "0"),
    ("AWS::SQS::Queue", "MaximumMessageSize", "262144"),
    ("AWS::SQS::Queue", "MessageRetentionPeriod", "345600"),
    ("AWS::SQS::Queue", "ReceiveMessageWaitTimeSeconds", "0"),
    ("AWS::SQS::Queue", "VisibilityTimeout", "30"),
    ("AWS::EC2::VPC", "InstanceTenancy", r#""default""#),
    ("AWS::EC2::VPC", "EnableDnsSupport", "true"),
    ("AWS::EC2::VPC", "EnableDnsHostnames", "false"),
    ("AWS::SecretsManager::Secret", "Description", r#""""#),
];

/// Whether `value` is what AWS has for `property` of `type_name` when it is not set.
fn is_default(type_name: &str, property: &str, value: &Json) -> bool {
    DEFAULTS.iter().any(|(t, p, d)| {
        *t == type_name
            && *p == property
            && serde_json::from_str::<Json>(d)
                .is_ok_and(|d| crate::resources::compare::equivalent(&d, value))
    })
}

/// Where the resources are read.
pub struct Target {
    pub clients: Arc<Clients>,
    pub region: String,
    pub account_id: String,
}

/// A generated template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub yaml: String,
    /// How many resources it has.
    pub resources: usize,
    /// What was left out, and why (for warnings).
    pub skipped: Vec<String>,
}

/// `TYPE=PHYSICAL_ID`s as (logical id, type, physical id); logical ids come from the ids.
pub fn parse_ids(ids: &[String]) -> Result<Vec<(String, String, String)>, String> {
    if ids.is_empty() {
        return Err(
            "--generate needs TYPE=PHYSICAL_ID (AWS::S3::Bucket=my-bucket) or --from-cloudformation STACK_NAME".into(),
        );
    }
    let mut parsed: Vec<(String, String, String)> = Vec::new();
    for id in ids {
        let Some((type_name, physical_id)) = id
            .split_once('=')
            .filter(|(t, p)| t.starts_with("AWS::") && !p.is_empty())
        else {
            return Err(format!(
                "expected TYPE=PHYSICAL_ID (AWS::S3::Bucket=my-bucket), found `{id}`"
            ));
        };
        let mut logical_id = logical_id_for(type_name, physical_id);
        let base = logical_id.clone();
        let mut n = 2;
        while parsed.iter().any(|(l, _, _)| *l == logical_id) {
            logical_id = format!("{base}{n}");
            n += 1;
        }
        parsed.push((logical_id, type_name.to_string(), physical_id.to_string()));
    }
    Ok(parsed)
}

/// `my-assets-bucket` -> `MyAssetsBucket`; an ARN by its last part; a logical id starts with a
/// letter, so `vpc-0a1` becomes `Vpc0a1` and `123` becomes `Bucket123`.
fn logical_id_for(type_name: &str, physical_id: &str) -> String {
    let last = physical_id
        .rsplit(['/', ':'])
        .find(|s| !s.is_empty())
        .unwrap_or(physical_id);
    let mut id = String::new();
    for part in last.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert_str(0, type_name.rsplit("::").next().unwrap_or("Resource"));
    }
    id.truncate(200);
    id
}

/// Reads each (logical id, type, physical id) and writes the template.
pub async fn generate(
    target: &Target,
    registry: &Registry,
    wanted: &[(String, String, String)],
) -> Result<Generated, String> {
    let mut resources = Vec::new();
    let mut skipped = Vec::new();
    for (logical_id, type_name, physical_id) in wanted {
        let Some(handler) = registry.get(type_name) else {
            skipped.push(format!(
                "{logical_id} ({type_name}): fuelflow has no handler for this type; left out"
            ));
            continue;
        };
        // Every managed property asked for (a handler reads only what the desired ones name).
        let desired: Props = handler
            .managed_properties()
            .iter()
            .map(|p| (p.to_string(), Json::Null))
            .collect();
        let ctx = Ctx {
            clients: target.clients.clone(),
            stack: "fuelflow-generate".into(),
            logical_id: logical_id.clone(),
            region: target.region.clone(),
            account_id: target.account_id.clone(),
        };
        let live = match handler.read(&ctx, physical_id, &desired).await {
            Ok(live) => live,
            // One unreadable property (an API the account or endpoint lacks) should not lose
            // the others: read them one at a time and name the ones left out.
            Err(whole) => read_one_by_one(handler, &ctx, physical_id, &desired, &mut skipped)
                .await
                .map_err(|e| {
                    format!(
                        "{logical_id} ({type_name}): reading {physical_id} failed: {whole}; {e}"
                    )
                })?,
        }
        .ok_or_else(|| format!("{logical_id} ({type_name}): {physical_id} was not found"))?;
        let secret = handler.secret_properties();
        for s in secret {
            skipped.push(format!(
                "{logical_id} ({type_name}): `{s}` cannot be read back; add it to the template"
            ));
        }
        let properties: Props = live
            .properties
            .into_iter()
            .filter(|(k, v)| {
                !is_engine_key(k)
                    && !secret.contains(&k.as_str())
                    && !is_empty(v)
                    && !is_default(type_name, k, v)
            })
            .collect();
        resources.push((logical_id.clone(), type_name.clone(), properties));
    }
    let mut yaml = String::from(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: \"Written by fuelflow import --generate from live resources\"\nResources:\n",
    );
    for (logical_id, type_name, properties) in &resources {
        let _ = writeln!(yaml, "  {logical_id}:\n    Type: {type_name}");
        if !properties.is_empty() {
            yaml.push_str("    Properties:\n");
            emit_map(&mut yaml, properties, 6);
        }
    }
    if resources.is_empty() {
        return Err(format!("no resource could be read: {}", skipped.join("; ")));
    }
    Ok(Generated {
        yaml,
        resources: resources.len(),
        skipped,
    })
}

/// Unset: null, `""`, `[]`, `{}` (what the service reports for nothing configured).
/// Reads each property on its own after a read of all of them failed; the ones that still fail
/// are named in `skipped` and left out. Fails only if none can be read.
async fn read_one_by_one(
    handler: &dyn Handler,
    ctx: &Ctx,
    physical_id: &str,
    desired: &Props,
    skipped: &mut Vec<String>,
) -> Result<Option<Live>, String> {
    let mut merged: Option<Live> = None;
    let mut errors = Vec::new();
    for property in desired.keys() {
        let one: Props = [(property.clone(), Json::Null)].into_iter().collect();
        match handler.read(ctx, physical_id, &one).await {
            Ok(None) => return Ok(None),
            Ok(Some(live)) => match &mut merged {
                Some(all) => all.properties.extend(live.properties),
                None => merged = Some(live),
            },
            Err(e) => {
                skipped.push(format!(
                    "{} ({}): `{property}` could not be read ({e}); left out",
                    ctx.logical_id, physical_id
                ));
                errors.push(e.to_string());
            }
        }
    }
    match merged {
        Some(live) => Ok(Some(live)),
        None => Err(errors.join("; ")),
    }
}

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn emit_map(out: &mut String, map: &serde_json::Map<String, Json>, indent: usize) {
    for (k, v) in map {
        let pad = " ".repeat(indent);
        let _ = write!(out, "{pad}{}:", key(k));
        emit_value(out, v, indent);
    }
}

/// A value after `key:` or `- `: scalars on the same line, collections on the next ones.
fn emit_value(out: &mut String, v: &Json, indent: usize) {
    match v {
        Json::Object(o) if !o.is_empty() => {
            out.push('\n');
            emit_map(out, o, indent + 2);
        }
        Json::Array(a) if !a.is_empty() => {
            out.push('\n');
            for item in a {
                let pad = " ".repeat(indent + 2);
                match item {
                    Json::Object(o) if !o.is_empty() => {
                        // The first key on the dash's line, the others under it.
                        let mut first = true;
                        for (k, v) in o {
                            if first {
                                let _ = write!(out, "{pad}- {}:", key(k));
                                first = false;
                            } else {
                                let _ = write!(out, "{pad}  {}:", key(k));
                            }
                            emit_value(out, v, indent + 4);
                        }
                    }
                    other => {
                        let _ = write!(out, "{pad}-");
                        emit_value(out, other, indent + 2);
                    }
                }
            }
        }
        scalar => {
            let _ = writeln!(out, " {}", scalar_text(scalar));
        }
    }
}

/// JSON's own text: a quoted string is a YAML double-quoted scalar, numbers and booleans are
/// the same in both.
fn scalar_text(v: &Json) -> String {
    match v {
        Json::Object(_) => "{}".into(),
        Json::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

/// Keys as they are when plain, else quoted.
fn key(k: &str) -> String {
    let plain = k
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        && k.starts_with(|c: char| c.is_ascii_alphabetic());
    if plain {
        k.to_string()
    } else {
        Json::String(k.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn logical_ids_come_from_the_physical_ids_and_are_unique() {
        let ids = parse_ids(&[
            "AWS::S3::Bucket=my-assets-bucket".into(),
            "AWS::S3::Bucket=my.assets.bucket".into(),
            "AWS::IAM::ManagedPolicy=arn:aws:iam::123456789012:policy/app/read-only".into(),
            "AWS::S3::Bucket=123-logs".into(),
        ])
        .unwrap();
        let logical: Vec<&str> = ids.iter().map(|(l, _, _)| l.as_str()).collect();
        assert_eq!(
            logical,
            [
                "MyAssetsBucket",
                "MyAssetsBucket2",
                "ReadOnly",
                "Bucket123Logs"
            ]
        );
        assert!(
            parse_ids(&["my-bucket".into()])
                .unwrap_err()
                .contains("TYPE=PHYSICAL_ID")
        );
    }

    #[test]
    fn documented_defaults_are_recognised_by_type_and_value() {
        assert!(is_default("AWS::IAM::Role", "Path", &json!("/")));
        assert!(is_default(
            "AWS::IAM::Role",
            "MaxSessionDuration",
            &json!(3600)
        ));
        assert!(!is_default(
            "AWS::IAM::Role",
            "MaxSessionDuration",
            &json!(7200)
        ));
        assert!(!is_default("AWS::IAM::Role", "Path", &json!("/app/")));
        assert!(!is_default("AWS::S3::Bucket", "Path", &json!("/")));
    }

    #[test]
    fn nested_values_are_written_as_block_yaml_that_reads_back_the_same() {
        let props = json!({
            "BucketName": "b: \"x\"",
            "Tags": [{"Key": "team", "Value": "data"}, {"Key": "n", "Value": "1"}],
            "VersioningConfiguration": {"Status": "Enabled"},
            "Ports": [80, 443],
            "Nested": [[1, 2], {"A": {"B": true}}],
            "Empty": {}
        });
        let mut out = String::new();
        emit_map(&mut out, props.as_object().unwrap(), 0);
        let docs = yaml_rust2::YamlLoader::load_from_str(&out).unwrap();
        let back = to_json(&docs[0]);
        assert_eq!(back, props, "{out}");
    }

    fn to_json(y: &yaml_rust2::Yaml) -> Json {
        use yaml_rust2::Yaml;
        match y {
            Yaml::String(s) => json!(s),
            Yaml::Integer(i) => json!(i),
            Yaml::Boolean(b) => json!(b),
            Yaml::Array(a) => Json::Array(a.iter().map(to_json).collect()),
            Yaml::Hash(h) => Json::Object(
                h.iter()
                    .map(|(k, v)| (k.as_str().unwrap().to_string(), to_json(v)))
                    .collect(),
            ),
            other => panic!("unexpected {other:?}"),
        }
    }
}
