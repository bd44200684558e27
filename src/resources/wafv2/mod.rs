//! WAF (v2): web ACLs and their association with a regional resource (an API stage).

pub mod rules;
pub mod web_acl;
pub mod web_acl_association;
