//! Physical names for resources whose template does not name them, made the way CloudFormation
//! makes them (`<stack>-<LogicalId>-<RANDOM>`), so the name is known (and recorded) before the
//! create call: a run killed mid-create finds the resource again by that name.

/// A fresh name within `max_len`, lower case when the service requires it.
pub fn generate(stack: &str, logical_id: &str, (max_len, lower_case): (usize, bool)) -> String {
    let suffix: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(12)
        .collect();
    let suffix = if lower_case {
        suffix
    } else {
        suffix.to_uppercase()
    };
    let budget = max_len.saturating_sub(suffix.len() + 1).max(1);
    let mut prefix: String = format!("{stack}-{logical_id}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if prefix.len() > budget {
        // Keep both ends readable: most of the stack name, the start of the logical id.
        prefix.truncate(budget);
    }
    let name = format!("{}-{suffix}", prefix.trim_end_matches('-'));
    if lower_case {
        name.to_lowercase()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_the_rules_and_differ() {
        let a = generate("fuel-flow-s3-dev", "AppDataBucket", (63, true));
        let b = generate("fuel-flow-s3-dev", "AppDataBucket", (63, true));
        assert!(a.starts_with("fuel-flow-s3-dev-appdatabucket-"), "{a}");
        assert_ne!(a, b);
        assert!(a.len() <= 63 && a == a.to_lowercase());
        let long = generate(&"x".repeat(80), "Role", (64, false));
        assert!(long.len() <= 64, "{}", long.len());
    }
}
