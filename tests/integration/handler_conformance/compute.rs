//! Conformance fixtures of Lambda versions and aliases (issue 15).

use super::*;

/// The function and version of a qualified ARN `...:function:NAME:QUALIFIER`.
fn function_and_qualifier(arn: &str) -> (String, String) {
    let mut fields = arn.rsplitn(3, ':');
    let qualifier = fields.next().unwrap_or_default().to_string();
    let function = fields.next().unwrap_or_default().to_string();
    (function, qualifier)
}

pub(super) static FIXTURES: &[Fixture] = &[
    Fixture {
        type_name: "AWS::Lambda::Alias",
        desired: |env| {
            Box::pin(async move {
                let function = env.function().await;
                let version = env
                    .make("AWS::Lambda::Version", json!({"FunctionName": function}))
                    .await;
                let number = version.attributes["Version"].as_str().unwrap().to_string();
                props(json!({
                    "FunctionName": function, "Name": "live", "FunctionVersion": number,
                    "Description": "conformance"
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let (function, alias) = function_and_qualifier(&id);
                let out = ctx.clients.lambda().get_alias().function_name(function);
                out.name(alias).send().await.is_ok()
            })
        },
        update: Update::Property("Description", |_, _| value(json!("moved"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::Lambda::Version",
        desired: |env| {
            Box::pin(async move {
                let function = env.function().await;
                props(json!({"FunctionName": function, "Description": "first"}))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let (function, version) = function_and_qualifier(&id);
                let out = ctx.clients.lambda().get_function_configuration();
                let out = out.function_name(function).qualifier(version);
                out.send().await.is_ok()
            })
        },
        update: Update::NoneMutable,
        not_read_back: &[],
        skip: &[],
    },
];
