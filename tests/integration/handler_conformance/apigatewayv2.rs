//! Conformance fixtures of API Gateway v2 (HTTP APIs): the API, its stages, routes,
//! integrations and authorizers (issue 15).

#[allow(unused_imports)]
use super::*;

impl Env {
    /// An HTTP API: its id.
    async fn http_api(&self) -> String {
        let desired = json!({"Name": unique("conform-http"), "ProtocolType": "HTTP"});
        self.make("AWS::ApiGatewayV2::Api", desired)
            .await
            .physical_id
    }

    /// An HTTP proxy integration of `api`: its id.
    async fn http_integration(&self, api: &str) -> String {
        let desired = json!({"ApiId": api, "IntegrationType": "HTTP_PROXY",
            "IntegrationUri": "https://example.com/pets", "IntegrationMethod": "GET",
            "PayloadFormatVersion": "1.0"});
        self.make("AWS::ApiGatewayV2::Integration", desired)
            .await
            .physical_id
    }
}

fn jwt(audience: &str) -> Value {
    json!({"Issuer": "https://id.example.com/", "Audience": [audience]})
}

pub(super) static FIXTURES: &[Fixture] = &[
    Fixture {
        type_name: "AWS::ApiGatewayV2::Api",
        desired: |_| {
            Box::pin(async move {
                props(json!({
                    "Name": unique("conform-http"), "ProtocolType": "HTTP",
                    "Description": "conformance",
                    "CorsConfiguration": {"AllowOrigins": ["https://example.com"],
                        "AllowMethods": ["GET"], "MaxAge": 300},
                    "Tags": {"team": "fuel"}
                }))
            })
        },
        exists: |ctx, id, _| {
            Box::pin(async move {
                let out = ctx.clients.apigatewayv2().get_api().api_id(id);
                out.send().await.is_ok()
            })
        },
        update: Update::Property("Description", |_, _| value(json!("conformance v2"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::ApiGatewayV2::Authorizer",
        desired: |env| {
            Box::pin(async move {
                let api = env.http_api().await;
                props(json!({
                    "ApiId": api, "Name": "conform-jwt", "AuthorizerType": "JWT",
                    "IdentitySource": ["$request.header.Authorization"],
                    "JwtConfiguration": jwt("app")
                }))
            })
        },
        exists: |ctx, id, p| {
            Box::pin(async move {
                let gateway = ctx.clients.apigatewayv2();
                let out = gateway.get_authorizer().api_id(text(&p, "ApiId"));
                out.authorizer_id(id).send().await.is_ok()
            })
        },
        update: Update::Property("JwtConfiguration", |_, _| value(jwt("app-v2"))),
        not_read_back: &[],
        // (find lists the API's authorizers by name.)
        skip: &[
            (Step::Adopt, Skip::Moto("moto has no GetAuthorizers")),
            (Step::LostAnswer, Skip::Moto("moto has no GetAuthorizers")),
        ],
    },
    Fixture {
        type_name: "AWS::ApiGatewayV2::Integration",
        desired: |env| {
            Box::pin(async move {
                let api = env.http_api().await;
                props(json!({
                    "ApiId": api, "IntegrationType": "HTTP_PROXY",
                    "IntegrationUri": "https://example.com/orders", "IntegrationMethod": "ANY",
                    "PayloadFormatVersion": "1.0", "TimeoutInMillis": 10000
                }))
            })
        },
        exists: |ctx, id, p| {
            Box::pin(async move {
                let gateway = ctx.clients.apigatewayv2();
                let out = gateway.get_integration().api_id(text(&p, "ApiId"));
                out.integration_id(id).send().await.is_ok()
            })
        },
        update: Update::Property("TimeoutInMillis", |_, _| value(json!(15000))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::ApiGatewayV2::Route",
        desired: |env| {
            Box::pin(async move {
                let api = env.http_api().await;
                let integration = env.http_integration(&api).await;
                props(json!({
                    "ApiId": api, "RouteKey": "GET /pets", "AuthorizationType": "NONE",
                    "Target": format!("integrations/{integration}"), "OperationName": "listPets"
                }))
            })
        },
        exists: |ctx, id, p| {
            Box::pin(async move {
                let gateway = ctx.clients.apigatewayv2();
                let out = gateway.get_route().api_id(text(&p, "ApiId"));
                out.route_id(id).send().await.is_ok()
            })
        },
        update: Update::Property("OperationName", |_, _| value(json!("listAllPets"))),
        not_read_back: &[],
        skip: &[],
    },
    Fixture {
        type_name: "AWS::ApiGatewayV2::Stage",
        desired: |env| {
            Box::pin(async move {
                let api = env.http_api().await;
                props(json!({
                    "ApiId": api, "StageName": "conform", "AutoDeploy": true,
                    "StageVariables": {"tier": "gold"},
                    "DefaultRouteSettings": {"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 5},
                    "Tags": {"team": "fuel"}
                }))
            })
        },
        exists: |ctx, id, p| {
            Box::pin(async move {
                let gateway = ctx.clients.apigatewayv2();
                let out = gateway.get_stage().api_id(text(&p, "ApiId"));
                out.stage_name(id).send().await.is_ok()
            })
        },
        update: Update::Property("Description", |_, _| value(json!("conformance"))),
        not_read_back: &[],
        skip: &[(Step::Update, Skip::Moto("moto has no UpdateStage"))],
    },
];
