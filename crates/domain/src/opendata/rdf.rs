//! A small RDF graph and its two written forms, Turtle and RDF/XML: enough for a DCAT-AP_IT
//! catalogue (IRIs, plain, language-tagged and typed literals), with every literal escaped and
//! every IRI checked for what the syntaxes cannot carry.

use std::collections::BTreeMap;

/// The namespaces a catalogue uses, with the prefixes both syntaxes write.
pub const NAMESPACES: [(&str, &str); 10] = [
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dcatapit", "http://dati.gov.it/onto/dcatapit#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("adms", "http://www.w3.org/ns/adms#"),
    ("locn", "http://www.w3.org/ns/locn#"),
];

/// A term in object position.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Object {
    Iri(String),
    /// Text in a language (`"…"@it`).
    Text(String, &'static str),
    /// A typed literal; `xsd:` datatypes by local name (`date`, `dateTime`, `anyURI`).
    Typed(String, &'static str),
    /// A plain string.
    Plain(String),
}

/// Triples grouped by subject, in the order subjects were first written.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    subjects: Vec<String>,
    triples: BTreeMap<String, Vec<(&'static str, Object)>>,
}

/// Expands `dct:title` to its IRI (a name without a known prefix is taken as an IRI).
fn expand(name: &str) -> String {
    if let Some((prefix, local)) = name.split_once(':') {
        if let Some((_, ns)) = NAMESPACES.iter().find(|(p, _)| *p == prefix) {
            return format!("{ns}{local}");
        }
    }
    name.to_owned()
}

/// Whether an IRI can be written in `<…>` (no space, quote, angle bracket or control).
pub fn iri_ok(iri: &str) -> bool {
    !iri.is_empty()
        && iri.contains(':')
        && !iri.chars().any(|c| {
            c.is_control()
                || matches!(
                    c,
                    ' ' | '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`'
                )
        })
}

impl Graph {
    /// Adds a triple; `predicate` as `prefix:local`. A subject or object IRI that cannot be
    /// written is left out with its triple (the caller made it from its own addresses).
    pub fn add(&mut self, subject: &str, predicate: &'static str, object: Object) {
        if !iri_ok(subject) || matches!(&object, Object::Iri(o) if !iri_ok(o)) {
            return;
        }
        if !self.triples.contains_key(subject) {
            self.subjects.push(subject.to_owned());
        }
        self.triples
            .entry(subject.to_owned())
            .or_default()
            .push((predicate, object));
    }

    pub fn a(&mut self, subject: &str, class: &'static str) {
        self.add(subject, "rdf:type", Object::Iri(expand(class)));
    }

    pub fn iri(&mut self, subject: &str, predicate: &'static str, object: &str) {
        self.add(subject, predicate, Object::Iri(object.to_owned()));
    }

    pub fn text(&mut self, subject: &str, predicate: &'static str, text: &str, lang: &'static str) {
        self.add(subject, predicate, Object::Text(text.to_owned(), lang));
    }

    pub fn plain(&mut self, subject: &str, predicate: &'static str, text: &str) {
        self.add(subject, predicate, Object::Plain(text.to_owned()));
    }

    pub fn typed(&mut self, subject: &str, predicate: &'static str, text: &str, xsd: &'static str) {
        self.add(subject, predicate, Object::Typed(text.to_owned(), xsd));
    }

    pub fn len(&self) -> usize {
        self.triples.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.triples.is_empty()
    }

    /// The graph in Turtle.
    pub fn turtle(&self) -> String {
        let mut out = String::new();
        for (p, ns) in NAMESPACES {
            out.push_str(&format!("@prefix {p}: <{ns}> .\n"));
        }
        for s in &self.subjects {
            let Some(props) = self.triples.get(s) else {
                continue;
            };
            out.push_str(&format!("\n<{s}>"));
            for (i, (p, o)) in props.iter().enumerate() {
                out.push_str(if i == 0 { "\n    " } else { " ;\n    " });
                let p = if *p == "rdf:type" { "a" } else { p };
                out.push_str(p);
                out.push(' ');
                out.push_str(&turtle_object(o));
            }
            out.push_str(" .\n");
        }
        out
    }

    /// The graph in RDF/XML.
    pub fn rdf_xml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rdf:RDF");
        for (p, ns) in NAMESPACES {
            out.push_str(&format!("\n    xmlns:{p}=\"{ns}\""));
        }
        out.push_str(">\n");
        for s in &self.subjects {
            let Some(props) = self.triples.get(s) else {
                continue;
            };
            out.push_str(&format!(
                "  <rdf:Description rdf:about=\"{}\">\n",
                xml_escape(s)
            ));
            for (p, o) in props {
                match o {
                    Object::Iri(iri) => out.push_str(&format!(
                        "    <{p} rdf:resource=\"{}\"/>\n",
                        xml_escape(iri)
                    )),
                    Object::Text(t, lang) => out.push_str(&format!(
                        "    <{p} xml:lang=\"{lang}\">{}</{p}>\n",
                        xml_escape(t)
                    )),
                    Object::Typed(t, xsd) => out.push_str(&format!(
                        "    <{p} rdf:datatype=\"http://www.w3.org/2001/XMLSchema#{xsd}\">{}</{p}>\n",
                        xml_escape(t)
                    )),
                    Object::Plain(t) => {
                        out.push_str(&format!("    <{p}>{}</{p}>\n", xml_escape(t)))
                    }
                }
            }
            out.push_str("  </rdf:Description>\n");
        }
        out.push_str("</rdf:RDF>\n");
        out
    }
}

fn turtle_string(t: &str) -> String {
    let mut out = String::with_capacity(t.len() + 2);
    out.push('"');
    for c in t.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn turtle_object(o: &Object) -> String {
    match o {
        Object::Iri(iri) => format!("<{iri}>"),
        Object::Text(t, lang) => format!("{}@{lang}", turtle_string(t)),
        Object::Typed(t, xsd) => format!("{}^^xsd:{xsd}", turtle_string(t)),
        Object::Plain(t) => turtle_string(t),
    }
}

/// Text for XML content and attributes; characters XML 1.0 cannot carry are dropped.
pub fn xml_escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_escape_what_they_must() {
        let mut g = Graph::default();
        g.a("https://e.example/d", "dcat:Dataset");
        g.text(
            "https://e.example/d",
            "dct:title",
            "Tempi \"veri\" & <altro>\n",
            "it",
        );
        g.typed("https://e.example/d", "dct:modified", "2026-12-06", "date");
        g.iri("https://e.example/d", "dcat:theme", "not an iri");
        g.iri(
            "https://e.example/d bad",
            "dcat:theme",
            "https://x.example/",
        );
        assert_eq!(g.len(), 3);
        let ttl = g.turtle();
        assert!(
            ttl.contains("<https://e.example/d>\n    a <http://www.w3.org/ns/dcat#Dataset> ;"),
            "{ttl}"
        );
        assert!(
            ttl.contains("dct:title \"Tempi \\\"veri\\\" & <altro>\\n\"@it ;"),
            "{ttl}"
        );
        assert!(
            ttl.contains("dct:modified \"2026-12-06\"^^xsd:date ."),
            "{ttl}"
        );
        let xml = g.rdf_xml();
        assert!(xml.contains("<dct:title xml:lang=\"it\">Tempi &quot;veri&quot; &amp; &lt;altro&gt;\n</dct:title>"), "{xml}");
        assert!(
            xml.contains("rdf:datatype=\"http://www.w3.org/2001/XMLSchema#date\">2026-12-06<"),
            "{xml}"
        );
        assert_eq!(xml_escape("a\u{1}b"), "ab");
    }
}
