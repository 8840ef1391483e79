//! A source's records, read twice: once to check them all, once to write
//! those that passed. A JSON file is read as it streams in both times, so
//! a national feed is never held whole in memory; what is kept between
//! the two readings is a few ids per record.

use std::fs::File;
use std::path::PathBuf;
use std::sync::mpsc;

use super::{Raw, records};
use crate::error::{AppError, AppResult};

/// Records read ahead of the writer, on the reading thread.
const READ_AHEAD: usize = 1_000;

pub(crate) enum Records {
    /// JSON text already in memory.
    Text { name: String, text: String },
    /// A JSON file.
    File(PathBuf),
    /// Records already read into memory (a CSV package, a walked feed).
    Read(Vec<Raw>),
}

impl Records {
    /// How many records there are, when known before reading.
    pub fn known_count(&self) -> Option<u64> {
        match self {
            Records::Read(raws) => Some(raws.len() as u64),
            _ => None,
        }
    }

    /// Hands each record to `each`, in order; returns what a feed page's
    /// counts get wrong.
    pub fn read(&self, each: &mut dyn FnMut(Raw)) -> AppResult<Vec<String>> {
        match self {
            Records::Text { name, text } => records::read_document(name, text.as_bytes(), each),
            Records::File(path) => {
                records::read_document(&path.display().to_string(), open(path)?, each)
            }
            Records::Read(raws) => {
                raws.iter().cloned().for_each(each);
                Ok(Vec::new())
            }
        }
    }

    /// The records again, in the same order, read on a thread of their own
    /// while the caller writes what came before. A file that can no
    /// longer be read ends with an `Err`.
    pub fn stream(self) -> Box<dyn Iterator<Item = Result<Raw, String>> + Send> {
        if let Records::Read(raws) = self {
            return Box::new(raws.into_iter().map(Ok));
        }
        let (send, receive) = mpsc::sync_channel(READ_AHEAD);
        std::thread::spawn(move || {
            // A send fails only when the writer has stopped: there is no one
            // left to tell.
            let mut each = |raw| {
                let _ = send.send(Ok(raw));
            };
            if let Err(e) = self.read(&mut each) {
                let _ = send.send(Err(e.to_string()));
            }
        });
        Box::new(receive.into_iter())
    }
}

fn open(path: &PathBuf) -> AppResult<File> {
    File::open(path).map_err(|e| {
        AppError::Import(format!(
            "{} could not be read: {e}; nothing was imported",
            path.display()
        ))
    })
}
