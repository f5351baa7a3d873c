//! The JSON-RPC backend: a real node through an alloy provider.
//!
//! Two ways in. [`RpcNode::spawn_anvil`] starts the anvil binary pinned in
//! `contracts/package.json` with the same rules as the embedded EVM (hard fork, chain id, genesis
//! time, no gas fees) and drives its clock, so both backends give the same gas and events.
//! [`RpcNode::connect`] talks to any node (anvil, geth, reth, a testnet) with one funded key; there
//! the node keeps its own clock and charges real fees, which receipts report in `fee_paid`.

use std::{
    collections::{BTreeMap, HashMap},
    path::PathBuf,
    time::{Duration, Instant},
};

use alloy::{
    network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder},
    node_bindings::{Anvil, AnvilInstance},
    providers::{DynProvider, Provider, ProviderBuilder, ext::AnvilApi},
    rpc::types::{BlockId, Filter, TransactionReceipt, TransactionRequest, anvil::MineOptions},
    signers::local::PrivateKeySigner,
    transports::{RpcError, TransportErrorKind},
};
use alloy_primitives::{Address, Bytes, TxKind, U256};

use crate::{
    BLOCK_GAS_LIMIT, BLOCK_TIME, CHAIN_ID, CallOutcome, ChainLog, DEV_KEYS, Error, GENESIS_TIMESTAMP, HARDFORK,
    LogFilter, Receipt, Result, RootChain, SnapshotId, TxRequest, revert::decode_revert,
};

/// Where `npm ci` in `contracts/` puts the pinned anvil, unless `PLASMA_ANVIL` names another.
pub fn anvil_path() -> PathBuf {
    if let Some(path) = std::env::var_os("PLASMA_ANVIL") {
        return PathBuf::from(path);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
}

/// How long to wait for a receipt from a node that does not mine instantly.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(300);

/// A saved snapshot: the node's id plus what this side tracks.
struct SavedState {
    node_id: U256,
    nonces: HashMap<Address, u64>,
    clock: u64,
}

/// A JSON-RPC node: a managed anvil, or any node reached by URL.
pub struct RpcNode {
    provider: DynProvider,
    /// The keys this side signs with (transactions are signed here and sent raw).
    wallet: EthereumWallet,
    /// Keeps the spawned anvil alive; dropping it kills the process.
    anvil: Option<AnvilInstance>,
    accounts: Vec<Address>,
    chain_id: u64,
    nonces: HashMap<Address, u64>,
    /// Timestamp of the latest block (managed anvil only; a remote node keeps its own clock).
    clock: u64,
    snapshots: BTreeMap<u64, SavedState>,
    next_snapshot: u64,
}

fn rpc_err(err: RpcError<TransportErrorKind>) -> Error {
    Error::Rpc(err.to_string())
}

impl RpcNode {
    /// Starts the anvil binary at `path` (see [`anvil_path`]) with the embedded EVM's rules.
    pub async fn spawn_anvil(path: PathBuf) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::Anvil(format!(
                "{} not found: run `npm ci` in contracts/ (or set PLASMA_ANVIL)",
                path.display()
            )));
        }
        let anvil = Anvil::at(path)
            .chain_id(CHAIN_ID)
            .args(["--hardfork", HARDFORK, "--base-fee", "0", "--gas-price", "0"])
            .args(["--gas-limit", &BLOCK_GAS_LIMIT.to_string(), "--timestamp", &GENESIS_TIMESTAMP.to_string()])
            .try_spawn()
            .map_err(|err| Error::Anvil(err.to_string()))?;
        let mut wallet = EthereumWallet::default();
        let mut accounts = Vec::with_capacity(DEV_KEYS.len());
        for key in &DEV_KEYS {
            let signer = PrivateKeySigner::from_bytes(key).map_err(|err| Error::InvalidKey(err.to_string()))?;
            accounts.push(signer.address());
            wallet.register_signer(signer);
        }
        let provider = ProviderBuilder::new().disable_recommended_fillers().connect_http(anvil.endpoint_url()).erased();
        let mut node = Self::new(provider, wallet, accounts, Some(anvil)).await?;
        node.clock = node.latest_timestamp().await?;
        Ok(node)
    }

    /// Connects to the node at `url` and sends from the account of `private_key` (hex).
    pub async fn connect(url: &str, private_key: &str) -> Result<Self> {
        let url = url.parse().map_err(|err| Error::Rpc(format!("bad URL {url}: {err}")))?;
        let signer: PrivateKeySigner = private_key
            .trim()
            .parse()
            .map_err(|err: alloy::signers::local::LocalSignerError| Error::InvalidKey(err.to_string()))?;
        let accounts = vec![signer.address()];
        let wallet = EthereumWallet::from(signer);
        let provider = ProviderBuilder::new().disable_recommended_fillers().connect_http(url).erased();
        Self::new(provider, wallet, accounts, None).await
    }

    async fn new(
        provider: DynProvider,
        wallet: EthereumWallet,
        accounts: Vec<Address>,
        anvil: Option<AnvilInstance>,
    ) -> Result<Self> {
        let chain_id = provider.get_chain_id().await.map_err(rpc_err)?;
        Ok(Self {
            provider,
            wallet,
            anvil,
            accounts,
            chain_id,
            nonces: HashMap::new(),
            clock: 0,
            snapshots: BTreeMap::new(),
            next_snapshot: 1,
        })
    }

    /// The URL of the spawned anvil (`None` for a node reached by URL).
    pub fn endpoint(&self) -> Option<String> {
        self.anvil.as_ref().map(AnvilInstance::endpoint)
    }

    fn managed(&self) -> bool {
        self.anvil.is_some()
    }

    async fn latest_timestamp(&self) -> Result<u64> {
        let block = self
            .provider
            .get_block(BlockId::latest())
            .await
            .map_err(rpc_err)?
            .ok_or_else(|| Error::BadResponse("no latest block".into()))?;
        Ok(block.header.timestamp)
    }

    async fn next_nonce(&mut self, from: Address) -> Result<u64> {
        if let Some(nonce) = self.nonces.get(&from) {
            return Ok(*nonce);
        }
        let nonce = self.provider.get_transaction_count(from).await.map_err(rpc_err)?;
        self.nonces.insert(from, nonce);
        Ok(nonce)
    }

    fn request(tx: &TxRequest) -> TransactionRequest {
        let request = TransactionRequest::default().with_from(tx.from).with_value(tx.value);
        match tx.to {
            Some(to) => request.with_to(to).with_input(tx.data.clone()),
            None => request.with_deploy_code(tx.data.clone()),
        }
    }

    async fn wait_for_receipt(&self, hash: alloy_primitives::TxHash) -> Result<TransactionReceipt> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            if let Some(receipt) = self.provider.get_transaction_receipt(hash).await.map_err(rpc_err)? {
                return Ok(receipt);
            }
            if started.elapsed() > RECEIPT_TIMEOUT {
                return Err(Error::Rpc(format!("no receipt for {hash} after {RECEIPT_TIMEOUT:?}")));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    /// Replays a failed transaction on the state before its block to read the revert data,
    /// which receipts do not carry.
    async fn revert_data(&self, tx: &TxRequest, block: u64) -> Bytes {
        let request = Self::request(tx).with_gas_limit(tx.gas_limit.unwrap_or(BLOCK_GAS_LIMIT));
        match self.provider.call(request).block(BlockId::number(block.saturating_sub(1))).await {
            Ok(_) => Bytes::new(),
            Err(err) => err.as_error_resp().and_then(|payload| payload.as_revert_data()).unwrap_or_default(),
        }
    }
}

