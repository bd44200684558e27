//! `AWS::Events::Rule`: an EventBridge rule (event pattern and/or schedule) with its targets,
//! diffed by `Id` (PutTargets upserts, RemoveTargets drops), and tags. Physical id (`Ref`) = the
//! rule name, `<bus>|<name>` for a rule on another bus than the default one, as CloudFormation
//! answers; `GetAtt Arn`. PutRule is an upsert, so create looks first and refuses a rule that is
//! already there (the engine adopts it when its ownership tags say it is this stack's).

use super::targets;
use crate::resources::property::{self, changed, document, document_like};
use crate::resources::{
    Attributes, Created, Ctx, Live, Owner, Props, Resource, ResourceError, Result, is_earlier_copy,
    sdk_error,
};
use aws_sdk_eventbridge::operation::describe_rule::DescribeRuleOutput;
use aws_sdk_eventbridge::types::{RuleState, Tag, Target};
use serde_json::{Value, json};

pub struct Rule;

const MANAGED: &[&str] = &[
    "Description",
    "EventBusName",
    "EventPattern",
    "Name",
    "RoleArn",
    "ScheduleExpression",
    "State",
    "Targets",
    "Tags",
];

/// A bus name or ARN as the bus name (`arn:...:event-bus/orders` -> `orders`).
fn bus_name(bus: &str) -> &str {
    bus.rsplit('/').next().unwrap_or(bus)
}

/// The template's bus, `None` for the default one.
fn bus(props: &Props) -> Option<String> {
    property::string(props, "EventBusName").filter(|b| bus_name(b) != "default")
}

fn physical_id(bus: Option<&str>, name: &str) -> String {
    match bus {
        Some(bus) => format!("{bus}|{name}"),
        None => name.to_string(),
    }
}

/// (bus, name) of a physical id.
fn locate(physical_id: &str) -> (Option<&str>, &str) {
    match physical_id.split_once('|') {
        Some((bus, name)) => (Some(bus), name),
        None => (None, physical_id),
    }
}

async fn describe(ctx: &Ctx, bus: Option<&str>, name: &str) -> Result<Option<DescribeRuleOutput>> {
    let answer = ctx
        .clients
        .eventbridge()
        .describe_rule()
        .name(name)
        .set_event_bus_name(bus.map(str::to_string))
        .send()
        .await;
    match answer {
        Ok(out) => Ok(Some(out)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("events:DescribeRule", e)),
    }
}

async fn live_targets(ctx: &Ctx, bus: Option<&str>, name: &str) -> Result<Option<Vec<Target>>> {
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let answer = ctx
            .clients
            .eventbridge()
            .list_targets_by_rule()
            .rule(name)
            .set_event_bus_name(bus.map(str::to_string))
            .set_next_token(token)
            .send()
            .await;
        let out = match answer {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(sdk_error("events:ListTargetsByRule", e)),
        };
        all.extend(out.targets().iter().cloned());
        token = out.next_token;
        if token.is_none() {
            return Ok(Some(all));
        }
    }
}

async fn tags_of(ctx: &Ctx, arn: &str) -> Result<Vec<(String, String)>> {
    let out = ctx
        .clients
        .eventbridge()
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| sdk_error("events:ListTagsForResource", e))?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

