//! Replacing digests with disclosed claims: RFC 9901 §7.1 steps 3 to 5.
//!
//! Both the verifier (after the signature checks) and the holder (to learn which
//! disclosure is which claim) run this. It is strict where the RFC says "MUST be
//! rejected" and, beyond the RFC, also refuses an `_sd` that is not an array of strings
//! and a `...` key anywhere but in a one-key array-element placeholder: an issuer never
//! writes those, so they can only come from a forger or a broken issuer.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::disclosure::Disclosure;
use crate::error::VerifyError;
use crate::path::ClaimPath;

/// A claim that a disclosure revealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DisclosedClaim {
    /// Where the claim is.
    pub path: ClaimPath,
    /// Which disclosure revealed it (position in the input, counting from 0).
    pub disclosure: usize,
    /// The disclosure whose value held this claim's digest, if it was nested in one.
    pub parent: Option<usize>,
}

/// The payload with every disclosed claim in place and every digest removed.
#[derive(Debug)]
pub(crate) struct Processed {
    pub payload: Map<String, Value>,
    pub disclosed: Vec<DisclosedClaim>,
}

struct Context<'a> {
    disclosures: &'a [Disclosure],
    by_digest: HashMap<&'a str, usize>,
    used: Vec<bool>,
    seen_digests: HashSet<&'a str>,
    disclosed: Vec<DisclosedClaim>,
    max_depth: usize,
}

/// Processes `payload` against `disclosures`. `max_depth` bounds nesting, which recursive
/// disclosures could otherwise grow beyond what the JSON parser's own limit guards.
pub(crate) fn process(
    payload: &Map<String, Value>,
    disclosures: &[Disclosure],
    max_depth: usize,
) -> Result<Processed, VerifyError> {
    let mut by_digest = HashMap::with_capacity(disclosures.len());
    for (i, d) in disclosures.iter().enumerate() {
        if let Some(first) = by_digest.insert(d.digest(), i) {
            return Err(VerifyError::DuplicateDisclosure {
                index: i + 1,
                first: first + 1,
            });
        }
    }
    let mut ctx = Context {
        disclosures,
        by_digest,
        used: vec![false; disclosures.len()],
        seen_digests: HashSet::new(),
        disclosed: Vec::new(),
        max_depth,
    };
    let mut out = ctx.object(payload, &ClaimPath::root(), 0, None)?;
    // Step 3.8: `_sd_alg` is SD-JWT machinery, not a claim of the credential.
    out.remove("_sd_alg");
    // Step 5: a disclosure no digest points at was not issued with this credential.
    if let Some(unused) = ctx.used.iter().position(|u| !u) {
        return Err(VerifyError::UnreferencedDisclosure { index: unused + 1 });
    }
    Ok(Processed {
        payload: out,
        disclosed: ctx.disclosed,
    })
}

impl<'a> Context<'a> {
    fn object(
        &mut self,
        map: &'a Map<String, Value>,
        path: &ClaimPath,
        depth: usize,
        parent: Option<usize>,
    ) -> Result<Map<String, Value>, VerifyError> {
        if depth > self.max_depth {
            return Err(VerifyError::TooDeep {
                max: self.max_depth,
            });
        }
        let mut out = Map::new();
        let mut sd = None;
        for (key, value) in map {
            match key.as_str() {
                "_sd" => sd = Some(value),
                "..." => {
                    return Err(VerifyError::EllipsisMisuse {
                        path: path.to_string(),
                        reason: "it may only be the single key of an array element",
                    });
                }
                _ => {
                    let v = self.value(value, &path.key(key), depth + 1, parent)?;
                    out.insert(key.clone(), v);
                }
            }
        }
        let Some(sd) = sd else {
            return Ok(out);
        };
        let Value::Array(digests) = sd else {
            return Err(VerifyError::SdMisuse {
                path: path.to_string(),
            });
        };
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(VerifyError::SdMisuse {
                    path: path.to_string(),
                });
            };
            // Step 3.3: a digest with no disclosure is a decoy or a claim kept back.
            let Some(index) = self.claim_digest(digest)? else {
                continue;
            };
            let disclosure = &self.disclosures[index];
            let Some(name) = disclosure.name() else {
                return Err(VerifyError::ObjectDisclosureExpected {
                    index: index + 1,
                    path: path.to_string(),
                });
            };
            if out.contains_key(name) {
                return Err(VerifyError::ClaimNameCollision {
                    index: index + 1,
                    name: name.to_owned(),
                    path: path.to_string(),
                });
            }
            let claim_path = path.key(name);
            let v = self.value(disclosure.value(), &claim_path, depth + 1, Some(index))?;
            out.insert(name.to_owned(), v);
            self.disclosed.push(DisclosedClaim {
                path: claim_path,
                disclosure: index,
                parent,
            });
        }
        Ok(out)
    }

    fn array(
        &mut self,
        items: &'a [Value],
        path: &ClaimPath,
        depth: usize,
        parent: Option<usize>,
    ) -> Result<Vec<Value>, VerifyError> {
        if depth > self.max_depth {
            return Err(VerifyError::TooDeep {
                max: self.max_depth,
            });
        }
        let mut out = Vec::with_capacity(items.len());
        for (position, item) in items.iter().enumerate() {
            let element_path = path.index(position);
            let placeholder = match item {
                Value::Object(map) if map.len() == 1 => map.get("..."),
                _ => None,
            };
            let Some(digest) = placeholder else {
                out.push(self.value(item, &element_path, depth + 1, parent)?);
                continue;
            };
            let Value::String(digest) = digest else {
                return Err(VerifyError::EllipsisMisuse {
                    path: element_path.to_string(),
                    reason: "its value must be a digest string",
                });
            };
            // Step 3.6: an element whose digest has no disclosure is removed.
            let Some(index) = self.claim_digest(digest)? else {
                continue;
            };
            let disclosure = &self.disclosures[index];
            if disclosure.name().is_some() {
                return Err(VerifyError::ArrayDisclosureExpected {
                    index: index + 1,
                    path: element_path.to_string(),
                });
            }
            out.push(self.value(disclosure.value(), &element_path, depth + 1, Some(index))?);
            self.disclosed.push(DisclosedClaim {
                path: element_path,
                disclosure: index,
                parent,
            });
        }
        Ok(out)
    }

    fn value(
        &mut self,
        value: &'a Value,
        path: &ClaimPath,
        depth: usize,
        parent: Option<usize>,
    ) -> Result<Value, VerifyError> {
        Ok(match value {
            Value::Object(map) => Value::Object(self.object(map, path, depth, parent)?),
            Value::Array(items) => Value::Array(self.array(items, path, depth, parent)?),
            other => other.clone(),
        })
    }

    /// Records an embedded digest, refusing one seen before (step 4), and returns the
    /// disclosure it points at, if one was sent.
    fn claim_digest(&mut self, digest: &'a str) -> Result<Option<usize>, VerifyError> {
        if !self.seen_digests.insert(digest) {
            return Err(VerifyError::DuplicateDigest {
                digest: digest.to_owned(),
            });
        }
        let index = self.by_digest.get(digest).copied();
        if let Some(i) = index {
            self.used[i] = true;
        }
        Ok(index)
    }
}
