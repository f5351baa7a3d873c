//! What `plasma compare` and `plasma scenario run` do: open a backend, run scenarios on variants,
//! build the report.

use plasma_contracts::DEFAULT_MIN_EXIT_PERIOD;
use plasma_rootchain::{EmbeddedEvm, RootChain, RpcNode, anvil_path};

use crate::{CompareReport, Error, Scenario, Variant, VariantReport, run_scenario};

/// Where the root chain comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// revm in process (the default).
    Embedded,
    /// A fresh anvil per scenario, from `contracts/node_modules` (or `PLASMA_ANVIL`).
    Anvil,
    /// A node at `url` reached with one funded key, `private_key`: the operator's; each run's
    /// actors are fresh keys funded from it and swept back at the end. The node must move time on
    /// request (`evm_mine` with a timestamp), as anvil and hardhat do.
    Rpc {
        /// The node's URL.
        url: String,
        /// The operator's key, hex.
        private_key: String,
    },
}

impl Backend {
    /// The name reports use.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Embedded => "embedded",
            Self::Anvil => "anvil",
            Self::Rpc { .. } => "rpc",
        }
    }

    /// The operator's key when it is not the first dev account.
    pub fn operator_key(&self) -> Result<Option<alloy_primitives::B256>, Error> {
        match self {
            Self::Rpc { private_key, .. } => {
                let key = private_key.trim().trim_start_matches("0x");
                let bytes = alloy_primitives::hex::decode(key)
                    .ok()
                    .filter(|bytes| bytes.len() == 32)
                    .ok_or_else(|| Error::Scenario("--private-key must be 32 bytes of hex".into()))?;
                Ok(Some(alloy_primitives::B256::from_slice(&bytes)))
            }
            _ => Ok(None),
        }
    }

    /// A fresh root chain (for `Rpc`, a new connection to the same node).
    pub async fn open(&self) -> Result<Box<dyn RootChain>, Error> {
        Ok(match self {
            Self::Embedded => Box::new(EmbeddedEvm::new()),
            Self::Anvil => Box::new(RpcNode::spawn_anvil(anvil_path()).await?),
            Self::Rpc { url, private_key } => Box::new(RpcNode::connect(url, private_key).await?),
        })
    }
}

/// The scenarios that ship with plasma-lab (`crates/harness/scenarios/*.toml`), in report order.
pub fn builtin_scenarios() -> Result<Vec<Scenario>, Error> {
    BUILTIN
        .iter()
        .map(|(file, text)| Scenario::from_toml(text).map_err(|err| Error::Scenario(format!("{file}: {err}"))))
        .collect()
}

macro_rules! builtin {
    ($($file:literal),* $(,)?) => { &[$(($file, include_str!(concat!("../scenarios/", $file)))),*] };
}

const BUILTIN: &[(&str, &str)] = builtin![
    "honest-lifecycle.toml",
    "deposit-exit.toml",
    "exit-of-spent-output.toml",
    "lost-challenge-retried.toml",
    "offline-gap.toml",
    "spend-after-exit.toml",
    "coin-spend-after-exit.toml",
    "invalid-transaction.toml",
    "double-spend.toml",
    "mint.toml",
    "withheld-block.toml",
    "unconfirmed-payment.toml",
    "payment-in-invalid-block.toml",
    "same-output-twice.toml",
    "self-transfer-drain.toml",
    "self-transfer-drain-late.toml",
    "self-transfer-drain-chain.toml",
    "self-transfer-drain-chain-early.toml",
    "morevp-in-flight-exit.toml",
    "morevp-spent-output-in-flight.toml",
    "morevp-false-canonicity.toml",
    "morevp-double-spend-in-flight.toml",
    "morevp-response-wins.toml",
    "morevp-in-flight-vs-mint.toml",
    "morevp-multi-input-vs-mint.toml",
    "morevp-competing-pair.toml",
    "morevp-competing-pair-late.toml",
    "morevp-competing-pair-unanswered.toml",
    "morevp-duplicate-input.toml",
    "cash-lifecycle.toml",
    "cash-spent-coin.toml",
    "cash-double-spend.toml",
    "cash-double-spend-indirect.toml",
    "cash-invalid-history.toml",
    "cash-history-answered.toml",
    "cash-mint.toml",
    "cash-withheld-block.toml",
    "cash-rearrange.toml",
    "cash-forged-exit-reopen.toml",
    "cash-false-lower-challenge.toml",
    "cash-exit-before-spend-block.toml",
    "xt-checkpoint-honest.toml",
    "xt-false-bit.toml",
    "xt-signed-challenge-answered.toml",
    "xt-later-spend-answer.toml",
    "xt-challenge-cap.toml",
    "xt-checkpoint-exit.toml",
    "xt-stale-exit.toml",
    "xt-recipient-challenge.toml",
    "xt-forged-after-checkpoint.toml",
    "xt-pruned-owner-answers.toml",
    "xt-later-owner.toml",
    "xt-revealed-spend.toml",
    "xt-checkpoint-past-block.toml",
    "xt-late-recipient.toml",
    "debit-partial-exit.toml",
    "debit-payment.toml",
    "debit-stale-nonce.toml",
    "debit-stale-challenge.toml",
    "debit-one-slot-payment.toml",
    "debit-liquidity.toml",
    "debit-liquidity-seize.toml",
    "debit-cosign-pending.toml",
];

