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
    /// The record's bytes; fields may have gaps between them (the fast path
    /// keeps the delimiters).
    data: Vec<u8>,
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// Where the field being read starts in `data`.
    field_start: usize,
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
        &self.data[self.starts[i]..self.ends[i]]
    }

    /// The bytes the fields are ranges of (quoting removed).
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The start offset of each field in [`Self::bytes`].
    pub fn starts(&self) -> &[usize] {
        &self.starts
    }

    /// The end offset of each field in [`Self::bytes`].
    pub fn ends(&self) -> &[usize] {
        &self.ends
    }

    fn clear(&mut self) {
        self.data.clear();
        self.starts.clear();
        self.ends.clear();
        self.field_start = 0;
        self.problem = None;
    }

    fn end_field(&mut self) {
        self.starts.push(self.field_start);
        self.ends.push(self.data.len());
        self.field_start = self.data.len();
    }

    fn flag(&mut self, kind: BadRowKind) {
        if self.problem.is_none() {
            self.problem = Some((self.ends.len(), kind));
        }
    }
}

/// Calls `f` with the position of every `needle` in `hay`, in order. Eight
/// bytes at a time: a word's bytes equal to the needle are found with the
/// classic has-zero-byte bit trick, exact after clearing the false positives
/// a borrow can cause (checked per candidate).
fn for_each_byte(hay: &[u8], needle: u8, mut f: impl FnMut(usize)) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * u64::from(needle);
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w) ^ pattern;
        let mut found = x.wrapping_sub(LO) & !x & HI;
        while found != 0 {
            let i = (found.trailing_zeros() / 8) as usize;
            if chunk[i] == needle {
                f(base + i);
            }
            found &= found - 1;
        }
        base += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == needle {
            f(base + i);
        }
    }
}

