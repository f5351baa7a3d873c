//! Deploying the framework and an exit game, and typed calls into them.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolConstructor};
use plasma_rootchain::{Receipt, RootChain, TxRequest};

use crate::{Error, PlasmaFramework, Result};

/// One week: the exit period every variant uses unless a scenario says otherwise.
pub const DEFAULT_MIN_EXIT_PERIOD: u64 = 7 * 24 * 60 * 60;

/// Where a deployment lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployment {
    /// The shared `PlasmaFramework`.
    pub framework: Address,
    /// The registered exit game.
    pub exit_game: Address,
    /// The operator: the only account that submits blocks.
    pub operator: Address,
}

/// Creation code followed by the ABI-encoded constructor arguments.
fn init_code(bytecode: &[u8], constructor_args: Vec<u8>) -> Bytes {
    let mut code = bytecode.to_vec();
    code.extend_from_slice(&constructor_args);
    code.into()
}

/// Deploys `PlasmaFramework(operator, minExitPeriod)` from `operator`.
pub async fn deploy_framework(chain: &mut dyn RootChain, operator: Address, min_exit_period: u64) -> Result<Address> {
    let args = PlasmaFramework::constructorCall { operator_: operator, minExitPeriod_: min_exit_period }.abi_encode();
    let (address, _) = chain.deploy(operator, init_code(&PlasmaFramework::BYTECODE, args), U256::ZERO).await?;
    Ok(address)
}

/// Deploys an exit game (its creation code and encoded constructor arguments) from `operator` and
/// registers it with the framework.
pub async fn deploy_game(
    chain: &mut dyn RootChain,
    framework: Address,
    operator: Address,
    bytecode: &[u8],
    constructor_args: Vec<u8>,
) -> Result<Deployment> {
    let (exit_game, _) = chain.deploy(operator, init_code(bytecode, constructor_args), U256::ZERO).await?;
    send(chain, operator, framework, PlasmaFramework::registerExitGameCall { game: exit_game }, U256::ZERO).await?;
    Ok(Deployment { framework, exit_game, operator })
}

/// Sends `call` to `to` and requires it to succeed; a revert becomes [`Error::Reverted`] with the
/// receipt attached.
pub async fn send<C: SolCall>(
    chain: &mut dyn RootChain,
    from: Address,
    to: Address,
    call: C,
    value: U256,
) -> Result<Receipt> {
    let receipt = chain.send(TxRequest::call(from, to, call.abi_encode()).with_value(value)).await?;
    if receipt.success {
        Ok(receipt)
    } else {
        Err(Error::Reverted {
            function: C::SIGNATURE,
            reason: receipt.revert_reason.clone(),
            receipt: Some(Box::new(receipt)),
        })
    }
}

/// Calls a view function and decodes its return value.
pub async fn view<C: SolCall>(chain: &dyn RootChain, to: Address, call: C) -> Result<C::Return> {
    let from = chain.accounts().first().copied().unwrap_or(Address::ZERO);
    let outcome = chain.call(from, to, call.abi_encode().into()).await?;
    if !outcome.success {
        return Err(Error::Reverted { function: C::SIGNATURE, reason: outcome.revert_reason, receipt: None });
    }
    C::abi_decode_returns(&outcome.output)
        .map_err(|err| Error::Decode { function: C::SIGNATURE, detail: err.to_string() })
}
