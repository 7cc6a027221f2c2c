import Metrics

/// What the registry reports about schema writes (Services/Registry/README.md, Metrics). Each is
/// counted by the instance the client called, not again by the leader a follower forwarded to.
enum RegistryMetrics {
    /// A registration's end: `registered` (a new version, or the one that already held the
    /// schema), `incompatible` (refused by the subject's compatibility level), `rejected` (any
    /// other client error: invalid schema or reference, read-only mode, …) or `failed` (the
    /// registry could not store it: Kafka, leader, forwarding).
    static func registration(_ result: Result<(id: Int, version: Int), RegistryError>) {
        let label: String
        switch result {
        case .success: label = "registered"
        case .failure(let error) where error.code == .incompatibleSchema: label = "incompatible"
        case .failure(let error) where error.code.httpStatus < 500: label = "rejected"
        case .failure: label = "failed"
        }
        Counter(label: "herald_registry_schema_registrations_total", dimensions: [("result", label)]).increment()
        if label == "incompatible" { compatibilityFailure(check: "register") }
    }

    /// A schema found incompatible: refused at registration (`register`) or answered not
    /// compatible by a compatibility test (`test`, REST `POST /compatibility/…` and gRPC `CheckCompatibility`).
    static func compatibilityFailure(check: String) {
        Counter(label: "herald_registry_compatibility_failures_total", dimensions: [("check", check)]).increment()
    }
}
