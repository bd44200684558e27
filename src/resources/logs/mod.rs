//! CloudWatch Logs: log groups, and the metric and subscription filters on them.

pub mod log_group;
pub mod metric_filter;
pub mod subscription_filter;