/// Calls `f(start, end)` for each field of a line without quotes: the
/// ranges between its delimiters, in order (one empty field for an empty
/// line).
pub(crate) fn split_fields(line: &[u8], delimiter: u8, mut f: impl FnMut(usize, usize)) {
    let mut start = 0;
    for_each_byte(line, delimiter, |i| {
        f(start, i);
        start = i + 1;
    });
    f(start, line.len());
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
    /// No quote or CR lies in `buf` between `pos` and this index: a line
    /// ending before it is simple without a scan of its own. Reset to 0
    /// whenever the buffer's bytes change.
    clean_until: usize,
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
            clean_until: 0,
        }
    }

    /// Bytes already buffered but not yet split, for encoding detection.
    pub fn peek(&mut self, want: usize) -> io::Result<&[u8]> {
        while self.len - self.pos < want.min(BUFFER) {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.len, 0);
                self.len -= self.pos;
                self.pos = 0;
                self.clean_until = 0;
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
                    self.clean_until = 0;
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
        if self.read_simple_line(rec) {
            return Ok(true);
        }
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

    /// The fast path for the usual record: a whole line already in the
    /// buffer, ending in LF or CRLF, with no quote and no other CR. Such a
    /// line is split at its delimiters eight bytes at a time and gives
    /// exactly what the byte-by-byte state machine would. Anything else
    /// (quotes, a line cut by the buffer end, the last line without a
    /// newline, a bare CR) returns false having consumed nothing but blank
    /// lines, and the state machine reads the record.
    fn read_simple_line(&mut self, rec: &mut RawRecord) -> bool {
        let delimiter = self.delimiter;
        let Some((line, bytes)) = self.simple_line() else {
            return false;
        };
        rec.line = line;
        // The line is kept whole, delimiters included; fields are the
        // ranges between them.
        rec.data.extend_from_slice(bytes);
        split_fields(bytes, delimiter, |s, e| {
            rec.starts.push(s);
            rec.ends.push(e);
        });
        true
    }

    /// The next record if it is a simple line (see
    /// [`Self::read_simple_line`]): its line number and its bytes without
    /// the line end, still in the read buffer, so the caller copies them
    /// once to where they are kept and splits them with [`split_fields`].
    /// `None` when the state machine must read the next record (having
    /// consumed nothing but blank lines).
    pub fn simple_line(&mut self) -> Option<(u64, &[u8])> {
        if matches!(self.delimiter, b'\n' | b'\r' | b'"') {
            return None;
        }
        loop {
            if self.pending_cr && self.pos < self.len && self.buf[self.pos] == b'\n' {
                self.pos += 1;
                self.pending_cr = false;
            }
            if self.pending_cr {
                return None;
            }
            let rest = &self.buf[self.pos..self.len];
            let nl = memchr::memchr(b'\n', rest)?;
            // Quotes and CRs are looked for once per stretch of the buffer
            // that has none, not once per line.
            if self.pos + nl > self.clean_until {
                self.clean_until =
                    self.pos + memchr::memchr2(b'"', b'\r', rest).unwrap_or(rest.len());
            }
            let line = &rest[..nl];
            let end = self.pos + nl;
            let line = if end <= self.clean_until {
                line
            } else if self.clean_until + 1 == end && line.last() == Some(&b'\r') {
                // Only the CR of a CRLF line end.
                &line[..nl - 1]
            } else {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if memchr::memchr2(b'"', b'\r', line).is_some() {
                    return None;
                }
                line
            };
            let start = self.pos;
            self.pos += nl + 1;
            self.line += 1;
            if line.is_empty() {
                // A blank line: skipped, as the state machine does.
                continue;
            }
            let len = line.len();
            return Some((self.line - 1, &self.buf[start..start + len]));
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
        read_all(text.as_bytes())
    }

    fn read_all(input: impl Read) -> Vec<Parsed> {
        let mut t = Tokenizer::new(input, b',');
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

    /// A reader that hands out one byte per call, so that no line is ever
    /// whole in the buffer and every record takes the state machine.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((&b, rest)), Some(o)) => {
                    *o = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn finds_every_byte() {
        let hay: Vec<u8> = (0..200u32)
            .map(|i| [b',', b'a', 0x2d, 0xac, 0x01][(i * i % 7 % 5) as usize])
            .collect();
        for needle in [b',', b'a', 0x2d, 0xac, 0x01, 0x00] {
            let mut got = Vec::new();
            for_each_byte(&hay, needle, |i| got.push(i));
            let want: Vec<usize> = (0..hay.len()).filter(|&i| hay[i] == needle).collect();
            assert_eq!(got, want);
        }
    }

    /// Records read by the state machine alone (see `Trickle`).
    fn by_state_machine(text: &str) -> Vec<Parsed> {
        read_all(Trickle(text.as_bytes()))
    }

    #[test]
    fn line_fast_path_agrees_with_the_state_machine() {
        let text = "h1,h2,h3\r\n1,2,3\r\n\r\n\n4,,6\n\"q,1\",x,y\r\n7,8\r9\n,,\n\r\n  a , b ,c\n\
                    \"open,1\n2\",3,4\nz,\"w\"\"\"v,5\nlast,1,2";
        let slow = by_state_machine(text);
        assert_eq!(records(text), slow);
        assert_eq!(slow.len(), 11);
    }

    #[test]
    fn reports_stray_and_unclosed_quotes_with_their_field() {
        let r = records("a,b\n1,x\"y\n\"p\"q,2\n3,\"open\n");
        assert_eq!(r[1].2, Some((1, BadRowKind::StrayQuote)));
        assert_eq!(r[2].2, Some((0, BadRowKind::StrayQuote)));
        assert_eq!(r[3].2, Some((1, BadRowKind::UnclosedQuote)));
    }

    /// Random texts of quotes, CRs, CRLFs, blank lines and plain fields:
    /// the line fast path (with its per-stretch quote scan) and the state
    /// machine alone give the same records, lines and problems.
    #[test]
    fn line_fast_path_agrees_on_random_texts() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(12);
        let pieces = [
            "a", "bc", ",", ",", "\n", "\n", "\r\n", "\r", "\"", "\"x\"", "张", " ",
        ];
        for _ in 0..300 {
            let n = rng.gen_range(0..200);
            let text: String = (0..n)
                .map(|_| pieces[rng.gen_range(0..pieces.len())])
                .collect();
            let slow = by_state_machine(&text);
            assert_eq!(records(&text), slow, "{text:?}");
        }
    }
}
