//! Writing a pack: file by file, row by row, hashing as it goes, into a zip archive on
//! an unlinked temporary file (or into nothing, when only the summary is wanted).
//!
//! Rows come from async queries; the zip is written by a blocking thread fed through
//! a bounded channel, so neither the rows nor the archive are ever held in memory
//! whole, and compressing never stalls the async runtime.

use std::io::{BufWriter, Seek, SeekFrom, Write};

use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use zip::{CompressionMethod, ZipWriter, write::SimpleFileOptions};

use super::model::FileEntry;
use super::{Error, Result};

/// Bytes gathered before they are handed to the zip thread.
const CHUNK: usize = 64 * 1024;
/// Chunks in flight between the rows and the zip thread: the memory bound.
const IN_FLIGHT: usize = 8;

enum Msg {
    Begin(String),
    Data(Vec<u8>),
}

enum Target {
    /// Count and hash only (the summary page).
    Nothing,
    Zip {
        tx: mpsc::Sender<Msg>,
        thread: tokio::task::JoinHandle<std::io::Result<std::fs::File>>,
    },
}

struct Current {
    path: String,
    sha: Sha256,
    bytes: u64,
    lines: u64,
    rows: u64,
    buf: Vec<u8>,
}

/// A pack being written.
pub struct PackWriter {
    target: Target,
    current: Option<Current>,
    files: Vec<FileEntry>,
}

/// A finished archive: the file (at its start) and its size.
#[derive(Debug)]
pub struct Archive {
    pub file: std::fs::File,
    pub bytes: u64,
}

impl PackWriter {
    /// A writer that only counts and hashes.
    pub fn counting() -> Self {
        Self {
            target: Target::Nothing,
            current: None,
            files: Vec::new(),
        }
    }

    /// A writer into a zip archive on a temporary file that is already unlinked: it
    /// disappears when the last handle closes, whatever happens to the request.
    pub fn zip() -> Result<Self> {
        let file = tempfile::tempfile().map_err(Error::Io)?;
        let (tx, mut rx) = mpsc::channel::<Msg>(IN_FLIGHT);
        let thread = tokio::task::spawn_blocking(move || {
            let mut zip = ZipWriter::new(BufWriter::with_capacity(CHUNK, file));
            let options = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .large_file(false);
            while let Some(msg) = rx.blocking_recv() {
                match msg {
                    Msg::Begin(path) => zip.start_file(path, options).map_err(std::io::Error::other)?,
                    Msg::Data(bytes) => zip.write_all(&bytes)?,
                }
            }
            let mut file = zip
                .finish()
                .map_err(std::io::Error::other)?
                .into_inner()
                .map_err(|e| e.into_error())?;
            file.flush()?;
            file.seek(SeekFrom::Start(0))?;
            Ok(file)
        });
        Ok(Self {
            target: Target::Zip { tx, thread },
            current: None,
            files: Vec::new(),
        })
    }

    /// Starts the next file (ending the one before).
    pub async fn begin(&mut self, path: &str) -> Result<()> {
        self.end().await?;
        if let Target::Zip { tx, .. } = &self.target {
            tx.send(Msg::Begin(path.to_owned())).await.map_err(|_| closed())?;
        }
        self.current = Some(Current {
            path: path.to_owned(),
            sha: Sha256::new(),
            bytes: 0,
            lines: 0,
            rows: 0,
            buf: Vec::with_capacity(CHUNK),
        });
        Ok(())
    }

