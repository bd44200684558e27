//! "Did you mean ...?" for misspelled names.

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(distance, c)| *distance <= (c.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_typos_and_ignores_strangers() {
        let names = ["BucketName", "Tags", "VersioningConfiguration"];
        assert_eq!(super::closest("BucketNmae", names), Some("BucketName"));
        assert_eq!(super::closest("tags", names), Some("Tags"));
        assert_eq!(super::closest("Zebra", names), None);
    }
}
