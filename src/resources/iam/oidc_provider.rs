//! `AWS::IAM::OIDCProvider`: an OpenID Connect identity provider (GitHub Actions, EKS) with its
//! client ids, thumbprints and tags. Physical id (`Ref`) = the provider ARN, which IAM derives
//! from the URL (so a lost create answer is found again by it).

use aws_sdk_iam::types::Tag;
use serde_json::json;

use super::{aws, no_such_entity, partition, required, strings, tag_list};
use crate::resources::property::{changed, tag_changes};
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, ResourceError, Result};

pub struct OidcProvider;

const MANAGED: &[&str] = &["ClientIdList", "Tags", "ThumbprintList", "Url"];

/// The URL without its scheme, as IAM names the provider.
fn host_path(url: &str) -> &str {
    url.strip_prefix("https://").unwrap_or(url)
}

fn arn_of(ctx: &Ctx, url: &str) -> String {
    let partition = partition(&ctx.region);
    format!(
        "arn:{partition}:iam::{}:oidc-provider/{}",
        ctx.account_id,
        host_path(url)
    )
}

/// No SDK retry for the create (see `create`).
fn sent_once() -> aws_sdk_iam::config::Builder {
    aws_sdk_iam::config::Builder::default()
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

fn attributes(arn: &str) -> Attributes {
    Attributes::from([("Arn".to_string(), json!(arn))])
}

fn iam_tags(tags: Vec<(String, String)>) -> Result<Vec<Tag>> {
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

type Provider =
    aws_sdk_iam::operation::get_open_id_connect_provider::GetOpenIdConnectProviderOutput;

async fn get(ctx: &Ctx, arn: &str) -> Result<Option<Provider>> {
    match ctx
        .clients
        .iam()
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(arn)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if no_such_entity!(e) => Ok(None),
        Err(e) => Err(aws("iam:GetOpenIDConnectProvider")(e)),
    }
}

impl Resource for OidcProvider {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let url = required(props, "Url")?;
        // Not idempotent (EntityAlreadyExists for the same URL) and the provider has no name
        // property: sent once, so a lost answer reaches the engine, which looks the ARN up
        // before it tries again.
        let out = ctx
            .clients
            .iam()
            .create_open_id_connect_provider()
            .url(&url)
            .set_client_id_list(Some(strings(props, "ClientIdList")?))
            .set_thumbprint_list(Some(strings(props, "ThumbprintList")?))
            .set_tags(Some(iam_tags(ctx.tags_with_ownership(props))?))
            .customize()
            .config_override(sent_once())
            .send()
            .await
            .map_err(aws("iam:CreateOpenIDConnectProvider"))?;
        let arn = out
            .open_id_connect_provider_arn
            .unwrap_or_else(|| arn_of(ctx, &url));
        Ok(Created {
            attributes: attributes(&arn),
            physical_id: arn,
        })
    }

    async fn read(&self, ctx: &Ctx, arn: &str, desired: &Props) -> Result<Option<Live>> {
        let Some(out) = get(ctx, arn).await? else {
            return Ok(None);
        };
        let mut live = Props::new();
        let url = out.url().unwrap_or_default();
        live.insert("Url".into(), json!(format!("https://{}", host_path(url))));
        // Compared as sets: IAM keeps its own order.
        let order = |key: &str, mut items: Vec<String>| {
            let wanted = strings(desired, key).unwrap_or_default();
            items.sort_by_key(|i| wanted.iter().position(|w| w == i).unwrap_or(usize::MAX));
            json!(items)
        };
        live.insert(
            "ClientIdList".into(),
            order("ClientIdList", out.client_id_list().to_vec()),
        );
        live.insert(
            "ThumbprintList".into(),
            order("ThumbprintList", out.thumbprint_list().to_vec()),
        );
        live.insert(
            "Tags".into(),
            tag_list(out.tags().iter().map(|t| (t.key(), t.value()))),
        );
        live.retain(|k, _| k == "Url" || desired.contains_key(k));
        Ok(Some(Live {
            properties: live,
            attributes: attributes(arn),
        }))
    }

    async fn update(&self, ctx: &Ctx, arn: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let iam = ctx.clients.iam();
        if changed(old, new, "ClientIdList") {
            let (was, now) = (strings(old, "ClientIdList")?, strings(new, "ClientIdList")?);
            for id in now.iter().filter(|i| !was.contains(i)) {
                iam.add_client_id_to_open_id_connect_provider()
                    .open_id_connect_provider_arn(arn)
                    .client_id(id)
                    .send()
                    .await
                    .map_err(aws("iam:AddClientIDToOpenIDConnectProvider"))?;
            }
            for id in was.iter().filter(|i| !now.contains(i)) {
                iam.remove_client_id_from_open_id_connect_provider()
                    .open_id_connect_provider_arn(arn)
                    .client_id(id)
                    .send()
                    .await
                    .map_err(aws("iam:RemoveClientIDFromOpenIDConnectProvider"))?;
            }
        }
        if changed(old, new, "ThumbprintList") {
            iam.update_open_id_connect_provider_thumbprint()
                .open_id_connect_provider_arn(arn)
                .set_thumbprint_list(Some(strings(new, "ThumbprintList")?))
                .send()
                .await
                .map_err(aws("iam:UpdateOpenIDConnectProviderThumbprint"))?;
        }
        let (set, removed) = tag_changes(old, new);
        if !set.is_empty() {
            iam.tag_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .set_tags(Some(iam_tags(set)?))
                .send()
                .await
                .map_err(aws("iam:TagOpenIDConnectProvider"))?;
        }
        if !removed.is_empty() {
            iam.untag_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(aws("iam:UntagOpenIDConnectProvider"))?;
        }
        Ok(attributes(arn))
    }

    async fn delete(&self, ctx: &Ctx, arn: &str, _props: &Props) -> Result<()> {
        crate::resources::property::deleted(
            "iam:DeleteOpenIDConnectProvider",
            ctx.clients
                .iam()
                .delete_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .send()
                .await,
            |e| e.is_no_such_entity_exception(),
        )
    }

    /// The provider of the URL (an account has at most one per URL).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let Some(url) = super::string(props, "Url") else {
            return Ok(None);
        };
        let arn = arn_of(ctx, &url);
        Ok(get(ctx, &arn).await?.map(|_| arn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arn_is_named_by_the_url_without_its_scheme() {
        assert_eq!(
            host_path("https://token.actions.githubusercontent.com"),
            "token.actions.githubusercontent.com"
        );
        assert_eq!(host_path("oidc.example.com/id/1"), "oidc.example.com/id/1");
    }
}
