//! `AWS::CertificateManager::Certificate`: a public certificate validated by DNS.
//! Physical id: the certificate ARN. RequestCertificate's IdempotencyToken comes from the
//! create's client token, so a repeated create returns the same certificate.
//!
//! When `DomainValidationOptions` name a `HostedZoneId`, create writes ACM's validation records
//! into that zone and waits for ISSUED, as CloudFormation does ([`validation`]); `find` does the
//! same for a certificate a killed run requested, and delete removes the records.

use super::validation;
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{
    Attributes, CLIENT_TOKEN, Created, Ctx, Live, Props, Resource, ResourceError, Result,
    TypicalSeconds, text,
};
use aws_sdk_acm::types::{DomainValidationOption, Tag, ValidationMethod};
use serde_json::json;

pub struct Certificate;

const MANAGED: &[&str] = &[
    "DomainName",
    "SubjectAlternativeNames",
    "ValidationMethod",
    "DomainValidationOptions",
    "Tags",
];

/// ACM's IdempotencyToken: up to 32 word characters, from the create's client token.
fn idempotency_token(props: &Props) -> Option<String> {
    let token = property::string(props, CLIENT_TOKEN)?;
    let mut token: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    token.truncate(32);
    Some(token)
}

fn sdk_tags(tags: &[(String, String)]) -> Result<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ResourceError::invalid("Tags", e))
        })
        .collect()
}

