//! The fault matrix: which class of misbehaviour each scenario exercises, read from its steps,
//! and the outcome of every class per variant.
//!
//! A scenario's classes come from what it does, not from a label someone must keep in step: an
//! operator `fault` step names its class, an `exit` of something already spent is the exit of a
//! spent output or coin, and a `checkpoint` step with `false-bits` is a false checkpoint. So a new
//! scenario joins the matrix by being written, and the matrix cannot claim a class no step shows.

use std::collections::BTreeSet;

use crate::{ExitWhat, Fault, Outcome, Scenario, ScenarioSummary, Step};

/// The classes of the fault matrix, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultClass {
    /// The operator includes a transaction the owner never signed (or a block that breaks the
    /// design's rules, such as a payment held at one coin's key only).
    InvalidTransaction,
    /// A second spend of something already spent: by the operator alone, signed by a cheating
    /// owner, a competing pair, or a stale channel state.
    DoubleSpend,
    /// The operator commits a block and publishes none of its data.
    WithheldBlock,
    /// Value created from nothing: an output with no input, or one input counted twice.
    Mint,
    /// A user exits an output or coin that is already spent (or a stale channel state).
    SpentExit,
    /// The operator sets checkpoint bits of owners who never signed off.
    FalseCheckpoint,
}

impl FaultClass {
    /// Every class, in report order.
    pub const ALL: [Self; 6] = [
        Self::InvalidTransaction,
        Self::DoubleSpend,
        Self::WithheldBlock,
        Self::Mint,
        Self::SpentExit,
        Self::FalseCheckpoint,
    ];

    /// The name the report uses.
    pub fn name(self) -> &'static str {
        match self {
            Self::InvalidTransaction => "invalid transaction",
            Self::DoubleSpend => "double spend",
            Self::WithheldBlock => "withheld block",
            Self::Mint => "value minted from nothing",
            Self::SpentExit => "exit of a spent output or coin",
            Self::FalseCheckpoint => "false checkpoint",
        }
    }

    /// The capability a design needs for the class to exist at all (`None`: every design).
    pub fn needs(self) -> Option<&'static str> {
        match self {
            Self::FalseCheckpoint => Some("checkpoints"),
            _ => None,
        }
    }

    /// The classes an operator fault belongs to.
    fn of_fault(fault: &Fault) -> &'static [Self] {
        match fault {
            Fault::InvalidTransaction { .. } | Fault::OneSlotPayment { .. } => &[Self::InvalidTransaction],
            Fault::DoubleSpend { .. }
            | Fault::SignedDoubleSpend { .. }
            | Fault::SpendExited { .. }
            | Fault::CompetingPair { .. }
            | Fault::StaleState { .. } => &[Self::DoubleSpend],
            Fault::WithholdBlock => &[Self::WithheldBlock],
            Fault::Rearrange { .. } => &[Self::WithheldBlock, Self::InvalidTransaction],
            Fault::Mint { .. } | Fault::DuplicateInput { .. } => &[Self::Mint],
        }
    }
}

impl Scenario {
    /// The fault classes this scenario exercises (empty for an honest scenario).
    pub fn fault_classes(&self) -> BTreeSet<FaultClass> {
        self.steps.iter().flat_map(step_classes).collect()
    }
}

/// The fault classes one step exercises.
pub(crate) fn step_classes(step: &Step) -> Vec<FaultClass> {
    match step {
        Step::Fault { fault } => FaultClass::of_fault(fault).to_vec(),
        Step::Exit {
            what: ExitWhat::Spent | ExitWhat::SpentInFlight | ExitWhat::FalseCanonicity | ExitWhat::StaleState,
            ..
        } => {
            vec![FaultClass::SpentExit]
        }
        Step::Checkpoint(step) if !step.false_bits.is_empty() || !step.forged_states.is_empty() => {
            vec![FaultClass::FalseCheckpoint]
        }
        _ => Vec::new(),
    }
}

