//! FHIR's two wire formats. Resources are built once as an ordered tree
//! (`Resource`) and written as JSON or XML; XML needs the element order
//! the specification defines, so the tree keeps the order it was built
//! in. Incoming XML is read into the same shape as incoming JSON
//! (`serde_json::Value`), so one reader of resources serves both; a
//! repeated element becomes an array, a single one stays a value, and the
//! readers accept either.

use std::fmt::Write;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

pub const FHIR_NAMESPACE: &str = "http://hl7.org/fhir";

/// Which format a request or response uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/fhir+json; charset=utf-8",
            Format::Xml => "application/fhir+xml; charset=utf-8",
        }
    }

    /// The format a media type (`Content-Type`, `Accept`, `_format`) names:
    /// FHIR's own types, plain JSON or XML, or the `_format` shorthands.
    pub fn from_media_type(media: &str) -> Option<Format> {
        let media = media
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/fhir+json" | "application/json" | "json" => Some(Format::Json),
            "application/fhir+xml" | "application/xml" | "text/xml" | "xml" => Some(Format::Xml),
            _ => None,
        }
    }
}

/// A primitive value. JSON writes booleans bare; XML writes every
/// primitive in a `value` attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Prim {
    Str(String),
    Bool(bool),
    /// A number (`valueInteger`, `valueDecimal`): bare in JSON.
    Num(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Prim(Prim),
    Object(Vec<(&'static str, Node)>),
    /// A whole resource inside another (a Bundle entry's `resource`).
    Resource(Box<Resource>),
    /// Narrative: plain text, written as the XHTML `div` FHIR requires.
    Div(String),
    /// Repeated: an array in JSON, repeated elements in XML.
    List(Vec<Node>),
}

impl Node {
    pub fn str(s: impl Into<String>) -> Node {
        Node::Prim(Prim::Str(s.into()))
    }
}

/// A FHIR resource, its elements in the specification's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub kind: &'static str,
    pub elements: Vec<(&'static str, Node)>,
}

impl Resource {
    pub fn new(kind: &'static str) -> Resource {
        Resource {
            kind,
            elements: Vec::new(),
        }
    }

    /// Adds an element; `None` and empty lists are left out, as FHIR wants.
    pub fn with(mut self, name: &'static str, node: impl Into<Option<Node>>) -> Resource {
        match node.into() {
            None => {}
            Some(Node::List(items)) if items.is_empty() => {}
            Some(node) => self.elements.push((name, node)),
        }
        self
    }

    pub fn write(&self, format: Format) -> String {
        match format {
            Format::Json => {
                let mut out = String::new();
                write_json_resource(&mut out, self);
                out
            }
            Format::Xml => {
                let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
                write_xml_resource(&mut out, self);
                out
            }
        }
    }
}

/// Builds an object from its fields, leaving out absent ones.
pub fn object(fields: Vec<(&'static str, Option<Node>)>) -> Node {
    Node::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect(),
    )
}

fn json_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("strings always serialise"));
}

fn write_json_node(out: &mut String, node: &Node) {
    match node {
        Node::Prim(Prim::Str(s)) => json_string(out, s),
        Node::Prim(Prim::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        Node::Prim(Prim::Num(n)) => out.push_str(n),
        Node::Object(fields) => write_json_fields(out, fields, None),
        Node::Resource(r) => write_json_resource(out, r),
        Node::Div(text) => json_string(out, &xhtml_div(text)),
        Node::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_node(out, item);
            }
            out.push(']');
        }
    }
}

