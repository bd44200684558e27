//! Route 53: hosted zones and their record sets (the optional custom domain of the API).

pub mod hosted_zone;
pub mod record_set;

/// Route 53 answers zone ids as `/hostedzone/Z123`; templates and physical ids use `Z123`.
pub(crate) fn bare_zone_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_string()
}

/// Zone and record names as Route 53 keeps them: with the final dot.
pub(crate) fn dotted(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_ids_and_names_are_normalised() {
        assert_eq!(bare_zone_id("/hostedzone/Z12"), "Z12");
        assert_eq!(bare_zone_id("Z12"), "Z12");
        assert_eq!(dotted("example.com"), "example.com.");
        assert_eq!(dotted("example.com."), "example.com.");
    }
}
