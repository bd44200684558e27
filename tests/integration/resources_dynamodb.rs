//! `AWS::DynamoDB::Table` against moto, through the library.

use crate::support::handlers::{self, assert_live, props};
use crate::support::{MotoServer, unique};
use fuelflow::resources::{Ctx, Handler, handler};
use serde_json::{Value, json};

async fn ctx(logical_id: &str) -> Ctx {
    handlers::ctx_on(MotoServer::shared(), unique("table-stack"), logical_id).await
}

fn table() -> &'static dyn Handler {
    handler("AWS::DynamoDB::Table").unwrap()
}

fn gsi(name: &str, attr: &str) -> Value {
    json!({
        "IndexName": name,
        "KeySchema": [{"AttributeName": attr, "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total", "createdAt"]}
    })
}

async fn describe(ctx: &Ctx, name: &str) -> aws_sdk_dynamodb::types::TableDescription {
    ctx.clients
        .dynamodb()
        .describe_table()
        .table_name(name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap()
}

async fn pitr(ctx: &Ctx, name: &str) -> bool {
    let out = ctx
        .clients
        .dynamodb()
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .unwrap();
    out.continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        .is_some_and(|s| s.as_str() == "ENABLED")
}

#[tokio::test]
async fn table_lifecycle() {
    let ctx = ctx("Orders").await;
    let name = unique("orders");
    let desired = props(json!({
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "owner", "AttributeType": "S"}
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"}
        ],
        "GlobalSecondaryIndexes": [gsi("by-status", "status")],
        "LocalSecondaryIndexes": [{
            "IndexName": "by-owner",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "owner", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}
        }],
        "SSESpecification": {"SSEEnabled": true},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
        "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": true},
        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
        "DeletionProtectionEnabled": true,
        "Tags": [{"Key": "tier", "Value": "data"}]
    }));
    let created = table().create(&ctx, &desired).await.unwrap();
    assert_eq!(created.physical_id, name);
    assert!(
        created.attributes["Arn"]
            .as_str()
            .unwrap()
            .ends_with(&format!("table/{name}"))
    );
    assert!(
        created.attributes["StreamArn"]
            .as_str()
            .unwrap()
            .contains("/stream/")
    );

    let t = describe(&ctx, &name).await;
    assert_eq!(t.table_status().unwrap().as_str(), "ACTIVE");
    assert_eq!(t.global_secondary_indexes().len(), 1);
    assert_eq!(t.local_secondary_indexes().len(), 1);
    assert_eq!(t.deletion_protection_enabled(), Some(true));
    assert!(pitr(&ctx, &name).await);
    let live = table().read(&ctx, &name, &desired).await.unwrap().unwrap();
    assert_live(&desired, &live);

    // In place: indexes swapped, stream off, TTL, PITR off, tags. (A new stream view type cannot
    // be staged: moto 5.2.1 refuses to enable a stream on a table that ever had one, where AWS
    // accepts it once the old stream is disabled, which is what the handler does.)
    let mut changed = desired.clone();
    changed["GlobalSecondaryIndexes"] = json!([gsi("by-owner-global", "owner")]);
    changed.remove("StreamSpecification");
    changed["PointInTimeRecoverySpecification"] = json!({"PointInTimeRecoveryEnabled": false});
    changed["TimeToLiveSpecification"] = json!({"AttributeName": "expiresAt", "Enabled": false});
    // A new key rather than a new value for "tier": moto 5.2.1's TagResource appends a second
    // "tier" instead of replacing the value as AWS does.
    changed["Tags"] = json!([{"Key": "team", "Value": "orders"}]);
    table()
        .update(&ctx, &name, &desired, &changed)
        .await
        .unwrap();
    let t = describe(&ctx, &name).await;
    let indexes: Vec<&str> = t
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name())
        .collect();
    assert_eq!(indexes, ["by-owner-global"]);
    assert!(t.stream_specification().is_none_or(|s| !s.stream_enabled()));
    assert!(!pitr(&ctx, &name).await);
    assert_live(
        &changed,
        &table().read(&ctx, &name, &changed).await.unwrap().unwrap(),
    );

    // Drift: PITR switched on by hand.
    ctx.clients
        .dynamodb()
        .update_continuous_backups()
        .table_name(&name)
        .point_in_time_recovery_specification(
            aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let live = table().read(&ctx, &name, &changed).await.unwrap().unwrap();
    assert_eq!(
        live.properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        json!(true)
    );
    table()
        .update(&ctx, &name, &live.properties, &changed)
        .await
        .unwrap();
    assert!(!pitr(&ctx, &name).await);

    assert_eq!(
        table()
            .adopt(&ctx, &changed)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(name.clone())
    );
    let mut nameless = changed.clone();
    nameless.remove("TableName");
    assert_eq!(
        table()
            .adopt(&ctx, &nameless)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        Some(name.clone())
    );

    // A key schema change is refused (replacement, not an update).
    let mut rekeyed = changed.clone();
    rekeyed["KeySchema"] = json!([{"AttributeName": "pk", "KeyType": "HASH"}]);
    assert_eq!(
        table()
            .update(&ctx, &name, &changed, &rekeyed)
            .await
            .unwrap_err()
            .code,
        "InvalidProperty"
    );

    // Deletion protection: refused with a clear code, then lifted in place.
    let err = table().delete(&ctx, &name, &changed).await.unwrap_err();
    assert_eq!(err.code, "DeletionProtectionEnabled");
    let mut unprotected = changed.clone();
    unprotected["DeletionProtectionEnabled"] = json!(false);
    table()
        .update(&ctx, &name, &changed, &unprotected)
        .await
        .unwrap();
    table().delete(&ctx, &name, &unprotected).await.unwrap();
    assert!(
        table()
            .read(&ctx, &name, &unprotected)
            .await
            .unwrap()
            .is_none()
    );
    table().delete(&ctx, &name, &unprotected).await.unwrap();
    assert_eq!(
        table()
            .adopt(&ctx, &unprotected)
            .await
            .unwrap()
            .map(|a| a.physical_id),
        None
    );
}

