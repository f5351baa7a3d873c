//! The embedded backend: revm in process.
//!
//! revm's `Evm` is not `Send`, so the backend keeps only plain state (the database, the latest
//! block's number and time, the logs) and builds a short-lived EVM for every transaction or call.

use std::collections::BTreeMap;

use alloy_primitives::{Address, Bytes, TxKind, U256};
use revm::{
    Context, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext,
    context::{BlockEnv, CfgEnv, TxEnv},
    context_interface::result::{ExecutionResult, Output},
    database::{CacheDB, EmptyDB},
    primitives::hardfork::SpecId,
    state::AccountInfo,
};

use crate::{
    BLOCK_GAS_LIMIT, BLOCK_TIME, CHAIN_ID, CallOutcome, ChainLog, DEV_ACCOUNT_BALANCE, Error, GENESIS_TIMESTAMP,
    LogFilter, Receipt, Result, RootChain, SnapshotId, TxRequest, dev_accounts, revert::decode_revert,
};

/// The EVM rules both backends run.
const SPEC: SpecId = SpecId::PRAGUE;

/// Everything a snapshot must restore.
#[derive(Clone)]
struct ChainState {
    db: CacheDB<EmptyDB>,
    number: u64,
    timestamp: u64,
    log_count: usize,
}

/// revm in process: deterministic, nothing to install, the default backend.
pub struct EmbeddedEvm {
    state: ChainState,
    logs: Vec<ChainLog>,
    accounts: Vec<Address>,
    snapshots: BTreeMap<u64, ChainState>,
    next_snapshot: u64,
}

impl Default for EmbeddedEvm {
    fn default() -> Self {
        Self::new()
    }
}

impl EmbeddedEvm {
    /// A fresh chain at block 0 and [`GENESIS_TIMESTAMP`], with the ten dev accounts funded.
    pub fn new() -> Self {
        let accounts = dev_accounts();
        let mut db = CacheDB::new(EmptyDB::default());
        for account in &accounts {
            db.insert_account_info(*account, AccountInfo::from_balance(DEV_ACCOUNT_BALANCE));
        }
        Self {
            state: ChainState { db, number: 0, timestamp: GENESIS_TIMESTAMP, log_count: 0 },
            logs: Vec::new(),
            accounts,
            snapshots: BTreeMap::new(),
            next_snapshot: 1,
        }
    }

    fn block_env(number: u64, timestamp: u64) -> BlockEnv {
        BlockEnv {
            number: U256::from(number),
            timestamp: U256::from(timestamp),
            gas_limit: BLOCK_GAS_LIMIT,
            basefee: 0,
            ..BlockEnv::default()
        }
    }

    fn cfg() -> CfgEnv {
        let mut cfg = CfgEnv::new_with_spec(SPEC);
        cfg.chain_id = CHAIN_ID;
        cfg
    }

    fn nonce_of(&self, who: Address) -> u64 {
        self.state.db.cache.accounts.get(&who).map_or(0, |account| account.info.nonce)
    }

    fn tx_env(&self, tx: &TxRequest) -> Result<TxEnv> {
        let kind = tx.to.map_or(TxKind::Create, TxKind::Call);
        TxEnv::builder()
            .caller(tx.from)
            .kind(kind)
            .data(tx.data.clone())
            .value(tx.value)
            .gas_limit(tx.gas_limit.unwrap_or(BLOCK_GAS_LIMIT))
            .gas_price(0)
            .nonce(self.nonce_of(tx.from))
            .chain_id(Some(CHAIN_ID))
            .build()
            .map_err(|err| Error::Evm(format!("{err:?}")))
    }

    fn receipt(result: ExecutionResult, number: u64, calldata_bytes: usize) -> Receipt {
        let gas_used = result.tx_gas_used();
        match result {
            ExecutionResult::Success { logs, output, .. } => {
                let contract_address = match &output {
                    Output::Create(_, address) => *address,
                    Output::Call(_) => None,
                };
                Receipt {
                    success: true,
                    gas_used,
                    fee_paid: U256::ZERO,
                    logs,
                    output: output.into_data(),
                    revert_reason: None,
                    contract_address,
                    block_number: number,
                    calldata_bytes,
                }
            }
            ExecutionResult::Revert { output, .. } => Receipt {
                success: false,
                gas_used,
                fee_paid: U256::ZERO,
                logs: Vec::new(),
                revert_reason: decode_revert(&output),
                output,
                contract_address: None,
                block_number: number,
                calldata_bytes,
            },
            ExecutionResult::Halt { reason, .. } => Receipt {
                success: false,
                gas_used,
                fee_paid: U256::ZERO,
                logs: Vec::new(),
                output: Bytes::new(),
                revert_reason: Some(format!("halted: {reason:?}")),
                contract_address: None,
                block_number: number,
                calldata_bytes,
            },
        }
    }
}

