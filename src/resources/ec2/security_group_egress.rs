//! `AWS::EC2::SecurityGroupEgress`: one outbound rule on `GroupId`. See `standalone_rule.rs` beside it.

use super::rules::Direction;
use super::standalone_rule::StandaloneRule;

pub static SECURITY_GROUP_EGRESS: StandaloneRule = StandaloneRule(Direction::Egress);
