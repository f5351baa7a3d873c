//! The built-in variants, adapted to [`crate::Variant`].

use plasma_rootchain::RootChain as _;

mod cash;
mod debit;
mod morevp;
mod mvp;
mod xt;

pub use cash::CashVariant;
pub use debit::DebitVariant;
pub use morevp::MoreVpVariant;
pub use mvp::MvpVariant;
pub use xt::XtVariant;

/// `plasma bench` of the built-in variant `name` (`None`: no such variant). XT's operator accepts
/// and seals transactions exactly as Plasma Cash's does; what it adds is the checkpoint, measured
/// on a zone of 8,192 coin ids (fewer for a short run).
pub fn bench_variant(
    name: &str,
    txs: usize,
    utxos: usize,
    limit: &crate::bench::Limit,
) -> Result<Option<crate::bench::VariantBench>, crate::Error> {
    use crate::bench::measure;
    Ok(Some(match name {
        "mvp" => measure::<plasma_mvp::Operator>("mvp", txs, utxos, limit)?,
        "morevp" => measure::<plasma_morevp::Operator>("morevp", txs, utxos, limit)?,
        "cash" => measure::<plasma_cash::Operator>("cash", txs, utxos, limit)?,
        "debit" => measure::<plasma_debit::DebitOperator>("debit", txs, utxos, limit)?,
        "xt" => {
            let mut bench = measure::<plasma_cash::Operator>("xt", txs, utxos, limit)?;
            let zone = txs.clamp(1, 8192) as u64;
            let times = plasma_xt::bench::checkpoint_times(zone, crate::bench::bench_domain())
                .map_err(|e| crate::Error::Variant { variant: "xt", message: e.to_string() })?;
            bench.checkpoint =
                Some(crate::bench::checkpoint_bench(times.zone_coins, times.state_tree, times.sign_offs));
            bench
        }
        _ => return Ok(None),
    }))
}

/// Watchers run at least this often; a cheating operator answers a challenge at the last round
/// before its deadline (Cash and Debit: a payment hidden in a withheld block is revealed as late as
/// the game allows).
const WATCH_ROUND: u64 = 24 * 3600;

/// Whether a cheating operator answers, at `now`, a challenge accepting answers strictly before
/// `deadline`: the next watcher round would be too late, and this one is not.
const fn answer_is_due(now: u64, deadline: u64) -> bool {
    now + WATCH_ROUND >= deadline && now < deadline
}

/// The newest exit `owner` started, from a record by owner (what the `spend-exited` fault spends).
fn newest_exited<T: Copy>(
    exited: &std::collections::BTreeMap<alloy_primitives::Address, Vec<T>>,
    world: &crate::World,
    owner: &str,
) -> Result<T, crate::Error> {
    let address = world.actor(owner)?.address;
    exited
        .get(&address)
        .and_then(|exits| exits.last())
        .copied()
        .ok_or_else(|| crate::Error::Scenario(format!("{owner} exited nothing")))
}

/// What `payee`'s wallet said when `owner` announced a transfer of `coin`, whose exit was paid:
/// a refusal for that reason is logged; anything else fails the step (`paid_out` tells the
/// design's refusal apart).
fn refused_paid_out<E: std::fmt::Display>(
    world: &mut crate::World,
    (owner, payee, coin): (&str, &str, u64),
    outcome: Result<(), E>,
    paid_out: impl Fn(&E) -> bool,
) -> Result<(), crate::Error> {
    match outcome {
        Err(why) if paid_out(&why) => {
            world.log.push(format!("{payee}'s wallet refuses coin {coin} from {owner}: its exit was paid"));
            Ok(())
        }
        Err(other) => Err(crate::Error::Scenario(format!("{payee}'s wallet: {other}"))),
        Ok(()) => Err(crate::Error::Scenario(format!("{payee}'s wallet accepted coin {coin}, already paid out"))),
    }
}

/// A design's operator and users' clients on the runtime, wired to a scenario's world: the
/// operator in this process serves the clients' block data.
pub(crate) struct Node<D: plasma_core::Design, O, C> {
    /// The operator loop.
    pub operator: plasma_node::OperatorRuntime<D, O>,
    /// Every actor's client, by actor name.
    pub clients: plasma_node::ClientRuntime<D, C>,
}

