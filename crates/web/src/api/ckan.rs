//! A CKAN-compatible Action API (issue 19) over the open-data catalogue, for the portals that
//! harvest it (dati.toscana.it, dati.gov.it) and for `ckanapi`: `package_list`,
//! `package_show`, `package_search` (q, fq, rows, start, sort, facets, `metadata_modified`
//! ranges), `organization_list`/`_show`, `group_list`/`_show`, `status_show`; at
//! `/api/3/action/…` and `/api/action/…`, by GET (query) or POST (JSON or form body), with
//! CKAN's envelope and error types. Read-only: nobody signs in, nothing changes.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Path, Request};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use sportello_domain::opendata::{Dataset, LICENCE_CC_BY_40_NAME};

use crate::context::Ctx;

/// The largest body an action reads: its arguments, never data.
const BODY_MAX: usize = 64 * 1024;
/// The most rows a search returns at once (CKAN's own limit).
const ROWS_MAX: usize = 1000;

fn envelope(ctx: &Ctx, action: &str, status: StatusCode, body: Value) -> Response {
    let help = format!(
        "{}/api/3/action/help_show?name={action}",
        ctx.state.app.settings.public_url
    );
    let mut o = Map::new();
    o.insert("help".into(), Value::String(help));
    match status {
        StatusCode::OK => {
            o.insert("success".into(), Value::Bool(true));
            o.insert("result".into(), body);
        }
        _ => {
            o.insert("success".into(), Value::Bool(false));
            o.insert("error".into(), body);
        }
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        Value::Object(o).to_string(),
    )
        .into_response()
}

fn not_found(ctx: &Ctx, action: &str, what: &str) -> Response {
    envelope(
        ctx,
        action,
        StatusCode::NOT_FOUND,
        json!({"__type": "Not Found Error", "message": format!("Not found: {what}")}),
    )
}

fn validation(ctx: &Ctx, action: &str, field: &str, message: &str) -> Response {
    let mut e = Map::new();
    e.insert("__type".into(), Value::String("Validation Error".into()));
    e.insert(field.into(), json!([message]));
    envelope(ctx, action, StatusCode::CONFLICT, Value::Object(e))
}

fn search_error(ctx: &Ctx, action: &str, message: &str) -> Response {
    envelope(
        ctx,
        action,
        StatusCode::BAD_REQUEST,
        json!({"__type": "Search Query Error", "message": format!("Search Query is invalid: {message}")}),
    )
}

