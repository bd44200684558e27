//! The DynamoDB [`Locker`]. One item per lock: `LockID` (the hash key, `<bucket>/<key>`), `Info`
//! (the [`LockInfo`] JSON) and `LockIdValue` (the lock id again, as a top-level attribute so a
//! release can be conditioned on it without comparing whole JSON strings).
//!
//! Two faults are recovered here: a put whose reply was lost (the SDK's retry then finds the
//! item it wrote: the id is ours, so we hold the lock), and an item written by another tool with
//! the Terraform-compatible `Info` alone (no `LockIdValue`): its release is conditioned on the
//! exact `Info` string whose `ID` was checked.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::BoxFuture;
use super::lock::{LockError, LockInfo, LockRequest, Locker};
use crate::aws::AwsError;

const KEY: &str = "LockID";
const INFO: &str = "Info";
const ID: &str = "LockIdValue";

pub struct DynamoDbLocker {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoDbLocker {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        DynamoDbLocker {
            client,
            table: table.into(),
        }
    }

    async fn try_lock_now(&self, request: &LockRequest) -> Result<LockInfo, LockError> {
        // The holder may release between our failed put and our read; then simply try again.
        for _ in 0..3 {
            let info = LockInfo::new(request);
            let json = serde_json::to_string(&info).expect("lock info serialises");
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .item(KEY, AttributeValue::S(request.path.clone()))
                .item(INFO, AttributeValue::S(json))
                .item(ID, AttributeValue::S(info.id.clone()))
                .condition_expression("attribute_not_exists(LockID)")
                .send()
                .await;
            match result {
                Ok(_) => return Ok(info),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                {
                    if let Some(holder) = self.current_now(&request.path).await? {
                        if holder.id == info.id {
                            // Our own put, carried out but its reply lost, then retried.
                            return Ok(holder);
                        }
                        return Err(LockError::Locked {
                            holder: Box::new(holder),
                            key: request.key.clone(),
                        });
                    }
                }
                Err(e) => return Err(AwsError::from_sdk("dynamodb:PutItem", e).into()),
            }
        }
        Err(AwsError::new(
            "dynamodb:PutItem",
            "LockContended",
            "the lock kept changing hands; try again",
        )
        .into())
    }

    async fn unlock_now(&self, path: &str, id: &str) -> Result<(), LockError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(KEY, AttributeValue::S(path.into()))
            .condition_expression("LockIdValue = :id")
            .expression_attribute_values(":id", AttributeValue::S(id.into()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                self.unlock_by_info(path, id).await
            }
            Err(e) => Err(AwsError::from_sdk("dynamodb:DeleteItem", e).into()),
        }
    }

    /// The release of an item without (or with another) `LockIdValue`: allowed when its `Info`
    /// says `ID` is `id`, conditioned on that exact `Info` so a lock taken meanwhile stays.
    async fn unlock_by_info(&self, path: &str, id: &str) -> Result<(), LockError> {
        let not_holder = |holder: Option<LockInfo>| LockError::NotHolder {
            path: path.into(),
            id: id.into(),
            holder: holder.map(Box::new),
        };
        let Some(item) = self.item(path).await? else {
            return Err(not_holder(None));
        };
        let holder = parse_item(path, &item).ok();
        let info = item.get(INFO).and_then(|v| v.as_s().ok());
        let (Some(holder), Some(info)) = (holder, info) else {
            return Err(not_holder(None));
        };
        if holder.id != id {
            return Err(not_holder(Some(holder)));
        }
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(KEY, AttributeValue::S(path.into()))
            .condition_expression("Info = :info")
            .expression_attribute_values(":info", AttributeValue::S(info.clone()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(not_holder(self.current_now(path).await.ok().flatten()))
            }
            Err(e) => Err(AwsError::from_sdk("dynamodb:DeleteItem", e).into()),
        }
    }

    async fn item(&self, path: &str) -> Result<Option<HashMap<String, AttributeValue>>, LockError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(KEY, AttributeValue::S(path.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("dynamodb:GetItem", e))?;
        Ok(out.item)
    }

    async fn current_now(&self, path: &str) -> Result<Option<LockInfo>, LockError> {
        let item = self.item(path).await?;
        item.map(|item| parse_item(path, &item)).transpose()
    }
}

fn parse_item(path: &str, item: &HashMap<String, AttributeValue>) -> Result<LockInfo, LockError> {
    let corrupt = |reason: String| LockError::Corrupt {
        path: path.into(),
        reason,
    };
    let json = item
        .get(INFO)
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| corrupt(format!("no string attribute {INFO}")))?;
    serde_json::from_str(json).map_err(|e| corrupt(format!("{INFO} is not lock JSON: {e}")))
}

impl Locker for DynamoDbLocker {
    fn try_lock<'a>(
        &'a self,
        request: &'a LockRequest,
    ) -> BoxFuture<'a, Result<LockInfo, LockError>> {
        Box::pin(self.try_lock_now(request))
    }

    fn unlock<'a>(&'a self, path: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), LockError>> {
        Box::pin(self.unlock_now(path, id))
    }

    fn current<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Option<LockInfo>, LockError>> {
        Box::pin(self.current_now(path))
    }
}
