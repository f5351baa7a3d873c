//! The client loop: one or more users' wallets and watchers, fed the root chain's events and every
//! committed block's data, their decisions sent through one [`ActionQueue`].

use std::collections::BTreeMap;
use std::marker::PhantomData;

use plasma_core::{
    BlockSource, ChainEvent, Decision, Design, FrameworkEvent, RetryPolicy, Role, Timestamp, UserClient,
};
use plasma_rootchain::RootChain;

use crate::{ActionQueue, Error, LogCursor, Note, Result, Submit};

/// How notes name who sends a decided call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Naming {
    /// "`name`'s watcher" for a watcher's call, "`name`" for the user's own.
    #[default]
    ByRole,
    /// "`name`'s watcher: `sender`" for every call, the sender named by its client (or address).
    WatcherAndSender,
}

/// The client software of the users it holds, each under a name (`"bob"`).
///
/// A look at the chain ([`ClientRuntime::step`]) reads new events and feeds every client (each
/// committed block judged as it is read, before the events after it), sends what is due, lets
/// every client judge what it still waits for and tick, sends again, and reads the events its own
/// calls caused. Every decision is re-checked with its client before each send
/// ([`UserClient::still_wanted`]) and retried until it succeeds or its deadline passes.
#[derive(Debug)]
pub struct ClientRuntime<D: Design, C> {
    clients: BTreeMap<String, C>,
    naming: Naming,
    cursor: LogCursor,
    queue: ActionQueue<D::Tag>,
    notes: Vec<Note>,
    _design: PhantomData<D>,
}

impl<D: Design, C: UserClient<D>> ClientRuntime<D, C> {
    /// A runtime without clients, reading from `cursor` and sending to `exit_game`.
    #[must_use]
    pub fn new(cursor: LogCursor, exit_game: alloy_primitives::Address, policy: RetryPolicy) -> Self {
        Self {
            clients: BTreeMap::new(),
            naming: Naming::ByRole,
            cursor,
            queue: ActionQueue::new(exit_game, policy),
            notes: Vec::new(),
            _design: PhantomData,
        }
    }

    /// Names senders in notes as `naming` says.
    #[must_use]
    pub const fn with_naming(mut self, naming: Naming) -> Self {
        self.naming = naming;
        self
    }

    /// Adds `client` under `name` (replacing one of that name).
    pub fn add(&mut self, name: impl Into<String>, client: C) {
        self.clients.insert(name.into(), client);
    }

    /// The client named `name`.
    pub fn client(&self, name: &str) -> Result<&C> {
        self.clients.get(name).ok_or_else(|| Error::UnknownClient(name.to_owned()))
    }

    /// The client named `name`, to change.
    pub fn client_mut(&mut self, name: &str) -> Result<&mut C> {
        self.clients.get_mut(name).ok_or_else(|| Error::UnknownClient(name.to_owned()))
    }

    /// Every client, by name.
    pub fn clients(&self) -> impl Iterator<Item = (&String, &C)> {
        self.clients.iter()
    }

    /// What the runtime did since the last call, in order.
    pub fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// How many decided calls wait to be sent.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Queues what client `name` decided at `now`.
    pub fn decide(&mut self, name: &str, decisions: Vec<Decision<D::Tag>>, now: Timestamp) {
        for decision in decisions {
            let who = match (self.naming, decision.by) {
                (Naming::ByRole, Role::Watcher) => format!("{name}'s watcher"),
                (Naming::ByRole, Role::Owner) => name.to_owned(),
                (Naming::WatcherAndSender, _) => {
                    let sender = self
                        .clients
                        .iter()
                        .find(|(_, client)| client.user() == decision.sender)
                        .map_or_else(|| decision.sender.to_string(), |(label, _)| label.clone());
                    format!("{name}'s watcher: {sender}")
                }
            };
            self.queue.decide(name, who, decision, now);
        }
    }

    fn collect_alerts(&mut self, name: &str) {
        if let Some(client) = self.clients.get_mut(name) {
            for alert in client.take_alerts() {
                self.notes.push(Note(format!("{name}'s watcher {alert}")));
            }
        }
    }

