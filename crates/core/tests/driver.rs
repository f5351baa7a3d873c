//! A toy whole-coin design implemented against `ChildChain`, `ExitGame` and `VariantDriver`, to
//! show the traits fit together and that the driver is usable as `Box<dyn VariantDriver>`.

use std::collections::BTreeMap;

use plasma_core::{
    BinaryProof, BinaryTree, BlockNumber, BlockSubmittedEvent, Bonds, Capabilities, ChildBlock, ChildChain,
    DepositEvent, Domain, Error, ExitGame, GameCall, Periods, Signature, SigningKey, VariantDriver,
    alloy_primitives::{Address, B256, Bytes, U256, keccak256},
    recover,
};

#[derive(Debug, thiserror::Error)]
enum ToyError {
    #[error("unknown coin {0}")]
    UnknownCoin(u64),
    #[error("not signed by the coin's owner")]
    NotOwner,
    #[error("no block {0}")]
    UnknownBlock(BlockNumber),
    #[error("submitted root does not match the built block")]
    RootMismatch,
    #[error("no coin of that amount")]
    NoCoin,
    #[error(transparent)]
    Core(#[from] Error),
}

struct ToyTx {
    coin: u64,
    to: Address,
    signature: Signature,
}

fn tx_digest(domain: &Domain, coin: u64, to: Address) -> B256 {
    let mut preimage = coin.to_be_bytes().to_vec();
    preimage.extend_from_slice(to.as_slice());
    domain.digest(keccak256(preimage))
}

struct ToyBlock(BinaryTree);

impl ChildBlock for ToyBlock {
    fn root(&self) -> B256 {
        self.0.root()
    }
}

struct ToyChain {
    domain: Domain,
    coins: BTreeMap<u64, (Address, U256)>,
    pending: Vec<B256>,
    built: Option<BinaryTree>,
    blocks: BTreeMap<BlockNumber, BinaryTree>,
}

impl ChildChain for ToyChain {
    type Tx = ToyTx;
    type Block = ToyBlock;
    type Proof = BinaryProof;
    type StateId = u64;
    type Error = ToyError;

    fn capabilities(&self) -> Capabilities {
        Capabilities::NONE
    }

    fn apply_deposit(&mut self, deposit: &DepositEvent) -> Result<u64, ToyError> {
        self.coins.insert(deposit.blknum, (deposit.depositor, deposit.amount));
        Ok(deposit.blknum)
    }

    fn submit_tx(&mut self, tx: ToyTx) -> Result<B256, ToyError> {
        let (owner, amount) = *self.coins.get(&tx.coin).ok_or(ToyError::UnknownCoin(tx.coin))?;
        let digest = tx_digest(&self.domain, tx.coin, tx.to);
        if recover(digest, &tx.signature)? != owner {
            return Err(ToyError::NotOwner);
        }
        self.coins.insert(tx.coin, (tx.to, amount));
        self.pending.push(digest);
        Ok(digest)
    }

    fn build_block(&mut self) -> Result<ToyBlock, ToyError> {
        let tree = BinaryTree::from_leaves(&std::mem::take(&mut self.pending))?;
        self.built = Some(tree.clone());
        Ok(ToyBlock(tree))
    }

    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<(), ToyError> {
        let tree = self.built.take().filter(|t| t.root() == event.root).ok_or(ToyError::RootMismatch)?;
        self.blocks.insert(event.blknum, tree);
        Ok(())
    }

    fn prove_inclusion(&self, blknum: BlockNumber, key: u64) -> Result<BinaryProof, ToyError> {
        Ok(self.blocks.get(&blknum).ok_or(ToyError::UnknownBlock(blknum))?.proof(key)?)
    }
}

struct ToyExitClaim {
    coin: u64,
    owner: Address,
}

struct ToyGame;

impl ExitGame for ToyGame {
    type Chain = ToyChain;
    type ExitClaim = ToyExitClaim;
    type Challenge = u64;
    type Error = ToyError;

    fn periods(&self) -> Periods {
        Periods { min_exit_period: 7 * 24 * 3600, response_period: None }
    }

    fn bonds(&self) -> Bonds {
        Bonds { exit: U256::from(1_000), ..Bonds::default() }
    }

    fn exit_claim(&self, chain: &ToyChain, id: &u64) -> Result<ToyExitClaim, ToyError> {
        let (owner, _) = chain.coins.get(id).ok_or(ToyError::UnknownCoin(*id))?;
        Ok(ToyExitClaim { coin: *id, owner: *owner })
    }

    fn start_exit_call(&self, claim: &ToyExitClaim) -> Result<GameCall, ToyError> {
        Ok(GameCall { data: Bytes::from(claim.coin.to_be_bytes().to_vec()), value: self.bonds().exit })
    }

    fn find_challenge(&self, chain: &ToyChain, claim: &ToyExitClaim) -> Result<Option<u64>, ToyError> {
        let (owner, _) = chain.coins.get(&claim.coin).ok_or(ToyError::UnknownCoin(claim.coin))?;
        Ok((*owner != claim.owner).then_some(claim.coin))
    }

