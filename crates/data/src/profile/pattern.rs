//! Pattern classes: the shape of a value with letters, digits and Han
//! characters folded, so `110101199003071234` and `11010119900307123X` show
//! as `999999999999999999` and `99999999999999999A` — a quick way for a
//! steward to see that a column mixes formats.

/// Longest shape kept; longer values end in `…` so free text does not
/// explode the pattern table.
const MAX_SHAPE: usize = 24;

/// The shape of `s`: `A` upper-case ASCII, `a` lower-case, `9` digit, `H` Han
/// character, `F` full-width ASCII form, other characters as themselves.
pub fn shape(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        // One character per byte: fold bytes without decoding.
        let b = s.as_bytes();
        out.extend(b[..b.len().min(MAX_SHAPE)].iter().map(|&c| {
            char::from(match c {
                b'A'..=b'Z' => b'A',
                b'a'..=b'z' => b'a',
                b'0'..=b'9' => b'9',
                other => other,
            })
        }));
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
        out.push(match c {
            'A'..='Z' => 'A',
            'a'..='z' => 'a',
            '0'..='9' => '9',
            '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' => 'H',
            '\u{ff01}'..='\u{ff5e}' => 'F',
            other => other,
        });
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
    }
}
