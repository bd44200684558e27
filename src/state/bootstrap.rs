//! `fuelflow bootstrap`: make sure the state bucket and the lock table exist and are configured
//! as the state needs (versioned, encrypted, private, point-in-time recoverable). Idempotent:
//! every property is read first, and only what is missing or drifted is changed and reported.

mod bucket;

mod table;

use std::fmt;

use aws_config::SdkConfig;

use crate::aws::AwsError;

/// What the backend should look like.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BackendSpec {
    pub bucket: String,
    pub lock_table: String,
    /// Encrypt with this KMS key instead of S3-managed AES256 / the DynamoDB-managed key.
    pub kms_key_id: Option<String>,
    /// Extra tags on both, in addition to the `fuelflow:*` ownership tags.
    pub tags: Vec<(String, String)>,
}

/// What bootstrap did (or, in a dry run, would do) to one backend item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemChange {
    Created,
    /// It existed but had drifted; each entry says what, e.g. "versioning was Suspended".
    Repaired {
        drift: Vec<String>,
    },
    Unchanged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendItem {
    StateBucket,
    LockTable,
}

impl fmt::Display for BackendItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendItem::StateBucket => "state bucket",
            BackendItem::LockTable => "lock table",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemReport {
    pub item: BackendItem,
    pub name: String,
    pub change: ItemChange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapReport {
    /// True when nothing was changed and `items` say what *would* be done.
    pub dry_run: bool,
    pub items: Vec<ItemReport>,
}

impl BootstrapReport {
    /// Whether every item was already as wanted ("no changes").
    pub fn is_unchanged(&self) -> bool {
        self.items.iter().all(|i| i.change == ItemChange::Unchanged)
    }

    pub fn item(&self, item: BackendItem) -> Option<&ItemReport> {
        self.items.iter().find(|i| i.item == item)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("backend bootstrap: {0}")]
    Aws(#[from] AwsError),
    #[error("lock table {table} exists but cannot serve as the lock table: {reason}")]
    IncompatibleTable { table: String, reason: String },
    #[error("no AWS region is configured; the state bucket is created in the configured region")]
    NoRegion,
}

/// Ensures the state bucket and lock table, reporting per item. With `dry_run` nothing changes.
pub async fn bootstrap(
    config: &SdkConfig,
    spec: &BackendSpec,
    dry_run: bool,
) -> Result<BootstrapReport, BootstrapError> {
    let region = config
        .region()
        .map(|r| r.to_string())
        .ok_or(BootstrapError::NoRegion)?;
    let s3 = crate::aws::s3_client(config);
    let bucket_change = bucket::ensure(&s3, spec, &region, dry_run).await?;
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    let table_change = table::ensure(&dynamodb, spec, dry_run).await?;
    Ok(BootstrapReport {
        dry_run,
        items: vec![
            ItemReport {
                item: BackendItem::StateBucket,
                name: spec.bucket.clone(),
                change: bucket_change,
            },
            ItemReport {
                item: BackendItem::LockTable,
                name: spec.lock_table.clone(),
                change: table_change,
            },
        ],
    })
}

/// Substitutes `${AWS::AccountId}` and `${AWS::Region}` in a backend name from the project file.
pub fn resolve_backend_name(template: &str, account_id: &str, region: &str) -> String {
    template
        .replace("${AWS::AccountId}", account_id)
        .replace("${AWS::Region}", region)
}

/// The ownership tags plus the user's, ownership last so it cannot be overridden.
fn wanted_tags(spec: &BackendSpec, role: &str) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = spec
        .tags
        .iter()
        .filter(|(k, _)| !k.starts_with("fuelflow:"))
        .cloned()
        .collect();
    tags.push(("fuelflow:managed".into(), "true".into()));
    tags.push(("fuelflow:role".into(), role.into()));
    tags
}

/// Drift lines for tags in `wanted` that are missing from or differ in `actual`.
fn tag_drift(wanted: &[(String, String)], actual: &[(String, String)]) -> Vec<String> {
    wanted
        .iter()
        .filter_map(|(key, value)| match actual.iter().find(|(k, _)| k == key) {
            None => Some(format!("tag {key} was missing")),
            Some((_, v)) if v != value => Some(format!("tag {key} was {v:?}, not {value:?}")),
            Some(_) => None,
        })
        .collect()
}

/// Collects drift and, unless dry-running, repairs each drifted property as it is found.
struct Repairs {
    drift: Vec<String>,
}

impl Repairs {
    fn new() -> Self {
        Repairs { drift: Vec::new() }
    }

    fn found(&mut self, lines: impl IntoIterator<Item = String>) -> bool {
        let before = self.drift.len();
        self.drift.extend(lines);
        self.drift.len() > before
    }

    fn change(self) -> ItemChange {
        if self.drift.is_empty() {
            ItemChange::Unchanged
        } else {
            ItemChange::Repaired { drift: self.drift }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_pseudo_parameters() {
        assert_eq!(
            resolve_backend_name(
                "fuel-flow-state-${AWS::AccountId}-${AWS::Region}",
                "123456789012",
                "eu-west-1"
            ),
            "fuel-flow-state-123456789012-eu-west-1"
        );
        assert_eq!(
            resolve_backend_name("fuel-flow-locks", "1", "r"),
            "fuel-flow-locks"
        );
    }

    #[test]
    fn ownership_tags_win_and_drift_is_named() {
        let spec = BackendSpec {
            tags: vec![
                ("team".into(), "ops".into()),
                ("fuelflow:role".into(), "x".into()),
            ],
            ..Default::default()
        };
        let wanted = wanted_tags(&spec, "state-bucket");
        assert_eq!(wanted.len(), 3);
        let actual = vec![
            ("team".to_owned(), "dev".to_owned()),
            ("fuelflow:managed".to_owned(), "true".to_owned()),
        ];
        assert_eq!(
            tag_drift(&wanted, &actual),
            [
                "tag team was \"dev\", not \"ops\"",
                "tag fuelflow:role was missing"
            ]
        );
    }
}