    fn challenge_call(&self, challenge: &u64) -> Result<GameCall, ToyError> {
        Ok(GameCall { data: Bytes::from(challenge.to_be_bytes().to_vec()), value: U256::ZERO })
    }
}

struct ToyDriver {
    chain: ToyChain,
    game: ToyGame,
}

const NAME: &str = "toy";

impl VariantDriver for ToyDriver {
    fn name(&self) -> &'static str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        self.chain.capabilities()
    }

    fn periods(&self) -> Periods {
        self.game.periods()
    }

    fn bonds(&self) -> Bonds {
        self.game.bonds()
    }

    fn apply_deposit(&mut self, deposit: &DepositEvent) -> plasma_core::Result<()> {
        self.chain.apply_deposit(deposit).map(drop).map_err(|e| Error::variant(NAME, e))
    }

    fn transfer(&mut self, from: &SigningKey, to: Address, amount: U256) -> plasma_core::Result<B256> {
        let coin = self
            .chain
            .coins
            .iter()
            .find(|(_, (owner, value))| *owner == from.address() && *value == amount)
            .map(|(coin, _)| *coin)
            .ok_or_else(|| Error::variant(NAME, ToyError::NoCoin))?;
        let signature = from.sign_digest(tx_digest(&self.chain.domain, coin, to));
        self.chain.submit_tx(ToyTx { coin, to, signature }).map_err(|e| Error::variant(NAME, e))
    }

    fn build_block(&mut self) -> plasma_core::Result<B256> {
        self.chain.build_block().map(|b| b.root()).map_err(|e| Error::variant(NAME, e))
    }

    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> plasma_core::Result<()> {
        self.chain.on_block_submitted(event).map_err(|e| Error::variant(NAME, e))
    }

    fn exit_calls(&self, owner: Address) -> plasma_core::Result<Vec<GameCall>> {
        self.chain
            .coins
            .iter()
            .filter(|(_, (o, _))| *o == owner)
            .map(|(coin, _)| {
                let claim = self.game.exit_claim(&self.chain, coin)?;
                self.game.start_exit_call(&claim)
            })
            .collect::<Result<_, _>>()
            .map_err(|e| Error::variant(NAME, e))
    }
}

fn key(seed: &str) -> plasma_core::Result<SigningKey> {
    SigningKey::from_bytes(keccak256(seed))
}

fn toy() -> ToyChain {
    ToyChain {
        domain: Domain::new(31_337, Address::repeat_byte(0xf0)),
        coins: BTreeMap::new(),
        pending: Vec::new(),
        built: None,
        blocks: BTreeMap::new(),
    }
}

#[test]
fn scenario_through_dyn_driver() {
    let (alice, bob) = (key("alice").unwrap(), key("bob").unwrap());
    let one_eth = U256::from(10).pow(U256::from(18));
    let mut driver: Box<dyn VariantDriver> = Box::new(ToyDriver { chain: toy(), game: ToyGame });
    assert_eq!(driver.name(), "toy");
    assert_eq!(driver.capabilities(), Capabilities::NONE);

    driver.apply_deposit(&DepositEvent { depositor: alice.address(), blknum: 1, amount: one_eth }).unwrap();
    assert!(matches!(driver.transfer(&bob, alice.address(), one_eth), Err(Error::Variant { variant: "toy", .. })));
    driver.transfer(&alice, bob.address(), one_eth).unwrap();
    let root = driver.build_block().unwrap();
    driver.on_block_submitted(&BlockSubmittedEvent { blknum: 1000, root, timestamp: 1 }).unwrap();

    assert!(driver.exit_calls(alice.address()).unwrap().is_empty());
    let calls = driver.exit_calls(bob.address()).unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].value, driver.bonds().exit);
}

#[test]
fn stale_exit_is_challenged_and_proofs_verify() {
    let (alice, bob) = (key("alice").unwrap(), key("bob").unwrap());
    let mut chain = toy();
    let coin =
        chain.apply_deposit(&DepositEvent { depositor: alice.address(), blknum: 1, amount: U256::from(5) }).unwrap();
    let stale = ToyGame.exit_claim(&chain, &coin).unwrap();
    assert_eq!(ToyGame.find_challenge(&chain, &stale).unwrap(), None);

    let signature = alice.sign_digest(tx_digest(&chain.domain, coin, bob.address()));
    let hash = chain.submit_tx(ToyTx { coin, to: bob.address(), signature }).unwrap();
    let block = chain.build_block().unwrap();
    chain.on_block_submitted(&BlockSubmittedEvent { blknum: 1000, root: block.root(), timestamp: 1 }).unwrap();

    let proof = chain.prove_inclusion(1000, 0).unwrap();
    assert!(proof.verify(block.root(), hash, 0));
    assert_eq!(chain.prove_exclusion(1000, 0).unwrap(), None);
    assert!(matches!(chain.prove_inclusion(2000, 0), Err(ToyError::UnknownBlock(2000))));

    assert_eq!(ToyGame.find_challenge(&chain, &stale).unwrap(), Some(coin));
    let fresh = ToyGame.exit_claim(&chain, &coin).unwrap();
    assert_eq!(ToyGame.find_challenge(&chain, &fresh).unwrap(), None);
}
