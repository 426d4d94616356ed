//! Identifiers parsed at the edge: once constructed they are valid.

use serde::{Deserialize, Serialize};

/// A partition (tenant) id: `[A-Za-z0-9]{3,40}`, e.g. `acme` or `TMPROD88619984`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PartitionId(String);

/// Why a partition id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a partition id is 3 to 40 ASCII letters or digits (got {0:?})")]
pub struct InvalidPartitionId(pub String);

impl PartitionId {
    /// Parses a partition id.
    ///
    /// # Errors
    /// When the value is not 3–40 ASCII letters or digits.
    pub fn parse(s: &str) -> Result<Self, InvalidPartitionId> {
        if (3..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidPartitionId(s.chars().take(60).collect()))
        }
    }

    /// The id as a string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for PartitionId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for PartitionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client application's id (a UUID generated on save, immutable).
pub type ClientId = uuid::Uuid;

/// One of a partition's two realms; each is an issuer with its own keys.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Realm {
    /// Agents, issuer suffix `-U`.
    Users,
    /// End customers, issuer suffix `-C`.
    Customers,
}

impl Realm {
    /// Both realms.
    pub const ALL: [Self; 2] = [Self::Users, Self::Customers];

    /// The issuer suffix letter.
    #[must_use]
    pub const fn suffix(self) -> char {
        match self {
            Self::Users => 'U',
            Self::Customers => 'C',
        }
    }

    /// Stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Customers => "customers",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "users" => Some(Self::Users),
            "customers" => Some(Self::Customers),
            _ => None,
        }
    }

    /// Splits an issuer path segment `acme-U` (the last segment of a realm issuer,
    /// `/system/auth/acme-U`) into partition and realm.
    #[must_use]
    pub fn split_issuer_segment(segment: &str) -> Option<(PartitionId, Self)> {
        let (partition, suffix) = segment.rsplit_once('-')?;
        let realm = match suffix {
            "U" => Self::Users,
            "C" => Self::Customers,
            _ => return None,
        };
        Some((PartitionId::parse(partition).ok()?, realm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_ids() {
        assert!(PartitionId::parse("acme").is_ok());
        assert!(PartitionId::parse("TMPROD88619984").is_ok());
        for bad in ["ab", "a-b-c", "", "ünï", &"x".repeat(41)] {
            assert!(PartitionId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn issuer_segments() {
        assert_eq!(
            Realm::split_issuer_segment("acme-U"),
            Some((PartitionId::parse("acme").unwrap(), Realm::Users))
        );
        assert_eq!(
            Realm::split_issuer_segment("acme-C").map(|t| t.1),
            Some(Realm::Customers)
        );
        assert_eq!(Realm::split_issuer_segment("acme-X"), None);
        assert_eq!(Realm::split_issuer_segment("acme"), None);
    }
}
