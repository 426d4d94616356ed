//! Redirect URL validation (`tessera_domain::client::check_redirect_url`, also the logout URI
//! rule): whatever is accepted is an absolute URL without fragment or user information, `https`
//! with a host or `http` on a loopback host, free of spaces and control characters, and its
//! normalized form is accepted too.
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use tessera_domain::client::{check_logout_uri, check_redirect_url};
use url::{Host, Url};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let verdict = check_redirect_url(raw);
    assert_eq!(check_logout_uri(raw), verdict);
    if verdict.is_err() {
        return;
    }
    assert!(raw.len() <= 2000);
    assert!(!raw.contains('#'));
    // The URL parser drops tabs and newlines anywhere and trims leading and trailing spaces and
    // control characters, so a registration carrying them would name, by exact string match, a
    // redirect_uri no client sends (RFC 3986 §2 has no such characters in a URI).
    assert!(
        !raw.chars().any(|c| c.is_ascii_control() || c == ' '),
        "accepted with a space or control character: {raw:?}"
    );
    let url = Url::parse(raw).expect("an accepted redirect URL parses");
    assert!(url.fragment().is_none());
    assert!(url.username().is_empty() && url.password().is_none());
    match url.scheme() {
        "https" => assert!(url.host_str().is_some_and(|h| !h.is_empty())),
        "http" => assert!(
            matches!(url.host(), Some(Host::Domain("localhost")))
                || url.host() == Some(Host::Ipv4(Ipv4Addr::LOCALHOST))
                || url.host() == Some(Host::Ipv6(Ipv6Addr::LOCALHOST)),
            "plain http accepted for {:?}",
            url.host()
        ),
        other => panic!("scheme {other} accepted"),
    }
    // What the authorization endpoint redirects to is the parsed URL serialized again
    // (`oauth::authorize::request::redirect_url`): the rule must accept that form too.
    if url.as_str().len() <= 2000 {
        assert_eq!(check_redirect_url(url.as_str()), Ok(()), "{}", url.as_str());
    }
});
