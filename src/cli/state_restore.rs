//! `fuelflow state restore --env ENV --stack S [--version ID]`: without a version, the versions
//! the bucket kept (newest first: id, time, serial and lineage, or "deleted"); with one, that
//! version put back as the newest serial, holding the stack's lock.

use super::super::{Context, Failed, Outcome, session};
use fuelflow::state::history;
use fuelflow::state::lock::with_lock;

pub async fn run(
    ctx: &Context,
    env: Option<String>,
    stack: &str,
    version: Option<&str>,
) -> Outcome {
    let session = session::open(ctx, env).await?;
    let stack = session
        .stacks(ctx, Some(stack))?
        .pop()
        .expect("one stack named");
    let key = session.backend.key(&session.env, &stack);
    let store = session.backend.store.as_ref();
    let failed = |e: fuelflow::state::StoreError| {
        Failed::Message(format!("state of stack {stack} ({}): {e}", session.env))
    };
    let Some(id) = version else {
        let versions = history::describe(store, &key).await.map_err(failed)?;
        if versions.is_empty() {
            println!(
                "{stack} ({}): no versions kept (a bucket without versioning keeps none)",
                session.env
            );
        }
        for (v, doc) in versions {
            let what = match (&doc, v.deleted) {
                (_, true) => "deleted".to_string(),
                (Some(d), false) => format!(
                    "serial {}, lineage {}, {} resources",
                    d.serial,
                    d.lineage,
                    d.resources.len()
                ),
                (None, false) => "unreadable".to_string(),
            };
            println!(
                "{:<36} {:<28} {what}",
                v.id,
                v.modified.as_deref().unwrap_or("-")
            );
        }
        return Ok(());
    };
    let request = session
        .backend
        .lock_request(&session.env, &stack, "state restore");
    let restored = with_lock(
        &*session.backend.locker,
        &request,
        std::time::Duration::ZERO,
        |_| history::restore(store, &key, id),
    )
    .await
    .map_err(|e| match e {
        fuelflow::state::lock::WithLockError::Lock(e) if e.is_locked() => {
            Failed::Locked(e.to_string())
        }
        fuelflow::state::lock::WithLockError::Work { error, .. } => failed(error),
        other => Failed::Message(other.to_string()),
    })?;
    println!(
        "Restored the state of stack {stack} ({}) from version {id}: now serial {}, lineage {}, {} resources.",
        session.env,
        restored.serial,
        restored.lineage,
        restored.resources.len()
    );
    Ok(())
}