/// A stable UUID-shaped id from a name (CKAN's ids are UUIDs; ours never change).
fn uuid_of(name: &str) -> String {
    let h = sportello_app::crypto::sha256_hex(name.as_bytes());
    let h = h.as_bytes();
    let part =
        |a: usize, b: usize| String::from_utf8_lossy(h.get(a..b).unwrap_or_default()).into_owned();
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

/// An instant as CKAN writes them: UTC, no zone, microseconds.
fn ckan_time(ms: i64) -> String {
    let t = sportello_app::model::from_millis(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

fn organization(d: &Dataset, count: Option<usize>, created_ms: i64) -> Value {
    let mut o = json!({
        "id": uuid_of(&format!("org:{}", d.holder.ipa)),
        "name": d.holder.ipa,
        "title": d.holder.name,
        "display_name": d.holder.name,
        "description": format!("{} (codice IPA {})", d.holder.name, d.holder.ipa),
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(created_ms),
        "type": "organization",
        "is_organization": true,
        "approval_status": "approved",
        "state": "active",
    });
    if let (Some(n), Some(map)) = (count, o.as_object_mut()) {
        map.insert("package_count".into(), json!(n));
    }
    o
}

fn group_name(theme: &str) -> &'static str {
    match theme {
        "ECON" => "economia",
        _ => "governo",
    }
}

fn group(theme: &str, count: Option<usize>) -> Value {
    let name = group_name(theme);
    let title = match theme {
        "ECON" => "Economia e finanze",
        _ => "Governo e settore pubblico",
    };
    let mut g = json!({
        "id": uuid_of(&format!("group:{name}")),
        "name": name,
        "title": title,
        "display_name": title,
        "description": format!("Tema {theme} del vocabolario europeo dei temi dei dati"),
        "image_url": "",
        "image_display_url": "",
        "type": "group",
        "is_organization": false,
        "approval_status": "approved",
        "state": "active",
    });
    if let (Some(n), Some(map)) = (count, g.as_object_mut()) {
        map.insert("package_count".into(), json!(n));
    }
    g
}

/// A dataset as CKAN's package dict, with DCAT-AP_IT's fields as ckanext-dcatapit names them.
fn package(d: &Dataset) -> Value {
    let id = uuid_of(&d.name());
    let created = ckan_time(d.issued_ms);
    let modified = ckan_time(d.modified_ms);
    let resources: Vec<Value> = d
        .distributions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "id": uuid_of(&r.url),
                "package_id": id,
                "url": r.url,
                "name": format!("{} ({})", d.title(), r.title),
                "description": format!("{} — {}", d.kind.description(), r.title),
                "format": r.format,
                "mimetype": r.media_type,
                "position": i,
                "state": "active",
                "created": created,
                "last_modified": modified,
                "metadata_modified": modified,
                "url_type": null,
                "resource_type": null,
                "hash": "",
                "size": null,
                "license_id": "CC-BY-4.0",
            })
        })
        .collect();
    let tags: Vec<Value> = d
        .kind
        .keywords()
        .iter()
        .map(|k| json!({"id": uuid_of(&format!("tag:{k}")), "name": k, "display_name": k, "state": "active", "vocabulary_id": null}))
        .collect();
    json!({
        "id": id,
        "name": d.name(),
        "title": d.title(),
        "notes": d.kind.description(),
        "url": d.landing,
        "version": null,
        "author": d.holder.name,
        "author_email": d.holder.email,
        "maintainer": d.holder.name,
        "maintainer_email": d.holder.email,
        "license_id": "CC-BY-4.0",
        "license_title": LICENCE_CC_BY_40_NAME,
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "isopen": true,
        "state": "active",
        "type": "dataset",
        "private": false,
        "metadata_created": created,
        "metadata_modified": modified,
        "creator_user_id": null,
        "owner_org": uuid_of(&format!("org:{}", d.holder.ipa)),
        "organization": organization(d, None, d.issued_ms),
        "num_resources": resources.len(),
        "num_tags": tags.len(),
        "resources": resources,
        "tags": tags,
        "groups": [group(d.kind.theme(), None)],
        "relationships_as_subject": [],
        "relationships_as_object": [],
        "extras": [
            {"key": "identifier", "value": d.identifier()},
            {"key": "theme", "value": d.kind.theme()},
            {"key": "frequency", "value": d.kind.frequency()},
            {"key": "holder_identifier", "value": d.holder.ipa},
            {"key": "holder_name", "value": d.holder.name},
            {"key": "issued", "value": d.issued},
            {"key": "modified", "value": d.modified},
            {"key": "language", "value": "ITA"},
        ],
        "identifier": d.identifier(),
        "theme": d.kind.theme(),
        "frequency": d.kind.frequency(),
        "holder_name": d.holder.name,
        "holder_identifier": d.holder.ipa,
        "publisher_name": d.holder.name,
        "publisher_identifier": d.holder.ipa,
        "issued": d.issued,
        "modified": d.modified,
        "language": "ITA",
    })
}

/// An action's arguments: the query string, then a JSON object or form body.
async fn arguments(req: Request) -> Result<Map<String, Value>, String> {
    let mut args = Map::new();
    if let Some(q) = req.uri().query() {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            args.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    if req.method() == Method::POST {
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        let body: Body = req.into_body();
        let bytes = axum::body::to_bytes(body, BODY_MAX)
            .await
            .map_err(|_| "the body is too large or broken".to_owned())?;
        if form {
            for (k, v) in url::form_urlencoded::parse(&bytes) {
                args.insert(k.into_owned(), Value::String(v.into_owned()));
            }
        } else if !bytes.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(o)) => args.extend(o),
                _ => return Err("the body is not a JSON object".to_owned()),
            }
        }
    }
    Ok(args)
}

