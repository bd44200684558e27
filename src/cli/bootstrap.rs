//! `fuelflow bootstrap`: create or repair the state bucket and the lock table.

use super::console::confirm;
use super::{Context, Failed, Outcome, session};
use fuelflow::state::bootstrap::{self, BackendSpec, ItemChange};

pub async fn run(ctx: &Context, env: Option<String>, auto_approve: bool) -> Outcome {
    let session = session::open(ctx, env).await?;
    let names = &session.backend.names;
    let spec = BackendSpec {
        bucket: names.bucket.clone(),
        lock_table: names.lock_table.clone(),
        kms_key_id: names.kms_key_id.clone(),
        tags: vec![("fuelflow:environment".into(), session.env.clone())],
    };
    println!(
        "Backend: {} in {}",
        session.backend.describe(),
        session.region
    );
    cross_account_note(ctx, &session);
    let check = bootstrap::bootstrap(&session.sdk, &spec, true)
        .await
        .map_err(|e| Failed::Message(e.to_string()))?;
    if check.is_unchanged() {
        println!("The backend is in place and as configured: no changes.");
        return Ok(());
    }
    for item in &check.items {
        match &item.change {
            ItemChange::Created => println!("  + create {} {}", item.item, item.name),
            ItemChange::Repaired { drift } => println!(
                "  ~ repair {} {}: {}",
                item.item,
                item.name,
                drift.join("; ")
            ),
            ItemChange::Unchanged => println!("    {} {} is as configured", item.item, item.name),
        }
    }
    if !auto_approve
        && !confirm("Make these changes to the backend?")
            .map_err(|e| Failed::Message(e.to_string()))?
    {
        return Err(Failed::Message(
            "bootstrap cancelled; nothing was changed".into(),
        ));
    }
    let done = bootstrap::bootstrap(&session.sdk, &spec, false)
        .await
        .map_err(|e| Failed::Message(e.to_string()))?;
    for item in &done.items {
        match &item.change {
            ItemChange::Created => println!("Created {} {}", item.item, item.name),
            ItemChange::Repaired { drift } => println!(
                "Repaired {} {} ({})",
                item.item,
                item.name,
                drift.join("; ")
            ),
            ItemChange::Unchanged => {}
        }
    }
    println!("Backend ready: {}", session.backend.describe());
    Ok(())
}

/// When the environment assumes a role: which one, and the trust policy it needs (the account
/// fuelflow runs from is the one of the credentials before the role).
fn cross_account_note(ctx: &Context, session: &session::Session) {
    let role = session
        .project
        .as_ref()
        .and_then(|p| p.environments.get(&session.env))
        .and_then(|e| e.assume_role.as_ref());
    let (Some(role), false) = (role, ctx.quiet) else {
        return;
    };
    let policy = role.trust_policy("ACCOUNT_YOU_RUN_FROM");
    println!(
        "Environment {} works as {}: create that role in the target account with this trust policy\n(ACCOUNT_YOU_RUN_FROM: the account of your own credentials) and the permissions fuelflow needs:\n{}",
        session.env,
        role.role_arn,
        serde_json::to_string_pretty(&policy).unwrap_or_default()
    );
}
