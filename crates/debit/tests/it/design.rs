//! Plasma Debit behind the core traits, without a chain: the game's logs decode into
//! [`DebitEvent`]s (malformed ones are errors, foreign ones ignored), the operator decides its
//! duties from events once each, and a [`DebitClient`] follows deposits, blocks (withheld ones
//! caught up when published) and exits, hands a transfer over, and challenges a spent coin's exit
//! at its look.

use crate::common::{ETH, domain, key, milli};
use alloy_primitives::{Address, B256, Bytes, Log, U256, aliases::U96};
use alloy_sol_types::{SolCall, SolEvent};
use plasma_core::{
    BlockSubmittedEvent, ChainEvent, DepositEvent, Design, ExitOutcome, ExitScope, FrameworkEvent, OperatorState,
    UserClient,
};
use plasma_debit::{
    Debit, DebitClient, DebitEvent, DebitGame, DebitOperator, DebitTag, Handover, ObservedExit,
    ObservedHistoryChallenge, abi::DebitExitGame as Game,
};

const PERIOD: u64 = 7 * 24 * 3600;

fn game() -> DebitGame {
    DebitGame::new(U256::from(20), U256::from(30))
}

fn deposit(blknum: u64, depositor: Address, amount: u128) -> ChainEvent<DebitEvent> {
    ChainEvent::Framework(FrameworkEvent::Deposit(DepositEvent { depositor, blknum, amount: U256::from(amount) }))
}

fn submitted(blknum: u64, root: B256) -> ChainEvent<DebitEvent> {
    ChainEvent::Framework(FrameworkEvent::BlockSubmitted(BlockSubmittedEvent { blknum, root, timestamp: 0 }))
}

/// An exit of `coin_id` by `holder` from the move at `e_blk` whose parent is at `p_blk`.
fn exit(coin_id: u64, holder: Address, (e_blk, p_blk): (u64, u64), nonce: u64) -> ObservedExit {
    let exit_id = DebitGame::exit_id(1, coin_id);
    ObservedExit {
        coin_id,
        holder,
        exit_id,
        exit_blk: e_blk,
        prev_blk: p_blk,
        nonce,
        exitable_at: 5_000,
        ..Default::default()
    }
}

fn log_of(event: &impl SolEvent) -> Log {
    Log { address: Address::repeat_byte(0xee), data: event.encode_log_data() }
}

#[test]
fn game_logs_decode_into_events_and_malformed_ones_are_errors() {
    let started = Game::ExitStarted {
        coinId: 7,
        holder: Address::repeat_byte(1),
        exitId: U96::from(DebitGame::exit_id(2, 7)),
        exiter: Address::repeat_byte(1),
        eBlk: 2000,
        pBlk: 1000,
        pOwner: Address::repeat_byte(2),
        balance: U256::from(5),
        nonce: 3,
        exitableAt: 99,
    };
    let Some(DebitEvent::ExitStarted(exit)) = Debit::decode_game_event(&log_of(&started)).unwrap() else {
        panic!("an exit")
    };
    assert_eq!((exit.coin_id, exit.exit_id, exit.prev_blk, exit.nonce), (7, (2 << 64) | 7, 1000, 3));
    assert_eq!(Debit::exit_outcome(&DebitEvent::ExitStarted(exit)), Some(ExitOutcome::Started));

    let finalized = Game::ExitFinalized {
        coinId: 7,
        exitId: U96::from(5),
        holder: Address::repeat_byte(1),
        holderShare: U256::from(1),
        operatorShare: U256::ZERO,
        penalty: false,
        paid: true,
    };
    let event = Debit::decode_game_event(&log_of(&finalized)).unwrap().unwrap();
    assert_eq!(event, DebitEvent::ExitFinalized { coin_id: 7, exit_id: 5, paid: true });
    assert_eq!(Debit::exit_outcome(&event), Some(ExitOutcome::Processed { paid: true }));
    let cancelled = Game::ExitCancelled { coinId: 7, exitId: U96::from(5), beneficiary: Address::ZERO };
    let event = Debit::decode_game_event(&log_of(&cancelled)).unwrap().unwrap();
    assert_eq!(Debit::exit_outcome(&event), Some(ExitOutcome::Challenged));
    let liquidity =
        Game::LiquidityAdded { coinId: 7, liquidityDeposit: 8, amount: U256::from(3), total: U256::from(3) };
    let event = Debit::decode_game_event(&log_of(&liquidity)).unwrap().unwrap();
    assert_eq!(event, DebitEvent::LiquidityAdded { coin_id: 7, liquidity_deposit: 8, amount: U256::from(3) });
    assert_eq!(Debit::exit_outcome(&event), None);

    // One of the game's events with data that does not decode: the chain said something malformed.
    let mut malformed = log_of(&started);
    malformed.data = alloy_primitives::LogData::new_unchecked(malformed.data.topics().to_vec(), Bytes::from(vec![1]));
    assert!(Debit::decode_game_event(&malformed).is_err());
    // A log that is none of its events, and one without topics: ignored.
    let other =
        Log { address: Address::ZERO, data: alloy_primitives::LogData::new_unchecked(vec![B256::ZERO], Bytes::new()) };
    assert_eq!(Debit::decode_game_event(&other).unwrap(), None);
    let bare = Log { address: Address::ZERO, data: alloy_primitives::LogData::new_unchecked(vec![], Bytes::new()) };
    assert_eq!(Debit::decode_game_event(&bare).unwrap(), None);
}

