import Client
import Foundation
import GovChainAPI
import Ledger
import Testing

// Setup: a real 4-node cluster (slot 31) whose nodes serve HTTPS only, with certificates of a
// fresh CA (deploy/tls-certs.sh, as `make run`), and reads only to signed requests
// (`api.reads = "signed"`), and the built `govchain` binary. The client signs every read with
// its --key; who may read what is the node's rule (docs/api.md).

extension EndToEnd {
@Suite("The govchain CLI against nodes with signed reads (real processes)", .serialized)
struct SignedReadsCLITests {
    @Test("HTTPS checked against --ca-file; reads signed with --key: refused unsigned, answered to the issuer, verified (auditor)")
    func signedReads() async throws {
        let cluster = try LocalCluster(slot: 31)
        defer { cluster.shutdown() }
        try cluster.serveTLS()
        for index in 0..<cluster.count {
            try cluster.editConfiguration(index) {
                $0.replacingOccurrences(of: "[api]\n", with: "[api]\nreads = 'signed'\n")
            }
        }
        try await cluster.startAll()
        let receipt = try await cluster.client("peoples-hospital")
            .submit(Workload.billIssue(31, run: "signed-reads"))
        let billID = "M36012026" + String(format: "%010d", 31)
        let keys = cluster.directory + "/keys/"
        let caFile = try #require(cluster.caFile)
        let status = ["--node", cluster.url(0), "--json", "--key", keys + "peoples-hospital.key", "status"]
        // A client that trusts another CA (or only the system's store) refuses the node.
        let otherCA = cluster.directory + "/other-ca"
        try LocalCluster.run("/bin/bash", [LocalCluster.repositoryRoot + "/deploy/tls-certs.sh", otherCA])
        for refusing in [["--ca-file", otherCA + "/ca.pem"], []] {
            let run = try await VerifiedCLITests.govchain(status + refusing)
            #expect(run.status == 4, "a node with a certificate of another CA was trusted: \(run.stderr)")
            #expect(run.stderr.lowercased().contains("certificate"), "\(run.stderr)")
        }
        let trusting = try await VerifiedCLITests.govchain(status + ["--ca-file", caFile])
        #expect(trusting.status == 0, "\(trusting.stderr)")
        // The CA may come from the config file instead.
        let config = cluster.directory + "/cli.toml"
        try "ca_file = '\(caFile)'\n".write(toFile: config, atomically: true, encoding: .utf8)
        let configured = try await VerifiedCLITests.govchain(status, config: config)
        #expect(configured.status == 0, "\(configured.stderr)")
        let show = ["--node", cluster.url(0), "--ca-file", caFile, "--json", "bill", "show", "--bill-id", billID]
        let unsigned = try await VerifiedCLITests.govchain(show)
        #expect(unsigned.status == 5, "an unsigned read was answered: \(unsigned.stderr)")
        let issuer = try await VerifiedCLITests.govchain(show + ["--key", keys + "peoples-hospital.key"])
        #expect(issuer.status == 0, "\(issuer.stderr)")
        #expect(try issuer.decode(BillView.self).totalFen == 1_031)
        // Verifying reads blocks and state proofs too: an auditor's routes.
        #expect(await cluster.eventually(seconds: 20) {
            (await cluster.height(0) ?? 0) > receipt.height + 1
        })
        let genesis = cluster.directory + "/genesis.json"
        let auditor = try await VerifiedCLITests.govchain(
            show + ["--key", keys + "audit-office.key", "--genesis", genesis])
        #expect(auditor.status == 0, "\(auditor.stderr)")
        #expect(try auditor.decode(VerifiedCLITests.Flags.self).verified)
        // The issuer's read of a person's bill is in node 0's read audit, for auditors.
        let audit = try await VerifiedCLITests.govchain(
            ["--node", cluster.url(0), "--ca-file", caFile, "--json", "--key", keys + "audit-office.key",
             "audit", "reads"])
        #expect(audit.status == 0, "\(audit.stderr)")
        let reads = try audit.decode(Page<ReadAuditView>.self).items
        #expect(
            reads.contains { $0.organisation == "peoples-hospital" && $0.request.contains(billID) })
        // The library signs the same way.
        let library = try cluster.client("peoples-hospital")
        #expect(try await library.bill(billID)?.totalFen == 1_031)
    }
}
}
