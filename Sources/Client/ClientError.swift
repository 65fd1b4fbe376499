/// Every way a client call can fail, each distinguishable by the caller.
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A contract refused the call: the receipt's stable status code and reason.
    case refused(code: UInt32, message: String, txID: String)
    /// The input was caught before anything was sent (or a node found it malformed).
    case invalidInput(String)
    /// A node refused the transaction at admission (HTTP status, error code, message).
    case rejected(status: Int, code: String, message: String)
    /// No node could be reached (each node's failure, in order).
    case unreachable([String])
    /// The deadline passed before the transaction was seen committed. Resubmitting the same
    /// transaction is safe: it has the same id, so it can take effect at most once.
    case timeout(txID: String)
    /// A node's answer failed verification (certificate, proof, or a malformed document).
    case verificationFailed(String)

    public var description: String {
        switch self {
        case let .refused(code, message, txID): "refused (code \(code)): \(message) [tx \(txID)]"
        case let .invalidInput(message): "invalid input: \(message)"
        case let .rejected(status, code, message): "rejected by node (HTTP \(status) \(code)): \(message)"
        case let .unreachable(reasons): "no node reachable: \(reasons.joined(separator: "; "))"
        case let .timeout(txID): "not committed before the deadline: tx \(txID) (resubmitting it is safe)"
        case let .verificationFailed(reason): "verification failed: \(reason)"
        }
    }
}
