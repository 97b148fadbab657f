//! Input clean-up shared by the code parsers, written to behave exactly like
//! python-stdnum's `util.clean(...).upper().strip()`.
//!
//! We match stdnum (the reference our cross-check test runs against) rather
//! than invent our own rules, and its rules happen to suit Chinese users: IME
//! input often produces full-width digits (`１１０１…`) and ideographic spaces,
//! which are folded to ASCII here instead of being rejected.

/// Folds look-alike characters to ASCII, optionally drops `' '` and `'-'`
/// anywhere (stdnum does so for credit codes, not for resident IDs),
/// upper-cases with full Unicode rules, and trims Python-style whitespace.
pub(crate) fn compact(input: &str, drop_separators: bool) -> String {
    let folded: String = input
        .chars()
        .map(fold)
        .filter(|c| !(drop_separators && (*c == ' ' || *c == '-')))
        .collect();
    folded
        .to_uppercase()
        .trim_matches(is_python_space)
        .to_owned()
}

/// The subset of stdnum's `_char_map` that can turn an input valid: digit
/// look-alikes, spaces and dashes. Its other entries (asterisks, commas,
/// quotes…) map invalid characters to other invalid characters, so leaving
/// them alone changes only the wording of the error, which then shows what the
/// person actually typed.
pub(crate) fn fold(c: char) -> char {
    let cp = u32::from(c);
    match cp {
        // FULLWIDTH DIGIT ZERO..NINE
        0xFF10..=0xFF19 => ascii_digit(cp - 0xFF10),
        // MATHEMATICAL BOLD / DOUBLE-STRUCK / SANS-SERIF / SANS-SERIF BOLD /
        // MONOSPACE DIGIT ZERO..NINE, five blocks of ten.
        0x1D7CE..=0x1D7FF => ascii_digit((cp - 0x1D7CE) % 10),
        0x20 | 0xA0 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000 => ' ',
        0x2D
        | 0xAF
        | 0x2D7
        | 0x58A
        | 0x5BE
        | 0x1680
        | 0x180A
        | 0x2010..=0x2015
        | 0x203E
        | 0x2043
        | 0x207B
        | 0x208B
        | 0x2212
        | 0x23AF
        | 0x23BA..=0x23BD
        | 0x23E4
        | 0xFE63
        | 0xFF0D
        | 0xFFE3 => '-',
        _ => c,
    }
}

fn ascii_digit(n: u32) -> char {
    char::from_digit(n, 10).unwrap_or('0')
}

/// Python's `str.isspace`: Unicode `White_Space` plus the four ASCII
/// information separators U+001C..U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1C}'..='\u{1F}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_math_digits() {
        assert_eq!(compact("１２３", false), "123");
        assert_eq!(compact("\u{1D7CE}\u{1D7D9}\u{1D7FF}", false), "019");
    }

    #[test]
    fn trims_python_whitespace_and_uppercases() {
        assert_eq!(compact("\u{3000} 12x\t\u{1F}", false), "12X");
    }

    #[test]
    fn drops_separators_only_when_asked() {
        assert_eq!(compact("9 1–1", true), "911");
        assert_eq!(compact("9 1–1", false), "9 1-1");
    }

    #[test]
    fn uppercases_like_python() {
        // Python's str.upper() turns the ligature into two letters, and so
        // does Rust's to_uppercase(); stdnum then accepts them.
        assert_eq!(compact("\u{FB00}", true), "FF");
    }
}
