//! `fuelflow state mv --env ENV FROM_STACK.ID TO_STACK.ID` and `state rm --env ENV STACK.ID`:
//! the addresses checked against the project's stacks, then [`fuelflow::ops::state_mv`] /
//! [`fuelflow::ops::state_rm`] under the stacks' locks.

use super::super::console::Console;
use super::super::{Context, Failed, Outcome, session};
use fuelflow::engine::Engine;
use fuelflow::ops::{self, Address};
use fuelflow::resources::{Clients, Registry};
use std::sync::Arc;
use std::time::Duration;

pub async fn mv(
    ctx: &Context,
    env: Option<String>,
    from: &str,
    to: &str,
    lock_timeout: Duration,
) -> Outcome {
    let session = session::open(ctx, env).await?;
    let (from, to) = (address(ctx, &session, from)?, address(ctx, &session, to)?);
    let env = session.env.clone();
    let engine = engine(session).await?;
    let console = Console::new(ctx, false, false);
    let moved = ops::state_mv(engine, &from, &to, lock_timeout, console).await?;
    println!(
        "Moved {from} to {to} in the state of {env} ({} {}); nothing in AWS was created or deleted.",
        moved.resource_type, moved.physical_id
    );
    match moved.retagged {
        Ok(true) => println!(
            "Its ownership tags now name {} / {}.",
            to.stack_name, to.logical_id
        ),
        Ok(false) => println!(
            "fuelflow sets no ownership tags on {}.",
            moved.resource_type
        ),
        Err(e) => {
            eprintln!("warning: the state moved, but its ownership tags could not be updated: {e}")
        }
    }
    Ok(())
}

pub async fn rm(ctx: &Context, env: Option<String>, at: &str, lock_timeout: Duration) -> Outcome {
    let session = session::open(ctx, env).await?;
    let at = address(ctx, &session, at)?;
    let env = session.env.clone();
    let engine = engine(session).await?;
    let console = Console::new(ctx, false, false);
    let removed = ops::state_rm(engine, &at, lock_timeout, console).await?;
    println!(
        "Removed {at} from the state of {env}: {} {} still exists in AWS and is no longer managed by fuelflow (nothing was deleted).",
        removed.resource_type, removed.physical_id
    );
    Ok(())
}

/// `STACK.LogicalId`, or a bare logical id when the project has a single stack.
fn address(ctx: &Context, session: &session::Session, text: &str) -> Result<Address, Failed> {
    let stacks = session.stacks(ctx, None)?;
    let (stack, logical_id) = match text.split_once('.') {
        Some((stack, id)) => (stack.to_string(), id.to_string()),
        None if stacks.len() == 1 => (stacks[0].clone(), text.to_string()),
        None => {
            return Err(Failed::Message(format!(
                "`{text}`: name the stack as STACK.{text} (stacks: {})",
                stacks.join(", ")
            )));
        }
    };
    if !stacks.contains(&stack) {
        return Err(Failed::Message(format!(
            "`{text}`: no stack {stack} (stacks: {})",
            stacks.join(", ")
        )));
    }
    if !fuelflow::template::model::is_valid_name(&logical_id) {
        return Err(Failed::Message(format!(
            "`{text}`: `{logical_id}` is not a logical id (alphanumeric)"
        )));
    }
    let stack_name = match &session.project {
        Some(p) => p.stack_name(&stack, &session.env),
        None => stack.clone(),
    };
    Ok(Address {
        stack,
        stack_name,
        logical_id,
    })
}

/// The engine the ownership tags are put through (the account for ARNs).
async fn engine(session: session::Session) -> Result<Arc<Engine>, Failed> {
    let account_id = match session.account_id {
        Some(account) => account,
        None => fuelflow::aws::account_id(&session.sdk)
            .await
            .map_err(|e| Failed::Message(e.to_string()))?,
    };
    Ok(Arc::new(Engine {
        clients: Arc::new(Clients::new(session.sdk)),
        backend: session.backend,
        env: session.env,
        region: session.region,
        account_id,
        parallelism: 1,
        refresh_parallelism: 1,
        registry: Registry::builtin(),
    }))
}
