//! Conformance fixtures of IAM types beyond the first ones: service-linked roles.

#[allow(unused_imports)]
use super::*;

pub(super) static FIXTURES: &[Fixture] = &[Fixture {
    type_name: "AWS::IAM::ServiceLinkedRole",
    desired: |_| {
        Box::pin(async move {
            // Auto Scaling takes several roles told apart by suffix: a unique one per run, so
            // parallel runs (and step 6's second role) never meet.
            props(json!({
                "AWSServiceName": "autoscaling.amazonaws.com",
                "CustomSuffix": unique("conform"),
                "Description": "conformance"
            }))
        })
    },
    exists: |ctx, id, _| {
        Box::pin(async move {
            let out = ctx.clients.iam().get_role().role_name(id).send().await;
            out.is_ok_and(|o| {
                o.role()
                    .is_some_and(|r| r.path() == "/aws-service-role/autoscaling.amazonaws.com/")
            })
        })
    },
    update: Update::Property("Description", |_, _| value(json!("conformance v2"))),
    not_read_back: &[],
    skip: &[],
}];

/// A service-linked role that exists already is an "already exists" error naming it, never
/// adopted (it may be the service's own, made when the service was first used); delete waits
/// on the deletion task IAM answers with (moto's always succeeds at once: the poll is checked
/// in the requests sent).
#[tokio::test]
async fn an_existing_service_linked_role_is_refused_and_delete_polls_its_task() {
    let moto = MotoServer::shared();
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
        ..ctx_on(moto, unique("conform-slr"), "Role").await
    };
    let h = handler("AWS::IAM::ServiceLinkedRole").unwrap();
    let desired = props(json!({
        "AWSServiceName": "autoscaling.amazonaws.com",
        "CustomSuffix": unique("taken")
    }));
    let first = h.create(&ctx, &desired).await.expect("first create");
    let token = uuid::Uuid::new_v4().to_string();
    let again = create_once(&CreateRequest {
        handler: h,
        ctx: &ctx,
        props: &desired,
        earlier: &[],
        token: &token,
        started: 0,
        name_is_ours: false,
    })
    .await
    .expect_err("a second create of the same service-linked role");
    assert_eq!(again.code, "EntityAlreadyExists", "{again}");
    assert!(again.message.contains(&first.physical_id), "{again}");

    h.delete(&ctx, &first.physical_id, &desired)
        .await
        .expect("delete");
    let sent = proxy.stats.bodies.lock().unwrap().clone();
    let delete = sent
        .iter()
        .position(|(_, action, _)| action == "DeleteServiceLinkedRole")
        .expect("DeleteServiceLinkedRole sent");
    assert!(
        sent[delete..].iter().any(|(_, action, body)| {
            action == "GetServiceLinkedRoleDeletionStatus" && body.contains("DeletionTaskId=")
        }),
        "no deletion status asked after the delete: {sent:?}"
    );
    let gone = h.read(&ctx, &first.physical_id, &desired).await.unwrap();
    assert_eq!(gone, None);
}
