//! Server-rendered HTML pages: the realm login page, the authorization error page and the
//! logout pages, from askama templates under `crates/server/templates/` (compile-time checked,
//! every value escaped by [`escape::Html`]), all on one base layout (`base.html`). Responses
//! carry a strict CSP (scripts only from our own `/static/`, never inline) and refuse framing
//! (clickjacking).

pub(crate) mod assets;
pub(crate) mod escape;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A page shell: the base layout with a title and trusted, already rendered content.
#[derive(Template)]
#[template(path = "page.html")]
struct Page<'a> {
    title: &'a str,
    refresh: Option<Refresh<'a>>,
    main: &'a str,
}

/// A `<meta http-equiv="refresh">` target.
struct Refresh<'a> {
    seconds: u32,
    url: &'a str,
}

/// Renders a template; a template that cannot render (a formatting error, never expected) gives
/// a short plain page rather than a panic.
pub(crate) fn render(t: &impl Template) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a page template failed to render");
        "<!doctype html><title>Error</title><p>This page could not be shown.</p>".to_owned()
    })
}

/// An HTML page ready to send.
#[derive(Debug)]
pub(crate) struct Html {
    /// Status code.
    pub status: StatusCode,
    /// The document.
    pub body: String,
    /// Origins a form on the page may end up at: browsers apply `form-action` to the redirect
    /// that follows a form post, so the client's origin must be listed (docs/product.md#cors).
    pub form_targets: Vec<String>,
    /// Origins the page may load in frames (front-channel logout); none unless listed.
    pub frame_sources: Vec<String>,
    /// Whether the page loads our own script (the console's copy buttons).
    pub scripts: bool,
}

impl Html {
    /// A page titled `title` with `main` (trusted markup from a template) as the content of
    /// its `<main>` element.
    #[must_use]
    pub(crate) fn new(status: StatusCode, title: &str, main: &str) -> Self {
        Self::shell(status, title, None, main)
    }

    fn shell(status: StatusCode, title: &str, refresh: Option<Refresh<'_>>, main: &str) -> Self {
        Self::from_body(
            status,
            render(&Page {
                title,
                refresh,
                main,
            }),
        )
    }

    /// A complete document rendered elsewhere (the console's templates).
    #[must_use]
    pub(crate) fn from_body(status: StatusCode, body: String) -> Self {
        Self {
            status,
            body,
            form_targets: Vec::new(),
            frame_sources: Vec::new(),
            scripts: false,
        }
    }

    /// The page after a sign-out that ended a session: one hidden iframe per front-channel
    /// logout URI (OpenID Connect Front-Channel Logout 1.0 §4), whose origins alone the CSP's
    /// `frame-src` allows. With `next` (the post-logout redirect), the browser moves on by
    /// itself after a few seconds — a `<meta http-equiv="refresh">`, since the CSP allows no
    /// script — and a "Continue" link lets the person go at once. The frames are sandboxed: the
    /// application's page may run its scripts and read its own cookies (it must, to end its
    /// session), but not navigate this page or open windows.
    #[must_use]
    pub(crate) fn signed_out(frames: &[(String, String)], next: Option<&str>) -> Self {
        let urls: Vec<&str> = frames.iter().map(|(u, _)| u.as_str()).collect();
        let main = render(&SignedOut {
            frames: &urls,
            next,
        });
        let refresh = next.map(|url| Refresh {
            seconds: LOGOUT_FRAMES_SECONDS,
            url,
        });
        let mut page = Self::shell(StatusCode::OK, "Signed out", refresh, &main);
        page.frame_sources = frames.iter().map(|(_, o)| o.clone()).collect();
        page
    }

    /// Lets the page load the console's script from our own `/static/` (`script-src 'self'`).
    #[must_use]
    pub(crate) fn with_scripts(mut self) -> Self {
        self.scripts = true;
        self
    }

    /// Allows forms on the page to lead to `origin`.
    #[must_use]
    pub(crate) fn form_target(mut self, origin: Option<String>) -> Self {
        self.form_targets.extend(origin);
        self
    }
}

/// How long the signed-out page gives front-channel logout frames before moving on, seconds.
pub(crate) const LOGOUT_FRAMES_SECONDS: u32 = 2;

/// Origins come from parsed URLs; anything that could break the header is dropped.
fn origins(list: &[String]) -> impl Iterator<Item = &str> {
    list.iter().map(String::as_str).filter(|o| {
        o.bytes()
            .all(|b| b.is_ascii_graphic() && b != b';' && b != b',' && b != b'\'')
    })
}

impl IntoResponse for Html {
    fn into_response(self) -> Response {
        let mut form_action = String::from("'self'");
        for o in origins(&self.form_targets) {
            form_action.push(' ');
            form_action.push_str(o);
        }
        // `default-src 'none'` forbids frames; only a page that loads some lists their origins.
        let mut frame_src = String::new();
        for o in origins(&self.frame_sources) {
            if frame_src.is_empty() {
                frame_src.push_str("; frame-src");
            }
            if !frame_src.split(' ').any(|have| have == o) {
                frame_src.push(' ');
                frame_src.push_str(o);
            }
        }
        // No inline script or style anywhere; only the console loads a script, from /static/.
        let script_src = if self.scripts {
            "; script-src 'self'"
        } else {
            ""
        };
        let csp = format!(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action {form_action}; \
             frame-ancestors 'none'; base-uri 'none'{frame_src}{script_src}"
        );
        let mut resp = (self.status, self.body).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        resp
    }
}

