//! `AWS::StepFunctions::StateMachine`: a STANDARD or EXPRESS state machine from `Definition` (an
//! object) or `DefinitionString`, with `DefinitionSubstitutions`, its role, logging, tracing and
//! tags. Physical id (`Ref`) = the ARN; `GetAtt Arn`, `Name`, `StateMachineRevisionId`.
//! CreateStateMachine is idempotent for the same name and settings (a retry after a lost answer
//! answers the same machine) and says `StateMachineAlreadyExists` for another machine's name.

use super::definition;
use crate::resources::iam::partition;
use crate::resources::property::{self, changed, shape_like};
use crate::resources::{
    Attributes, Created, Ctx, Live, Owner, Props, Resource, ResourceError, Result, is_earlier_copy,
    sdk_error,
};
use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineOutput;
use aws_sdk_sfn::types::{
    CloudWatchLogsLogGroup, LogDestination, LogLevel, LoggingConfiguration, StateMachineStatus,
    StateMachineType, Tag, TracingConfiguration,
};
use serde_json::{Map, Value, json};

pub struct StateMachine;

const MANAGED: &[&str] = &[
    "Definition",
    "DefinitionS3Location",
    "DefinitionString",
    "DefinitionSubstitutions",
    "LoggingConfiguration",
    "RoleArn",
    "StateMachineName",
    "StateMachineType",
    "Tags",
    "TracingConfiguration",
];

fn arn_of(ctx: &Ctx, name: &str) -> String {
    let partition = partition(&ctx.region);
    format!(
        "arn:{partition}:states:{}:{}:stateMachine:{name}",
        ctx.region, ctx.account_id
    )
}

/// The machine, `None` when it does not exist or is being deleted.
async fn describe(ctx: &Ctx, arn: &str) -> Result<Option<DescribeStateMachineOutput>> {
    let answer = ctx
        .clients
        .sfn()
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await;
    match answer {
        Ok(out) if out.status() == Some(&StateMachineStatus::Deleting) => Ok(None),
        Ok(out) => Ok(Some(out)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_state_machine_does_not_exist()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("states:DescribeStateMachine", e)),
    }
}

async fn definition_text(ctx: &Ctx, props: &Props) -> Result<String> {
    if let Some(text) = definition::to_text(props)? {
        return Ok(text);
    }
    definition::from_s3(ctx, props).await?.ok_or_else(|| {
        ResourceError::invalid(
            "Definition",
            "Definition, DefinitionString or DefinitionS3Location is required",
        )
    })
}

/// `LoggingConfiguration` in the API's shape; `None` when the template leaves it out.
fn logging(props: &Props) -> Result<Option<LoggingConfiguration>> {
    let Some(l) = property::object(props, "LoggingConfiguration")? else {
        return Ok(None);
    };
    let mut b = LoggingConfiguration::builder();
    if let Some(level) = property::value::string(l.get("Level"), "LoggingConfiguration.Level")? {
        b = b.level(LogLevel::from(level.as_str()));
    }
    let include = l.get("IncludeExecutionData");
    if let Some(i) = property::value::boolean(include, "LoggingConfiguration.IncludeExecutionData")?
    {
        b = b.include_execution_data(i);
    }
    let destinations = match l.get("Destinations") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            return Err(ResourceError::invalid(
                "LoggingConfiguration.Destinations",
                "must be a list",
            ));
        }
    };
    for d in &destinations {
        let arn = d
            .pointer("/CloudWatchLogsLogGroup/LogGroupArn")
            .and_then(property::text);
        let group = CloudWatchLogsLogGroup::builder()
            .set_log_group_arn(arn)
            .build();
        b = b.destinations(
            LogDestination::builder()
                .cloud_watch_logs_log_group(group)
                .build(),
        );
    }
    Ok(Some(b.build()))
}

