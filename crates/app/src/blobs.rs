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

/// A file name as a person gave it, kept for showing: the last path segment, no control
/// characters, at most 120 characters; `fallback` when nothing is left.
pub fn clean_file_name(name: &str, fallback: &str) -> String {
    let clean: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    if clean.is_empty() {
        fallback.to_owned()
    } else {
        clean
    }
}

/// How much of a file's start and end the kind is read from.
const HEAD: usize = 64;
const TAIL: usize = 1024;
/// The PDF/A identification schema in a PDF's XMP metadata.
const PDFA_MARK: &[u8] = b"pdfaid:part";

/// Reads a file's kind as its bytes arrive, in one pass whatever its size: the first bytes,
/// the last kilobyte, and whether the PDF/A mark appears anywhere (across chunk boundaries).
#[derive(Debug, Default, Clone)]
pub struct Sniffer {
    head: Vec<u8>,
    tail: Vec<u8>,
    /// The last bytes seen, so a mark split between two chunks is still found.
    carry: Vec<u8>,
    pdfa: bool,
    size: u64,
}

impl Sniffer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        self.size = self
            .size
            .saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        let room = HEAD.saturating_sub(self.head.len());
        self.head
            .extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
        // The mark may straddle pieces: look in what was carried with the new piece's start,
        // then in the piece; carry the stream's last bytes (one less than the mark) onward.
        let keep = PDFA_MARK.len().saturating_sub(1);
        let mut seam = std::mem::take(&mut self.carry);
        seam.extend_from_slice(chunk.get(..keep.min(chunk.len())).unwrap_or_default());
        if !self.pdfa {
            self.pdfa = contains(&seam, PDFA_MARK) || contains(chunk, PDFA_MARK);
        }
        if chunk.len() >= keep {
            self.carry = chunk.get(chunk.len() - keep..).unwrap_or_default().to_vec();
        } else {
            let over = seam.len().saturating_sub(keep);
            seam.drain(..over);
            self.carry = seam;
        }
        if chunk.len() >= TAIL {
            self.tail = chunk.get(chunk.len() - TAIL..).unwrap_or_default().to_vec();
        } else {
            self.tail.extend_from_slice(chunk);
            let over = self.tail.len().saturating_sub(TAIL);
            self.tail.drain(..over);
        }
    }

    /// The kind of the whole file fed so far, and whether it is whole.
    pub fn finish(&self) -> Result<FileKind, FileRefusal> {
        let (head, tail) = (self.head.as_slice(), self.tail.as_slice());
        if self.size == 0 {
            return Err(FileRefusal::Empty);
        }
        if head.starts_with(b"%PDF-") {
            if !contains(tail, b"%%EOF") {
                return Err(FileRefusal::Corrupted);
            }
            return Ok(if self.pdfa {
                FileKind::PdfA
            } else {
                FileKind::Pdf
            });
        }
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return if tail.ends_with(&[0xFF, 0xD9]) {
                Ok(FileKind::Jpeg)
            } else {
                Err(FileRefusal::Corrupted)
            };
        }
        if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            return if contains(tail, b"IEND") {
                Ok(FileKind::Png)
            } else {
                Err(FileRefusal::Corrupted)
            };
        }
        if head.first() == Some(&0x30) && contains(head, &SIGNED_DATA_OID) {
            return Ok(FileKind::P7m);
        }
        Err(FileRefusal::UnknownType)
    }
}

/// Reads the kind of a file from its bytes, and checks that it is whole.
pub fn sniff(bytes: &[u8]) -> Result<FileKind, FileRefusal> {
    let mut sniffer = Sniffer::new();
    sniffer.feed(bytes);
    sniffer.finish()
}

/// A file received and written aside under the blob store's `incoming/` folder as it arrived:
/// its size, digest and kind were read on the way, so no one holds it in memory. Clones share
/// the file; the last one dropped removes it. [`BlobStore::keep`] files it by digest.
#[derive(Debug, Clone)]
pub struct Upload(std::sync::Arc<Received>);

#[derive(Debug)]
struct Received {
    path: PathBuf,
    size: u64,
    sha256: String,
    kind: Result<FileKind, FileRefusal>,
}

