//! `AWS::EC2::SecurityGroupIngress`: one inbound rule on `GroupId`. See `standalone_rule.rs` beside it.

use super::rules::Direction;
use super::standalone_rule::StandaloneRule;

pub static SECURITY_GROUP_INGRESS: StandaloneRule = StandaloneRule(Direction::Ingress);
