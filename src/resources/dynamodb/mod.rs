//! Amazon DynamoDB: `AWS::DynamoDB::Table`.

mod shape;
pub mod table;

use super::Handler;

pub fn handler(type_name: &str) -> Option<&'static dyn Handler> {
    match type_name {
        "AWS::DynamoDB::Table" => Some(&table::TABLE),
        _ => None,
    }
}