impl<D, O, C> Node<D, O, C>
where
    D: plasma_core::Design,
    O: plasma_core::OperatorState<D> + Sync,
    C: plasma_core::UserClient<D>,
{
    /// The operator `operator` and the clients `clients` on `world`'s deployment, reading the
    /// chain from its first block; clients retry at every look.
    pub fn new(world: &crate::World, operator: O, clients: impl IntoIterator<Item = (String, C)>) -> Self {
        let cursor = plasma_node::LogCursor::new(world.framework, world.exit_game, 0);
        let operator = plasma_node::OperatorRuntime::new(
            operator,
            world.operator.address,
            (world.framework, world.exit_game),
            cursor.clone(),
            plasma_core::RetryPolicy::EVERY_LOOK,
        );
        let mut runtime =
            plasma_node::ClientRuntime::new(cursor, world.exit_game, plasma_core::RetryPolicy::EVERY_LOOK);
        for (name, client) in clients {
            runtime.add(name, client);
        }
        Self { operator, clients: runtime }
    }

    /// Moves what the runtime noted to the world's log.
    pub fn log_notes(&mut self, world: &mut crate::World) {
        world.log.extend(self.operator.take_notes().into_iter().map(|note| note.0));
        world.log.extend(self.clients.take_notes().into_iter().map(|note| note.0));
    }

    /// One look at the chain: the operator reads what happened (an exit binds its next block),
    /// then every client looks (see [`plasma_node::ClientRuntime::step`]) with the operator in this
    /// process serving block data, then the operator sends what it owes.
    pub async fn run_watchers(&mut self, world: &mut crate::World) -> Result<(), crate::Error> {
        self.operator.poll(&world.chain).await?;
        let source = plasma_node::InProcess(self.operator.operator());
        let outcome = self.clients.step(world, &source).await;
        self.log_notes(world);
        outcome?;
        let outcome = self.operator.flush(world).await;
        self.log_notes(world);
        Ok(outcome?)
    }

    /// Client `name` reads the chain and judges every block it waits for, now.
    pub async fn sync_client(&mut self, world: &mut crate::World, name: &str) -> Result<(), crate::Error> {
        let source = plasma_node::InProcess(self.operator.operator());
        self.clients.ingest(&world.chain, &source).await?;
        let now = world.chain.block_time().await?;
        self.clients.sync_one(name, &source, now).await?;
        self.log_notes(world);
        Ok(())
    }

    /// Queues what client `name` decided outside a look (on a handover).
    pub async fn decide(
        &mut self,
        world: &crate::World,
        name: &str,
        decisions: Vec<plasma_core::Decision<D::Tag>>,
    ) -> Result<(), crate::Error> {
        if !decisions.is_empty() {
            let now = world.chain.block_time().await?;
            self.clients.decide(name, decisions, now);
        }
        Ok(())
    }
}

/// Every event of the world's exit game so far, decoded by design `D`, oldest first.
pub(crate) async fn game_events<D: plasma_core::Design>(
    world: &crate::World,
) -> Result<Vec<D::GameEvent>, crate::Error> {
    let filter = plasma_rootchain::LogFilter { address: Some(world.exit_game), ..Default::default() };
    let logs = world.chain.logs(&filter).await?;
    let mut events = Vec::new();
    for entry in &logs {
        if let Some(event) = D::decode_game_event(&entry.log).map_err(plasma_node::Error::design::<D>)? {
            events.push(event);
        }
    }
    Ok(events)
}

/// The exit outcomes of design `D`'s game so far.
pub(crate) async fn exit_counts<D: plasma_core::Design>(
    world: &crate::World,
) -> Result<crate::ExitCounts, crate::Error> {
    let mut counts = crate::ExitCounts::default();
    for event in game_events::<D>(world).await? {
        match D::exit_outcome(&event) {
            Some(plasma_core::ExitOutcome::Started) => counts.started += 1,
            Some(plasma_core::ExitOutcome::Challenged) => counts.challenged += 1,
            Some(plasma_core::ExitOutcome::Processed { paid }) => counts.paid += u64::from(paid),
            None => {}
        }
    }
    Ok(counts)
}
