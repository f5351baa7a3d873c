//! One XT user's software (`docs/xt.md`, "Client and watcher rules"), on top of Plasma Cash's:
//! [`CheckpointBook`] is what a user's wallet adds to `plasma_cash::Wallet` (the leaf proofs the
//! operator handed it, its sign-offs, the checkpoint start of each coin, checkpoint-started
//! histories, stored bytes and exits from a checkpoint origin); [`XtWatcher`] is what its watcher
//! adds to `plasma_cash::Watcher` (challenges of false bits, stale exits). [`XtWallet`] pairs a
//! Cash wallet with its book for a user that holds both.
//!
//! The Cash wallet keeps following every coin as in Cash (it pays, syncs and feeds the Cash
//! watcher), but for a coin whose checkpoint finalised it keeps only the last move up to `K`, the
//! entry of `K` and the entries after it ([`XtWallet::on_finalized`], [`prune_wallet`]) — unless
//! one of the user's own exits of the coin with an older origin is open, in which case it prunes
//! when that exit closes ([`CheckpointBook::prune`], [`CheckpointBook::set_own_exits`]); the book
//! keeps the checkpoint reference. The history handed to a recipient starts at that checkpoint
//! ([`CheckpointBook::xt_history`], built with [`prune`]); the recipient verifies it against the
//! finalised checkpoint and its wallet adopts the same entries ([`CheckpointBook::adopt`]).
//! [`CheckpointBook::stored_bytes`] counts what is kept.
//!
//! Decisions reuse the free functions of [`crate::watcher`]: [`owner_sign_off`] (sign honestly,
//! never a reserved coin), [`owner_challenge`] (the user's latest transaction up to `K` against a
//! set bit it did not sign), [`is_stale`] (`cancelStaleExit`).

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, U256};
use plasma_cash::{CashHistory, Included, ObservedExit, Wallet};
use plasma_core::{BlockNumber, GameCall, Signature, SigningKey, SparseProof, Timestamp};

use crate::{
    checkpoint::Bitmap,
    error::{Result, XtError},
    game::{CheckpointExit, CheckpointState, XtGame, checkpoint_state},
    history::tip_at,
    history::{CheckpointRef, XtHistory, from_cash, prune, to_cash},
    watcher::{ProposedCheckpoint, is_stale, later_spend, owner_challenge, owner_sign_off, recipient_challenge},
};

/// A checkpoint's `(K, stateRoot)` and a coin: what one sign-off binds.
type SignOffKey = (BlockNumber, B256, u64);

/// What a wallet adds for XT: leaf proofs, sign-offs, checkpoint starts.
#[derive(Clone, Debug, Default)]
pub struct CheckpointBook {
    /// Leaf proofs the operator handed over, by sign-off.
    proofs: BTreeMap<SignOffKey, SparseProof>,
    /// The sign-offs given.
    signed: BTreeSet<SignOffKey>,
    /// The finalised checkpoint each coin's history starts at, with that checkpoint's bitmap.
    starts: BTreeMap<u64, (CheckpointRef, Bitmap)>,
    /// Every finalised checkpoint seen, by id (what a handed-over start is checked against).
    finalized: BTreeMap<u64, ProposedCheckpoint>,
    /// Checkpoint-started histories received from a payer ([`CheckpointBook::receive`]), by coin.
    received: BTreeMap<u64, XtHistory>,
    /// The user's own open exits, by coin, with the exit's origin block (`eBlk`).
    own_exits: BTreeMap<u64, BlockNumber>,
    /// Coins that start at a finalised checkpoint of block `K` but whose entries before `K` are
    /// kept while one of the user's own exits with an older origin is open, by coin, with `K`.
    deferred: BTreeMap<u64, BlockNumber>,
}

