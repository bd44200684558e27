//! Lambda's extra types through the CLI against moto (issue 15): a queue feeding a function
//! (inline code) through an event source mapping, the function's URL and its event invoke
//! configuration, and a layer version from a local folder in the function's `Layers`; applied,
//! checked live with the SDK, re-planned empty, the layer's folder changed (a new version
//! replaces the old one), destroyed. Also the log group's `LogGroupClass` and `KmsKeyId`.

use crate::support::handlers::{ctx_on, props};
use crate::support::project::{Project, code};
use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::{MotoServer, stderr, stdout, unique};
use fuelflow::resources::lambda::package;
use fuelflow::resources::{Clients, Ctx, handler};
use serde_json::json;
use std::sync::Arc;

fn template(name: &str) -> String {
    format!(
        "Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {{QueueName: {name}-jobs, VisibilityTimeout: 60}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: 'sts:AssumeRole'}}]
  Shared:
    Type: AWS::Lambda::LayerVersion
    Properties:
      LayerName: {name}-shared
      Content: ./layer
      CompatibleRuntimes: [python3.12]
      Description: shared helpers
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: {name}-worker
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Layers: [!Ref Shared]
      Code:
        ZipFile: |
          def handler(event, context):
              return {{'batchItemFailures': []}}
  FromJobs:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
      BatchSize: 5
      FunctionResponseTypes: [ReportBatchItemFailures]
  Public:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !GetAtt Worker.Arn
      AuthType: NONE
      Cors: {{AllowOrigins: ['https://example.com']}}
  Async:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Worker
      Qualifier: $LATEST
      MaximumRetryAttempts: 0
      DestinationConfig: {{OnFailure: {{Destination: !GetAtt Jobs.Arn}}}}
"
    )
}

/// The layer version of `arn`, asked with the SDK (`None` when it does not exist).
async fn layer_version(
    lambda: &aws_sdk_lambda::Client,
    arn: &str,
) -> Option<aws_sdk_lambda::operation::get_layer_version::GetLayerVersionOutput> {
    let (layer, version) = arn.rsplit_once(':')?;
    let name = layer.rsplit(':').next()?;
    let out = lambda.get_layer_version().layer_name(name);
    out.version_number(version.parse().ok()?).send().await.ok()
}

/// The layer version ARNs the function uses, asked with the SDK.
async fn function_layers(lambda: &aws_sdk_lambda::Client, name: &str) -> Vec<String> {
    let out = lambda.get_function_configuration().function_name(name);
    let config = out.send().await.unwrap();
    config
        .layers()
        .iter()
        .filter_map(|l| l.arn())
        .map(str::to_string)
        .collect()
}

