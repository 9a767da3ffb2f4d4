//! The Merkle tree of a sealed report, as RFC 6962 (Certificate Transparency) defines it, so
//! that any implementation of that RFC checks our proofs:
//!
//! - a leaf's hash is `SHA-256(0x00 ‖ leaf)`, an inner node's `SHA-256(0x01 ‖ left ‖ right)`;
//! - the tree of `n > 1` leaves splits at `k`, the largest power of two below `n`: the first
//!   `k` leaves on the left, the rest on the right;
//! - the tree of no leaves is `SHA-256("")`.
//!
//! An inclusion proof (audit path) lists the sibling hashes from the leaf up to the root.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(leaf);
    hasher.finalize().into()
}

fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The largest power of two strictly below `n` (`n > 1`).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The root over leaf hashes, in order.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index`: sibling hashes, from the leaf's level up.
pub fn audit_path(leaves: &[Hash], index: usize) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 || index >= n {
        return Vec::new();
    }
    let k = split(n);
    if index < k {
        let mut path = audit_path(&leaves[..k], index);
        path.push(root(&leaves[k..]));
        path
    } else {
        let mut path = audit_path(&leaves[k..], index - k);
        path.push(root(&leaves[..k]));
        path
    }
}

/// The root that a leaf hash at `index` of `size` leaves gives with `path` (RFC 9162's
/// verification algorithm); `None` when the path does not fit the size.
pub fn root_from_path(leaf: Hash, index: usize, size: usize, path: &[Hash]) -> Option<Hash> {
    if index >= size {
        return None;
    }
    let (mut fn_, mut sn, mut r) = (index, size - 1, leaf);
    for p in path {
        if sn == 0 {
            return None;
        }
        if fn_ % 2 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ % 2 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    (sn == 0).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("leaf {i}").as_bytes())).collect()
    }

    #[test]
    fn every_leaf_of_every_size_proves_the_root() {
        for n in 1..=17 {
            let all = leaves(n);
            let top = root(&all);
            for i in 0..n {
                let path = audit_path(&all, i);
                assert_eq!(root_from_path(all[i], i, n, &path), Some(top), "leaf {i} of {n}");
                let wrong = leaf_hash(b"other");
                assert_ne!(root_from_path(wrong, i, n, &path), Some(top));
            }
        }
    }

    #[test]
    fn the_tree_matches_rfc_6962_by_hand() {
        let l = leaves(3);
        assert_eq!(root(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        assert_eq!(root(&[]), <[u8; 32]>::from(Sha256::digest([])));
    }
}