#[test]
fn the_operator_corrects_stale_exits_answers_challenges_that_name_it_once_and_not_when_silenced() {
    let mut op = DebitOperator::new(key("operator"), domain());
    let mut alice = DebitClient::new(key("alice"), domain(), op.address(), game(), PERIOD, true);
    let (a, o) = (alice.user(), op.address());
    for event in [deposit(1, a, ETH), deposit(2, o, ETH), deposit(3, a, ETH)] {
        assert!(op.on_event(&event, 0).unwrap().is_empty());
        alice.on_event(&event, 0).unwrap();
    }
    // Alice pays the operator 0.4 ether on coin 1's channel.
    let (tx, sig) = alice.propose_state(1, milli(600)).unwrap();
    let state = op.cosign(tx, sig).unwrap();
    alice.store_state(state).unwrap();

    // She exits coin 1 from her deposit: the operator corrects it to the co-signed state, once.
    let stale = exit(1, a, (1, 0), 0);
    let decisions = op.on_event(&ChainEvent::Game(DebitEvent::ExitStarted(stale)), 10).unwrap();
    let [decision] = decisions.as_slice() else { panic!("{decisions:?}") };
    assert_eq!(decision.what, "answers on coin 1 with the co-signed state of nonce 1");
    assert_eq!((decision.sender, decision.deadline), (o, stale.exitable_at));
    assert_eq!(decision.call.data[..4], Game::respondChannelCall::SELECTOR);
    assert_eq!(decision.tag, DebitTag::OnExit { coin_id: 1, exit_id: stale.exit_id });
    assert!(op.still_wanted(&decision.tag));
    // Her own challenge with that state calls for the same answer: not decided again.
    let challenge =
        plasma_debit::ObservedChannelChallenge { coin_id: 1, exit_id: stale.exit_id, nonce: 1, deadline: 9 };
    assert!(op.on_event(&ChainEvent::Game(DebitEvent::ChannelChallenged(challenge)), 11).unwrap().is_empty());
    let ended = DebitEvent::ExitFinalized { coin_id: 1, exit_id: stale.exit_id, paid: true };
    op.on_event(&ChainEvent::Game(ended), 12).unwrap();
    assert!(!op.still_wanted(&decision.tag), "the exit ended: nothing to send");

    // The operator hands coin 2 to Bob in block 1000; Bob passes it on, exits from block 2000 and
    // is challenged at the deposit, which names the operator: it answers with its hand-out.
    let bob = key("bob").address();
    op.hand_out(2, bob).unwrap();
    let root = op.seal(1000).unwrap().root();
    op.on_event(&submitted(1000, root), 20).unwrap();
    let bobs = exit(2, bob, (2000, 1000), 1);
    assert!(op.on_event(&ChainEvent::Game(DebitEvent::ExitStarted(bobs)), 21).unwrap().is_empty());
    let named = ObservedHistoryChallenge { coin_id: 2, blknum: 2, owner: o, deadline: 4_000 };
    let decisions = op.on_event(&ChainEvent::Game(DebitEvent::HistoryChallenged(named)), 22).unwrap();
    let [answer] = decisions.as_slice() else { panic!("{decisions:?}") };
    assert_eq!(answer.what, "answers the challenge at block 2 of coin 2 with block 1000");
    assert_eq!(answer.deadline, 4_000);
    assert_eq!(answer.tag, DebitTag::Answer { coin_id: 2, exit_id: bobs.exit_id, challenge_blk: 2 });
    let answered = plasma_debit::ObservedHistoryAnswer { coin_id: 2, challenge_blk: 2, ..Default::default() };
    op.on_event(&ChainEvent::Game(DebitEvent::HistoryChallengeAnswered(answered)), 23).unwrap();
    assert!(!op.still_wanted(&answer.tag), "the challenge was answered");
    // A challenge naming someone else is not the operator's to answer.
    let other = ObservedHistoryChallenge { coin_id: 2, blknum: 1000, owner: bob, deadline: 4_000 };
    assert!(op.on_event(&ChainEvent::Game(DebitEvent::HistoryChallenged(other)), 24).unwrap().is_empty());

    // Silenced (fault injection), it corrects nothing of coin 3.
    let (tx, sig) = alice.propose_state(3, milli(100)).unwrap();
    alice.store_state(op.cosign(tx, sig).unwrap()).unwrap();
    op.stay_silent(3);
    let silenced = exit(3, a, (3, 0), 0);
    assert!(op.on_event(&ChainEvent::Game(DebitEvent::ExitStarted(silenced)), 30).unwrap().is_empty());
}