fn write_layer(p: &Project, source: &str) {
    let dir = p.path().join("layer/python");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("shared.py"), source).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_function_mapping_url_invoke_config_and_local_layer_apply_replan_and_destroy() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("lambdax", moto, template);
    write_layer(&p, "ANSWER = 42\n");
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));

    let state = p.state(&config).await.unwrap();
    let id = |logical: &str| state.resources[logical].physical_id.clone();
    let lambda = aws_sdk_lambda::Client::new(&config);
    let worker = format!("{}-worker", p.name);

    // The layer holds exactly the folder fuelflow packaged; the function uses that version.
    let layer_arn = id("Shared");
    let (_, sha) = package(&p.path().join("layer")).unwrap();
    let live_layer = layer_version(&lambda, &layer_arn).await.unwrap();
    assert_eq!(
        live_layer.content().and_then(|c| c.code_sha256()),
        Some(sha.as_str())
    );
    assert_eq!(live_layer.description(), Some("shared helpers"));
    assert_eq!(
        function_layers(&lambda, &worker).await,
        vec![layer_arn.clone()]
    );
    let function = lambda
        .get_function_configuration()
        .function_name(&worker)
        .send()
        .await
        .unwrap();

    // The mapping: Ref is its UUID, from the queue to the function, as the template says.
    let mapping = lambda
        .get_event_source_mapping()
        .uuid(id("FromJobs"))
        .send()
        .await
        .unwrap();
    assert_eq!(mapping.batch_size(), Some(5));
    assert_eq!(mapping.state(), Some("Enabled"));
    assert!(
        mapping
            .event_source_arn()
            .is_some_and(|a| a.ends_with(&format!(":{}-jobs", p.name)))
    );
    assert_eq!(mapping.function_arn(), function.function_arn());
    assert_eq!(mapping.function_response_types().len(), 1);

    // The URL (Ref: the function ARN) and the invoke configuration (Ref: FUNCTION|QUALIFIER).
    let url = lambda
        .get_function_url_config()
        .function_name(&worker)
        .send()
        .await
        .unwrap();
    assert_eq!(url.auth_type().as_str(), "NONE");
    assert_eq!(Some(id("Public").as_str()), function.function_arn());
    assert_eq!(
        url.cors().map(|c| c.allow_origins().to_vec()),
        Some(vec!["https://example.com".to_string()])
    );
    assert_eq!(id("Async"), format!("{worker}|$LATEST"));
    let invoke = lambda
        .get_function_event_invoke_config()
        .function_name(&worker)
        .qualifier("$LATEST")
        .send()
        .await
        .unwrap();
    assert_eq!(invoke.maximum_retry_attempts(), Some(0));
    assert!(
        invoke
            .destination_config()
            .and_then(|d| d.on_failure())
            .and_then(|o| o.destination())
            .is_some_and(|d| d.ends_with("-jobs"))
    );

    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "re-plan not empty: {}", stdout(&out));

    // New code in the layer's folder: a new version replaces the old one, the function follows.
    write_layer(&p, "ANSWER = 43\n");
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(2), "{}{}", stdout(&out), stderr(&out));
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let state = p.state(&config).await.unwrap();
    let new_arn = state.resources["Shared"].physical_id.clone();
    assert_ne!(new_arn, layer_arn);
    assert!(
        layer_version(&lambda, &layer_arn).await.is_none(),
        "the replaced layer version is still there"
    );
    assert_eq!(
        function_layers(&lambda, &worker).await,
        vec![new_arn.clone()]
    );
    let out = p.run(&["plan", "--env", "dev", "--detailed-exitcode"]);
    assert_eq!(code(&out), Some(0), "re-plan not empty: {}", stdout(&out));

    let out = p.run(&["destroy", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let gone = lambda
        .get_event_source_mapping()
        .uuid(id("FromJobs"))
        .send()
        .await;
    assert!(
        gone.is_err() || gone.is_ok_and(|m| m.state() == Some("Deleting")),
        "the mapping is still there"
    );
    assert!(
        layer_version(&lambda, &new_arn).await.is_none(),
        "the layer version is still there"
    );
    let function = lambda.get_function().function_name(&worker).send().await;
    assert!(function.is_err(), "the function is still there");
}

/// A handler context whose calls go through a fresh proxy in front of moto (to see the requests).
async fn through_proxy(ctx: &Ctx, moto: &MotoServer) -> (Proxy, Ctx) {
    let upstream = format!("127.0.0.1:{}", moto.port).parse().unwrap();
    let proxy = Proxy::start(upstream, ProxyConfig::default()).await;
    let config = moto
        .sdk_config()
        .await
        .into_builder()
        .endpoint_url(proxy.endpoint())
        .build();
    let ctx = Ctx {
        clients: Arc::new(Clients::new(config)),
        ..ctx.clone()
    };
    (proxy, ctx)
}

fn actions(proxy: &Proxy) -> Vec<String> {
    let log = proxy.stats.log.lock().unwrap();
    log.iter().map(|(_, action)| action.clone()).collect()
}

/// The log group's KMS key at create reads back; a changed key is sent as AssociateKmsKey and a
/// dropped one as DisassociateKmsKey (moto 5.2.1 answers both with HTTP 500, so the requests are
/// checked through the proxy); a changed class is refused before anything is sent.
#[tokio::test]
async fn log_group_kms_key_and_class() {
    let moto = MotoServer::shared();
    let ctx = ctx_on(moto, unique("logs-kms"), "Logs").await;
    let h = handler("AWS::Logs::LogGroup").unwrap();
    let key = |n: u8| {
        format!("arn:aws:kms:us-east-1:123456789012:key/{n:08}-1111-2222-3333-444455556666")
    };
    let name = format!("/fuelflow/{}", unique("kms"));
    let desired = props(json!({
        "LogGroupName": name, "KmsKeyId": key(1), "LogGroupClass": "INFREQUENT_ACCESS"
    }));
    h.create(&ctx, &desired).await.unwrap();
    let groups = ctx
        .clients
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(&name)
        .send()
        .await
        .unwrap();
    let group = &groups.log_groups()[0];
    assert_eq!(group.kms_key_id(), Some(key(1).as_str()));
    // moto 5.2.1 drops logGroupClass (AWS keeps it): the live class is not checked here.
    let read = h.read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_eq!(read.properties["KmsKeyId"], json!(key(1)));

    let (proxy, via_proxy) = through_proxy(&ctx, moto).await;
    let mut standard = desired.clone();
    standard.insert("LogGroupClass".into(), json!("STANDARD"));
    standard.insert("RetentionInDays".into(), json!(7));
    let refused = h.update(&via_proxy, &name, &desired, &standard).await;
    let e = refused.expect_err("a class change is refused");
    assert_eq!(e.code, "NotUpdatable");
    assert!(e.message.contains("LogGroupClass"), "{e}");
    assert!(actions(&proxy).is_empty(), "{:?}", actions(&proxy));
    // Absent is the standard class: no change.
    let mut absent = standard.clone();
    absent.remove("LogGroupClass");
    absent.remove("RetentionInDays");
    let mut plain = desired.clone();
    plain.insert("LogGroupClass".into(), json!("STANDARD"));
    h.update(&via_proxy, &name, &plain, &absent).await.unwrap();
    assert!(actions(&proxy).is_empty(), "{:?}", actions(&proxy));

    let mut rekeyed = absent.clone();
    rekeyed.insert("KmsKeyId".into(), json!(key(2)));
    let answer = h.update(&via_proxy, &name, &absent, &rekeyed).await;
    let sent = actions(&proxy);
    assert!(sent.iter().any(|a| a == "AssociateKmsKey"), "{sent:?}");
    // moto refuses it (HTTP 500); a moto that has it then reads the new key back.
    match answer {
        Err(e) => assert!(!e.code.is_empty(), "{e}"),
        Ok(_) => {
            let read = h.read(&ctx, &name, &rekeyed).await.unwrap().unwrap();
            assert_eq!(read.properties["KmsKeyId"], json!(key(2)));
        }
    }
    let mut unkeyed = rekeyed.clone();
    unkeyed.remove("KmsKeyId");
    let answer = h.update(&via_proxy, &name, &rekeyed, &unkeyed).await;
    let sent = actions(&proxy);
    assert!(sent.iter().any(|a| a == "DisassociateKmsKey"), "{sent:?}");
    if let Err(e) = answer {
        assert!(!e.code.is_empty(), "{e}");
    }
    h.delete(&ctx, &name, &desired).await.unwrap();
}
