//! Several workers on one ticket system: each owns a fixed share of the tickets.
//!
//! Worker `index` of `count` handles exactly the tickets whose id falls into its share; the
//! others never see them. Nothing is claimed or locked on the server, so the pattern holds on
//! any OTOBO / Znuny / OTRS (whose GenericInterface has no compare-and-set: two workers
//! "locking" one ticket would both succeed), with no window in which two workers take the
//! same ticket. Its limits: the shares are fixed (a stopped worker's tickets wait for it to
//! come back, so run workers under a supervisor that restarts them), and all workers must
//! agree on `count` (change it only with all workers stopped).

use std::fmt;
use std::str::FromStr;

/// This worker's share: `index` of `count` (`0/1`: everything).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    index: u32,
    count: u32,
}

impl Default for Partition {
    fn default() -> Self {
        Self { index: 0, count: 1 }
    }
}

/// Why a partition is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PartitionError(String);

impl Partition {
    /// Worker `index` (from 0) of `count`.
    pub fn new(index: u32, count: u32) -> Result<Self, PartitionError> {
        if count == 0 {
            return Err(PartitionError("the number of workers must be at least 1".into()));
        }
        if index >= count {
            return Err(PartitionError(format!(
                "worker index {index} is out of range: with {count} worker(s) it is 0 to {}",
                count - 1
            )));
        }
        Ok(Self { index, count })
    }

    /// This worker's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The number of workers.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether there is more than one worker.
    pub fn is_shared(&self) -> bool {
        self.count > 1
    }

    /// Whether ticket `id` is this worker's: a numeric id by its value modulo `count` (so
    /// consecutive tickets alternate), any other id by a stable hash (FNV-1a) of its text.
    pub fn owns(&self, id: &str) -> bool {
        if self.count == 1 {
            return true;
        }
        let bucket = match id.trim().parse::<u64>() {
            Ok(number) => number % u64::from(self.count),
            Err(_) => fnv1a(id.as_bytes()) % u64::from(self.count),
        };
        bucket == u64::from(self.index)
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Partition {
    type Err = PartitionError;

    /// `INDEX/COUNT`, e.g. `0/2`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (index, count) = text.split_once('/').ok_or_else(|| {
            PartitionError(format!("`{text}` is not INDEX/COUNT (e.g. `0/2`)"))
        })?;
        let number = |part: &str, what: &str| {
            part.trim().parse::<u32>().map_err(|_| {
                PartitionError(format!("`{text}`: the {what} `{part}` is not a number"))
            })
        };
        Self::new(number(index, "index")?, number(count, "count")?)
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn every_ticket_has_exactly_one_owner() {
        let workers: Vec<Partition> = (0..3).map(|i| Partition::new(i, 3).unwrap()).collect();
        for id in (1..200).map(|n| n.to_string()).chain(["A-7".into(), "x".into()]) {
            let owners = workers.iter().filter(|w| w.owns(&id)).count();
            assert_eq!(owners, 1, "ticket {id}");
        }
        assert!(Partition::default().owns("anything"));
    }

    #[test]
    fn parses_index_of_count_and_explains_mistakes() {
        assert_eq!("1/2".parse::<Partition>().unwrap(), Partition::new(1, 2).unwrap());
        assert!("2/2".parse::<Partition>().unwrap_err().0.contains("0 to 1"));
        assert!("1".parse::<Partition>().unwrap_err().0.contains("INDEX/COUNT"));
        assert!("a/2".parse::<Partition>().unwrap_err().0.contains("index `a`"));
        assert!(Partition::new(0, 0).is_err());
    }
}