fn tracing(props: &Props) -> Result<Option<TracingConfiguration>> {
    let Some(t) = property::object(props, "TracingConfiguration")? else {
        return Ok(None);
    };
    let enabled = property::value::boolean(t.get("Enabled"), "TracingConfiguration.Enabled")?;
    Ok(Some(
        TracingConfiguration::builder()
            .enabled(enabled.unwrap_or(false))
            .build(),
    ))
}

fn logging_value(l: &LoggingConfiguration) -> Value {
    let destinations: Vec<Value> = l
        .destinations()
        .iter()
        .map(|d| {
            let arn = d
                .cloud_watch_logs_log_group()
                .and_then(|g| g.log_group_arn());
            json!({"CloudWatchLogsLogGroup": {"LogGroupArn": arn}})
        })
        .collect();
    let mut m = Map::new();
    if let Some(level) = l.level() {
        m.insert("Level".into(), json!(level.as_str()));
    }
    m.insert(
        "IncludeExecutionData".into(),
        json!(l.include_execution_data()),
    );
    if !destinations.is_empty() {
        m.insert("Destinations".into(), Value::Array(destinations));
    }
    Value::Object(m)
}

fn sdk_tags(tags: Vec<(String, String)>) -> Vec<Tag> {
    tags.into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

async fn tags_of(ctx: &Ctx, arn: &str) -> Result<Vec<(String, String)>> {
    let out = ctx
        .clients
        .sfn()
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| sdk_error("states:ListTagsForResource", e))?;
    Ok(out
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect())
}

fn attributes(arn: &str, revision: Option<&str>) -> Attributes {
    let name = arn.rsplit(':').next().unwrap_or(arn);
    let mut a = Attributes::from([
        ("Arn".to_string(), json!(arn)),
        ("Name".to_string(), json!(name)),
    ]);
    if let Some(r) = revision {
        a.insert("StateMachineRevisionId".into(), json!(r));
    }
    a
}