impl CheckpointBook {
    /// An empty book.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Signs off `coin_id` for `(blknum, state_root)` with `key` when `wallet` owns it, no payment
    /// of it is pending, and its history kept ([`CheckpointBook::xt_history`]: from its checkpoint
    /// start, or from the deposit) verifies through `blknum` to the state `proof` includes
    /// ([`owner_sign_off`]). The proof is kept for pruning.
    #[allow(clippy::too_many_arguments)]
    pub fn sign_off(
        &mut self,
        wallet: &Wallet,
        key: &SigningKey,
        blknum: BlockNumber,
        state_root: B256,
        coin_id: u64,
        proof: SparseProof,
    ) -> Result<Signature> {
        let history = self.xt_history(wallet, coin_id)?;
        if wallet.reserved(coin_id).is_some() {
            return Err(XtError::WrongState { coin_id, blknum, why: "a payment of the coin is pending" });
        }
        let sig = owner_sign_off(key, wallet.domain(), &history, wallet.roots(), blknum, state_root, &proof)?;
        self.signed.insert((blknum, state_root, coin_id));
        self.proofs.insert((blknum, state_root, coin_id), proof);
        Ok(sig)
    }

    /// Whether the user signed off `coin_id` for `(blknum, state_root)`.
    #[must_use]
    pub fn signed(&self, blknum: BlockNumber, state_root: B256, coin_id: u64) -> bool {
        self.signed.contains(&(blknum, state_root, coin_id))
    }

    /// Checkpoint `cp` (id `cp.id`) is finalised: every coin of `wallet` with its bit set, a leaf
    /// proof in hand and a history that says the stated state starts there from now on. Returns
    /// the coins that got a new start.
    pub fn on_finalized(&mut self, wallet: &Wallet, cp: &ProposedCheckpoint) -> Vec<u64> {
        self.finalized.insert(cp.id, cp.clone());
        let mut started = Vec::new();
        for (coin_id, history) in wallet.histories() {
            let Some(proof) = self.proofs.get(&(cp.blknum, cp.state_root, *coin_id)) else { continue };
            let newer = self.starts.get(coin_id).is_none_or(|(start, _)| start.blknum < cp.blknum);
            if !cp.bitmap.is_set(*coin_id) || !newer {
                continue;
            }
            if let Ok(pruned) = prune(history, *history.start(), cp.id, cp.blknum, cp.state_root, proof.clone())
                && let Some(start) = pruned.start().checkpoint.clone()
            {
                self.starts.insert(*coin_id, (start, cp.bitmap.clone()));
                started.push(*coin_id);
            }
        }
        started
    }

    /// Drops, in `wallet`, what the checkpoint of block `blknum` makes unnecessary for the coins it
    /// `started` ([`prune_wallet`]), except for a coin with an open exit of the user's own whose
    /// origin is older than `blknum`: defending that exit may need the older history, so it is
    /// kept until the exit closes ([`CheckpointBook::set_own_exits`]). Returns the coins pruned.
    pub fn prune(&mut self, wallet: &mut Wallet, started: &[u64], blknum: BlockNumber) -> Vec<u64> {
        let (deferred, pruned): (Vec<u64>, Vec<u64>) =
            started.iter().partition(|coin_id| self.own_exits.get(coin_id).is_some_and(|origin| *origin < blknum));
        for coin_id in deferred {
            self.deferred.insert(coin_id, blknum);
        }
        prune_wallet(wallet, &pruned, blknum);
        pruned
    }

    /// The user's own open exits are now `open` (coin to the exit's origin block): coins whose
    /// pruning waited for an exit that is no longer open are pruned now. Returns those coins.
    pub fn set_own_exits(&mut self, wallet: &mut Wallet, open: BTreeMap<u64, BlockNumber>) -> Vec<u64> {
        self.own_exits = open;
        let ready: Vec<(u64, BlockNumber)> = self
            .deferred
            .iter()
            .filter(|(coin_id, blknum)| self.own_exits.get(coin_id).is_none_or(|origin| origin >= blknum))
            .map(|(coin_id, blknum)| (*coin_id, *blknum))
            .collect();
        for (coin_id, blknum) in &ready {
            self.deferred.remove(coin_id);
            prune_wallet(wallet, &[*coin_id], *blknum);
        }
        ready.into_iter().map(|(coin_id, _)| coin_id).collect()
    }

    /// Coins whose pruning waits for one of the user's own exits to close.
    #[must_use]
    pub fn deferred(&self) -> Vec<u64> {
        self.deferred.keys().copied().collect()
    }

    /// Records the proof of `coin_id`'s leaf under `(blknum, state_root)` that the operator (or a
    /// payer, forwarding it) handed over without a sign-off: what a recipient checks an open
    /// checkpoint's state with ([`XtWatcher::recheck`]).
    pub fn learn_state_proof(&mut self, blknum: BlockNumber, state_root: B256, coin_id: u64, proof: SparseProof) {
        self.proofs.insert((blknum, state_root, coin_id), proof);
    }

