//! Searching the client applications of a partition by name, a page at a time, with the
//! number of matches: the console's list (docs/console.md) asks the store for one page
//! instead of loading every client.

use serde::Serialize;

/// The longest name search kept: a name has at most 100 characters, so a longer search
/// cannot match anything.
pub const MAX_QUERY_CHARS: usize = 100;

/// A name search: clients whose name contains `name_contains`, ignoring case (every letter
/// in PostgreSQL; ASCII letters in SQLite, whose `lower` knows no others), in creation order,
/// `limit` of them after skipping `offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientQuery {
    /// The text a name must contain; empty matches every client.
    pub name_contains: String,
    /// Matches to skip.
    pub offset: u32,
    /// Matches to return.
    pub limit: u32,
}

impl ClientQuery {
    /// The SQL `LIKE` pattern (with `\` as the escape character) matching names that contain
    /// the search once both are lower-cased: `%`, `_` and `\` in the search are matched
    /// literally.
    #[must_use]
    pub fn like_pattern(&self) -> String {
        let mut p = String::with_capacity(self.name_contains.len() + 2);
        p.push('%');
        for ch in self.name_contains.to_lowercase().chars() {
            if matches!(ch, '%' | '_' | '\\') {
                p.push('\\');
            }
            p.push(ch);
        }
        p.push('%');
        p
    }
}

/// One page of matches and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted<T> {
    /// The page.
    pub items: Vec<T>,
    /// Every match, on every page.
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_in_the_search_are_taken_literally() {
        let q = |s: &str| ClientQuery {
            name_contains: s.into(),
            offset: 0,
            limit: 1,
        };
        assert_eq!(q("").like_pattern(), "%%");
        assert_eq!(q("Web App").like_pattern(), "%web app%");
        assert_eq!(q("50%_a\\b").like_pattern(), "%50\\%\\_a\\\\b%");
    }
}