impl Resource for StateMachine {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("StateMachineName")
    }

    fn name_rules(&self) -> (usize, bool) {
        (80, false)
    }

    fn compare_view(&self, mut props: Props) -> Result<Props> {
        definition::view(&mut props)?;
        Ok(props)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "StateMachineName")?;
        let kind =
            property::string(props, "StateMachineType").map(|t| StateMachineType::from(t.as_str()));
        let out = ctx
            .clients
            .sfn()
            .create_state_machine()
            .name(&name)
            .definition(definition_text(ctx, props).await?)
            .role_arn(property::required(props, "RoleArn")?)
            .set_type(kind)
            .set_logging_configuration(logging(props)?)
            .set_tracing_configuration(tracing(props)?)
            .set_tags(Some(sdk_tags(ctx.tags_with_ownership(props))))
            .send()
            .await
            .map_err(|e| sdk_error("states:CreateStateMachine", e))?;
        let arn = out.state_machine_arn;
        Ok(Created {
            attributes: attributes(&arn, None),
            physical_id: arn,
        })
    }

    async fn read(&self, ctx: &Ctx, arn: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(m) = describe(ctx, arn).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert("StateMachineName".into(), json!(m.name()));
        p.insert("RoleArn".into(), json!(m.role_arn()));
        if let Some((key, value)) = definition::live(m.definition(), desired)? {
            p.insert(key.into(), value);
        }
        if let Some(value) = definition::live_s3(ctx, m.definition(), desired).await? {
            p.insert("DefinitionS3Location".into(), value);
        }
        if desired.contains_key("StateMachineType") {
            p.insert("StateMachineType".into(), json!(m.r#type().as_str()));
        }
        if let (Some(l), Some(d)) = (
            m.logging_configuration(),
            desired.get("LoggingConfiguration"),
        ) {
            p.insert(
                "LoggingConfiguration".into(),
                shape_like(&logging_value(l), d),
            );
        }
        if let (Some(t), true) = (
            m.tracing_configuration(),
            desired.contains_key("TracingConfiguration"),
        ) {
            p.insert(
                "TracingConfiguration".into(),
                json!({"Enabled": t.enabled()}),
            );
        }
        if desired.contains_key("Tags") {
            let tags = tags_of(ctx, arn).await?;
            p.insert(
                "Tags".into(),
                property::tags_value(tags.iter().map(|(k, v)| (k, v))),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(arn, m.revision_id()),
        }))
    }

    async fn update(&self, ctx: &Ctx, arn: &str, old: &Props, new: &Props) -> Result<Attributes> {
        // The object behind DefinitionS3Location may have changed while its location did not.
        let definition = if definition::same(old, new)? && !new.contains_key("DefinitionS3Location")
        {
            None
        } else {
            Some(definition_text(ctx, new).await?)
        };
        let role = changed(old, new, "RoleArn")
            .then(|| property::string(new, "RoleArn"))
            .flatten();
        // A configuration the template drops goes back to what a new machine has.
        let logging =
            match changed(old, new, "LoggingConfiguration") {
                false => None,
                true => Some(logging(new)?.unwrap_or_else(|| {
                    LoggingConfiguration::builder().level(LogLevel::Off).build()
                })),
            };
        let tracing = match changed(old, new, "TracingConfiguration") {
            false => None,
            true => Some(
                tracing(new)?
                    .unwrap_or_else(|| TracingConfiguration::builder().enabled(false).build()),
            ),
        };
        let mut revision = None;
        if definition.is_some() || role.is_some() || logging.is_some() || tracing.is_some() {
            let out = ctx
                .clients
                .sfn()
                .update_state_machine()
                .state_machine_arn(arn)
                .set_definition(definition)
                .set_role_arn(role)
                .set_logging_configuration(logging)
                .set_tracing_configuration(tracing)
                .send()
                .await
                .map_err(|e| sdk_error("states:UpdateStateMachine", e))?;
            revision = out.revision_id;
        }
        let (set, removed) = property::tag_changes(old, new);
        let sfn = ctx.clients.sfn();
        if !set.is_empty() {
            sfn.tag_resource()
                .resource_arn(arn)
                .set_tags(Some(sdk_tags(set)))
                .send()
                .await
                .map_err(|e| sdk_error("states:TagResource", e))?;
        }
        if !removed.is_empty() {
            sfn.untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("states:UntagResource", e))?;
        }
        Ok(attributes(arn, revision.as_deref()))
    }

    /// DeleteStateMachine answers success for a machine already gone.
    async fn delete(&self, ctx: &Ctx, arn: &str, _props: &Props) -> Result<()> {
        ctx.clients
            .sfn()
            .delete_state_machine()
            .state_machine_arn(arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sdk_error("states:DeleteStateMachine", e))
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = property::string(props, "StateMachineName") else {
            return Ok(None);
        };
        let arn = arn_of(ctx, &name);
        if is_earlier_copy(props, &arn) {
            return Ok(None);
        }
        Ok(describe(ctx, &arn).await?.map(|_| arn))
    }

    async fn owner(&self, ctx: &Ctx, name: &str) -> Result<Option<Owner>> {
        let arn = arn_of(ctx, name);
        if describe(ctx, &arn).await?.is_none() {
            return Ok(None);
        }
        Ok(Owner::from_tags(tags_of(ctx, &arn).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_goes_to_the_api_shape_and_back() {
        let p = json!({"LoggingConfiguration": {"Level": "ALL", "IncludeExecutionData": "true",
            "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": "arn:aws:logs:us-east-1:1:log-group:g:*"}}]}});
        let p = p.as_object().unwrap();
        let l = logging(p).unwrap().unwrap();
        assert_eq!(l.level(), Some(&LogLevel::All));
        let back = logging_value(&l);
        assert!(crate::resources::compare::equivalent(
            &p["LoggingConfiguration"],
            &back
        ));
        assert!(tracing(p).unwrap().is_none());
    }
}
