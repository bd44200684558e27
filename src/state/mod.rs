//! Where fuelflow keeps what it applied, and how two runs are kept apart.
//!
//! - [`model`]: the state document, one per (environment, stack).
//! - [`store`]: the [`StateStore`] trait (get / conditional put / delete); [`s3`] and [`memory`]
//!   implement it.
//! - [`lock`]: the [`Locker`] trait, lock retry with backoff, `lock_all` and `with_locks`;
//!   [`dynamodb_lock`] and [`memory_lock`] implement it.
//! - [`recorded`]: the states a plan starts from, read all at once.
//! - [`history`]: the guard against a deleted, replaced or rewound state, and `state restore`.
//! - [`bootstrap`]: creates and repairs the state bucket and the lock table.
//!
//! Store and lock are separate on purpose: a store refuses a stale writer on its own (conditional
//! writes), the lock only keeps two runs from planning against the same state at once.

pub mod bootstrap;
pub mod dynamodb_lock;
pub mod history;
pub mod lock;
pub mod memory;
pub mod memory_lock;
pub mod model;
pub mod recorded;
pub mod s3;
pub mod store;
pub mod timestamp;

pub use lock::{LockError, LockInfo, LockRequest, Locker};
pub use model::{FORMAT_VERSION, StateDocument};
pub use store::{Etag, StateKey, StateStore, StateVersion, StoreError};

/// A boxed `Send` future, so the store and lock traits can be used as `Arc<dyn Trait>`.
pub use futures_util::future::BoxFuture;
