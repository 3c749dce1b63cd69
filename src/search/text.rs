//! Words as the search index stores them, and as `search.js` makes them of
//! a query: the two must agree character for character, so each rule here
//! has its twin in `search.js` (`fold`, `tokens`, `isCjk`).
//!
//! - **Folding**: Unicode NFD, then the combining diacritical marks
//!   (U+0300–U+036F: the accents of Latin, Greek and Cyrillic letters) are
//!   dropped, then NFC and lower case. `Ürümqi` and `urumqi` are one word;
//!   Hangul syllables and Indic vowel signs, which are not in that block,
//!   stay whole.
//! - **Words** are runs of letters and digits (`char::is_alphanumeric`,
//!   JavaScript's `\p{Alphabetic}` and `\p{N}`). A single letter on its own
//!   (the `s` of `Xi's`) is not a word; a single digit is.
//! - **Text without spaces** (Han, Hiragana, Katakana) is cut into
//!   overlapping pairs of characters (`青岛峰会`: `青岛`, `岛峰`, `峰会`), the
//!   usual way to index it without a dictionary: a query's pairs must all be
//!   there. A lone character is its own word.
//! - **Stemming** ([`Analyzer`]): other words are stemmed with the Snowball
//!   stemmer of the site's language (`rust-stemmers`), when it has one. The
//!   browser never stems: the index maps each form it saw to its stem
//!   (see `index.rs`).

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;

/// Whether `c` belongs to a script written without spaces between words.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // halfwidth Katakana
        | 0x20000..=0x3FFFF) // CJK extensions B and later
}

/// Whether `c` is, or decomposes into something holding, a combining
/// diacritical mark (U+0300–U+036F): the characters folding may change
/// besides their case (a test checks every character against it).
fn has_accent(c: char) -> bool {
    matches!(c as u32,
        0x00C0..=0x04F9 | 0x1E00..=0x1FFC | 0x212B..=0x22ED | 0x2ADC | 0x105C9..=0x105E4)
}

/// `text` folded: accents dropped, lower case.
pub(crate) fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    // Text in normal form with no accent to drop (most text that is not
    // ASCII: dashes and quotes, Chinese) is only lowercased.
    if !text.chars().any(has_accent)
        && unicode_normalization::is_nfc_quick(text.chars())
            == unicode_normalization::IsNormalized::Yes
    {
        return text.to_lowercase();
    }
    let stripped: String = text
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .nfc()
        .collect();
    stripped.to_lowercase()
}

/// `text` [`fold`]ed, in place when it is ASCII (a story's body, most
/// often: kilobytes not copied).
pub(crate) fn fold_owned(mut text: String) -> String {
    if text.is_ascii() {
        text.make_ascii_lowercase();
        return text;
    }
    fold(&text)
}

/// One word of a text.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// The folded word, or a pair of characters of text without spaces.
    pub text: String,
    /// Whether it comes from text without spaces (and is not stemmed).
    pub cjk: bool,
}

/// The words of `text`, folded, in order.
#[cfg(test)]
pub(crate) fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    tokens_into(&fold(text), |text, cjk| {
        out.push(Token {
            text: text.to_string(),
            cjk,
        })
    });
    out
}

/// Calls `emit(word, cjk)` for each word of `folded` (a text already
/// [`fold`]ed), in order. Words are slices of it: nothing is allocated,
/// and runs of ASCII are read a byte at a time.
pub(crate) fn tokens_into<'t>(folded: &'t str, mut emit: impl FnMut(&'t str, bool)) {
    let bytes = folded.as_bytes();
    let n = bytes.len();
    let char_at = |i: usize| folded[i..].chars().next().unwrap_or(' ');
    // The starts of the characters of the run of text without spaces
    // being read.
    let mut run: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        if b < 0x80 && !b.is_ascii_alphanumeric() {
            if !run.is_empty() {
                flush_run(folded, &mut run, i, &mut emit);
            }
            i += 1;
            continue;
        }
        let c = char_at(i);
        if is_cjk(c) {
            run.push(i);
            i += c.len_utf8();
            continue;
        }
        flush_run(folded, &mut run, i, &mut emit);
        if !c.is_alphanumeric() {
            i += c.len_utf8();
            continue;
        }
        // A word: letters and digits, ASCII or not, up to a separator or
        // text without spaces.
        let start = i;
        let mut chars = 0;
        loop {
            while i < n && bytes[i].is_ascii_alphanumeric() {
                i += 1;
                chars += 1;
            }
            if i < n && bytes[i] >= 0x80 {
                let c = char_at(i);
                if c.is_alphanumeric() && !is_cjk(c) {
                    i += c.len_utf8();
                    chars += 1;
                    continue;
                }
            }
            break;
        }
        // A single letter on its own is not a word; a single digit is.
        if chars > 1 || char_at(start).is_numeric() {
            emit(&folded[start..i], false);
        }
    }
    flush_run(folded, &mut run, n, &mut emit);
}