fn validation_options(props: &Props) -> Result<Option<Vec<DomainValidationOption>>> {
    let Some(items) = props.get("DomainValidationOptions") else {
        return Ok(None);
    };
    let items = items
        .as_array()
        .ok_or_else(|| ResourceError::invalid("DomainValidationOptions", "must be a list"))?;
    // Only ValidationDomain (email validation) goes to ACM; HostedZoneId is CloudFormation's
    // own, telling it where the DNS validation records go.
    let options = items
        .iter()
        .filter_map(|o| {
            Some((
                o.get("DomainName").and_then(text)?,
                o.get("ValidationDomain").and_then(text)?,
            ))
        })
        .map(|(domain, validation)| {
            DomainValidationOption::builder()
                .domain_name(domain)
                .validation_domain(validation)
                .build()
                .map_err(|e| ResourceError::invalid("DomainValidationOptions", e))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((!options.is_empty()).then_some(options))
}

async fn live_tags(ctx: &Ctx, arn: &str) -> Result<Vec<(String, String)>> {
    let out = ctx
        .clients
        .acm()
        .list_tags_for_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(|e| sdk_error("acm:ListTagsForCertificate", e))?;
    Ok(out
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

impl Resource for Certificate {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn typical_seconds(&self) -> TypicalSeconds {
        // DNS validation on AWS: a few minutes once the validation records are in the zone.
        TypicalSeconds {
            create: 300,
            ..TypicalSeconds::QUICK
        }
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let method = property::string(props, "ValidationMethod").unwrap_or("DNS".into());
        let names = property::strings_if_set(props, "SubjectAlternativeNames")?;
        let out = ctx
            .clients
            .acm()
            .request_certificate()
            .domain_name(property::required(props, "DomainName")?)
            .set_subject_alternative_names(names)
            .validation_method(ValidationMethod::from(method.as_str()))
            .set_domain_validation_options(validation_options(props)?)
            .set_idempotency_token(idempotency_token(props))
            .set_tags(Some(sdk_tags(&ctx.tags_with_ownership(props))?))
            .send()
            .await
            .map_err(|e| sdk_error("acm:RequestCertificate", e))?;
        let arn = out.certificate_arn().unwrap_or_default().to_string();
        validation::validate(ctx, &arn, props).await?;
        Ok(Created {
            physical_id: arn,
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, arn: &str, desired: &Props) -> Result<Option<Live>> {
        let answer = ctx
            .clients
            .acm()
            .describe_certificate()
            .certificate_arn(arn)
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
            Err(e) => return Err(sdk_error("acm:DescribeCertificate", e)),
        };
        let Some(cert) = out.certificate() else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert("DomainName".into(), json!(cert.domain_name()));
        if desired.contains_key("SubjectAlternativeNames") {
            // ACM lists the domain name itself among the alternative names.
            let domain = cert.domain_name().unwrap_or_default();
            let wanted = property::strings(desired, "SubjectAlternativeNames")?;
            let names: Vec<&str> = cert
                .subject_alternative_names()
                .iter()
                .map(String::as_str)
                .filter(|n| *n != domain || wanted.iter().any(|w| w == n))
                .collect();
            p.insert("SubjectAlternativeNames".into(), json!(names));
        }
        // Create-only inputs ACM does not report in the template's shape: as the template says.
        for key in ["ValidationMethod", "DomainValidationOptions"] {
            if let Some(v) = desired.get(key) {
                p.insert(key.into(), v.clone());
            }
        }
        let tags = live_tags(ctx, arn).await?;
        p.insert(
            "Tags".into(),
            property::tags_value(tags.iter().map(|(k, v)| (k, v))),
        );
        if !desired.contains_key("Tags") && p["Tags"].as_array().is_some_and(|t| t.is_empty()) {
            p.remove("Tags");
        }
        let mut attributes = Attributes::new();
        attributes.insert(
            "Status".into(),
            json!(cert.status().map(|s| s.as_str()).unwrap_or_default()),
        );
        Ok(Some(Live {
            properties: p,
            attributes,
        }))
    }

    async fn update(&self, ctx: &Ctx, arn: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let (set, removed) = property::tag_changes(old, new);
        let client = ctx.clients.acm();
        if !removed.is_empty() {
            let old_tags = property::template_tags(old);
            let gone: Vec<_> = old_tags
                .into_iter()
                .filter(|(k, _)| removed.contains(k))
                .collect();
            client
                .remove_tags_from_certificate()
                .certificate_arn(arn)
                .set_tags(Some(sdk_tags(&gone)?))
                .send()
                .await
                .map_err(|e| sdk_error("acm:RemoveTagsFromCertificate", e))?;
        }
        if !set.is_empty() {
            client
                .add_tags_to_certificate()
                .certificate_arn(arn)
                .set_tags(Some(sdk_tags(&set)?))
                .send()
                .await
                .map_err(|e| sdk_error("acm:AddTagsToCertificate", e))?;
        }
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, arn: &str, props: &Props) -> Result<()> {
        validation::remove_records(ctx, arn, props).await?;
        property::deleted(
            "acm:DeleteCertificate",
            ctx.clients
                .acm()
                .delete_certificate()
                .certificate_arn(arn)
                .send()
                .await,
            |s| s.is_resource_not_found_exception(),
        )
    }

    /// A certificate for the domain carrying this resource's ownership tags, validated as
    /// create would have (a run killed while waiting left it pending).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(domain) = property::string(props, "DomainName") else {
            return Ok(None);
        };
        let mut pages = ctx
            .clients
            .acm()
            .list_certificates()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("acm:ListCertificates", e))?;
            for summary in page.certificate_summary_list() {
                let Some(arn) = summary.certificate_arn() else {
                    continue;
                };
                if summary.domain_name() != Some(domain.as_str())
                    || crate::resources::is_earlier_copy(props, arn)
                {
                    continue;
                }
                let tags = live_tags(ctx, arn).await?;
                if property::owned_by(ctx, tags.iter().map(|(k, v)| (k, v))) {
                    validation::validate(ctx, arn, props).await?;
                    return Ok(Some(arn.to_string()));
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idempotency_token_fits_acm() {
        let p = json!({CLIENT_TOKEN: "fuelflow-0123456789-abcdef-0123456789-abcdef"});
        let token = idempotency_token(p.as_object().unwrap()).unwrap();
        assert!(token.len() <= 32 && token.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(idempotency_token(&Props::new()), None);
    }
}
