//! `plasma-node` with one design crate against a spawned anvil, without the harness: the
//! operator loop and the users' client loop keep honest users whole.

mod cash;
mod mvp;
mod xt;

use plasma_rootchain::{RootChain, RpcNode, anvil_path};

/// One anvil for the whole test binary is shared by taking snapshots; each test spawns its own
/// here, which is cheap enough for the few tests of this binary.
async fn anvil() -> Result<RpcNode, Box<dyn std::error::Error>> {
    Ok(RpcNode::spawn_anvil(anvil_path()).await?)
}

/// The latest root-chain time.
async fn now(chain: &dyn RootChain) -> Result<u64, Box<dyn std::error::Error>> {
    Ok(chain.block_time().await?)
}
