//! A strict RFC 4180 record splitter.
//!
//! The `csv` crate is lenient by design: `ab"c` and `"ab"c` are read without
//! complaint, which would silently change a value. The data hub must report
//! such rows instead, so records are split here, byte by byte over a fixed
//! buffer (bounded memory for any file size), and every stray quote is
//! reported with its field. Splitting works on raw bytes before decoding,
//! which is sound for GB18030 too: its multi-byte sequences never contain the
//! bytes of `,`, `"`, CR or LF.

use std::io::{self, Read};

use super::BadRowKind;

const BUFFER: usize = 1 << 20;

/// One record's fields as ranges of one byte buffer, reused between records
/// so that splitting allocates nothing in the steady state.
#[derive(Debug, Default)]
pub(crate) struct RawRecord {
    data: Vec<u8>,
    ends: Vec<usize>,
    /// The physical line where the record starts, 1-based.
    pub line: u64,
    /// The first problem met, with its 0-based field index.
    pub problem: Option<(usize, BadRowKind)>,
}

impl RawRecord {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    /// Every field's bytes, back to back (delimiters and quoting removed).
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The end offset of each field in [`Self::bytes`].
    pub fn ends(&self) -> &[usize] {
        &self.ends
    }

    fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
        self.problem = None;
    }

    fn end_field(&mut self) {
        self.ends.push(self.data.len());
    }

    fn flag(&mut self, kind: BadRowKind) {
        if self.problem.is_none() {
            self.problem = Some((self.ends.len(), kind));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

pub(crate) struct Tokenizer<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    line: u64,
    delimiter: u8,
    pending_cr: bool,
}

impl<R: Read> Tokenizer<R> {
    pub fn new(inner: R, delimiter: u8) -> Self {
        Self {
            inner,
            buf: vec![0; BUFFER],
            pos: 0,
            len: 0,
            line: 1,
            delimiter,
            pending_cr: false,
        }
    }

    /// Bytes already buffered but not yet split, for encoding detection.
    pub fn peek(&mut self, want: usize) -> io::Result<&[u8]> {
        while self.len - self.pos < want.min(BUFFER) {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.len, 0);
                self.len -= self.pos;
                self.pos = 0;
            }
            let n = self.inner.read(&mut self.buf[self.len..])?;
            if n == 0 {
                break;
            }
            self.len += n;
        }
        Ok(&self.buf[self.pos..self.len])
    }

    /// Skips bytes the caller has recognised (a byte-order mark).
    pub fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.len);
    }

    fn fill(&mut self) -> io::Result<bool> {
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.pos = 0;
                    self.len = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads the next non-blank record into `rec`; false at the end of input.
    pub fn read_record(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        rec.clear();
        rec.line = self.line;
        let mut state = State::FieldStart;
        let mut any = false;
        loop {
            if self.pos == self.len && !self.fill()? {
                return Ok(self.finish_at_eof(rec, state, any));
            }
            let b = self.buf[self.pos];
            self.pos += 1;
            if self.pending_cr {
                self.pending_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match state {
                State::FieldStart | State::Unquoted => {
                    if b == self.delimiter {
                        rec.end_field();
                        state = State::FieldStart;
                        any = true;
                    } else if b == b'\n' || b == b'\r' {
                        self.line += 1;
                        self.pending_cr = b == b'\r';
                        if !any && state == State::FieldStart {
                            rec.line = self.line;
                            continue;
                        }
                        rec.end_field();
                        return Ok(true);
                    } else if b == b'"' {
                        any = true;
                        if state == State::FieldStart {
                            state = State::Quoted;
                        } else {
                            rec.flag(BadRowKind::StrayQuote);
                            rec.data.push(b);
                        }
                    } else {
                        any = true;
                        state = State::Unquoted;
                        rec.data.push(b);
                        self.scan_plain(rec);
                    }
                }
                State::Quoted => {
                    if b == b'"' {
                        state = State::QuoteInQuoted;
                    } else {
                        if b == b'\n' {
                            self.line += 1;
                        }
                        rec.data.push(b);
                        self.scan_quoted(rec);
                    }
                }
                State::QuoteInQuoted => {
                    if b == b'"' {
                        rec.data.push(b);
                        state = State::Quoted;
                    } else if b == self.delimiter {
                        rec.end_field();
                        state = State::FieldStart;
                    } else if b == b'\n' || b == b'\r' {
                        self.line += 1;
                        self.pending_cr = b == b'\r';
                        rec.end_field();
                        return Ok(true);
                    } else {
                        rec.flag(BadRowKind::StrayQuote);
                        rec.data.push(b);
                        state = State::Unquoted;
                    }
                }
            }
        }
    }

    /// Copies a run of ordinary bytes in one go: most fields are unquoted and
    /// short, and this keeps the per-byte state machine off the hot path.
    fn scan_plain(&mut self, rec: &mut RawRecord) {
        let start = self.pos;
        let d = self.delimiter;
        let bytes = &self.buf[start..self.len];
        let n = bytes
            .iter()
            .position(|&c| c == d || c == b'\n' || c == b'\r' || c == b'"')
            .unwrap_or(bytes.len());
        rec.data.extend_from_slice(&bytes[..n]);
        self.pos = start + n;
    }

    fn scan_quoted(&mut self, rec: &mut RawRecord) {
        let start = self.pos;
        let bytes = &self.buf[start..self.len];
        let n = bytes
            .iter()
            .position(|&c| c == b'"' || c == b'\n')
            .unwrap_or(bytes.len());
        rec.data.extend_from_slice(&bytes[..n]);
        self.pos = start + n;
    }

    fn finish_at_eof(&mut self, rec: &mut RawRecord, state: State, any: bool) -> bool {
        match state {
            State::FieldStart if !any => false,
            State::Quoted => {
                rec.flag(BadRowKind::UnclosedQuote);
                rec.end_field();
                true
            }
            _ => {
                rec.end_field();
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parsed = (Vec<String>, u64, Option<(usize, BadRowKind)>);

    fn records(text: &str) -> Vec<Parsed> {
        let mut t = Tokenizer::new(text.as_bytes(), b',');
        let mut rec = RawRecord::default();
        let mut out = Vec::new();
        while t.read_record(&mut rec).unwrap_or(false) {
            let fields = (0..rec.len())
                .map(|i| String::from_utf8_lossy(rec.field(i)).into_owned())
                .collect();
            out.push((fields, rec.line, rec.problem.clone()));
        }
        out
    }

    #[test]
    fn splits_quoted_fields_and_counts_lines() {
        let r = records("a,b\r\n\"x,1\",\"he said \"\"hi\"\"\"\n\n\"multi\nline\",2\n3,");
        assert_eq!(r[0].0, ["a", "b"]);
        assert_eq!(r[1].0, ["x,1", "he said \"hi\""]);
        assert_eq!(
            (r[2].0.clone(), r[2].1),
            (vec!["multi\nline".to_owned(), "2".to_owned()], 4)
        );
        assert_eq!(
            (r[3].0.clone(), r[3].1),
            (vec!["3".to_owned(), String::new()], 6)
        );
        assert!(r.iter().all(|x| x.2.is_none()));
    }

    #[test]
    fn reports_stray_and_unclosed_quotes_with_their_field() {
        let r = records("a,b\n1,x\"y\n\"p\"q,2\n3,\"open\n");
        assert_eq!(r[1].2, Some((1, BadRowKind::StrayQuote)));
        assert_eq!(r[2].2, Some((0, BadRowKind::StrayQuote)));
        assert_eq!(r[3].2, Some((1, BadRowKind::UnclosedQuote)));
    }
}