fn text_arg<'a>(args: &'a Map<String, Value>, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    match args.get(key)? {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(std::borrow::Cow::Owned(b.to_string())),
        _ => None,
    }
}

/// A whole number argument (ckanapi sends "5" as text), within 0..=max.
fn count_arg(
    args: &Map<String, Value>,
    key: &str,
    default: usize,
    max: usize,
) -> Result<usize, String> {
    match text_arg(args, key) {
        None => Ok(default),
        Some(t) if t.trim().is_empty() => Ok(default),
        Some(t) => t
            .trim()
            .parse::<usize>()
            .map(|n| n.min(max))
            .map_err(|_| format!("{key} must be a whole number")),
    }
}

fn flag(args: &Map<String, Value>, key: &str) -> bool {
    text_arg(args, key).is_some_and(|v| matches!(v.as_ref(), "true" | "True" | "1"))
}

/// The dataset named by `id`: its name or its id.
fn find<'a>(all: &'a [Dataset], id: &str) -> Option<&'a Dataset> {
    all.iter()
        .find(|d| d.name() == id || uuid_of(&d.name()) == id)
}

/// One term of a query: a field (or any) and the value or range it must match.
#[derive(Debug, Clone)]
enum Term {
    Any(String),
    Field(String, String),
    Range(String, Option<String>, Option<String>),
}

fn parse_terms(q: &str) -> Result<Vec<(bool, Term)>, String> {
    let mut out = Vec::new();
    let mut rest = q.trim();
    while !rest.is_empty() {
        let (negated, r) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest.strip_prefix('+').unwrap_or(rest)),
        };
        // field:[a TO b], field:"quoted", field:value, word
        let (token, after) = if let Some(open) = r.find(":[").or_else(|| r.find(":{")) {
            if r.get(..open).is_some_and(|f| !f.contains(' ')) {
                let close = r
                    .find([']', '}'])
                    .ok_or_else(|| "a range has no end".to_owned())?;
                (
                    r.get(..=close).unwrap_or(r),
                    r.get(close + 1..).unwrap_or(""),
                )
            } else {
                split_word(r)
            }
        } else if let Some(colon_quote) = r.find(":\"") {
            if r.get(..colon_quote).is_some_and(|f| !f.contains(' ')) {
                let start = colon_quote + 2;
                let end = r
                    .get(start..)
                    .and_then(|t| t.find('"'))
                    .map(|e| start + e)
                    .ok_or_else(|| "a quote is not closed".to_owned())?;
                (r.get(..=end).unwrap_or(r), r.get(end + 1..).unwrap_or(""))
            } else {
                split_word(r)
            }
        } else {
            split_word(r)
        };
        rest = after.trim_start();
        let token = token.trim();
        if token.is_empty() || token == "*:*" || token == "*" {
            continue;
        }
        if token.eq_ignore_ascii_case("AND") || token.eq_ignore_ascii_case("OR") {
            continue;
        }
        let term = match token.split_once(':') {
            Some((field, value)) if !field.is_empty() && !field.contains('/') => {
                let value = value.trim_matches('"');
                if (value.starts_with('[') || value.starts_with('{'))
                    && (value.ends_with(']') || value.ends_with('}'))
                {
                    let inner = value.get(1..value.len() - 1).unwrap_or("");
                    let (a, b) = inner
                        .split_once(" TO ")
                        .ok_or_else(|| format!("the range {value} has no TO"))?;
                    let bound = |s: &str| (s.trim() != "*").then(|| s.trim().to_owned());
                    Term::Range(field.to_owned(), bound(a), bound(b))
                } else {
                    Term::Field(field.to_owned(), value.to_owned())
                }
            }
            _ => Term::Any(token.trim_matches('"').to_lowercase()),
        };
        out.push((negated, term));
    }
    Ok(out)
}

