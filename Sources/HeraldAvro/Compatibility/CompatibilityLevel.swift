/// Confluent Schema Registry's compatibility levels. Non-transitive levels compare a new schema
/// with the latest registered one only; transitive levels with every previous one.
public enum CompatibilityLevel: String, CaseIterable, Hashable, Sendable {
    case none = "NONE"
    /// The new schema can read data written with the latest schema.
    case backward = "BACKWARD"
    case backwardTransitive = "BACKWARD_TRANSITIVE"
    /// The latest schema can read data written with the new schema.
    case forward = "FORWARD"
    case forwardTransitive = "FORWARD_TRANSITIVE"
    /// Both backward and forward.
    case full = "FULL"
    case fullTransitive = "FULL_TRANSITIVE"

    var isTransitive: Bool { self == .backwardTransitive || self == .forwardTransitive || self == .fullTransitive }
    var checksBackward: Bool { self == .backward || self == .backwardTransitive || self == .full || self == .fullTransitive }
    var checksForward: Bool { self == .forward || self == .forwardTransitive || self == .full || self == .fullTransitive }
}