/// What the login page shows.
#[derive(Debug)]
pub(crate) struct LoginView<'a> {
    /// Where the form posts.
    pub action: &'a str,
    /// `users` or `customers` realm.
    pub customers: bool,
    /// The partition.
    pub partition: &'a str,
    /// The client application's name.
    pub client_name: &'a str,
    /// The authorization request, carried through the form.
    pub request: &'a str,
    /// CSRF token.
    pub csrf: &'a str,
    /// Pre-filled login name.
    pub login: &'a str,
    /// An error to show.
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct Login<'a> {
    v: &'a LoginView<'a>,
    label: &'static str,
    kind: &'static str,
    input_type: &'static str,
}

/// The realm's login page.
#[must_use]
pub(crate) fn login(v: &LoginView<'_>) -> String {
    let (label, kind, input_type) = if v.customers {
        ("Email", "email", "email")
    } else {
        ("Username or email", "username", "text")
    };
    render(&Login {
        v,
        label,
        kind,
        input_type,
    })
}

#[derive(Template)]
#[template(path = "auth/error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

/// A page explaining an authorization request that cannot be answered with a redirect.
#[must_use]
pub(crate) fn error(title: &str, message: &str) -> String {
    render(&ErrorPage { title, message })
}

/// The words of a browser request's refusal page: its title and heading.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refusal {
    /// The page's title.
    pub(crate) title: &'static str,
    /// Its heading, above the reason.
    pub(crate) heading: &'static str,
}

impl Refusal {
    /// A sign-in request (authorization, login) that cannot be answered with a redirect.
    pub(crate) const SIGN_IN: Self = Self {
        title: "Sign-in request refused",
        heading: "This sign-in request cannot be completed",
    };
    /// A sign-out request (RP-initiated logout) that cannot be answered with a redirect.
    pub(crate) const SIGN_OUT: Self = Self {
        title: "Sign-out request refused",
        heading: "This sign-out request cannot be completed",
    };

    /// The page refusing the request for `message`, with `status`.
    #[must_use]
    pub(crate) fn page(self, status: StatusCode, message: &str) -> Response {
        Html::new(status, self.title, &error(self.heading, message)).into_response()
    }
}

#[derive(Template)]
#[template(path = "auth/signed_out.html")]
struct SignedOut<'a> {
    frames: &'a [&'a str],
    next: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "auth/logout_confirm.html")]
struct LogoutConfirm<'a> {
    action: &'a str,
    fields: &'a [(&'a str, &'a str)],
    csrf: &'a str,
}

/// Asks before ending a session when the request does not prove which application sent it.
#[must_use]
pub(crate) fn logout_confirm(action: &str, fields: &[(&str, &str)], csrf: &str) -> String {
    render(&LogoutConfirm {
        action,
        fields,
        csrf,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_escapes_what_it_shows() {
        let evil = "<script>alert(\"x\")</script>&'";
        let page = login(&LoginView {
            action: evil,
            customers: false,
            partition: evil,
            client_name: evil,
            request: evil,
            csrf: evil,
            login: evil,
            error: Some(evil),
        });
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"));
        for page in [
            error(evil, evil),
            logout_confirm(evil, &[(evil, evil)], evil),
            Html::new(StatusCode::OK, evil, "").body,
        ] {
            assert!(!page.contains("<script>"), "{page}");
        }
        assert!(Html::signed_out(&[], None).body.contains("signed out"));
    }

    #[test]
    fn pages_refuse_framing_and_name_form_targets() {
        let resp = Html::new(StatusCode::OK, "t", "")
            .form_target(Some("https://app.example".into()))
            .form_target(Some("bad; script-src *".into()))
            .into_response();
        let csp = resp.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("form-action 'self' https://app.example;"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("script-src"));
        assert!(!csp.contains("frame-src"), "no frames unless listed");
        assert_eq!(resp.headers()[header::X_FRAME_OPTIONS], "DENY");
    }

    #[test]
    fn the_signed_out_page_frames_exactly_its_origins() {
        let frames = vec![
            (
                "https://a.example/fc?iss=x&sid=<y>".to_owned(),
                "https://a.example".to_owned(),
            ),
            (
                "https://b.example:8443/fc".to_owned(),
                "https://b.example:8443".to_owned(),
            ),
            (
                "https://a.example/other".to_owned(),
                "https://a.example".to_owned(),
            ),
            (
                "https://c.example/fc".to_owned(),
                "https://c.example; script-src *".to_owned(),
            ),
        ];
        let page = Html::signed_out(&frames, Some("https://app.example/bye?state=<s>"));
        assert_eq!(page.body.matches("<iframe").count(), 4);
        assert_eq!(
            page.body
                .matches("sandbox=\"allow-scripts allow-same-origin\"")
                .count(),
            4,
            "every frame is sandboxed"
        );
        assert!(page.body.contains("sid=&lt;y&gt;"), "{}", page.body);
        assert!(page.body.contains("http-equiv=\"refresh\""));
        assert!(
            page.body
                .contains("url=https://app.example/bye?state=&lt;s&gt;")
        );
        assert!(page.body.contains("id=\"continue\""));
        let resp = page.into_response();
        let csp = resp.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.ends_with("; frame-src https://a.example https://b.example:8443"),
            "{csp}"
        );
        assert!(csp.starts_with(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
        ));
        assert!(!csp.contains("script-src"), "{csp}");
        let plain = Html::signed_out(&[], None);
        assert!(!plain.body.contains("refresh") && !plain.body.contains("<iframe"));
    }
}
