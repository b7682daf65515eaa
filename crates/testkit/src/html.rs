//! Just enough HTML reading for tests: hidden and checked form fields, the CSRF token.

/// `(name, value)` of every `<input>` that a browser would submit by default: hidden and
/// text fields, checked radios and checkboxes.
pub fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    for chunk in html.split("<input").skip(1) {
        let tag = &chunk[..chunk.find('>').unwrap_or(chunk.len())];
        let attr = |name: &str| -> Option<String> {
            let key = format!(" {name}=\"");
            let start = tag.find(&key)? + key.len();
            let end = tag[start..].find('"')? + start;
            Some(unescape(&tag[start..end]))
        };
        let kind = attr("type").unwrap_or_else(|| "text".into());
        let Some(name) = attr("name") else { continue };
        let checked = tag.contains(" checked");
        if matches!(kind.as_str(), "radio" | "checkbox") && !checked {
            continue;
        }
        out.push((name, attr("value").unwrap_or_default()));
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The first CSRF token in a page.
pub fn csrf_of(html: &str) -> String {
    form_fields(html)
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
        .expect("the page has a CSRF token")
}

/// The `Location` header of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_string()
}
