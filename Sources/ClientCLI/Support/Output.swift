import ArgumentParser
import Client
import GovChainAPI
import Foundation
import Ledger

/// Exit codes scripts can rely on (listed in `govchain --help`).
enum ExitStatus {
    static let ok: Int32 = 0
    static let failed: Int32 = 1
    static let invalidInput: Int32 = 2
    static let refused: Int32 = 3
    static let unreachable: Int32 = 4
    static let rejected: Int32 = 5
    static let notFound: Int32 = 6

    static let help = """
        Exit codes:
          0  ok
          1  other failure (e.g. a node's answer failed verification)
          2  invalid input (caught before anything was sent)
          3  refused by a contract (status code and reason printed)
          4  no node reachable, or not committed within --timeout-seconds
          5  rejected by the node at admission (not_permitted, busy, ...)
          6  not found (one licence, grant, bill, claim, org, block, tx)
        """
}

/// Prints results as text for people or, with `--json`, one JSON object on stdout.
/// Errors go to stderr as text; with `--json` also to stdout as `{"error": {...}}`.
struct Output {
    let json: Bool

    /// Prints `value` as JSON, or the text `human` builds.
    func emit<Value: Encodable>(_ value: Value, human: () -> String) {
        if json { print(Self.encode(value)) } else { print(human()) }
    }

    /// Prints a list as `{"<key>": [...]}` or one text line per element.
    func emitList<Element: Encodable>(_ key: String, _ values: [Element], line: (Element) -> String)
    {
        if json {
            print("{\"\(key)\":\(Self.encode(values))}")
        } else if values.isEmpty {
            print("(none)")
        } else {
            for value in values { print(line(value)) }
        }
    }

    func receipt(_ receipt: CommittedReceipt, summary: String) {
        emit(ReceiptOutput(receipt)) {
            var lines = [
                "\(summary): committed at height \(receipt.height) (tx \(receipt.txID.hex))"
            ]
            for event in receipt.events {
                let attributes = event.attributes.map { "\($0.key)=\($0.value)" }.joined(
                    separator: " ")
                lines.append("  \(event.contract).\(event.type) \(attributes)")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Reports a client failure and returns the exit code to throw.
    func fail(_ error: ClientError) -> any Error {
        switch error {
        case .refused(let code, let message, let txID):
            return report(
                ExitStatus.refused, "refused",
                "refused (status code \(code)): \(message) [tx \(txID)]",
                [
                    "status_code": .number(UInt64(code)), "message": .text(message),
                    "tx_id": .text(txID),
                ])
        case .invalidInput(let message):
            return report(
                ExitStatus.invalidInput, "invalid_input", "invalid input: \(message)",
                ["message": .text(message)])
        case .rejected(let status, let code, let message):
            if status == 404 {
                return report(
                    ExitStatus.notFound, "not_found", "not found: \(message)",
                    ["message": .text(message)])
            }
            return report(
                ExitStatus.rejected, "rejected", error.description,
                [
                    "http_status": .number(UInt64(status)), "code": .text(code),
                    "message": .text(message),
                ])
        case .unreachable:
            return report(
                ExitStatus.unreachable, "unreachable", error.description,
                ["message": .text(error.description)])
        case .timeout(let txID):
            return report(
                ExitStatus.unreachable, "timeout", error.description,
                [
                    "tx_id": .text(txID), "message": .text(error.description),
                ])
        case .verificationFailed(let message):
            return report(
                ExitStatus.failed, "verification_failed", error.description,
                ["message": .text(message)])
        }
    }

    func fail(_ error: NotFound) -> any Error {
        report(ExitStatus.notFound, "not_found", error.description, ["message": .text(error.what)])
    }

    private func report(
        _ status: Int32, _ kind: String, _ text: String, _ fields: [String: JSONScalar]
    ) -> any Error {
        FileHandle.standardError.write(Data("govchain: \(text)\n".utf8))
        if json {
            var error = fields
            error["kind"] = .text(kind)
            error["exit_code"] = .number(UInt64(status))
            print(Self.encode(["error": error]))
        }
        return ExitCode(status)
    }

    static func encode<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A string or number in an error object.
enum JSONScalar: Encodable {
    case text(String)
    case number(UInt64)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        }
    }
}

/// A committed call's receipt as `--json` prints it.
struct ReceiptOutput: Codable {
    let txID: String
    let height: UInt64
    let index: UInt32
    let code: UInt32
    let message: String
    let events: [Event]

    init(_ receipt: CommittedReceipt) {
        txID = receipt.txID.hex
        height = receipt.height
        index = receipt.index
        code = receipt.code
        message = receipt.message
        events = receipt.events
    }

    enum CodingKeys: String, CodingKey {
        case txID = "tx_id"
        case height, index, code, message, events
    }
}

/// Renders fen as yuan for people (integers only: no floating point near money).
func yuan(_ fen: UInt64) -> String {
    let cents = fen % 100
    return "\(fen / 100).\(cents < 10 ? "0" : "")\(cents) yuan"
}
