//! API Gateway (REST) handlers against moto: API, resource, methods, model, deployment, stage,
//! account.

use crate::support::handlers::{self, assert_no_drift, props};
use crate::support::{MotoServer, unique};
use fuelflow::resources::{Ctx, compare, handler};
use serde_json::json;

async fn ctx(logical_id: &str) -> Ctx {
    handlers::ctx_on(MotoServer::shared(), "test-stack", logical_id).await
}

fn with(ctx: &Ctx, logical_id: &str) -> Ctx {
    Ctx {
        logical_id: logical_id.into(),
        ..ctx.clone()
    }
}

#[tokio::test]
async fn rest_api_lifecycle() {
    let ctx = ctx("Api").await;
    let h = handler("AWS::ApiGateway::RestApi").unwrap();
    let gateway = ctx.clients.apigateway();
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]});
    let desired = props(json!({
        "Name": unique("api"), "Description": "fuel api",
        "EndpointConfiguration": {"Types": ["REGIONAL"]},
        "MinimumCompressionSize": 1024,
        "ApiKeySourceType": "HEADER", "Policy": policy,
        "Tags": [{"Key": "team", "Value": "fuel"}]
    }));
    let created = h.create(&ctx, &desired).await.unwrap();
    let id = created.physical_id.clone();
    assert_eq!(created.attributes["RestApiId"], json!(id));
    let live = gateway
        .get_rest_api()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(live.description(), Some("fuel api"));
    assert_eq!(live.tags().unwrap()["fuelflow:logical-id"], "Api");
    let resources = gateway
        .get_resources()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap();
    let root = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .unwrap();
    assert_eq!(
        created.attributes["RootResourceId"],
        json!(root.id().unwrap())
    );

    let read = h.read(&ctx, &id, &desired).await.unwrap().unwrap();
    assert_no_drift(&desired, &read.properties);
    assert_eq!(read.attributes, created.attributes);

    // Update in place.
    let mut updated = desired.clone();
    updated.insert("Description".into(), json!("fuel api v2"));
    updated.insert("Name".into(), json!(unique("api-renamed")));
    // (moto's TagResource only knows stage ARNs, so the API's tags are not updated here.)
    h.update(&ctx, &id, &desired, &updated).await.unwrap();
    let live = gateway
        .get_rest_api()
        .rest_api_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(live.description(), Some("fuel api v2"));
    assert_eq!(live.name(), updated["Name"].as_str());
    let read = h.read(&ctx, &id, &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &read.properties);

    // Drift repaired.
    gateway
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/description")
                .value("changed by hand")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let drifted = h.read(&ctx, &id, &updated).await.unwrap().unwrap();
    assert_eq!(drifted.properties["Description"], json!("changed by hand"));
    h.update(&ctx, &id, &drifted.properties, &updated)
        .await
        .unwrap();
    let repaired = h.read(&ctx, &id, &updated).await.unwrap().unwrap();
    assert_no_drift(&updated, &repaired.properties);

    assert_eq!(
        h.adopt(&ctx, &desired)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(id.clone())
    );
    assert_eq!(
        h.adopt(&with(&ctx, "OtherApi"), &desired).await.unwrap(),
        None
    );
    h.delete(&ctx, &id, &desired).await.unwrap();
    assert!(
        gateway
            .get_rest_api()
            .rest_api_id(&id)
            .send()
            .await
            .is_err()
    );
    assert_eq!(h.read(&ctx, &id, &desired).await.unwrap(), None);
    // Deleting again is not tried: moto answers DeleteRestApi for a missing id with HTTP 500
    // (AWS: NotFoundException, which delete treats as done).
}

