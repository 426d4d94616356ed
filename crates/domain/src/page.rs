//! Cursor pagination: lists are in creation order and resume after the last item returned.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 200;

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Items to return, 1..=[`MAX_LIMIT`].
    pub limit: u32,
    /// The creation sequence number of the last item already seen.
    pub after: Option<i64>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

/// Why a page request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// `limit` out of range.
    #[error("limit must be between 1 and {MAX_LIMIT}")]
    Limit,
    /// The cursor was not issued by this server.
    #[error(
        "cursor is not one this server issued; pass next_cursor from a previous page unchanged"
    )]
    Cursor,
}

impl PageRequest {
    /// Builds a request from the query parameters `limit` and `cursor`.
    ///
    /// # Errors
    /// When the limit is out of range or the cursor is malformed.
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, PageError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(PageError::Limit);
        }
        let after = match cursor {
            None | Some("") => None,
            Some(c) => Some(decode_cursor(c).ok_or(PageError::Cursor)?),
        };
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than the limit tells whether another page exists.
    #[must_use]
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// The sequence number to start after (0 means from the beginning).
    #[must_use]
    pub fn after_seq(&self) -> i64 {
        self.after.unwrap_or(0)
    }
}

/// An opaque cursor for a sequence number.
#[must_use]
pub fn encode_cursor(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{seq}"))
}

fn decode_cursor(c: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(c).ok()?;
    let s = std::str::from_utf8(&bytes).ok()?;
    s.strip_prefix("v1:")?
        .parse()
        .ok()
        .filter(|n: &i64| *n >= 0)
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    /// The items, in creation order.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `rows` fetched with [`PageRequest::fetch`], each with its sequence number.
    #[must_use]
    pub fn from_rows(mut rows: Vec<(i64, T)>, req: PageRequest) -> Self {
        let limit = req.limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|(seq, _)| encode_cursor(*seq))
        } else {
            None
        };
        Self {
            items: rows.into_iter().map(|(_, t)| t).collect(),
            next_cursor,
        }
    }

    /// Maps the items.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_roundtrip_and_garbage() {
        let req = PageRequest::parse(Some(10), Some(&encode_cursor(42))).unwrap();
        assert_eq!(req.after, Some(42));
        assert_eq!(PageRequest::parse(None, Some("!!")), Err(PageError::Cursor));
        assert_eq!(PageRequest::parse(Some(0), None), Err(PageError::Limit));
        assert_eq!(PageRequest::parse(Some(201), None), Err(PageError::Limit));
    }

    #[test]
    fn page_from_rows_sets_cursor_only_when_more() {
        let req = PageRequest {
            limit: 2,
            after: None,
        };
        let p = Page::from_rows(vec![(1, 'a'), (2, 'b'), (3, 'c')], req);
        assert_eq!(p.items, vec!['a', 'b']);
        assert_eq!(p.next_cursor, Some(encode_cursor(2)));
        let p = Page::from_rows(vec![(1, 'a')], req);
        assert_eq!(p.next_cursor, None);
    }
}
