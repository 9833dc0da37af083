//! A list that is cheap to copy: the page state is cloned on every action (a hover, a key),
//! and a history of 100,000 ops must not be copied each time.
//!
//! The items sit in chunks of [`CHUNK`] behind `Rc`s. A clone copies the chunk pointers only;
//! a push copies at most the one chunk it writes to (when another state still shares it);
//! truncating keeps the chunks before the cut.

use std::rc::Rc;

/// Items per chunk.
pub const CHUNK: usize = 256;

/// A shared, append-mostly list.
#[derive(Clone, Debug)]
pub struct Seq<T> {
    chunks: Vec<Rc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Seq<T> {
    fn default() -> Self {
        Seq {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> Seq<T> {
    /// An empty list.
    pub fn new() -> Seq<T> {
        Seq::default()
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The item at `i`.
    pub fn get(&self, i: usize) -> Option<&T> {
        (i < self.len).then(|| &self.chunks[i / CHUNK][i % CHUNK])
    }

    /// The last item.
    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// Adds an item at the end.
    pub fn push(&mut self, item: T) {
        if self.len % CHUNK == 0 {
            let mut v = Vec::with_capacity(CHUNK);
            v.push(item);
            self.chunks.push(Rc::new(v));
        } else if let Some(last) = self.chunks.last_mut() {
            Rc::make_mut(last).push(item);
        }
        self.len += 1;
    }

    /// Replaces the item at `i` (copying its chunk if it is shared).
    pub fn set(&mut self, i: usize, item: T) {
        if i < self.len {
            Rc::make_mut(&mut self.chunks[i / CHUNK])[i % CHUNK] = item;
        }
    }

    /// Keeps the first `n` items.
    pub fn truncate(&mut self, n: usize) {
        if n >= self.len {
            return;
        }
        self.chunks.truncate(n.div_ceil(CHUNK));
        if n % CHUNK != 0 {
            if let Some(last) = self.chunks.last_mut() {
                Rc::make_mut(last).truncate(n % CHUNK);
            }
        }
        self.len = n;
    }

    /// The first `n` items (all of them if there are fewer).
    pub fn prefix(&self, n: usize) -> Seq<T> {
        let mut s = self.clone();
        s.truncate(n);
        s
    }

    /// The items in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// The items from `start` (up to `count` of them).
    pub fn range(&self, start: usize, count: usize) -> impl Iterator<Item = &T> + '_ {
        (start..(start.saturating_add(count)).min(self.len)).filter_map(|i| self.get(i))
    }

    /// A plain vector of the items.
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }
}

impl<T: Clone> FromIterator<T> for Seq<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut s = Seq::new();
        for x in iter {
            s.push(x);
        }
        s
    }
}

impl<T: Clone + PartialEq> PartialEq for Seq<T> {
    /// Equal items; shared chunks are compared by identity first.
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len
            && self
                .chunks
                .iter()
                .zip(&other.chunks)
                .all(|(a, b)| Rc::ptr_eq(a, b) || a == b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn pushes_truncates_and_shares() {
        let mut a: Seq<usize> = (0..1000).collect();
        assert_eq!(a.len(), 1000);
        assert_eq!(a.get(999), Some(&999));
        assert_eq!(a.get(1000), None);
        let b = a.clone();
        a.truncate(300);
        a.push(7);
        assert_eq!(a.len(), 301);
        assert_eq!(a.get(300), Some(&7));
        assert_eq!(b.get(300), Some(&300), "the clone is untouched");
        assert_eq!(b.prefix(300), a.prefix(300));
        assert_ne!(a, b);
        assert_eq!(a.iter().next_back(), Some(&7));
        assert_eq!(
            a.range(298, 10).copied().collect::<Vec<_>>(),
            vec![298, 299, 7]
        );
        let mut c = b.clone();
        c.truncate(CHUNK * 2);
        assert_eq!(c.len(), CHUNK * 2);
        assert_eq!(c.last(), Some(&(CHUNK * 2 - 1)));
        c.push(1);
        assert_eq!(c.len(), CHUNK * 2 + 1);
        c.truncate(0);
        assert!(c.is_empty() && c.last().is_none());
        assert_eq!(b.to_vec(), (0..1000).collect::<Vec<_>>());
        let mut d = b.clone();
        d.set(700, 1);
        d.set(5000, 1);
        assert_eq!(
            (d.get(700), b.get(700), d.len()),
            (Some(&1), Some(&700), 1000)
        );
    }
}
