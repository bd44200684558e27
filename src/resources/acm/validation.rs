//! DNS validation as CloudFormation does it when `DomainValidationOptions` name a
//! `HostedZoneId`: the CNAME record ACM asks for is written into that zone (an UPSERT, safe to
//! send again after a lost answer or a killed run), and the create waits until ACM has issued
//! the certificate, because an API Gateway domain name takes only an issued one. Delete takes
//! the records out again, so that a hosted zone of the same stack can then be deleted.

use crate::resources::property;
use crate::resources::route53::{bare_zone_id, dotted};
use crate::resources::sdk_error;
use crate::resources::{Ctx, Props, ResourceError, Result, text};
use aws_sdk_acm::types::{CertificateDetail, CertificateStatus, ResourceRecord};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord as Value, ResourceRecordSet, RrType,
};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// How long a create waits for ACM to issue (AWS validates in minutes once the records are in
/// the zone; CloudFormation waits as long).
const MAX_WAIT: Duration = Duration::from_secs(60 * 60);

/// The TTL of the validation records (written and deleted with the same value).
const RECORD_TTL: i64 = 300;

/// `(domain, hosted zone)` of each validation option naming a zone.
fn zones(props: &Props) -> Vec<(String, String)> {
    let Some(options) = props
        .get("DomainValidationOptions")
        .and_then(|v| v.as_array())
    else {
        return Vec::new();
    };
    options
        .iter()
        .filter_map(|o| {
            let domain = o.get("DomainName").and_then(text)?;
            let zone = o.get("HostedZoneId").and_then(text)?;
            Some((
                domain.trim_end_matches('.').to_string(),
                bare_zone_id(&zone),
            ))
        })
        .collect()
}

/// The zone for one of the certificate's domains: the option naming it, else the option of its
/// closest parent domain (`*.example.com` and `www.example.com` validate under `example.com`).
fn zone_for<'z>(zones: &'z [(String, String)], domain: &str) -> Option<&'z str> {
    let domain = domain.trim_start_matches("*.").trim_end_matches('.');
    zones
        .iter()
        .filter(|(name, _)| domain == name || domain.ends_with(&format!(".{name}")))
        .max_by_key(|(name, _)| name.len())
        .map(|(_, zone)| zone.as_str())
}

fn by_dns(props: &Props) -> bool {
    property::string(props, "ValidationMethod").is_none_or(|m| m == "DNS")
}

async fn describe(ctx: &Ctx, arn: &str) -> Result<Option<CertificateDetail>> {
    let answer = ctx
        .clients
        .acm()
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await;
    match answer {
        Ok(out) => Ok(out.certificate().cloned()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("acm:DescribeCertificate", e)),
    }
}

/// The validation records ACM has published so far, each with the zone it goes into.
fn records<'z>(
    cert: &CertificateDetail,
    zones: &'z [(String, String)],
) -> Vec<(&'z str, ResourceRecord)> {
    cert.domain_validation_options()
        .iter()
        .filter_map(|o| {
            Some((
                zone_for(zones, o.domain_name())?,
                o.resource_record()?.clone(),
            ))
        })
        .collect()
}

async fn change(
    ctx: &Ctx,
    zone: &str,
    action: ChangeAction,
    record: &ResourceRecord,
) -> Result<()> {
    let invalid = |e| ResourceError::invalid("DomainValidationOptions", e);
    let deleting = action == ChangeAction::Delete;
    let set = ResourceRecordSet::builder()
        .name(dotted(record.name()))
        .r#type(RrType::from(record.r#type().as_str()))
        .ttl(RECORD_TTL)
        .resource_records(
            Value::builder()
                .value(record.value())
                .build()
                .map_err(invalid)?,
        )
        .build()
        .map_err(invalid)?;
    let change = Change::builder()
        .action(action)
        .resource_record_set(set)
        .build()
        .map_err(invalid)?;
    let batch = ChangeBatch::builder()
        .changes(change)
        .build()
        .map_err(invalid)?;
    let answer = ctx
        .clients
        .route53()
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch)
        .send()
        .await;
    match answer {
        Ok(_) => Ok(()),
        // Deleting: the record (or its zone) is gone already, or was changed by hand and is
        // left for the zone's own delete to name.
        Err(e)
            if deleting
                && e.as_service_error()
                    .is_some_and(|s| s.is_invalid_change_batch() || s.is_no_such_hosted_zone()) =>
        {
            Ok(())
        }
        Err(e) => Err(sdk_error("route53:ChangeResourceRecordSets", e)),
    }
}

