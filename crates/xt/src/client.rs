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
//! an exit of the coin with an older origin is open, whoever's, in which case it prunes when that
//! exit closes ([`CheckpointBook::prune`], [`CheckpointBook::set_open_exits`]); the book
//! keeps the checkpoint reference. The history handed to a recipient starts at that checkpoint
//! ([`CheckpointBook::xt_history`], built with [`prune`]); the recipient verifies it against the
//! finalised checkpoint and its wallet adopts the same entries ([`CheckpointBook::adopt`]).
//! [`CheckpointBook::stored_bytes`] counts what is kept.
//!
//! Decisions reuse the free functions of [`crate::watcher`]: [`owner_sign_off`] (sign honestly,
//! never a reserved coin), [`owner_challenge`] (the user's latest transaction up to `K` against a
//! set bit it did not sign), [`is_stale`] (`cancelStaleExit`). [`XtWatcher`] also answers, with the
//! coin's finalised state, history challenges below it that the pruned Cash history cannot answer
//! (`respondHistoryAtCheckpoint`, docs/security.md, O-1 and C-2), and learns from every
//! `CheckpointSpendRevealed` a payment to its user, which it then challenges the checkpoint with
//! (C-3).

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, U256};
use plasma_cash::{
    CashHistory, HistoryStart, Included, ObservedChallenge, ObservedExit, Wallet, game::IncludedExt as _,
};
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
    /// The open exits of every coin, whoever's, by coin, with the exit's origin block (the
    /// checkpoint's block, or the coin id for the deposit).
    open_exits: BTreeMap<u64, BlockNumber>,
    /// Coins that start at a finalised checkpoint of block `K` but whose entries before `K` are
    /// kept while an exit of the coin with an older origin is open, by coin, with `K`.
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

    /// Checks a coin offered with its Cash `history` (a payment to the user) against every
    /// finalised checkpoint the book knows that sets its bit within the history: the state each
    /// finalised must be the history's at its block (owner and last move), shown by a leaf proof
    /// `proof_of(checkpoint)` (the payer forwards the proofs it signed off with). A coin whose
    /// finalised state is someone else's (a forged state nobody challenged in time) can be exited
    /// from the checkpoint by that owner, and the recipient's own exit cancelled as stale: it is
    /// refused, and so is one whose state the payer cannot prove. Nothing changes either way.
    pub fn check_finalized_states(
        &self,
        history: &plasma_cash::CashHistory,
        proof_of: impl Fn(&ProposedCheckpoint) -> Option<SparseProof>,
    ) -> Result<()> {
        let coin_id = history.coin_id();
        for cp in self.finalized.values() {
            if !cp.bitmap.is_set(coin_id) || cp.blknum < coin_id || history.covered_through() < cp.blknum {
                continue;
            }
            let tip = crate::history::tip_at(history, cp.blknum);
            let proof = proof_of(cp).ok_or(XtError::WrongState {
                coin_id,
                blknum: cp.blknum,
                why: "no proof of the coin's state in a finalised checkpoint",
            })?;
            if !proof.verify_inclusion(cp.state_root, coin_id, crate::checkpoint::state_leaf(tip.owner, tip.last_moved))
            {
                return Err(XtError::WrongState {
                    coin_id,
                    blknum: cp.blknum,
                    why: "a finalised checkpoint states another owner or last move",
                });
            }
        }
        Ok(())
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
    /// `started` ([`prune_wallet`]), except for a coin with an open exit, the user's own or anyone
    /// else's, whose origin is older than `blknum`: that exit may be challenged at blocks before
    /// `K`, and answering such a challenge may need the older history (a thief's exit of the coin
    /// included: docs/security.md, C-2), so it is kept until the exit closes
    /// ([`CheckpointBook::set_open_exits`]). Returns the coins pruned.
    pub fn prune(&mut self, wallet: &mut Wallet, started: &[u64], blknum: BlockNumber) -> Vec<u64> {
        let (deferred, pruned): (Vec<u64>, Vec<u64>) =
            started.iter().partition(|coin_id| self.open_exits.get(coin_id).is_some_and(|origin| *origin < blknum));
        for coin_id in deferred {
            self.deferred.insert(coin_id, blknum);
        }
        prune_wallet(wallet, &pruned, blknum);
        pruned
    }

    /// The open exits of the user's coins are now `open` (coin to the exit's origin block, every
    /// open exit, whoever's): coins whose pruning waited for an exit that is no longer open (or
    /// whose open exit's origin is no longer older) are pruned now. Returns those coins.
    pub fn set_open_exits(&mut self, wallet: &mut Wallet, open: BTreeMap<u64, BlockNumber>) -> Vec<u64> {
        self.open_exits = open;
        let ready: Vec<(u64, BlockNumber)> = self
            .deferred
            .iter()
            .filter(|(coin_id, blknum)| self.open_exits.get(coin_id).is_none_or(|origin| origin >= blknum))
            .map(|(coin_id, blknum)| (*coin_id, *blknum))
            .collect();
        for (coin_id, blknum) in &ready {
            self.deferred.remove(coin_id);
            prune_wallet(wallet, &[*coin_id], *blknum);
        }
        ready.into_iter().map(|(coin_id, _)| coin_id).collect()
    }

    /// Coins whose pruning waits for an exit of theirs to close.
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
        if wallet.is_paid_out(coin_id) {
            return Err(plasma_cash::CashError::PaidOut(coin_id).into());
        }
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
    /// from `K` on ([`Wallet::drop_entries_before`]), unless an exit of the coin with an older
    /// origin is open, whoever's ([`CheckpointBook::prune`]). Returns the coins that start there.
    pub fn on_finalized(&mut self, cp: &ProposedCheckpoint) -> Vec<u64> {
        let started = self.book.on_finalized(&self.cash, cp);
        self.book.prune(&mut self.cash, &started, cp.blknum);
        started
    }

    /// The open exits of the coins are now `open` (coin to origin block, whoever's); returns the
    /// coins whose deferred pruning happened now ([`CheckpointBook::set_open_exits`]).
    pub fn set_open_exits(&mut self, open: BTreeMap<u64, BlockNumber>) -> Vec<u64> {
        self.book.set_open_exits(&mut self.cash, open)
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
    /// `respondHistoryAtCheckpoint`: a pending history challenge of the coin's open exit (anyone's)
    /// at a block below the last move of the coin's finalised state, which the user's pruned
    /// history cannot answer: the finalised state vouches that the challenged owner spent the
    /// coin (docs/security.md, O-1 and C-2).
    RespondHistoryAtCheckpoint {
        /// The coin.
        coin_id: u64,
        /// The challenged block.
        challenge_blk: BlockNumber,
        /// The coin's state in the finalised checkpoint the user's history starts at.
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
            Self::ChallengeHistoryAtCheckpoint { coin_id, .. }
            | Self::CancelStale { coin_id, .. }
            | Self::RespondHistoryAtCheckpoint { coin_id, .. } => *coin_id,
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
            Self::RespondHistoryAtCheckpoint { coin_id, challenge_blk, state } => {
                XtGame::respond_history_at_checkpoint_call(*coin_id, *challenge_blk, state)
            }
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
    /// The `(checkpoint, coin, evidence block)` challenges already decided: a challenge with newer
    /// evidence (a payment to the user revealed later) is another one.
    challenged: BTreeSet<(u64, u64, BlockNumber)>,
    /// Pending history challenges of open exits, by `(exit id, challenged block)`.
    history_challenges: BTreeMap<(u128, BlockNumber), ObservedChallenge>,
    /// The `(exit id, challenged block)` answers already decided.
    answered: BTreeSet<(u128, BlockNumber)>,
    /// The exits a cancellation or a checkpoint-state challenge was already decided for.
    exits_judged: BTreeSet<u128>,
}

impl XtWatcher {
    /// A watcher for `address` under `game`.
    #[must_use]
    pub const fn new(address: Address, game: XtGame) -> Self {
        Self {
            address,
            game,
            proposed: BTreeMap::new(),
            origins: BTreeMap::new(),
            challenged: BTreeSet::new(),
            history_challenges: BTreeMap::new(),
            answered: BTreeSet::new(),
            exits_judged: BTreeSet::new(),
        }
    }

    /// Judges every open exit again ([`XtWatcher::on_exit_started`], else
    /// [`XtWatcher::challenge_at_checkpoint`]) and returns each exit's action once. A client calls
    /// it at every look: a checkpoint that finalises while an exit is open (or a coin received
    /// since) may make a stale exit cancellable, or a checkpoint-state challenge possible, long
    /// after the exit was first seen.
    pub fn judge_exits<'a>(
        &mut self,
        wallet: &Wallet,
        book: &CheckpointBook,
        open: impl IntoIterator<Item = &'a ObservedExit>,
        now: Timestamp,
    ) -> Vec<XtAction> {
        let mut actions = Vec::new();
        for exit in open {
            if self.exits_judged.contains(&exit.exit_id) {
                continue;
            }
            let found =
                self.on_exit_started(book, exit).or_else(|| self.challenge_at_checkpoint(wallet, book, exit, now));
            if let Some(action) = found {
                self.exits_judged.insert(exit.exit_id);
                actions.push(action);
            }
        }
        actions
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
        let coins: Vec<u64> = cp.bitmap.set_coins().collect();
        for coin_id in coins {
            // A payment to the user up to K that a checkpoint answer revealed (C-3) and that its
            // history does not hold: the user owned the coin at K, as far as it knows, and signed
            // nothing; only its own signature can answer a challenge with it.
            if let Some(latest) = self.revealed_payment(wallet, book, cp, coin_id) {
                let key = (id, coin_id, latest.blknum);
                if !self.challenged.contains(&key) {
                    let amount = book.deposit_record(wallet, coin_id).map_or(U256::ZERO, |d| d.amount);
                    let (checkpoint_id, bitmap) = (cp.id, cp.bitmap.clone());
                    actions.push(XtAction::ChallengeCheckpoint { checkpoint_id, bitmap, latest, amount });
                    challenged.push(key);
                }
                continue;
            }
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
            if let Some(latest) = latest.filter(|l| !self.challenged.contains(&(id, coin_id, l.blknum))) {
                let key = (id, coin_id, latest.blknum);
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
                challenged.push(key);
            }
        }
        self.challenged.extend(challenged);
        actions
    }

    /// The payment to the user of `coin_id` at a block up to `cp`'s `K` that the wallet learned
    /// from a published answer ([`XtWatcher::on_spend_revealed`]) and that its kept history does not
    /// hold by `K`, unless the user signed off or holds a proof that the checkpoint states it.
    fn revealed_payment(
        &self,
        wallet: &Wallet,
        book: &CheckpointBook,
        cp: &ProposedCheckpoint,
        coin_id: u64,
    ) -> Option<Included> {
        let learned = wallet.learned_payments().get(&coin_id)?;
        let (tx, blknum) = (learned.tx.tx, learned.blknum);
        if tx.newOwner != self.address || blknum > cp.blknum || book.signed(cp.blknum, cp.state_root, coin_id) {
            return None;
        }
        let history = book.xt_history(wallet, coin_id).ok();
        if history.is_some_and(|h| h.start().block() > cp.blknum || tip_at(&h, cp.blknum).last_moved >= blknum) {
            return None;
        }
        let leaf = crate::checkpoint::state_leaf(self.address, blknum);
        let stated = book.state_proof(cp.blknum, cp.state_root, coin_id);
        if stated.is_some_and(|p| p.verify_inclusion(cp.state_root, coin_id, leaf)) {
            return None;
        }
        Some(Included::new(tx, blknum, &learned.proof))
    }

    /// A `CheckpointSpendRevealed` event: the operator answered a challenge of checkpoint
    /// `checkpoint_id` with `spend`, a spend of the challenged owner up to `K`, signed `sig`. When it
    /// pays the user (a payment hidden in a withheld block, revealed by the answer), the wallet
    /// learns it ([`Wallet::learn_payment`]; an answer that does not check against the wallet's
    /// roots teaches nothing) and the watcher challenges the checkpoint with it while the window is
    /// open: the user neither signed off nor spent the coin by `K`, so unless the checkpoint
    /// states it, nobody can answer (docs/security.md, C-3). The wallet can later exit the coin
    /// with it ([`Wallet::exit_claim`]). Returns the challenges not made yet.
    pub fn on_spend_revealed(
        &mut self,
        wallet: &mut Wallet,
        book: &CheckpointBook,
        checkpoint_id: u64,
        spend: &Included,
        sig: &[u8],
        now: Timestamp,
    ) -> Vec<XtAction> {
        if spend.tx.newOwner == self.address && !wallet.owns(spend.tx.coinId) {
            // A spend that passed the contract checks against the roots; if not here, the
            // wallet's roots are behind and the next answer or look will do.
            let _ = wallet.learn_payment(spend, sig);
        }
        self.challenges_of(wallet, book, checkpoint_id, now)
    }

    /// A `HistoryChallenged` event of an open exit: recorded, so that
    /// [`XtWatcher::history_answers`] can answer it with a finalised state.
    pub fn on_history_challenged(&mut self, challenge: &ObservedChallenge) {
        self.history_challenges.insert((challenge.exit_id, challenge.blknum), *challenge);
    }

    /// A `HistoryChallengeAnswered` or `HistoryAnsweredAtCheckpoint` event: the challenge at
    /// `challenge_blk` of exit `exit_id` is no longer pending.
    pub fn on_history_answered(&mut self, exit_id: u128, challenge_blk: BlockNumber) {
        self.history_challenges.remove(&(exit_id, challenge_blk));
    }

    /// The exit `exit_id` ended: its challenges are forgotten.
    pub fn on_exit_ended(&mut self, exit_id: u128) {
        self.history_challenges.retain(|(id, _), _| *id != exit_id);
        self.answered.retain(|(id, _)| *id != exit_id);
        self.exits_judged.remove(&exit_id);
    }

    /// The answers, by `respondHistoryAtCheckpoint`, to the pending history challenges of `exit`
    /// (any open exit of a coin the user's history starts at a finalised checkpoint for, whoever's)
    /// not decided before ([`XtWatcher::history_answer`]). A client calls it for every open exit
    /// at every look, so that a challenge seen before the checkpoint finalised is answered too.
    pub fn history_answers(
        &mut self,
        wallet: &Wallet,
        book: &CheckpointBook,
        exit: &ObservedExit,
        now: Timestamp,
    ) -> Vec<XtAction> {
        let pending: Vec<ObservedChallenge> = self
            .history_challenges
            .range((exit.exit_id, 0)..=(exit.exit_id, BlockNumber::MAX))
            .map(|(_, c)| *c)
            .collect();
        let mut actions = Vec::new();
        for challenge in pending {
            if self.answered.contains(&(exit.exit_id, challenge.blknum)) {
                continue;
            }
            if let Some(action) = self.history_answer(wallet, book, exit, &challenge, now) {
                self.answered.insert((exit.exit_id, challenge.blknum));
                actions.push(action);
            }
        }
        actions
    }

    /// The answer with the coin's finalised state to `challenge` of `exit` (`docs/xt.md`,
    /// `respondHistoryAtCheckpoint`), as of `now`: the challenge is not the user's, its deadline has
    /// not passed, it is below the last move `L` of the state the user's history starts at, the
    /// checkpoint vouches for the exit's history up to `L` (`L <= pBlk`, or the exit is the
    /// state's own move), and the wallet knows no direct child of the challenged transaction that
    /// the Cash watcher answers with (what pruning dropped). Defends the coin on any exit of it: a
    /// false challenge below the victim's, left pending, would give a thief's exit bond and the
    /// coin's reservation to the owner it names (docs/security.md, O-1 and C-2).
    #[must_use]
    pub fn history_answer(
        &self,
        wallet: &Wallet,
        book: &CheckpointBook,
        exit: &ObservedExit,
        challenge: &ObservedChallenge,
        now: Timestamp,
    ) -> Option<XtAction> {
        if challenge.coin_id != exit.coin_id
            || challenge.exit_id != exit.exit_id
            || challenge.challenger == self.address
            || now >= challenge.deadline
        {
            return None;
        }
        let start = book.start(exit.coin_id)?;
        let vouched =
            start.last_moved <= exit.prev_blk || (start.last_moved == exit.exit_blk && start.owner == exit.owner);
        if challenge.blknum >= start.last_moved || !vouched {
            return None;
        }
        let answered_in_cash = wallet.known_moves(exit.coin_id).iter().any(|m| {
            m.tx.tx.prevBlock == challenge.blknum
                && challenge.blknum < m.blknum
                && m.blknum <= exit.prev_blk
                && m.tx.signer(wallet.domain()).is_ok_and(|s| s == challenge.owner)
        });
        if answered_in_cash {
            return None;
        }
        let state = book.state(exit.coin_id)?;
        Some(XtAction::RespondHistoryAtCheckpoint { coin_id: exit.coin_id, challenge_blk: challenge.blknum, state })
    }

    /// A proposed checkpoint, by id.
    #[must_use]
    pub fn proposed(&self, checkpoint_id: u64) -> Option<&ProposedCheckpoint> {
        self.proposed.get(&checkpoint_id).map(|(cp, _)| cp)
    }

    /// When a proposed checkpoint was proposed (its `finalizableAt` less the checkpoint period).
    #[must_use]
    pub fn proposed_at(&self, checkpoint_id: u64) -> Option<Timestamp> {
        self.proposed.get(&checkpoint_id).map(|(_, at)| *at)
    }

    /// An `ExitOriginSet` event: the exit starts at checkpoint block `blknum`.
    pub fn on_exit_origin(&mut self, exit_id: u128, blknum: BlockNumber) {
        self.origins.insert(exit_id, blknum);
    }

    /// Where `exit`'s history starts: its checkpoint's block (`ExitOriginSet`), else the coin's
    /// deposit. What [`CheckpointBook::set_open_exits`] takes: pruning a coin to a checkpoint of a
    /// later block would drop history this exit may still be challenged on.
    #[must_use]
    pub fn origin_of(&self, exit: &ObservedExit) -> BlockNumber {
        self.origins.get(&exit.exit_id).copied().unwrap_or(exit.coin_id)
    }

    /// What [`CheckpointBook::set_open_exits`] takes: every open exit in `open`, whoever's (a
    /// thief's exit of the user's coin may be challenged below the victim's receipt, and answering
    /// that may need the history before a newer checkpoint: docs/security.md, C-2), by coin, with
    /// its origin ([`XtWatcher::origin_of`]).
    #[must_use]
    pub fn exit_origins<'a>(&self, open: impl IntoIterator<Item = &'a ObservedExit>) -> BTreeMap<u64, BlockNumber> {
        open.into_iter().map(|exit| (exit.coin_id, self.origin_of(exit))).collect()
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