impl Drop for Received {
    fn drop(&mut self) {
        // Filed or not, the copy aside goes (the store keeps its own link).
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Two received files are equal when their contents are (same digest).
impl PartialEq for Upload {
    fn eq(&self, other: &Self) -> bool {
        self.sha256() == other.sha256() && self.size() == other.size()
    }
}

impl Eq for Upload {}

impl Upload {
    pub fn size(&self) -> u64 {
        self.0.size
    }

    pub fn sha256(&self) -> &str {
        &self.0.sha256
    }

    /// The file's kind, read from its content, or why it is refused.
    pub fn kind(&self) -> Result<FileKind, FileRefusal> {
        self.0.kind
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        &self.0.path
    }
}

/// Why a file could not be received.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("over {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("writing the file aside: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes a file aside as it arrives, reading its size, digest and kind on the way.
#[derive(Debug)]
pub struct UploadWriter {
    file: tokio::fs::File,
    path: Option<PathBuf>,
    hasher: sha2::Sha256,
    sniffer: Sniffer,
    size: u64,
    limit: u64,
}

impl UploadWriter {
    /// A new file aside in `dir` (created if missing), of at most `limit` bytes. The name is
    /// random and created exclusively: two writers never share a file.
    pub async fn create(dir: &std::path::Path, limit: u64) -> Result<Self, ReceiveError> {
        tokio::fs::create_dir_all(dir).await?;
        let path = dir.join(format!(".upload-{}", crate::crypto::random_token(16)));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok(Self {
            file,
            path: Some(path),
            hasher: sha2::Digest::new(),
            sniffer: Sniffer::new(),
            size: 0,
            limit,
        })
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), ReceiveError> {
        use tokio::io::AsyncWriteExt;
        let size = self
            .size
            .checked_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX))
            .filter(|s| *s <= self.limit)
            .ok_or(ReceiveError::TooLarge { limit: self.limit })?;
        self.file.write_all(chunk).await?;
        sha2::Digest::update(&mut self.hasher, chunk);
        self.sniffer.feed(chunk);
        self.size = size;
        Ok(())
    }

    /// The file, flushed to disk.
    pub async fn finish(mut self) -> Result<Upload, ReceiveError> {
        use tokio::io::AsyncWriteExt;
        self.file.flush().await?;
        self.file.sync_data().await?;
        let path = self.path.take().unwrap_or_default();
        Ok(Upload(std::sync::Arc::new(Received {
            path,
            size: self.size,
            sha256: crate::crypto::hex(&sha2::Digest::finalize(std::mem::take(&mut self.hasher))),
            kind: self.sniffer.finish(),
        })))
    }
}

