//! C2SP checkpoints (<https://c2sp.org/tlog-checkpoint>): the signed tree head
//! the journal publishes.
//!
//! A checkpoint's body is the origin (the log's name), the tree size in
//! decimal, the base64 root hash, and optional extension lines, each line
//! ending in a newline. Signed as a note, it lets any holder of the log's key
//! pin the log's state and later demand a consistency proof from it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::str::FromStr;

use crate::hash::Hash;
use crate::note::{NoteError, NoteSigner, NoteVerifier, open_note};

/// Why a text is not a checkpoint body, or a checkpoint cannot be written as
/// one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The body did not end with a newline.
    #[error("a checkpoint body must end with a newline")]
    MissingFinalNewline,
    /// The body had fewer than the three required lines.
    #[error("a checkpoint needs origin, size and root lines, but has only {lines} line(s)")]
    TooFewLines {
        /// The number of lines found.
        lines: usize,
    },
    /// A line was empty: the origin or an extension line.
    #[error("checkpoint line {line} is empty; origin and extension lines must not be")]
    EmptyLine {
        /// The line, counted from 1.
        line: usize,
    },
    /// A line held a newline or another control character, so it cannot be
    /// one line of a note.
    #[error("checkpoint line {line} holds a newline or control character")]
    ControlCharacter {
        /// The line, counted from 1.
        line: usize,
    },
    /// The second line was not a tree size.
    #[error(
        "checkpoint line 2 {found:?} is not a tree size: decimal digits, no leading zeros, at most 2^64-1"
    )]
    InvalidSize {
        /// The text found.
        found: String,
    },
    /// The third line was not the base64 of a 32-byte hash.
    #[error("checkpoint line 3 {found:?} is not a root hash: standard padded base64 of 32 bytes")]
    InvalidRoot {
        /// The text found.
        found: String,
    },
}

/// The state of the log at one size: what the log signs and clients pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's unique name, for example `journal.city.example/v1`.
    pub origin: String,
    /// The number of leaves in the tree.
    pub size: u64,
    /// The RFC 6962 root of the tree at `size`.
    pub root: Hash,
    /// Opaque extra lines after the root. C2SP advises against them because
    /// monitors cannot audit them; they are kept so that other logs'
    /// checkpoints that carry them can still be read.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines, the usual kind.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Self {
            origin: origin.into(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: `<origin>\n<size>\n<base64 root>\n` and any extension
    /// lines, each with its newline.
    pub fn body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        );
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    /// Checks that [`Checkpoint::body`] will read back as this checkpoint:
    /// the origin and extension lines are non-empty single lines without
    /// control characters.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        check_text_line(&self.origin, 1)?;
        for (i, line) in self.extensions.iter().enumerate() {
            check_text_line(line, i + 4)?;
        }
        Ok(())
    }

    /// Reads a checkpoint body, as found in the text of a signed note.
    pub fn parse(body: &str) -> Result<Self, CheckpointError> {
        let body = body
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingFinalNewline)?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines { lines: lines.len() });
        };
        check_text_line(origin, 1)?;
        let size = parse_size(size)?;
        let root = parse_root(root)?;
        for (i, line) in extensions.iter().enumerate() {
            check_text_line(line, i + 4)?;
        }
        Ok(Self {
            origin: (*origin).to_owned(),
            size,
            root,
            extensions: extensions.iter().map(|line| (*line).to_owned()).collect(),
        })
    }
}

impl FromStr for Checkpoint {
    type Err = CheckpointError;

    fn from_str(body: &str) -> Result<Self, Self::Err> {
        Self::parse(body)
    }
}

impl NoteSigner {
    /// Signs a checkpoint and returns the whole signed note.
    ///
    /// It fails only when the checkpoint cannot be written as a note (an
    /// empty origin, or a newline or control character in a line), which
    /// would otherwise give a note that no reader accepts.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<String, NoteError> {
        checkpoint.validate()?;
        self.sign_text(&checkpoint.body())
    }
}

/// Opens a signed checkpoint: verifies the note against the trusted
/// `verifiers` (see [`open_note`]) and parses its text.
///
/// Any trusted key's signature is enough, so pass only keys trusted to speak
/// for this log; witness keys belong with the witness policy, not here.
pub fn open_checkpoint(note: &str, verifiers: &[NoteVerifier]) -> Result<Checkpoint, NoteError> {
    let opened = open_note(note, verifiers)?;
    Ok(Checkpoint::parse(&opened.text)?)
}

fn check_text_line(line: &str, line_no: usize) -> Result<(), CheckpointError> {
    if line.is_empty() {
        return Err(CheckpointError::EmptyLine { line: line_no });
    }
    if line.chars().any(|c| c < ' ') {
        return Err(CheckpointError::ControlCharacter { line: line_no });
    }
    Ok(())
}

fn parse_size(text: &str) -> Result<u64, CheckpointError> {
    let invalid = || CheckpointError::InvalidSize {
        found: text.to_owned(),
    };
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (text.len() > 1 && text.starts_with('0')) {
        return Err(invalid());
    }
    text.parse().map_err(|_| invalid())
}

fn parse_root(text: &str) -> Result<Hash, CheckpointError> {
    STANDARD
        .decode(text)
        .ok()
        .and_then(|raw| Hash::try_from(raw.as_slice()).ok())
        .ok_or_else(|| CheckpointError::InvalidRoot {
            found: text.to_owned(),
        })
}
