//! S3: buckets (each configuration property in a file of its own) and bucket policies.

mod bucket;
mod bucket_policy;
mod cors;
mod encryption;

mod lifecycle;
mod logging;
mod ownership;
mod public_access;
mod tags;
mod value;
mod versioning;

use super::Handler;

/// The handler of an `AWS::S3::*` type fuelflow manages.
pub fn handler(type_name: &str) -> Option<&'static dyn Handler> {
    match type_name {
        "AWS::S3::Bucket" => Some(&bucket::BUCKET),
        "AWS::S3::BucketPolicy" => Some(&bucket_policy::BUCKET_POLICY),
        _ => None,
    }
}
