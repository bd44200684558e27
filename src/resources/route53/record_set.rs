//! `AWS::Route53::RecordSet`: one record set (plain values or an alias) in a hosted zone.
//! Physical id: the record name as the template gives it. Create and update are UPSERT
//! changes (idempotent, so a lost answer is simply sent again); delete is a DELETE change
//! carrying the live values, as Route 53 requires.

use super::{bare_zone_id, dotted};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result, text,
};
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use serde_json::json;

pub struct RecordSet;

const MANAGED: &[&str] = &[
    "HostedZoneId",
    "HostedZoneName",
    "Name",
    "Type",
    "TTL",
    "ResourceRecords",
    "AliasTarget",
];

/// The zone the record lives in: `HostedZoneId`, else the zone called `HostedZoneName`.
async fn zone_id(ctx: &Ctx, props: &Props) -> Result<String> {
    if let Some(id) = property::string(props, "HostedZoneId") {
        return Ok(bare_zone_id(&id));
    }
    let name = dotted(&property::required(props, "HostedZoneName")?);
    let out = ctx
        .clients
        .route53()
        .list_hosted_zones_by_name()
        .dns_name(&name)
        .send()
        .await
        .map_err(|e| sdk_error("route53:ListHostedZonesByName", e))?;
    out.hosted_zones()
        .iter()
        .find(|z| z.name() == name)
        .map(|z| bare_zone_id(z.id()))
        .ok_or_else(|| {
            ResourceError::invalid("HostedZoneName", format!("no hosted zone is called {name}"))
        })
}

/// The record set the template describes, as Route 53 takes it.
fn record_set(name: &str, props: &Props) -> Result<ResourceRecordSet> {
    let kind = RrType::from(property::required(props, "Type")?.as_str());
    let records = property::strings_if_set(props, "ResourceRecords")?.map(|values| {
        values
            .into_iter()
            .filter_map(|v| ResourceRecord::builder().value(v).build().ok())
            .collect::<Vec<_>>()
    });
    let alias = match property::object(props, "AliasTarget")? {
        None => None,
        Some(a) => Some(
            AliasTarget::builder()
                .dns_name(property::required(a, "DNSName")?)
                .hosted_zone_id(property::required(a, "HostedZoneId")?)
                .evaluate_target_health(
                    property::boolean(a, "EvaluateTargetHealth")?.unwrap_or(false),
                )
                .build()
                .map_err(|e| ResourceError::invalid("AliasTarget", e))?,
        ),
    };
    ResourceRecordSet::builder()
        .name(dotted(name))
        .r#type(kind)
        .set_ttl(property::integer(props, "TTL")?)
        .set_resource_records(records)
        .set_alias_target(alias)
        .build()
        .map_err(|e| ResourceError::invalid("Name", e))
}

async fn change(ctx: &Ctx, zone: &str, action: ChangeAction, set: ResourceRecordSet) -> Result<()> {
    let change = Change::builder()
        .action(action)
        .resource_record_set(set)
        .build()
        .map_err(|e| ResourceError::invalid("Name", e))?;
    let batch = ChangeBatch::builder()
        .changes(change)
        .build()
        .map_err(|e| ResourceError::invalid("Name", e))?;
    ctx.clients
        .route53()
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch)
        .send()
        .await
        .map_err(|e| sdk_error("route53:ChangeResourceRecordSets", e))?;
    Ok(())
}

