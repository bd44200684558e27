//! The start of a run in one round trip: while the locks are being taken, the states are read
//! (with their histories), the zones listed and, when the backend's names did not need it
//! already, the account looked up. The states are confirmed once the locks are held (see
//! [`crate::plan::run::plan_opened`]).

use super::Scope;
use super::error::OpError;
use crate::backend::Backend;
use crate::engine::Engine;
use crate::plan::run::{self as planning, Opening};
use std::sync::Arc;

/// What the run read while taking its locks, and the engine with the account filled in.
pub(super) struct Opened {
    pub engine: Arc<Engine>,
    pub opening: Opening,
}

/// Reads the opening of `scope`. An `engine` whose `account_id` is empty gets it from STS here,
/// in the same round trip.
pub(super) async fn open(engine: &Arc<Engine>, scope: &Scope) -> Result<Opened, OpError> {
    let account = async {
        if engine.account_id.is_empty() {
            Some(crate::aws::account_id(&engine.clients.config).await)
        } else {
            None
        }
    };
    let (opening, account) = tokio::join!(
        planning::open(engine, &scope.source, scope.project.as_ref()),
        account
    );
    let engine = match account {
        None => engine.clone(),
        Some(found) => Arc::new(with_account(engine, found.map_err(OpError::Account)?)),
    };
    Ok(Opened {
        engine,
        opening: opening?,
    })
}

/// `engine` in account `account_id` (the same clients, store and locker).
fn with_account(engine: &Engine, account_id: String) -> Engine {
    let backend = &engine.backend;
    Engine {
        clients: engine.clients.clone(),
        backend: Backend {
            names: backend.names.clone(),
            store: backend.store.clone(),
            locker: backend.locker.clone(),
            accept_state_change: backend.accept_state_change,
        },
        env: engine.env.clone(),
        region: engine.region.clone(),
        account_id,
        parallelism: engine.parallelism,
        refresh_parallelism: engine.refresh_parallelism,
        registry: engine.registry.clone(),
    }
}
