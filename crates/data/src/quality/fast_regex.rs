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

/// Most live states copied into a byte table (512 KiB at most); a DFA with
/// more keeps stepping through `regex-automata`'s own tables.
const MAX_TABLE_STATES: usize = 1_024;

/// What a value's end means in a live state of [`ByteTable`].
#[derive(Clone, Copy)]
enum AtEnd {
    NoMatch,
    Match,
    /// The DFA gave up (quit state): the rule's `Regex` decides.
    Fallback,
}

/// The DFA's transitions copied into one row of 256 entries per live state,
/// indexed by the byte itself (no byte-class lookup). An entry below
/// `live` is the next live state; `live + MATCH`, `live + DEAD` and
/// `live + QUIT` stand for the special states that end the walk, exactly
/// where [`FastRegex::is_match`]'s `regex-automata` loop stops.
struct ByteTable {
    rows: Vec<[u16; 256]>,
    at_end: Vec<AtEnd>,
}

const MATCH: usize = 0;
const DEAD: usize = 1;
const QUIT: usize = 2;

impl ByteTable {
    /// Walks every state reachable from `start`; `None` if there are too many.
    fn new(dfa: &dense::DFA<Vec<u32>>, start: StateID) -> Option<Self> {
        use std::collections::HashMap;
        // Live states get numbers in the order they are found; the start
        // state is 0 whatever it is (the walk always begins there).
        let mut number: HashMap<StateID, usize> = HashMap::from([(start, 0)]);
        let mut order = vec![start];
        let mut steps: Vec<[Result<usize, usize>; 256]> = Vec::new();
        let mut i = 0;
        while let Some(&state) = order.get(i) {
            let mut row = [Ok(0); 256];
            for (b, slot) in (0..=255u8).zip(row.iter_mut()) {
                let next = dfa.next_state(state, b);
                *slot = if dfa.is_special_state(next) && dfa.is_match_state(next) {
                    Err(MATCH)
                } else if dfa.is_special_state(next) && dfa.is_dead_state(next) {
                    Err(DEAD)
                } else if dfa.is_special_state(next) && dfa.is_quit_state(next) {
                    Err(QUIT)
                } else if let Some(&n) = number.get(&next) {
                    Ok(n)
                } else {
                    if order.len() == MAX_TABLE_STATES {
                        return None;
                    }
                    number.insert(next, order.len());
                    order.push(next);
                    Ok(order.len() - 1)
                };
            }
            steps.push(row);
            i += 1;
        }
        let live = order.len();
        let code = |step: Result<usize, usize>| {
            u16::try_from(match step {
                Ok(n) => n,
                Err(special) => live + special,
            })
            .ok()
        };
        let mut rows = Vec::with_capacity(live);
        for step in &steps {
            let mut row = [0u16; 256];
            for (slot, &s) in row.iter_mut().zip(step) {
                *slot = code(s)?;
            }
            rows.push(row);
        }
        let at_end = order
            .iter()
            .map(|&state| {
                let end = dfa.next_eoi_state(state);
                if dfa.is_quit_state(end) {
                    AtEnd::Fallback
                } else if dfa.is_match_state(end) {
                    AtEnd::Match
                } else {
                    AtEnd::NoMatch
                }
            })
            .collect();
        Some(Self { rows, at_end })
    }

    /// `Some(matched)`, or `None` when the rule's `Regex` must decide.
    fn is_match(&self, value: &[u8]) -> Option<bool> {
        self.outcome(self.walk(0, value))
    }

    /// [`Self::is_match`] of two values, walked side by side: each step's
    /// table load waits for the previous step's, so two independent walks
    /// overlap where one alone waits. While both stay in live states they
    /// step together; from the first step where either would leave them,
    /// each finishes alone from where it was.
    fn is_match2(&self, a: &[u8], b: &[u8]) -> (Option<bool>, Option<bool>) {
        let live = self.rows.len();
        let (mut sa, mut sb) = (0usize, 0usize);
        let mut k = 0;
        for (&x, &y) in a.iter().zip(b) {
            let (Some(ra), Some(rb)) = (self.rows.get(sa), self.rows.get(sb)) else {
                break;
            };
            let (na, nb) = (
                usize::from(ra[usize::from(x)]),
                usize::from(rb[usize::from(y)]),
            );
            if na >= live || nb >= live {
                break;
            }
            (sa, sb) = (na, nb);
            k += 1;
        }
        (
            self.outcome(self.walk(sa, a.get(k..).unwrap_or_default())),
            self.outcome(self.walk(sb, b.get(k..).unwrap_or_default())),
        )
    }

