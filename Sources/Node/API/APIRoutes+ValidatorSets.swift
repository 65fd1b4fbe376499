internal import Contracts
internal import GovChainAPI
public import Hummingbird
internal import Ledger

/// Who takes part in the network: `GET /v1/validator-sets`, every validator set the chain
/// has had or has scheduled, in height order, so a client that trusts only genesis can
/// follow the changes (it checks set `k` against the certified header `k - 1` that names it;
/// docs/api.md); and `GET /v1/followers`, the follower nodes governance admits.
extension APIRoutes {
    func registerValidatorSets(on router: Router<APIRequestContext>) {
        router.get("/v1/validator-sets") { request, context in
            try await list(request, context, { _ in .anyCaller }, sortKey: Self.heightSortKey) { queries, _ in
                guard let changes = ValidatorSchedule.changes(in: queries.state) else {
                    throw APIError(.internalServerError, "storage_error", "the validator-set history in state does not decode")
                }
                return changes.map {
                    ValidatorSetView(
                        fromHeight: $0.fromHeight, validators: $0.validators, hash: ValidatorSet.hash(of: $0.validators))
                }
            }
        }
        router.get("/v1/followers") { request, context in
            try await list(request, context, { _ in .anyCaller }, sortKey: { (follower: FollowerView) in follower.publicKey }) {
                queries, _ in try queries.followers.map(FollowerView.init)
            }
        }
    }

    /// Pages are cut by a string key: zero-padded, so text order is height order.
    @Sendable static func heightSortKey(_ set: ValidatorSetView) -> String {
        let digits = String(set.fromHeight)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }
}