    /// The leaf proof held for `coin_id` under `(blknum, state_root)`.
    #[must_use]
    pub fn state_proof(&self, blknum: BlockNumber, state_root: B256, coin_id: u64) -> Option<&SparseProof> {
        self.proofs.get(&(blknum, state_root, coin_id))
    }

    /// The finalised checkpoint `checkpoint_id`, if seen.
    #[must_use]
    pub fn finalized(&self, checkpoint_id: u64) -> Option<&ProposedCheckpoint> {
        self.finalized.get(&checkpoint_id)
    }

    /// Accepts a checkpoint-started history handed over by a payer (`docs/xt.md`, "Pruning"): its
    /// start must name a finalised checkpoint this book saw, with the same block and state root
    /// and the coin's bit set; the deposit record, the state proof under that root and every entry
    /// after `K` must verify against `wallet`'s roots; and it must end with `wallet`'s owner.
    /// The history is kept and the coin starts at that checkpoint. Returns the coin; nothing is
    /// recorded on error.
    pub fn receive(&mut self, wallet: &Wallet, history: XtHistory) -> Result<u64> {
        let coin_id = history.coin_id();
        let start = history.start().checkpoint.clone().ok_or(XtError::NotCheckpointed(coin_id))?;
        let cp = self.finalized.get(&start.checkpoint_id).ok_or(XtError::NotCheckpointed(coin_id))?;
        if cp.blknum != start.blknum || cp.state_root != start.state_root || !cp.bitmap.is_set(coin_id) {
            return Err(XtError::NotCheckpointed(coin_id));
        }
        let owner = history.verify(wallet.domain(), wallet.roots())?;
        if owner != wallet.address() {
            return Err(plasma_cash::CashError::NotOwner { coin_id, owner }.into());
        }
        let bitmap = cp.bitmap.clone();
        self.starts.insert(coin_id, (start, bitmap));
        self.received.insert(coin_id, history);
        Ok(coin_id)
    }

    /// Accepts a coin handed over with its checkpoint-started history: verifies it against the
    /// finalised checkpoint ([`CheckpointBook::receive`]) and has `wallet` adopt the same entries
    /// ([`to_cash`], [`Wallet::adopt_verified`]), so the coin is paid on, synced and watched as any
    /// other and nothing older than the checkpoint is kept. Returns the coin; nothing changes on
    /// error.
    pub fn adopt(&mut self, wallet: &mut Wallet, history: XtHistory) -> Result<u64> {
        let cash = to_cash(&history)?;
        let mut book = self.clone();
        let coin_id = book.receive(wallet, history)?;
        wallet.adopt_verified(cash)?;
        book.received.remove(&coin_id);
        *self = book;
        Ok(coin_id)
    }

    /// The deposit record of `coin_id`, from `wallet` or a received history.
    #[must_use]
    pub fn deposit_record(&self, wallet: &Wallet, coin_id: u64) -> Option<plasma_cash::DepositRecord> {
        wallet.deposit_record(coin_id).or_else(|| self.received.get(&coin_id).map(|h| h.start().deposit))
    }

    /// The checkpoint-started history received for `coin_id`, if any.
    #[must_use]
    pub fn received(&self, coin_id: u64) -> Option<&XtHistory> {
        self.received.get(&coin_id)
    }