#[tokio::test]
async fn api_tree_resources_methods_model_deployment_stage() {
    let ctx = ctx("TreeApi").await;
    let gateway = ctx.clients.apigateway();
    let apis = handler("AWS::ApiGateway::RestApi").unwrap();
    let resources = handler("AWS::ApiGateway::Resource").unwrap();
    let methods = handler("AWS::ApiGateway::Method").unwrap();
    let models = handler("AWS::ApiGateway::Model").unwrap();
    let deployments = handler("AWS::ApiGateway::Deployment").unwrap();
    let stages = handler("AWS::ApiGateway::Stage").unwrap();

    let api_props = props(json!({"Name": unique("tree")}));
    let api = apis.create(&ctx, &api_props).await.unwrap();
    let api_id = api.physical_id.clone();
    let root = api.attributes["RootResourceId"]
        .as_str()
        .unwrap()
        .to_string();

    // Resource.
    let res_ctx = with(&ctx, "PetsResource");
    let res_props = props(json!({"RestApiId": api_id, "ParentId": root, "PathPart": "pets"}));
    let resource = resources.create(&res_ctx, &res_props).await.unwrap();
    let res_id = resource.physical_id.clone();
    assert_eq!(resource.attributes["ResourceId"], json!(res_id));
    let live = gateway
        .get_resource()
        .rest_api_id(&api_id)
        .resource_id(&res_id)
        .send()
        .await
        .unwrap();
    assert_eq!(live.path(), Some("/pets"));
    let read = resources
        .read(&res_ctx, &res_id, &res_props)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&res_props, &read.properties);
    assert_eq!(
        resources
            .adopt(&res_ctx, &res_props)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(res_id.clone())
    );

    // A Lambda proxy method.
    let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:api/invocations";
    let proxy = props(json!({
        "RestApiId": api_id, "ResourceId": res_id, "HttpMethod": "GET",
        "AuthorizationType": "NONE", "ApiKeyRequired": false,
        "RequestParameters": {"method.request.querystring.limit": false},
        "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": uri}
    }));
    let get_method = methods
        .create(&with(&ctx, "PetsGet"), &proxy)
        .await
        .unwrap();
    assert_eq!(get_method.physical_id, format!("{api_id}|{res_id}|GET"));
    let live = gateway
        .get_method()
        .rest_api_id(&api_id)
        .resource_id(&res_id)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(live.method_integration().unwrap().uri(), Some(uri));
    let read = methods
        .read(&ctx, &get_method.physical_id, &proxy)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&proxy, &read.properties);

    // A mock method with templates and responses.
    let mock = props(json!({
        "RestApiId": api_id, "ResourceId": res_id, "HttpMethod": "POST",
        "AuthorizationType": "NONE", "OperationName": "createPet",
        "MethodResponses": [{"StatusCode": "200", "ResponseModels": {"application/json": "Empty"}}],
        "Integration": {
            "Type": "MOCK", "PassthroughBehavior": "WHEN_NO_TEMPLATES",
            "RequestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "IntegrationResponses": [{"StatusCode": "200", "ResponseTemplates": {"application/json": "{}"}}]
        }
    }));
    let post = methods
        .create(&with(&ctx, "PetsPost"), &mock)
        .await
        .unwrap();
    let read = methods
        .read(&ctx, &post.physical_id, &mock)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&mock, &read.properties);

    // Update the mock: a 400 response and new templates. (moto has no UpdateMethod, so the
    // method's own settings - OperationName, RequestParameters - are not updated here.)
    let mut mock2 = mock.clone();
    mock2.insert(
        "MethodResponses".into(),
        json!([{"StatusCode": "200"}, {"StatusCode": "400"}]),
    );
    mock2.insert("Integration".into(), json!({
        "Type": "MOCK", "RequestTemplates": {"application/json": "{\"statusCode\": 400}"},
        "IntegrationResponses": [{"StatusCode": "200"}, {"StatusCode": "400", "SelectionPattern": "4\\d{2}"}]
    }));
    methods
        .update(&ctx, &post.physical_id, &mock, &mock2)
        .await
        .unwrap();
    let live = gateway
        .get_method()
        .rest_api_id(&api_id)
        .resource_id(&res_id)
        .http_method("POST")
        .send()
        .await
        .unwrap();
    assert!(live.method_responses().unwrap().contains_key("400"));
    let read = methods
        .read(&ctx, &post.physical_id, &mock2)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&mock2, &read.properties);
    assert_eq!(
        methods
            .adopt(&ctx, &mock2)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(post.physical_id.clone())
    );

    // Drift on a method: the integration changed by hand.
    gateway
        .put_integration()
        .rest_api_id(&api_id)
        .resource_id(&res_id)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    let drifted = methods
        .read(&ctx, &get_method.physical_id, &proxy)
        .await
        .unwrap()
        .unwrap();
    assert!(!compare::equivalent(
        &proxy["Integration"],
        &drifted.properties["Integration"]
    ));
    methods
        .update(&ctx, &get_method.physical_id, &drifted.properties, &proxy)
        .await
        .unwrap();
    let repaired = methods
        .read(&ctx, &get_method.physical_id, &proxy)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&proxy, &repaired.properties);

    // Model.
    let schema = json!({"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"});
    let model_props = props(
        json!({"RestApiId": api_id, "ContentType": "application/json",
        "Name": "Pet", "Schema": schema, "Description": "a pet"}),
    );
    let model = models.create(&ctx, &model_props).await.unwrap();
    assert_eq!(model.physical_id, "Pet");
    let read = models
        .read(&ctx, "Pet", &model_props)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&model_props, &read.properties);
    // (moto has no UpdateModel: the update path is not exercised here.)
    let model2 = model_props.clone();
    assert_eq!(
        models
            .adopt(&ctx, &model2)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some("Pet".into())
    );
    // Without a Name, one is made from the logical id.
    let unnamed =
        props(json!({"RestApiId": api_id, "ContentType": "application/json", "Schema": schema}));
    let generated = models
        .create(&with(&ctx, "ErrorModel"), &unnamed)
        .await
        .unwrap();
    assert!(generated.physical_id.starts_with("ErrorModel"));
    assert_eq!(
        models
            .adopt(&with(&ctx, "ErrorModel"), &unnamed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(generated.physical_id.clone())
    );

    // Deployment (creating the `dev` stage) and a separate `prod` stage.
    let dep_props = props(json!({"RestApiId": api_id, "Description": "first", "StageName": "dev"}));
    let deployment = deployments.create(&ctx, &dep_props).await.unwrap();
    let dep_id = deployment.physical_id.clone();
    assert_eq!(deployment.attributes["DeploymentId"], json!(dep_id));
    let live = gateway
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(live.deployment_id(), Some(dep_id.as_str()));
    let read = deployments
        .read(&ctx, &dep_id, &dep_props)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&dep_props, &read.properties);
    // (moto has no UpdateDeployment: a changed Description is not exercised here.)
    let dep2 = dep_props.clone();

    let stage_ctx = with(&ctx, "ProdStage");
    let logs = "arn:aws:logs:us-east-1:123456789012:log-group:api-access";
    let stage_props = props(json!({
        "RestApiId": api_id, "StageName": "prod", "DeploymentId": dep_id,
        "Description": "production", "TracingEnabled": true,
        "Variables": {"table": "pets"},
        "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": true,
                            "LoggingLevel": "INFO", "ThrottlingBurstLimit": 100}],
        "AccessLogSetting": {"DestinationArn": logs, "Format": "$context.requestId"},
        "Tags": [{"Key": "team", "Value": "fuel"}]
    }));
    let stage = stages.create(&stage_ctx, &stage_props).await.unwrap();
    assert_eq!(stage.physical_id, "prod");
    let live = gateway
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(live.variables().unwrap()["table"], "pets");
    assert!(live.method_settings().unwrap()["*/*"].metrics_enabled());
    assert_eq!(live.tags().unwrap()["fuelflow:logical-id"], "ProdStage");
    let read = stages
        .read(&stage_ctx, "prod", &stage_props)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&stage_props, &read.properties);

    let mut stage2 = stage_props.clone();
    stage2.insert("Description".into(), json!("production v2"));
    stage2.insert(
        "Variables".into(),
        json!({"table": "pets2", "mode": "fast"}),
    );
    stage2.insert(
        "MethodSettings".into(),
        json!([{"ResourcePath": "/*", "HttpMethod": "*",
        "MetricsEnabled": false, "LoggingLevel": "ERROR", "ThrottlingBurstLimit": 50}]),
    );
    stage2.insert("Tags".into(), json!([{"Key": "owner", "Value": "me"}]));
    stages
        .update(&stage_ctx, "prod", &stage_props, &stage2)
        .await
        .unwrap();
    let live = gateway
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(live.description(), Some("production v2"));
    assert_eq!(live.variables().unwrap()["mode"], "fast");
    assert_eq!(
        live.method_settings().unwrap()["*/*"].logging_level(),
        Some("ERROR")
    );
    let read = stages
        .read(&stage_ctx, "prod", &stage2)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&stage2, &read.properties);

    // Stage drift: a variable changed by hand.
    gateway
        .update_stage()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/variables/table")
                .value("oops")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let drifted = stages
        .read(&stage_ctx, "prod", &stage2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(drifted.properties["Variables"]["table"], json!("oops"));
    stages
        .update(&stage_ctx, "prod", &drifted.properties, &stage2)
        .await
        .unwrap();
    let repaired = stages
        .read(&stage_ctx, "prod", &stage2)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&stage2, &repaired.properties);
    assert_eq!(
        stages
            .adopt(&stage_ctx, &stage2)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some("prod".into())
    );

    // Teardown in reverse order; every delete is repeatable and every read then says gone.
    stages.delete(&ctx, "prod", &stage2).await.unwrap();
    assert_eq!(stages.read(&ctx, "prod", &stage2).await.unwrap(), None);
    stages.delete(&ctx, "prod", &stage2).await.unwrap();

    deployments.delete(&ctx, &dep_id, &dep2).await.unwrap();
    assert!(
        gateway
            .get_stage()
            .rest_api_id(&api_id)
            .stage_name("dev")
            .send()
            .await
            .is_err()
    );
    // (moto answers GetDeployment for a missing id with HTTP 500, so the list is checked.)
    let left = gateway
        .get_deployments()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert!(left.items().iter().all(|d| d.id() != Some(dep_id.as_str())));
    deployments.delete(&ctx, &dep_id, &dep2).await.unwrap();

    models.delete(&ctx, "Pet", &model2).await.unwrap();
    assert_eq!(models.read(&ctx, "Pet", &model2).await.unwrap(), None);
    models.delete(&ctx, "Pet", &model2).await.unwrap();

    for (id, p) in [
        (&get_method.physical_id, &proxy),
        (&post.physical_id, &mock2),
    ] {
        methods.delete(&ctx, id, p).await.unwrap();
        assert_eq!(methods.read(&ctx, id, p).await.unwrap(), None);
        methods.delete(&ctx, id, p).await.unwrap();
    }

    resources.delete(&ctx, &res_id, &res_props).await.unwrap();
    assert_eq!(
        resources.read(&ctx, &res_id, &res_props).await.unwrap(),
        None
    );
    // (moto answers DeleteResource for a missing id with HTTP 500; once the API is gone it gives
    // NotFoundException, which is checked at the end.)
    assert_eq!(
        resources
            .adopt(&res_ctx, &res_props)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );

    apis.delete(&ctx, &api_id, &api_props).await.unwrap();
    // Everything below the API is gone with it: reads say None, deletes are Ok.
    assert_eq!(stages.read(&ctx, "prod", &stage2).await.unwrap(), None);
    assert_eq!(
        methods.read(&ctx, &post.physical_id, &mock2).await.unwrap(),
        None
    );
    resources.delete(&ctx, &res_id, &res_props).await.unwrap();
}

