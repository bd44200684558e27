//! Conformance fixtures of VPC plumbing: route tables, gateways, endpoints (issue 16).

#[allow(unused_imports)]
use super::*;

pub(super) static FIXTURES: &[Fixture] = &[];
