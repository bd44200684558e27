//! `fuelflow force-unlock`: remove a lock left by a run that died, only when the id matches;
//! with `--all-stacks`, every lock of the environment that carries that id (a run gives all its
//! locks one id), leaving any other.

use super::{Context, Failed, Outcome, session};
use fuelflow::state::LockError;

pub async fn run(
    ctx: &Context,
    env: Option<String>,
    stack: Option<String>,
    all_stacks: bool,
    lock_id: String,
) -> Outcome {
    let session = session::open(ctx, env).await?;
    let stacks = session.stacks(ctx, stack.as_deref())?;
    if all_stacks {
        return unlock_all(&session, &stacks, &lock_id).await;
    }
    let [stack] = stacks.as_slice() else {
        return Err(Failed::Message(format!(
            "name the stack whose lock to remove: --stack ({}), or --all-stacks for every lock with id {lock_id}",
            stacks.join(", ")
        )));
    };
    let path = lock_path(&session, stack);
    match session.backend.locker.force_unlock(&path, &lock_id).await {
        Ok(holder) => {
            println!("{}", removed(&session, stack, &lock_id, holder.as_ref()));
            Ok(())
        }
        Err(e) => Err(Failed::Message(e.to_string())),
    }
}

fn lock_path(session: &session::Session, stack: &str) -> String {
    session
        .backend
        .lock_request(&session.env, stack, "force-unlock")
        .path
}

fn removed(
    session: &session::Session,
    stack: &str,
    id: &str,
    holder: Option<&fuelflow::state::LockInfo>,
) -> String {
    match holder {
        Some(h) => format!(
            "Removed lock {id} on stack {stack} ({}), held by {} for {} since {}.",
            session.env, h.who, h.operation, h.created
        ),
        None => format!("Lock {id} on stack {stack} ({}) removed.", session.env),
    }
}

/// Removes `id` wherever it is held; stacks locked by another id or not locked are named and
/// left. Fails when no lock carried the id, or when a removal failed.
async fn unlock_all(session: &session::Session, stacks: &[String], id: &str) -> Outcome {
    let locker = &session.backend.locker;
    let mut removed_any = false;
    let mut failures = Vec::new();
    for stack in stacks {
        let path = lock_path(session, stack);
        match locker.force_unlock(&path, id).await {
            Ok(holder) => {
                removed_any = true;
                println!("{}", removed(session, stack, id, holder.as_ref()));
            }
            Err(LockError::NotHolder { holder: None, .. }) => {}
            Err(LockError::NotHolder {
                holder: Some(h), ..
            }) => println!(
                "Left the lock on stack {stack}: it is held by another run (lock id {}, {}, operation: {}).",
                h.id, h.who, h.operation
            ),
            Err(e) => failures.push(format!("stack {stack}: {e}")),
        }
    }
    if !failures.is_empty() {
        return Err(Failed::Message(failures.join("\n")));
    }
    if !removed_any {
        return Err(Failed::Message(format!(
            "no stack of {} is locked with id {id}; nothing was removed",
            session.env
        )));
    }
    Ok(())
}
