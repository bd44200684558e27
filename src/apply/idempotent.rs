//! Creates that survive a lost answer. After an ambiguous failure (timeout, 5xx, dropped
//! connection: [`ResourceError::retryable`]) the resource may exist although the call failed, so
//! it is looked up (the handler's `find`, by name or ownership tags, never taking an earlier copy
//! of the same resource for it) before the create is tried again: never a blind retry of a
//! non-idempotent create. The handlers of such APIs turn the SDK's own retries off for that one
//! call (`CreateVpc`, `CreateRestApi`, `CreateDeployment`, ...), so the engine sees the failure;
//! APIs with a client token get one derived from the pending create's id.

use super::steps::retry;
use crate::resources::{
    Attributes, CLIENT_TOKEN, CREATE_STARTED, Ctx, EARLIER_COPIES, Handler, Props,
};
use crate::resources::{ResourceError, text};
use serde_json::Value as Json;
use std::time::{Duration, Instant};

/// One create, as the engine makes it.
pub struct CreateRequest<'a> {
    pub handler: &'a dyn Handler,
    pub ctx: &'a Ctx,
    /// The properties to create with (secrets resolved, the name chosen).
    pub props: &'a Props,
    /// Physical ids this resource had before (current and deposed copies): never the answer.
    pub earlier: &'a [String],
    /// The pending create's id: the same across the retries of one create and after a crash.
    pub token: &'a str,
    /// When the pending create started (unix seconds): a resource with neither name nor tags is
    /// found as the one made since then.
    pub started: i64,
    /// The name in `props` was chosen by fuelflow (generated, or recorded by a killed run):
    /// "already exists" then means an earlier attempt of this create got through.
    pub name_is_ours: bool,
}

/// What a create led to.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedOnce {
    pub physical_id: String,
    pub attributes: Attributes,
    /// Found after a failed attempt (and brought to the desired properties) rather than created.
    pub found: bool,
}

/// Creates the resource exactly once, however many answers are lost (see the module doc).
pub async fn create_once(request: &CreateRequest<'_>) -> Result<CreatedOnce, ResourceError> {
    let CreateRequest { handler, ctx, .. } = *request;
    let mut sent = request.props.clone();
    sent.insert(
        CLIENT_TOKEN.into(),
        Json::String(client_token(request.token)),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut delay = Duration::from_millis(500);
    let mut ambiguous = false;
    loop {
        let e = match handler.create(ctx, &sent).await {
            Ok(created) => {
                return Ok(CreatedOnce {
                    physical_id: created.physical_id,
                    attributes: created.attributes,
                    found: false,
                });
            }
            Err(e) => e,
        };
        let ours = already_exists(&e)
            && (ambiguous || request.name_is_ours || owned_here(request).await?);
        if !e.retryable && !ours {
            return Err(e);
        }
        ambiguous |= e.retryable;
        // The lookup must answer: without it, creating again could duplicate.
        let found = retry(|| lookup(request))
            .await
            .map_err(|lookup| ResourceError {
                message: format!(
                    "{}; and looking the resource up afterwards failed ({lookup}), so it was not \
                     created again",
                    e.message
                ),
                ..e.clone()
            })?;
        if let Some((physical_id, live)) = found {
            let attributes =
                retry(|| handler.update(ctx, &physical_id, &live, request.props)).await?;
            return Ok(CreatedOnce {
                physical_id,
                attributes,
                found: true,
            });
        }
        if !e.retryable || Instant::now() + delay >= deadline {
            return Err(e);
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(8));
    }
}

/// Whether the resource already holding the template-given name carries this stack's and this
/// logical id's ownership tags: created by an earlier run whose record was lost (a kill before
/// the checkpoint, a restored older state), so it is adopted rather than refused. A resource
/// of another stack, or of nobody, stays an "already exists" error.
async fn owned_here(request: &CreateRequest<'_>) -> Result<bool, ResourceError> {
    let Some(name) = sent_name(request.handler, request.props) else {
        return Ok(false);
    };
    let owner = retry(|| request.handler.owner(request.ctx, &name)).await?;
    Ok(owner.is_some_and(|o| o.is(request.ctx)))
}

/// The resource this create made, if an attempt got through: its physical id and live properties.
async fn lookup(request: &CreateRequest<'_>) -> Result<Option<(String, Props)>, ResourceError> {
    let mut props = request.props.clone();
    props.insert(EARLIER_COPIES.into(), Json::from(request.earlier.to_vec()));
    props.insert(CREATE_STARTED.into(), Json::from(request.started));
    let adopted = request.handler.adopt(request.ctx, &props).await?;
    Ok(adopted
        .filter(|a| !request.earlier.contains(&a.physical_id))
        .map(|a| (a.physical_id, a.live.properties)))
}

/// A client token from the pending operation's id (Secrets Manager wants 32 to 64 characters).
pub fn client_token(op_id: &str) -> String {
    let mut token: String = op_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    while token.len() < 32 {
        token.push('0');
    }
    token.truncate(64);
    token
}

/// An answer that says the resource is there already (AWS has no one code for it).
fn already_exists(e: &ResourceError) -> bool {
    const CODES: &[&str] = &[
        "AlreadyExists",
        "AlreadyOwnedByYou",
        "Conflict",
        "Duplicate",
        "ResourceExists",
        "ResourceInUse",
    ];
    CODES.iter().any(|c| e.code.contains(c))
}

/// The name a create sends, when the type has a name property.
pub fn sent_name(handler: &dyn Handler, props: &Props) -> Option<String> {
    handler
        .name_property()
        .and_then(|p| props.get(p))
        .and_then(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_tokens_have_a_length_secrets_manager_takes() {
        let token = client_token("6f1c2b1e-6a59-4f44-a0a3-1c2e3d4f5a6b");
        assert_eq!(token, "6f1c2b1e-6a59-4f44-a0a3-1c2e3d4f5a6b");
        assert_eq!(client_token("op-1").len(), 32);
        assert!(client_token(&"x".repeat(100)).len() == 64);
    }

    #[test]
    fn already_exists_answers_are_recognised() {
        for code in [
            "EntityAlreadyExists",
            "BucketAlreadyOwnedByYou",
            "ResourceConflictException",
            "InvalidGroup.Duplicate",
            "ResourceExistsException",
            "DBInstanceAlreadyExists",
        ] {
            assert!(already_exists(&ResourceError::new(code, "x")), "{code}");
        }
        assert!(!already_exists(&ResourceError::new("AccessDenied", "x")));
    }
}
