//! `AWS::ApiGateway::Model`: a JSON schema for request or response bodies. Physical id: the
//! model name (generated from the logical id when the template has none: model names must be
//! alphanumeric, so the engine's hyphenated names do not fit).

use super::{not_found, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};
use serde_json::{Value, json};

pub struct Model;

fn model_name(ctx: &Ctx, props: &Props) -> String {
    property::string(props, "Name").unwrap_or_else(|| {
        let base: String = ctx
            .logical_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        format!(
            "{base}{}",
            property::short_hash(&Value::Object(property::without_reserved(props)))
        )
    })
}

async fn get(
    ctx: &Ctx,
    api: &str,
    name: &str,
) -> Result<Option<aws_sdk_apigateway::operation::get_model::GetModelOutput>> {
    match ctx
        .clients
        .apigateway()
        .get_model()
        .rest_api_id(api)
        .model_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_found!(e) => Ok(None),
        Err(e) => Err(sdk_error("apigateway:GetModel", e)),
    }
}

/// The properties this handler sends and reads.
const MANAGED: &[&str] = &["ContentType", "Description", "Name", "RestApiId", "Schema"];

impl Resource for Model {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let name = model_name(ctx, props);
        ctx.clients
            .apigateway()
            .create_model()
            .rest_api_id(property::required(props, "RestApiId")?)
            .name(&name)
            .content_type(
                property::string(props, "ContentType").unwrap_or("application/json".into()),
            )
            .set_schema(property::document(props, "Schema"))
            .set_description(property::string(props, "Description"))
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateModel", e))?;
        Ok(Created {
            physical_id: name,
            attributes: Attributes::new(),
        })
    }

    async fn read(&self, ctx: &Ctx, physical_id: &str, desired: &Props) -> Result<Option<Live>> {
        let api = property::required(desired, "RestApiId")?;
        let Some(model) = get(ctx, &api, physical_id).await? else {
            return Ok(None);
        };
        let mut p = Props::new();
        p.insert("RestApiId".into(), json!(api));
        p.insert("Name".into(), json!(model.name().unwrap_or(physical_id)));
        if let Some(c) = model.content_type() {
            p.insert("ContentType".into(), json!(c));
        }
        if let Some(s) = model.schema() {
            p.insert(
                "Schema".into(),
                property::document_like(s, desired.get("Schema")),
            );
        }
        if let Some(d) = model.description().filter(|d| !d.is_empty()) {
            p.insert("Description".into(), json!(d));
        }
        Ok(Some(Live {
            properties: p,
            attributes: Attributes::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> Result<Attributes> {
        let mut ops = Vec::new();
        if property::changed(old, new, "Schema") {
            ops.push(replace(
                "/schema",
                property::document(new, "Schema").unwrap_or_default(),
            ));
        }
        if property::changed(old, new, "Description") {
            ops.push(replace(
                "/description",
                property::string(new, "Description").unwrap_or_default(),
            ));
        }
        if !ops.is_empty() {
            ctx.clients
                .apigateway()
                .update_model()
                .rest_api_id(property::required(new, "RestApiId")?)
                .model_name(physical_id)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UpdateModel", e))?;
        }
        Ok(Attributes::new())
    }

    async fn delete(&self, ctx: &Ctx, physical_id: &str, props: &Props) -> Result<()> {
        let api = property::required(props, "RestApiId")?;
        match ctx
            .clients
            .apigateway()
            .delete_model()
            .rest_api_id(api)
            .model_name(physical_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if not_found!(e) => Ok(()),
            Err(e) => Err(sdk_error("apigateway:DeleteModel", e)),
        }
    }

    /// By name (the template's, or the one `create` derives from the logical id and props).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let api = property::required(props, "RestApiId")?;
        let name = model_name(ctx, props);
        Ok(get(ctx, &api, &name).await?.map(|_| name))
    }
}
