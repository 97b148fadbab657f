//! Uploaded materials, stored content-addressed on local disk: `<dir>/sha256/ab/<hex>`.
//! A file is checked before anything is stored — its size, and its type by its first
//! bytes (not by its name) — and the name's extension must agree with what the bytes are.

use crate::access::{Action, Resource};
use crate::clock::to_ms;
use crate::error::{CoreError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use crate::store::Val;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The largest file accepted, in bytes (10 MiB).
pub const UPLOAD_MAX_BYTES: usize = 10 * 1024 * 1024;

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredUpload {
    /// `sha256:<hex>`.
    pub hash: String,
    /// The name it was uploaded with.
    pub file_name: String,
    /// The type found in its bytes, e.g. `application/pdf`.
    pub media_type: String,
    /// Its size in bytes.
    pub size: i64,
}

/// The file types accepted: (extension, media type, how the file starts).
const TYPES: [(&str, &str, &[u8]); 6] = [
    ("pdf", "application/pdf", b"%PDF-"),
    ("jpg", "image/jpeg", &[0xFF, 0xD8, 0xFF]),
    ("jpeg", "image/jpeg", &[0xFF, 0xD8, 0xFF]),
    (
        "png",
        "image/png",
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
    ),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
    ),
];

/// The extensions accepted anywhere.
pub fn accepted_extensions() -> Vec<&'static str> {
    TYPES.iter().map(|t| t.0).collect()
}

/// Checks a file's size and type; returns its media type. `formats` are the extensions
/// the material accepts (empty: any accepted type).
pub fn check_file(file_name: &str, bytes: &[u8], formats: &[String]) -> Result<&'static str> {
    if bytes.is_empty() {
        return Err(CoreError::invalid(
            "upload.empty",
            "The file is empty. Choose the file again.",
        ));
    }
    if bytes.len() > UPLOAD_MAX_BYTES {
        return Err(CoreError::too_large(format!(
            "The file is {:.1} MiB; the largest accepted is {} MiB. Make it smaller (scan at a lower resolution, or split it) and upload again.",
            bytes.len() as f64 / 1048576.0,
            UPLOAD_MAX_BYTES / 1048576
        )));
    }
    let ext = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let allowed: Vec<String> = if formats.is_empty() {
        accepted_extensions()
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        formats.iter().map(|f| f.to_ascii_lowercase()).collect()
    };
    let listed = allowed
        .iter()
        .any(|a| *a == ext || (a == "jpg" && ext == "jpeg"));
    let Some((_, media, magic)) = TYPES.iter().find(|t| t.0 == ext) else {
        return Err(CoreError::invalid(
            "upload.type.refused",
            format!(
                "Files of type `.{ext}` are not accepted here. Accepted: {}.",
                allowed.join(", ")
            ),
        ));
    };
    if !listed {
        return Err(CoreError::invalid(
            "upload.type.refused",
            format!(
                "This material accepts {} files, not `.{ext}`.",
                allowed.join(", ")
            ),
        ));
    }
    if !bytes.starts_with(magic) {
        return Err(CoreError::invalid(
            "upload.type.mismatch",
            format!(
                "The file is named `.{ext}` but its contents are not a {ext} file. Save it as {ext} again and upload it."
            ),
        ));
    }
    Ok(media)
}

fn path_of(dir: &Path, hex: &str) -> PathBuf {
    dir.join("sha256").join(&hex[..2]).join(hex)
}

/// Writes the bytes under their hash, durably; an existing file of that hash is kept.
fn put(dir: &Path, hex: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = path_of(dir, hex);
    if path.exists() {
        return Ok(());
    }
    let parent = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(".{hex}.partial"));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)
}

impl Platform {
    /// Stores an uploaded file for the caller's application. Nothing is stored when the
    /// file is refused.
    pub async fn upload_file(
        &self,
        who: &Principal,
        file_name: &str,
        bytes: Vec<u8>,
        formats: &[String],
    ) -> Result<StoredUpload> {
        self.access()
            .check(Some(who), Action::CaseApply, Resource::Platform)?;
        let Some(dir) = self.inner.cases.files_dir.clone() else {
            return Err(CoreError::invalid(
                "upload.disabled",
                "This installation has no folder for uploaded files; start govops with --data-dir.",
            ));
        };
        let file_name: String = file_name
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(200)
            .collect();
        let media = check_file(&file_name, &bytes, formats)?;
        let hex = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len() as i64;
        {
            let hex = hex.clone();
            tokio::task::spawn_blocking(move || put(&dir, &hex, &bytes))
                .await
                .map_err(|e| CoreError::internal(format!("upload task: {e}")))?
                .map_err(|e| CoreError::internal(format!("storing an upload: {e}")))?;
        }
        let upload = StoredUpload {
            hash: format!("sha256:{hex}"),
            file_name,
            media_type: media.to_owned(),
            size,
        };
        let row = upload.clone();
        let account = who.account_id.clone();
        let actor = who.actor();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now_ms = to_ms(tx.now());
                    let sql = "INSERT INTO uploads (hash, account_id, file_name, media_type, size, created_ms) \
                               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash, account_id) DO UPDATE SET file_name = excluded.file_name";
                    tx.execute(
                        sql,
                        &[
                            Val::from(&row.hash),
                            Val::from(account),
                            Val::from(&row.file_name),
                            Val::from(&row.media_type),
                            Val::Int(row.size),
                            Val::Int(now_ms),
                        ],
                    )
                    .await?;
                    tx.journal(
                        &actor,
                        "upload.stored",
                        &format!("upload:{}", row.hash),
                        json!({ "file_name": row.file_name, "media_type": row.media_type, "size": row.size }),
                    )?;
                    Ok(())
                })
            })
            .await?;
        Ok(upload)
    }

    /// The bytes of an upload, for its uploader or an official working on a case that
    /// names it. The caller has checked that access.
    pub(crate) async fn read_upload(&self, hash: &str) -> Result<Vec<u8>> {
        let Some(dir) = self.inner.cases.files_dir.clone() else {
            return Err(CoreError::not_found("upload.not_found", "No such file."));
        };
        let hex = hash.strip_prefix("sha256:").unwrap_or(hash).to_owned();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CoreError::not_found("upload.not_found", "No such file."));
        }
        tokio::task::spawn_blocking(move || std::fs::read(path_of(&dir, &hex)))
            .await
            .map_err(|e| CoreError::internal(format!("upload task: {e}")))?
            .map_err(|_| CoreError::not_found("upload.not_found", "No such file."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_checked_by_their_bytes() {
        let pdf = b"%PDF-1.7 ...".to_vec();
        assert_eq!(
            check_file("plan.pdf", &pdf, &[]).unwrap(),
            "application/pdf"
        );
        let e = check_file("plan.jpg", &pdf, &["jpg".into(), "pdf".into()]).unwrap_err();
        assert_eq!(e.code, "upload.type.mismatch");
        let e = check_file("plan.pdf", &pdf, &["jpg".into()]).unwrap_err();
        assert_eq!(e.code, "upload.type.refused");
        let e = check_file("run.exe", b"MZ....", &[]).unwrap_err();
        assert_eq!(e.code, "upload.type.refused");
        let e = check_file("a.pdf", &[], &[]).unwrap_err();
        assert_eq!(e.code, "upload.empty");
        let mut big = b"%PDF-".to_vec();
        big.resize(UPLOAD_MAX_BYTES + 1, 0);
        let e = check_file("big.pdf", &big, &[]).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::TooLarge);
    }
}
