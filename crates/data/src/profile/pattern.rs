//! Pattern classes: the shape of a value with letters, digits and Han
//! characters folded, so `110101199003071234` and `11010119900307123X` show
//! as `999999999999999999` and `99999999999999999A` — a quick way for a
//! steward to see that a column mixes formats.

/// Longest shape kept; longer values end in `…` so free text does not
/// explode the pattern table.
pub(crate) const MAX_SHAPE: usize = 24;

/// The shape of `s`: `A` upper-case ASCII, `a` lower-case, `9` digit, `H` Han
/// character, `F` full-width ASCII form, other characters as themselves.
pub fn shape(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        // One character per byte: fold bytes without decoding.
        let b = s.as_bytes();
        let mut folded = [0u8; MAX_SHAPE];
        let n = b.len().min(MAX_SHAPE);
        for (f, &c) in folded.iter_mut().zip(&b[..n]) {
            *f = fold_ascii(c);
        }
        out.push_str(std::str::from_utf8(&folded[..n]).unwrap_or_default());
        if b.len() > MAX_SHAPE {
            out.push('…');
        }
        return;
    }
    for (n, c) in s.chars().enumerate() {
        if n == MAX_SHAPE {
            out.push('…');
            return;
        }
        out.push(fold(c));
    }
}

/// Whether `s` has the shape `shape`, without building it: most values of a
/// column share the previous value's shape, so profiling checks that first.
pub(crate) fn has_shape(s: &str, shape: &str) -> bool {
    // A value of at most MAX_SHAPE bytes is not cut, and folding never
    // lengthens a character: Han and full-width forms shrink from three
    // bytes to one, everything else keeps its bytes. So when the value and
    // the shape have the same length it holds neither, and folding it byte
    // by byte (bytes of other characters map to themselves) is its shape;
    // this skips the separate ASCII check.
    let (b, sh) = (s.as_bytes(), shape.as_bytes());
    if b.len() <= MAX_SHAPE && b.len() == sh.len() {
        return b.iter().zip(sh).all(|(&c, &f)| fold_ascii(c) == f);
    }
    if s.is_ascii() {
        let (b, sh) = (s.as_bytes(), shape.as_bytes());
        if b.len() > MAX_SHAPE {
            return sh.len() == MAX_SHAPE + '…'.len_utf8()
                && sh.ends_with("…".as_bytes())
                && b[..MAX_SHAPE]
                    .iter()
                    .zip(sh)
                    .all(|(&c, &f)| fold_ascii(c) == f);
        }
        return b.len() == sh.len() && b.iter().zip(sh).all(|(&c, &f)| fold_ascii(c) == f);
    }
    let mut expected = shape.chars();
    for (n, c) in s.chars().enumerate() {
        if n == MAX_SHAPE {
            return expected.next() == Some('…') && expected.next().is_none();
        }
        if expected.next() != Some(fold(c)) {
            return false;
        }
    }
    expected.next().is_none()
}

/// A short value folded byte by byte (see [`fold_short`]).
#[cfg(test)]
pub(crate) struct Folded {
    bytes: [u8; MAX_SHAPE],
    len: usize,
}

#[cfg(test)]
impl Folded {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The bytes of `s` folded one by one as ASCII, for a value of at most
/// `MAX_SHAPE` bytes (`None` for a longer one). For an ASCII value this is
/// its [`shape`]; for any value, equal to the bytes of a shape means having
/// that shape (see [`has_shape`]: equal lengths rule out the characters
/// that fold to fewer bytes, and the others fold byte by byte).
#[cfg(test)]
pub(crate) fn fold_short(s: &str) -> Option<Folded> {
    let mut bytes = [0u8; MAX_SHAPE];
    let len = fold_into(s, &mut bytes)?;
    Some(Folded { bytes, len })
}

/// [`fold_short`] into the caller's buffer, returning the length: the
/// folded bytes are written once, where they are read (a returned copy
/// reads the single-byte stores back as wide words, which waits for them).
pub(crate) fn fold_into(s: &str, out: &mut [u8; MAX_SHAPE]) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() > MAX_SHAPE {
        return None;
    }
    for (f, &c) in out.iter_mut().zip(b) {
        *f = fold_ascii(c);
    }
    Some(b.len())
}

/// The shape of each ASCII byte, as a table (one load per byte).
const FOLD_ASCII: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        #[allow(clippy::cast_possible_truncation)]
        let c = i as u8;
        t[i] = match c {
            b'A'..=b'Z' => b'A',
            b'a'..=b'z' => b'a',
            b'0'..=b'9' => b'9',
            other => other,
        };
        i += 1;
    }
    t
};

fn fold_ascii(c: u8) -> u8 {
    FOLD_ASCII[usize::from(c)]
}

fn fold(c: char) -> char {
    match c {
        'A'..='Z' => 'A',
        'a'..='z' => 'a',
        '0'..='9' => '9',
        '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' => 'H',
        '\u{ff01}'..='\u{ff5e}' => 'F',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn folds_classes() {
        let mut s = String::new();
        super::shape("Ab9 张三－", &mut s);
        assert_eq!(s, "Aa9 HHF");
        super::shape(&"x".repeat(30), &mut s);
        assert_eq!(s.chars().count(), 25);
        assert!(s.ends_with('…'));
        super::shape(&"x".repeat(24), &mut s);
        assert_eq!(s, "a".repeat(24));
        super::shape(&"张".repeat(30), &mut s);
        assert_eq!(s, format!("{}…", "H".repeat(24)));
        let values = [
            "",
            "a",
            "Ab9 张三－",
            "x…",
            "…",
            "13812345678",
            "1381234567",
            "张三",
            "张三丰",
            "北京市海淀区中关村大街12号",
            "abcdefghijklmnopqrstuvwxyz",
            "abcdefghijklmnopqrstuvwx",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "aaaaaaaaaaaaaaaaaaaaaaaa…",
            "Ａ",
            "a-b",
            "9",
            "é1",
            "éa",
            "é9",
            "Ａ1",
            "Ａ9",
            "张9a",
            "…9",
            "a_Z-0@",
            "110101199003071234",
            "11010119900307123X",
            "北京市海淀区中关村大街12号",
        ];
        let mut long = "张".repeat(24);
        long.push('a');
        let values: Vec<&str> = values.iter().copied().chain([long.as_str()]).collect();
        let mut t = String::new();
        for v in &values {
            super::shape(v, &mut s);
            assert!(super::has_shape(v, &s), "{v}");
            if let Some(f) = super::fold_short(v)
                && v.is_ascii()
            {
                assert_eq!(f.as_bytes(), s.as_bytes(), "{v}");
            }
            for w in &values {
                super::shape(w, &mut t);
                assert_eq!(super::has_shape(v, &t), s == t, "{v} vs {w}");
                if let Some(f) = super::fold_short(v)
                    && f.as_bytes() == t.as_bytes()
                {
                    assert_eq!(s, t, "{v} folds to the bytes of {w}'s shape");
                }
            }
        }
    }
}
