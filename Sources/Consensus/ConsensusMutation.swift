/// Deliberately broken protocol rules, for mutation testing only.
///
/// A simulator that never fails proves nothing: with a rule broken on purpose, the
/// scenario search must report a safety violation, and tests assert how often it does.
/// The set lives behind `@_spi(MutationTesting)` on `ReplicaConfiguration`, so a node
/// cannot switch one on by accident: nothing in its configuration file or command line
/// reaches it, and code that sets it must import the SPI by name. Off (empty) by default.
public enum ConsensusMutation: String, Sendable, Hashable, CaseIterable {
    /// Prevote a valid proposal even when locked on a different block, and let
    /// SafetyRules sign it (both places enforce the lock, so both must be broken).
    case ignoreLock
    /// Forget the lock whenever the replica moves to a higher round (in the replica and in
    /// SafetyRules), so a validator that precommitted a block can prevote another one in
    /// the next round.
    case unlockOnHigherRound
}