fn split_word(r: &str) -> (&str, &str) {
    match r.find(char::is_whitespace) {
        Some(i) => (r.get(..i).unwrap_or(r), r.get(i..).unwrap_or("")),
        None => (r, ""),
    }
}

/// CKAN's instants compare as text once both are complete (`2026-01-01T00:00:00Z`, with or
/// without fractions): ours are written to the microsecond, in UTC.
fn normal_instant(t: &str) -> String {
    let t = t.trim_end_matches('Z');
    let (main, frac) = t.split_once('.').unwrap_or((t, ""));
    let main = if main.len() == 10 {
        format!("{main}T00:00:00")
    } else {
        main.to_owned()
    };
    format!("{main}.{:0<6}", frac.get(..frac.len().min(6)).unwrap_or(""))
}

fn matches(d: &Dataset, term: &Term) -> Result<bool, String> {
    let lower = |s: &str| s.to_lowercase();
    Ok(match term {
        Term::Any(w) => {
            let hay = format!(
                "{} {} {} {} {}",
                lower(&d.title()),
                lower(d.kind.description()),
                d.kind.keywords().join(" ").to_lowercase(),
                lower(&d.holder.name),
                d.name()
            );
            hay.contains(w.as_str())
        }
        Term::Field(f, v) => match f.as_str() {
            "name" => d.name() == *v,
            "id" => uuid_of(&d.name()) == *v,
            "organization" | "owner_org" => {
                d.holder.ipa == *v || uuid_of(&format!("org:{}", d.holder.ipa)) == *v
            }
            "tags" => d.kind.keywords().iter().any(|k| k == v),
            "groups" => group_name(d.kind.theme()) == v,
            "res_format" => d
                .distributions
                .iter()
                .any(|x| x.format.eq_ignore_ascii_case(v)),
            "license_id" => v.eq_ignore_ascii_case("CC-BY-4.0"),
            "title" => lower(&d.title()).contains(&lower(v)),
            "identifier" => d.identifier() == *v,
            "theme" => d.kind.theme() == v,
            "capacity" => v == "public",
            "state" => v == "active",
            "dataset_type" | "type" => v == "dataset",
            "metadata_modified" | "metadata_created" => {
                let t = if f == "metadata_modified" {
                    d.modified_ms
                } else {
                    d.issued_ms
                };
                normal_instant(&ckan_time(t)) == normal_instant(v)
            }
            other => return Err(format!("unknown field {other}")),
        },
        Term::Range(f, a, b) => {
            let t = match f.as_str() {
                "metadata_modified" => d.modified_ms,
                "metadata_created" => d.issued_ms,
                other => return Err(format!("no range on {other}")),
            };
            let at = normal_instant(&ckan_time(t));
            a.as_deref().is_none_or(|a| at >= normal_instant(a))
                && b.as_deref().is_none_or(|b| at <= normal_instant(b))
        }
    })
}

fn sort_key(d: &Dataset, field: &str) -> Result<String, String> {
    Ok(match field {
        "id" => uuid_of(&d.name()),
        "name" => d.name(),
        "title" | "title_string" => d.title().to_lowercase(),
        "metadata_modified" => format!("{:020}", d.modified_ms),
        "metadata_created" => format!("{:020}", d.issued_ms),
        "score" => String::new(),
        other => return Err(format!("cannot sort by {other}")),
    })
}

