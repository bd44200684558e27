//! Amazon DynamoDB: `AWS::DynamoDB::Table`.

mod shape;
pub mod table;
