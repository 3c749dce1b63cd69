//! What changed from one sorted list to the next: the entries new or
//! changed, and the keys of those gone. A large kept file (the build's
//! record, the story cache) writes a build's changes as a small file of
//! these beside its base instead of writing itself whole again.
//! [`Delta::between`] finds them in one pass over both lists (or their
//! owner knows them: [`Delta::new`]), [`Delta::apply`] puts them back in
//! one pass.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// An entry of a list kept sorted by its key.
pub(crate) trait Keyed {
    /// What the list is sorted by, and what tells two entries apart.
    fn key(&self) -> &str;
}

/// The changes from one list to another, both sorted by key in the order
/// given to [`Delta::between`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Delta<T> {
    /// The entries of the new list that the old did not have as they are,
    /// in order.
    put: Vec<T>,
    /// The keys of the entries of the old list that the new one has not,
    /// in order.
    gone: Vec<String>,
}

impl<T: Keyed> Keyed for &T {
    fn key(&self) -> &str {
        (*self).key()
    }
}

impl<T: Keyed> Delta<T> {
    /// The changes that put `put` (entries new or changed) and remove the
    /// entries of the keys `gone`, each in order.
    pub(crate) fn new(put: Vec<T>, gone: Vec<String>) -> Self {
        Delta { put, gone }
    }

    /// How many entries it puts or removes.
    pub(crate) fn len(&self) -> usize {
        self.put.len() + self.gone.len()
    }

    /// Whether it is in order by `order`, as [`Delta::apply`] needs it: a
    /// delta read from a file is checked before it is applied.
    pub(crate) fn is_sorted_by(&self, order: impl Fn(&str, &str) -> Ordering) -> bool {
        let put = self.put.windows(2);
        let gone = self.gone.windows(2);
        put.map(|w| order(w[0].key(), w[1].key()))
            .chain(gone.map(|w| order(&w[0], &w[1])))
            .all(|o| o == Ordering::Less)
    }

    /// `base` with the changes made: the list the delta was found to lead
    /// to, if `base` is the list it was found from (a key it removes that
    /// `base` has not is nothing to remove). The delta must be in order
    /// ([`Delta::is_sorted_by`]). An entry that replaces one of the same
    /// key is put in its place; only entries added or removed (if any)
    /// make a new list, in one pass.
    pub(crate) fn apply(self, mut base: Vec<T>, order: impl Fn(&str, &str) -> Ordering) -> Vec<T> {
        let find = |base: &[T], key: &str| base.binary_search_by(|b| order(b.key(), key));
        let mut added = Vec::new();
        for p in self.put {
            match find(&base, p.key()) {
                Ok(i) => base[i] = p,
                Err(_) => added.push(p),
            }
        }
        let gone: Vec<&str> = self
            .gone
            .iter()
            .map(String::as_str)
            .filter(|g| find(&base, g).is_ok())
            .collect();
        if added.is_empty() && gone.is_empty() {
            return base;
        }
        let mut out = Vec::with_capacity(base.len() + added.len());
        let mut added = added.into_iter().peekable();
        let mut gone = gone.into_iter().peekable();
        for b in base {
            while let Some(p) = added.next_if(|p| order(p.key(), b.key()) == Ordering::Less) {
                out.push(p);
            }
            if gone
                .next_if(|g| order(g, b.key()) == Ordering::Equal)
                .is_none()
            {
                out.push(b);
            }
        }
        out.extend(added);
        out
    }
}

impl<T: Keyed + PartialEq + Clone> Delta<T> {
    /// What turns `old` into `new` (each sorted by `order` of keys, each key
    /// once). Long lists are cut in two at a key and their halves compared
    /// in parallel.
    pub(crate) fn between(
        old: &[T],
        new: &[T],
        order: impl Fn(&str, &str) -> Ordering + Copy + Send + Sync,
    ) -> Self
    where
        T: Send + Sync,
    {
        const ALONE: usize = 1 << 14;
        if new.len() <= ALONE || old.len() <= ALONE {
            return Delta::between_alone(old, new, order);
        }
        let mid = new.len() / 2;
        let at = old.partition_point(|o| order(o.key(), new[mid].key()) == Ordering::Less);
        let (mut first, second) = rayon::join(
            || Delta::between(&old[..at], &new[..mid], order),
            || Delta::between(&old[at..], &new[mid..], order),
        );
        first.put.extend(second.put);
        first.gone.extend(second.gone);
        first
    }

    fn between_alone(old: &[T], new: &[T], order: impl Fn(&str, &str) -> Ordering) -> Self {
        let mut put = Vec::new();
        let mut gone = Vec::new();
        let (mut old, mut new) = (old.iter().peekable(), new.iter().peekable());
        loop {
            match (old.peek(), new.peek()) {
                (Some(o), Some(n)) => match order(o.key(), n.key()) {
                    Ordering::Less => {
                        gone.push(o.key().to_string());
                        old.next();
                    }
                    Ordering::Greater => {
                        put.push((*n).clone());
                        new.next();
                    }
                    Ordering::Equal => {
                        if o != n {
                            put.push((*n).clone());
                        }
                        old.next();
                        new.next();
                    }
                },
                (Some(o), None) => {
                    gone.push(o.key().to_string());
                    old.next();
                }
                (None, Some(n)) => {
                    put.push((*n).clone());
                    new.next();
                }
                (None, None) => break,
            }
        }
        Delta { put, gone }
    }

