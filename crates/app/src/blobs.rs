//! Uploaded files: stored content-addressed (SHA-256) behind [`BlobStore`], by default on the
//! filesystem under the data directory; the type is read from the content, never the name.

use std::path::PathBuf;

/// What a file is, judged by its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    /// A PDF declaring PDF/A conformance in its metadata.
    PdfA,
    Jpeg,
    Png,
    /// A CAdES signed envelope (PKCS#7 SignedData, DER): the usual `.p7m`.
    P7m,
}

impl FileKind {
    /// The catalogue's name for the kind, as in a field's `accept`.
    pub fn accept_name(self) -> &'static str {
        match self {
            FileKind::Pdf | FileKind::PdfA => "pdf",
            FileKind::Jpeg => "jpeg",
            FileKind::Png => "png",
            FileKind::P7m => "p7m",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            FileKind::Pdf | FileKind::PdfA => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::P7m => "application/pkcs7-mime",
        }
    }
}

/// Why a file is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FileRefusal {
    #[error("empty file")]
    Empty,
    #[error("unknown or unaccepted file type")]
    UnknownType,
    #[error("truncated or corrupted file")]
    Corrupted,
}

/// The PKCS#7 signedData object identifier (1.2.840.113549.1.7.2), DER-encoded.
const SIGNED_DATA_OID: [u8; 11] = [
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Reads the kind of a file from its bytes, and checks that it is whole.
pub fn sniff(bytes: &[u8]) -> Result<FileKind, FileRefusal> {
    if bytes.is_empty() {
        return Err(FileRefusal::Empty);
    }
    let tail = bytes
        .get(bytes.len().saturating_sub(1024)..)
        .unwrap_or_default();
    if bytes.starts_with(b"%PDF-") {
        if !contains(tail, b"%%EOF") {
            return Err(FileRefusal::Corrupted);
        }
        return Ok(if contains(bytes, b"pdfaid:part") {
            FileKind::PdfA
        } else {
            FileKind::Pdf
        });
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return if bytes.ends_with(&[0xFF, 0xD9]) {
            Ok(FileKind::Jpeg)
        } else {
            Err(FileRefusal::Corrupted)
        };
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return if contains(tail, b"IEND") {
            Ok(FileKind::Png)
        } else {
            Err(FileRefusal::Corrupted)
        };
    }
    let head = bytes.get(..bytes.len().min(64)).unwrap_or_default();
    if bytes.first() == Some(&0x30) && contains(head, &SIGNED_DATA_OID) {
        return Ok(FileKind::P7m);
    }
    Err(FileRefusal::UnknownType)
}

pub use crate::crypto::sha256_hex;

/// Where file contents live. Writes are idempotent: the same bytes have the same name.
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores the bytes durably and returns their SHA-256 (hex).
    fn put(&self, bytes: &[u8]) -> std::io::Result<String>;
    fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>>;
}

/// Files under a directory: `ab/cd/abcd…` by SHA-256.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path(&self, sha256: &str) -> Option<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(
            self.root
                .join(sha256.get(..2)?)
                .join(sha256.get(2..4)?)
                .join(sha256),
        )
    }
}

impl BlobStore for FsBlobStore {
    fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        use std::io::Write;
        let digest = sha256_hex(bytes);
        let path = self
            .path(&digest)
            .ok_or_else(|| std::io::Error::other("bad digest"))?;
        if path.exists() {
            return Ok(digest);
        }
        let dir = path
            .parent()
            .ok_or_else(|| std::io::Error::other("no parent"))?;
        std::fs::create_dir_all(dir)?;
        // Write aside, flush to disk, then rename: a reader never sees half a file.
        let temp = dir.join(format!(".{digest}.{}", std::process::id()));
        let mut f = std::fs::File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&temp, &path)?;
        Ok(digest)
    }

    fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path = self
            .path(sha256)
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
        let bytes = std::fs::read(path)?;
        if sha256_hex(&bytes) != sha256 {
            return Err(std::io::Error::other(
                "stored file does not match its digest",
            ));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

    #[test]
    fn kinds_by_content() {
        assert_eq!(sniff(PDF), Ok(FileKind::Pdf));
        assert_eq!(
            sniff(b"%PDF-1.7 <x:xmpmeta><pdfaid:part>2</pdfaid:part> %%EOF"),
            Ok(FileKind::PdfA)
        );
        assert_eq!(sniff(b"%PDF-1.4 truncated"), Err(FileRefusal::Corrupted));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0xFF, 0xD9]),
            Ok(FileKind::Jpeg)
        );
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Err(FileRefusal::Corrupted)
        );
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        png.extend_from_slice(b"....IEND\xAE\x42\x60\x82");
        assert_eq!(sniff(&png), Ok(FileKind::Png));
        let mut p7m = vec![0x30, 0x80];
        p7m.extend_from_slice(&SIGNED_DATA_OID);
        p7m.extend_from_slice(&[0xA0, 0x80]);
        assert_eq!(sniff(&p7m), Ok(FileKind::P7m));
        assert_eq!(
            sniff(b"MZ\x90\x00 an executable named planimetria.pdf"),
            Err(FileRefusal::UnknownType)
        );
        assert_eq!(sniff(b""), Err(FileRefusal::Empty));
    }

    #[test]
    fn blobs_round_trip_by_digest() {
        let dir = std::env::temp_dir().join(format!("sportello-blobs-{}", std::process::id()));
        let store = FsBlobStore::new(dir.clone());
        let digest = store.put(PDF).unwrap();
        assert_eq!(digest, sha256_hex(PDF));
        assert_eq!(store.put(PDF).unwrap(), digest, "idempotent");
        assert_eq!(store.get(&digest).unwrap(), PDF);
        assert!(store.get("../../etc/passwd").is_err());
        assert!(store.get(&"0".repeat(64)).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
