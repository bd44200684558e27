//! Conformance fixtures of Messaging and configuration: SQS, SNS, SSM and the other types of issue 15.

#[allow(unused_imports)]
use super::*;

pub(super) static FIXTURES: &[Fixture] = &[];