fn search(ctx: &Ctx, all: &[Dataset], args: &Map<String, Value>) -> Response {
    const A: &str = "package_search";
    let rows = match count_arg(args, "rows", 10, ROWS_MAX) {
        Ok(n) => n,
        Err(e) => return validation(ctx, A, "rows", &e),
    };
    let start = match count_arg(args, "start", 0, usize::MAX) {
        Ok(n) => n,
        Err(e) => return validation(ctx, A, "start", &e),
    };
    let q = text_arg(args, "q").unwrap_or_default();
    let mut fq = text_arg(args, "fq").unwrap_or_default().into_owned();
    if let Some(Value::Array(list)) = args.get("fq_list") {
        for f in list.iter().filter_map(Value::as_str) {
            fq.push(' ');
            fq.push_str(f);
        }
    }
    let terms = match parse_terms(&q).and_then(|mut t| {
        t.extend(parse_terms(&fq)?);
        Ok(t)
    }) {
        Ok(t) => t,
        Err(e) => return search_error(ctx, A, &e),
    };
    let mut found: Vec<&Dataset> = Vec::new();
    for d in all {
        let mut keep = true;
        for (negated, t) in &terms {
            match matches(d, t) {
                Ok(m) if m == *negated => {
                    keep = false;
                    break;
                }
                Ok(_) => {}
                Err(e) => return search_error(ctx, A, &e),
            }
        }
        if keep {
            found.push(d);
        }
    }
    let sort = text_arg(args, "sort")
        .map(|s| s.into_owned())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "score desc, metadata_modified desc".to_owned());
    let mut keys: Vec<(String, bool)> = Vec::new();
    for part in sort.split(',') {
        let mut words = part.split_whitespace();
        let (Some(field), dir) = (words.next(), words.next().unwrap_or("asc")) else {
            continue;
        };
        if !matches!(dir, "asc" | "desc") {
            return search_error(ctx, A, &format!("sort direction {dir}"));
        }
        if !matches!(
            field,
            "id" | "name"
                | "title"
                | "title_string"
                | "metadata_modified"
                | "metadata_created"
                | "score"
        ) {
            return search_error(ctx, A, &format!("cannot sort by {field}"));
        }
        keys.push((field.to_owned(), dir == "desc"));
    }
    found.sort_by(|a, b| {
        for (field, desc) in &keys {
            let (ka, kb) = (
                sort_key(a, field).unwrap_or_default(),
                sort_key(b, field).unwrap_or_default(),
            );
            let o = if *desc { kb.cmp(&ka) } else { ka.cmp(&kb) };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        a.name().cmp(&b.name())
    });
    // Facets over everything found, before paging.
    let fields: Vec<String> = match args.get("facet.field") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => {
            serde_json::from_str::<Vec<String>>(s).unwrap_or_else(|_| vec![s.clone()])
        }
        _ => Vec::new(),
    };
    let facet_limit = count_arg(args, "facet.limit", 50, 1000).unwrap_or(50);
    let mut facets = Map::new();
    let mut search_facets = Map::new();
    for f in &fields {
        let mut counts: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for d in &found {
            let values: Vec<(String, String)> = match f.as_str() {
                "organization" => vec![(d.holder.ipa.clone(), d.holder.name.clone())],
                "tags" => d
                    .kind
                    .keywords()
                    .iter()
                    .map(|k| ((*k).to_owned(), (*k).to_owned()))
                    .collect(),
                "groups" => vec![(
                    group_name(d.kind.theme()).to_owned(),
                    group_name(d.kind.theme()).to_owned(),
                )],
                "res_format" => d
                    .distributions
                    .iter()
                    .map(|x| (x.format.to_owned(), x.format.to_owned()))
                    .collect(),
                "license_id" => vec![("CC-BY-4.0".into(), LICENCE_CC_BY_40_NAME.into())],
                _ => Vec::new(),
            };
            let mut seen = std::collections::BTreeSet::new();
            for (name, display) in values {
                if seen.insert(name.clone()) {
                    let e = counts.entry(name).or_insert((display, 0));
                    e.1 += 1;
                }
            }
        }
        let mut items: Vec<(String, String, usize)> =
            counts.into_iter().map(|(n, (d, c))| (n, d, c)).collect();
        items.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        items.truncate(facet_limit);
        facets.insert(
            f.clone(),
            Value::Object(
                items
                    .iter()
                    .map(|(n, _, c)| (n.clone(), json!(c)))
                    .collect(),
            ),
        );
        search_facets.insert(
            f.clone(),
            json!({"title": f, "items": items.iter().map(|(n, d, c)| json!({"name": n, "display_name": d, "count": c})).collect::<Vec<_>>()}),
        );
    }
    let count = found.len();
    let results: Vec<Value> = found
        .into_iter()
        .skip(start)
        .take(rows)
        .map(package)
        .collect();
    envelope(
        ctx,
        A,
        StatusCode::OK,
        json!({"count": count, "results": results, "facets": facets, "search_facets": search_facets, "sort": sort}),
    )
}

