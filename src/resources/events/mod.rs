//! EventBridge: rules and their targets.

pub mod rule;
mod targets;