    /// Reads the events since the last look and feeds them to every client, in chain order;
    /// queues what they decide. A client judges each committed block as soon as it reads of it,
    /// before the events that follow, with the data `source` gives.
    pub async fn ingest<R, B>(&mut self, chain: &R, source: &B) -> Result<()>
    where
        R: RootChain + ?Sized,
        B: BlockSource<D>,
    {
        let events = self.cursor.poll::<D, R>(chain).await?;
        let names: Vec<String> = self.clients.keys().cloned().collect();
        for dated in events {
            let submitted = matches!(dated.event, ChainEvent::Framework(FrameworkEvent::BlockSubmitted(_)));
            for name in &names {
                let Some(client) = self.clients.get_mut(name) else { continue };
                let decisions = client.on_event(&dated.event, dated.at).map_err(Error::design::<D>)?;
                self.decide(name, decisions, dated.at);
                self.collect_alerts(name);
                if submitted {
                    self.sync_one(name, source, dated.at).await?;
                }
            }
        }
        Ok(())
    }

    /// Client `name` judges every committed block it waits for, with the data `source` gives, at
    /// root-chain time `now`, and takes the data of withheld blocks published since; queues what
    /// it decides.
    pub async fn sync_one<B: BlockSource<D>>(&mut self, name: &str, source: &B, now: Timestamp) -> Result<()> {
        let client = self.clients.get_mut(name).ok_or_else(|| Error::UnknownClient(name.to_owned()))?;
        let mut decided = Vec::new();
        while let Some(blknum) = client.next_block_wanted() {
            let data = source.block_data(blknum).await.map_err(|e| Error::Source(Box::new(e)))?;
            decided.extend(client.on_block_data(blknum, data.as_ref(), now).map_err(Error::design::<D>)?);
            if client.next_block_wanted() == Some(blknum) {
                // A client that does not move past a block would be asked for it forever.
                return Err(Error::Design {
                    design: D::NAME,
                    source: format!("{name}'s client still wants block {blknum} after judging it").into(),
                });
            }
        }
        for blknum in client.withheld_blocks() {
            if let Some(data) = source.block_data(blknum).await.map_err(|e| Error::Source(Box::new(e)))? {
                decided.extend(client.on_late_block_data(blknum, &data, now).map_err(Error::design::<D>)?);
            }
        }
        self.decide(name, decided, now);
        self.collect_alerts(name);
        Ok(())
    }

    /// Every client judges the blocks it waits for, then ticks at `now`.
    pub async fn sync<B: BlockSource<D>>(&mut self, source: &B, now: Timestamp) -> Result<()> {
        let names: Vec<String> = self.clients.keys().cloned().collect();
        for name in &names {
            self.sync_one(name, source, now).await?;
            let Some(client) = self.clients.get_mut(name) else { continue };
            let decisions = client.tick(now).map_err(Error::design::<D>)?;
            self.decide(name, decisions, now);
            self.collect_alerts(name);
        }
        Ok(())
    }

    /// Withdraws the calls their clients no longer want, sends what is due and tells each client
    /// which of its calls succeeded.
    pub async fn flush<S: Submit + ?Sized>(&mut self, chain: &mut S) -> Result<()> {
        let clients = &self.clients;
        self.queue.retain(|queued| clients.get(&queued.owner).is_some_and(|c| c.still_wanted(&queued.decision.tag)));
        for queued in self.queue.flush(chain, &mut self.notes).await? {
            if let Some(client) = self.clients.get_mut(&queued.owner) {
                client.on_action_done(&queued.decision.tag);
            }
        }
        Ok(())
    }

    /// One look at the chain: read events, send what is due, judge new blocks and tick, send,
    /// then read what the sends caused and send what that calls for.
    pub async fn step<S, B>(&mut self, chain: &mut S, source: &B) -> Result<()>
    where
        S: Submit + ?Sized,
        B: BlockSource<D>,
    {
        self.ingest(chain.reader(), source).await?;
        self.flush(chain).await?;
        let now = chain.now().await?;
        self.sync(source, now).await?;
        self.flush(chain).await?;
        self.ingest(chain.reader(), source).await?;
        self.flush(chain).await
    }
}