/// One action: `/api/3/action/{action}` and `/api/action/{action}`.
pub async fn action(ctx: Ctx, Path(action): Path<String>, req: Request) -> Response {
    if !matches!(
        action.as_str(),
        "package_list"
            | "package_show"
            | "package_search"
            | "current_package_list_with_resources"
            | "organization_list"
            | "organization_show"
            | "group_list"
            | "group_show"
            | "status_show"
            | "site_read"
            | "license_list"
            | "help_show"
    ) {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
            Value::String(format!("Bad request - Action name not known: {action}")).to_string(),
        )
            .into_response();
    }
    // A browser sent here by another site gets nothing, before anything is read (harvesters
    // and ckanapi send neither Origin nor Sec-Fetch-Site).
    if req.method() == Method::POST
        && !crate::extract::same_origin(req.headers(), &ctx.state.app.settings.public_url)
    {
        return envelope(
            &ctx,
            &action,
            StatusCode::FORBIDDEN,
            json!({"__type": "Authorization Error", "message": "Access denied: a request from another site"}),
        );
    }
    let args = match arguments(req).await {
        Ok(a) => a,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
                Value::String(format!("Bad request - {e}")).to_string(),
            )
                .into_response()
        }
    };
    let all = match ctx.state.app.open_data_catalogue().datasets().await {
        Ok(a) => a,
        Err(_) => {
            return envelope(
                &ctx,
                &action,
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"__type": "Internal Error", "message": "the catalogue could not be read"}),
            )
        }
    };
    let ok = |v: Value| envelope(&ctx, &action, StatusCode::OK, v);
    match action.as_str() {
        "site_read" => ok(json!(true)),
        "help_show" => ok(Value::String(format!(
            "{}: CKAN's action of that name, as CKAN 2.10 documents it, over Sportello's open-data catalogue (DCAT-AP_IT). See docs/design/accountability.md.",
            text_arg(&args, "name").unwrap_or_default()
        ))),
        "status_show" => ok(json!({
            "site_title": format!("Sportello — {}", ctx.state.app.settings.region.name),
            "site_description": "Dati aperti di Sportello (DCAT-AP_IT)",
            "site_url": ctx.state.app.settings.public_url,
            "ckan_version": "2.10.0",
            "error_emails_to": null,
            "locale_default": "it",
            "extensions": ["dcat", "dcatapit"],
        })),
        "license_list" => ok(json!([{
            "id": "CC-BY-4.0", "title": LICENCE_CC_BY_40_NAME, "url": "https://creativecommons.org/licenses/by/4.0/",
            "od_conformance": "approved", "osd_conformance": "not reviewed", "status": "active", "is_okd_compliant": true
        }])),
        "package_list" | "current_package_list_with_resources" => {
            let limit = match count_arg(&args, "limit", usize::MAX, usize::MAX) {
                Ok(n) => n,
                Err(e) => return validation(&ctx, &action, "limit", &e),
            };
            let offset = match count_arg(&args, "offset", 0, usize::MAX) {
                Ok(n) => n,
                Err(e) => return validation(&ctx, &action, "offset", &e),
            };
            let mut names: Vec<&Dataset> = all.iter().collect();
            names.sort_by_key(|d| d.name());
            let page = names.into_iter().skip(offset).take(limit);
            if action == "package_list" {
                ok(Value::Array(
                    page.map(|d| Value::String(d.name())).collect(),
                ))
            } else {
                ok(Value::Array(page.map(package).collect()))
            }
        }
        "package_show" => {
            let Some(id) = text_arg(&args, "id") else {
                return validation(&ctx, &action, "id", "Missing value");
            };
            match find(&all, &id) {
                Some(d) => ok(package(d)),
                None => not_found(&ctx, &action, &id),
            }
        }
        "package_search" => search(&ctx, &all, &args),
        "organization_list" | "organization_show" => {
            let mut orgs: BTreeMap<String, (&Dataset, usize)> = BTreeMap::new();
            for d in all.iter() {
                let e = orgs.entry(d.holder.ipa.clone()).or_insert((d, 0));
                e.1 += 1;
            }
            if action == "organization_show" {
                let Some(id) = text_arg(&args, "id") else {
                    return validation(&ctx, &action, "id", "Missing value");
                };
                let found = orgs.values().find(|(d, _)| {
                    d.holder.ipa == id || uuid_of(&format!("org:{}", d.holder.ipa)) == id
                });
                return match found {
                    Some((d, n)) => {
                        let mut o = organization(d, Some(*n), d.issued_ms);
                        if flag(&args, "include_datasets") {
                            if let Some(map) = o.as_object_mut() {
                                let mine: Vec<Value> = all
                                    .iter()
                                    .filter(|x| x.holder.ipa == d.holder.ipa)
                                    .map(package)
                                    .collect();
                                map.insert("packages".into(), Value::Array(mine));
                            }
                        }
                        ok(o)
                    }
                    None => not_found(&ctx, &action, &id),
                };
            }
            let limit = count_arg(&args, "limit", usize::MAX, usize::MAX).unwrap_or(usize::MAX);
            let offset = count_arg(&args, "offset", 0, usize::MAX).unwrap_or(0);
            let list = orgs.values().skip(offset).take(limit);
            if flag(&args, "all_fields") {
                ok(Value::Array(
                    list.map(|(d, n)| organization(d, Some(*n), d.issued_ms))
                        .collect(),
                ))
            } else {
                ok(Value::Array(
                    list.map(|(d, _)| Value::String(d.holder.ipa.clone()))
                        .collect(),
                ))
            }
        }
        "group_list" | "group_show" => {
            let mut themes: BTreeMap<&'static str, usize> = BTreeMap::new();
            for d in all.iter() {
                *themes.entry(d.kind.theme()).or_default() += 1;
            }
            if action == "group_show" {
                let Some(id) = text_arg(&args, "id") else {
                    return validation(&ctx, &action, "id", "Missing value");
                };
                return match themes.iter().find(|(t, _)| {
                    group_name(t) == id || uuid_of(&format!("group:{}", group_name(t))) == id
                }) {
                    Some((t, n)) => ok(group(t, Some(*n))),
                    None => not_found(&ctx, &action, &id),
                };
            }
            if flag(&args, "all_fields") {
                ok(Value::Array(
                    themes.iter().map(|(t, n)| group(t, Some(*n))).collect(),
                ))
            } else {
                ok(Value::Array(
                    themes
                        .keys()
                        .map(|t| Value::String(group_name(t).into()))
                        .collect(),
                ))
            }
        }
        _ => not_found(&ctx, &action, &action),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_read_as_ckan_reads_them() {
        let t = parse_terms("organization:c_e625 metadata_modified:[2026-01-01T00:00:00.123456Z TO *] -tags:\"albo pretorio\" tempi").unwrap();
        assert_eq!(t.len(), 4);
        assert!(
            matches!(&t[1].1, Term::Range(f, Some(a), None) if f == "metadata_modified" && a.starts_with("2026-01-01T00"))
        );
        assert!(t[2].0, "negated");
        assert!(matches!(&t[2].1, Term::Field(f, v) if f == "tags" && v == "albo pretorio"));
        assert!(parse_terms("metadata_modified:[2026 TO").is_err());
        assert_eq!(parse_terms("*:*").unwrap().len(), 0);
        assert_eq!(
            normal_instant("2026-01-01T00:00:00Z"),
            "2026-01-01T00:00:00.000000"
        );
        assert_eq!(normal_instant("2026-01-01"), "2026-01-01T00:00:00.000000");
        assert_eq!(uuid_of("x").len(), 36);
    }
}
