//! `AWS::ApiGateway::DomainName`: a regional custom domain served with an ACM certificate.
//! Physical id: the domain name. An alias record points the domain at `RegionalDomainName`.

use super::{not_found, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};
use aws_sdk_apigateway::operation::get_domain_name::GetDomainNameOutput;
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, SecurityPolicy};
use serde_json::json;

pub struct DomainName;

const MANAGED: &[&str] = &[
    "DomainName",
    "RegionalCertificateArn",
    "EndpointConfiguration",
    "SecurityPolicy",
    "Tags",
];

fn arn(ctx: &Ctx, name: &str) -> String {
    format!("arn:aws:apigateway:{}::/domainnames/{name}", ctx.region)
}

/// Only regional endpoints: an edge domain needs CloudFront, which fuelflow does not manage.
fn endpoint(props: &Props) -> Result<EndpointConfiguration> {
    let types = match property::object(props, "EndpointConfiguration")? {
        Some(c) => property::strings(c, "Types")?,
        None => vec!["REGIONAL".to_string()],
    };
    if types != ["REGIONAL"] {
        return Err(ResourceError::invalid(
            "EndpointConfiguration",
            format!("{types:?}: only [REGIONAL] is supported (EDGE needs CloudFront)"),
        ));
    }
    Ok(EndpointConfiguration::builder()
        .types(EndpointType::Regional)
        .build())
}

fn attributes(out: &GetDomainNameOutput) -> Attributes {
    let mut a = Attributes::new();
    a.insert(
        "RegionalDomainName".into(),
        json!(out.regional_domain_name().unwrap_or_default()),
    );
    a.insert(
        "RegionalHostedZoneId".into(),
        json!(out.regional_hosted_zone_id().unwrap_or_default()),
    );
    a
}

async fn get(ctx: &Ctx, name: &str) -> Result<Option<GetDomainNameOutput>> {
    match ctx
        .clients
        .apigateway()
        .get_domain_name()
        .domain_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetDomainName", e)),
    }
}

impl Resource for DomainName {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = property::required(props, "DomainName")?;
        let policy =
            property::string(props, "SecurityPolicy").map(|p| SecurityPolicy::from(p.as_str()));
        let out = ctx
            .clients
            .apigateway()
            .create_domain_name()
            .domain_name(&name)
            .set_regional_certificate_arn(property::string(props, "RegionalCertificateArn"))
            .endpoint_configuration(endpoint(props)?)
            .set_security_policy(policy)
            .set_tags(Some(ctx.tags_with_ownership(props).into_iter().collect()))
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateDomainName", e))?;
        let mut a = Attributes::new();
        a.insert(
            "RegionalDomainName".into(),
            json!(out.regional_domain_name()),
        );
        a.insert(
            "RegionalHostedZoneId".into(),
            json!(out.regional_hosted_zone_id()),
        );
        Ok(Created {
            physical_id: name,
            attributes: a,
        })
    }

    async fn read(&self, ctx: &Ctx, name: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(out) = get(ctx, name).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert("DomainName".into(), json!(name));
        if let Some(cert) = out.regional_certificate_arn() {
            p.insert("RegionalCertificateArn".into(), json!(cert));
        }
        if desired.contains_key("EndpointConfiguration") {
            let types: Vec<&str> = out
                .endpoint_configuration()
                .map(|c| c.types().iter().map(|t| t.as_str()).collect())
                .unwrap_or_default();
            p.insert("EndpointConfiguration".into(), json!({"Types": types}));
        }
        if let Some(policy) = out.security_policy() {
            if desired.contains_key("SecurityPolicy") {
                p.insert("SecurityPolicy".into(), json!(policy.as_str()));
            }
        }
        if desired.contains_key("Tags") {
            p.insert(
                "Tags".into(),
                property::tags_value(out.tags().into_iter().flatten()),
            );
        }
        Ok(Some(Live {
            properties: p,
            attributes: attributes(&out),
        }))
    }

    async fn update(&self, ctx: &Ctx, name: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let gateway = ctx.clients.apigateway();
        let mut ops = Vec::new();
        if property::changed(old, new, "RegionalCertificateArn") {
            ops.push(replace(
                "/regionalCertificateArn",
                property::required(new, "RegionalCertificateArn")?,
            ));
        }
        if property::changed(old, new, "SecurityPolicy") {
            ops.push(replace(
                "/securityPolicy",
                property::string(new, "SecurityPolicy").unwrap_or("TLS_1_2".into()),
            ));
        }
        if !ops.is_empty() {
            gateway
                .update_domain_name()
                .domain_name(name)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UpdateDomainName", e))?;
        }
        let (set, removed) = property::tag_changes(old, new);
        if !set.is_empty() {
            gateway
                .tag_resource()
                .resource_arn(arn(ctx, name))
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:TagResource", e))?;
        }
        if !removed.is_empty() {
            gateway
                .untag_resource()
                .resource_arn(arn(ctx, name))
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UntagResource", e))?;
        }
        Ok(get(ctx, name)
            .await?
            .map(|o| attributes(&o))
            .unwrap_or_default())
    }

    async fn delete(&self, ctx: &Ctx, name: &str, _props: &Props) -> Result<()> {
        property::deleted(
            "apigateway:DeleteDomainName",
            ctx.clients
                .apigateway()
                .delete_domain_name()
                .domain_name(name)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// The domain name is the identity (one per account and region).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(name) = property::string(props, "DomainName") else {
            return Ok(None);
        };
        Ok(get(ctx, &name).await?.map(|_| name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regional_endpoints_are_taken() {
        let edge = json!({"EndpointConfiguration": {"Types": ["EDGE"]}});
        assert!(endpoint(edge.as_object().unwrap()).is_err());
        assert!(endpoint(&Props::new()).is_ok());
    }
}