    /// The coins whose history starts at a finalised checkpoint.
    pub fn started_coins(&self) -> impl Iterator<Item = u64> + '_ {
        self.starts.keys().copied()
    }

    /// The checkpoint `coin_id`'s history starts at, if any.
    #[must_use]
    pub fn start(&self, coin_id: u64) -> Option<&CheckpointRef> {
        self.starts.get(&coin_id).map(|(start, _)| start)
    }

    /// The coin's state in its start checkpoint, as `startCheckpointExit` and `cancelStaleExit`
    /// take it.
    #[must_use]
    pub fn state(&self, coin_id: u64) -> Option<CheckpointState> {
        self.starts.get(&coin_id).map(|(start, bitmap)| checkpoint_state(start, bitmap))
    }

    /// The history an XT client keeps of `coin_id`: from its checkpoint start when it has one,
    /// else from the deposit.
    pub fn xt_history(&self, wallet: &Wallet, coin_id: u64) -> Result<XtHistory> {
        match wallet.history(coin_id) {
            Some(history) => self.xt_history_of(history),
            None => self.received.get(&coin_id).cloned().ok_or(plasma_cash::CashError::UnknownCoin(coin_id).into()),
        }
    }

    fn xt_history_of(&self, history: &CashHistory) -> Result<XtHistory> {
        match self.starts.get(&history.coin_id()) {
            Some((start, _)) => prune(
                history,
                *history.start(),
                start.checkpoint_id,
                start.blknum,
                start.state_root,
                start.proof.clone(),
            ),
            None => from_cash(history),
        }
    }

    /// Bytes an XT client stores for `wallet`'s histories, from what is kept: every history the
    /// Cash wallet holds (for a checkpointed coin, only the entries from `K` on and the last move
    /// up to `K`, after [`XtWallet::on_finalized`]), plus per checkpoint start the checkpoint
    /// reference (8 id + 8 `K` + 20 `O` + 8 `L` + the state proof; the last move is in the
    /// Cash history), plus checkpoint-started histories received beside the Cash wallet.
    #[must_use]
    pub fn stored_bytes(&self, wallet: &Wallet) -> usize {
        let cash: usize = wallet.histories().values().map(CashHistory::stored_bytes).sum();
        let starts: usize = self
            .starts
            .iter()
            .filter(|(coin_id, _)| wallet.history(**coin_id).is_some())
            .map(|(_, (start, _))| 8 + 8 + 20 + 8 + plasma_cash::history::proof_len(&start.proof))
            .sum();
        let received: usize = self
            .received
            .iter()
            .filter(|(coin_id, _)| wallet.history(**coin_id).is_none())
            .map(|(_, h)| h.stored_bytes())
            .sum();
        cash + starts + received
    }

    /// The exit of an owned `coin_id` from its checkpoint origin: the state itself, `C` spending
    /// it, or `C` after a `P(C)` after `K`. `None` for a coin without a checkpoint start.
    pub fn exit_claim(&self, wallet: &Wallet, coin_id: u64) -> Result<Option<CheckpointExit>> {
        let Some((start, bitmap)) = self.starts.get(&coin_id) else { return Ok(None) };
        let history = self.xt_history(wallet, coin_id)?;
        if history.owner() != wallet.address() {
            return Err(plasma_cash::CashError::NotOwner { coin_id, owner: history.owner() }.into());
        }
        let deposit = history.start().deposit;
        let origin = checkpoint_state(start, bitmap);
        let Some(last) = history.last_move() else {
            let (parent, exiting) = (Included::none(), Included::none());
            return Ok(Some(CheckpointExit { deposit, origin, parent, exiting, exiting_sig: None }));
        };
        let parent = if last.tx.tx.prevBlock == start.last_moved {
            Included::none()
        } else {
            history
                .parent_of(&last)
                .map(|p| Included::from_move(&p))
                .ok_or(plasma_cash::CashError::MissingParent(coin_id))?
        };
        let exiting = Included::from_move(&last);
        Ok(Some(CheckpointExit { deposit, origin, parent, exiting, exiting_sig: Some(last.tx.sig) }))
    }
}

/// A Plasma Cash wallet with its XT book.
#[derive(Clone, Debug)]
pub struct XtWallet {
    /// The Plasma Cash wallet: coins, payments, syncing, Cash exits.
    pub cash: Wallet,
    /// What XT adds.
    pub book: CheckpointBook,
}

impl XtWallet {
    /// A wallet over `cash` with an empty book.
    #[must_use]
    pub fn new(cash: Wallet) -> Self {
        Self { cash, book: CheckpointBook::new() }
    }

    /// Signs off `coin_id` honestly ([`CheckpointBook::sign_off`]).
    pub fn sign_off(
        &mut self,
        key: &SigningKey,
        blknum: BlockNumber,
        state_root: B256,
        coin_id: u64,
        proof: SparseProof,
    ) -> Result<Signature> {
        self.book.sign_off(&self.cash, key, blknum, state_root, coin_id, proof)
    }