#[tokio::test]
async fn provisioned_throughput_and_billing_mode() {
    let ctx = ctx("Counters").await;
    let name = unique("counters");
    let desired = props(json!({
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": "5"}
    }));
    table().create(&ctx, &desired).await.unwrap();
    assert_live(
        &desired,
        &table().read(&ctx, &name, &desired).await.unwrap().unwrap(),
    );
    let tags = ctx
        .clients
        .dynamodb()
        .list_tags_of_resource()
        .resource_arn(describe(&ctx, &name).await.table_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == "fuelflow:logical-id" && t.value() == "Counters")
    );

    let mut more = desired.clone();
    more["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 10, "WriteCapacityUnits": 5});
    table().update(&ctx, &name, &desired, &more).await.unwrap();
    let t = describe(&ctx, &name).await;
    assert_eq!(
        t.provisioned_throughput().unwrap().read_capacity_units(),
        Some(10)
    );

    let mut on_demand = more.clone();
    on_demand["BillingMode"] = json!("PAY_PER_REQUEST");
    on_demand.remove("ProvisionedThroughput");
    table()
        .update(&ctx, &name, &more, &on_demand)
        .await
        .unwrap();
    let t = describe(&ctx, &name).await;
    assert_eq!(
        t.billing_mode_summary()
            .unwrap()
            .billing_mode()
            .unwrap()
            .as_str(),
        "PAY_PER_REQUEST"
    );
    assert_live(
        &on_demand,
        &table()
            .read(&ctx, &name, &on_demand)
            .await
            .unwrap()
            .unwrap(),
    );

    // Deleted out of band: read says gone, delete is fine. Unsupported properties are refused.
    ctx.clients
        .dynamodb()
        .delete_table()
        .table_name(&name)
        .send()
        .await
        .unwrap();
    assert!(
        table()
            .read(&ctx, &name, &on_demand)
            .await
            .unwrap()
            .is_none()
    );
    table().delete(&ctx, &name, &on_demand).await.unwrap();
    let mut bad = desired.clone();
    bad.insert("TableClass".into(), json!("STANDARD"));
    assert_eq!(
        table().create(&ctx, &bad).await.unwrap_err().code,
        "InvalidProperty"
    );
}