    /// Steps from the live `state` over `value`: `Ok` with the live state
    /// at its end, or `Err` with the result when a special state ended the
    /// walk (`None`: the `Regex` decides).
    fn walk(&self, mut state: usize, value: &[u8]) -> Result<usize, Option<bool>> {
        let live = self.rows.len();
        for &b in value {
            state = usize::from(self.rows.get(state).ok_or(None)?[usize::from(b)]);
            if state >= live {
                return Err(match state - live {
                    MATCH => Some(true),
                    DEAD => Some(false),
                    _ => None,
                });
            }
        }
        Ok(state)
    }

    /// The result of a walk that ended as [`Self::walk`] says.
    fn outcome(&self, walked: Result<usize, Option<bool>>) -> Option<bool> {
        match walked {
            Err(result) => result,
            Ok(state) => match self.at_end.get(state)? {
                AtEnd::NoMatch => Some(false),
                AtEnd::Match => Some(true),
                AtEnd::Fallback => None,
            },
        }
    }
}

pub(crate) struct FastRegex {
    dfa: dense::DFA<Vec<u32>>,
    start: StateID,
    /// The same DFA as a byte table, when it is small enough.
    table: Option<ByteTable>,
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
        let table = ByteTable::new(&dfa, start);
        Some(Self { dfa, start, table })
    }

    /// Whether the whole of `value` matches; `fallback` (the rule's own
    /// `Regex`) decides if the DFA has to give up on this value.
    pub fn is_match(&self, value: &str, fallback: &Regex) -> bool {
        if let Some(table) = &self.table {
            return table
                .is_match(value.as_bytes())
                .unwrap_or_else(|| fallback.is_match(value));
        }
        self.is_match_dense(value, fallback)
    }

    /// [`Self::is_match`] of two values, `a` and `b`; with the byte table
    /// their walks are interleaved (see [`ByteTable::is_match2`]).
    pub fn is_match2(&self, a: &str, b: &str, fallback: &Regex) -> (bool, bool) {
        if let Some(table) = &self.table {
            let (x, y) = table.is_match2(a.as_bytes(), b.as_bytes());
            return (
                x.unwrap_or_else(|| fallback.is_match(a)),
                y.unwrap_or_else(|| fallback.is_match(b)),
            );
        }
        (
            self.is_match_dense(a, fallback),
            self.is_match_dense(b, fallback),
        )
    }

    /// [`Self::is_match`] stepping through the dense DFA itself.
    fn is_match_dense(&self, value: &str, fallback: &Regex) -> bool {
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
            assert!(fast.table.is_some(), "no byte table for {p}");
            for v in values {
                assert_eq!(fast.is_match(v, regex), regex.is_match(v), "{p} on {v:?}");
                assert_eq!(
                    fast.is_match_dense(v, regex),
                    regex.is_match(v),
                    "{p} on {v:?}"
                );
                // Two at a time, against every other value (walks that
                // end at different steps, or one ends before the other).
                for w in values {
                    assert_eq!(
                        fast.is_match2(v, w, regex),
                        (regex.is_match(v), regex.is_match(w)),
                        "{p} on {v:?} and {w:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn byte_table_agrees_with_the_regex_on_random_values() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let pieces = [
            "1", "3", "9", "0", "2", "-", "@", ".", " ", "a", "Z", "x", "张", "８", "\u{3000}",
        ];
        for p in [
            r"1[3-9]\d{9}",
            r"[^@\s]+@[^@\s]+\.[^@\s]+",
            r"\d{4}-\d{2}-\d{2}",
            r"(?i)abc|x+",
        ] {
            let Ok(regex) = Regex::new(&format!("^(?:{p})$")) else {
                panic!("{p}");
            };
            let Some(fast) = FastRegex::new(&regex) else {
                panic!("no DFA for {p}");
            };
            let mut last = String::new();
            for _ in 0..20_000 {
                let n = rng.gen_range(0..14);
                let v: String = (0..n)
                    .map(|_| pieces[rng.gen_range(0..pieces.len())])
                    .collect();
                assert_eq!(
                    fast.is_match(&v, &regex),
                    regex.is_match(&v),
                    "{p} on {v:?}"
                );
                assert_eq!(
                    fast.is_match2(&last, &v, &regex),
                    (regex.is_match(&last), regex.is_match(&v)),
                    "{p} on {last:?} and {v:?}"
                );
                last = v;
            }
        }
    }
}