    /// Appends bytes to the current file; returns the 1-based line the bytes start on.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<u64> {
        let current = self.current.as_mut().ok_or_else(closed)?;
        let line = current.lines + 1;
        current.sha.update(bytes);
        current.bytes += bytes.len() as u64;
        current.lines += bytes.iter().filter(|b| **b == b'\n').count() as u64;
        if matches!(self.target, Target::Zip { .. }) {
            current.buf.extend_from_slice(bytes);
            if current.buf.len() >= CHUNK {
                self.flush().await?;
            }
        }
        Ok(line)
    }

    /// Appends one data row (a CSV line, a JSON line, a YAML document); returns its
    /// 1-based line.
    pub async fn row(&mut self, bytes: &[u8]) -> Result<u64> {
        let line = self.write(bytes).await?;
        if let Some(current) = self.current.as_mut() {
            current.rows += 1;
        }
        Ok(line)
    }

    /// One CSV data row.
    pub async fn csv_row(&mut self, cells: &[&str]) -> Result<u64> {
        self.row(crate::csv::line(cells.iter().copied()).as_bytes()).await
    }

    /// A CSV header.
    pub async fn csv_header(&mut self, columns: &[&str]) -> Result<()> {
        self.write(crate::csv::line(columns.iter().copied()).as_bytes())
            .await
            .map(drop)
    }

    async fn flush(&mut self) -> Result<()> {
        let Some(current) = self.current.as_mut() else {
            return Ok(());
        };
        if current.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut current.buf, Vec::with_capacity(CHUNK));
        if let Target::Zip { tx, .. } = &self.target {
            tx.send(Msg::Data(chunk)).await.map_err(|_| closed())?;
        }
        Ok(())
    }

    /// Ends the current file, if any, and records its entry.
    pub async fn end(&mut self) -> Result<()> {
        self.flush().await?;
        if let Some(current) = self.current.take() {
            self.files.push(FileEntry {
                path: current.path,
                sha256: hex::encode(current.sha.finalize()),
                bytes: current.bytes,
                rows: current.rows,
            });
        }
        Ok(())
    }

    /// Every file ended so far.
    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// Ends the last file and closes the archive.
    pub async fn finish(mut self) -> Result<(Vec<FileEntry>, Option<Archive>)> {
        self.end().await?;
        let archive = match self.target {
            Target::Nothing => None,
            Target::Zip { tx, thread } => {
                drop(tx);
                let file = thread
                    .await
                    .map_err(|e| Error::Io(std::io::Error::other(e)))?
                    .map_err(Error::Io)?;
                let bytes = file.metadata().map_err(Error::Io)?.len();
                Some(Archive { file, bytes })
            }
        };
        Ok((self.files, archive))
    }
}

/// The zip thread stopped early; its own error comes out of [`PackWriter::finish`].
fn closed() -> Error {
    Error::Io(std::io::Error::other(
        "the evidence archive stopped accepting data",
    ))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[tokio::test]
    async fn files_are_hashed_counted_and_zipped_as_written() {
        let mut pack = PackWriter::zip().expect("temp file");
        pack.begin("a.csv").await.expect("begin");
        pack.csv_header(&["x", "y"]).await.expect("header");
        assert_eq!(pack.csv_row(&["1", "two, three"]).await.expect("row"), 2);
        assert_eq!(pack.csv_row(&["4", "5"]).await.expect("row"), 3);
        pack.begin("b/c.txt").await.expect("begin");
        let big = vec![b'z'; 3 * CHUNK + 7];
        pack.row(&big).await.expect("big");
        let (files, archive) = pack.finish().await.expect("finish");
        assert_eq!(files.len(), 2);
        let a = "x,y\r\n1,\"two, three\"\r\n4,5\r\n";
        assert_eq!(files[0].sha256, super::super::model::sha256_hex(a.as_bytes()));
        assert_eq!((files[0].rows, files[0].bytes), (2, a.len() as u64));
        assert_eq!(files[1].bytes, big.len() as u64);
        let archive = archive.expect("a zip");
        let mut zip = zip::ZipArchive::new(archive.file).expect("a valid zip");
        let mut text = String::new();
        zip.by_name("a.csv")
            .expect("a.csv")
            .read_to_string(&mut text)
            .expect("utf-8");
        assert_eq!(text, a);
        let mut back = Vec::new();
        zip.by_name("b/c.txt")
            .expect("c")
            .read_to_end(&mut back)
            .expect("read");
        assert_eq!(back, big);
    }

    #[tokio::test]
    async fn counting_gives_the_same_entries_without_an_archive() {
        let mut pack = PackWriter::counting();
        pack.begin("a.csv").await.expect("begin");
        pack.csv_header(&["x", "y"]).await.expect("header");
        pack.csv_row(&["1", "two, three"]).await.expect("row");
        pack.csv_row(&["4", "5"]).await.expect("row");
        let (files, archive) = pack.finish().await.expect("finish");
        assert!(archive.is_none());
        assert_eq!(
            files[0].sha256,
            super::super::model::sha256_hex(b"x,y\r\n1,\"two, three\"\r\n4,5\r\n")
        );
    }
}
