//! The typo fallback: "levy" still finds "Levi". Candidates come from a memmem pass for the
//! word minus its last or first letter, so the scorer runs on a few records, never on all.

/// Edits allowed for a word of `len` characters; short words get none, they are all typos
/// of something.
pub(super) fn budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Longest word the scorer compares; longer ones are not typos of a name.
const MAX_WORD: usize = 48;

/// Optimal-string-alignment distance (substitution, insertion, deletion, swap of two
/// neighbours), or `None` once it exceeds `max`. Rows live on the stack: this runs for
/// thousands of candidate words per keystroke.
pub(super) fn distance<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max || a.len() >= MAX_WORD || b.len() >= MAX_WORD {
        return None;
    }
    let w = b.len() + 1;
    let mut prev2 = [0usize; MAX_WORD + 1];
    let mut prev = [0usize; MAX_WORD + 1];
    let mut cur = [0usize; MAX_WORD + 1];
    for (j, p) in prev.iter_mut().enumerate().take(w) {
        *p = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        prev2 = prev;
        prev = cur;
    }
    Some(prev[b.len()]).filter(|d| *d <= max)
}

/// The smallest distance from `word` to any space-separated word of `hay`, within `max`.
/// Folded text is mostly ASCII, compared byte by byte; other text char by char.
#[cfg(test)]
pub(super) fn best(word: &[char], hay: &str, max: usize) -> Option<usize> {
    best_of(word, ascii(word).as_deref(), hay, max)
}

/// `word` as bytes when it is all ASCII, computed once per query word.
pub(super) fn ascii(word: &[char]) -> Option<Vec<u8>> {
    word.iter()
        .map(|c| u8::try_from(*c).ok().filter(u8::is_ascii))
        .collect()
}

/// `best` with the word's ASCII form given.
pub(super) fn best_of(word: &[char], ascii: Option<&[u8]>, hay: &str, max: usize) -> Option<usize> {
    let mut chars = Vec::new();
    hay.split([' ', '@', '.', '\u{1}'])
        .filter(|w| !w.is_empty())
        .filter_map(|w| match ascii {
            Some(a) if w.is_ascii() => distance(a, w.as_bytes(), max),
            _ => {
                chars.clear();
                chars.extend(w.chars());
                distance(word, &chars, max)
            }
        })
        .min()
}

/// The needles whose matches are the candidates: the word's first three letters and its
/// last three. One typo leaves one of them intact in words of six letters or more, and in
/// shorter ones when it is in the first or last letter ("levy", "kevi"); a typo in the
/// middle of a short word is not found. That is the price of never scoring every record.
pub(super) fn needles(word: &[char]) -> Vec<String> {
    let n = word.len();
    if n < 4 {
        return Vec::new();
    }
    vec![word[..3].iter().collect(), word[n - 3..].iter().collect()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn distances() {
        assert_eq!(distance(&c("levy"), &c("levi"), 1), Some(1));
        assert_eq!(distance(&c("lvei"), &c("levi"), 1), Some(1));
        assert_eq!(distance(&c("levi"), &c("levi"), 1), Some(0));
        assert_eq!(distance(&c("cohen"), &c("levi"), 2), None);
        assert_eq!(distance(&c("lev"), &c("levi"), 1), Some(1));
        assert_eq!(best(&c("levy"), "dana levi a@b.c", 1), Some(1));
    }

    #[test]
    fn needles_survive_one_typo_anywhere() {
        for typo in ["xevi", "levx", "levyn", "lxvinson", "levinsxn"] {
            let word = c(typo);
            let hits = needles(&word)
                .iter()
                .any(|n| "dana levinson".contains(n.as_str()));
            assert!(hits, "{typo}");
        }
    }
}
