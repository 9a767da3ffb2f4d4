//! Look-back checks (回头看): which closed issues a campaign samples. The sample is
//! stratified by lead department and deterministic for a given seed, so that anyone with the
//! list of closed issues can draw it again:
//!
//! 1. The population is every issue closed (county date of `closedAt`) within the range.
//! 2. Each lead department's share of `sampleSize` (at most the population) is proportional
//!    to its number of closed issues, rounded down; the places left over go to the
//!    departments with the largest remainders, ties to the smaller department id.
//! 3. Within a department, issues are ranked by SHA-256 of the text `"<seed>:<issue id>"`
//!    (decimal numbers, no spaces), smallest digest first, and the first ones are taken.

use sha2::{Digest, Sha256};

/// One closed issue of the population: its id and its lead department.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    pub issue_id: i64,
    pub lead_department_id: i64,
}

/// The ids of the sampled issues, by lead department then rank.
pub fn sample(population: &[Closed], sample_size: usize, seed: i64) -> Vec<i64> {
    let mut strata: std::collections::BTreeMap<i64, Vec<i64>> = std::collections::BTreeMap::new();
    for closed in population {
        strata.entry(closed.lead_department_id).or_default().push(closed.issue_id);
    }
    let sizes: Vec<(i64, usize)> = strata.iter().map(|(department, ids)| (*department, ids.len())).collect();
    let mut taken = Vec::new();
    for (department, share) in allocate(&sizes, sample_size) {
        let mut ids = strata.remove(&department).unwrap_or_default();
        ids.sort_by_cached_key(|id| rank(seed, *id));
        taken.extend(ids.into_iter().take(share));
    }
    taken
}

/// Each stratum's share of `sample_size`, by largest remainder.
pub fn allocate(strata: &[(i64, usize)], sample_size: usize) -> Vec<(i64, usize)> {
    let total: usize = strata.iter().map(|(_, size)| size).sum();
    let n = sample_size.min(total);
    if total == 0 {
        return Vec::new();
    }
    let mut shares: Vec<(i64, usize, usize)> =
        strata.iter().map(|(id, size)| (*id, size * n / total, size * n % total)).collect();
    let mut left = n - shares.iter().map(|(_, share, _)| share).sum::<usize>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| shares[*b].2.cmp(&shares[*a].2).then(shares[*a].0.cmp(&shares[*b].0)));
    for index in order {
        if left == 0 {
            break;
        }
        shares[index].1 += 1;
        left -= 1;
    }
    shares.into_iter().map(|(id, share, _)| (id, share)).collect()
}

/// An issue's place in the draw for `seed`.
pub fn rank(seed: i64, issue_id: i64) -> [u8; 32] {
    Sha256::digest(format!("{seed}:{issue_id}").as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn population() -> Vec<Closed> {
        let mut all = Vec::new();
        for id in 1..=60 {
            all.push(Closed {
                issue_id: id,
                lead_department_id: if id <= 30 {
                    1
                } else if id <= 50 {
                    2
                } else {
                    3
                },
            });
        }
        all
    }

    #[test]
    fn shares_follow_the_strata_by_largest_remainder() {
        assert_eq!(allocate(&[(1, 30), (2, 20), (3, 10)], 6), [(1, 3), (2, 2), (3, 1)]);
        // 7 of 60: 3.5, 2.33, 1.17 → 3, 2, 1 and the one left to the largest remainder (1).
        assert_eq!(allocate(&[(1, 30), (2, 20), (3, 10)], 7), [(1, 4), (2, 2), (3, 1)]);
        assert_eq!(allocate(&[(1, 2), (2, 1)], 10), [(1, 2), (2, 1)], "never more than the population");
        assert!(allocate(&[], 5).is_empty());
    }

    #[test]
    fn the_same_seed_draws_the_same_sample_and_another_seed_another() {
        let first = sample(&population(), 12, 2026);
        assert_eq!(first.len(), 12);
        assert_eq!(first, sample(&population(), 12, 2026));
        assert_ne!(first, sample(&population(), 12, 2027));
        let from_department =
            |d: i64| first.iter().filter(|id| population()[**id as usize - 1].lead_department_id == d).count();
        assert_eq!((from_department(1), from_department(2), from_department(3)), (6, 4, 2));
    }

    #[test]
    fn the_rank_is_the_documented_digest() {
        // SHA-256 of "7:42", as `printf '7:42' | sha256sum` prints it.
        let hex: String = hex::encode(rank(7, 42));
        assert_eq!(hex, "6fb44d7d504d375b683a4d47a257dfc80e30b730e9ea55238d9001f2886e79c5");
    }
}
