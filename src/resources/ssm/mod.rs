//! SSM Parameter Store: parameters, and the reads that template parameter types
//! (`AWS::SSM::Parameter::Value<String>`) and `{{resolve:ssm:...}}` /
//! `{{resolve:ssm-secure:...}}` references make.

pub mod dynamic_ref;
pub mod parameter;

use crate::resources::{Result, sdk_error};
use aws_sdk_ssm::types::Parameter;

/// A parameter (`name`, or `name:version`), `None` when it does not exist. `decrypt` for
/// `SecureString` values.
pub async fn get_parameter(
    ssm: &aws_sdk_ssm::Client,
    name: &str,
    decrypt: bool,
) -> Result<Option<Parameter>> {
    match ssm
        .get_parameter()
        .name(name)
        .with_decryption(decrypt)
        .send()
        .await
    {
        Ok(out) => Ok(out.parameter),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_parameter_not_found()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_error("ssm:GetParameter", e)),
    }
}
