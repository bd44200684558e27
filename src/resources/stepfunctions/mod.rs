//! Step Functions: state machines.

mod definition;
pub mod state_machine;
