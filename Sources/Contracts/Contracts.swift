// The Contracts module: GovChain's deterministic contract runtime and its
// government-service contracts (docs/contracts.md is the caller's reference).
//
// - Calls are typed values (`ContractCall`) with one canonical encoding, carried in a
//   `Transaction` as (contract, method, argument bytes).
// - `BlockExecutor.execute` applies a block's transactions in order over a read-only
//   `StateStore`: each call sees a `ContractContext` (caller's key record, tx id, block
//   height and header time) and writes into a per-transaction write set that joins the
//   block only if the call succeeds. Refusals become receipts with a `StatusCode`; nothing
//   throws across the boundary. The result is a key-sorted write set, identical on every
//   node, plus history records for the licence and bill trails.
// - `BlockExecutor.checkTx` is the mempool's stateless-per-transaction pre-check;
//   `ContractQueries` is the read side; `genesisState` seeds organisations, keys, roles
//   and validators.
//
// No participant can stop a node through the contracts: every list a contract writes is
// bounded where it is written by the same `RecordLimits` constant its decoder enforces
// (refusal 308), amounts are compared before they are added, and a stored record that
// does not decode refuses the call (500) or throws `StoredRecordError` from a query,
// rather than trapping every validator on the same bytes.
//
// Determinism rules kept throughout: no clock (only `blockTimeMs`), no randomness, no
// floating point (amounts are integer fen), and every Dictionary is sorted before anything
// derived from it leaves the module.
