//! Conformance fixtures of The production enhancements: KMS, WAF, certificates, DNS, custom domains (issue 16).

#[allow(unused_imports)]
use super::*;

pub(super) static FIXTURES: &[Fixture] = &[];
