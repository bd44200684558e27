//! Amazon DynamoDB: `AWS::DynamoDB::Table`.

mod settings;
mod shape;
pub mod table;