fn write_json_fields(
    out: &mut String,
    fields: &[(&'static str, Node)],
    resource_type: Option<&str>,
) {
    out.push('{');
    let mut first = true;
    if let Some(kind) = resource_type {
        out.push_str("\"resourceType\":");
        json_string(out, kind);
        first = false;
    }
    for (name, node) in fields {
        if !first {
            out.push(',');
        }
        first = false;
        json_string(out, name);
        out.push(':');
        write_json_node(out, node);
    }
    out.push('}');
}

fn write_json_resource(out: &mut String, r: &Resource) {
    write_json_fields(out, &r.elements, Some(r.kind));
}

/// Escapes text for an attribute value. Tabs and line breaks become
/// character references, which attribute-value normalisation keeps; the
/// characters XML 1.0 cannot hold at all (other control characters,
/// U+FFFE and U+FFFF) become U+FFFD, so a stray NUL stored before input was
/// checked cannot make the document malformed.
fn xml_escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

fn write_xml_element(out: &mut String, name: &str, node: &Node) {
    match node {
        Node::Prim(p) => {
            let _ = write!(out, "<{name} value=\"");
            match p {
                Prim::Str(s) => xml_escape(out, s),
                Prim::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                Prim::Num(n) => out.push_str(n),
            }
            out.push_str("\"/>");
        }
        Node::Object(fields) => {
            // An extension's url is an attribute in XML.
            let (url, rest): (Vec<_>, Vec<_>) = fields
                .iter()
                .partition(|(k, _)| *k == "url" && name == "extension");
            let _ = write!(out, "<{name}");
            if let Some((_, Node::Prim(Prim::Str(url)))) = url.first() {
                out.push_str(" url=\"");
                xml_escape(out, url);
                out.push('"');
            }
            out.push('>');
            for (child, value) in rest {
                write_xml_element(out, child, value);
            }
            let _ = write!(out, "</{name}>");
        }
        Node::List(items) => {
            for item in items {
                write_xml_element(out, name, item);
            }
        }
        Node::Resource(r) => {
            let _ = write!(out, "<{name}>");
            write_xml_resource(out, r);
            let _ = write!(out, "</{name}>");
        }
        Node::Div(text) => out.push_str(&xhtml_div(text)),
    }
}

/// Plain text as a narrative `div`, a paragraph per line.
fn xhtml_div(text: &str) -> String {
    let mut out = String::from("<div xmlns=\"http://www.w3.org/1999/xhtml\">");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str("<p>");
        xml_escape(&mut out, line);
        out.push_str("</p>");
    }
    out.push_str("</div>");
    out
}

fn write_xml_resource(out: &mut String, r: &Resource) {
    let _ = write!(out, "<{} xmlns=\"{FHIR_NAMESPACE}\">", r.kind);
    for (name, node) in &r.elements {
        write_xml_element(out, name, node);
    }
    let _ = write!(out, "</{}>", r.kind);
}

/// The deepest a body may nest. A referral Bundle nests about a dozen
/// levels (Bundle, entry, resource, contained, extension, value, coding …);
/// the limit is far above that, and far below what would exhaust a
/// worker's stack while reading or dropping the tree.
pub const MAX_DEPTH: usize = 64;
/// The most elements (XML) or values (JSON) a body may hold: hundreds
/// make a referral, and this bounds the work and memory one request costs.
pub const MAX_ELEMENTS: usize = 10_000;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Not well formed, or not FHIR's shape of XML.
    Malformed(String),
    /// Deeper or larger than any referral: refused before reading further.
    TooComplex(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Malformed(m) | ReadError::TooComplex(m) => f.write_str(m),
        }
    }
}

impl From<String> for ReadError {
    fn from(message: String) -> ReadError {
        ReadError::Malformed(message)
    }
}

fn too_deep() -> ReadError {
    ReadError::TooComplex(format!(
        "The body nests more than {MAX_DEPTH} levels deep; no FHIR referral needs that many"
    ))
}

fn too_many_elements() -> ReadError {
    ReadError::TooComplex(format!(
        "The body holds more than {MAX_ELEMENTS} elements; no FHIR referral needs that many"
    ))
}

