import Client
import GovChainAPI
import Foundation
import Ledger
import Testing

// Setup: a real 4-node cluster (slot 30), lying nodes in this process that relay to it but
// flip one byte of what they relay (LyingNode, VerifiedClientTests.swift), and the built
// `govchain` binary run as a process. With a trusted genesis the CLI must refuse every
// forgery (exit 1) and show the honest answer as verified; without one it must mark what it
// prints "unverified".

extension EndToEnd {
@Suite("The govchain CLI verifies what it shows (real processes, lying nodes)", .serialized)
struct VerifiedCLITests {
    /// One `govchain` run with a config-free environment (no user config file leaks in).
    /// The wait for the child runs on a dispatch thread, not a Swift concurrency one: the
    /// lying nodes answering the child live in this process and need those threads (on two
    /// cores, blocking them while tests run in parallel starves the lying nodes).
    static func govchain(_ arguments: [String], config: String? = nil) async throws
        -> ClientCLITests.Run
    {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingGovchain(arguments, config: config) })
            }
        }
    }

    static func blockingGovchain(_ arguments: [String], config: String?) throws -> ClientCLITests.Run {
        let home = temporaryDirectory("cli-home")
        defer { try? FileManager.default.removeItem(atPath: home) }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        environment["XDG_CONFIG_HOME"] = home + "/.config"
        environment["GOVCHAIN_CONFIG"] = config
        return try ClientCLITests.govchain(arguments, environment: environment)
    }

    struct Flags: Decodable {
        let verified: Bool
        let verified_height: UInt64?
    }

    @Test("trusted genesis: block/tx/bill show refuse each forged byte, verify the honest node")
    func forgeriesAreRefused() async throws {
        let cluster = try LocalCluster(slot: 30)
        defer { cluster.shutdown() }
        try await cluster.startAll()
        let genesis = cluster.directory + "/genesis.json"
        let receipt = try await cluster.client("peoples-hospital")
            .submit(Workload.billIssue(30, run: "cli-verify"))
        // The receipt's proof needs block height + 1, a state proof height + 1 too.
        #expect(await cluster.eventually(seconds: 20) {
            (await cluster.height(0) ?? 0) > receipt.height + 1
        })
        let billID = "M36012026" + String(format: "%010d", 30)
        let height = "\(receipt.height)"
        let queries: [String: [String]] = [
            "block": ["block", "show", "--height", height],
            "tx": ["tx", "show", "--tx-id", receipt.txID.hex],
            "bill": ["bill", "show", "--bill-id", billID],
        ]
        try await checkHonest(cluster, genesis: genesis, queries: queries, receipt: receipt)
        let lies: [(LyingNode.Lie, [String])] = [
            (.certificateSignature, ["block", "tx", "bill"]),
            (.txProof, ["tx"]), (.receiptProof, ["tx"]),
            (.stateProof, ["bill"]), (.stateValue, ["bill"]),
        ]
        for (offset, (lie, forged)) in lies.enumerated() {
            let port = cluster.apiBase + 10 + offset
            let stop = try await LyingNode.start(upstream: cluster.url(0), port: port, lie: lie)
            let liar = ["--node", "http://127.0.0.1:\(port)"]
            for name in forged {
                let run = try await Self.govchain(liar + queries[name]! + ["--genesis", genesis])
                #expect(run.status == 1, "\(lie): \(name) show believed the lie: \(run.stderr)")
                #expect(run.stderr.contains("verification failed"), "\(lie) \(name): \(run.stderr)")
                #expect(run.stdout.isEmpty, "\(lie) \(name) printed forged data")
            }
            await stop()
        }
        try await checkUnverified(cluster, genesis: genesis, queries: queries, billID: billID)
    }

    /// Through an honest node every query verifies (JSON and text), equal to the node's view;
    /// a config file naming the genesis does what --genesis does.
    func checkHonest(
        _ cluster: LocalCluster, genesis: String, queries: [String: [String]],
        receipt: CommittedReceipt
    ) async throws {
        let honest = ["--node", cluster.url(0)]
        let trusted = ["--genesis", genesis]
        for (name, query) in queries {
            let run = try await Self.govchain(honest + query + trusted + ["--json"])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            #expect(try run.decode(Flags.self).verified, "\(name) not verified")
            let text = try await Self.govchain(honest + query + trusted)
            let output = String(decoding: text.stdout, as: UTF8.self)
            #expect(text.status == 0)
            #expect(output.contains("verified: checked up to the trusted genesis"), "\(name)")
            #expect(!output.contains("unverified"), "\(name): \(output)")
        }
        let node = try cluster.readClient(0)
        let block = try await Self.govchain(honest + queries["block"]! + trusted + ["--json"])
        let nodeBlock = try await node.block(height: receipt.height)
        #expect(try block.decode(BlockView.self) == nodeBlock)
        let tx = try await Self.govchain(honest + queries["tx"]! + trusted + ["--json"])
            .decode(TransactionView.self)
        #expect(tx.code == 0 && tx.height == receipt.height && tx.txID == receipt.txID.hex)
        let bill = try await Self.govchain(honest + queries["bill"]! + trusted + ["--json"])
        let shown = try bill.decode(BillView.self)
        #expect(shown.totalFen == 1_030 && shown.leftFen == 1_030)
        // The other single records: an organisation with its proven key records equals the
        // node's view; a licence type verifies; an unknown mandate or item is proven absent.
        let organisation = try await Self.govchain(
            honest + ["org", "show", "--org-id", "peoples-hospital"] + trusted + ["--json"])
        #expect(organisation.status == 0, "\(organisation.stderr)")
        let nodeOrganisation = try await node.organisation("peoples-hospital")
        #expect(try organisation.decode(OrganisationView.self) == nodeOrganisation)
        #expect(try organisation.decode(Flags.self).verified)
        let type = try await Self.govchain(
            honest + ["licence-type", "show", "--code", "1110000"] + trusted + ["--json"])
        #expect(type.status == 0, "\(type.stderr)")
        #expect(try type.decode(Flags.self).verified)
        let absentQueries = [
            ["auth", "show-mandate", "--mandate-id", "none"],
            ["duty", "show", "--item-code", "none"],
        ]
        for query in absentQueries {
            let run = try await Self.govchain(honest + query + trusted)
            #expect(run.status == 6, "\(query): \(run.stderr)")
            #expect(run.stderr.contains("proven absent"), "\(query): \(run.stderr)")
        }
        struct Validators: Decodable { let validators: [ValidatorView] }
        let validators = try await Self.govchain(honest + ["org", "validators", "--json"])
        #expect(try validators.decode(Validators.self).validators.count == 4)
        // As of a height: the bill exists after the block that issued it, and is proven
        // absent the block before.
        let asOf = try await Self.govchain(
            honest + queries["bill"]! + ["--height", "\(receipt.height)"] + trusted + ["--json"])
        #expect(asOf.status == 0, "\(asOf.stderr)")
        #expect(try asOf.decode(Flags.self).verified_height == receipt.height + 1)
        let before = try await Self.govchain(
            honest + queries["bill"]! + ["--height", "\(receipt.height - 1)"] + trusted)
        #expect(before.status == 6 && before.stderr.contains("proven absent"), "\(before.stderr)")
        // Absence is proven too: exit 6, not a guess.
        let absent = try await Self.govchain(
            honest + ["bill", "show", "--bill-id", "M360120269999999999"] + trusted)
        #expect(absent.status == 6, "\(absent.stderr)")
        // genesis = "genesis.json" in a config file, relative to the file's directory.
        let config = cluster.directory + "/govchain.toml"
        try "genesis = \"genesis.json\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let configured = try await Self.govchain(
            ["--node", cluster.url(0), "--json"] + queries["bill"]!, config: config)
        #expect(configured.status == 0, "\(configured.stderr)")
        #expect(try configured.decode(Flags.self).verified)
    }

    /// Without a genesis the CLI shows what a node says, marked unverified on every line and
    /// `"verified": false`; the same forged record view is ignored by the verified path.
    func checkUnverified(
        _ cluster: LocalCluster, genesis: String, queries: [String: [String]], billID: String
    ) async throws {
        let port = cluster.apiBase + 19
        let stop = try await LyingNode.start(upstream: cluster.url(0), port: port, lie: .recordView)
        defer { Task { await stop() } }
        let liar = ["--node", "http://127.0.0.1:\(port)"]
        for (name, query) in queries {
            let text = try await Self.govchain(liar + query)
            let lines = String(decoding: text.stdout, as: UTF8.self).split(separator: "\n")
            #expect(text.status == 0 && !lines.isEmpty, "\(name): \(text.stderr)")
            #expect(lines.allSatisfy { $0.hasPrefix("unverified: ") }, "\(name): \(lines)")
            let json = try await Self.govchain(liar + query + ["--json"])
            #expect(try json.decode(Flags.self).verified == false, "\(name)")
        }
        // The forged total is what an unverified read shows; a verified read never sees it.
        let forged = try await Self.govchain(liar + queries["bill"]! + ["--json"]).decode(BillView.self)
        #expect(forged.totalFen == 1_031)
        let checked = try await Self.govchain(liar + queries["bill"]! + ["--genesis", genesis, "--json"])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(try checked.decode(BillView.self).totalFen == 1_030)
        await stop()
    }
}
}
