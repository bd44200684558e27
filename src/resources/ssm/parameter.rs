//! `AWS::SSM::Parameter`: a `String` or `StringList` parameter of Parameter Store, with its
//! description, allowed pattern, tier, data type and tags (a `{key: value}` map, as the schema
//! has it). Physical id (`Ref`) = the parameter name. `SecureString` cannot be created through
//! CloudFormation and is refused here too; `Policies` (advanced tier) is not supported yet.

use super::get_parameter;
use crate::resources::property::{self, changed};
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, sdk_error,
};
use aws_sdk_ssm::types::{
    ParameterStringFilter, ParameterTier, ParameterType, ResourceTypeForTagging, Tag,
};
use serde_json::{Value, json};

pub struct Parameter;

const MANAGED: &[&str] = &[
    "AllowedPattern",
    "DataType",
    "Description",
    "Name",
    "Tags",
    "Tier",
    "Type",
    "Value",
];

/// Properties only DescribeParameters returns.
const METADATA: &[&str] = &["AllowedPattern", "Description", "Tier"];

fn parameter_type(props: &Props) -> Result<ParameterType> {
    match property::required(props, "Type")?.as_str() {
        "String" => Ok(ParameterType::String),
        "StringList" => Ok(ParameterType::StringList),
        "SecureString" => Err(ResourceError::invalid(
            "Type",
            "SecureString parameters cannot be created from a template (as in CloudFormation): \
             create it outside and refer to it with {{resolve:ssm-secure:NAME}}",
        )),
        other => Err(ResourceError::invalid(
            "Type",
            format!("`{other}` is not String or StringList"),
        )),
    }
}

/// The `Tags` map as (key, value) pairs, fuelflow's own keys left out.
fn tag_map(props: &Props) -> Result<Vec<(String, String)>> {
    Ok(property::string_map(props, "Tags")?
        .into_iter()
        .filter(|(k, _)| !k.starts_with(property::RESERVED_PREFIX))
        .collect())
}

fn ssm_tags(tags: Vec<(String, String)>) -> Result<Vec<Tag>> {
    tags.into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::invalid("Tags", e))
        })
        .collect()
}

fn attributes(parameter_type: &str, value: &str) -> Attributes {
    Attributes::from([
        ("Type".to_string(), json!(parameter_type)),
        ("Value".to_string(), json!(value)),
    ])
}

