import Consensus
import Contracts
import Execution
import Foundation
import Testing
@testable import Ledger
@testable import Node

// Setup: a one-validator chain executed by the real ChainExecutor over RocksDB, each block
// certified by the validator's real precommit signature and issuing a few bills, so the
// state has hundreds of keys. A snapshot of it is written to a file, altered in the ways a
// hostile file or disk would alter it, and restored into fresh directories.

/// Builds and extends a certified chain in a store, executing every block.
final class CertifiedChain {
    let key = SigningKey.deterministic(label: "snapshot-chain-validator")
    let genesis: Genesis
    let store: BlockStore
    let executor: ChainExecutor
    var billCount = 0

    init(path: String) throws {
        genesis = Solo.genesis(chainID: "snapshot-test", consensus: key)
        store = try BlockStore(path: path)
        executor = try Self.executor(store, genesis)
    }

    static func executor(_ store: BlockStore, _ genesis: Genesis) throws -> ChainExecutor {
        let signatures = SignatureCache()
        return try ChainExecutor(
            store: RocksChainStore(blocks: store), genesis: genesis,
            pool: Mempool(chainID: genesis.chainID, signatures: signatures), signatures: signatures)
    }

    /// The next block on `executor`'s tip with `bills` bill issues, certified.
    func nextBlock(on executor: ChainExecutor, bills: Int) -> (Block, CommitCertificate) {
        let height = executor.tip.height + 1
        let transactions = (0..<bills).map { _ -> Transaction in
            billCount += 1
            return Workload.billIssue(billCount, run: "snapshot").transaction(
                chainID: genesis.chainID, signer: Solo.organisationKey(of: key),
                uniqueID: Array(SHA256.hash(Array("tx \(billCount)".utf8)).bytes.prefix(16)),
                validUntilHeight: height + 10)
        }
        let header = BlockHeader(
            chainID: genesis.chainID, height: height, round: 0, previousHash: executor.tip.blockHash,
            txRoot: Block.transactionRoot(transactions), receiptsRoot: executor.tipResults.receiptsRoot,
            stateRoot: executor.tipResults.stateRoot, proposer: key.publicKey,
            timeMs: 1_790_000_000_000 + height * 1_000,
            nextValidatorsHash: executor.validatorSet(forHeight: height + 1)?.hash ?? .zero)
        let block = Block(header: header, transactions: transactions)
        return (block, Self.certify(block.header, chainID: genesis.chainID, key: key))
    }

    static func certify(_ header: BlockHeader, chainID: String, key: SigningKey) -> CommitCertificate {
        let bytes = ConsensusStatement.voteSigningBytes(
            chainID: chainID, kind: .precommit, height: header.height, round: 0, blockID: header.hash)
        return CommitCertificate(
            height: header.height, round: 0, blockID: header.hash,
            signatures: [ValidatorSignature(validatorIndex: 0, signature: key.sign(bytes))])
    }

    func extend(blocks: Int, bills: Int) throws {
        for _ in 0..<blocks {
            let (block, certificate) = nextBlock(on: executor, bills: bills)
            executor.deliver(block: block, certificate: certificate)
            if let halt = executor.halt { throw StorageError("\(halt)") }
        }
    }
}

@Suite("State snapshots: create, restore, follow")
struct SnapshotTests {
    /// A chain of 12 blocks of 8 bills and its snapshot file at the default height (11).
    static func fixture(_ label: String, chunkBytes: Int = 4_096) throws -> (CertifiedChain, String, String) {
        let directory = temporaryDirectory(label)
        let chain = try CertifiedChain(path: directory + "/source")
        try chain.extend(blocks: 12, bills: 8)
        let made = try StateSnapshots.make(from: chain.store, targetChunkBytes: chunkBytes)
        let file = directory + "/state.gcs"
        try SnapshotFile.write(manifest: made.manifest, chunks: made.chunks, to: file)
        return (chain, directory, file)
    }

    static func restore(_ file: String, into database: String, genesis: Genesis) throws {
        let reader = try SnapshotFile.Reader(path: file)
        try StateSnapshots.restore(
            manifest: reader.manifest, genesis: genesis, databasePath: database,
            validators: { _ in genesis.validatorSet }, nextChunk: reader.nextChunk)
    }

    /// Nothing at the database path nor its scratch directory: no half-written store.
    static func nothingWritten(_ database: String) -> Bool {
        !FileManager.default.fileExists(atPath: database)
            && !FileManager.default.fileExists(atPath: database + ".restoring")
    }

