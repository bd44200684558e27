//! A fallback for three S3 reads that the SDK rejects from moto.
//!
//! moto 5.2 (serialising from botocore's model) names the XML root of `GetBucketVersioning` and
//! `GetBucketTagging` answers `<GetBucketVersioningResponse>` / `<GetBucketTaggingResponse>`
//! instead of `<VersioningConfiguration>` / `<Tagging>` (and an empty notification configuration
//! `<GetBucketNotificationResponse/>`), and the SDK refuses a 200 response with
//! an unexpected root. Only for a *successful* response that the SDK could not decode do we read
//! the few elements we need from the raw body; AWS itself never takes this path.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

/// The body of a 2xx response the SDK failed to decode, if that is what `err` is.
pub(crate) fn undecoded_success<E: ProvideErrorMetadata>(
    err: &SdkError<E, HttpResponse>,
) -> Option<String> {
    let SdkError::ServiceError(service) = err else {
        return None;
    };
    let raw = service.raw();
    if !raw.status().is_success() || service.err().code().is_some() {
        return None;
    }
    raw.body()
        .bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

/// The unescaped text of every `<name>…</name>` element in `xml` (elements do not nest here).
pub(crate) fn elements(xml: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        found.push(unescape(&after[..end]));
        rest = &after[end + close.len()..];
    }
    found
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `(key, value)` pairs of a tagging document.
pub(crate) fn tags(xml: &str) -> Vec<(String, String)> {
    elements(xml, "Tag")
        .iter()
        .filter_map(|tag| Some((elements(tag, "Key").pop()?, elements(tag, "Value").pop()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_moto_shaped_answers() {
        let versioning = r#"<?xml version="1.0"?><GetBucketVersioningResponse xmlns="x"><Status>Suspended</Status></GetBucketVersioningResponse>"#;
        assert_eq!(elements(versioning, "Status"), ["Suspended"]);
        assert!(elements("<GetBucketVersioningResponse/>", "Status").is_empty());
        let tagging = "<GetBucketTaggingResponse><TagSet><Tag><Key>a&amp;b</Key><Value>1</Value></Tag>\
                       <Tag><Key>fuelflow:role</Key><Value>state-bucket</Value></Tag></TagSet></GetBucketTaggingResponse>";
        assert_eq!(
            tags(tagging),
            [
                ("a&b".to_owned(), "1".to_owned()),
                ("fuelflow:role".to_owned(), "state-bucket".to_owned())
            ]
        );
    }
}
