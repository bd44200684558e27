//! S3: buckets (each configuration property in a file of its own) and bucket policies.

mod accelerate;
mod acl;
pub(crate) mod bucket;
pub(crate) mod bucket_policy;
mod cors;
mod encryption;
mod id_configs;
mod intelligent_tiering;
mod lifecycle;
mod logging;
mod metrics;
mod notification;
mod object_lock;
mod ordering;
mod ownership;
mod public_access;
mod replication;
mod tags;
mod value;
mod versioning;
mod website;
