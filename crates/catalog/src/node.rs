//! The parsed form of an uploaded OpenAPI document: a plain tree that keeps the document's key
//! order (so imported operations keep the author's order; `serde_json::Value` would sort them)
//! and that stops growing past a budget (so a YAML alias bomb — a small document whose aliases
//! expand to gigabytes — fails fast instead of exhausting memory).

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// One value of the document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    /// Numbers are kept as written-ish text: the importer only ever shows them (`info.version`).
    Number(String),
    String(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are unique (duplicates are refused while parsing).
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value under `key` when this is a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Self::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_map(&self) -> Option<&[(String, Self)]> {
        match self {
            Self::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub(crate) fn as_seq(&self) -> Option<&[Self]> {
        match self {
            Self::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// What the value is, for messages such as "must be a string, not a list".
    pub(crate) const fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "a boolean",
            Self::Number(_) => "a number",
            Self::String(_) => "a string",
            Self::Seq(_) => "a list",
            Self::Map(_) => "a mapping",
        }
    }
}

/// How much tree a document may expand to, in [`NODE_COST`] units per value plus one per byte of
/// text. A 5 MiB document of real OpenAPI stays far below it; alias expansion does not.
const BUDGET: usize = 64 * 1024 * 1024;
/// Roughly what a [`Node`] and its slot in a parent cost in memory.
const NODE_COST: usize = 64;

const EXPANSION: &str =
    "the document expands to too much data (are YAML aliases repeating a large part of it?)";

/// Parses JSON (when the first non-blank character is `{`) or YAML.
///
/// # Errors
/// A message for the whole document: its syntax, nesting deeper than 128 levels, more than one
/// YAML document, duplicate keys, non-scalar keys, tags, or an expansion past the budget.
pub(crate) fn parse(document: &str) -> Result<Node, String> {
    let text = document.strip_prefix('\u{feff}').unwrap_or(document);
    let budget = Budget {
        remaining: Cell::new(BUDGET),
    };
    if text.trim_start().starts_with('{') {
        let mut de = serde_json::Deserializer::from_str(text);
        let node = NodeSeed { budget: &budget }
            .deserialize(&mut de)
            .map_err(|e| format!("is not valid JSON: {e}"))?;
        de.end().map_err(|e| format!("is not valid JSON: {e}"))?;
        Ok(node)
    } else {
        NodeSeed { budget: &budget }
            .deserialize(serde_norway::Deserializer::from_str(text))
            .map_err(|e| format!("is not valid YAML: {e}"))
    }
}

struct Budget {
    remaining: Cell<usize>,
}

impl Budget {
    fn charge<E: de::Error>(&self, units: usize) -> Result<(), E> {
        let left = self.remaining.get();
        if units > left {
            return Err(E::custom(EXPANSION));
        }
        self.remaining.set(left - units);
        Ok(())
    }
}

#[derive(Clone, Copy)]
struct NodeSeed<'b> {
    budget: &'b Budget,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON or YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        self.budget.charge(NODE_COST)?;
        Ok(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        self.budget.charge(NODE_COST)?;
        Ok(Node::Number(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        self.budget.charge(NODE_COST)?;
        Ok(Node::Number(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        self.budget.charge(NODE_COST)?;
        // Debug keeps `4.0` as `4.0` (Display would print `4`), which matters for versions.
        Ok(Node::Number(format!("{v:?}")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        self.budget.charge(NODE_COST.saturating_add(v.len()))?;
        Ok(Node::String(v.to_owned()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        self.budget.charge(NODE_COST)?;
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        self.budget.charge(NODE_COST)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        self.budget.charge(NODE_COST)?;
        let mut entries = Vec::new();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key_seed(KeySeed {
            budget: self.budget,
        })? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
            }
            let value = map.next_value_seed(self)?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// Mapping keys: any scalar, as text (YAML response codes such as `200:` are integers).
struct KeySeed<'b> {
    budget: &'b Budget,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar mapping key")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        self.visit_str(if v { "true" } else { "false" })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        self.visit_str(&format!("{v:?}"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.budget.charge(NODE_COST.saturating_add(v.len()))?;
        Ok(v.to_owned())
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        self.visit_str("null")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_stringifies_scalar_keys() {
        let node = parse("b: 1\na: x\n200: {}\n").unwrap();
        let keys: Vec<&str> = node
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, ["b", "a", "200"]);
        assert_eq!(node.get("b"), Some(&Node::Number("1".into())));
        let json = parse(r#" {"z": [true, null, 4.0], "y": "s"}"#).unwrap();
        assert_eq!(json.as_map().unwrap()[0].0, "z");
        assert_eq!(
            json.get("z").unwrap().as_seq().unwrap(),
            [Node::Bool(true), Node::Null, Node::Number("4.0".into())]
        );
    }

    #[test]
    fn refuses_duplicates_trailing_data_and_complex_keys() {
        assert!(
            parse("a: 1\na: 2\n")
                .unwrap_err()
                .contains("duplicate key \"a\"")
        );
        assert!(
            parse(r#"{"a": 1, "a": 2}"#)
                .unwrap_err()
                .contains("duplicate key")
        );
        assert!(parse(r#"{"a": 1} x"#).unwrap_err().contains("trailing"));
        assert!(
            parse("? [a, b]\n: 1\n")
                .unwrap_err()
                .contains("scalar mapping key")
        );
        assert!(
            parse("a: 1\n---\nb: 2\n")
                .unwrap_err()
                .contains("more than one document")
        );
    }

    #[test]
    fn alias_expansion_is_capped() {
        // 2 MiB of text, repeated 64 times by aliases: 128 MiB if expanded.
        let big = "x".repeat(2 * 1024 * 1024);
        let mut doc = format!("a: &a \"{big}\"\nlist:\n");
        for _ in 0..64 {
            doc.push_str("  - *a\n");
        }
        let err = parse(&doc).unwrap_err();
        assert!(err.contains("expands to too much data"), "{err}");
        // A 20 000-item list repeated by 20 000 aliases: 400 million values if expanded.
        let mut doc = String::from("a: &a [");
        doc.push_str(&"1,".repeat(20_000));
        doc.push_str("]\nb: [");
        doc.push_str(&"*a,".repeat(20_000));
        doc.push_str("]\n");
        let err = parse(&doc).unwrap_err();
        assert!(err.contains("expands to too much data"), "{err}");
    }
}
