//! Gas statistics over recorded calls.

use std::collections::BTreeMap;

use crate::CallRecord;

/// Min, median and max gas of one function over a run, and how often it was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct GasStats {
    /// Smallest gas used.
    pub min: u64,
    /// Median gas used (the lower middle value for an even count).
    pub median: u64,
    /// Largest gas used.
    pub max: u64,
    /// Number of calls.
    pub calls: usize,
    /// Median calldata size in bytes (what the call costs in data, and what it posts on chain).
    pub calldata_bytes: usize,
}

/// Gas statistics per function label, over the successful calls of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GasTable(pub BTreeMap<String, GasStats>);

impl GasTable {
    /// Builds the table from recorded calls; failed calls are left out (their gas says how far
    /// a revert got, not what the operation costs).
    pub fn from_records(records: &[CallRecord]) -> Self {
        let mut by_label: BTreeMap<String, (Vec<u64>, Vec<usize>)> = BTreeMap::new();
        for record in records.iter().filter(|record| record.success) {
            let (gas, bytes) = by_label.entry(record.label.clone()).or_default();
            gas.push(record.gas_used);
            bytes.push(record.calldata_bytes);
        }
        let table = by_label
            .into_iter()
            .filter_map(|(label, (mut gas, mut bytes))| {
                gas.sort_unstable();
                bytes.sort_unstable();
                let stats = GasStats {
                    min: *gas.first()?,
                    median: lower_median(&gas)?,
                    max: *gas.last()?,
                    calls: gas.len(),
                    calldata_bytes: lower_median(&bytes)?,
                };
                Some((label, stats))
            })
            .collect();
        Self(table)
    }

    /// The statistics of one function.
    pub fn get(&self, label: &str) -> Option<&GasStats> {
        self.0.get(label)
    }
}

/// The lower middle value of a sorted slice.
fn lower_median<T: Copy>(sorted: &[T]) -> Option<T> {
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(label: &str, gas_used: u64, success: bool) -> CallRecord {
        CallRecord {
            label: label.into(),
            gas_used,
            calldata_bytes: 4,
            success,
            from: alloy_primitives::Address::ZERO,
            fee_paid: alloy_primitives::U256::ZERO,
        }
    }

    #[test]
    fn min_median_max_over_successful_calls() {
        let records = [
            record("a", 30, true),
            record("a", 10, true),
            record("a", 20, true),
            record("a", 99, false),
            record("b", 5, true),
        ];
        let table = GasTable::from_records(&records);
        assert_eq!(table.get("a"), Some(&GasStats { min: 10, median: 20, max: 30, calls: 3, calldata_bytes: 4 }));
        assert_eq!(table.get("b"), Some(&GasStats { min: 5, median: 5, max: 5, calls: 1, calldata_bytes: 4 }));
    }

    #[test]
    fn even_count_takes_the_lower_middle() {
        let table = GasTable::from_records(&[record("a", 1, true), record("a", 2, true)]);
        assert_eq!(table.get("a").map(|s| s.median), Some(1));
    }
}