/// Writes the validation records into the zones the template names and waits until the
/// certificate is issued. Nothing to do for email validation or without a `HostedZoneId`.
pub(super) async fn validate(ctx: &Ctx, arn: &str, props: &Props) -> Result<()> {
    let zones = zones(props);
    if zones.is_empty() || !by_dns(props) {
        return Ok(());
    }
    let deadline = Instant::now() + MAX_WAIT;
    let mut written = HashSet::new();
    let mut delay = Duration::from_millis(200);
    loop {
        let Some(cert) = describe(ctx, arn).await? else {
            return Err(ResourceError::new(
                "ResourceNotFoundException",
                format!("certificate {arn} disappeared while being validated"),
            ));
        };
        for (zone, record) in records(&cert, &zones) {
            if written.insert((zone.to_string(), record.name().to_string())) {
                change(ctx, zone, ChangeAction::Upsert, &record).await?;
            }
        }
        match cert.status() {
            Some(CertificateStatus::Issued) => return Ok(()),
            Some(CertificateStatus::PendingValidation) | None => {}
            Some(status) => {
                let reason = cert.failure_reason().map(|r| r.as_str()).unwrap_or("none");
                return Err(ResourceError::new(
                    "CertificateNotIssued",
                    format!(
                        "certificate {arn} is {} (failure reason: {reason})",
                        status.as_str()
                    ),
                ));
            }
        }
        if Instant::now() + delay > deadline {
            return Err(ResourceError::new(
                "WaitTimeout",
                format!(
                    "certificate {arn} was not issued within {} minutes (are the validation \
                     records in the hosted zone the domain's name servers point to?)",
                    MAX_WAIT.as_secs() / 60
                ),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(15));
    }
}

/// Deletes the validation records written by [`validate`] (a record already gone is fine).
/// Another certificate of the same domain in the account shares the record; it is deleted all
/// the same, as the zone usually goes with it.
pub(super) async fn remove_records(ctx: &Ctx, arn: &str, props: &Props) -> Result<()> {
    let zones = zones(props);
    if zones.is_empty() || !by_dns(props) {
        return Ok(());
    }
    let Some(cert) = describe(ctx, arn).await? else {
        return Ok(());
    };
    let mut seen = HashSet::new();
    for (zone, record) in records(&cert, &zones) {
        if seen.insert((zone, record.name().to_string())) {
            change(ctx, zone, ChangeAction::Delete, &record).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: serde_json::Value) -> Props {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn each_domain_validates_in_the_zone_of_its_option_or_closest_parent() {
        let p = props(json!({"DomainValidationOptions": [
            {"DomainName": "example.com", "HostedZoneId": "/hostedzone/Z1"},
            {"DomainName": "api.example.com", "HostedZoneId": "Z2"},
            {"DomainName": "other.org", "ValidationDomain": "other.org"},
        ]}));
        let zones = zones(&p);
        assert_eq!(zones.len(), 2);
        assert_eq!(zone_for(&zones, "example.com"), Some("Z1"));
        assert_eq!(zone_for(&zones, "*.example.com"), Some("Z1"));
        assert_eq!(zone_for(&zones, "www.example.com."), Some("Z1"));
        assert_eq!(zone_for(&zones, "v1.api.example.com"), Some("Z2"));
        assert_eq!(zone_for(&zones, "badexample.com"), None);
        assert_eq!(zone_for(&zones, "other.org"), None);
    }

    #[test]
    fn only_dns_validation_with_a_zone_is_waited_for() {
        assert!(zones(&Props::new()).is_empty());
        assert!(by_dns(&Props::new()));
        assert!(!by_dns(&props(json!({"ValidationMethod": "EMAIL"}))));
    }
}
