//! Security group rules, shared by `AWS::EC2::SecurityGroup` (inline rule lists) and the
//! standalone `SecurityGroupIngress` / `SecurityGroupEgress` types: one [`Rule`] is one protocol,
//! port range and peer, written in the template as `{IpProtocol, FromPort, ToPort, CidrIp, ...}`
//! and sent to EC2 as an `IpPermission` with a single peer.

use super::{ec2_error, has_code, text};
use crate::resources::{Ctx, ResourceError, Result};
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, SecurityGroup, UserIdGroupPair,
};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// The template keys naming a peer group or prefix list, which differ by direction.
    fn group_key(self) -> &'static str {
        match self {
            Direction::Ingress => "SourceSecurityGroupId",
            Direction::Egress => "DestinationSecurityGroupId",
        }
    }

    fn prefix_list_key(self) -> &'static str {
        match self {
            Direction::Ingress => "SourcePrefixListId",
            Direction::Egress => "DestinationPrefixListId",
        }
    }
}

/// Who the rule lets in (or out to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    Cidr(String),
    Cidr6(String),
    Group(String),
    PrefixList(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, a protocol number, or `-1` (all, no ports).
    pub protocol: String,
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub peer: Peer,
    pub description: Option<String>,
}

impl Rule {
    /// A rule from its template shape; `property` names it in errors.
    pub fn from_template(v: &Value, direction: Direction, property: &str) -> Result<Rule> {
        let rule = v
            .as_object()
            .ok_or_else(|| ResourceError::invalid(property, "expected an object"))?;
        let get = |key: &str| rule.get(key).and_then(text).filter(|s| !s.is_empty());
        let protocol = normal_protocol(
            &get("IpProtocol")
                .ok_or_else(|| ResourceError::invalid(property, "IpProtocol is required"))?,
        );
        let port = |key: &str| -> Result<Option<i32>> {
            match get(key) {
                None => Ok(None),
                Some(p) => p.parse().map(Some).map_err(|_| {
                    ResourceError::invalid(property, format!("{key} must be an integer"))
                }),
            }
        };
        let (from, to) = if protocol == "-1" {
            (None, None)
        } else {
            (port("FromPort")?, port("ToPort")?)
        };
        let peers: Vec<Peer> = [
            get("CidrIp").map(Peer::Cidr),
            get("CidrIpv6").map(Peer::Cidr6),
            get(direction.group_key()).map(Peer::Group),
            get(direction.prefix_list_key()).map(Peer::PrefixList),
        ]
        .into_iter()
        .flatten()
        .collect();
        let [peer] = <[Peer; 1]>::try_from(peers).map_err(|_| {
            ResourceError::invalid(
                property,
                format!(
                    "give exactly one of CidrIp, CidrIpv6, {}, {}",
                    direction.group_key(),
                    direction.prefix_list_key()
                ),
            )
        })?;
        Ok(Rule {
            protocol,
            from,
            to,
            peer,
            description: get("Description"),
        })
    }

    /// The rule in template shape.
    pub fn to_template(&self, direction: Direction) -> Value {
        let mut out = Map::new();
        out.insert("IpProtocol".into(), json!(self.protocol));
        if let Some(p) = self.from {
            out.insert("FromPort".into(), json!(p));
        }
        if let Some(p) = self.to {
            out.insert("ToPort".into(), json!(p));
        }
        let (key, value) = match &self.peer {
            Peer::Cidr(c) => ("CidrIp", c),
            Peer::Cidr6(c) => ("CidrIpv6", c),
            Peer::Group(g) => (direction.group_key(), g),
            Peer::PrefixList(p) => (direction.prefix_list_key(), p),
        };
        out.insert(key.into(), json!(value));
        if let Some(d) = &self.description {
            out.insert("Description".into(), json!(d));
        }
        Value::Object(out)
    }

    /// The same permission, whatever the description says.
    pub fn same_permission(&self, other: &Rule) -> bool {
        (&self.protocol, self.from, self.to, &self.peer)
            == (&other.protocol, other.from, other.to, &other.peer)
    }

