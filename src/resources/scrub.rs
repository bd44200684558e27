//! Secrets kept out of error messages (and so out of logs and `--json` reports): a service that
//! echoes the request back may show the value in any of the encodings it was sent in, so every
//! one fuelflow knows is removed: plain, JSON-escaped, XML-escaped (Query APIs), URL-encoded (upper
//! and lower hex, `%20` or `+`) and base64 (standard and URL-safe, padded or not).

/// What a secret is replaced with.
pub const MASK: &str = "(sensitive)";

/// `message` with every known encoding of `secret` replaced by [`MASK`]; an empty secret
/// changes nothing.
pub fn scrub(message: &str, secret: &str) -> String {
    if secret.is_empty() {
        return message.to_string();
    }
    let mut forms = encodings(secret);
    // Longest first, so a form that contains another is removed whole.
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    let mut out = message.to_string();
    for form in forms.iter().filter(|f| !f.is_empty()) {
        out = out.replace(form.as_str(), MASK);
    }
    out
}

/// Every encoding of `secret` a request or an echo of it may carry.
pub fn encodings(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json[1..json.len().saturating_sub(1).max(1)].to_string();
    let b64 = aws_smithy_types::base64::encode(secret.as_bytes());
    let url_safe = b64.replace('+', "-").replace('/', "_");
    let mut forms = vec![
        secret.to_string(),
        json,
        xml_escaped(secret),
        percent_encoded(secret, false, false),
        percent_encoded(secret, true, false),
        percent_encoded(secret, false, true),
        b64.trim_end_matches('=').to_string(),
        url_safe.trim_end_matches('=').to_string(),
        b64,
        url_safe,
    ];
    forms.retain(|f| !f.is_empty());
    forms
}

fn xml_escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// RFC 3986 percent-encoding of everything but the unreserved characters (as the SDK's Query
/// serializer does); `lower`: lower-case hex digits; `plus`: a space as `+` (form encoding).
fn percent_encoded(s: &str, lower: bool, plus: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' if plus => out.push('+'),
            _ if lower => out.push_str(&format!("%{byte:02x}")),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "p@ss w/rd+\"1\"&<x>";

    #[test]
    fn every_encoding_is_scrubbed() {
        let b64 = aws_smithy_types::base64::encode(SECRET.as_bytes());
        for (what, echoed) in [
            ("plain", SECRET.to_string()),
            ("json", r#"p@ss w/rd+\"1\"&<x>"#.to_string()),
            ("xml", "p@ss w/rd+&quot;1&quot;&amp;&lt;x&gt;".to_string()),
            ("url", "p%40ss%20w%2Frd%2B%221%22%26%3Cx%3E".to_string()),
            (
                "url lower",
                "p%40ss%20w%2frd%2b%221%22%26%3cx%3e".to_string(),
            ),
            ("form", "p%40ss+w%2Frd%2B%221%22%26%3Cx%3E".to_string()),
            ("base64", b64.clone()),
            ("base64 unpadded", b64.trim_end_matches('=').to_string()),
            ("base64 url-safe", b64.replace('+', "-").replace('/', "_")),
        ] {
            let message =
                format!("InvalidParameterValue: MasterUserPassword={echoed}&Engine=postgres");
            let scrubbed = scrub(&message, SECRET);
            assert_eq!(
                scrubbed, "InvalidParameterValue: MasterUserPassword=(sensitive)&Engine=postgres",
                "{what}"
            );
        }
    }

    #[test]
    fn an_empty_secret_or_a_message_without_it_is_unchanged() {
        assert_eq!(scrub("nothing to see", ""), "nothing to see");
        assert_eq!(scrub("nothing to see", SECRET), "nothing to see");
    }
}
