//! What every console page shares: the layout around its content and the message pages
//! (errors, 403, sign-in results), on the shared base layout (`crate::pages`). Every page is
//! served with the strict CSP of [`Html`] plus `script-src 'self'` for the copy buttons' script.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tessera_domain::PartitionId;
use tessera_domain::store::StoreError;

use crate::pages::{Html, render};

/// A breadcrumb: the path Department → Partition → Integration → Client Application.
#[derive(Debug, Clone)]
pub(crate) struct Crumb {
    /// Its text.
    pub label: String,
    /// Where it leads; `None` for the current page.
    pub href: Option<String>,
}

/// A link.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    /// Its text.
    pub label: String,
    /// Its address.
    pub href: String,
}

/// What every console page shows around its content.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    /// The page's title (also its `<h1>` on menu pages).
    pub title: String,
    /// The partition, empty on `/admin/`.
    pub partition: String,
    /// The signed-in administrator's name, when signed in (shows **Sign out**).
    pub user: Option<String>,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
    /// The breadcrumbs, the last being the current page.
    pub crumbs: Vec<Crumb>,
    /// Moves the browser on at once (`<meta http-equiv="refresh">`).
    pub refresh: Option<String>,
}

impl Layout {
    /// A page of `p`'s console shown without a session.
    #[must_use]
    pub(crate) fn anonymous(p: Option<&PartitionId>, title: &str) -> Self {
        Self {
            title: title.to_owned(),
            partition: p.map(ToString::to_string).unwrap_or_default(),
            ..Self::default()
        }
    }

    /// Adds the breadcrumbs of the path down to `depth` (1 Partition, 2 Integration,
    /// 3 Client Application), then `last` as the current page when given.
    #[must_use]
    pub(crate) fn path(mut self, depth: usize, last: Option<&str>) -> Self {
        let p = &self.partition;
        let steps = [
            ("Partition", format!("/admin/{p}/partition")),
            ("Integration", format!("/admin/{p}/integration")),
            (
                "Client Application",
                format!("/admin/{p}/client-applications"),
            ),
        ];
        self.crumbs.push(Crumb {
            label: "Department".into(),
            href: Some(format!("/admin/{p}/")),
        });
        for (i, (label, href)) in steps.into_iter().take(depth).enumerate() {
            let current = last.is_none() && i + 1 == depth;
            self.crumbs.push(Crumb {
                label: label.into(),
                href: (!current).then_some(href),
            });
        }
        if let Some(last) = last {
            self.crumbs.push(Crumb {
                label: last.into(),
                href: None,
            });
        }
        self
    }
}

/// A console page ready to send.
pub(crate) fn page(status: StatusCode, t: &impl Template) -> Response {
    Html::from_body(status, render(t))
        .with_scripts()
        .into_response()
}

/// A page with a heading, a text and maybe a link.
#[derive(Debug, Template)]
#[template(path = "console/message.html")]
pub(crate) struct Message<'a> {
    /// The layout.
    pub l: Layout,
    /// The `<h1>`.
    pub heading: &'a str,
    /// The text.
    pub text: &'a str,
    /// Whether the text is an alert (an error).
    pub alert: bool,
    /// Where to go from here.
    pub link: Option<Link>,
}

/// A message page.
pub(crate) fn message(
    status: StatusCode,
    l: Layout,
    heading: &str,
    text: &str,
    link: Option<Link>,
) -> Response {
    page(
        status,
        &Message {
            l,
            heading,
            text,
            alert: status.is_client_error() || status.is_server_error(),
            link,
        },
    )
}

fn open_again(p: &PartitionId) -> Option<Link> {
    Some(Link {
        label: "Open the console".into(),
        href: format!("/admin/{p}/"),
    })
}

/// 404: no such partition or page.
#[must_use]
pub(crate) fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        Layout::anonymous(None, "Not found"),
        "Not found",
        "There is no such console page. Check the address, or choose a partition.",
        Some(Link {
            label: "Choose a partition".into(),
            href: "/admin/".into(),
        }),
    )
}

/// 503: storage failed.
#[must_use]
pub(crate) fn unavailable(e: &StoreError) -> Response {
    tracing::warn!(error = %e, "console: storage failed");
    message(
        StatusCode::SERVICE_UNAVAILABLE,
        Layout::anonymous(None, "Unavailable"),
        "Temporarily unavailable",
        "The console cannot reach its database just now. Try again in a moment.",
        None,
    )
}

/// 403 with an explanation.
#[must_use]
pub(crate) fn forbidden(p: &PartitionId, text: &str) -> Response {
    message(
        StatusCode::FORBIDDEN,
        Layout::anonymous(Some(p), "Not allowed"),
        "Not allowed",
        text,
        open_again(p),
    )
}

/// 403 for a signed-in user who is not an enabled Partition Administrator.
#[must_use]
pub(crate) fn not_an_administrator(p: &PartitionId) -> Response {
    message(
        StatusCode::FORBIDDEN,
        Layout::anonymous(Some(p), "Not a Partition Administrator"),
        "Not a Partition Administrator",
        &format!(
            "You are signed in, but only a Partition Administrator of partition {p} may use its Administration Console. Ask one of them to make you an administrator, or sign in as one."
        ),
        None,
    )
}

/// A sign-in that could not be completed.
#[must_use]
pub(crate) fn sign_in_failed(p: &PartitionId, text: &str) -> Response {
    message(
        StatusCode::BAD_REQUEST,
        Layout::anonymous(Some(p), "Sign-in failed"),
        "Sign-in failed",
        text,
        open_again(p),
    )
}

/// The page after the callback: moves on to `back` by itself.
#[must_use]
pub(crate) fn signed_in(back: &str) -> Response {
    let mut l = Layout::anonymous(None, "Signed in");
    l.refresh = Some(back.to_owned());
    message(
        StatusCode::OK,
        l,
        "Signed in",
        "You are signed in. Opening the console…",
        Some(Link {
            label: "Continue".into(),
            href: back.to_owned(),
        }),
    )
}

/// Where a sign-out ends.
#[must_use]
pub(crate) fn signed_out(p: &PartitionId) -> Response {
    message(
        StatusCode::OK,
        Layout::anonymous(Some(p), "Signed out"),
        "Signed out",
        "You have signed out of the console and of the partition's sign-in.",
        Some(Link {
            label: "Sign in again".into(),
            href: format!("/admin/{p}/"),
        }),
    )
}