/// Emits the run of text without spaces whose characters start at `run`
/// and which ends at `end`: its overlapping pairs, or its one character.
fn flush_run<'t>(
    folded: &'t str,
    run: &mut Vec<usize>,
    end: usize,
    emit: &mut impl FnMut(&'t str, bool),
) {
    match run.len() {
        0 => return,
        1 => emit(&folded[run[0]..end], true),
        n => {
            for k in 0..n - 1 {
                let to = run.get(k + 2).copied().unwrap_or(end);
                emit(&folded[run[k]..to], true);
            }
        }
    }
    run.clear();
}

/// Turns folded words into the terms the index stores: stemmed in the
/// site's language when a stemmer for it exists.
pub(crate) struct Analyzer {
    stemmer: Option<Stemmer>,
}

impl Analyzer {
    /// The analyzer for `language` (BCP 47: `en`, `de-CH`, `pt-BR`).
    pub(crate) fn new(language: &str) -> Analyzer {
        Analyzer {
            stemmer: algorithm(language).map(Stemmer::create),
        }
    }

    /// Whether words are stemmed.
    #[cfg(test)]
    pub(crate) fn stems(&self) -> bool {
        self.stemmer.is_some()
    }

    /// The term a word is indexed under.
    pub(crate) fn term<'w>(&self, word: &'w str, cjk: bool) -> std::borrow::Cow<'w, str> {
        match &self.stemmer {
            // Digits and mixed codes (`g20`, `2017`) are not words to stem.
            Some(s) if !cjk && !word.chars().any(|c| c.is_numeric()) => s.stem(word),
            _ => word.into(),
        }
    }
}

/// The Snowball algorithm for a language tag's primary language.
fn algorithm(language: &str) -> Option<Algorithm> {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    Some(match primary.as_str() {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn folding_drops_accents_and_case_but_keeps_hangul_whole() {
        assert_eq!(fold("Ürümqi CAFÉ Ñandú"), "urumqi cafe nandu");
        assert_eq!(fold("Ελλάδα"), "ελλαδα");
        assert_eq!(fold("서울"), "서울");
        assert_eq!(fold("हिन्दी"), "हिन्दी");
    }

    #[test]
    fn only_characters_with_accents_need_more_than_lower_case() {
        for c in (0..0x11_0000u32).filter_map(char::from_u32) {
            if !has_accent(c) {
                assert!(
                    !c.to_string()
                        .nfd()
                        .any(|d| ('\u{300}'..='\u{36f}').contains(&d)),
                    "U+{:04X} decomposes into an accent",
                    c as u32
                );
            }
        }
        assert_eq!(fold("“Quoted” — 青岛"), "“quoted” — 青岛");
        assert_eq!(
            fold("\u{2014}Ökonomie “Quoted” 青岛"),
            "\u{2014}okonomie “quoted” 青岛"
        );
    }

    #[test]
    fn words_split_on_punctuation_and_drop_lone_letters() {
        assert_eq!(
            words("BEIJING, July 3 (Xinhua) -- Xi's anti-terror G20 talks"),
            ["beijing", "july", "3", "xinhua", "xi", "anti", "terror", "g20", "talks"]
        );
    }

    #[test]
    fn text_without_spaces_is_cut_into_pairs() {
        assert_eq!(words("青岛峰会"), ["青岛", "岛峰", "峰会"]);
        assert_eq!(words("习 近平"), ["习", "近平"]);
        assert_eq!(words("上海Expo展"), ["上海", "expo", "展"]);
        assert!(tokens("青岛").iter().all(|t| t.cjk));
        assert_eq!(words("カタカナ"), ["カタ", "タカ", "カナ"]);
    }

    #[test]
    fn stemming_follows_the_site_language() {
        let en = Analyzer::new("en");
        assert_eq!(en.term("running", false), "run");
        assert_eq!(en.term("summits", false), "summit");
        assert_eq!(en.term("g20", false), "g20");
        assert_eq!(en.term("青岛", true), "青岛");
        let de = Analyzer::new("de-CH");
        assert_eq!(de.term(&fold("Häuser"), false), de.term("haus", false));
        let none = Analyzer::new("zh-Hans");
        assert!(!none.stems());
        assert_eq!(none.term("running", false), "running");
    }
}
