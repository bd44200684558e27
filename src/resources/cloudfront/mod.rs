//! CloudFront: distributions (in front of the API, or a bucket).

mod behavior;
pub mod config;
pub mod config_value;
pub mod distribution;
pub mod node;
