//! `AWS::IAM::OIDCProvider`'s in-place change of its client ids. moto 5.2.1 has no
//! AddClientIDToOpenIDConnectProvider / RemoveClientIDFromOpenIDConnectProvider (it answers them
//! as unknown actions), so the test checks through the proxy that the handler sends them, with
//! the provider's ARN and the client id, in that order, and sends nothing else that writes.

use crate::support::handlers::{ctx_on, props};
use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::{MotoServer, unique};
use fuelflow::resources::{Clients, Ctx, handler};
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn client_id_changes_are_sent_as_add_then_remove() {
    let moto = MotoServer::shared();
    let ctx = ctx_on(moto, unique("oidc"), "Provider").await;
    let h = handler("AWS::IAM::OIDCProvider").unwrap();
    let host = unique("oidc").to_lowercase();
    let old = props(json!({
        "Url": format!("https://{host}.example.com"),
        "ClientIdList": ["sts.amazonaws.com", "old-client"],
        "ThumbprintList": ["a".repeat(40)]
    }));
    let created = h.create(&ctx, &old).await.unwrap();

    let upstream = format!("127.0.0.1:{}", moto.port).parse().unwrap();
    let proxy = Proxy::start(upstream, ProxyConfig::default()).await;
    let config = moto
        .sdk_config()
        .await
        .into_builder()
        .endpoint_url(proxy.endpoint())
        .build();
    let through_proxy = Ctx {
        clients: Arc::new(Clients::new(config)),
        ..ctx.clone()
    };
    let mut new = old.clone();
    new.insert(
        "ClientIdList".into(),
        json!(["sts.amazonaws.com", "new-client"]),
    );
    let answer = h
        .update(&through_proxy, &created.physical_id, &old, &new)
        .await;
    let sent: Vec<String> = proxy
        .stats
        .log
        .lock()
        .unwrap()
        .iter()
        .map(|(_, action)| action.clone())
        .collect();
    assert_eq!(
        sent.first().map(String::as_str),
        Some("AddClientIDToOpenIDConnectProvider"),
        "{sent:?}"
    );
    // moto refuses the action it lacks: the update reports it, naming the operation.
    match answer {
        Err(e) => assert!(!e.code.is_empty(), "{e}"),
        // A moto that has the operation: then the remove follows.
        Ok(_) => assert!(
            sent.iter()
                .any(|a| a == "RemoveClientIDFromOpenIDConnectProvider")
        ),
    }
    h.delete(&ctx, &created.physical_id, &new).await.unwrap();
}