#[async_trait::async_trait]
impl RootChain for EmbeddedEvm {
    fn backend_name(&self) -> &str {
        "embedded"
    }

    fn chain_id(&self) -> u64 {
        CHAIN_ID
    }

    fn accounts(&self) -> &[Address] {
        &self.accounts
    }

    async fn add_signer(&mut self, key: alloy_primitives::B256) -> Result<Address> {
        // The embedded EVM checks no signatures: the key only names the account.
        let address = alloy::signers::local::PrivateKeySigner::from_bytes(&key)
            .map_err(|err| Error::InvalidKey(err.to_string()))?
            .address();
        if !self.accounts.contains(&address) {
            self.accounts.push(address);
        }
        Ok(address)
    }

    async fn send(&mut self, tx: TxRequest) -> Result<Receipt> {
        let number = self.state.number + 1;
        let timestamp = self.state.timestamp + BLOCK_TIME;
        let tx_env = self.tx_env(&tx)?;
        let result = {
            let mut evm = Context::mainnet()
                .with_db(&mut self.state.db)
                .with_block(Self::block_env(number, timestamp))
                .with_cfg(Self::cfg())
                .build_mainnet();
            evm.transact_commit(tx_env).map_err(|err| Error::Evm(format!("{err:?}")))?
        };
        self.state.number = number;
        self.state.timestamp = timestamp;
        let receipt = Self::receipt(result, number, tx.data.len());
        self.logs.extend(receipt.logs.iter().map(|log| ChainLog {
            block_number: number,
            block_timestamp: timestamp,
            log: log.clone(),
        }));
        self.state.log_count = self.logs.len();
        Ok(receipt)
    }

    async fn simulate(&self, tx: &TxRequest) -> Result<CallOutcome> {
        let tx_env = self.tx_env(tx)?;
        // A read-only call runs on an empty overlay over the chain state: `transact` commits
        // nothing, and the overlay keeps even the read cache of the real database untouched.
        let mut db = CacheDB::new(&self.state.db);
        let mut evm = Context::mainnet()
            .with_db(&mut db)
            .with_block(Self::block_env(self.state.number, self.state.timestamp))
            .with_cfg(Self::cfg())
            .build_mainnet();
        let result = evm.transact(tx_env).map_err(|err| Error::Evm(format!("{err:?}")))?.result;
        let receipt = Self::receipt(result, self.state.number, 0);
        Ok(CallOutcome { success: receipt.success, output: receipt.output, revert_reason: receipt.revert_reason })
    }

    async fn logs(&self, filter: &LogFilter) -> Result<Vec<ChainLog>> {
        let to_block = filter.to_block.unwrap_or(u64::MAX);
        Ok(self
            .logs
            .iter()
            .filter(|entry| entry.block_number >= filter.from_block && entry.block_number <= to_block)
            .filter(|entry| filter.address.is_none_or(|address| entry.log.address == address))
            .filter(|entry| filter.topic0.is_none_or(|topic| entry.log.topics().first() == Some(&topic)))
            .cloned()
            .collect())
    }

    async fn block_number(&self) -> Result<u64> {
        Ok(self.state.number)
    }

    async fn block_time(&self) -> Result<u64> {
        Ok(self.state.timestamp)
    }

    async fn balance(&self, who: Address) -> Result<U256> {
        Ok(self.state.db.cache.accounts.get(&who).map_or(U256::ZERO, |account| account.info.balance))
    }

    async fn advance_time(&mut self, seconds: u64) -> Result<()> {
        self.state.number += 1;
        self.state.timestamp += seconds;
        Ok(())
    }

    async fn snapshot(&mut self) -> Result<SnapshotId> {
        let id = self.next_snapshot;
        self.next_snapshot += 1;
        self.snapshots.insert(id, self.state.clone());
        Ok(SnapshotId(id))
    }

    async fn revert_to(&mut self, id: SnapshotId) -> Result<()> {
        let state = self.snapshots.remove(&id.0).ok_or(Error::UnknownSnapshot(id.0))?;
        self.snapshots.retain(|&later, _| later < id.0);
        self.logs.truncate(state.log_count);
        self.state = state;
        Ok(())
    }
}
