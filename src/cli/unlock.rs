//! `fuelflow force-unlock`: remove a lock left by a run that died, only when the id matches.

use super::{Context, Failed, Outcome, session};

pub async fn run(
    ctx: &Context,
    env: Option<String>,
    stack: Option<String>,
    lock_id: String,
) -> Outcome {
    let session = session::open(ctx, env).await?;
    let stacks = session.stacks(ctx, stack.as_deref())?;
    let [stack] = stacks.as_slice() else {
        return Err(Failed::Message(format!(
            "name the stack whose lock to remove: --stack ({})",
            stacks.join(", ")
        )));
    };
    let request = session
        .backend
        .lock_request(&session.env, stack, "force-unlock");
    match session
        .backend
        .locker
        .force_unlock(&request.path, &lock_id)
        .await
    {
        Ok(Some(holder)) => {
            println!(
                "Removed lock {lock_id} on stack {stack} ({}), held by {} for {} since {}.",
                session.env, holder.who, holder.operation, holder.created
            );
            Ok(())
        }
        Ok(None) => {
            println!("Lock {lock_id} on stack {stack} ({}) removed.", session.env);
            Ok(())
        }
        Err(e) => Err(Failed::Message(e.to_string())),
    }
}