    /// Prunes behind a finalised checkpoint: the coins that start there
    /// ([`CheckpointBook::on_finalized`]) keep only their last move up to `K` and their entries
    /// from `K` on ([`Wallet::drop_entries_before`]), unless an exit of the user's own with an
    /// older origin is open ([`CheckpointBook::prune`]). Returns the coins that start there.
    pub fn on_finalized(&mut self, cp: &ProposedCheckpoint) -> Vec<u64> {
        let started = self.book.on_finalized(&self.cash, cp);
        self.book.prune(&mut self.cash, &started, cp.blknum);
        started
    }

    /// The user's own open exits are now `open` (coin to origin block); returns the coins whose
    /// deferred pruning happened now ([`CheckpointBook::set_own_exits`]).
    pub fn set_own_exits(&mut self, open: BTreeMap<u64, BlockNumber>) -> Vec<u64> {
        self.book.set_own_exits(&mut self.cash, open)
    }

    /// The Cash wallet underneath.
    #[must_use]
    pub fn cash(&self) -> &Wallet {
        &self.cash
    }

    /// The history kept of `coin_id` ([`CheckpointBook::xt_history`]): what a recipient is handed.
    pub fn handover(&self, coin_id: u64) -> Result<XtHistory> {
        self.book.xt_history(&self.cash, coin_id)
    }

    /// Accepts a coin handed over with its checkpoint-started history ([`CheckpointBook::adopt`]).
    pub fn receive(&mut self, history: XtHistory) -> Result<u64> {
        self.book.adopt(&mut self.cash, history)
    }

    /// Bytes stored ([`CheckpointBook::stored_bytes`]).
    #[must_use]
    pub fn stored_bytes(&self) -> usize {
        self.book.stored_bytes(&self.cash)
    }
}

/// Drops, in `wallet`, the entries of each of `coins` before block `blknum` except the last move
/// up to it: what an XT client keeps once a finalised checkpoint of `blknum` starts the coins.
pub fn prune_wallet(wallet: &mut Wallet, coins: &[u64], blknum: BlockNumber) {
    for coin_id in coins {
        // Every started coin has a history in the wallet (the book started it from there).
        let _ = wallet.drop_entries_before(*coin_id, blknum);
    }
}

/// What an XT watcher sends besides Plasma Cash's actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XtAction {
    /// `challengeCheckpoint` of a set bit the user did not sign, with the challenge bond.
    ChallengeCheckpoint {
        /// The checkpoint.
        checkpoint_id: u64,
        /// Its bitmap.
        bitmap: Bitmap,
        /// The user's latest transaction of the coin up to `K`, or its deposit.
        latest: Included,
        /// The coin's denomination (checked for the deposit form).
        amount: U256,
    },
    /// `challengeCheckpointAfter` of a set bit by a later owner, with the challenge bond: the coin's
    /// owner at `K` (`latest`) spent it to the user's history after `K` (`later`), so its sign-off
    /// cannot answer.
    ChallengeCheckpointAfter {
        /// The checkpoint.
        checkpoint_id: u64,
        /// Its bitmap.
        bitmap: Bitmap,
        /// The transaction that made the sender the owner up to `K`, or the deposit.
        latest: Included,
        /// The coin's denomination (checked for the deposit form).
        amount: U256,
        /// The sender's spend of `latest` after `K`.
        later: Included,
        /// Its signature by the sender.
        later_sig: Signature,
    },
    /// `challengeHistoryAtCheckpoint`, with the challenge bond: an exit whose `P(C)` is after a
    /// finalised checkpoint that states the user's coin, while no transaction of the user spends
    /// that state by `pBlk`.
    ChallengeHistoryAtCheckpoint {
        /// The coin.
        coin_id: u64,
        /// The user's state in the checkpoint.
        state: CheckpointState,
    },
    /// `cancelStaleExit`: the exit contradicts the coin's state in a finalised checkpoint.
    CancelStale {
        /// The coin.
        coin_id: u64,
        /// The state.
        state: CheckpointState,
    },
}

impl XtAction {
    /// The coin the action is about.
    #[must_use]
    pub const fn coin_id(&self) -> u64 {
        match self {
            Self::ChallengeCheckpoint { latest, .. } | Self::ChallengeCheckpointAfter { latest, .. } => {
                latest.tx.coinId
            }
            Self::ChallengeHistoryAtCheckpoint { coin_id, .. } | Self::CancelStale { coin_id, .. } => *coin_id,
        }
    }