/// One cell of the fault matrix: how a variant fared on every scenario of one class.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum FaultCell {
    /// Every scenario of the class that the variant can express passed (at least one).
    Pass {
        /// The scenarios, by name.
        scenarios: Vec<String>,
    },
    /// At least one scenario of the class failed.
    Fail {
        /// The failed scenarios, by name.
        scenarios: Vec<String>,
    },
    /// The class does not exist in the design (a false checkpoint without checkpoints).
    NotApplicable {
        /// Why.
        reason: String,
    },
    /// The design could meet the class but no scenario it can express exercises it: a gap in
    /// the suite, which the tests refuse.
    NotCovered,
}

/// The fault matrix row of one class for one variant, from its scenario outcomes.
pub fn fault_cell(
    class: FaultClass,
    has_capability: impl Fn(&str) -> bool,
    scenarios: &[Scenario],
    outcomes: &[ScenarioSummary],
) -> FaultCell {
    if let Some(needed) = class.needs().filter(|needed| !has_capability(needed)) {
        return FaultCell::NotApplicable { reason: format!("no {needed}") };
    }
    let outcome_of = |name: &str| outcomes.iter().find(|s| s.name == name).map(|s| s.outcome);
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for scenario in scenarios.iter().filter(|scenario| scenario.fault_classes().contains(&class)) {
        match outcome_of(&scenario.name) {
            Some(Outcome::Pass) => passed.push(scenario.name.clone()),
            Some(Outcome::Fail) => failed.push(scenario.name.clone()),
            Some(Outcome::NotApplicable) | None => {}
        }
    }
    match (failed.is_empty(), passed.is_empty()) {
        (false, _) => FaultCell::Fail { scenarios: failed },
        (true, false) => FaultCell::Pass { scenarios: passed },
        (true, true) => FaultCell::NotCovered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin(name: &str) -> Scenario {
        crate::builtin_scenarios().unwrap().into_iter().find(|s| s.name == name).unwrap()
    }

    #[test]
    fn classes_come_from_the_steps() {
        assert!(builtin("honest-lifecycle").fault_classes().is_empty());
        assert_eq!(builtin("double-spend").fault_classes(), BTreeSet::from([FaultClass::DoubleSpend]));
        assert_eq!(builtin("exit-of-spent-output").fault_classes(), BTreeSet::from([FaultClass::SpentExit]));
        assert_eq!(builtin("xt-false-bit").fault_classes(), BTreeSet::from([FaultClass::FalseCheckpoint]));
        assert_eq!(
            builtin("cash-rearrange").fault_classes(),
            BTreeSet::from([FaultClass::InvalidTransaction, FaultClass::WithheldBlock])
        );
    }

    #[test]
    fn a_cell_fails_when_one_scenario_fails_and_is_a_gap_when_none_applies() {
        let scenarios = vec![builtin("double-spend"), builtin("cash-double-spend")];
        let summary =
            |name: &str, outcome| ScenarioSummary { name: name.into(), outcome, detail: String::new(), latency: None };
        let all = |_: &str| true;
        let passed = [summary("double-spend", Outcome::Pass), summary("cash-double-spend", Outcome::NotApplicable)];
        assert_eq!(
            fault_cell(FaultClass::DoubleSpend, all, &scenarios, &passed),
            FaultCell::Pass { scenarios: vec!["double-spend".into()] }
        );
        let failed = [summary("double-spend", Outcome::Pass), summary("cash-double-spend", Outcome::Fail)];
        assert_eq!(
            fault_cell(FaultClass::DoubleSpend, all, &scenarios, &failed),
            FaultCell::Fail { scenarios: vec!["cash-double-spend".into()] }
        );
        assert_eq!(fault_cell(FaultClass::Mint, all, &scenarios, &passed), FaultCell::NotCovered);
        assert!(matches!(
            fault_cell(FaultClass::FalseCheckpoint, |_| false, &scenarios, &passed),
            FaultCell::NotApplicable { .. }
        ));
    }
}