fn sdk_tags(tags: Vec<(String, String)>) -> Result<Vec<Tag>> {
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

/// PutRule with every rule property of `props` (it replaces the rule's settings as a whole).
async fn put_rule(ctx: &Ctx, props: &Props, tags: Option<Vec<Tag>>) -> Result<String> {
    let name = property::required(props, "Name")?;
    let pattern = match props.get("EventPattern") {
        Some(Value::Object(_)) | Some(Value::String(_)) => document(props, "EventPattern"),
        None | Some(Value::Null) => None,
        Some(_) => {
            return Err(ResourceError::invalid(
                "EventPattern",
                "must be an object or a JSON string",
            ));
        }
    };
    let out = ctx
        .clients
        .eventbridge()
        .put_rule()
        .name(name)
        .set_event_bus_name(bus(props))
        .set_event_pattern(pattern)
        .set_schedule_expression(property::string(props, "ScheduleExpression"))
        .set_description(property::string(props, "Description"))
        .set_role_arn(property::string(props, "RoleArn"))
        .set_state(property::string(props, "State").map(|s| RuleState::from(s.as_str())))
        .set_tags(tags)
        .send()
        .await
        .map_err(|e| sdk_error("events:PutRule", e))?;
    Ok(out.rule_arn.unwrap_or_default())
}

/// PutTargets for the template's targets (an upsert by `Id`); a refused entry is an error.
async fn put_targets(ctx: &Ctx, bus: Option<&str>, name: &str, props: &Props) -> Result<()> {
    let wanted = targets::listed(props.get("Targets"))?
        .into_iter()
        .map(targets::to_sdk)
        .collect::<Result<Vec<_>>>()?;
    if wanted.is_empty() {
        return Ok(());
    }
    let out = ctx
        .clients
        .eventbridge()
        .put_targets()
        .rule(name)
        .set_event_bus_name(bus.map(str::to_string))
        .set_targets(Some(wanted))
        .send()
        .await
        .map_err(|e| sdk_error("events:PutTargets", e))?;
    match out.failed_entries().first() {
        Some(f) => Err(ResourceError::new(
            f.error_code().unwrap_or("PutTargetsFailed"),
            format!(
                "events:PutTargets: target {}: {}",
                f.target_id().unwrap_or_default(),
                f.error_message().unwrap_or_default()
            ),
        )),
        None => Ok(()),
    }
}

async fn remove_targets(ctx: &Ctx, bus: Option<&str>, name: &str, ids: Vec<String>) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    property::deleted(
        "events:RemoveTargets",
        ctx.clients
            .eventbridge()
            .remove_targets()
            .rule(name)
            .set_event_bus_name(bus.map(str::to_string))
            .set_ids(Some(ids))
            .send()
            .await,
        |s| s.is_resource_not_found_exception(),
    )
}

fn attributes(arn: Option<&str>) -> Attributes {
    Attributes::from([("Arn".to_string(), json!(arn.unwrap_or_default()))])
}

/// The live targets in the template's shape, in the template's order (others after).
fn targets_like(live: &[Target], desired: &Props) -> Result<Value> {
    let wanted = targets::listed(desired.get("Targets"))?;
    let position = |id: &str| {
        wanted
            .iter()
            .position(|w| targets::id(w).is_ok_and(|w| w == id))
            .unwrap_or(usize::MAX)
    };
    let mut live: Vec<&Target> = live.iter().collect();
    live.sort_by_key(|t| position(t.id()));
    Ok(Value::Array(
        live.into_iter()
            .map(|t| {
                let d = wanted
                    .iter()
                    .find(|w| targets::id(w).is_ok_and(|w| w == t.id()));
                targets::from_sdk(t, d.copied())
            })
            .collect(),
    ))
}

