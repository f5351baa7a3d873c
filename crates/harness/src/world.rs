//! The world a scenario runs in: the recorded root chain, the deployment and the actors.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolEvent};
use plasma_contracts::{PlasmaFramework, deploy_framework, deploy_game};
use plasma_core::{BlockSubmittedEvent, DepositEvent, Domain, GameCall, SigningKey};
use plasma_rootchain::{DEV_KEYS, Receipt, RootChain, TxRequest};

use crate::{Error, RecordingChain};

/// Gas of a plain ether transfer.
const TRANSFER_GAS: u64 = 21_000;

/// At most this many actors besides the operator (the dev accounts left after the operator's).
pub const MAX_ACTORS: usize = DEV_KEYS.len() - 1;

/// A participant: one key for both the root chain and the child chain.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The scenario's name for it (`operator`, `alice`, ...).
    pub name: String,
    /// Its signing key.
    pub key: SigningKey,
    /// Its address.
    pub address: Address,
}

/// Everything a step can touch.
pub struct World {
    /// The root chain, recording every transaction.
    pub chain: RecordingChain,
    /// The operator.
    pub operator: Actor,
    /// The users, by name.
    pub actors: BTreeMap<String, Actor>,
    /// The shared framework (set by the variant's deploy).
    pub framework: Address,
    /// The variant's exit game (set by the variant's deploy).
    pub exit_game: Address,
    /// The framework's minimum exit period, in seconds.
    pub min_exit_period: u64,
    /// What happened, in words: watcher actions, challenges, exits.
    pub log: Vec<String>,
    /// Actors who collude with a cheater: they run no watcher.
    pub colluding: Vec<String>,
    /// How many more transactions of each actor's watcher the network loses before they are
    /// mined (the `lose-sends` step): the watcher must send them again.
    pub lost_sends: BTreeMap<Address, u32>,
    /// Every user's software is offline (between the `offline` and `online` steps): no watcher
    /// runs.
    pub offline: bool,
}

impl World {
    /// A world on `chain` with the operator and `names` as actors. The chain's accounts are the
    /// dev accounts, in order (see `plasma_rootchain::DEV_KEYS`), except that the operator may
    /// have a key of its own (`operator_key`, for a node reached by URL).
    pub fn new(
        chain: Box<dyn RootChain>,
        names: &[String],
        min_exit_period: u64,
        operator_key: Option<B256>,
    ) -> Result<Self, Error> {
        if names.len() > MAX_ACTORS {
            return Err(Error::Scenario(format!("at most {MAX_ACTORS} actors")));
        }
        let actor = |name: &str, key| -> Result<Actor, Error> {
            let key = SigningKey::from_bytes(key)?;
            Ok(Actor { name: name.to_owned(), address: key.address(), key })
        };
        let operator = actor("operator", operator_key.unwrap_or(DEV_KEYS[0]))?;
        let actors = names
            .iter()
            .zip(&DEV_KEYS[1..])
            .map(|(name, key)| Ok((name.clone(), actor(name, *key)?)))
            .collect::<Result<_, Error>>()?;
        Ok(Self {
            chain: RecordingChain::new(chain),
            operator,
            actors,
            framework: Address::ZERO,
            exit_game: Address::ZERO,
            min_exit_period,
            log: Vec::new(),
            colluding: Vec::new(),
            lost_sends: BTreeMap::new(),
            offline: false,
        })
    }

    /// On a node reached by URL the harness holds one funded key, the operator's
    /// (`operator_secret`): every actor gets a fresh key, derived from that key, the run's name and
    /// the chain's current block (so no two runs share an account), and is funded from the
    /// operator with `funding(name)` wei. [`World::sweep_actors`] sends back what is left.
    pub async fn fund_fresh_actors(
        &mut self,
        operator_secret: B256,
        run: &str,
        funding: impl Fn(&str) -> U256,
    ) -> Result<(), Error> {
        let block = self.chain.block_number().await?;
        let names: Vec<String> = self.actors.keys().cloned().collect();
        for name in names {
            let seed = [
                b"plasma-lab actor".as_slice(),
                operator_secret.as_slice(),
                run.as_bytes(),
                name.as_bytes(),
                &block.to_be_bytes(),
            ]
            .concat();
            let secret = alloy_primitives::keccak256(seed);
            let key = SigningKey::from_bytes(secret)?;
            let address = self.chain.add_signer(secret).await?;
            let amount = funding(&name);
            let tx = TxRequest::call(self.operator.address, address, Vec::new()).with_value(amount);
            if !self.chain.send(tx).await?.success {
                return Err(Error::Scenario(format!("could not fund {name} with {amount} wei")));
            }
            self.actors.insert(name.clone(), Actor { name, key, address });
        }
        Ok(())
    }

    /// Sends every actor's remaining balance, less the fee of sending it, back to the operator
    /// (after a run on a node reached by URL).
    pub async fn sweep_actors(&mut self) -> Result<(), Error> {
        let price = U256::from(self.chain.gas_price().await?);
        let fee = price * U256::from(TRANSFER_GAS);
        let actors: Vec<Address> = self.actors.values().map(|actor| actor.address).collect();
        for address in actors {
            let balance = self.chain.balance(address).await?;
            if balance > fee {
                let tx = TxRequest {
                    gas_limit: Some(TRANSFER_GAS),
                    ..TxRequest::call(address, self.operator.address, Vec::new()).with_value(balance - fee)
                };
                self.chain.send(tx).await?;
            }
        }
        Ok(())
    }

