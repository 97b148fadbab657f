//! The JWS JSON serialization of SD-JWT (RFC 9901 §8), read into the compact form.
//!
//! The flattened form carries one signature; the general form may carry several. The
//! disclosures and the KB-JWT travel in the unprotected header of one signature, and
//! RFC 9901 §8.1 computes `sd_hash` over the compact form built from that signature. So
//! converting to `<protected>.<payload>.<signature>~<disclosure>~…~[<KB-JWT>]` lets the
//! one verifier handle both. Of a general form only the signature that carries the
//! disclosures (or else the first) is kept and verified; a verifier that needs every
//! co-signature checked must do so separately.

use serde_json::Value;

use crate::error::VerifyError;

/// Converts an SD-JWT in JWS JSON serialization (flattened or general) to the compact
/// serialization, for [`crate::verify`]. `max_bytes` is checked before parsing.
pub fn compact_from_json(text: &str, max_bytes: usize) -> Result<String, VerifyError> {
    if text.len() > max_bytes {
        return Err(VerifyError::TooLarge {
            size: text.len(),
            max: max_bytes,
        });
    }
    let bad = |reason: &'static str| VerifyError::JsonSerialization { reason };
    let json: Value = serde_json::from_str(text).map_err(|_| bad("it is not JSON"))?;
    let payload = json
        .get("payload")
        .and_then(Value::as_str)
        .ok_or(bad("\"payload\" must be a string"))?;
    let signature = match json.get("signatures") {
        None => &json,
        Some(Value::Array(signatures)) => signatures
            .iter()
            .find(|s| s.pointer("/header/disclosures").is_some())
            .or_else(|| signatures.first())
            .ok_or(bad("\"signatures\" is empty"))?,
        Some(_) => return Err(bad("\"signatures\" must be an array")),
    };
    let protected = signature
        .get("protected")
        .and_then(Value::as_str)
        .ok_or(bad("\"protected\" must be a string"))?;
    let sig = signature
        .get("signature")
        .and_then(Value::as_str)
        .ok_or(bad("\"signature\" must be a string"))?;
    let header = signature.get("header");
    let mut out = format!("{protected}.{payload}.{sig}~");
    if let Some(disclosures) = header.and_then(|h| h.get("disclosures")) {
        let disclosures = disclosures
            .as_array()
            .ok_or(bad("\"disclosures\" must be an array"))?;
        for d in disclosures {
            out.push_str(d.as_str().ok_or(bad("each disclosure must be a string"))?);
            out.push('~');
        }
    }
    if let Some(kb) = header.and_then(|h| h.get("kb_jwt")) {
        out.push_str(kb.as_str().ok_or(bad("\"kb_jwt\" must be a string"))?);
    }
    Ok(out)
}