    pub fn to_permission(&self) -> IpPermission {
        let description = self.description.clone();
        let permission = IpPermission::builder()
            .ip_protocol(&self.protocol)
            .set_from_port(self.from)
            .set_to_port(self.to);
        match &self.peer {
            Peer::Cidr(c) => permission.ip_ranges(
                IpRange::builder()
                    .cidr_ip(c)
                    .set_description(description)
                    .build(),
            ),
            Peer::Cidr6(c) => permission.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(c)
                    .set_description(description)
                    .build(),
            ),
            Peer::Group(g) => permission.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(g)
                    .set_description(description)
                    .build(),
            ),
            Peer::PrefixList(p) => permission.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(p)
                    .set_description(description)
                    .build(),
            ),
        }
        .build()
    }

    /// A stable id for a standalone rule: `GROUP|DIRECTION|PROTOCOL|FROM|TO|KIND=PEER`.
    pub fn composite_id(&self, group_id: &str, direction: Direction) -> String {
        let port = |p: Option<i32>| p.map(|p| p.to_string()).unwrap_or_default();
        let peer = match &self.peer {
            Peer::Cidr(c) => format!("cidr={c}"),
            Peer::Cidr6(c) => format!("cidr6={c}"),
            Peer::Group(g) => format!("group={g}"),
            Peer::PrefixList(p) => format!("prefix-list={p}"),
        };
        format!(
            "{group_id}|{}|{}|{}|{}|{peer}",
            direction.as_str(),
            self.protocol,
            port(self.from),
            port(self.to)
        )
    }

    /// The group and rule (without description) a composite id names.
    pub fn parse_composite_id(id: &str) -> Option<(String, Direction, Rule)> {
        let parts: Vec<&str> = id.split('|').collect();
        let [group, direction, protocol, from, to, peer] = parts.as_slice() else {
            return None;
        };
        let direction = match *direction {
            "ingress" => Direction::Ingress,
            "egress" => Direction::Egress,
            _ => return None,
        };
        let port = |p: &str| {
            if p.is_empty() {
                Ok(None)
            } else {
                p.parse().map(Some)
            }
        };
        let (kind, value) = peer.split_once('=')?;
        let value = value.to_string();
        let peer = match kind {
            "cidr" => Peer::Cidr(value),
            "cidr6" => Peer::Cidr6(value),
            "group" => Peer::Group(value),
            "prefix-list" => Peer::PrefixList(value),
            _ => return None,
        };
        Some((
            group.to_string(),
            direction,
            Rule {
                protocol: protocol.to_string(),
                from: port(from).ok()?,
                to: port(to).ok()?,
                peer,
                description: None,
            },
        ))
    }
}

/// The rule every new VPC security group starts with, and the one a group goes back to when the
/// template stops listing egress rules.
pub fn allow_all_egress() -> Rule {
    Rule {
        protocol: "-1".into(),
        from: None,
        to: None,
        peer: Peer::Cidr("0.0.0.0/0".into()),
        description: None,
    }
}

/// `tcp`/`6` and friends written one way.
fn normal_protocol(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        "all" => "-1".into(),
        other => other.to_string(),
    }
}

/// The template's rule list (absent: no rules).
pub fn template_rules(
    v: Option<&Value>,
    direction: Direction,
    property: &str,
) -> Result<Vec<Rule>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            let mut rules: Vec<Rule> = Vec::new();
            for item in items {
                let rule = Rule::from_template(item, direction, property)?;
                if !rules.contains(&rule) {
                    rules.push(rule);
                }
            }
            Ok(rules)
        }
        Some(_) => Err(ResourceError::invalid(property, "expected a list of rules")),
    }
}

/// A group's live rules of one direction, one [`Rule`] per peer.
pub fn live_rules(group: &SecurityGroup, direction: Direction) -> Vec<Rule> {
    let permissions = match direction {
        Direction::Ingress => group.ip_permissions(),
        Direction::Egress => group.ip_permissions_egress(),
    };
    let mut rules = Vec::new();
    for p in permissions {
        let protocol = normal_protocol(p.ip_protocol().unwrap_or("-1"));
        let (from, to) = if protocol == "-1" {
            (None, None)
        } else {
            (p.from_port(), p.to_port())
        };
        let mut push = |peer: Peer, description: Option<&str>| {
            rules.push(Rule {
                protocol: protocol.clone(),
                from,
                to,
                peer,
                description: description.filter(|d| !d.is_empty()).map(str::to_string),
            })
        };
        for r in p.ip_ranges() {
            push(
                Peer::Cidr(r.cidr_ip().unwrap_or_default().into()),
                r.description(),
            );
        }
        for r in p.ipv6_ranges() {
            push(
                Peer::Cidr6(r.cidr_ipv6().unwrap_or_default().into()),
                r.description(),
            );
        }
        for g in p.user_id_group_pairs() {
            push(
                Peer::Group(g.group_id().unwrap_or_default().into()),
                g.description(),
            );
        }
        for l in p.prefix_list_ids() {
            push(
                Peer::PrefixList(l.prefix_list_id().unwrap_or_default().into()),
                l.description(),
            );
        }
    }
    rules
}

/// The live rules in template shape: the desired entries that are live, as the template wrote
/// them (so an unchanged list compares equal), then any live rule the template does not have.
pub fn live_in_template_shape(
    desired: Option<&Value>,
    live: &[Rule],
    direction: Direction,
) -> Value {
    let mut out = Vec::new();
    let mut matched = vec![false; live.len()];
    for item in desired.and_then(Value::as_array).into_iter().flatten() {
        let Ok(rule) = Rule::from_template(item, direction, "") else {
            continue;
        };
        if let Some(i) = live.iter().position(|l| *l == rule) {
            if !matched[i] {
                matched[i] = true;
                out.push(item.clone());
            }
        }
    }
    for (rule, seen) in live.iter().zip(matched) {
        if !seen {
            out.push(rule.to_template(direction));
        }
    }
    Value::Array(out)
}