    /// The call to send, with its bond.
    #[must_use]
    pub fn call(&self, game: &XtGame) -> GameCall {
        match self {
            Self::ChallengeCheckpoint { checkpoint_id, bitmap, latest, amount } => {
                game.challenge_checkpoint_call(*checkpoint_id, bitmap, latest, *amount)
            }
            Self::ChallengeCheckpointAfter { checkpoint_id, bitmap, latest, amount, later, later_sig } => {
                game.challenge_checkpoint_after_call(*checkpoint_id, bitmap, latest, *amount, later, later_sig)
            }
            Self::ChallengeHistoryAtCheckpoint { coin_id, state } => {
                game.challenge_history_at_checkpoint_call(*coin_id, state)
            }
            Self::CancelStale { coin_id, state } => XtGame::cancel_stale_exit_call(*coin_id, state),
        }
    }
}

/// What one user's watcher adds to `plasma_cash::Watcher` for XT.
#[derive(Clone, Debug)]
pub struct XtWatcher {
    address: Address,
    game: XtGame,
    /// Proposed checkpoints, by id, with their proposal time.
    proposed: BTreeMap<u64, (ProposedCheckpoint, Timestamp)>,
    /// The origin block of each exit with a checkpoint origin (`ExitOriginSet`), by exit id.
    origins: BTreeMap<u128, BlockNumber>,
    /// The `(checkpoint, coin)` bits already challenged.
    challenged: BTreeSet<(u64, u64)>,
}

impl XtWatcher {
    /// A watcher for `address` under `game`.
    #[must_use]
    pub const fn new(address: Address, game: XtGame) -> Self {
        Self { address, game, proposed: BTreeMap::new(), origins: BTreeMap::new(), challenged: BTreeSet::new() }
    }

    /// A `CheckpointProposed` event at `proposed_at`: the challenges of bits set for coins the
    /// user owned at `K` without its sign-off ([`owner_challenge`]), or received after `K` with a
    /// state that is not the sender's ([`recipient_challenge`]), while the window is open.
    pub fn on_proposed(
        &mut self,
        wallet: &Wallet,
        book: &CheckpointBook,
        cp: ProposedCheckpoint,
        proposed_at: Timestamp,
        now: Timestamp,
    ) -> Vec<XtAction> {
        let id = cp.id;
        self.proposed.insert(id, (cp, proposed_at));
        self.challenges_of(wallet, book, id, now)
    }

    /// Checks every proposed checkpoint whose window is still open again (after the user received
    /// a coin, or learned a leaf proof): the challenges not made yet.
    pub fn recheck(&mut self, wallet: &Wallet, book: &CheckpointBook, now: Timestamp) -> Vec<XtAction> {
        let ids: Vec<u64> = self.proposed.keys().copied().collect();
        ids.into_iter().flat_map(|id| self.challenges_of(wallet, book, id, now)).collect()
    }

    fn challenges_of(&mut self, wallet: &Wallet, book: &CheckpointBook, id: u64, now: Timestamp) -> Vec<XtAction> {
        let Some((cp, proposed_at)) = self.proposed.get(&id) else { return Vec::new() };
        if !self.game.challenge_window_open(*proposed_at, now) {
            return Vec::new();
        }
        let mut actions = Vec::new();
        let mut challenged = Vec::new();
        let coins: Vec<u64> = cp.bitmap.set_coins().filter(|c| !self.challenged.contains(&(id, *c))).collect();
        for coin_id in coins {
            // The kept history: a checkpoint of a block older than the coin's start is not the user's
            // to challenge any more (an exit built on it is cancelled as stale with the newer state).
            let history = book.xt_history(wallet, coin_id);
            let (Some(deposit), Ok(history)) = (book.deposit_record(wallet, coin_id), history) else {
                continue;
            };
            let recipient = history.owner() == self.address && tip_at(&history, cp.blknum).owner != self.address;
            let latest = if recipient {
                recipient_challenge(&deposit, &history, cp, book.state_proof(cp.blknum, cp.state_root, coin_id))
            } else {
                let signed = book.signed(cp.blknum, cp.state_root, coin_id);
                owner_challenge(self.address, &deposit, &history, cp, signed)
            };
            if let Some(latest) = latest {
                let (checkpoint_id, bitmap, amount) = (cp.id, cp.bitmap.clone(), deposit.amount);
                // A recipient holds the sender's spend after K: the sender's sign-off (given after it
                // had paid the coin away) must not answer its challenge.
                let later = recipient.then(|| later_spend(&history, cp.blknum)).flatten();
                actions.push(match later {
                    Some((later, later_sig)) => {
                        XtAction::ChallengeCheckpointAfter { checkpoint_id, bitmap, latest, amount, later, later_sig }
                    }
                    None => XtAction::ChallengeCheckpoint { checkpoint_id, bitmap, latest, amount },
                });
                challenged.push((id, coin_id));
            }
        }
        self.challenged.extend(challenged);
        actions
    }

