//! Cookie hardening: `__Host-` cookies per realm when the public URL is https, and CSRF tokens
//! bound by a server-side MAC so a planted cookie cannot be paired with a token of one's choice.
//! Requests are sent by hand (no cookie jar), so the exact `Cookie` headers are under test.

use reqwest::header::{COOKIE, SET_COOKIE};

use crate::code_flow_refusals::app_url;
use crate::code_flow_support::{PASSWORD, Page, create_user, web_app};
use crate::support::{Backend, TestServer};

async fn send(req: reqwest::RequestBuilder, cookie: Option<&str>) -> Page {
    let req = match cookie {
        Some(c) => req.header(COOKIE, c),
        None => req,
    };
    let resp = req.send().await.unwrap();
    Page {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}

/// The `Set-Cookie` header whose cookie is called `name`.
fn set_cookie<'a>(page: &'a Page, name: &str) -> &'a str {
    page.headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie set: {:?}", page.headers))
}

/// The value part of a `Set-Cookie` header.
fn value(set: &str) -> &str {
    set.split(';').next().unwrap().split_once('=').unwrap().1
}

#[tokio::test]
async fn https_cookies_are_host_prefixed_and_per_realm() {
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.public_url = c.public_url.replacen("http://", "https://", 1);
    })
    .await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Agent desk").await;
    let url = app_url(&s, 'U', &app, &[]);

    let page = send(s.http.get(&url), None).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf_set = set_cookie(&page, "__Host-tessera_csrf_acme-U");
    for attr in ["; Path=/;", "; Secure", "; HttpOnly", "; SameSite=Lax"] {
        assert!(csrf_set.contains(attr), "{csrf_set}");
    }
    assert!(
        !csrf_set.to_ascii_lowercase().contains("domain"),
        "{csrf_set}"
    );
    let csrf_cookie = format!("__Host-tessera_csrf_acme-U={}", value(csrf_set));
    let form = page.login_form();
    let login = form.action.replacen("https://", "http://", 1);
    let fields = [
        ("request", form.request.as_str()),
        ("csrf", form.csrf.as_str()),
        ("username", "agent7"),
        ("password", PASSWORD),
    ];

    // The CSRF cookie under its plain name is not the realm's cookie.
    let plain = format!("tessera_csrf={}", value(csrf_set));
    let page = send(s.http.post(&login).form(&fields), Some(&plain)).await;
    assert_eq!(page.status, 400, "{:?}", page.alert());

    let page = send(s.http.post(&login).form(&fields), Some(&csrf_cookie)).await;
    assert_eq!(page.status, 303, "{:?}", page.alert());
    let session_set = set_cookie(&page, "__Host-tessera_session_acme-U");
    for attr in ["; Path=/;", "; Secure", "; HttpOnly", "; SameSite=Lax"] {
        assert!(session_set.contains(attr), "{session_set}");
    }
    assert!(
        !session_set.to_ascii_lowercase().contains("domain"),
        "{session_set}"
    );
    let session = value(session_set);

    // The session signs in at its realm under its prefixed name only.
    let page = send(
        s.http.get(&url),
        Some(&format!("__Host-tessera_session_acme-U={session}")),
    )
    .await;
    assert_eq!(page.status, 303, "single sign-on: {}", page.body);
    let page = send(
        s.http.get(&url),
        Some(&format!("tessera_session={session}")),
    )
    .await;
    assert_eq!(page.status, 200, "a plain-named cookie is not the session");
    assert!(page.try_login_form().is_some());
    let page = send(
        s.http.get(app_url(&s, 'C', &app, &[])),
        Some(&format!("__Host-tessera_session_acme-U={session}")),
    )
    .await;
    assert!(
        page.try_login_form().is_some(),
        "the -U session does not sign in at -C"
    );

    // Logout clears the prefixed cookie with the same attributes.
    let logout = format!("{}/oauth2/logout", s.issuer('U'));
    let page = send(
        s.http.get(&logout),
        Some(&format!("__Host-tessera_session_acme-U={session}")),
    )
    .await;
    assert_eq!(page.status, 200, "no hint: the confirmation page");
    let csrf_field = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    let csrf_set = set_cookie(&page, "__Host-tessera_csrf_acme-U");
    let cookies = format!(
        "__Host-tessera_session_acme-U={session}; __Host-tessera_csrf_acme-U={}",
        value(csrf_set)
    );
    let page = send(
        s.http.post(&logout).form(&[("csrf", csrf_field.as_str())]),
        Some(&cookies),
    )
    .await;
    assert_eq!(page.status, 200, "signed out: {}", page.body);
    let cleared = set_cookie(&page, "__Host-tessera_session_acme-U");
    for attr in ["; Path=/;", "; Secure", "; Max-Age=0"] {
        assert!(cleared.contains(attr), "{cleared}");
    }
}

#[tokio::test]
async fn a_planted_csrf_cookie_cannot_be_paired_with_a_chosen_token() {
    let s = TestServer::start().await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Agent desk").await;
    let page = send(s.http.get(app_url(&s, 'U', &app, &[])), None).await;
    let form = page.login_form();
    let cookie_value = value(set_cookie(&page, "tessera_csrf")).to_owned();
    assert_ne!(
        form.csrf, cookie_value,
        "the form's token is not the cookie's value"
    );
    let post = |csrf: &str, cookie: String| {
        let fields = [
            ("request", form.request.clone()),
            ("csrf", csrf.to_owned()),
            ("username", "agent7".to_owned()),
            ("password", PASSWORD.to_owned()),
        ];
        let req = s.http.post(&form.action).form(&fields);
        async move { send(req, Some(&cookie)).await }
    };
    // What a sibling subdomain (or an injected header) could plant: a cookie of its choosing,
    // with the same value as the form field — the old double-submit check accepted this.
    let planted = "P".repeat(43);
    let page = post(&planted, format!("tessera_csrf={planted}")).await;
    assert_eq!(page.status, 400, "{:?}", page.alert());
    // A token read by someone who planted the cookie is still refused when the browser says
    // the form came from elsewhere: another site, or a sibling subdomain.
    let post_from = |header: &'static str, value: String| {
        let fields = [
            ("request", form.request.clone()),
            ("csrf", form.csrf.clone()),
            ("username", "agent7".to_owned()),
            ("password", PASSWORD.to_owned()),
        ];
        let req = s
            .http
            .post(&form.action)
            .form(&fields)
            .header(header, value);
        let cookie = format!("tessera_csrf={cookie_value}");
        async move { send(req, Some(&cookie)).await }
    };
    for (header, value) in [
        ("sec-fetch-site", "cross-site".to_owned()),
        ("sec-fetch-site", "same-site".to_owned()),
        ("origin", "https://evil.example".to_owned()),
    ] {
        let page = post_from(header, value.clone()).await;
        assert_eq!(page.status, 400, "{header}: {value}: {:?}", page.alert());
    }
    // Our own pages: same-origin, or `Origin: null` (they send no referrer).
    let page = post_from("sec-fetch-site", "same-origin".to_owned()).await;
    assert_eq!(page.status, 303, "{:?}", page.alert());
    let page = post_from("origin", "null".to_owned()).await;
    assert_eq!(page.status, 303, "{:?}", page.alert());
    let page = post_from("origin", s.base.clone()).await;
    assert_eq!(page.status, 303, "{:?}", page.alert());
    // The server's token for the browser's own cookie works.
    let page = post(&form.csrf, format!("tessera_csrf={cookie_value}")).await;
    assert_eq!(page.status, 303, "{:?}", page.alert());
}
