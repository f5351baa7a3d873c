//! Recording every root-chain transaction a run sends.

use alloy_primitives::{Address, U256};
use plasma_rootchain::{CallOutcome, ChainLog, LogFilter, Receipt, Result, RootChain, SnapshotId, TxRequest};

/// One recorded transaction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallRecord {
    /// The Solidity function called (`deposit`, `submitBlock`, ...), `deploy` for a creation,
    /// `transfer` for plain ETH, or the selector in hex when it is not a known function.
    pub label: String,
    /// Gas used, as the receipt reports it.
    pub gas_used: u64,
    /// Calldata length in bytes.
    pub calldata_bytes: usize,
    /// Whether the transaction succeeded.
    pub success: bool,
    /// The sender.
    pub from: Address,
    /// Wei paid in gas fees.
    pub fee_paid: U256,
}

/// A [`RootChain`] that records every transaction sent through it.
pub struct RecordingChain {
    inner: Box<dyn RootChain>,
    records: Vec<CallRecord>,
}

impl RecordingChain {
    /// Wraps `inner`.
    pub fn new(inner: Box<dyn RootChain>) -> Self {
        Self { inner, records: Vec::new() }
    }

    /// What was recorded so far, oldest first.
    pub fn records(&self) -> &[CallRecord] {
        &self.records
    }

    /// Wei that `who` paid in gas fees over the recorded transactions.
    pub fn fees_paid_by(&self, who: Address) -> U256 {
        self.records.iter().filter(|record| record.from == who).map(|record| record.fee_paid).sum()
    }

    fn label(tx: &TxRequest) -> String {
        if tx.to.is_none() {
            return "deploy".to_owned();
        }
        match tx.data.get(..4).and_then(|bytes| <[u8; 4]>::try_from(bytes).ok()) {
            Some(selector) => plasma_contracts::function_name(selector)
                .map_or_else(|| format!("0x{}", alloy_primitives::hex::encode(selector)), str::to_owned),
            None => "transfer".to_owned(),
        }
    }

    fn record(&mut self, tx: &TxRequest, receipt: &Receipt) {
        self.records.push(CallRecord {
            label: Self::label(tx),
            from: tx.from,
            fee_paid: receipt.fee_paid,
            gas_used: receipt.gas_used,
            calldata_bytes: tx.data.len(),
            success: receipt.success,
        });
    }
}

#[async_trait::async_trait]
impl RootChain for RecordingChain {
    fn backend_name(&self) -> &str {
        self.inner.backend_name()
    }

    fn chain_id(&self) -> u64 {
        self.inner.chain_id()
    }

    fn accounts(&self) -> &[Address] {
        self.inner.accounts()
    }

    async fn send(&mut self, tx: TxRequest) -> Result<Receipt> {
        let receipt = self.inner.send(tx.clone()).await?;
        self.record(&tx, &receipt);
        Ok(receipt)
    }

    async fn add_signer(&mut self, key: alloy_primitives::B256) -> Result<Address> {
        self.inner.add_signer(key).await
    }

    async fn gas_price(&self) -> Result<u128> {
        self.inner.gas_price().await
    }

    async fn simulate(&self, tx: &TxRequest) -> Result<CallOutcome> {
        self.inner.simulate(tx).await
    }

    async fn logs(&self, filter: &LogFilter) -> Result<Vec<ChainLog>> {
        self.inner.logs(filter).await
    }

    async fn block_number(&self) -> Result<u64> {
        self.inner.block_number().await
    }

    async fn block_time(&self) -> Result<u64> {
        self.inner.block_time().await
    }

    async fn balance(&self, who: Address) -> Result<U256> {
        self.inner.balance(who).await
    }

    async fn advance_time(&mut self, seconds: u64) -> Result<()> {
        self.inner.advance_time(seconds).await
    }

    async fn snapshot(&mut self) -> Result<SnapshotId> {
        self.inner.snapshot().await
    }

    async fn revert_to(&mut self, id: SnapshotId) -> Result<()> {
        self.inner.revert_to(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::SolCall;
    use plasma_contracts::{DEFAULT_MIN_EXIT_PERIOD, PlasmaFramework, deploy_framework};
    use plasma_rootchain::EmbeddedEvm;

    #[tokio::test]
    async fn labels_calls_by_function_name() {
        let mut chain = RecordingChain::new(Box::new(EmbeddedEvm::new()));
        let operator = chain.accounts()[0];
        let framework = deploy_framework(&mut chain, operator, DEFAULT_MIN_EXIT_PERIOD).await.unwrap();
        let call = PlasmaFramework::submitBlockCall { root: Default::default() }.abi_encode();
        chain.send(TxRequest::call(operator, framework, call)).await.unwrap();
        chain.send(TxRequest::call(operator, framework, vec![1, 2, 3, 4])).await.unwrap();
        let labels: Vec<_> = chain.records().iter().map(|r| (r.label.as_str(), r.success)).collect();
        assert_eq!(labels, [("deploy", true), ("submitBlock", true), ("0x01020304", false)]);
        assert_eq!(chain.records()[1].calldata_bytes, 36);
        assert!(chain.records()[1].gas_used > 21_000);
    }
}
