//! A shared value whose equality is identity, for props and the page state.

use std::ops::Deref;
use std::rc::Rc;

/// A shared value in props, equal only to itself: re-rendering is decided by identity, so a
/// view re-renders when the layout is recomputed and not when anything else changes.
pub struct Shared<T>(pub Rc<T>);

/// Prints the identity only: what decides equality, and it keeps a whole machine's `Debug`
/// out of the bundle.
impl<T> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Shared({:p})", Rc::as_ptr(&self.0))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
