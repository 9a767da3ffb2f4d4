//! Answer objects whose keys are hashed once per thread, not once per object.
//!
//! An answer object is an `IndexMap<Name, Value>`, and every insert hashes its key with the
//! map's SipHash. A list page of 50 issues inserts about a thousand keys, and they are the
//! same dozen or so response keys over and over: hashing them was about 6% of a list page's
//! instructions, and half of that is gone. Here every object `fast_object` builds shares one
//! hasher, and each response key's hash under it is remembered by the address of the key's
//! text.
//!
//! A remembered entry holds a clone of its `Name` (a shared string), so that its text is not
//! freed and its address given to another name while it is remembered; the text is compared
//! all the same before a remembered hash is used.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::sync::LazyLock;

use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::raw_entry_v1::{RawEntryApiV1, RawEntryMut};
use async_graphql::{Name, Value};

/// Keys remembered per thread before the memory is cleared: far more than the distinct
/// response keys of the documents a server keeps parsed.
const REMEMBERED_KEYS: usize = 4096;

/// The hasher of every object built here: random for the process, as a `RandomState` is.
static OBJECT_HASHER: LazyLock<RandomState> = LazyLock::new(RandomState::new);

thread_local! {
    static KEY_HASHES: RefCell<HashMap<usize, (Name, u64), BuildHasherDefault<AddressHasher>>> =
        RefCell::new(HashMap::default());
}

/// Hashes an address (a `usize`) by one multiplication: addresses are not chosen by clients.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*byte)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_usize(&mut self, address: usize) {
        self.0 = (address as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// The hash of `key` under `OBJECT_HASHER`.
fn key_hash(key: &Name) -> u64 {
    let address = key.as_str().as_ptr() as usize;
    KEY_HASHES.with(|hashes| {
        let mut hashes = hashes.borrow_mut();
        if let Some((known, hash)) = hashes.get(&address)
            && known == key
        {
            return *hash;
        }
        if hashes.len() >= REMEMBERED_KEYS {
            hashes.clear();
        }
        let hash = OBJECT_HASHER.hash_one(key);
        hashes.insert(address, (key.clone(), hash));
        hash
    })
}

/// An empty answer object for `capacity` keys, hashed with `OBJECT_HASHER`.
pub(crate) fn new_object(capacity: usize) -> IndexMap<Name, Value> {
    IndexMap::with_capacity_and_hasher(capacity, OBJECT_HASHER.clone())
}

/// Inserts `value` under `key` into `object`, made by `new_object`. When `key` is there
/// already, nothing is inserted: the earlier value and `value` come back, to be merged.
pub(crate) fn insert(object: &mut IndexMap<Name, Value>, key: Name, value: Value) -> Option<(&mut Value, Value)> {
    let hash = key_hash(&key);
    match object.raw_entry_mut_v1().from_hash(hash, |earlier| *earlier == key) {
        RawEntryMut::Occupied(earlier) => Some((earlier.into_mut(), value)),
        RawEntryMut::Vacant(free) => {
            free.insert_hashed_nocheck(hash, key, value);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Name, Value};

    use super::{insert, new_object};

    #[test]
    fn objects_keep_their_keys_in_order_findable_and_once() {
        let keys: Vec<Name> = ["id", "code", "title", "lead", "id"].into_iter().map(Name::new).collect();
        let mut objects = Vec::new();
        for round in 0..3 {
            let mut object = new_object(keys.len());
            for (index, key) in keys.iter().enumerate() {
                // The same `Name` each round (its hash remembered), and a fresh copy of its text.
                let key = if round == 2 { Name::new(key.as_str()) } else { key.clone() };
                let earlier = insert(&mut object, key, Value::from(index as i32));
                assert_eq!(earlier.is_some(), index == 4, "only the second `id` finds one before it");
            }
            objects.push(object);
        }
        for object in objects {
            let order: Vec<&str> = object.keys().map(Name::as_str).collect();
            assert_eq!(order, ["id", "code", "title", "lead"]);
            // Found through the map's own hasher: the hashes given at insert were its own.
            assert_eq!(object.get("title"), Some(&Value::from(2)));
            assert_eq!(object.get("id"), Some(&Value::from(0)));
            assert_eq!(object.get("missing"), None);
        }
    }
}