#[tokio::test]
async fn account_sets_the_cloudwatch_role() {
    let ctx = ctx("ApiAccount").await;
    let h = handler("AWS::ApiGateway::Account").unwrap();
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let mut roles = Vec::new();
    for _ in 0..2 {
        let role = ctx
            .clients
            .iam()
            .create_role()
            .role_name(unique("apigw-logs"))
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
        roles.push(role.role.unwrap().arn);
    }
    let desired = props(json!({"CloudWatchRoleArn": roles[0]}));
    let created = h.create(&ctx, &desired).await.unwrap();
    assert_eq!(created.physical_id, "apigateway-account-us-east-1");
    assert_eq!(created.attributes["Id"], json!(created.physical_id));
    let live = ctx.clients.apigateway().get_account().send().await.unwrap();
    assert_eq!(live.cloudwatch_role_arn(), Some(roles[0].as_str()));
    let read = h
        .read(&ctx, &created.physical_id, &desired)
        .await
        .unwrap()
        .unwrap();
    assert_no_drift(&desired, &read.properties);
    assert_eq!(
        h.adopt(&ctx, &desired)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(created.physical_id.clone())
    );

    let updated = props(json!({"CloudWatchRoleArn": roles[1]}));
    assert_eq!(
        h.adopt(&ctx, &updated)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
    h.update(&ctx, &created.physical_id, &desired, &updated)
        .await
        .unwrap();
    let live = ctx.clients.apigateway().get_account().send().await.unwrap();
    assert_eq!(live.cloudwatch_role_arn(), Some(roles[1].as_str()));

    // Deleting leaves the region's setting in place (other stacks may log through it).
    h.delete(&ctx, &created.physical_id, &updated)
        .await
        .unwrap();
    h.delete(&ctx, &created.physical_id, &updated)
        .await
        .unwrap();
    let live = ctx.clients.apigateway().get_account().send().await.unwrap();
    assert_eq!(live.cloudwatch_role_arn(), Some(roles[1].as_str()));
}