#[test]
fn a_client_hands_a_coin_over_follows_blocks_and_challenges_the_exit_of_what_it_was_paid() {
    let mut op = DebitOperator::new(key("operator"), domain());
    let new_client =
        |seed: &str| DebitClient::new(key(seed), domain(), key("operator").address(), game(), PERIOD, true);
    let (mut alice, mut bob) = (new_client("alice"), new_client("bob"));
    let (a, b) = (alice.user(), bob.user());
    let feed = |clients: &mut [&mut DebitClient], event: &ChainEvent<DebitEvent>| {
        for client in clients.iter_mut() {
            assert!(client.on_event(event, 0).unwrap().is_empty());
        }
    };
    let event = deposit(1, a, ETH);
    op.on_event(&event, 0).unwrap();
    feed(&mut [&mut alice, &mut bob], &event);
    assert_eq!(alice.balance(), U256::from(ETH));
    assert_eq!(bob.deposit(1).map(|record| record.depositor), Some(a));

    // Alice pays Bob the whole coin; the transfer is announced, then handed over after its block.
    let tx = alice.pay(b, U256::from(ETH)).unwrap();
    assert!(alice.usable_coins().unwrap().is_empty(), "coin 1 waits for its block");
    op.submit(tx.clone()).unwrap();
    let announced = alice.hand_over(&tx, None).unwrap().unwrap();
    assert!(matches!(announced, Handover::Announced { .. }));
    bob.receive(&announced).unwrap();
    let block = op.seal(1000).unwrap();
    feed(&mut [&mut alice, &mut bob], &submitted(1000, block.root()));
    for client in [&mut alice, &mut bob] {
        assert_eq!(client.next_block_wanted(), Some(1000));
        client.on_block_data(1000, Some(&block), 0).unwrap();
        assert_eq!(client.next_block_wanted(), None);
    }
    let handover = alice.hand_over(&tx, Some((1000, &block))).unwrap().unwrap();
    bob.receive(&handover).unwrap();
    assert_eq!((alice.balance(), bob.balance()), (U256::ZERO, U256::from(ETH)));
    assert_eq!(bob.usable_coins().unwrap(), vec![(1, ETH, ETH)]);

    // Block 2000 is withheld: Bob's coin stops before it until the operator publishes it.
    let withheld = op.seal(2000).unwrap();
    feed(&mut [&mut alice, &mut bob], &submitted(2000, withheld.root()));
    bob.on_block_data(2000, None, 0).unwrap();
    assert_eq!((bob.next_block_wanted(), bob.withheld_blocks()), (None, vec![2000]));
    assert!(bob.usable_coins().unwrap().is_empty(), "a history that stops before a block is not current");
    bob.on_late_block_data(2000, &withheld, 0).unwrap();
    assert!(bob.withheld_blocks().is_empty());
    assert_eq!(bob.usable_coins().unwrap(), vec![(1, ETH, ETH)]);

    // Alice exits the coin she spent: Bob's look challenges it with her transfer, once; Alice does
    // not challenge her own exit.
    let thief = exit(1, a, (1, 0), 0);
    feed(&mut [&mut alice, &mut bob], &ChainEvent::Game(DebitEvent::ExitStarted(thief)));
    assert!(alice.tick(0).unwrap().is_empty());
    let decisions = bob.tick(0).unwrap();
    let [challenge] = decisions.as_slice() else { panic!("{decisions:?}") };
    assert_eq!(challenge.what, "shows the spend of coin 1 (spent-coin challenge)");
    assert_eq!((challenge.sender, challenge.deadline), (b, thief.exitable_at));
    assert_eq!(challenge.call.data[..4], Game::challengeSpentCall::SELECTOR);
    assert!(bob.tick(0).unwrap().is_empty(), "decided once");
    assert!(bob.still_wanted(&challenge.tag));
    assert!(bob.exits(ExitScope::All, 0).unwrap().is_empty(), "coin 1 has an open exit");
    let removed = DebitEvent::ExitChallenged { coin_id: 1, exit_id: thief.exit_id };
    feed(&mut [&mut alice, &mut bob], &ChainEvent::Game(removed));
    assert!(!bob.still_wanted(&challenge.tag));

    // Bob's own exit, as his client decides it.
    let exits = bob.exits(ExitScope::Newest, 0).unwrap();
    let [own] = exits.as_slice() else { panic!("{exits:?}") };
    assert_eq!((own.what.as_str(), own.tag, own.call.value), ("exits coin 1", DebitTag::StartExit(1), U256::from(20)));
    assert_eq!(own.call.data[..4], Game::startExitCall::SELECTOR);
}

#[test]
fn a_client_told_of_a_later_block_before_its_deposit_keeps_the_coin_and_catches_up() {
    let mut op = DebitOperator::new(key("operator"), domain());
    let mut alice = DebitClient::new(key("alice"), domain(), op.address(), game(), PERIOD, true);
    let a = alice.user();
    op.on_event(&deposit(1, a, ETH), 0).unwrap();
    let block = op.seal(1000).unwrap();
    // The block's submission reaches the client first (a caller feeding it out of order).
    alice.on_event(&submitted(1000, block.root()), 0).unwrap();
    alice.on_block_data(1000, Some(&block), 0).unwrap();
    alice.on_event(&deposit(1, a, ETH), 0).unwrap();
    assert_eq!(alice.wallet().held_coins(), vec![1]);
    assert!(alice.usable_coins().unwrap().is_empty(), "its history waits for block 1000");
    assert_eq!(alice.withheld_blocks(), vec![1000]);
    alice.on_late_block_data(1000, &block, 0).unwrap();
    assert_eq!(alice.usable_coins().unwrap(), vec![(1, ETH, ETH)]);
    assert_eq!(alice.balance(), U256::from(ETH));
}
