//! moto 5.2 names the XML root of `GetBucketVersioning` and `GetBucketTagging` answers after the
//! operation (`<GetBucketVersioningResponse>`), and the SDK refuses a 200 response with an
//! unexpected root. Only for a *successful* response the SDK could not decode are the few needed
//! elements read from the raw body; AWS itself never takes this path. (The same workaround as
//! `state::bootstrap::lenient`, which is private to the state backend.)

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

/// The body of a 2xx response the SDK failed to decode, if that is what `err` is.
pub(super) fn undecoded_success<E: ProvideErrorMetadata>(
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
pub(super) fn elements(xml: &str, name: &str) -> Vec<String> {
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
pub(super) fn tags(xml: &str) -> Vec<(String, String)> {
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
        let versioning = r#"<GetBucketVersioningResponse xmlns="x"><Status>Suspended</Status></GetBucketVersioningResponse>"#;
        assert_eq!(elements(versioning, "Status"), ["Suspended"]);
        let tagging = "<GetBucketTaggingResponse><TagSet><Tag><Key>a&amp;b</Key><Value>1</Value></Tag></TagSet></GetBucketTaggingResponse>";
        assert_eq!(tags(tagging), [("a&b".to_owned(), "1".to_owned())]);
    }
}
