//! Server-rendered HTML pages of the browser flows: the realm login page, the authorization
//! error page and the logout pages. No JavaScript; every dynamic value passes through
//! [`escape`]; responses carry a strict CSP and refuse framing (clickjacking).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The stylesheet, compiled in so pages work from `cargo build` alone.
pub const STYLESHEET: &str = include_str!("../../static/tessera.css");

/// Where the stylesheet is served.
pub const STYLESHEET_PATH: &str = "/static/tessera.css";

/// Escapes text for HTML element content and double-quoted attribute values.
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An HTML page ready to send.
#[derive(Debug)]
pub struct Html {
    /// Status code.
    pub status: StatusCode,
    /// The document.
    pub body: String,
    /// Origins a form on the page may end up at: browsers apply `form-action` to the redirect
    /// that follows a form post, so the client's origin must be listed (docs/product.md#cors).
    pub form_targets: Vec<String>,
    /// Origins the page may load in frames (front-channel logout); none unless listed.
    pub frame_sources: Vec<String>,
}

impl Html {
    /// A page titled `title` with `main` as the content of its `<main>` element.
    #[must_use]
    pub fn new(status: StatusCode, title: &str, main: &str) -> Self {
        Self::with_head(status, title, "", main)
    }

    /// [`Html::new`] with `head` (trusted markup, escaped by the caller) added to `<head>`.
    fn with_head(status: StatusCode, title: &str, head: &str, main: &str) -> Self {
        let body = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"referrer\" content=\"no-referrer\">{head}\
             <title>{}</title><link rel=\"stylesheet\" href=\"{STYLESHEET_PATH}\"></head>\
             <body><main>{main}<footer>Tessera</footer></main></body></html>\n",
            escape(title)
        );
        Self {
            status,
            body,
            form_targets: Vec::new(),
            frame_sources: Vec::new(),
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
    pub fn signed_out(frames: &[(String, String)], next: Option<&str>) -> Self {
        let iframes: String = frames
            .iter()
            .map(|(url, _)| {
                format!(
                    "<iframe class=\"logout-frame\" src=\"{}\" title=\"Signing out of an application\" sandbox=\"allow-scripts allow-same-origin\" hidden></iframe>",
                    escape(url)
                )
            })
            .collect();
        let (head, main) = match next {
            Some(next) => (
                format!(
                    "<meta http-equiv=\"refresh\" content=\"{LOGOUT_FRAMES_SECONDS};url={}\">",
                    escape(next)
                ),
                format!(
                    "<h1>Signed out</h1><p class=\"sub\" id=\"signed-out\">You have been signed out. \
                     Taking you back to the application…</p>{iframes}\
                     <p><a id=\"continue\" class=\"button\" href=\"{}\">Continue</a></p>",
                    escape(next)
                ),
            ),
            None => (String::new(), format!("{}{iframes}", signed_out())),
        };
        let mut page = Self::with_head(StatusCode::OK, "Signed out", &head, &main);
        page.frame_sources = frames.iter().map(|(_, o)| o.clone()).collect();
        page
    }

    /// Allows forms on the page to lead to `origin`.
    #[must_use]
    pub fn form_target(mut self, origin: Option<String>) -> Self {
        self.form_targets.extend(origin);
        self
    }
}

/// How long the signed-out page gives front-channel logout frames before moving on, seconds.
pub const LOGOUT_FRAMES_SECONDS: u32 = 2;

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
        let csp = format!(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action {form_action}; \
             frame-ancestors 'none'; base-uri 'none'{frame_src}"
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
pub struct LoginView<'a> {
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

/// The realm's login page.
#[must_use]
pub fn login(v: &LoginView<'_>) -> String {
    let (label, kind, input_type) = if v.customers {
        ("Email", "email", "email")
    } else {
        ("Username or email", "username", "text")
    };
    let error = v
        .error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    format!(
        "<h1>Sign in</h1><p class=\"sub\">to continue to <strong>{client}</strong> ({partition})</p>{error}\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"request\" value=\"{request}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"username\">{label}</label>\
         <input id=\"username\" name=\"username\" type=\"{input_type}\" autocomplete=\"{kind}\" value=\"{login}\" required autofocus>\
         <label for=\"password\">Password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <button id=\"sign-in\" type=\"submit\">Sign in</button></form>",
        client = escape(v.client_name),
        partition = escape(v.partition),
        action = escape(v.action),
        request = escape(v.request),
        csrf = escape(v.csrf),
        login = escape(v.login),
    )
}

/// A page explaining an authorization request that cannot be answered with a redirect.
#[must_use]
pub fn error(title: &str, message: &str) -> String {
    format!(
        "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>\
         <p class=\"sub\">If you followed a link from an application, tell its developer; \
         the request cannot be sent back to it safely.</p>",
        escape(title),
        escape(message)
    )
}

/// The page after signing out without a way back to the application.
#[must_use]
pub fn signed_out() -> String {
    "<h1>Signed out</h1><p class=\"sub\" id=\"signed-out\">You have been signed out. You can close this window.</p>".to_owned()
}

/// Asks before ending a session when the request does not prove which application sent it.
#[must_use]
pub fn logout_confirm(action: &str, fields: &[(&str, &str)], csrf: &str) -> String {
    let hidden: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    format!(
        "<h1>Sign out?</h1><p class=\"sub\">Do you want to sign out?</p>\
         <form method=\"post\" action=\"{}\">{hidden}\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button id=\"confirm-sign-out\" type=\"submit\">Sign out</button></form>",
        escape(action),
        escape(csrf)
    )
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
        assert!(signed_out().contains("signed out"));
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
