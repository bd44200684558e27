//! `AWS::EC2::SecurityGroupIngress`: one inbound rule on `GroupId`. See [`super::standalone_rule`].

use super::rules::Direction;
use super::standalone_rule::StandaloneRule;

pub static SECURITY_GROUP_INGRESS: StandaloneRule = StandaloneRule(Direction::Ingress);
