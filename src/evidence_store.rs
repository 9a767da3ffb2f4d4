//! Where the bytes of evidence live: an object store (a local directory by default, S3 in a
//! deployment), one object per SHA-256, so that the same bytes are stored once however often
//! they are uploaded.

use std::io::SeekFrom;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::error::{AppError, AppResult};

/// Parts are sent in chunks of this size (S3's smallest part is 5 MiB).
const PART_BYTES: usize = 5 * 1024 * 1024;
/// Reads from the uploaded file this much at a time.
const READ_BYTES: usize = 256 * 1024;

#[derive(Clone, Debug)]
pub struct EvidenceStore {
    store: Arc<dyn ObjectStore>,
}

/// `sha256/ab/cd/abcd…`: two levels of fan-out keep directories small.
fn location(sha256: &str) -> Path {
    Path::from(format!("sha256/{}/{}/{sha256}", &sha256[0..2], &sha256[2..4]))
}

impl EvidenceStore {
    /// Opens the store named by `RECTIFY_EVIDENCE_STORE`: `file://DIR` (relative or absolute;
    /// created when missing) or, in a build with the `s3` feature, `s3://bucket/prefix` with
    /// credentials and region from the usual `AWS_*` variables.
    pub fn open(url: &str) -> anyhow::Result<Self> {
        if let Some(dir) = url.strip_prefix("file://") {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create the evidence directory {dir}"))?;
            // fsync: an upload that was answered must survive a power cut.
            let local = LocalFileSystem::new_with_prefix(dir)
                .with_context(|| format!("cannot open the evidence directory {dir}"))?
                .with_fsync(true)
                .with_automatic_cleanup(true);
            return Ok(Self { store: Arc::new(local) });
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            return Self::open_s3(rest);
        }
        anyhow::bail!("RECTIFY_EVIDENCE_STORE must be file://DIR or s3://bucket/prefix, not `{url}`")
    }

    #[cfg(feature = "s3")]
    fn open_s3(bucket_and_prefix: &str) -> anyhow::Result<Self> {
        let (bucket, prefix) = bucket_and_prefix.split_once('/').unwrap_or((bucket_and_prefix, ""));
        let s3 = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .context("cannot configure the S3 evidence store")?;
        let store: Arc<dyn ObjectStore> = if prefix.trim_matches('/').is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.trim_matches('/')))
        };
        Ok(Self { store })
    }

    #[cfg(not(feature = "s3"))]
    fn open_s3(_: &str) -> anyhow::Result<Self> {
        anyhow::bail!("this build has no S3 support: build with `cargo build --release --features s3`")
    }

    /// Stores the file's bytes under their hash, unless they are there already. The file is
    /// sent in parts as it is read, so memory does not grow with its size.
    pub async fn put_file(&self, sha256: &str, file: std::fs::File) -> AppResult<()> {
        let location = location(sha256);
        match self.store.head(&location).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(AppError::internal(error)),
        }
        let mut file = tokio::fs::File::from_std(file);
        file.seek(SeekFrom::Start(0)).await.map_err(AppError::internal)?;
        let upload = self.store.put_multipart(&location).await.map_err(AppError::internal)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buffer = vec![0; READ_BYTES];
        loop {
            let read = match file.read(&mut buffer).await {
                Ok(read) => read,
                Err(error) => {
                    let _ = writer.abort().await;
                    return Err(AppError::internal(error));
                }
            };
            if read == 0 {
                break;
            }
            if let Err(error) = writer.wait_for_capacity(4).await {
                return Err(AppError::internal(error));
            }
            writer.write(&buffer[..read]);
        }
        writer.finish().await.map_err(AppError::internal)?;
        Ok(())
    }

    /// The stored bytes, as a stream.
    pub async fn read(&self, sha256: &str) -> AppResult<BoxStream<'static, std::io::Result<Bytes>>> {
        let found = self.store.get(&location(sha256)).await.map_err(AppError::internal)?;
        Ok(found.into_stream().map_err(std::io::Error::other).boxed())
    }
}
