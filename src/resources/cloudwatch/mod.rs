//! CloudWatch: metric alarms.

pub mod alarm;

use crate::resources::Handler;

static ALARM: alarm::Alarm = alarm::Alarm;

pub fn handler(type_name: &str) -> Option<&'static dyn Handler> {
    match type_name {
        "AWS::CloudWatch::Alarm" => Some(&ALARM),
        _ => None,
    }
}