/// The live record set called `name` of type `kind`, `None` when it (or its zone) is gone.
async fn live(ctx: &Ctx, zone: &str, name: &str, kind: &str) -> Result<Option<ResourceRecordSet>> {
    let name = dotted(name);
    let answer = ctx
        .clients
        .route53()
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name(&name)
        .start_record_type(RrType::from(kind))
        .send()
        .await;
    let out = match answer {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_hosted_zone()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(sdk_error("route53:ListResourceRecordSets", e)),
    };
    Ok(out
        .resource_record_sets()
        .iter()
        .find(|s| s.name() == name && s.r#type().as_str() == kind)
        .cloned())
}

impl Resource for RecordSet {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "Name")?;
        let zone = zone_id(ctx, props).await?;
        change(ctx, &zone, ChangeAction::Upsert, record_set(&name, props)?).await?;
        Ok(Created {
            physical_id: name,
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let zone = match zone_id(ctx, desired).await {
            Ok(zone) => zone,
            // A zone found by name that is gone takes its records with it.
            Err(e) if e.code == "InvalidProperty" => return Ok(None),
            Err(e) => return Err(e),
        };
        let kind = property::required(desired, "Type")?;
        let Some(set) = live(ctx, &zone, name, &kind).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        for key in ["HostedZoneId", "HostedZoneName"] {
            if let Some(v) = desired.get(key) {
                p.insert(key.into(), v.clone());
            }
        }
        p.insert("Name".into(), json!(name));
        p.insert("Type".into(), json!(set.r#type().as_str()));
        if let Some(ttl) = set.ttl() {
            // Templates usually write TTL as a string: keep the template's spelling.
            let same = desired.get("TTL").and_then(text) == Some(ttl.to_string());
            let value = if same {
                desired["TTL"].clone()
            } else {
                json!(ttl)
            };
            p.insert("TTL".into(), value);
        }
        let records: Vec<&str> = set.resource_records().iter().map(|r| r.value()).collect();
        if !records.is_empty() {
            p.insert("ResourceRecords".into(), json!(records));
        }
        if let Some(a) = set.alias_target() {
            let desired_alias = desired.get("AliasTarget").cloned().unwrap_or(json!({}));
            // Route 53 adds the final dot to the target's name.
            let dns = match desired_alias.get("DNSName").and_then(text) {
                Some(d) if dotted(&d) == dotted(a.dns_name()) => d,
                _ => a.dns_name().to_string(),
            };
            let mut alias = json!({"DNSName": dns, "HostedZoneId": a.hosted_zone_id()});
            if desired_alias.get("EvaluateTargetHealth").is_some() || a.evaluate_target_health() {
                alias["EvaluateTargetHealth"] = json!(a.evaluate_target_health());
            }
            p.insert("AliasTarget".into(), alias);
        }
        Ok(Some(Live {
            properties: p,
            attributes: Attributes::new(),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let zone = zone_id(ctx, new).await?;
        if property::changed(old, new, "Type") {
            // Another type is another record set: make the new one, then drop the old one.
            change(ctx, &zone, ChangeAction::Upsert, record_set(name, new)?).await?;
            self.delete(ctx, name, old).await?;
        } else {
            change(ctx, &zone, ChangeAction::Upsert, record_set(name, new)?).await?;
        }
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, name: &str, props: &Props) -> Result<()> {
        let zone = match zone_id(ctx, props).await {
            Ok(zone) => zone,
            Err(e) if e.code == "InvalidProperty" => return Ok(()),
            Err(e) => return Err(e),
        };
        let kind = property::required(props, "Type")?;
        // DELETE must name the live values exactly.
        let Some(set) = live(ctx, &zone, name, &kind).await? else {
            return Ok(());
        };
        change(ctx, &zone, ChangeAction::Delete, set).await
    }

    /// The record name is the identity: a record of that name and type in the zone is it.
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let (Some(name), Some(kind)) = (
            property::string(props, "Name"),
            property::string(props, "Type"),
        ) else {
            return Ok(None);
        };
        let zone = zone_id(ctx, props).await?;
        Ok(live(ctx, &zone, &name, &kind).await?.map(|_| name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_record_set_carries_the_target() {
        let p = json!({"Type": "A", "AliasTarget": {"DNSName": "d.example", "HostedZoneId": "Z2"}});
        let set = record_set("api.example.com", p.as_object().unwrap()).unwrap();
        assert_eq!(set.name(), "api.example.com.");
        assert_eq!(set.alias_target().unwrap().dns_name(), "d.example");
        assert!(set.resource_records().is_empty());
    }
}
