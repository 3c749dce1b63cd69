//! The compact text encoding of the index's numbers: what `search.js`
//! decodes (`numbers`).
//!
//! A list of ascending document numbers is stored as gaps (the first
//! number, then each one's distance from the one before, less one), each
//! gap in base 32, most significant digit first, one character a digit:
//! `A`–`Z`, `a`–`f` for a number's last digit (0–31), `g`–`z`, `0`–`9`,
//! `-`, `_` for the digits before it (0–31 again). A story in every
//! story's list costs one character; the alphabet needs no escaping in
//! JavaScript strings or URLs, and a list is a plain string, so loading a
//! shard costs the browser no array of numbers until it is queried.

const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Each byte's digit value, 255 for a byte outside the alphabet.
const VALUES: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < 64 {
        t[DIGITS[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// The digit value of `b`, if it is a digit.
fn value(b: u8) -> Option<u32> {
    let v = VALUES[b as usize];
    (v != 255).then_some(v as u32)
}

/// Appends `n` to `out`.
pub(crate) fn push_number(out: &mut String, n: u32) {
    let mut groups = [0u8; 7];
    let mut len = 0;
    let mut v = n;
    loop {
        groups[len] = (v & 31) as u8;
        len += 1;
        v >>= 5;
        if v == 0 {
            break;
        }
    }
    for k in (0..len).rev() {
        let digit = groups[k] + if k == 0 { 0 } else { 32 };
        out.push(DIGITS[digit as usize] as char);
    }
}

/// Calls `f` with each document number of a gap-encoded list, in order.
pub(crate) fn each_doc(text: &str, mut f: impl FnMut(u32)) {
    any_doc(text, |d| {
        f(d);
        Some(false)
    });
}

/// Whether `test` holds for a document number of a gap-encoded list, read
/// in order only until `test` says `None` (stop: no later number can).
pub(crate) fn any_doc(text: &str, mut test: impl FnMut(u32) -> Option<bool>) -> bool {
    let mut acc: u32 = 0;
    let mut prev: Option<u32> = None;
    for b in text.bytes() {
        let d = value(b).unwrap_or(0);
        acc = acc.wrapping_mul(32).wrapping_add(d & 31);
        if d < 32 {
            let doc = prev.map_or(acc, |p| p.wrapping_add(acc).wrapping_add(1));
            match test(doc) {
                Some(true) => return true,
                Some(false) => {}
                None => return false,
            }
            prev = Some(doc);
            acc = 0;
        }
    }
    false
}

/// The first number of a non-empty `text` and what follows it (`text`
/// written by [`push_number`]).
pub(crate) fn split_first(text: &str) -> (u32, &str) {
    let mut acc: u32 = 0;
    for (i, b) in text.bytes().enumerate() {
        let d = value(b).unwrap_or(0);
        acc = acc.wrapping_mul(32).wrapping_add(d & 31);
        if d < 32 {
            return (acc, &text[i + 1..]);
        }
    }
    (acc, "")
}

#[cfg(test)]
/// The numbers of `text` (the inverse of [`push_number`]), or `None` if it
/// holds a character outside the alphabet or ends inside a number.
pub(crate) fn numbers(text: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    let mut acc: u64 = 0;
    let mut open = false;
    for b in text.bytes() {
        let d = u64::from(value(b)?);
        acc = acc * 32 + (d & 31);
        if acc > u64::from(u32::MAX) {
            return None;
        }
        if d < 32 {
            out.push(acc as u32);
            acc = 0;
            open = false;
        } else {
            open = true;
        }
    }
    (!open).then_some(out)
}

#[cfg(test)]
/// Ascending document numbers as gaps (see the module header).
pub(crate) fn gaps(docs: &[u32]) -> String {
    let mut out = String::new();
    let mut prev: Option<u32> = None;
    for &d in docs {
        push_number(&mut out, prev.map_or(d, |p| d - p - 1));
        prev = Some(d);
    }
    out
}

#[cfg(test)]
/// The document numbers of a gap-encoded list.
pub(crate) fn docs(text: &str) -> Option<Vec<u32>> {
    let mut prev: Option<u32> = None;
    numbers(text)?
        .into_iter()
        .map(|g| {
            let d = match prev {
                Some(p) => p.checked_add(g)?.checked_add(1)?,
                None => g,
            };
            prev = Some(d);
            Some(d)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_numbers_take_one_character() {
        let mut s = String::new();
        for n in [0, 1, 31] {
            push_number(&mut s, n);
        }
        assert_eq!(s, "ABf");
        assert_eq!(gaps(&[0, 1, 2, 3]), "AAAA");
        assert_eq!(gaps(&[5, 40]), "FhC");
    }

    #[test]
    fn bad_text_is_refused() {
        assert_eq!(numbers("A*"), None);
        assert_eq!(numbers("g"), None, "ends inside a number");
        assert_eq!(numbers("________f"), None, "above u32");
    }

    #[test]
    fn the_first_number_splits_off() {
        let mut s = String::new();
        for n in [1234, 5, 0] {
            push_number(&mut s, n);
        }
        let (first, rest) = split_first(&s);
        assert_eq!((first, numbers(rest)), (1234, Some(vec![5, 0])));
        let mut seen = Vec::new();
        each_doc(&gaps(&[3, 4, 90, 1000]), |d| seen.push(d));
        assert_eq!(seen, [3, 4, 90, 1000]);
        let list = gaps(&[3, 4, 90, 1000]);
        assert!(any_doc(&list, |d| Some(d == 90)));
        assert!(!any_doc(&list, |d| Some(d == 91)));
        let mut read = 0;
        assert!(!any_doc(&list, |d| {
            read += 1;
            (d < 50).then_some(false)
        }));
        assert_eq!(read, 3, "stops at the first number past the bound");
    }

    proptest! {
        #[test]
        fn numbers_round_trip(ns in proptest::collection::vec(any::<u32>(), 0..50)) {
            let mut s = String::new();
            for &n in &ns {
                push_number(&mut s, n);
            }
            prop_assert_eq!(numbers(&s), Some(ns));
        }

        #[test]
        fn doc_lists_round_trip(mut ds in proptest::collection::btree_set(any::<u32>(), 0..50)) {
            let ds: Vec<u32> = std::mem::take(&mut ds).into_iter().collect();
            prop_assert_eq!(docs(&gaps(&ds)), Some(ds));
        }
    }
}
