//! The pages' static files: the stylesheet, the icon and the console's one small script (copy buttons, a
//! progressive enhancement). They are compiled in, served from `/static/`, and linked with a
//! content hash in the query (`?v=…`), so a browser may keep them for a year and still fetches
//! a new version at once after an upgrade.

use std::sync::LazyLock;

use aws_lc_rs::digest;
use axum::extract::{Path, RawQuery};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A compiled-in static file.
#[derive(Debug)]
pub(crate) struct Asset {
    /// Its position in [`ALL`] (for the version table).
    index: usize,
    /// The file name under `/static/`.
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// The content.
    pub body: &'static str,
}

/// The stylesheet of every page.
pub(crate) const STYLESHEET: Asset = Asset {
    index: 0,
    name: "tessera.css",
    content_type: "text/css; charset=utf-8",
    body: include_str!("../../static/tessera.css"),
};

/// The console's script: copy buttons only; every page works without it.
pub(crate) const SCRIPT: Asset = Asset {
    index: 1,
    name: "console.js",
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../../static/console.js"),
};

/// The pages' icon (browsers ask for one; without it every page logs a 404).
pub(crate) const ICON: Asset = Asset {
    index: 2,
    name: "favicon.svg",
    content_type: "image/svg+xml",
    body: include_str!("../../static/favicon.svg"),
};

/// Every static file.
pub(crate) const ALL: [Asset; 3] = [STYLESHEET, SCRIPT, ICON];

/// The first 16 hex digits of each file's SHA-256, computed once.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ALL.iter()
        .map(|a| {
            let d = digest::digest(&digest::SHA256, a.body.as_bytes());
            d.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
        })
        .collect()
});

impl Asset {
    /// The content hash pages put in the address.
    #[must_use]
    pub(crate) fn version(&self) -> &'static str {
        VERSIONS.get(self.index).map_or("", String::as_str)
    }

    /// The versioned address pages link to.
    #[must_use]
    pub(crate) fn href(&self) -> String {
        format!("/static/{}?v={}", self.name, self.version())
    }
}

/// `GET /static/{name}`: a versioned request (the current `?v=`) may be cached for a year; any
/// other for an hour, so an old page's link does not pin an old file.
pub(crate) async fn serve(Path(name): Path<String>, RawQuery(query): RawQuery) -> Response {
    let Some(asset) = ALL.iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let current = query.as_deref() == Some(&format!("v={}", asset.version()));
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_its_own_content_version() {
        for a in &ALL {
            assert_eq!(a.version().len(), 16);
            assert!(a.href().starts_with(&format!("/static/{}?v=", a.name)));
        }
        assert_ne!(STYLESHEET.version(), SCRIPT.version());
    }
}
