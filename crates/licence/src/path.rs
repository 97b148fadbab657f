//! Claim paths: where a claim sits in a credential.
//!
//! The form follows the claim paths of the SD-JWT VC type metadata: a list whose items are
//! object keys (strings) or array positions (non-negative integers), written as a JSON
//! array, e.g. `["address","street_address"]` or `["nationalities",0]`. Array positions
//! are positions in the issuer-signed array, so a path names the same element before and
//! after undisclosed elements are dropped.

use std::fmt;

use serde_json::Value;

/// One step of a [`ClaimPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// An object property.
    Key(String),
    /// An array element, by position in the issuer-signed array.
    Index(usize),
}

impl From<&str> for PathSegment {
    fn from(key: &str) -> Self {
        PathSegment::Key(key.to_owned())
    }
}

impl From<usize> for PathSegment {
    fn from(index: usize) -> Self {
        PathSegment::Index(index)
    }
}

/// The location of a claim, from the top of the payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClaimPath(Vec<PathSegment>);

impl ClaimPath {
    /// The payload itself.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// A top-level claim.
    pub fn claim(name: &str) -> Self {
        Self(vec![PathSegment::Key(name.to_owned())])
    }

    /// This path extended by an object key.
    pub fn key(&self, name: &str) -> Self {
        let mut next = self.clone();
        next.0.push(PathSegment::Key(name.to_owned()));
        next
    }

    /// This path extended by an array position.
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(PathSegment::Index(index));
        next
    }

    /// The steps of the path.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// Whether `prefix` is this path or one of its ancestors.
    pub fn starts_with(&self, prefix: &ClaimPath) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Reads the JSON array form, e.g. `["nationalities", 0]`. `None` for anything else
    /// (the SD-JWT VC `null` wildcard is not supported: a path here names one claim).
    pub fn from_json(value: &Value) -> Option<Self> {
        let items = value.as_array()?;
        items
            .iter()
            .map(|item| match item {
                Value::String(s) => Some(PathSegment::Key(s.clone())),
                Value::Number(n) => n
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .map(PathSegment::Index),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Self)
    }

    /// The JSON array form.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|s| match s {
                    PathSegment::Key(k) => Value::from(k.as_str()),
                    PathSegment::Index(i) => Value::from(*i),
                })
                .collect(),
        )
    }
}

impl<S: Into<PathSegment>> FromIterator<S> for ClaimPath {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Self(iter.into_iter().map(Into::into).collect())
    }
}

impl fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}
