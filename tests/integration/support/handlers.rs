//! Helpers for the tests that drive one resource handler directly (`resources_*.rs`).

use super::MotoServer;
use fuelflow::resources::{Clients, Ctx, Live, Props, compare};
use serde_json::Value;
use std::sync::Arc;

/// A handler context on `moto` for `logical_id` of stack `stack`.
pub async fn ctx_on(moto: &MotoServer, stack: impl Into<String>, logical_id: &str) -> Ctx {
    Ctx {
        clients: Arc::new(Clients::new(moto.sdk_config().await)),
        stack: stack.into(),
        logical_id: logical_id.into(),
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
    }
}

/// A JSON object as handler properties.
pub fn props(v: Value) -> Props {
    v.as_object().expect("properties are an object").clone()
}

/// Every property the template sets reads back live as the same value (compared as the plan
/// compares), but those in `skip` and fuelflow's own `fuelflow:` keys.
pub fn assert_no_drift_except(desired: &Props, live: &Props, skip: &[&str]) {
    let differences = drift_except(desired, live, skip);
    assert!(differences.is_empty(), "{}", differences.join("; "));
}

/// What [`assert_no_drift_except`] would complain about, one line per property (empty when
/// every desired property reads back equivalent), for callers that name more context.
pub fn drift_except(desired: &Props, live: &Props, skip: &[&str]) -> Vec<String> {
    desired
        .iter()
        .filter(|(key, _)| !skip.contains(&key.as_str()) && !key.starts_with("fuelflow:"))
        .filter_map(|(key, want)| {
            let got = live.get(key).unwrap_or(&Value::Null);
            (!compare::equivalent(want, got))
                .then(|| format!("{key}: desired {want} but live {got}"))
        })
        .collect()
}

pub fn assert_no_drift(desired: &Props, live: &Props) {
    assert_no_drift_except(desired, live, &[]);
}

/// [`assert_no_drift`] on what a handler's `read` returned.
pub fn assert_live(desired: &Props, live: &Live) {
    assert_no_drift(desired, &live.properties);
}
