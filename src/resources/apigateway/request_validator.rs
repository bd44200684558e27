//! `AWS::ApiGateway::RequestValidator`: which parts of a request (body, parameters) API
//! Gateway validates for the methods that use it. Physical id (and `Ref`): the validator id.
//! The name is generated when the template has none, so a lost create can be found by it.

use super::{not_found, replace};
use crate::resources::property;
use crate::resources::sdk_error;
use crate::resources::{Attributes, Created, Ctx, Live, Props, Resource, Result};
use serde_json::json;

pub struct RequestValidator;

const MANAGED: &[&str] = &[
    "Name",
    "RestApiId",
    "ValidateRequestBody",
    "ValidateRequestParameters",
];

const FLAGS: &[(&str, &str)] = &[
    ("ValidateRequestBody", "/validateRequestBody"),
    ("ValidateRequestParameters", "/validateRequestParameters"),
];

fn attributes(id: &str) -> Attributes {
    Attributes::from([("RequestValidatorId".to_string(), json!(id))])
}

impl Resource for RequestValidator {
    fn managed_properties(&self) -> &'static [&'static str] {
        MANAGED
    }

    fn name_property(&self) -> Option<&'static str> {
        Some("Name")
    }

    fn name_rules(&self) -> (usize, bool) {
        (128, false)
    }

    async fn create(&self, ctx: &Ctx, props: &Props) -> Result<Created> {
        let out = ctx
            .clients
            .apigateway()
            .create_request_validator()
            .rest_api_id(property::required(props, "RestApiId")?)
            .set_name(property::string(props, "Name"))
            .set_validate_request_body(property::boolean(props, "ValidateRequestBody")?)
            .set_validate_request_parameters(property::boolean(props, "ValidateRequestParameters")?)
            .customize()
            .config_override(super::sent_once())
            .send()
            .await
            .map_err(|e| sdk_error("apigateway:CreateRequestValidator", e))?;
        let id = out.id().unwrap_or_default().to_string();
        Ok(Created {
            attributes: attributes(&id),
            physical_id: id,
        })
    }

    async fn read(&self, ctx: &Ctx, id: &str, desired: &Props) -> Result<Option<Live>> {
        let api = property::required(desired, "RestApiId")?;
        let out = match ctx
            .clients
            .apigateway()
            .get_request_validator()
            .rest_api_id(&api)
            .request_validator_id(id)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if not_found!(e) => return Ok(None),
            Err(e) => return Err(sdk_error("apigateway:GetRequestValidator", e)),
        };
        let mut p = Props::new();
        p.insert("RestApiId".into(), json!(api));
        if let Some(name) = out.name() {
            p.insert("Name".into(), json!(name));
        }
        p.insert(
            "ValidateRequestBody".into(),
            json!(out.validate_request_body()),
        );
        p.insert(
            "ValidateRequestParameters".into(),
            json!(out.validate_request_parameters()),
        );
        Ok(Some(Live {
            properties: p,
            attributes: attributes(id),
        }))
    }

    async fn update(&self, ctx: &Ctx, id: &str, old: &Props, new: &Props) -> Result<Attributes> {
        let mut ops = Vec::new();
        for (key, path) in FLAGS {
            if property::changed(old, new, key) {
                let on = property::boolean(new, key)?.unwrap_or(false);
                ops.push(replace(*path, on.to_string()));
            }
        }
        if !ops.is_empty() {
            ctx.clients
                .apigateway()
                .update_request_validator()
                .rest_api_id(property::required(new, "RestApiId")?)
                .request_validator_id(id)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| sdk_error("apigateway:UpdateRequestValidator", e))?;
        }
        Ok(attributes(id))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, props: &Props) -> Result<()> {
        property::deleted(
            "apigateway:DeleteRequestValidator",
            ctx.clients
                .apigateway()
                .delete_request_validator()
                .rest_api_id(property::required(props, "RestApiId")?)
                .request_validator_id(id)
                .send()
                .await,
            |s| s.is_not_found_exception(),
        )
    }

    /// No tags: the validator of this API with this name (and none of its earlier copies).
    async fn find(&self, ctx: &Ctx, props: &Props) -> Result<Option<String>> {
        let api = property::required(props, "RestApiId")?;
        let Some(name) = property::string(props, "Name") else {
            return Ok(None);
        };
        let out = match ctx
            .clients
            .apigateway()
            .get_request_validators()
            .rest_api_id(api)
            .limit(500)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if not_found!(e) => return Ok(None),
            Err(e) => return Err(sdk_error("apigateway:GetRequestValidators", e)),
        };
        Ok(out
            .items()
            .iter()
            .filter(|v| v.name() == Some(name.as_str()))
            .filter_map(|v| v.id())
            .find(|id| !crate::resources::is_earlier_copy(props, id))
            .map(str::to_owned))
    }
}
