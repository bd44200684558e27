//! An in-memory [`Locker`] with the DynamoDB locker's semantics, for tests and single-process use.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::BoxFuture;
use super::lock::{LockError, LockInfo, LockRequest, Locker};

#[derive(Default)]
pub struct MemoryLocker {
    held: Mutex<BTreeMap<String, LockInfo>>,
}

impl MemoryLocker {
    pub fn new() -> Self {
        Self::default()
    }

    fn held(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, LockInfo>> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Locker for MemoryLocker {
    fn try_lock<'a>(
        &'a self,
        request: &'a LockRequest,
    ) -> BoxFuture<'a, Result<LockInfo, LockError>> {
        Box::pin(async move {
            let mut held = self.held();
            let info = LockInfo::new(request);
            if let Some(holder) = held.get(&request.path) {
                if holder.id == info.id {
                    // As the DynamoDB locker: a lock with the run's own id is the run's.
                    return Ok(holder.clone());
                }
                return Err(LockError::Locked {
                    holder: Box::new(holder.clone()),
                    key: request.key.clone(),
                });
            }
            held.insert(request.path.clone(), info.clone());
            Ok(info)
        })
    }

    fn unlock<'a>(&'a self, path: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), LockError>> {
        Box::pin(async move {
            let mut held = self.held();
            match held.get(path) {
                Some(holder) if holder.id == id => {
                    held.remove(path);
                    Ok(())
                }
                holder => Err(LockError::NotHolder {
                    path: path.into(),
                    id: id.into(),
                    holder: holder.cloned().map(Box::new),
                }),
            }
        })
    }

    fn current<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Option<LockInfo>, LockError>> {
        Box::pin(async move { Ok(self.held().get(path).cloned()) })
    }
}
