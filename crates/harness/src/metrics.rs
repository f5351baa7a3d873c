//! Gas statistics over recorded calls: per contract function ([`GasTable`]) and per kind of
//! operation ([`Operation`], [`OperationTable`]), the view that compares designs whose functions
//! differ in name.

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
    /// Builds the table from recorded calls (successful ones only).
    pub fn from_records(records: &[CallRecord]) -> Self {
        Self(group_stats(records, |record| Some(record.label.clone())))
    }

    /// The statistics of one function.
    pub fn get(&self, label: &str) -> Option<&GasStats> {
        self.0.get(label)
    }
}

/// What a root-chain call does, whatever the design calls the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// A deposit into the framework (the operator's liquidity deposits included).
    Deposit,
    /// The operator commits a child block's root.
    BlockSubmission,
    /// An exit starts: standard, deposit, in-flight or from a checkpoint, and piggybacks.
    ExitStart,
    /// A challenge of an exit or checkpoint, or the cancellation of a stale exit.
    Challenge,
    /// An answer to a challenge.
    Response,
    /// Processing of mature exits (one call, however many exits it pays).
    Processing,
    /// The operator proposes or finalises a checkpoint.
    Checkpoint,
    /// A user pulls what the framework owes it.
    Withdrawal,
}

impl Operation {
    /// Every operation, in report order.
    pub const ALL: [Self; 8] = [
        Self::Deposit,
        Self::BlockSubmission,
        Self::ExitStart,
        Self::Challenge,
        Self::Response,
        Self::Processing,
        Self::Checkpoint,
        Self::Withdrawal,
    ];

    /// The operation a function label stands for; `None` for deployment and registration.
    pub fn of(label: &str) -> Option<Self> {
        Some(match label {
            "deposit" | "addLiquidity" => Self::Deposit,
            "submitBlock" => Self::BlockSubmission,
            "processExits" => Self::Processing,
            "withdraw" => Self::Withdrawal,
            "proposeCheckpoint" | "finalizeCheckpoint" => Self::Checkpoint,
            "cancelStaleExit" => Self::Challenge,
            _ if label.starts_with("start") || label.starts_with("piggyback") => Self::ExitStart,
            _ if label.starts_with("challenge") => Self::Challenge,
            _ if label.starts_with("respond") => Self::Response,
            _ => return None,
        })
    }

    /// The name the report uses.
    pub fn name(self) -> &'static str {
        match self {
            Self::Deposit => "deposit",
            Self::BlockSubmission => "block submission",
            Self::ExitStart => "exit start",
            Self::Challenge => "challenge",
            Self::Response => "response",
            Self::Processing => "processing",
            Self::Checkpoint => "checkpoint",
            Self::Withdrawal => "withdrawal",
        }
    }
}

/// Gas statistics per operation, over the successful calls of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OperationTable(pub BTreeMap<Operation, GasStats>);

impl OperationTable {
    /// Groups the successful calls of `records` by operation.
    pub fn from_records(records: &[CallRecord]) -> Self {
        Self(group_stats(records, |record| Operation::of(&record.label)))
    }

    /// The statistics of one operation.
    pub fn get(&self, operation: Operation) -> Option<&GasStats> {
        self.0.get(&operation)
    }
}

/// Statistics of the successful calls of `records`, grouped by `key` (calls without a key are
/// left out). Failed calls are left out too: their gas says how far a revert got, not what the
/// operation costs.
fn group_stats<K: Ord>(records: &[CallRecord], key: impl Fn(&CallRecord) -> Option<K>) -> BTreeMap<K, GasStats> {
    let mut grouped: BTreeMap<K, (Vec<u64>, Vec<usize>)> = BTreeMap::new();
    for record in records.iter().filter(|record| record.success) {
        if let Some(key) = key(record) {
            let (gas, bytes) = grouped.entry(key).or_default();
            gas.push(record.gas_used);
            bytes.push(record.calldata_bytes);
        }
    }
    grouped.into_iter().filter_map(|(key, (gas, bytes))| Some((key, GasStats::from_samples(gas, bytes)?))).collect()
}

impl GasStats {
    /// Min, median and max of `gas`, and the median of `bytes`; `None` without samples.
    fn from_samples(mut gas: Vec<u64>, mut bytes: Vec<usize>) -> Option<Self> {
        gas.sort_unstable();
        bytes.sort_unstable();
        Some(Self {
            min: *gas.first()?,
            median: lower_median(&gas)?,
            max: *gas.last()?,
            calls: gas.len(),
            calldata_bytes: lower_median(&bytes)?,
        })
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
    fn operations_group_functions_across_designs() {
        for (label, operation) in [
            ("startDepositExit", Some(Operation::ExitStart)),
            ("piggybackInFlightExitOnOutput", Some(Operation::ExitStart)),
            ("challengeInFlightExitNotCanonical", Some(Operation::Challenge)),
            ("respondCheckpointSignOff", Some(Operation::Response)),
            ("proposeCheckpoint", Some(Operation::Checkpoint)),
            ("addLiquidity", Some(Operation::Deposit)),
            ("deploy", None),
            ("registerExitGame", None),
        ] {
            assert_eq!(Operation::of(label), operation, "{label}");
        }
        let records = [
            record("startExit", 100, true),
            record("startDepositExit", 50, true),
            record("startInFlightExit", 300, true),
            record("challengeSpent", 70, false),
        ];
        let table = OperationTable::from_records(&records);
        assert_eq!(
            table.get(Operation::ExitStart),
            Some(&GasStats { min: 50, median: 100, max: 300, calls: 3, calldata_bytes: 4 })
        );
        assert_eq!(table.get(Operation::Challenge), None);
    }

    #[test]
    fn even_count_takes_the_lower_middle() {
        let table = GasTable::from_records(&[record("a", 1, true), record("a", 2, true)]);
        assert_eq!(table.get("a").map(|s| s.median), Some(1));
    }
}
