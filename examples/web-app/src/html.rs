//! Minimal server-rendered HTML. Every dynamic value goes through [`esc`].

use axum::response::Html;

/// A link back to the start page, below results and errors.
pub(crate) const HOME_LINK: &str = "<p><a href=\"/\">Home</a></p>";

/// Escapes text for an HTML element or a quoted attribute value.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

/// A whole page around `body`, which must already be HTML (its dynamic parts escaped).
pub(crate) fn page(title: &str, body: &str) -> Html<String> {
    let title = esc(title);
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}}\
         th{{text-align:left;padding-right:1rem}}.error{{color:#b00020}}\
         pre{{background:#f4f4f4;padding:1rem;overflow:auto}}</style></head>\n\
         <body><h1>{title}</h1>\n{body}\n</body></html>\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(esc("Agent One"), "Agent One");
    }

    #[test]
    fn the_title_is_escaped_too() {
        let Html(html) = page("<b>", "<p>ok</p>");
        assert!(html.contains("<title>&lt;b&gt;</title>"));
        assert!(html.contains("<p>ok</p>"));
    }
}
