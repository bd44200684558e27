//! One security group rule as a resource of its own (`SecurityGroupIngress`/`Egress`): the
//! template props are the rule itself plus `GroupId`.
//!
//! Physical id: `GROUP|DIRECTION|PROTOCOL|FROM|TO|KIND=PEER` (see [`Rule::composite_id`]), a
//! stable composite that names the rule without a separate rule-id lookup. Delete revokes it.

use super::rules::{Direction, Rule, authorize_rules, describe_group, live_rules, revoke_rules};
use super::string;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use serde_json::{Value, json};

pub struct StandaloneRule(pub Direction);

impl StandaloneRule {
    fn rule(&self, props: &Props) -> Result<(String, Rule)> {
        let group =
            string(props, "GroupId").ok_or_else(|| ResourceError::invalid("GroupId", "missing"))?;
        let rule = Rule::from_template(&Value::Object(props.clone()), self.0, "rule")?;
        Ok((group, rule))
    }
}

/// The properties this handler sends and reads, by direction.
const MANAGED_INGRESS: &[&str] = &[
    "CidrIp",
    "CidrIpv6",
    "Description",
    "FromPort",
    "GroupId",
    "IpProtocol",
    "SourcePrefixListId",
    "SourceSecurityGroupId",
    "ToPort",
];
const MANAGED_EGRESS: &[&str] = &[
    "CidrIp",
    "CidrIpv6",
    "Description",
    "DestinationPrefixListId",
    "DestinationSecurityGroupId",
    "FromPort",
    "GroupId",
    "IpProtocol",
    "ToPort",
];

impl Resource for StandaloneRule {
    fn managed_properties(&self) -> &'static [&'static str] {
        match self.0 {
            Direction::Ingress => MANAGED_INGRESS,
            Direction::Egress => MANAGED_EGRESS,
        }
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let (group, rule) = self.rule(props)?;
        authorize_rules(ctx, &group, self.0, &[&rule]).await?;
        let id = rule.composite_id(&group, self.0);
        Ok(Created {
            attributes: Attributes::from([("Id".to_string(), json!(id))]),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let (group_id, _, wanted) = Rule::parse_composite_id(physical_id)
            .ok_or_else(|| ResourceError::new("InvalidPhysicalId", physical_id))?;
        let Some(group) = describe_group(ctx, &group_id).await? else {
            return Ok(None);
        };
        let live = live_rules(&group, self.0);
        let Some(rule) = live.iter().find(|r| r.same_permission(&wanted)) else {
            return Ok(None);
        };
        // The template's spelling (`6` for `tcp`, ports on `-1`) when it is the same rule.
        let properties = match self.rule(desired) {
            Ok((g, want)) if g == group_id && want == *rule => desired.clone(),
            _ => {
                let Value::Object(mut properties) = rule.to_template(self.0) else {
                    unreachable!("a rule is an object");
                };
                properties.insert("GroupId".into(), json!(group_id));
                properties
            }
        };
        Ok(Some(Live {
            properties,
            attributes: Attributes::from([("Id".to_string(), json!(physical_id))]),
        }))
    }

    /// Only `Description` changes in place (everything else names another rule): the rule is
    /// authorized again with the new description after revoking the old one.
    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        _old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let (group, rule) = self.rule(new)?;
        revoke_rules(ctx, &group, self.0, &[&rule]).await?;
        authorize_rules(ctx, &group, self.0, &[&rule]).await?;
        Ok(Attributes::from([("Id".to_string(), json!(physical_id))]))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let (group, _, rule) = Rule::parse_composite_id(physical_id)
            .ok_or_else(|| ResourceError::new("InvalidPhysicalId", physical_id))?;
        revoke_rules(ctx, &group, self.0, &[&rule]).await
    }

    /// A rule has no name or tags of its own: the rule is found by what it is.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let (group_id, rule) = self.rule(props)?;
        let Some(group) = describe_group(ctx, &group_id).await? else {
            return Ok(None);
        };
        let exists = live_rules(&group, self.0)
            .iter()
            .any(|r| r.same_permission(&rule));
        Ok(exists.then(|| rule.composite_id(&group_id, self.0)))
    }
}
