//! RFC 3339 UTC timestamps (whole seconds) for state and lock records, built on the SDK's own
//! `DateTime` so no date crate is needed.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, shown and stored as `2026-11-25T18:00:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime);

impl Timestamp {
    /// Now, truncated to whole seconds (sub-second digits only add noise to state diffs).
    pub fn now() -> Self {
        Timestamp(DateTime::from_secs(
            DateTime::from(SystemTime::now()).secs(),
        ))
    }

    pub fn from_unix_secs(secs: i64) -> Self {
        Timestamp(DateTime::from_secs(secs))
    }

    pub fn unix_secs(&self) -> i64 {
        self.0.secs()
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        DateTime::from_str(text, DateTimeFormat::DateTime)
            .map(Timestamp)
            .map_err(|e| format!("not an RFC 3339 UTC timestamp: {text:?}: {e}"))
    }

    /// How long ago this was; zero if it lies in the future (clock skew between machines).
    pub fn age(&self) -> Duration {
        let now = DateTime::from(SystemTime::now()).secs();
        Duration::from_secs(u64::try_from(now - self.0.secs()).unwrap_or(0))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.fmt(DateTimeFormat::DateTime) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "@{}", self.0.secs()),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A short human age: `42s`, `3m`, `2h5m`, `3d4h`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86400, (s % 86400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        let t = Timestamp::parse("2026-11-25T18:00:00Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-25T18:00:00Z");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-11-25T18:00:00Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }

    #[test]
    fn rejects_garbage() {
        assert!(Timestamp::parse("yesterday").is_err());
    }

    #[test]
    fn human_ages() {
        assert_eq!(human_duration(Duration::from_secs(5)), "5s");
        assert_eq!(human_duration(Duration::from_secs(180)), "3m");
        assert_eq!(human_duration(Duration::from_secs(7500)), "2h5m");
        assert_eq!(human_duration(Duration::from_secs(90000)), "1d1h");
    }
}