#[async_trait::async_trait]
impl RootChain for RpcNode {
    fn backend_name(&self) -> &str {
        if self.managed() { "anvil" } else { "rpc" }
    }

    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    fn accounts(&self) -> &[Address] {
        &self.accounts
    }

    async fn add_signer(&mut self, key: alloy_primitives::B256) -> Result<Address> {
        let signer = PrivateKeySigner::from_bytes(&key).map_err(|err| Error::InvalidKey(err.to_string()))?;
        let address = signer.address();
        if !self.accounts.contains(&address) {
            self.accounts.push(address);
            self.wallet.register_signer(signer);
        }
        Ok(address)
    }

    async fn gas_price(&self) -> Result<u128> {
        if self.managed() {
            return Ok(0);
        }
        self.provider.get_gas_price().await.map_err(rpc_err)
    }

    async fn send(&mut self, tx: TxRequest) -> Result<Receipt> {
        if !self.accounts.contains(&tx.from) {
            return Err(Error::UnknownAccount(tx.from));
        }
        let nonce = self.next_nonce(tx.from).await?;
        let (gas_limit, gas_price) = if self.managed() {
            (tx.gas_limit.unwrap_or(BLOCK_GAS_LIMIT), 0)
        } else {
            let estimate = match tx.gas_limit {
                Some(limit) => limit,
                None => match self.provider.estimate_gas(Self::request(&tx)).await {
                    Ok(gas) => gas.saturating_mul(6) / 5,
                    // The transaction would revert: send it anyway with a fixed limit, so that
                    // the failure is mined and reported like on the other backends.
                    Err(_) => BLOCK_GAS_LIMIT / 3,
                },
            };
            (estimate, self.provider.get_gas_price().await.map_err(rpc_err)?)
        };
        if self.managed() {
            let next = self.clock + BLOCK_TIME;
            self.provider.anvil_set_next_block_timestamp(next).await.map_err(rpc_err)?;
        }
        let request = Self::request(&tx)
            .with_nonce(nonce)
            .with_chain_id(self.chain_id)
            .with_gas_limit(gas_limit)
            .with_gas_price(gas_price);
        let envelope = request.build(&self.wallet).await.map_err(|err| Error::Rpc(format!("signing: {err}")))?;
        let pending = self.provider.send_tx_envelope(envelope).await.map_err(rpc_err)?;
        self.nonces.insert(tx.from, nonce + 1);
        let receipt = self.wait_for_receipt(*pending.tx_hash()).await?;
        let block_number =
            receipt.block_number.ok_or_else(|| Error::BadResponse("receipt without block number".into()))?;
        if self.managed() {
            self.clock += BLOCK_TIME;
        }
        let success = receipt.status();
        let output = if success { Bytes::new() } else { self.revert_data(&tx, block_number).await };
        Ok(Receipt {
            success,
            gas_used: receipt.gas_used,
            fee_paid: U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price),
            logs: receipt.inner.logs().iter().map(|log| log.inner.clone()).collect(),
            revert_reason: if success { None } else { decode_revert(&output) },
            output,
            contract_address: receipt.contract_address,
            block_number,
            calldata_bytes: tx.data.len(),
        })
    }

    async fn simulate(&self, tx: &TxRequest) -> Result<CallOutcome> {
        let request = TransactionRequest::default()
            .with_from(tx.from)
            .with_kind(tx.to.map_or(TxKind::Create, TxKind::Call))
            .with_input(tx.data.clone())
            .with_value(tx.value)
            .with_gas_limit(tx.gas_limit.unwrap_or(BLOCK_GAS_LIMIT));
        match self.provider.call(request).await {
            Ok(output) => Ok(CallOutcome { success: true, output, revert_reason: None }),
            Err(err) => match err.as_error_resp() {
                Some(payload) => {
                    let output = payload.as_revert_data().unwrap_or_default();
                    let revert_reason = decode_revert(&output).or_else(|| Some(payload.message.to_string()));
                    Ok(CallOutcome { success: false, output, revert_reason })
                }
                None => Err(rpc_err(err)),
            },
        }
    }

    async fn logs(&self, filter: &LogFilter) -> Result<Vec<ChainLog>> {
        let mut query = Filter::new().from_block(filter.from_block);
        query = match filter.to_block {
            Some(to) => query.to_block(to),
            None => query.to_block(alloy::eips::BlockNumberOrTag::Latest),
        };
        if let Some(address) = filter.address {
            query = query.address(address);
        }
        if let Some(topic) = filter.topic0 {
            query = query.event_signature(topic);
        }
        let logs = self.provider.get_logs(&query).await.map_err(rpc_err)?;
        // Nodes that leave `blockTimestamp` out of logs are asked for the block's header, once per
        // block.
        let mut times: BTreeMap<u64, u64> = BTreeMap::new();
        let mut out = Vec::with_capacity(logs.len());
        for log in logs {
            let block_number = log.block_number.ok_or_else(|| Error::BadResponse("log without block number".into()))?;
            let block_timestamp = match (log.block_timestamp, times.get(&block_number)) {
                (Some(time), _) | (None, Some(&time)) => time,
                (None, None) => {
                    let block = self
                        .provider
                        .get_block(BlockId::number(block_number))
                        .await
                        .map_err(rpc_err)?
                        .ok_or_else(|| Error::BadResponse(format!("no block {block_number} for its log")))?;
                    block.header.timestamp
                }
            };
            times.insert(block_number, block_timestamp);
            out.push(ChainLog { block_number, block_timestamp, log: log.inner });
        }
        Ok(out)
    }

    async fn block_number(&self) -> Result<u64> {
        self.provider.get_block_number().await.map_err(rpc_err)
    }

    async fn block_time(&self) -> Result<u64> {
        self.latest_timestamp().await
    }

    async fn balance(&self, who: Address) -> Result<U256> {
        self.provider.get_balance(who).await.map_err(rpc_err)
    }

    async fn advance_time(&mut self, seconds: u64) -> Result<()> {
        let base = if self.managed() { self.clock } else { self.latest_timestamp().await? };
        let target = base + seconds;
        self.provider
            .evm_mine(Some(MineOptions::Timestamp(Some(target))))
            .await
            .map_err(|_| Error::Unsupported("moving time (evm_mine with a timestamp)"))?;
        self.clock = target;
        Ok(())
    }

    async fn snapshot(&mut self) -> Result<SnapshotId> {
        let node_id =
            self.provider.anvil_snapshot().await.map_err(|_| Error::Unsupported("snapshots (evm_snapshot)"))?;
        let id = self.next_snapshot;
        self.next_snapshot += 1;
        self.snapshots.insert(id, SavedState { node_id, nonces: self.nonces.clone(), clock: self.clock });
        Ok(SnapshotId(id))
    }

    async fn revert_to(&mut self, id: SnapshotId) -> Result<()> {
        let saved = self.snapshots.remove(&id.0).ok_or(Error::UnknownSnapshot(id.0))?;
        self.snapshots.retain(|&later, _| later < id.0);
        let reverted = self.provider.anvil_revert(saved.node_id).await.map_err(rpc_err)?;
        if !reverted {
            return Err(Error::UnknownSnapshot(id.0));
        }
        self.nonces = saved.nonces;
        self.clock = saved.clock;
        Ok(())
    }
}