    /// A proposed checkpoint, by id.
    #[must_use]
    pub fn proposed(&self, checkpoint_id: u64) -> Option<&ProposedCheckpoint> {
        self.proposed.get(&checkpoint_id).map(|(cp, _)| cp)
    }

    /// An `ExitOriginSet` event: the exit starts at checkpoint block `blknum`.
    pub fn on_exit_origin(&mut self, exit_id: u128, blknum: BlockNumber) {
        self.origins.insert(exit_id, blknum);
    }

    /// Where `exit`'s history starts: its checkpoint's block (`ExitOriginSet`), else the coin's
    /// deposit. What [`CheckpointBook::set_own_exits`] takes: pruning a coin to a checkpoint of a
    /// later block would drop history this exit may still be challenged on.
    #[must_use]
    pub fn origin_of(&self, exit: &ObservedExit) -> BlockNumber {
        self.origins.get(&exit.exit_id).copied().unwrap_or(exit.coin_id)
    }

    /// The cancellation a new or open exit calls for: stale against the coin's state in the
    /// checkpoint the user's history starts at ([`is_stale`]; the origin is the deposit unless an
    /// `ExitOriginSet` said otherwise).
    #[must_use]
    pub fn on_exit_started(&self, book: &CheckpointBook, exit: &ObservedExit) -> Option<XtAction> {
        let start = book.start(exit.coin_id)?;
        let origin = self.origins.get(&exit.exit_id).copied().unwrap_or(exit.coin_id);
        is_stale(exit, origin, start.blknum, start.owner, start.last_moved)
            .then(|| book.state(exit.coin_id))
            .flatten()
            .map(|state| XtAction::CancelStale { coin_id: exit.coin_id, state })
    }

    /// The `challengeHistoryAtCheckpoint` a new or open exit calls for (`docs/xt.md`, "Watcher"):
    /// the user owned the coin at the finalised checkpoint its history starts at (block `K`), the
    /// exit's origin is at or before `K` and its `pBlk` after `K`, no transaction of the user known
    /// to the wallet spends the state by `pBlk` (so `P(C)` is forged or hides nothing of the
    /// user's), and the exit's history window is open at `now`. The answer needs the user's
    /// signature, so the exit is cancelled at processing unless the user did spend the state.
    #[must_use]
    pub fn challenge_at_checkpoint(
        &self,
        wallet: &Wallet,
        book: &CheckpointBook,
        exit: &ObservedExit,
        now: Timestamp,
    ) -> Option<XtAction> {
        let start = book.start(exit.coin_id)?;
        let origin = self.origins.get(&exit.exit_id).copied().unwrap_or(exit.coin_id);
        let period = self.game.cash.periods().min_exit_period;
        let window_open = now < plasma_cash::game::history_window_closes(exit.started_at(period), period);
        if start.owner != self.address || origin > start.blknum || exit.prev_blk <= start.blknum || !window_open {
            return None;
        }
        let spends_state = |blknum: BlockNumber, prev: BlockNumber| {
            prev == start.last_moved && blknum > start.blknum && blknum <= exit.prev_blk
        };
        let known = wallet.known_moves(exit.coin_id).into_iter().map(|m| (m.blknum, m.tx.tx.prevBlock));
        let received =
            book.received(exit.coin_id).into_iter().flat_map(|h| h.moves().map(|m| (m.blknum, m.tx.tx.prevBlock)));
        if known.chain(received).any(|(blknum, prev)| spends_state(blknum, prev)) {
            return None;
        }
        let state = book.state(exit.coin_id)?;
        Some(XtAction::ChallengeHistoryAtCheckpoint { coin_id: exit.coin_id, state })
    }
}
