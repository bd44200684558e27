//! Awaiting a handful of borrowed futures at once (tokio's `JoinSet` needs `'static` tasks):
//! a resource's independent reads, one lock release per stack. Each is polled on the caller's
//! task, so this is for a few futures, not thousands.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Runs every future concurrently and returns their outputs in the given order.
pub async fn all<'a, T>(futures: Vec<Pin<Box<dyn Future<Output = T> + Send + 'a>>>) -> Vec<T> {
    let mut futures = futures;
    let mut outputs: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tokio::sync::Barrier;

    #[tokio::test]
    async fn runs_together_and_keeps_the_order() {
        // Each future waits until all three are waiting: one after the other would never finish.
        let barrier = Arc::new(Barrier::new(3));
        let futures: Vec<Pin<Box<dyn Future<Output = u64> + Send>>> = [3u64, 2, 1]
            .into_iter()
            .map(|n| {
                let barrier = barrier.clone();
                Box::pin(async move {
                    barrier.wait().await;
                    n
                }) as _
            })
            .collect();
        let joined = tokio::time::timeout(std::time::Duration::from_secs(10), all(futures)).await;
        assert_eq!(joined.expect("the futures ran together"), vec![3, 2, 1]);
    }
}