/// The variants the harness can drive, by name, in report order.
pub fn variant_names() -> Vec<&'static str> {
    crate::builtin().iter().map(|b| b.name).collect()
}

/// A fresh instance of the variant called `name`.
pub fn new_variant(name: &str) -> Option<Box<dyn Variant>> {
    crate::builtin().iter().find(|b| b.name == name).map(|b| (b.variant)())
}

/// Where a comparison run is, for a progress display: `done` of `total` units of work finished,
/// `what` is the unit about to start (`mvp: honest-lifecycle`).
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// Units finished.
    pub done: usize,
    /// Units in the whole run.
    pub total: usize,
    /// The unit about to start.
    pub what: &'a str,
}

/// The measurements `plasma compare` makes besides the scenarios.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Studies {
    /// Numbers of users of the mass exit (run on the embedded EVM only; empty: none).
    pub mass_exit_users: Vec<u64>,
    /// Whether to measure each design's bytes on the wire and what a user stores and downloads.
    pub footprint: bool,
}

impl Studies {
    /// Every study at its full size (what `plasma compare` runs).
    pub fn all() -> Self {
        Self { mass_exit_users: crate::mass_exit::USER_COUNTS.to_vec(), footprint: true }
    }

    /// No study: the scenarios only.
    pub fn none() -> Self {
        Self::default()
    }
}

/// Runs every scenario on every named variant over fresh chains from `backend` (no study).
pub async fn compare(names: &[String], backend: &Backend, scenarios: &[Scenario]) -> Result<CompareReport, Error> {
    compare_with_progress(names, backend, scenarios, &Studies::none(), &mut |_| {}).await
}

/// Runs every scenario on every named variant over fresh chains from `backend`, then the
/// `studies` (those that need the embedded EVM only on that backend), calling `progress` before
/// each unit of work.
pub async fn compare_with_progress(
    names: &[String],
    backend: &Backend,
    scenarios: &[Scenario],
    studies: &Studies,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<CompareReport, Error> {
    let operator_key = backend.operator_key()?;
    let mass_exit_users: &[u64] = if *backend == Backend::Embedded { &studies.mass_exit_users } else { &[] };
    let total = names.len() * (scenarios.len() + mass_exit_users.len() + usize::from(studies.footprint));
    let mut done = 0;
    let mut variants = Vec::with_capacity(names.len());
    for name in names {
        let mut runs = Vec::with_capacity(scenarios.len());
        let described = new_variant(name).ok_or_else(|| unknown_variant(name))?;
        for scenario in scenarios {
            progress(Progress { done, total, what: &format!("{name}: {}", scenario.name) });
            let mut variant = new_variant(name).ok_or_else(|| unknown_variant(name))?;
            let chain = backend.open().await?;
            runs.push(run_scenario(variant.as_mut(), chain, scenario, DEFAULT_MIN_EXIT_PERIOD, operator_key).await);
            done += 1;
        }
        let mut report =
            VariantReport::from_runs(name, described.capabilities(), described.must_watch(), scenarios, &runs);
        for users in mass_exit_users {
            progress(Progress { done, total, what: &format!("{name}: mass exit of {users} users") });
            report.mass_exit.push(crate::mass_exit::mass_exit(&|| new_variant(name), *users).await?);
            done += 1;
        }
        if studies.footprint {
            progress(Progress { done, total, what: &format!("{name}: footprint") });
            report.footprint = crate::footprint::footprint(name)?;
            done += 1;
        }
        variants.push(report);
    }
    progress(Progress { done, total, what: "done" });
    Ok(CompareReport { backend: backend.name().to_owned(), variants })
}

fn unknown_variant(name: &str) -> Error {
    let known = variant_names().join(", ");
    Error::Scenario(format!("unknown variant {name:?} (implemented: {known})"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_scenarios_parse() {
        let scenarios = super::builtin_scenarios().unwrap();
        assert_eq!(scenarios.len(), super::BUILTIN.len());
        let mut names: Vec<_> = scenarios.iter().map(|s| s.name.as_str()).collect();
        names.dedup();
        assert_eq!(names.len(), scenarios.len());
    }
}