impl Drop for UploadWriter {
    fn drop(&mut self) {
        // Not finished (refused, cut off): nothing of it stays.
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Removes files left aside by a process that stopped while receiving them: those older
/// than an hour (another process may be receiving the newer ones).
pub fn sweep_incoming(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|at| at < hour_ago);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

pub use crate::crypto::sha256_hex;

/// What a blob store's operation gives back, later.
pub type BlobFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<T>> + Send + 'a>>;

/// Where file contents live. Writes are idempotent: the same bytes have the same name, and a
/// write has returned only once the bytes are durable. Two stores: the filesystem under the
/// data directory (the embedded default, [`FsBlobStore`]) and S3-compatible object storage
/// shared by several processes ([`crate::s3::S3BlobStore`]).
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores the bytes durably and returns their SHA-256 (hex).
    fn put(&self, bytes: Vec<u8>) -> BlobFuture<'_, String>;
    /// Stores a received file without reading it into memory; returns its SHA-256.
    fn keep<'a>(&'a self, upload: &'a Upload) -> BlobFuture<'a, String>;
    /// The bytes stored under `sha256`, checked against it.
    fn get<'a>(&'a self, sha256: &'a str) -> BlobFuture<'a, Vec<u8>>;
    /// Whether a file is stored under `sha256` (without reading it).
    fn exists<'a>(&'a self, sha256: &'a str) -> BlobFuture<'a, bool>;
    /// Where received files are written aside: on the store's own filesystem for
    /// [`FsBlobStore`] (so keeping one is a link, not a copy); a local folder for S3.
    fn incoming(&self) -> PathBuf;
}

/// A stored file that could not be read, for the use cases: missing is not found; anything
/// else (storage down, a file damaged) is the service's fault, never a silent 404.
pub fn read_error(e: std::io::Error) -> crate::AppError {
    if e.kind() == std::io::ErrorKind::NotFound {
        crate::AppError::NotFound
    } else {
        crate::AppError::Internal(format!("blob store: {e}"))
    }
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

/// Makes a new name in `dir` durable (the rename or link itself, not only the file's bytes).
fn sync_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// After renaming a file written aside into its place: durable if it went, and success too if
/// it did not because another writer of the same bytes put them there first.
fn settle(
    renamed: std::io::Result<()>,
    temp: &std::path::Path,
    path: &std::path::Path,
    dir: &std::path::Path,
) -> std::io::Result<()> {
    match renamed {
        Ok(()) => sync_dir(dir),
        Err(_) if path.exists() => {
            let _ = std::fs::remove_file(temp);
            Ok(())
        }
        Err(e) => Err(e),
    }
}

impl FsBlobStore {
    /// Where a digest's file goes and its folder (made), or `None` when the file is there.
    fn place(&self, digest: &str) -> std::io::Result<Option<(PathBuf, PathBuf)>> {
        let path = self
            .path(digest)
            .ok_or_else(|| std::io::Error::other("bad digest"))?;
        if path.exists() {
            return Ok(None);
        }
        let dir = path
            .parent()
            .ok_or_else(|| std::io::Error::other("no parent"))?
            .to_path_buf();
        std::fs::create_dir_all(&dir)?;
        Ok(Some((path, dir)))
    }
}

impl FsBlobStore {
    /// [`BlobStore::put`], on the calling thread (which may block on the disk).
    pub fn put_now(&self, bytes: &[u8]) -> std::io::Result<String> {
        use std::io::Write;
        let digest = sha256_hex(bytes);
        let Some((path, dir)) = self.place(&digest)? else {
            return Ok(digest);
        };
        // Write aside, flush to disk, then rename: a reader never sees half a file. The name
        // aside is random: two writers of the same bytes never write one file at once.
        let temp = dir.join(format!(".{digest}.{}", crate::crypto::random_token(12)));
        let mut f = std::fs::File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        settle(std::fs::rename(&temp, &path), &temp, &path, &dir)?;
        Ok(digest)
    }

    /// [`BlobStore::keep`], on the calling thread.
    pub fn keep_now(&self, upload: &Upload) -> std::io::Result<String> {
        let digest = upload.sha256().to_owned();
        let Some((path, dir)) = self.place(&digest)? else {
            return Ok(digest);
        };
        // A second name for the file written aside (already on disk, flushed): no copy. Where
        // links are not possible, a copy aside and a rename.
        match std::fs::hard_link(upload.path(), &path) {
            Ok(()) => sync_dir(&dir)?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(_) => {
                let temp = dir.join(format!(".{digest}.{}", crate::crypto::random_token(12)));
                std::fs::copy(upload.path(), &temp)?;
                std::fs::File::open(&temp)?.sync_all()?;
                settle(std::fs::rename(&temp, &path), &temp, &path, &dir)?;
            }
        }
        Ok(digest)
    }

    /// [`BlobStore::get`], on the calling thread.
    pub fn get_now(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
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

/// The filesystem's calls block: each runs on tokio's blocking threads.
impl BlobStore for FsBlobStore {
    fn put(&self, bytes: Vec<u8>) -> BlobFuture<'_, String> {
        let store = self.clone();
        Box::pin(blocking(move || store.put_now(&bytes)))
    }

    fn keep<'a>(&'a self, upload: &'a Upload) -> BlobFuture<'a, String> {
        let (store, upload) = (self.clone(), upload.clone());
        Box::pin(blocking(move || store.keep_now(&upload)))
    }

    fn get<'a>(&'a self, sha256: &'a str) -> BlobFuture<'a, Vec<u8>> {
        let (store, sha256) = (self.clone(), sha256.to_owned());
        Box::pin(blocking(move || store.get_now(&sha256)))
    }

    fn exists<'a>(&'a self, sha256: &'a str) -> BlobFuture<'a, bool> {
        let path = self.path(sha256);
        Box::pin(blocking(move || Ok(path.is_some_and(|p| p.is_file()))))
    }

    fn incoming(&self) -> PathBuf {
        self.root.join("incoming")
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(std::io::Error::other)?
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

    /// A file read in pieces of any size is judged as the whole file is: marks split between
    /// pieces, a tail that spans several.
    #[test]
    fn kinds_by_content_arriving_in_pieces() {
        let mut pdfa = b"%PDF-1.7 ".to_vec();
        pdfa.extend(std::iter::repeat_n(b'x', 5000));
        pdfa.extend_from_slice(b"<pdfaid:part>2</pdfaid:part>");
        pdfa.extend(std::iter::repeat_n(b'y', 3000));
        pdfa.extend_from_slice(b"%%EOF");
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg.extend(std::iter::repeat_n(0u8, 4000));
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        let mut truncated = b"%PDF-1.4 ".to_vec();
        truncated.extend(std::iter::repeat_n(b'z', 3000));
        for (bytes, kind) in [
            (pdfa.as_slice(), Ok(FileKind::PdfA)),
            (PDF, Ok(FileKind::Pdf)),
            (jpeg.as_slice(), Ok(FileKind::Jpeg)),
            (truncated.as_slice(), Err(FileRefusal::Corrupted)),
        ] {
            assert_eq!(sniff(bytes), kind);
            for piece in [1, 3, 7, 11, 64, 1000, 1024, 4096] {
                let mut s = Sniffer::new();
                for chunk in bytes.chunks(piece) {
                    s.feed(chunk);
                }
                assert_eq!(s.finish(), kind, "pieces of {piece}");
            }
        }
    }

    #[tokio::test]
    async fn uploads_are_written_aside_bounded_and_kept_by_link() {
        let root = std::env::temp_dir().join(format!(
            "sportello-uploads-{}",
            crate::crypto::random_token(6)
        ));
        let store = FsBlobStore::new(root.clone());
        let incoming = store.incoming();
        let aside = || std::fs::read_dir(&incoming).unwrap().count();
        // Over its limit: refused, and nothing stays aside.
        let mut w = UploadWriter::create(&incoming, 10).await.unwrap();
        w.write(b"%PDF-").await.unwrap();
        assert!(matches!(
            w.write(b"123456").await,
            Err(ReceiveError::TooLarge { limit: 10 })
        ));
        drop(w);
        assert_eq!(aside(), 0);
        // Received in pieces: size, digest and kind read on the way.
        let mut w = UploadWriter::create(&incoming, 1 << 20).await.unwrap();
        for chunk in PDF.chunks(5) {
            w.write(chunk).await.unwrap();
        }
        let upload = w.finish().await.unwrap();
        assert_eq!(upload.size(), PDF.len() as u64);
        assert_eq!(upload.sha256(), sha256_hex(PDF));
        assert_eq!(upload.kind(), Ok(FileKind::Pdf));
        assert_eq!(aside(), 1);
        // Kept: the store reads it back by digest; dropped: the copy aside goes.
        assert_eq!(store.keep_now(&upload).unwrap(), sha256_hex(PDF));
        assert_eq!(
            store.keep_now(&upload).unwrap(),
            sha256_hex(PDF),
            "idempotent"
        );
        let copy = upload.clone();
        drop(upload);
        assert_eq!(aside(), 1, "a clone still holds it");
        drop(copy);
        assert_eq!(aside(), 0);
        assert_eq!(store.get_now(&sha256_hex(PDF)).unwrap(), PDF);
        std::fs::remove_dir_all(root).unwrap();
    }

    /// Writers of the same bytes at once all succeed (they used to share a temporary name).
    #[test]
    fn the_same_file_stored_at_once_by_many_writers() {
        let dir = std::env::temp_dir().join(format!(
            "sportello-blobs-{}",
            crate::crypto::random_token(6)
        ));
        let store = std::sync::Arc::new(FsBlobStore::new(dir.clone()));
        let bytes: Vec<u8> = PDF.iter().copied().cycle().take(256 * 1024).collect();
        let writers: Vec<_> = (0..16)
            .map(|_| {
                let (store, bytes) = (store.clone(), bytes.clone());
                std::thread::spawn(move || store.put_now(&bytes))
            })
            .collect();
        for w in writers {
            assert_eq!(w.join().unwrap().unwrap(), sha256_hex(&bytes));
        }
        assert_eq!(store.get_now(&sha256_hex(&bytes)).unwrap(), bytes);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn blobs_round_trip_by_digest() {
        let dir = std::env::temp_dir().join(format!("sportello-blobs-{}", std::process::id()));
        let store = FsBlobStore::new(dir.clone());
        let digest = store.put_now(PDF).unwrap();
        assert_eq!(digest, sha256_hex(PDF));
        assert_eq!(store.put_now(PDF).unwrap(), digest, "idempotent");
        assert_eq!(store.get_now(&digest).unwrap(), PDF);
        assert!(store.get_now("../../etc/passwd").is_err());
        assert!(store.get_now(&"0".repeat(64)).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