    /// The actor called `name` (`operator` included).
    pub fn actor(&self, name: &str) -> Result<&Actor, Error> {
        if name == "operator" {
            return Ok(&self.operator);
        }
        self.actors.get(name).ok_or_else(|| Error::Scenario(format!("unknown actor {name:?}")))
    }

    /// Everyone, the operator first.
    pub fn everyone(&self) -> impl Iterator<Item = &Actor> {
        std::iter::once(&self.operator).chain(self.actors.values())
    }

    /// The EIP-712 domain of this deployment.
    pub fn domain(&self) -> Domain {
        Domain::new(self.chain.chain_id(), self.framework)
    }

    /// Sends `call` to `to` from `from`; it must succeed.
    pub async fn send<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: C,
        value: U256,
    ) -> Result<Receipt, Error> {
        Ok(plasma_contracts::send(&mut self.chain, from, to, call, value).await?)
    }

    /// Reads a framework view.
    pub async fn framework_view<C: SolCall>(&self, call: C) -> Result<C::Return, Error> {
        Ok(plasma_contracts::view(&self.chain, self.framework, call).await?)
    }

    /// Deploys the framework (operated by the operator, with this world's exit period) and the
    /// exit game `bytecode`, whose constructor arguments are made from the framework's address;
    /// sets [`World::framework`] and [`World::exit_game`].
    pub async fn deploy_exit_game(
        &mut self,
        bytecode: &[u8],
        constructor_args: impl FnOnce(Address) -> Vec<u8> + Send,
    ) -> Result<(), Error> {
        let operator = self.operator.address;
        let framework = deploy_framework(&mut self.chain, operator, self.min_exit_period).await?;
        let deployment =
            deploy_game(&mut self.chain, framework, operator, bytecode, constructor_args(framework)).await?;
        self.framework = deployment.framework;
        self.exit_game = deployment.exit_game;
        Ok(())
    }

    /// Deploys the framework and the exit game of design `D` with the parameters `game`; sets
    /// [`World::framework`] and [`World::exit_game`].
    pub async fn deploy_design<D: plasma_core::Design>(&mut self, game: &D::Game) -> Result<(), Error> {
        let game = game.clone();
        self.deploy_exit_game(D::game_bytecode(), move |framework| D::game_constructor_args(&game, framework)).await
    }

    /// Sends `call` to the exit game from `from`; the receipt says whether it succeeded.
    pub async fn game_call(&mut self, from: Address, call: &GameCall) -> Result<Receipt, Error> {
        let tx = TxRequest::call(from, self.exit_game, call.data.clone()).with_value(call.value);
        Ok(self.chain.send(tx).await?)
    }

    /// The runtime's sends of watchers' calls, as [`World::watcher_call`] makes them: lost while
    /// [`World::lost_sends`] says so.
    async fn lossy_submit(&mut self, tx: TxRequest) -> Result<Result<Receipt, String>, plasma_node::Error> {
        if let Some(left) = self.lost_sends.get_mut(&tx.from).filter(|left| **left > 0) {
            *left -= 1;
            return Ok(Err("lost before it was mined".into()));
        }
        plasma_node::Submit::submit(&mut self.chain, tx).await
    }

    /// `actor` deposits `amount` wei; returns the framework's record of it.
    pub async fn deposit(&mut self, actor: &str, amount: U256) -> Result<DepositEvent, Error> {
        let (from, framework) = (self.actor(actor)?.address, self.framework);
        let receipt = self.send(from, framework, PlasmaFramework::depositCall {}, amount).await?;
        let event = receipt
            .logs
            .iter()
            .find_map(|log| PlasmaFramework::DepositCreated::decode_log(log).ok())
            .ok_or_else(|| Error::Scenario("deposit without DepositCreated".into()))?;
        Ok(DepositEvent { depositor: event.depositor, blknum: event.blknum.to(), amount: event.amount })
    }

    /// The operator submits the child block `root`; returns the number and time the framework gave it.
    pub async fn submit_block(&mut self, root: B256) -> Result<BlockSubmittedEvent, Error> {
        let (operator, framework) = (self.operator.address, self.framework);
        let receipt = self.send(operator, framework, PlasmaFramework::submitBlockCall { root }, U256::ZERO).await?;
        let event = receipt
            .logs
            .iter()
            .find_map(|log| PlasmaFramework::BlockSubmitted::decode_log(log).ok())
            .ok_or_else(|| Error::Scenario("submitBlock without BlockSubmitted".into()))?;
        Ok(BlockSubmittedEvent { blknum: event.blknum.to(), root: event.root, timestamp: event.timestamp })
    }

    /// What the framework owes `who` (pull payments not yet withdrawn).
    pub async fn withdrawable(&self, who: Address) -> Result<U256, Error> {
        self.framework_view(PlasmaFramework::withdrawableCall { account: who }).await
    }
}

/// The runtime sends through the world: reads and simulations go to the recorded chain, sends may
/// be lost (the `lose-sends` step).
#[async_trait::async_trait]
impl plasma_node::Submit for World {
    fn reader(&self) -> &dyn RootChain {
        &self.chain
    }

    async fn now(&self) -> Result<u64, plasma_node::Error> {
        Ok(RootChain::block_time(&self.chain).await?)
    }

    async fn simulate(&self, tx: &TxRequest) -> Result<plasma_rootchain::CallOutcome, plasma_node::Error> {
        Ok(RootChain::simulate(&self.chain, tx).await?)
    }

    async fn submit(&mut self, tx: TxRequest) -> Result<Result<Receipt, String>, plasma_node::Error> {
        self.lossy_submit(tx).await
    }
}