    @Test("a restored store holds the state after h, no block before h, and follows blocks from h+1")
    func roundTripThenFollow() throws {
        let (chain, directory, file) = try Self.fixture("snapshot-roundtrip")
        let reader = try SnapshotFile.Reader(path: file)
        #expect(reader.manifest.height == 11 && reader.manifest.chunks.count > 1)
        let database = directory + "/restored"
        try Self.restore(file, into: database, genesis: chain.genesis)

        let restored = try BlockStore(path: database)
        #expect(restored.lastHeight == 11)
        #expect(try restored.snapshotBase() == 11)
        #expect(try restored.block(at: 10) == nil)
        #expect(try restored.results(at: 11) == chain.store.results(at: 11))
        // Every state key after block 11, and nothing else, with its value.
        #expect(try restored.stateEntries(asOf: 11) == chain.store.stateEntries(asOf: 11))
        // The tree nodes prove a key under the certified root.
        let key = try #require(try chain.store.stateEntries(asOf: 11).first?.key)
        let proof = try #require(try restored.stateProof(key: key, asOf: 11))
        #expect(proof.stateRoot == reader.manifest.stateRoot)

        // Following: blocks 12 and 13 from the source execute to the same results.
        try chain.extend(blocks: 1, bills: 8)
        let follower = try CertifiedChain.executor(restored, chain.genesis)
        for height in UInt64(12)...13 {
            let certified = try #require(try chain.store.certifiedBlock(at: height)?.block)
            follower.deliver(block: certified.block, certificate: certified.certificate)
            #expect(follower.halt == nil)
            #expect(try restored.results(at: height) == chain.store.results(at: height))
        }
        restored.database.close()
    }

    @Test("a truncated snapshot file is refused and leaves no store behind")
    func truncatedFile() throws {
        let (chain, directory, file) = try Self.fixture("snapshot-truncated")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        for (n, cut) in [0, 10, 24, 200, bytes.count / 2, bytes.count - 1].enumerated() {
            let path = directory + "/cut-\(n).gcs"
            try Data(bytes.prefix(cut)).write(to: URL(fileURLWithPath: path))
            let database = directory + "/db-\(n)"
            #expect(throws: (any Error).self) { try Self.restore(path, into: database, genesis: chain.genesis) }
            #expect(Self.nothingWritten(database))
        }
    }

    @Test("a snapshot file with a flipped bit anywhere is refused and leaves no store behind")
    func bitFlippedFile() throws {
        let (chain, directory, file) = try Self.fixture("snapshot-flipped", chunkBytes: 16_384)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        // Positions across the magic, the length, the manifest and the chunks.
        let step = max(bytes.count / 60, 1)
        var refused = 0
        for position in stride(from: 0, to: bytes.count, by: step) {
            var altered = bytes
            altered[position] ^= 0x04
            let path = directory + "/flip.gcs"
            try Data(altered).write(to: URL(fileURLWithPath: path))
            let database = directory + "/db-\(position)"
            do {
                try Self.restore(path, into: database, genesis: chain.genesis)
                Issue.record("a bit flipped at \(position) of \(bytes.count) was accepted")
            } catch {
                refused += 1
            }
            #expect(Self.nothingWritten(database))
        }
        #expect(refused > 50)
    }

    @Test("an oversized manifest length, trailing bytes, another file or another genesis are refused")
    func hostileFiles() throws {
        let (chain, directory, file) = try Self.fixture("snapshot-hostile")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let magic = SnapshotFile.magic.count
        var huge = bytes
        huge.replaceSubrange(magic..<magic + 4, with: [0xFF, 0xFF, 0xFF, 0xF0])
        var trailing = bytes
        trailing.append(0)
        let notSnapshot = Array("GOVCHAIN-BLOCKS-1\n".utf8) + bytes
        for (name, content) in [("huge", huge), ("trailing", trailing), ("other", notSnapshot)] {
            let path = directory + "/\(name).gcs"
            try Data(content).write(to: URL(fileURLWithPath: path))
            let database = directory + "/db-\(name)"
            #expect(throws: (any Error).self) { try Self.restore(path, into: database, genesis: chain.genesis) }
            #expect(Self.nothingWritten(database))
        }
        // The same chain id under another validator: the certificates do not verify.
        let stranger = SigningKey.deterministic(label: "snapshot-stranger")
        var other = Solo.genesis(chainID: "snapshot-test", consensus: stranger)
        other.genesisTimeMs = chain.genesis.genesisTimeMs
        #expect(throws: (any Error).self) {
            try Self.restore(file, into: directory + "/db-stranger", genesis: other)
        }
        #expect(Self.nothingWritten(directory + "/db-stranger"))
        // An existing store is never overwritten.
        #expect(throws: (any Error).self) {
            try Self.restore(file, into: directory + "/source", genesis: chain.genesis)
        }
    }

    @Test("a snapshot needs the certified header of the next block; a restored store has no state before its base")
    func heightBounds() throws {
        let (chain, directory, file) = try Self.fixture("snapshot-heights")
        #expect(throws: (any Error).self) { try StateSnapshots.make(from: chain.store, height: 12) }
        #expect(throws: (any Error).self) { try StateSnapshots.make(from: chain.store, height: 0) }
        let early = try StateSnapshots.make(from: chain.store, height: 3)
        #expect(early.manifest.stateRoot == (try chain.store.results(at: 3))?.stateRoot)
        let database = directory + "/restored"
        try Self.restore(file, into: database, genesis: chain.genesis)
        let restored = try BlockStore(path: database)
        defer { restored.database.close() }
        #expect(throws: (any Error).self) { try StateSnapshots.make(from: restored, height: 10) }
    }
}
