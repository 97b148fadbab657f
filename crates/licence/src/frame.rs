//! Disclosure frames: which claims of a licence the holder may reveal one by one.
//!
//! A frame mirrors the shape of the claims. At each level it lists the properties (or
//! array positions) that become disclosures, the nested frames for deeper levels, and how
//! many decoy digests to add. A licence type definition states its disclosable claims as
//! a list of paths, which [`Frame::from_paths`] turns into a frame.

use std::collections::{BTreeMap, BTreeSet};

use crate::path::{ClaimPath, PathSegment};

/// Which claims become selectively disclosable when issuing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    pub(crate) disclosable: BTreeSet<PathSegment>,
    pub(crate) nested: BTreeMap<PathSegment, Frame>,
    pub(crate) decoys: usize,
}

impl Frame {
    /// A frame that makes nothing disclosable: everything is in the clear.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the object property `name` at this level a disclosure.
    #[must_use]
    pub fn disclosable(mut self, name: &str) -> Self {
        self.disclosable.insert(PathSegment::Key(name.to_owned()));
        self
    }

    /// Makes the array element at `position` at this level a disclosure.
    #[must_use]
    pub fn disclosable_element(mut self, position: usize) -> Self {
        self.disclosable.insert(PathSegment::Index(position));
        self
    }

    /// Gives the value at `segment` its own frame. Combined with [`Frame::disclosable`]
    /// on the same segment this yields recursive disclosures: the inner claims are
    /// disclosures, and so is the object that holds their digests.
    #[must_use]
    pub fn nested(mut self, segment: impl Into<PathSegment>, frame: Frame) -> Self {
        self.nested.insert(segment.into(), frame);
        self
    }

    /// Adds `count` decoy digests to this level's `_sd` array (objects only), so that a
    /// verifier cannot tell how many claims were kept back.
    #[must_use]
    pub fn decoys(mut self, count: usize) -> Self {
        self.decoys = count;
        self
    }

    /// Builds a frame in which every listed path is disclosable. Each object level that
    /// gets a disclosure also gets `decoys_per_object` decoys.
    pub fn from_paths<'a>(
        paths: impl IntoIterator<Item = &'a ClaimPath>,
        decoys_per_object: usize,
    ) -> Self {
        let mut frame = Frame::new();
        for path in paths {
            let Some((last, parents)) = path.segments().split_last() else {
                continue;
            };
            let mut level = &mut frame;
            for segment in parents {
                level = level.nested.entry(segment.clone()).or_default();
            }
            level.disclosable.insert(last.clone());
        }
        frame.set_decoys(decoys_per_object);
        frame
    }

    fn set_decoys(&mut self, count: usize) {
        if self
            .disclosable
            .iter()
            .any(|s| matches!(s, PathSegment::Key(_)))
        {
            self.decoys = count;
        }
        for child in self.nested.values_mut() {
            child.set_decoys(count);
        }
    }

    /// Whether this frame makes nothing disclosable anywhere.
    pub fn is_empty(&self) -> bool {
        self.disclosable.is_empty() && self.decoys == 0 && self.nested.values().all(Frame::is_empty)
    }
}
