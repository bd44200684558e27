//! `AWS::EC2::NetworkAclEntry`: one IPv4 rule of a network ACL. Physical id:
//! `<acl id>|<ingress or egress>|<rule number>` (the three create-only properties; an entry has
//! no id of its own). A changed protocol, action, CIDR or port range is `ReplaceNetworkAclEntry`.
//! An entry has no tags: `find` takes the entry of that number and direction in that ACL.

use super::{ec2_error, has_code, network_acl};
use crate::resources::property::{boolean, integer, object, required, string};
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, is_earlier_copy,
};
use aws_sdk_ec2::types::{NetworkAclEntry as LiveEntry, PortRange, RuleAction};
use serde_json::{Value, json};

pub struct NetworkAclEntry;

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &[
    "NetworkAclId",
    "RuleNumber",
    "Egress",
    "Protocol",
    "RuleAction",
    "CidrBlock",
    "PortRange",
];

/// An entry's identity: its ACL, direction and rule number.
struct Key {
    acl: String,
    egress: bool,
    rule: i32,
}

impl Key {
    fn of(props: &Props) -> Result<Key> {
        Ok(Key {
            acl: required(props, "NetworkAclId")?,
            egress: boolean(props, "Egress")?.unwrap_or(false),
            rule: integer(props, "RuleNumber")?
                .ok_or_else(|| ResourceError::invalid("RuleNumber", "is required"))?,
        })
    }

    fn parse(physical_id: &str) -> Result<Key> {
        let bad = || {
            ResourceError::new(
                "InvalidNetworkAclEntry.Id",
                format!("{physical_id}: not <acl id>|<ingress or egress>|<rule number>"),
            )
        };
        let mut parts = physical_id.split('|');
        let (Some(acl), Some(direction), Some(rule), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        Ok(Key {
            acl: acl.to_string(),
            egress: direction == "egress",
            rule: rule.parse().map_err(|_| bad())?,
        })
    }

    fn id(&self) -> String {
        let direction = if self.egress { "egress" } else { "ingress" };
        format!("{}|{direction}|{}", self.acl, self.rule)
    }
}

/// The rule's content: what `CreateNetworkAclEntry` and `ReplaceNetworkAclEntry` both take.
struct Rule {
    protocol: String,
    action: RuleAction,
    cidr: Option<String>,
    ports: Option<PortRange>,
}

impl Rule {
    fn of(props: &Props) -> Result<Rule> {
        let ports = match object(props, "PortRange")? {
            None => None,
            Some(range) => {
                let port = |k: &str| {
                    crate::resources::property::value::integer::<i32>(range.get(k), "PortRange")
                };
                Some(
                    PortRange::builder()
                        .set_from(port("From")?)
                        .set_to(port("To")?)
                        .build(),
                )
            }
        };
        Ok(Rule {
            protocol: required(props, "Protocol")?,
            action: RuleAction::from(required(props, "RuleAction")?.to_lowercase().as_str()),
            cidr: string(props, "CidrBlock"),
            ports,
        })
    }
}

impl Resource for NetworkAclEntry {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let (key, rule) = (Key::of(props)?, Rule::of(props)?);
        ctx.clients
            .ec2()
            .create_network_acl_entry()
            .network_acl_id(&key.acl)
            .rule_number(key.rule)
            .egress(key.egress)
            .protocol(rule.protocol)
            .rule_action(rule.action)
            .set_cidr_block(rule.cidr)
            .set_port_range(rule.ports)
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| ec2_error("ec2:CreateNetworkAclEntry", e))?;
        Ok(Created {
            attributes: attributes(&key.id()),
            physical_id: key.id(),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, _desired: &Props) -> Result<Option<Live>> {
        let key = Key::parse(physical_id)?;
        let Some(entry) = live_entry(ctx, &key).await? else {
            return Ok(None);
        };
        let mut properties = Props::new();
        properties.insert("NetworkAclId".into(), json!(key.acl));
        properties.insert("RuleNumber".into(), json!(key.rule));
        properties.insert("Egress".into(), json!(key.egress));
        if let Some(protocol) = entry.protocol() {
            // EC2 answers the number as text ("6", "-1"); the template has an integer.
            let number = protocol.parse::<i64>().map(Value::from);
            properties.insert("Protocol".into(), number.unwrap_or(json!(protocol)));
        }
        if let Some(action) = entry.rule_action() {
            properties.insert("RuleAction".into(), json!(action.as_str()));
        }
        if let Some(cidr) = entry.cidr_block() {
            properties.insert("CidrBlock".into(), json!(cidr));
        }
        if let Some(ports) = entry.port_range() {
            properties.insert(
                "PortRange".into(),
                json!({"From": ports.from(), "To": ports.to()}),
            );
        }
        Ok(Some(Live {
            properties,
            attributes: attributes(physical_id),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        _old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let (key, rule) = (Key::parse(physical_id)?, Rule::of(new)?);
        ctx.clients
            .ec2()
            .replace_network_acl_entry()
            .network_acl_id(&key.acl)
            .rule_number(key.rule)
            .egress(key.egress)
            .protocol(rule.protocol)
            .rule_action(rule.action)
            .set_cidr_block(rule.cidr)
            .set_port_range(rule.ports)
            .send()
            .await
            .map_err(|e| ec2_error("ec2:ReplaceNetworkAclEntry", e))?;
        Ok(attributes(physical_id))
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, _props: &Props) -> Result<()> {
        let key = Key::parse(physical_id)?;
        // (moto answers a delete of a missing entry with HTTP 500: ask first.)
        if live_entry(ctx, &key).await?.is_none() {
            return Ok(());
        }
        let answer = ctx
            .clients
            .ec2()
            .delete_network_acl_entry()
            .network_acl_id(&key.acl)
            .rule_number(key.rule)
            .egress(key.egress)
            .send()
            .await;
        match answer {
            Ok(_) => Ok(()),
            Err(e)
                if has_code(&e, "InvalidNetworkAclEntry.NotFound")
                    || has_code(&e, "InvalidNetworkAclID.NotFound") =>
            {
                Ok(())
            }
            Err(e) => Err(ec2_error("ec2:DeleteNetworkAclEntry", e)),
        }
    }

    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let key = Key::of(props)?;
        let found = live_entry(ctx, &key).await?.is_some();
        Ok(Some(key.id()).filter(|id| found && !is_earlier_copy(props, id)))
    }
}

/// The entry of that direction and number, or `None` when it (or its ACL) is gone.
async fn live_entry(ctx: &Ctx, key: &Key) -> Result<Option<LiveEntry>> {
    let Some(acl) = network_acl::describe(ctx, &key.acl).await? else {
        return Ok(None);
    };
    Ok(acl
        .entries()
        .iter()
        .find(|e| e.egress() == Some(key.egress) && e.rule_number() == Some(key.rule))
        .cloned())
}

fn attributes(id: &str) -> Attributes {
    Attributes::from([("Id".to_string(), json!(id))])
}
