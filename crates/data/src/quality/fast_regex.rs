//! Regex checks as a fully compiled DFA: one table lookup per byte and no
//! search set-up per value, which matters when a short pattern is checked
//! against every cell of a ten-million-row column.
//!
//! The DFA is built from the same pattern text as the rule's [`Regex`]
//! (already anchored as `^(?:…)$`) with the same syntax defaults, so both
//! accept the same strings; the tests compare them. Patterns whose DFA would
//! be too large, or that need look-around a DFA cannot do (Unicode word
//! boundaries), keep using the `Regex`.

use regex::Regex;
use regex_automata::Anchored;
use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;

/// Largest DFA built per rule; above this the rule keeps its `Regex`.
const SIZE_LIMIT: usize = 4 << 20;

pub(crate) struct FastRegex {
    dfa: dense::DFA<Vec<u32>>,
    start: StateID,
}

impl FastRegex {
    /// The DFA for `regex`'s pattern, or `None` when it cannot or should not
    /// be built.
    pub fn new(regex: &Regex) -> Option<Self> {
        let dfa = dense::Builder::new()
            .configure(
                dense::DFA::config()
                    .start_kind(StartKind::Anchored)
                    .dfa_size_limit(Some(SIZE_LIMIT))
                    .determinize_size_limit(Some(4 * SIZE_LIMIT)),
            )
            .build(regex.as_str())
            .ok()?;
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .ok()?;
        Some(Self { dfa, start })
    }

    /// Whether the whole of `value` matches; `fallback` (the rule's own
    /// `Regex`) decides if the DFA has to give up on this value.
    pub fn is_match(&self, value: &str, fallback: &Regex) -> bool {
        let dfa = &self.dfa;
        let mut state = self.start;
        for &b in value.as_bytes() {
            state = dfa.next_state(state, b);
            if dfa.is_special_state(state) {
                if dfa.is_match_state(state) {
                    return true;
                }
                if dfa.is_dead_state(state) {
                    return false;
                }
                if dfa.is_quit_state(state) {
                    return fallback.is_match(value);
                }
            }
        }
        state = dfa.next_eoi_state(state);
        if dfa.is_quit_state(state) {
            return fallback.is_match(value);
        }
        dfa.is_match_state(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_regex() {
        let patterns = [
            r"1[3-9]\d{9}",
            r"[^@\s]+@[^@\s]+\.[^@\s]+",
            r"\d{4}-\d{2}-\d{2}",
            r"(?i)abc|x+",
            r"\w+",
            r"",
            r"a*",
            r"[张王李].{1,3}",
        ];
        let values = [
            "",
            "13812345678",
            "12812345678",
            "1381234567",
            "138123456789",
            "１3812345678",
            "13８12345678",
            "13٨12345678",
            "a@b.cn",
            "a@@b.cn",
            "a b@c.d",
            "a@b",
            "用户@例子.中国",
            "2024-01-02",
            "2024-1-02",
            "２０２４-01-02",
            "ABC",
            "abc",
            "xxx",
            "abcx",
            "张三",
            "张三丰五六",
            "aaaa",
            "\u{3000}",
            "é",
        ];
        for p in patterns {
            let regex = Regex::new(&format!("^(?:{p})$")).ok();
            let regex = regex.as_ref();
            let fast = regex.and_then(FastRegex::new);
            let (Some(regex), Some(fast)) = (regex, fast) else {
                assert!(p.is_empty(), "no DFA for {p}");
                continue;
            };
            for v in values {
                assert_eq!(fast.is_match(v, regex), regex.is_match(v), "{p} on {v:?}");
            }
        }
    }
}