/// A configuration override for the create's PutParameter: PutParameter without `Overwrite`
/// is not idempotent (a second call answers ParameterAlreadyExists), so no SDK retry: a lost
/// answer reaches the engine, which looks the parameter up before it tries again.
fn sent_once() -> aws_sdk_ssm::config::Builder {
    aws_sdk_ssm::config::Builder::default()
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

/// PutParameter with everything but the tags (which PutParameter refuses with `Overwrite`).
fn put(
    ctx: &Ctx,
    name: &str,
    props: &Props,
) -> Result<aws_sdk_ssm::operation::put_parameter::builders::PutParameterFluentBuilder> {
    let tier = property::string(props, "Tier").map(|t| ParameterTier::from(t.as_str()));
    Ok(ctx
        .clients
        .ssm()
        .put_parameter()
        .name(name)
        .value(property::required(props, "Value")?)
        .r#type(parameter_type(props)?)
        .set_description(property::string(props, "Description"))
        .set_allowed_pattern(property::string(props, "AllowedPattern"))
        .set_tier(tier)
        .set_data_type(property::string(props, "DataType")))
}

async fn tags_of(ctx: &Ctx, name: &str) -> Result<Value> {
    let out = ctx
        .clients
        .ssm()
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .map_err(|e| sdk_error("ssm:ListTagsForResource", e))?;
    Ok(Value::Object(
        out.tag_list()
            .iter()
            .filter(|t| {
                !t.key().starts_with(property::RESERVED_PREFIX) && !t.key().starts_with("aws:")
            })
            .map(|t| (t.key().to_string(), json!(t.value())))
            .collect(),
    ))
}

/// Description, allowed pattern and tier, from DescribeParameters.
async fn metadata(ctx: &Ctx, name: &str, p: &mut Props) -> Result<()> {
    let filter = ParameterStringFilter::builder()
        .key("Name")
        .option("Equals")
        .values(name)
        .build()
        .map_err(|e| ResourceError::new("InvalidRequest", e.to_string()))?;
    let out = ctx
        .clients
        .ssm()
        .describe_parameters()
        .parameter_filters(filter)
        .send()
        .await
        .map_err(|e| sdk_error("ssm:DescribeParameters", e))?;
    if let Some(m) = out.parameters().iter().find(|m| m.name() == Some(name)) {
        if let Some(d) = m.description() {
            p.insert("Description".into(), json!(d));
        }
        if let Some(a) = m.allowed_pattern() {
            p.insert("AllowedPattern".into(), json!(a));
        }
        if let Some(t) = m.tier() {
            p.insert("Tier".into(), json!(t.as_str()));
        }
    }
    Ok(())
}

impl Resource for Parameter {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("Name")
    }

    fn name_rules(&self) -> (usize, bool) {
        (1011, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "Name")?;
        let mut tags = tag_map(props)?;
        tags.extend(ctx.ownership_tags());
        put(ctx, &name, props)?
            .set_tags(Some(ssm_tags(tags)?))
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("ssm:PutParameter", e))?;
        let kind = property::required(props, "Type")?;
        Ok(Created {
            attributes: attributes(&kind, &property::required(props, "Value")?),
            physical_id: name,
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(found) = get_parameter(ctx.clients.ssm(), name, false).await? else {
            return Ok(None);
        };
        let kind = found.r#type().map(|t| t.as_str()).unwrap_or_default();
        let value = found.value().unwrap_or_default();
        let mut p = Props::new();
        p.insert("Name".into(), json!(name));
        p.insert("Type".into(), json!(kind));
        p.insert("Value".into(), json!(value));
        if desired.contains_key("DataType") {
            p.insert("DataType".into(), json!(found.data_type()));
        }
        if METADATA.iter().any(|k| desired.contains_key(*k)) {
            metadata(ctx, name, &mut p).await?;
        }
        if desired.contains_key("Tags") {
            p.insert("Tags".into(), tags_of(ctx, name).await?);
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(kind, value),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let ssm = ctx.clients.ssm();
        let fields = [
            "AllowedPattern",
            "DataType",
            "Description",
            "Tier",
            "Type",
            "Value",
        ];
        if property::any_changed(old, new, &fields) {
            // Overwrite: the same call again is harmless, so the SDK may retry it.
            put(ctx, name, new)?
                .overwrite(true)
                .send()
                .await
                .map_err(|e| sdk_error("ssm:PutParameter", e))?;
        }
        if changed(old, new, "Tags") {
            let (old_tags, new_tags) = (tag_map(old)?, tag_map(new)?);
            let set: Vec<(String, String)> = new_tags
                .iter()
                .filter(|t| !old_tags.contains(t))
                .cloned()
                .collect();
            let removed: Vec<String> = old_tags
                .iter()
                .filter(|(k, _)| !new_tags.iter().any(|(n, _)| n == k))
                .map(|(k, _)| k.clone())
                .collect();
            if !set.is_empty() {
                ssm.add_tags_to_resource()
                    .resource_type(ResourceTypeForTagging::Parameter)
                    .resource_id(name)
                    .set_tags(Some(ssm_tags(set)?))
                    .send()
                    .await
                    .map_err(|e| sdk_error("ssm:AddTagsToResource", e))?;
            }
            if !removed.is_empty() {
                ssm.remove_tags_from_resource()
                    .resource_type(ResourceTypeForTagging::Parameter)
                    .resource_id(name)
                    .set_tag_keys(Some(removed))
                    .send()
                    .await
                    .map_err(|e| sdk_error("ssm:RemoveTagsFromResource", e))?;
            }
        }
        Ok(attributes(
            &property::required(new, "Type")?,
            &property::required(new, "Value")?,
        ))
    }

    async fn delete(&self, ctx: &Ctx, name: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "ssm:DeleteParameter",
            ctx.clients.ssm().delete_parameter().name(name).send().await,
            |s| s.is_parameter_not_found(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = property::string(props, "Name") else {
            return Ok(None);
        };
        Ok(get_parameter(ctx.clients.ssm(), &name, false)
            .await?
            .map(|_| name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(v: Value) -> Props {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn secure_strings_are_refused_with_the_way_to_use_one() {
        let e = parameter_type(&props(json!({"Type": "SecureString"}))).unwrap_err();
        assert!(e.message.contains("resolve:ssm-secure"), "{e}");
        assert_eq!(
            parameter_type(&props(json!({"Type": "StringList"}))).unwrap(),
            ParameterType::StringList
        );
        assert!(parameter_type(&props(json!({"Type": "Integer"}))).is_err());
    }

    #[test]
    fn tags_are_a_map_without_fuelflows_keys() {
        let p = props(json!({"Tags": {"team": "fuel", "fuelflow:stack": "s"}}));
        assert_eq!(
            tag_map(&p).unwrap(),
            vec![("team".to_string(), "fuel".to_string())]
        );
    }
}
