public import Contracts
internal import GovChainAPI
public import Ledger

/// What `audit verify-chain` found.
public struct ChainAudit: Sendable, Equatable {
    public let blocksVerified: UInt64
    public let transactions: Int
    /// The last height whose execution results a certified header confirmed (re-execution).
    public let reexecutedThrough: UInt64?
    public let tipHash: Hash256
}

/// Walks the chain from genesis through every certificate (each against its height's
/// validator set, followed through the headers that name each set) and hash link; with
/// re-execution, replays every block through Contracts and compares the receipts and state
/// roots it computes with those the next certified header carries.
public struct ChainAuditor: Sendable {
    public let reader: VerifiedReader

    public init(reader: VerifiedReader) { self.reader = reader }

    /// - Parameters:
    ///   - reexecute: replay every block (the auditor's own state, in memory).
    ///   - progress: called every `progressEvery` blocks with (height, tip).
    public func verifyChain(
        reexecute: Bool, progressEvery: UInt64 = 100, progress: @Sendable (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws(ClientError) -> ChainAudit {
        let genesis = reader.trust.genesis
        let tip = try await reader.client.status().height
        var previousHash = genesis.hash
        var replay: Replay?
        do throws(SparseMerkleError) {
            replay = reexecute ? try Replay(genesis: genesis) : nil
        } catch {
            throw .verificationFailed("re-execution: \(error)")
        }
        var transactions = 0
        var lastBlock: Block?
        for height in stride(from: UInt64(1), through: tip, by: 1) {
            let verified = try await reader.block(height)
            let block = verified.block
            guard block.header.previousHash == previousHash else {
                throw .verificationFailed("block \(height) does not link to block \(height - 1)")
            }
            for tx in block.transactions where !tx.hasValidSignature {
                throw .verificationFailed("block \(height) holds transaction \(tx.id) with an invalid signature")
            }
            // Every header names the set of the next height: the one the node's list gave
            // (checked against the naming headers) and, re-executing, the one governance
            // state gives.
            let nextSet = try await reader.validators(forHeight: height + 1)
            guard block.header.nextValidatorsHash == nextSet.hash else {
                throw .verificationFailed("block \(height) names another validator set for block \(height + 1)")
            }
            if let replay {
                guard block.header.stateRoot == replay.results.stateRoot,
                      block.header.receiptsRoot == replay.results.receiptsRoot
                else {
                    throw .verificationFailed("re-executing block \(height - 1) gives other roots than header \(height) carries")
                }
                let governed = ValidatorSchedule.validators(certifying: height + 1, tip: height - 1, in: replay.state)
                guard let governed, ValidatorSet.hash(of: governed) == block.header.nextValidatorsHash else {
                    throw .verificationFailed(
                        "re-executing through block \(height - 1) gives another validator set for block \(height + 1) than header \(height) names")
                }
            }
            do throws(SparseMerkleError) { try replay?.execute(block) } catch {
                throw .verificationFailed("re-executing block \(height): \(error)")
            }
            transactions += block.transactions.count
            previousHash = block.hash
            lastBlock = block
            if height % progressEvery == 0 { progress(height, tip) }
        }
        return ChainAudit(
            blocksVerified: tip, transactions: transactions,
            reexecutedThrough: reexecute ? (tip == 0 ? 0 : tip - 1) : nil, tipHash: lastBlock?.hash ?? genesis.hash)
    }

    /// The auditor's own copy of the chain's state, rebuilt from genesis block by block.
    struct Replay {
        var state: InMemoryState
        var tree = InMemorySparseMerkleNodeStore()
        var results: (receiptsRoot: Hash256, stateRoot: Hash256)

        init(genesis: Genesis) throws(SparseMerkleError) {
            let writes = genesisState(genesis)
            state = InMemoryState()
            state.apply(writes)
            let built = try SparseMerkleTree.apply(
                writes.map { SparseMerkleTree.Update(key: $0.key.bytes, value: $0.value) },
                to: SparseMerkleTree.emptyRoot, store: tree)
            tree.insert(built.newNodes)
            results = (MerkleTree.emptyRoot, built.root)
        }

        mutating func execute(_ block: Block) throws(SparseMerkleError) {
            let result = BlockExecutor.execute(
                transactions: block.transactions, height: block.height, timeMs: block.header.timeMs, over: state)
            state.apply(result.writes)
            let built = try SparseMerkleTree.apply(
                result.writes.map { SparseMerkleTree.Update(key: $0.key.bytes, value: $0.value) },
                to: results.stateRoot, store: tree)
            tree.insert(built.newNodes)
            results = (Receipt.root(result.receipts), built.root)
        }
    }
}
