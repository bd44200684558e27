//! States and plans this run must not act on: a state written by a newer fuelflow (newer
//! `format_version`) and a saved plan whose templates changed while the state did not (the
//! state-moved case is in tests/reconcile.rs). Both are refused with a clear message, and
//! nothing is changed: the state object keeps its bytes and no lock is left behind.

use crate::support::project::{Project, buckets_and_roles, code};
use crate::support::{MotoServer, stderr, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_from_a_newer_format_is_refused_naming_both_versions() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("newer", moto, |n| buckets_and_roles(n, 1));
    let out = p.run(&["apply", "--env", "dev", "--auto-approve"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));

    // What a future fuelflow might write: a higher version and fields this one does not know.
    let mut doc: serde_json::Value = serde_json::to_value(p.state(&config).await.unwrap()).unwrap();
    doc["format_version"] = 99.into();
    doc["serial"] = 41.into();
    doc["resources_v99"] = serde_json::json!({"moved": true});
    let body = serde_json::to_vec(&doc).unwrap();
    let s3 = fuelflow::aws::s3_client(&config);
    s3.put_object()
        .bucket(p.state_bucket())
        .key("fuelflow/dev/app.json")
        .body(body.clone().into())
        .send()
        .await
        .unwrap();

    for args in [
        &["plan", "--env", "dev"][..],
        &["apply", "--env", "dev", "--auto-approve"],
    ] {
        let out = p.run(args);
        assert_eq!(code(&out), Some(1), "{args:?}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("format version 99") && err.contains("up to 1") && err.contains("upgrade"),
            "{args:?}: {err}"
        );
        assert_eq!(p.lock_items(&config).await, 0, "{args:?} left its lock");
    }
    let stored = s3
        .get_object()
        .bucket(p.state_bucket())
        .key("fuelflow/dev/app.json")
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(
        stored.as_ref(),
        body.as_slice(),
        "the newer state is untouched"
    );
    assert_eq!(p.live_roles(&config).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_is_refused_when_the_templates_changed_but_the_state_did_not() {
    let moto = MotoServer::shared();
    let config = moto.sdk_config().await;
    let p = Project::new("stale", moto, |n| buckets_and_roles(n, 1));
    let plan = p.path().join("saved.plan");
    let out = p.run(&["plan", "--env", "dev", "--out", plan.to_str().unwrap()]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));

    p.write_template(&buckets_and_roles(&p.name, 2));
    let out = p.run(&["apply", "--env", "dev", plan.to_str().unwrap()]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("stale plan"), "{}", stderr(&out));
    assert!(
        p.live_roles(&config).await.is_empty(),
        "nothing was applied"
    );
    assert!(p.state(&config).await.is_none(), "no state was written");
    assert_eq!(p.lock_items(&config).await, 0);
}