/// Reads a FHIR JSON body, within serde_json's recursion limit and then
/// within `MAX_DEPTH` and `MAX_ELEMENTS`.
pub fn json_to_value(body: &[u8]) -> Result<Value, ReadError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        // serde_json stops at 128 levels (its recursion limit) with this
        // message, rather than overflow the stack.
        if e.to_string().starts_with("recursion limit exceeded") {
            too_deep()
        } else {
            ReadError::Malformed(e.to_string())
        }
    })?;
    let mut pending = vec![(&value, 1)];
    let mut elements = 0;
    while let Some((node, depth)) = pending.pop() {
        elements += 1;
        if elements > MAX_ELEMENTS {
            return Err(too_many_elements());
        }
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        match node {
            Value::Array(items) => pending.extend(items.iter().map(|v| (v, depth + 1))),
            Value::Object(map) => pending.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    Ok(value)
}

/// Reads a FHIR XML document into the JSON shape. Refuses documents with a
/// DOCTYPE (no entity tricks), elements outside the FHIR namespace, and
/// documents deeper than `MAX_DEPTH` or larger than `MAX_ELEMENTS`.
pub fn xml_to_value(text: &str) -> Result<Value, ReadError> {
    let mut reader = Reader::from_str(text);
    let mut elements = Elements(0);
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("the XML is not well formed: {e}"))?
        {
            Event::Start(start) => {
                check_namespace(&start, true)?;
                let kind = element_name(&start)?;
                elements.count()?;
                let mut value = read_element(&mut reader, &start, 1, &mut elements)?;
                if let Value::Object(map) = &mut value {
                    map.insert("resourceType".into(), Value::String(kind));
                }
                return Ok(value);
            }
            Event::Empty(start) => {
                check_namespace(&start, true)?;
                let kind = element_name(&start)?;
                let mut map = Map::new();
                map.insert("resourceType".into(), Value::String(kind));
                return Ok(Value::Object(map));
            }
            Event::DocType(_) => {
                return Err("a DOCTYPE is not allowed in FHIR XML".to_owned().into());
            }
            Event::Eof => return Err("the XML document is empty".to_owned().into()),
            _ => {}
        }
    }
}

/// Elements read so far, refused past `MAX_ELEMENTS`.
struct Elements(usize);

impl Elements {
    fn count(&mut self) -> Result<(), ReadError> {
        self.0 += 1;
        if self.0 > MAX_ELEMENTS {
            Err(too_many_elements())
        } else {
            Ok(())
        }
    }
}

fn element_name(start: &BytesStart<'_>) -> Result<String, String> {
    std::str::from_utf8(start.local_name().as_ref())
        .map(str::to_owned)
        .map_err(|_| "an element name is not UTF-8".to_owned())
}

/// The root must declare the FHIR namespace; nested elements may not
/// declare another.
fn check_namespace(start: &BytesStart<'_>, root: bool) -> Result<(), String> {
    let declared = start
        .attributes()
        .filter_map(Result::ok)
        .find(|a| a.key.as_ref() == b"xmlns")
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
    match declared {
        Some(ns) if ns != FHIR_NAMESPACE && ns != "http://www.w3.org/1999/xhtml" => Err(format!(
            "elements must be in the FHIR namespace {FHIR_NAMESPACE}, not {ns}"
        )),
        None if root => Err(format!(
            "the root element must declare xmlns=\"{FHIR_NAMESPACE}\""
        )),
        _ => Ok(()),
    }
}

fn attribute(start: &BytesStart<'_>, name: &[u8]) -> Result<Option<String>, String> {
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("an attribute is not well formed: {e}"))?;
        if attr.key.local_name().as_ref() == name {
            return attr
                .unescape_value()
                .map(|v| Some(v.into_owned()))
                .map_err(|e| format!("an attribute is not well formed: {e}"));
        }
    }
    Ok(None)
}

/// Adds `value` under `name`, turning a repeated element into an array.
fn insert(map: &mut Map<String, Value>, name: String, value: Value) {
    match map.get_mut(&name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            map.insert(name, value);
        }
    }
}

/// Resource type names start with a capital letter; element names do not.
fn is_resource_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

