//! Roles this process created moments ago. IAM is eventually consistent: right after
//! `CreateRole`, reads and calls naming the role may still answer `NoSuchEntity`. For such a role
//! that answer means "not visible yet" (retry), not "deleted".

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::resources::{Ctx, ResourceError};

/// How long after creation a missing role is taken for propagation delay.
const WINDOW: Duration = Duration::from_secs(120);

static CREATED: Mutex<Option<HashMap<String, Instant>>> = Mutex::new(None);

fn key(ctx: &Ctx, role: &str) -> String {
    format!("{}/{role}", ctx.account_id)
}

pub(super) fn remember(ctx: &Ctx, role: &str) {
    let mut created = CREATED.lock().unwrap_or_else(|e| e.into_inner());
    let created = created.get_or_insert_with(HashMap::new);
    created.retain(|_, at| at.elapsed() < WINDOW);
    created.insert(key(ctx, role), Instant::now());
}

pub(super) fn is_fresh(ctx: &Ctx, role: &str) -> bool {
    let created = CREATED.lock().unwrap_or_else(|e| e.into_inner());
    created
        .as_ref()
        .and_then(|c| c.get(&key(ctx, role)))
        .is_some_and(|at| at.elapsed() < WINDOW)
}

/// A role this process deleted: from now on a missing role is gone, not "not visible yet".
pub(super) fn forget(ctx: &Ctx, role: &str) {
    let mut created = CREATED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(created) = created.as_mut() {
        created.remove(&key(ctx, role));
    }
}

/// The retryable error for a role created moments ago that IAM does not show yet.
pub(super) fn not_visible_yet(role: &str) -> ResourceError {
    ResourceError::new(
        "NoSuchEntity",
        format!("role `{role}` was just created and is not visible in IAM yet"),
    )
    .retryable()
}