impl Resource for Rule {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("Name")
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "Name")?;
        let bus = bus(props);
        // PutRule would silently take over a rule of the same name: refuse it instead.
        if describe(ctx, bus.as_deref(), &name).await?.is_some() {
            return Err(ResourceError::new(
                "ResourceAlreadyExistsException",
                format!("rule {name} already exists"),
            ));
        }
        // PutRule and PutTargets are upserts: a retry after a lost answer changes nothing.
        let tags = sdk_tags(ctx.tags_with_ownership(props))?;
        let arn = put_rule(ctx, props, Some(tags)).await?;
        put_targets(ctx, bus.as_deref(), &name, props).await?;
        Ok(Created {
            physical_id: physical_id(bus.as_deref(), &name),
            attributes: attributes(Some(&arn)),
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let (bus, name) = locate(id);
        let Some(rule) = describe(ctx, bus, name).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert("Name".into(), json!(name));
        let text = |k: &str, v: Option<&str>| v.map(|v| (k.to_string(), json!(v)));
        let fields = [
            text("Description", rule.description()),
            text("ScheduleExpression", rule.schedule_expression()),
            text("RoleArn", rule.role_arn()),
            text("State", rule.state().map(RuleState::as_str)),
        ];
        p.extend(fields.into_iter().flatten());
        if let Some(pattern) = rule.event_pattern() {
            let live = document_like(pattern, desired.get("EventPattern"));
            p.insert("EventPattern".into(), live);
        }
        if let Some(wanted) = property::string(desired, "EventBusName") {
            let live = rule.event_bus_name().unwrap_or("default");
            let same = bus_name(&wanted) == live;
            p.insert(
                "EventBusName".into(),
                json!(if same { &wanted } else { live }),
            );
        }
        if desired.contains_key("Targets") {
            let Some(live) = live_targets(ctx, bus, name).await? else {
                return Ok(None);
            };
            p.insert("Targets".into(), targets_like(&live, desired)?);
        }
        if desired.contains_key("Tags") {
            let tags = tags_of(ctx, rule.arn().unwrap_or_default()).await?;
            p.insert(
                "Tags".into(),
                property::tags_value(tags.iter().map(|(k, v)| (k, v))),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(rule.arn()),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let (bus, name) = locate(id);
        let arn = put_rule(ctx, new, None).await?;
        if changed(old, new, "Targets") {
            let keep: Vec<String> = targets::listed(new.get("Targets"))?
                .into_iter()
                .map(targets::id)
                .collect::<Result<_>>()?;
            let live = live_targets(ctx, bus, name).await?.unwrap_or_default();
            let dropped = live
                .iter()
                .map(|t| t.id().to_string())
                .filter(|i| !keep.contains(i))
                .collect();
            remove_targets(ctx, bus, name, dropped).await?;
            put_targets(ctx, bus, name, new).await?;
        }
        let (set, removed) = property::tag_changes(old, new);
        let events = ctx.clients.eventbridge();
        if !set.is_empty() {
            events
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(sdk_tags(set)?))
                .send()
                .await
                .map_err(|e| sdk_error("events:TagResource", e))?;
        }
        if !removed.is_empty() {
            events
                .untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("events:UntagResource", e))?;
        }
        Ok(attributes(Some(&arn)))
    }

    /// Targets first: EventBridge refuses to delete a rule that has any.
    async fn delete(&self, ctx: &Ctx, id: &str, _props: &Props) -> Result<()> {
        let (bus, name) = locate(id);
        let Some(live) = live_targets(ctx, bus, name).await? else {
            return Ok(());
        };
        let ids = live.iter().map(|t| t.id().to_string()).collect();
        remove_targets(ctx, bus, name, ids).await?;
        property::deleted(
            "events:DeleteRule",
            ctx.clients
                .eventbridge()
                .delete_rule()
                .name(name)
                .set_event_bus_name(bus.map(str::to_string))
                .send()
                .await,
            |s| s.is_resource_not_found_exception(),
        )
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = property::string(props, "Name") else {
            return Ok(None);
        };
        let bus = bus(props);
        let id = physical_id(bus.as_deref(), &name);
        if is_earlier_copy(props, &id) {
            return Ok(None);
        }
        Ok(describe(ctx, bus.as_deref(), &name).await?.map(|_| id))
    }

    /// The owner of a rule of that name on the default bus, by its ownership tags.
    async fn owner(&self, ctx: &Ctx, name: &str) -> Result<Option<Owner>> {
        let Some(rule) = describe(ctx, None, name).await? else {
            return Ok(None);
        };
        let tags = tags_of(ctx, rule.arn().unwrap_or_default()).await?;
        Ok(Owner::from_tags(tags))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_physical_id_names_a_custom_bus_as_cloudformation_does() {
        assert_eq!(physical_id(None, "nightly"), "nightly");
        assert_eq!(physical_id(Some("orders"), "paid"), "orders|paid");
        assert_eq!(locate("orders|paid"), (Some("orders"), "paid"));
        assert_eq!(locate("nightly"), (None, "nightly"));
        let default = json!({"EventBusName": "default"});
        assert_eq!(bus(default.as_object().unwrap()), None);
        let arn = "arn:aws:events:us-east-1:1:event-bus/orders";
        assert_eq!(bus_name(arn), "orders");
    }
}