    /// The changes of `self`, then of `next`, as one delta: applied to
    /// a list, what applying `self` and then `next` gives, in one pass.
    pub(crate) fn then(self, next: Delta<T>, order: impl Fn(&str, &str) -> Ordering) -> Self {
        let has = |keys: &[String], key: &str| keys.binary_search_by(|k| order(k, key)).is_ok();
        let puts = |put: &[T], key: &str| put.binary_search_by(|p| order(p.key(), key)).is_ok();
        // Removed by either, unless `next` puts it back.
        let mut gone: Vec<String> = Vec::with_capacity(self.gone.len() + next.gone.len());
        let mut ours = self.gone.into_iter().peekable();
        let mut theirs = next.gone.iter().cloned().peekable();
        while let Some(key) = match (ours.peek(), theirs.peek()) {
            (Some(a), Some(b)) => match order(a, b) {
                Ordering::Less => ours.next(),
                Ordering::Greater => theirs.next(),
                Ordering::Equal => {
                    theirs.next();
                    ours.next()
                }
            },
            _ => ours.next().or_else(|| theirs.next()),
        } {
            if !puts(&next.put, &key) {
                gone.push(key);
            }
        }
        // Put by `next`, or by `self` unless `next` puts or removes it.
        let mut put = Vec::with_capacity(self.put.len() + next.put.len());
        let mut ours = self.put.into_iter().peekable();
        let mut theirs = next.put.into_iter().peekable();
        loop {
            let take_ours = match (ours.peek(), theirs.peek()) {
                (Some(a), Some(b)) => match order(a.key(), b.key()) {
                    Ordering::Less => true,
                    Ordering::Greater => false,
                    Ordering::Equal => {
                        ours.next();
                        false
                    }
                },
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let entry = if take_ours {
                ours.next()
            } else {
                theirs.next()
            };
            if let Some(e) = entry.filter(|e| !take_ours || !has(&next.gone, e.key())) {
                put.push(e);
            }
        }
        Delta { put, gone }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    struct E(String, u8);

    impl Keyed for E {
        fn key(&self) -> &str {
            &self.0
        }
    }

    fn list(keys: &std::collections::BTreeMap<String, u8>) -> Vec<E> {
        keys.iter().map(|(k, v)| E(k.clone(), *v)).collect()
    }

    #[test]
    fn puts_what_changed_and_removes_what_went() {
        let e = |k: &str, v| E(k.to_string(), v);
        let old = [e("a", 1), e("b", 1), e("c", 1)];
        let new = [e("a", 1), e("b", 2), e("d", 1)];
        let d = Delta::between(&old, &new, str::cmp);
        assert_eq!(d.put, [e("b", 2), e("d", 1)]);
        assert_eq!(d.gone, ["c"]);
        assert_eq!(d.len(), 3);
        assert!(d.is_sorted_by(str::cmp));
        assert_eq!(d.apply(old.to_vec(), str::cmp), new);
        let same = Delta::between(&new, &new, str::cmp);
        assert_eq!(same.len(), 0);
    }

    #[test]
    fn long_lists_compared_in_parts_give_the_same_delta() {
        let old: Vec<E> = (0..40_000).map(|i| E(format!("{i:06}"), 0)).collect();
        let mut new: Vec<E> = old
            .iter()
            .filter(|e| !e.0.ends_with("13"))
            .cloned()
            .collect();
        for e in new.iter_mut().step_by(777) {
            e.1 = 1;
        }
        new.extend((0..300).map(|i| E(format!("{:06}x", i * 131), 2)));
        new.sort_by(|a, b| a.0.cmp(&b.0));
        let d = Delta::between(&old, &new, str::cmp);
        assert_eq!(d, Delta::between_alone(&old, &new, str::cmp));
        assert!(d.is_sorted_by(str::cmp));
        assert_eq!(d.apply(old, str::cmp), new);
    }

    #[test]
    fn a_delta_out_of_order_is_refused() {
        let d = Delta::<E> {
            put: Vec::new(),
            gone: vec!["b".into(), "a".into()],
        };
        assert!(!d.is_sorted_by(str::cmp));
        let d = Delta::<E> {
            put: vec![E("a".into(), 1), E("a".into(), 2)],
            gone: Vec::new(),
        };
        assert!(!d.is_sorted_by(str::cmp));
    }

    proptest! {
        /// Whatever the two lists, applying the delta between them to the
        /// first gives the second; chained, so do several, one after
        /// another or made one ([`Delta::then`]).
        #[test]
        fn applying_the_delta_gives_the_new_list(
            lists in prop::collection::vec(
                prop::collection::btree_map("[a-c/]{0,3}", 0u8..3, 0..12), 1..5),
        ) {
            let order = crate::layout::walk_order;
            let sorted = |l: Vec<E>| {
                let mut l = l;
                l.sort_by(|a, b| order(&a.0, &b.0));
                l
            };
            let first = sorted(list(&lists[0]));
            let mut have = first.clone();
            let mut all = Delta { put: Vec::new(), gone: Vec::new() };
            for next in &lists[1..] {
                let next = sorted(list(next));
                let d = Delta::between(&have, &next, order);
                prop_assert!(d.is_sorted_by(order));
                all = all.then(d.clone(), order);
                prop_assert!(all.is_sorted_by(order));
                have = d.apply(have, order);
                prop_assert_eq!(&have, &next);
                // The deltas so far, as one, lead from the first list to
                // this one.
                prop_assert_eq!(&all.clone().apply(first.clone(), order), &next);
            }
        }
    }
}