/// Makes the group's rules of one direction exactly `desired`: revokes what is not wanted
/// (a changed description counts as a different rule), then authorizes what is missing.
pub async fn converge(
    ctx: &Ctx,
    group_id: &str,
    direction: Direction,
    desired: &[Rule],
    live: &[Rule],
) -> Result<()> {
    let revoke: Vec<&Rule> = live.iter().filter(|l| !desired.contains(l)).collect();
    let authorize: Vec<&Rule> = desired.iter().filter(|d| !live.contains(d)).collect();
    if !revoke.is_empty() {
        revoke_rules(ctx, group_id, direction, &revoke).await?;
    }
    if !authorize.is_empty() {
        authorize_rules(ctx, group_id, direction, &authorize).await?;
    }
    Ok(())
}

pub async fn authorize_rules(
    ctx: &Ctx,
    group_id: &str,
    direction: Direction,
    rules: &[&Rule],
) -> Result<()> {
    let permissions: Vec<IpPermission> = rules.iter().map(|r| r.to_permission()).collect();
    let client = ctx.clients.ec2();
    match direction {
        Direction::Ingress => client
            .authorize_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ec2_error("ec2:AuthorizeSecurityGroupIngress", e)),
        Direction::Egress => client
            .authorize_security_group_egress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ec2_error("ec2:AuthorizeSecurityGroupEgress", e)),
    }
}

/// Revokes rules; a rule or group already gone is not an error.
pub async fn revoke_rules(
    ctx: &Ctx,
    group_id: &str,
    direction: Direction,
    rules: &[&Rule],
) -> Result<()> {
    let permissions: Vec<IpPermission> = rules.iter().map(|r| r.to_permission()).collect();
    let client = ctx.clients.ec2();
    let gone = ["InvalidPermission.NotFound", "InvalidGroup.NotFound"];
    match direction {
        Direction::Ingress => match client
            .revoke_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if gone.iter().any(|c| has_code(&e, c)) => Ok(()),
            Err(e) => Err(ec2_error("ec2:RevokeSecurityGroupIngress", e)),
        },
        Direction::Egress => match client
            .revoke_security_group_egress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if gone.iter().any(|c| has_code(&e, c)) => Ok(()),
            Err(e) => Err(ec2_error("ec2:RevokeSecurityGroupEgress", e)),
        },
    }
}

/// The group, or `None` when it does not exist.
pub async fn describe_group(ctx: &Ctx, group_id: &str) -> Result<Option<SecurityGroup>> {
    match ctx
        .clients
        .ec2()
        .describe_security_groups()
        .group_ids(group_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.security_groups.and_then(|g| g.into_iter().next())),
        Err(e)
            if has_code(&e, "InvalidGroup.NotFound")
                || has_code(&e, "InvalidGroupId.Malformed") =>
        {
            Ok(None)
        }
        Err(e) => Err(ec2_error("ec2:DescribeSecurityGroups", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_rules_normalise() {
        let r = Rule::from_template(
            &json!({"IpProtocol": "6", "FromPort": "443", "ToPort": 443, "CidrIp": "10.0.0.0/8"}),
            Direction::Ingress,
            "SecurityGroupIngress",
        )
        .unwrap();
        assert_eq!(
            (r.protocol.as_str(), r.from, r.to),
            ("tcp", Some(443), Some(443))
        );
        let all = Rule::from_template(
            &json!({"IpProtocol": -1, "FromPort": -1, "ToPort": -1, "CidrIp": "0.0.0.0/0"}),
            Direction::Egress,
            "SecurityGroupEgress",
        )
        .unwrap();
        assert_eq!(all, allow_all_egress());
    }

    #[test]
    fn exactly_one_peer() {
        let err = Rule::from_template(
            &json!({"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "CidrIp": "10.0.0.0/8", "SourceSecurityGroupId": "sg-1"}),
            Direction::Ingress,
            "SecurityGroupIngress",
        )
        .unwrap_err();
        assert_eq!(err.code, "InvalidProperty");
    }

    #[test]
    fn composite_ids_round_trip() {
        let rule = Rule {
            protocol: "tcp".into(),
            from: Some(5432),
            to: Some(5432),
            peer: Peer::Cidr6("::/0".into()),
            description: None,
        };
        let id = rule.composite_id("sg-123", Direction::Egress);
        assert_eq!(id, "sg-123|egress|tcp|5432|5432|cidr6=::/0");
        assert_eq!(
            Rule::parse_composite_id(&id),
            Some(("sg-123".to_string(), Direction::Egress, rule))
        );
        assert_eq!(Rule::parse_composite_id("sgr-0abc"), None);
    }
}