/// Reads the element `start` opened (up to its end) as a JSON value: a
/// string for a primitive (`value` attribute), an object otherwise, or,
/// for a wrapper like `contained` or a Bundle entry's `resource`, the
/// resource inside it.
///
/// `depth` is the element's own (the root's is 1): each level is one call,
/// so the depth limit is what keeps the stack bounded.
fn read_element(
    reader: &mut Reader<&[u8]>,
    start: &BytesStart<'_>,
    depth: usize,
    elements: &mut Elements,
) -> Result<Value, ReadError> {
    let primitive = attribute(start, b"value")?;
    let mut map = Map::new();
    if let Some(url) = attribute(start, b"url")? {
        map.insert("url".into(), Value::String(url));
    }
    let mut inner_resource = None;
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("the XML is not well formed: {e}"))?
        {
            Event::Start(child) => {
                check_namespace(&child, false)?;
                let name = element_name(&child)?;
                elements.count()?;
                if depth + 1 > MAX_DEPTH {
                    return Err(too_deep());
                }
                if name == "div" {
                    // Narrative XHTML is for people; nothing here reads it.
                    reader
                        .read_to_end(child.name())
                        .map_err(|e| format!("the XML is not well formed: {e}"))?;
                    continue;
                }
                let mut value = read_element(reader, &child, depth + 1, elements)?;
                if is_resource_name(&name) {
                    if let Value::Object(m) = &mut value {
                        m.insert("resourceType".into(), Value::String(name));
                    }
                    inner_resource = Some(value);
                } else {
                    insert(&mut map, name, value);
                }
            }
            Event::Empty(child) => {
                check_namespace(&child, false)?;
                let name = element_name(&child)?;
                elements.count()?;
                let value = match attribute(&child, b"value")? {
                    Some(v) => Value::String(v),
                    None => {
                        let mut m = Map::new();
                        if let Some(url) = attribute(&child, b"url")? {
                            m.insert("url".into(), Value::String(url));
                        }
                        if is_resource_name(&name) {
                            m.insert("resourceType".into(), Value::String(name.clone()));
                            inner_resource = Some(Value::Object(m));
                            continue;
                        }
                        Value::Object(m)
                    }
                };
                insert(&mut map, name, value);
            }
            Event::End(_) => break,
            Event::Eof => {
                return Err("the XML document ends inside an element".to_owned().into());
            }
            Event::DocType(_) => {
                return Err("a DOCTYPE is not allowed in FHIR XML".to_owned().into());
            }
            _ => {}
        }
    }
    Ok(match (primitive, inner_resource) {
        (Some(v), _) => Value::String(v),
        (None, Some(resource)) => resource,
        (None, None) => Value::Object(map),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Resource {
        Resource::new("Task")
            .with("id", Node::str("t1"))
            .with("status", Node::str("requested"))
            .with(
                "extension",
                Node::List(vec![object(vec![
                    ("url", Some(Node::str("http://example.org/x"))),
                    ("valueBoolean", Some(Node::Prim(Prim::Bool(true)))),
                ])]),
            )
            .with(
                "note",
                Node::List(vec![object(vec![(
                    "text",
                    Some(Node::str("a < b & \"c\"")),
                )])]),
            )
            .with("input", Node::List(vec![]))
            .with("owner", None)
    }

    #[test]
    fn writes_json_with_the_resource_type_first() {
        assert_eq!(
            sample().write(Format::Json),
            r#"{"resourceType":"Task","id":"t1","status":"requested","extension":[{"url":"http://example.org/x","valueBoolean":true}],"note":[{"text":"a < b & \"c\""}]}"#
        );
    }

    #[test]
    fn writes_xml_in_order_with_attributes_and_escaping() {
        let xml = sample().write(Format::Xml);
        assert!(xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Task xmlns=\"http://hl7.org/fhir\">"
        ));
        assert!(xml.contains("<id value=\"t1\"/><status value=\"requested\"/>"));
        assert!(xml.contains(
            "<extension url=\"http://example.org/x\"><valueBoolean value=\"true\"/></extension>"
        ));
        assert!(xml.contains("<note><text value=\"a &lt; b &amp; &quot;c&quot;\"/></note>"));
    }

    #[test]
    fn xml_output_is_well_formed_whatever_the_text_holds() {
        let xml = Resource::new("Patient")
            .with("id", Node::str("a\u{0}b\u{1b}c\u{ffff}"))
            .with("text", Node::str("line one\nline two\ttabbed\r"))
            .write(Format::Xml);
        assert!(
            xml.contains("<id value=\"a\u{fffd}b\u{fffd}c\u{fffd}\"/>"),
            "{xml}"
        );
        let value = xml_to_value(&xml).unwrap();
        assert_eq!(value["text"], "line one\nline two\ttabbed\r");
    }

    #[test]
    fn xml_reads_back_into_the_json_shape() {
        let value = xml_to_value(&sample().write(Format::Xml)).unwrap();
        assert_eq!(value["resourceType"], "Task");
        assert_eq!(value["status"], "requested");
        assert_eq!(value["extension"]["url"], "http://example.org/x");
        assert_eq!(value["extension"]["valueBoolean"], "true");
        assert_eq!(value["note"]["text"], "a < b & \"c\"");
    }

    #[test]
    fn resources_inside_wrappers_become_the_wrapper() {
        let xml = r#"<Bundle xmlns="http://hl7.org/fhir"><entry><fullUrl value="urn:uuid:1"/><resource><Patient><id value="p"/></Patient></resource></entry><entry><resource><ServiceRequest><contained><Organization><name value="X"/></Organization></contained></ServiceRequest></resource></entry></Bundle>"#;
        let value = xml_to_value(xml).unwrap();
        assert_eq!(value["resourceType"], "Bundle");
        assert_eq!(value["entry"][0]["resource"]["resourceType"], "Patient");
        assert_eq!(value["entry"][0]["resource"]["id"], "p");
        assert_eq!(
            value["entry"][1]["resource"]["contained"]["resourceType"],
            "Organization"
        );
    }

    #[test]
    fn repeated_elements_become_arrays_and_narrative_is_skipped() {
        let xml = r#"<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi <b>there</b></p></div></text><name><given value="A"/><given value="B"/></name></Patient>"#;
        let value = xml_to_value(xml).unwrap();
        assert_eq!(value["name"]["given"], serde_json::json!(["A", "B"]));
        assert_eq!(value["text"]["status"], "generated");
        assert!(value["text"].get("div").is_none());
    }

    #[test]
    fn refuses_what_is_not_fhir_xml() {
        assert!(
            xml_to_value("<Patient><id value=\"x\"/></Patient>")
                .unwrap_err()
                .to_string()
                .contains("xmlns")
        );
        assert!(
            xml_to_value("<Patient xmlns=\"urn:other\"/>")
                .unwrap_err()
                .to_string()
                .contains("namespace")
        );
        assert!(
            xml_to_value(
                "<!DOCTYPE x [<!ENTITY e \"boom\">]><Patient xmlns=\"http://hl7.org/fhir\"/>"
            )
            .unwrap_err()
            .to_string()
            .contains("DOCTYPE")
        );
        assert!(
            xml_to_value("<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"x\"></Patient>")
                .is_err()
        );
        assert!(xml_to_value("").is_err());
    }

    #[test]
    fn nesting_and_size_are_bounded_in_both_formats() {
        let nested = |levels: usize| {
            format!(
                "<Patient xmlns=\"http://hl7.org/fhir\">{}{}</Patient>",
                "<a>".repeat(levels),
                "</a>".repeat(levels)
            )
        };
        assert!(xml_to_value(&nested(MAX_DEPTH - 1)).is_ok());
        assert!(matches!(
            xml_to_value(&nested(MAX_DEPTH)),
            Err(ReadError::TooComplex(m)) if m.contains("64 levels deep")
        ));
        assert!(matches!(
            xml_to_value(&nested(1_000_000)),
            Err(ReadError::TooComplex(_))
        ));
        let wide = |n: usize| {
            format!(
                "<Patient xmlns=\"http://hl7.org/fhir\">{}</Patient>",
                "<id value=\"x\"/>".repeat(n)
            )
        };
        assert!(xml_to_value(&wide(MAX_ELEMENTS - 1)).is_ok());
        assert!(matches!(
            xml_to_value(&wide(MAX_ELEMENTS)),
            Err(ReadError::TooComplex(m)) if m.contains("elements")
        ));

        let arrays = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(json_to_value(arrays(MAX_DEPTH).as_bytes()).is_ok());
        assert!(matches!(
            json_to_value(arrays(MAX_DEPTH + 1).as_bytes()),
            Err(ReadError::TooComplex(_))
        ));
        assert!(matches!(
            json_to_value(arrays(1_000_000).as_bytes()),
            Err(ReadError::TooComplex(_))
        ));
        let values = |n: usize| format!("[{}]", vec!["1"; n].join(","));
        assert!(json_to_value(values(MAX_ELEMENTS - 1).as_bytes()).is_ok());
        assert!(matches!(
            json_to_value(values(MAX_ELEMENTS).as_bytes()),
            Err(ReadError::TooComplex(_))
        ));
        assert!(matches!(
            json_to_value(b"{not json"),
            Err(ReadError::Malformed(_))
        ));
    }

    #[test]
    fn media_types() {
        assert_eq!(
            Format::from_media_type("application/fhir+json; fhirVersion=4.0"),
            Some(Format::Json)
        );
        assert_eq!(
            Format::from_media_type("application/fhir+xml"),
            Some(Format::Xml)
        );
        assert_eq!(Format::from_media_type("xml"), Some(Format::Xml));
        assert_eq!(Format::from_media_type("text/html"), None);
    }
}
